"""Intake drafts that survive a dead terminal, and submission as one transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select, update

from callcenter.domain import intake_form, intake_rules, web_referral
from callcenter.domain.actor import Actor
from callcenter.domain.consults import ConsultForm
from callcenter.domain.errors import ValidationError
from callcenter.domain.handoffs import rep_needs, teams_needed
from callcenter.domain.model import IntakeStatus, PromiseKind, Urgency
from callcenter.domain.phone import format_phone
from callcenter.domain.privacy import masked_child
from callcenter.domain.promises import PromisePolicy
from callcenter.domain.roles import Permission, require
from callcenter.domain.timefmt import line_date
from callcenter.store import audit, consults, handoffs, promises, referrals, web_referrals
from callcenter.store.access import owned_row
from callcenter.store.agents import _load as load_agent
from callcenter.store.agents import acting
from callcenter.store.db import Database
from callcenter.store.errors import ConflictingEdit, InvalidOperation, NotFound
from callcenter.store.models import Call, Child, Contact, Guardian, Intake
from callcenter.store.views import KnownChild


@dataclass(frozen=True, slots=True)
class DraftView:
    id: int
    call_id: int | None
    agent_id: int
    status: IntakeStatus
    fields: dict[str, str]
    version: int
    crisis_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    caller_number: str | None


@dataclass(frozen=True, slots=True)
class SubmittedIntake:
    intake_id: int
    child_id: int
    guardian_id: int | None
    promise_id: int
    access_deadline: datetime
    consult_id: int | None


def start(db: Database, agent_id: int, now: datetime, call_id: int | None = None) -> DraftView:
    """Open the agent's draft for this call, creating it the first time (one draft per call and rep)."""
    with db.write() as session:
        agent = load_agent(session, agent_id)
        require(agent.role, Permission.WORK_INTAKES)
        existing = None
        if call_id is not None:
            if session.get(Call, call_id) is None:
                raise NotFound(f"No call {call_id}.")
            existing = session.scalars(
                select(Intake).where(
                    Intake.call_id == call_id,
                    Intake.agent_id == agent_id,
                    Intake.status == IntakeStatus.DRAFT.value,
                )
            ).first()
        if existing is not None:
            return _view(session, existing)
        fields: dict[str, str] = {}
        if call_id is not None:
            number = session.get(Call, call_id).caller_number
            if number:
                fields["callback_number"] = format_phone(number)
            referred = web_referrals.referral_on_call(session, call_id)
            if referred is not None:  # a referral made on the public site: typed in by the referrer
                fields.update(web_referral.intake_fields(referred[1], line_date(now)))
        intake = Intake(
            call_id=call_id,
            agent_id=agent_id,
            status=IntakeStatus.DRAFT.value,
            draft=json.dumps(fields),
            created_at=now,
            updated_at=now,
        )
        session.add(intake)
        session.flush()
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="create",
            entity="intake",
            entity_id=intake.id,
            detail={"call_id": call_id},
        )
        return _view(session, intake)


def get(db: Database, actor: Actor, intake_id: int, now: datetime, screen: str = "intake") -> DraftView:
    """An intake as saved. The rep who wrote it reads their own work unrecorded; anyone else's read
    opens a child's record, and is audited as ``open_record`` is."""
    with db.read() as session:
        agent = acting(session, actor)
        intake = session.get(Intake, intake_id)
        if intake is None:
            raise NotFound(f"No intake {intake_id}.")
        if agent is not None and intake.agent_id == agent.id:
            return _view(session, intake)
    return open_record(db, actor, intake_id, screen, now)


def open_record(db: Database, actor: Actor, intake_id: int, screen: str, now: datetime) -> DraftView:
    """An intake opened to read (the full record of a child): audited with who, when and from where."""
    with db.write() as session:
        acting(session, actor, Permission.OPEN_RECORDS)
        intake = session.get(Intake, intake_id)
        if intake is None:
            raise NotFound(f"No intake {intake_id}.")
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            action="open_record",
            entity="intake",
            entity_id=intake_id,
            screen=audit.screen_of(actor, screen),
            child_id=intake.child_id,
        )
        return _view(session, intake)


