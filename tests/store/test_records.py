"""Opening a child's full record on purpose: the whole record comes back, and the opening is audited once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from callcenter.domain.actor import Actor
from callcenter.domain.errors import PermissionDenied
from callcenter.domain.timefmt import line_zone
from callcenter.store import intakes, records
from callcenter.store.errors import InvalidOperation, NotFound
from callcenter.store.models import AuditEntry, Child, Guardian
from tests.dbutil import signed_in
from tests.store.test_contacts import _agent
from tests.store.test_intakes import complete_fields


def _child_with_guardian(db, now) -> int:
    with db.write() as session:
        guardian = Guardian(
            first_name="Maria",
            last_name="Lopez",
            relationship="mother",
            phone_number="+18605550143",
            created_at=now,
            updated_at=now,
        )
        session.add(guardian)
        session.flush()
        child = Child(
            first_name="Carlos",
            last_name="Lopez",
            date_of_birth=date(2019, 3, 4),
            town="Hartford",
            medicaid_number="012345678",
            guardian_id=guardian.id,
            created_at=now,
            updated_at=now,
        )
        session.add(child)
        session.flush()
        return child.id


def _openings(db) -> list[tuple]:
    with db.read() as session:
        return session.execute(
            select(AuditEntry.agent_id, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.child_id, AuditEntry.screen)
            .where(AuditEntry.action == records.OPEN_RECORD)
            .order_by(AuditEntry.id)
        ).all()


def test_the_full_record_opens_and_says_who_opened_it_from_where(db, now):
    rep = _agent(db, now, "alex")
    child = _child_with_guardian(db, now)
    assert _openings(db) == []

    record = records.open_child_record(db, signed_in(db, rep), child, "contact log", now)

    assert (record.first_name, record.last_name, record.date_of_birth) == ("Carlos", "Lopez", date(2019, 3, 4))
    assert record.medicaid_number == "012345678"
    assert (record.guardian_name, record.guardian_relationship) == ("Maria Lopez", "mother")
    assert _openings(db) == [(rep, "child", child, child, "contact log")]


def test_each_opening_is_its_own_entry(db, now):
    rep, psychiatrist = _agent(db, now, "alex"), _agent(db, now, "drkim", role="psychiatrist")
    child = _child_with_guardian(db, now)
    records.open_child_record(db, signed_in(db, rep), child, "contact log", now)
    records.open_child_record(db, signed_in(db, psychiatrist), child, "consults", now + timedelta(minutes=1))
    assert [(who, screen) for who, _, _, _, screen in _openings(db)] == [
        (rep, "contact log"),
        (psychiatrist, "consults"),
    ]


def test_a_missing_child_is_not_found_and_nothing_is_audited(db, now):
    rep = _agent(db, now, "alex")
    with pytest.raises(NotFound):
        records.open_child_record(db, signed_in(db, rep), 999_999, "contact log", now)
    assert _openings(db) == []


def test_a_disabled_account_cannot_open_a_record(db, now):
    from callcenter.store.models import Agent

    rep = _agent(db, now, "alex")
    child = _child_with_guardian(db, now)
    as_rep = signed_in(db, rep)
    with db.write() as session:
        session.get(Agent, rep).active = False
    with pytest.raises(NotFound):
        records.open_child_record(db, as_rep, child, "contact log", now)
    assert _openings(db) == []


def test_opening_a_submitted_intake_to_read_it_is_audited_with_its_child(db, now):
    rep, other = _agent(db, now, "alex"), _agent(db, now, "jordan")
    draft = intakes.start(db, rep, now)
    fields = complete_fields()
    version = intakes.save_draft(db, rep, draft.id, fields, draft.version, now)
    submitted = intakes.submit(db, rep, draft.id, fields, version, now, now.astimezone(line_zone()).date())

    view = intakes.open_record(db, signed_in(db, other), draft.id, "contact log", now)

    assert view.id == draft.id
    assert _openings(db) == [(other, "intake", draft.id, submitted.child_id, "contact log")]


def test_reading_an_intake_is_audited_unless_it_is_your_own_work(db, now):
    """`intakes.get` used to hand anyone another rep's draft with no trace."""
    from tests.store.test_monitor import add_agent

    rep, other = _agent(db, now, "alex"), _agent(db, now, "jordan")
    supervisor = add_agent(db, "sam", "supervisor")
    draft = intakes.start(db, rep, now)
    intakes.save_draft(db, rep, draft.id, {"caller_name": "Maria Lopez"}, draft.version, now)

    mine = intakes.get(db, signed_in(db, rep), draft.id, now)
    assert mine.fields["caller_name"] == "Maria Lopez" and _openings(db) == []  # a rep's own draft

    theirs = intakes.get(db, signed_in(db, supervisor), draft.id, now, screen="intake")
    assert theirs.fields["caller_name"] == "Maria Lopez"
    assert _openings(db) == [(supervisor, "intake", draft.id, None, "intake")]
    intakes.get(db, signed_in(db, other), draft.id, now + timedelta(minutes=1), screen="contact log")
    assert _openings(db)[-1] == (other, "intake", draft.id, None, "contact log")
    intakes.get(db, Actor.shell("test"), draft.id, now)  # the shell reads, and is recorded as such
    assert _openings(db)[-1] == (None, "intake", draft.id, None, "shell: test")
    with pytest.raises(InvalidOperation, match="needs who is acting"):
        intakes.get(db, None, draft.id, now)  # type: ignore[arg-type]
    assert len(_openings(db)) == 3


def test_only_people_whose_work_needs_records_may_open_them(db, now, monkeypatch):
    from callcenter.domain import roles

    rep = _agent(db, now, "alex")
    child = _child_with_guardian(db, now)
    monkeypatch.setitem(roles.GRANTS, roles.Role.REP, roles.GRANTS[roles.Role.REP] - {roles.Permission.OPEN_RECORDS})
    with pytest.raises(PermissionDenied):
        records.open_child_record(db, signed_in(db, rep), child, "contact log", now)
    assert _openings(db) == []
