"""The month report on both engines, on a hand-built November: calls per line and day, callbacks
returned within their promise, children linked within the access standard, referrals by town."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from callcenter.domain.actor import Actor
from callcenter.domain.model import PromiseKind
from callcenter.store import reports
from callcenter.store.models import Child, Intake, Promise, ReferralProvider
from tests.store.test_monitor import add_agent, add_call

NEW_YORK = ZoneInfo("America/New_York")
SHELL = Actor.shell("test")
AFTER = datetime(2026, 12, 2, 12, tzinfo=UTC)  # the report is made after the month


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def _promise(session, kind, due, state, late=None):
    session.add(
        Promise(
            kind=kind.value, title="t", state=state, due_at=due, original_due_at=due, created_at=due, late_minutes=late
        )
    )


def _intake(session, agent, urgency, submitted, town, appointment=None):
    from callcenter.domain.intake_rules import access_deadline

    child = Child(first_name="A", last_name="B", town=town)
    session.add(child)
    session.flush()
    intake = Intake(
        agent_id=agent,
        child_id=child.id,
        status="submitted",
        urgency=urgency,
        submitted_at=submitted,
        access_deadline=access_deadline(urgency, submitted),
    )
    session.add(intake)
    session.flush()
    if appointment is not None:
        from sqlalchemy import select

        from callcenter.store.models import Provider

        provider = session.scalars(select(Provider.id)).first()
        if provider is None:
            provider_row = Provider(name="Clinic", hsds_id="p1")
            session.add(provider_row)
            session.flush()
            provider = provider_row.id
        session.add(
            ReferralProvider(
                intake_id=intake.id,
                provider_id=provider,
                outcome="scheduled",
                appointment_at=appointment,
                recorded_at=submitted,
            )
        )


def test_the_month_as_the_program_reports_it(db):
    rep = add_agent(db, "alex")
    add_call(db, "877", ny(2, 9), ny(2, 9, 0) + timedelta(seconds=10), ny(2, 9, 5), rep)  # within 20 s
    add_call(db, "877", ny(2, 10), ny(2, 10) + timedelta(seconds=50), ny(2, 10, 6), rep)  # slow
    add_call(
        db, "877", ny(30, 23, 59), ny(30, 23, 59) + timedelta(minutes=2), ny(30, 23, 59) + timedelta(minutes=9), rep
    )
    add_call(db, "866", ny(15, 11), None, ny(15, 11, 1))  # a long abandon
    add_call(db, "877", datetime(2026, 12, 1, 9, tzinfo=NEW_YORK))  # December's: not in November
    with db.write() as session:
        _promise(session, PromiseKind.CALLBACK_REQUEST, ny(3, 12), "done", 0)
        _promise(session, PromiseKind.CALLBACK_REQUEST, ny(4, 12), "done", 45)
        _promise(session, PromiseKind.CALLBACK_REQUEST, ny(5, 12), "open")
        _promise(session, PromiseKind.CONSULT_CALLBACK, ny(6, 12), "done", None)
        _promise(session, PromiseKind.CALLBACK_REQUEST, ny(7, 12), "cancelled")
        _promise(session, PromiseKind.LINKAGE_CHECK, ny(8, 12), "done", 0)  # not a returned call
        _intake(session, rep, "urgent", ny(10, 9), "Hartford", appointment=ny(11, 15))  # within 2 days
        _intake(session, rep, "urgent", ny(10, 9), "Hartford", appointment=ny(16, 15))  # later
        _intake(session, rep, "routine", ny(12, 9), "New Haven")  # no appointment yet
        _intake(session, rep, "emergency", ny(20, 9), None, appointment=ny(20, 10))
    report = reports.month(db, SHELL, date(2026, 11, 1), AFTER)
    assert len(report.days) == 30 and report.lines[:2] == ("877", "866")
    second = next(row for row in report.of("877") if row.day == date(2026, 11, 2))
    assert (second.offered, second.answered, second.service_level) == (2, 2, 0.5)
    last = next(row for row in report.of("877") if row.day == date(2026, 11, 30))
    assert (last.offered, last.answered) == (1, 1)  # rang at 23:59 on the 30th: November's
    assert sum(row.offered for row in report.of("877")) == 3  # December's caller left out
    assert next(r for r in report.of("866") if r.day == date(2026, 11, 15)).abandoned == 1
    kept = {row.kind: row for row in report.callbacks}
    families = kept["callback_request"]
    assert (families.due, families.on_time, families.late, families.still_open) == (3, 1, 1, 1)
    assert kept["consult_callback"].share_on_time == 1.0 and "linkage_check" not in kept
    linkage = {row.urgency: row for row in report.linkage}
    assert (linkage["urgent"].within_standard, linkage["urgent"].later) == (1, 1)
    assert (linkage["routine"].intakes, linkage["routine"].not_yet) == (1, 1)
    assert linkage["emergency"].share_within == 1.0
    assert report.referrals_by_town == (("Hartford", 2), ("New Haven", 1), ("town not given", 1))