def open_drafts(db: Database, agent_id: int) -> list[DraftView]:
    """Drafts this rep left unfinished (e.g. the terminal died), the most important first: a crisis,
    then the one with most typed in it, then the newest."""
    with db.read() as session:
        rows = session.scalars(
            select(Intake).where(Intake.agent_id == agent_id, Intake.status == IntakeStatus.DRAFT.value)
        ).all()
        views = [_view(session, intake) for intake in rows]
    return sorted(
        views,
        key=lambda view: (
            view.crisis_at is None,
            -sum(1 for value in view.fields.values() if value),
            -(view.updated_at.timestamp() if view.updated_at else 0),
        ),
    )


def discard_if_untouched(db: Database, agent_id: int, intake_id: int, now: datetime) -> bool:
    """A draft left with nothing typed in it (never saved since it was opened, no crisis marked) and
    tied to no call or logged contact is not kept to be offered again: it is marked abandoned.
    True when it was."""
    with db.write() as session:
        intake = _editable(session, agent_id, intake_id)
        if intake.version != 1 or intake.crisis_at is not None or intake.call_id is not None:
            return False
        if session.scalars(select(Contact.id).where(Contact.intake_id == intake_id).limit(1)).first() is not None:
            return False  # started from a logged contact (a fax, a TTY call): the entry leads to it
        intake.status = IntakeStatus.ABANDONED.value
        intake.updated_at = now
        intake.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="abandon",
            entity="intake",
            entity_id=intake_id,
            detail={"reason": "nothing typed"},
            screen="intake",
        )
        return True


def save_draft(
    db: Database, agent_id: int, intake_id: int, fields: Mapping[str, str], expected_version: int, now: datetime
) -> int:
    """Store the fields as typed (not yet validated). Refused if someone saved since `expected_version`."""
    payload = json.dumps(intake_form.bounded_draft(fields), sort_keys=True)
    with db.write() as session:
        db.typing_commit(session)
        _editable(session, agent_id, intake_id)
        result = session.execute(
            update(Intake)
            .where(
                Intake.id == intake_id, Intake.version == expected_version, Intake.status == IntakeStatus.DRAFT.value
            )
            .values(draft=payload, updated_at=now, version=Intake.version + 1)
            .returning(Intake.version)
        ).scalar_one_or_none()
        if result is None:
            raise _conflict(session, intake_id)
        audit.record_typing(
            session,
            at=now,
            agent_id=agent_id,
            entity="intake",
            entity_id=intake_id,
            detail={"draft_fields": sorted(k for k, v in fields.items() if v)},
        )
        return result


def mark_crisis(db: Database, agent_id: int, intake_id: int, reason: str, now: datetime) -> DraftView:
    """Switch the intake to the crisis path. Recorded once and never cleared."""
    reason = intake_form.parse_crisis_reason(reason)
    with db.write() as session:
        intake = _editable(session, agent_id, intake_id)
        if intake.crisis_at is None:
            intake.crisis_at = now
            intake.crisis_reason = reason
        intake.urgency = Urgency.EMERGENCY.value
        fields = json.loads(intake.draft)
        fields["urgency"] = Urgency.EMERGENCY.value
        fields["crisis_reason"] = intake.crisis_reason
        intake.draft = json.dumps(fields, sort_keys=True)
        intake.updated_at = now
        intake.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="crisis",
            entity="intake",
            entity_id=intake_id,
            detail={"reason": reason},
        )
        session.flush()
        return _view(session, intake)


def find_known_children(db: Database, fields: Mapping[str, str], today: date) -> list[KnownChild]:
    """Children already on file with the same Medicaid number, or the same name and date of birth."""
    medicaid = intake_form.try_parse("medicaid_number", fields, today)
    first = intake_form.try_parse("child_first_name", fields, today)
    last = intake_form.try_parse("child_last_name", fields, today)
    dob = intake_form.try_parse("child_dob", fields, today)
    conditions = []
    if medicaid:
        conditions.append(Child.medicaid_number == medicaid)
    if first and last and dob:
        conditions.append(
            (Child.first_name.ilike(first)) & (Child.last_name.ilike(last)) & (Child.date_of_birth == dob)
        )
    if not conditions:
        return []
    with db.read() as session:
        rows = session.scalars(select(Child).where(or_(*conditions)).limit(5)).all()
        return [
            KnownChild(
                id=child.id,
                first_name=child.first_name,
                last_name=child.last_name,
                date_of_birth=child.date_of_birth,
                town=child.town,
                medicaid_last4=child.medicaid_number[-4:] if child.medicaid_number else None,
                matched_on="Medicaid number"
                if medicaid and child.medicaid_number == medicaid
                else "name and date of birth",
            )
            for child in rows
        ]


