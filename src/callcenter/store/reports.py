"""The month report's rows: the month's calls, the promises due in it, the intakes submitted in it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from callcenter.domain.actor import Actor
from callcenter.domain.metrics import LineSettings, day_bounds
from callcenter.domain.model import PromiseKind
from callcenter.domain.month_report import IntakeFacts, MonthReport, PromiseFacts, month_days, month_report
from callcenter.domain.roles import Permission
from callcenter.domain.timefmt import line_zone
from callcenter.store.agents import acting
from callcenter.store.db import Database
from callcenter.store.models import Call, Child, Intake, Promise, ReferralProvider
from callcenter.store.monitor import _LINE_COLUMNS, _call_columns, _load_calls

# The promises the program reports on: a family's or a pediatrician's call returned in time.
RETURNED_CALLS = (PromiseKind.CALLBACK_REQUEST.value, PromiseKind.CONSULT_CALLBACK.value)


def month(db: Database, actor: Actor, first_day: date, now: datetime) -> MonthReport:
    """The month of ``first_day`` as known at ``now``: supervisors and the shell."""
    days = month_days(first_day)
    zone = line_zone()
    start, end = day_bounds(days[0], zone)[0], day_bounds(days[-1], zone)[1]
    with db.read() as session:
        acting(session, actor, Permission.SUPERVISE)
        lines = session.connection().execute(_LINE_COLUMNS).all()
        settings = {line.code: LineSettings.of(line) for line in lines}
        _, calls = _load_calls(
            session,
            {line.id: line.code for line in lines},
            _call_columns().where(Call.arrived_at >= start, Call.arrived_at < end),
        )
        promises = [
            PromiseFacts(kind, due_at, state, late)
            for kind, due_at, state, late in session.execute(
                select(Promise.kind, Promise.due_at, Promise.state, Promise.late_minutes).where(
                    Promise.kind.in_(RETURNED_CALLS), Promise.due_at >= start, Promise.due_at < end
                )
            ).all()
        ]
        first_appointment = (
            select(ReferralProvider.intake_id, func.min(ReferralProvider.appointment_at).label("at"))
            .where(ReferralProvider.outcome == "scheduled")
            .group_by(ReferralProvider.intake_id)
            .subquery()
        )
        intakes = [
            IntakeFacts(urgency or "routine", deadline, seen, town)
            for urgency, deadline, seen, town in session.execute(
                select(Intake.urgency, Intake.access_deadline, first_appointment.c.at, Child.town)
                .outerjoin(first_appointment, first_appointment.c.intake_id == Intake.id)
                .outerjoin(Child, Child.id == Intake.child_id)
                .where(Intake.status == "submitted", Intake.submitted_at >= start, Intake.submitted_at < end)
            ).all()
        ]
    return month_report(first_day, calls, settings, promises, intakes, now)