def submit(
    db: Database,
    agent_id: int,
    intake_id: int,
    fields: Mapping[str, str],
    expected_version: int,
    now: datetime,
    today: date,
    reuse_child_id: int | None = None,
    policy: PromisePolicy | None = None,
) -> SubmittedIntake:
    """Validate everything, then write intake, child, guardian, follow-up promise and audit rows together."""
    clean, errors = intake_form.validate_for_submit(fields, today)
    if errors:
        first_key = next(iter(errors))
        raise ValidationError(
            f"{len(errors)} field(s) need attention before submitting: {errors[first_key]}", first_key
        )
    with db.write() as session:
        intake = _editable(session, agent_id, intake_id)
        if intake.version != expected_version:
            raise _conflict(session, intake_id)
        child = session.get(Child, reuse_child_id) if reuse_child_id else None
        if reuse_child_id and child is None:
            raise NotFound(f"No child {reuse_child_id} to reuse.")
        guardian = Guardian(
            first_name=clean["guardian_first_name"],
            last_name=clean["guardian_last_name"],
            relationship=clean.get("caller_type"),
            phone_number=clean["callback_number"],
            husky_insured=clean.get("guardian_husky") == "yes" if clean.get("guardian_husky") else None,
            created_at=now,
            updated_at=now,
        )
        session.add(guardian)
        session.flush()
        child_fields = {
            "first_name": clean["child_first_name"],
            "last_name": clean["child_last_name"],
            "date_of_birth": clean["child_dob"],
            "sex": clean.get("child_sex"),
            "town": clean.get("child_town"),
            "zip_code": clean.get("child_zip"),
            "language": clean.get("child_language"),
            "medicaid_number": clean.get("medicaid_number"),
            "insurance": clean["insurance"],
            "guardian_id": guardian.id,
        }
        if child is None:
            child = Child(**child_fields, created_at=now, updated_at=now)
            session.add(child)
            session.flush()
            audit.record(
                session,
                at=now,
                agent_id=agent_id,
                action="create",
                entity="child",
                entity_id=child.id,
                screen="intake",
                child_id=child.id,
            )
        else:
            changed = sorted(k for k, v in child_fields.items() if v is not None and getattr(child, k) != v)
            for key in changed:
                setattr(child, key, child_fields[key])
            child.updated_at = now
            child.version += 1
            audit.record(
                session,
                at=now,
                agent_id=agent_id,
                action="update",
                entity="child",
                entity_id=child.id,
                detail={"fields": changed},
                screen="intake",
                child_id=child.id,
            )
        urgency = Urgency(clean["urgency"])
        deadline = intake_rules.access_deadline(urgency, now)
        advice = {a.kind for a in intake_rules.advisories(clean, today)}
        intake.child_id = child.id
        intake.guardian_id = guardian.id
        intake.status = IntakeStatus.SUBMITTED.value
        intake.caller_type = clean.get("caller_type")
        intake.caller_name = clean.get("caller_name")
        intake.callback_number = clean["callback_number"]
        intake.urgency = urgency.value
        intake.access_deadline = deadline
        intake.symptoms = clean.get("symptoms")
        intake.diagnosis = clean.get("diagnosis")
        intake.duration = clean.get("duration")
        intake.needs = ";".join(intake_form.selected_needs(clean))
        intake.not_managed = "not_managed" in advice
        intake.early_intervention_offered = "early_intervention" in advice
        intake.parent_services_offered = "parent_services" in advice
        intake.draft = json.dumps(intake_form.bounded_draft(fields), sort_keys=True)
        intake.submitted_at = now
        intake.updated_at = now
        intake.version += 1
        consult_id = None
        if "medication_consult" in advice:
            question_type = clean.get("consult_question_type") or "medication"
            intake.consult_question_type = question_type
            # The intake hands its PCP's question over as a consult request, the one way one is made.
            question = ConsultForm(
                pcp_name=clean.get("caller_name") or "PCP office",
                practice=None,
                callback_number=clean["callback_number"],
                npi=None,
                child_first_name=child.first_name,
                child_last_name=child.last_name,
                child_dob=child.date_of_birth,
                question_type=question_type,
                question=clean.get("symptoms") or "",
                urgency="urgent" if urgency in (Urgency.EMERGENCY, Urgency.URGENT) else "routine",
            )
            consult_id = consults.add_request(
                session,
                agent_id,
                question,
                now,
                policy or PromisePolicy(),
                call_id=intake.call_id,
                intake_id=intake.id,
                child_id=child.id,
                psychiatrist_id=None,
            )
        if intake.call_id is not None:  # the call already ended and logged itself: its entry names the child now
            session.execute(
                update(Contact)
                .where(Contact.call_id == intake.call_id, Contact.child_id.is_(None))
                .values(child_id=child.id, intake_id=intake.id)
            )
        promise = promises.new_promise(
            session,
            kind=PromiseKind.LINKAGE_CHECK,
            title=f"Check that {masked_child(child.first_name, child.last_name, child.date_of_birth)} "
            "was linked to care",
            owner_agent_id=agent_id,
            start=now,
            due=deadline,
            call_id=intake.call_id,
            intake_id=intake.id,
            child_id=child.id,
        )
        # A ticked case-manager or peer-specialist need hands the family to that team, with a deadline.
        for team in teams_needed(clean):
            if handoffs.open_with_team(session, child.id, team) is not None:
                continue  # the family is already with that team: the member who has it carries on
            handoffs.add(
                session,
                agent_id=agent_id,
                team=team,
                child_id=child.id,
                reason=f"Asked for at intake: {team.member} ({clean.get('urgency') or 'routine'} intake)",
                now=now,
                policy=policy or PromisePolicy(),
                intake_id=intake.id,
            )
        # Scheduling help, a ride and an interpreter stay with the rep, as promises saying what they need.
        label = masked_child(child.first_name, child.last_name, child.date_of_birth)
        for kind, title in rep_needs(clean, label):
            promises.new_promise(
                session,
                kind=kind,
                title=title,
                owner_agent_id=agent_id,
                start=now,
                due=(policy or PromisePolicy()).follow_up_deadline(now),
                call_id=intake.call_id,
                intake_id=intake.id,
                child_id=child.id,
            )
        referrals.write_follow_up_notes(session, intake.id, now, policy or PromisePolicy())
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="submit",
            entity="intake",
            entity_id=intake.id,
            detail={"urgency": urgency.value, "promise_id": promise.id, "crisis": intake.crisis_at is not None},
            screen="intake",
            child_id=child.id,
        )
        return SubmittedIntake(intake.id, child.id, guardian.id, promise.id, deadline, consult_id)


def _editable(session, agent_id: int, intake_id: int) -> Intake:
    # A draft is its rep's work, changed only by them or a supervisor.
    intake = owned_row(
        session,
        agent_id,
        Intake,
        intake_id,
        noun="intake",
        owner_column="agent_id",
        permission=Permission.WORK_INTAKES,
        someone_elses="This intake belongs to another rep; only they or a supervisor can change it.",
    )
    if intake.status != IntakeStatus.DRAFT.value:
        raise InvalidOperation(f"Intake {intake_id} was already submitted; it can no longer be edited here.")
    return intake


def _conflict(session, intake_id: int) -> ConflictingEdit:
    """Why a save was refused, in words the screen adds its own next step to."""
    intake = session.get(Intake, intake_id)
    if intake is not None and intake.status != IntakeStatus.DRAFT.value:
        return ConflictingEdit("This intake was submitted from another terminal.")
    return ConflictingEdit("Another rep saved this intake after you opened it.")


def _view(session, intake: Intake) -> DraftView:
    number = session.get(Call, intake.call_id).caller_number if intake.call_id else None
    return DraftView(
        id=intake.id,
        call_id=intake.call_id,
        agent_id=intake.agent_id,
        status=IntakeStatus(intake.status),
        fields=json.loads(intake.draft or "{}"),
        version=intake.version,
        crisis_at=intake.crisis_at,
        created_at=intake.created_at,
        updated_at=intake.updated_at,
        caller_number=number,
    )
