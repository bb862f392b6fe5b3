"""The contact log as rows: faxes, TTY sessions and outbound contacts, the follow-ups they create and the
outbound contacts that answer them, searched the same way on both engines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, func, literal_column, or_, select
from sqlalchemy import text as sql_text

from callcenter.domain import validation as v
from callcenter.domain.actor import Actor
from callcenter.domain.contacts import (
    MAX_NEXT_STEP,
    MAX_SUMMARY,
    MAX_TRANSCRIPT,
    ContactFilter,
    ContactOutcome,
    FaxEntry,
    FollowUpStatus,
    LogRow,
    OutboundEntry,
    TtyStart,
    csv_text,
    number_digits,
)
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import Channel, Direction, IntakeStatus, PromiseKind, PromiseState
from callcenter.domain.phone import format_phone
from callcenter.domain.privacy import masked_child, medicaid_last4
from callcenter.domain.promises import AttemptOutcome, PromisePolicy
from callcenter.domain.roles import Permission, require
from callcenter.store import audit, promises
from callcenter.store.agents import _load as load_agent
from callcenter.store.agents import acting
from callcenter.store.calls import _line_id
from callcenter.store.db import Database
from callcenter.store.errors import ConflictingEdit, InvalidOperation, NotFound
from callcenter.store.intakes import DraftView
from callcenter.store.intakes import _view as draft_view
from callcenter.store.models import Agent, Call, Child, Contact, Intake, Promise, PromiseAttempt
from callcenter.store.views import KnownChild

OPEN = "open"
DONE = "done"
SCREEN = "log"
MIN_CHILD_SEARCH = 2
# An outbound contact's outcome as an attempt at a promise, in the words the promises screen already knows.
ATTEMPT_OUTCOMES = {
    ContactOutcome.REACHED: AttemptOutcome.REACHED,
    ContactOutcome.FAX_SENT: AttemptOutcome.REACHED,
    ContactOutcome.LEFT_MESSAGE: AttemptOutcome.VOICEMAIL,
    ContactOutcome.NO_ANSWER: AttemptOutcome.NO_ANSWER,
    ContactOutcome.WRONG_NUMBER: AttemptOutcome.WRONG_NUMBER,
}
# Outbound contacts go out on the line of their channel; a phone call has no line of its own.
OUTBOUND_LINES = {Channel.FAX: "fax", Channel.TTY: "tty"}


@dataclass(frozen=True, slots=True)
class ContactDetail:
    row: LogRow  # the same row the log shows
    state: str  # "open" while a TTY session runs, else "done"
    version: int
    agent_id: int | None
    transcript: str | None
    next_step: str | None
    call_id: int | None
    child_id: int | None
    child: str | None  # masked ("C.L. b.2019 · Medicaid …1234"); the full record opens on purpose (store.records)
    follow_up_promise_id: int | None  # the newest follow-up this contact created
    follow_up_title: str | None
    answers_promise_id: int | None  # for an outbound contact: the follow-up it answered
    answered_by: tuple[LogRow, ...]  # outbound contacts that answered this contact's follow-up, oldest first


# --- writing ---------------------------------------------------------------------------------


def log_fax(db: Database, agent_id: int, entry: FaxEntry, now: datetime, policy: PromisePolicy) -> ContactDetail:
    """A fax received or sent; its next step becomes the agent's follow-up, in the same transaction."""
    with db.write() as session:
        _require_worker(session, agent_id)
        if entry.child_id is not None and session.get(Child, entry.child_id) is None:
            raise NotFound(f"No child {entry.child_id}; search for the child again.")
        contact = Contact(
            at=entry.at,
            direction=entry.direction.value,
            channel=Channel.FAX.value,
            line_id=_line_id(session, "fax"),
            other_party=entry.party,
            other_number=entry.number,
            number_digits=number_digits(entry.number) or None,
            pages=entry.pages,
            document_type=entry.document_type.value,
            next_step=entry.next_step,
            child_id=entry.child_id,
            agent_id=agent_id,
            state=DONE,
        )
        session.add(contact)
        session.flush()
        promise_id = None
        if entry.next_step:
            sent_or_received = "from" if entry.direction is Direction.INBOUND else "to"
            promise_id = promises.new_promise(
                session,
                kind=PromiseKind.FAX_FOLLOWUP,
                title=f"Fax {sent_or_received} {entry.party}: {entry.next_step}",
                owner_agent_id=agent_id,
                start=entry.at,
                due=policy.follow_up_deadline(entry.at),
                contact_id=contact.id,
                child_id=entry.child_id,
            ).id
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="create",
            entity="contact",
            entity_id=contact.id,
            detail={"channel": contact.channel, "direction": contact.direction, "follow_up": promise_id},
            screen=SCREEN,
            child_id=entry.child_id,
        )
        return _detail(session, contact)


def start_tty(db: Database, agent_id: int, start: TtyStart, now: datetime, call_id: int | None = None) -> ContactDetail:
    """Open a TTY session; it stays "open" (and its transcript autosaves) until end_tty."""
    with db.write() as session:
        _require_worker(session, agent_id)
        if call_id is not None:
            if session.get(Call, call_id) is None:
                raise NotFound(f"No call {call_id}.")
            # The same call's session again (a second press, or a restarted terminal): carry on with it.
            running = session.scalars(
                select(Contact).where(
                    Contact.call_id == call_id,
                    Contact.agent_id == agent_id,
                    Contact.channel == Channel.TTY.value,
                    Contact.state == OPEN,
                )
            ).first()
            if running is not None:
                return _detail(session, running)
        contact = Contact(
            at=now,
            direction=Direction.INBOUND.value,
            channel=Channel.TTY.value,
            line_id=_line_id(session, "tty"),
            other_party=start.party,
            other_number=start.number,
            number_digits=number_digits(start.number) or None,
            relay=start.relay,
            agent_id=agent_id,
            call_id=call_id,
            state=OPEN,
        )
        session.add(contact)
        session.flush()
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="create",
            entity="contact",
            entity_id=contact.id,
            detail={"channel": contact.channel, "relay": start.relay, "call_id": call_id},
            screen=SCREEN,
        )
        return _detail(session, contact)


def save_transcript(
    db: Database, agent_id: int, contact_id: int, transcript: str, expected_version: int, now: datetime
) -> int:
    """Autosave of a running TTY session's transcript, as typed; returns the contact's new version."""
    if len(transcript) > MAX_TRANSCRIPT:
        raise ValidationError(
            f"Transcript: keep it under {MAX_TRANSCRIPT:,} characters (now {len(transcript):,}); "
            "end this session and start another.",
            "transcript",
        )
    with db.write() as session:
        contact = _running_session(session, agent_id, contact_id)
        if contact.version != expected_version:
            raise ConflictingEdit("This transcript was saved from another terminal since you opened it.")
        db.typing_commit(session)
        contact.transcript = transcript or None
        contact.version += 1
        audit.record_typing(
            session,
            at=now,
            agent_id=agent_id,
            entity="contact",
            entity_id=contact.id,
            detail={"field": "transcript"},
            child_id=contact.child_id,
        )
        return contact.version


def mark_relay(db: Database, agent_id: int, contact_id: int, relay: bool, now: datetime) -> ContactDetail:
    """A running TTY session turned out to come through a relay service (or not): the log says so."""
    with db.write() as session:
        contact = _running_session(session, agent_id, contact_id)
        if contact.relay != relay:
            contact.relay = relay
            contact.version += 1
            audit.record(
                session,
                at=now,
                agent_id=agent_id,
                action="update",
                entity="contact",
                entity_id=contact.id,
                detail={"relay": relay},
                screen=SCREEN,
                child_id=contact.child_id,
            )
    return get(db, contact_id)


def end_tty(
    db: Database,
    agent_id: int,
    contact_id: int,
    summary: str | None,
    next_step: str | None,
    now: datetime,
    policy: PromisePolicy,
) -> ContactDetail:
    summary = v.clean_text(summary or "", MAX_SUMMARY, "summary", multiline=True) or None
    next_step = v.clean_text(next_step or "", MAX_NEXT_STEP, "next_step") or None
    with db.write() as session:
        contact = _running_session(session, agent_id, contact_id)
        contact.state = DONE
        contact.ended_at = now
        contact.summary = summary
        contact.next_step = next_step
        contact.version += 1
        promise_id = None
        if next_step:
            promise_id = promises.new_promise(
                session,
                kind=PromiseKind.TTY_FOLLOWUP,
                title=f"TTY {contact.other_party}: {next_step}",
                owner_agent_id=agent_id,
                start=now,
                due=policy.follow_up_deadline(now),
                contact_id=contact.id,
                child_id=contact.child_id,
            ).id
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="end",
            entity="contact",
            entity_id=contact.id,
            detail={"follow_up": promise_id},
            screen=SCREEN,
            child_id=contact.child_id,
        )
        session.flush()
        return _detail(session, contact)


def log_outbound(
    db: Database,
    agent_id: int,
    entry: OutboundEntry,
    now: datetime,
    policy: PromisePolicy,
    answers_promise_id: int | None = None,
) -> ContactDetail:
    """A call, TTY call or fax we made. Answering a follow-up records an attempt on it, and a completing
    outcome closes it: the contact and the promise it keeps are written together or not at all."""
    with db.write() as session:
        _require_worker(session, agent_id)
        promise = promises._workable(session, agent_id, answers_promise_id) if answers_promise_id is not None else None
        contact = Contact(
            at=now,
            direction=Direction.OUTBOUND.value,
            channel=entry.channel.value,
            line_id=_line_id(session, OUTBOUND_LINES[entry.channel]) if entry.channel in OUTBOUND_LINES else None,
            other_party=entry.party,
            other_number=entry.number,
            number_digits=number_digits(entry.number) or None,
            outcome=entry.outcome.value,
            summary=entry.summary,
            agent_id=agent_id,
            state=DONE,
            answers_promise_id=answers_promise_id,
            child_id=promise.child_id if promise else None,
            intake_id=promise.intake_id if promise else None,
            consult_id=promise.consult_id if promise else None,
        )
        session.add(contact)
        session.flush()
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="create",
            entity="contact",
            entity_id=contact.id,
            detail={
                "channel": contact.channel,
                "direction": contact.direction,
                "outcome": contact.outcome,
                "answers_promise_id": answers_promise_id,
            },
            screen=SCREEN,
            child_id=contact.child_id,
        )
        if promise is not None:
            attempt = ATTEMPT_OUTCOMES[entry.outcome]
            session.add(
                PromiseAttempt(
                    promise_id=promise.id, at=now, agent_id=agent_id, outcome=attempt.value, notes=entry.summary
                )
            )
            promise.version += 1
            audit.record(
                session,
                at=now,
                agent_id=agent_id,
                action="attempt",
                entity="promise",
                entity_id=promise.id,
                detail={"outcome": attempt.value, "contact_id": contact.id},
                screen=SCREEN,
                child_id=promise.child_id,
            )
            if entry.outcome.completes:
                promises._close(
                    session, promise, agent_id, now, policy, note=f"Closed by outbound contact #{contact.id}"
                )
            session.flush()
        return _detail(session, contact)


def link_child(db: Database, agent_id: int, contact_id: int, child_id: int, now: datetime) -> ContactDetail:
    """Match the contact to a child on file; its open follow-ups follow."""
    with db.write() as session:
        _require_worker(session, agent_id)
        contact = _load(session, contact_id)
        if session.get(Child, child_id) is None:
            raise NotFound(f"No child {child_id}; search for the child again.")
        previous = contact.child_id
        contact.child_id = child_id
        contact.version += 1
        open_promises = session.scalars(
            select(Promise).where(Promise.contact_id == contact.id, Promise.state == PromiseState.OPEN.value)
        ).all()
        for promise in open_promises:
            promise.child_id = child_id
            promise.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="link_child",
            entity="contact",
            entity_id=contact.id,
            detail={"child_id": child_id, "was": previous, "promises": [promise.id for promise in open_promises]},
            screen=SCREEN,
            child_id=child_id,
        )
        session.flush()
        return _detail(session, contact)


def start_intake(db: Database, agent_id: int, contact_id: int, now: datetime) -> DraftView:
    """The agent's intake draft for this contact, created the first time with what the contact already says."""
    with db.write() as session:
        _require_worker(session, agent_id)
        contact = _load(session, contact_id)
        existing = session.scalars(
            select(Intake)
            .where(
                Intake.contact_id == contact.id, Intake.agent_id == agent_id, Intake.status == IntakeStatus.DRAFT.value
            )
            .order_by(Intake.id)
        ).first()
        if existing is not None:
            return draft_view(session, existing)
        fields: dict[str, str] = {}
        if contact.other_party:
            fields["caller_name"] = contact.other_party
        if contact.other_number:
            fields["callback_number"] = format_phone(contact.other_number)
        if contact.channel == Channel.FAX.value:
            fields["caller_type"] = "pcp"  # faxes come from pediatric offices ("PCP office" on the form)
        intake = Intake(
            call_id=contact.call_id,
            contact_id=contact.id,
            agent_id=agent_id,
            status=IntakeStatus.DRAFT.value,
            draft=json.dumps(fields),
            created_at=now,
            updated_at=now,
        )
        session.add(intake)
        session.flush()
        contact.intake_id = intake.id
        contact.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="create",
            entity="intake",
            entity_id=intake.id,
            detail={"contact_id": contact.id},
            screen=SCREEN,
            child_id=contact.child_id,
        )
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="update",
            entity="contact",
            entity_id=contact.id,
            detail={"intake_id": intake.id},
            screen=SCREEN,
            child_id=contact.child_id,
        )
        return draft_view(session, intake)


# --- reading ---------------------------------------------------------------------------------


def open_tty_sessions(db: Database, agent_id: int) -> list[ContactDetail]:
    """The agent's TTY sessions still running, oldest first: what a restarted terminal offers to resume."""
    with db.read() as session:
        running = session.scalars(
            select(Contact)
            .where(Contact.agent_id == agent_id, Contact.channel == Channel.TTY.value, Contact.state == OPEN)
            .order_by(Contact.at, Contact.id)
        ).all()
        return [_detail(session, contact) for contact in running]


def get(db: Database, contact_id: int) -> ContactDetail:
    with db.read() as session:
        return _detail(session, _load(session, contact_id))


def find_children(db: Database, text: str, limit: int = 8) -> list[KnownChild]:
    """Children on file by Medicaid number, date of birth, or the start of each name word."""
    text = " ".join((text or "").replace(",", " ").split())
    if len(text) < MIN_CHILD_SEARCH:
        return []
    condition = _child_condition(text)
    with db.read() as session:
        children = session.scalars(
            select(Child)
            .where(condition)
            .order_by(func.lower(Child.last_name), func.lower(Child.first_name), Child.id)
            .limit(limit)
        ).all()
    return [
        KnownChild(
            child.id,
            child.first_name,
            child.last_name,
            child.date_of_birth,
            child.town,
            child.medicaid_number[-4:] if child.medicaid_number else None,
        )
        for child in children
    ]


NEWEST_WINDOW = 5000  # SQLite: entries read directly before asking the trigram index


def search(db: Database, query: ContactFilter, limit: int = 500) -> list[LogRow]:
    """The log, newest first, narrowed by every part of the filter that is set."""
    order = [Contact.at.desc(), Contact.id.desc()]
    with db.read() as session:
        if (query.text or query.number_digits) and session.get_bind().dialect.name != "postgresql":
            # A common word matches thousands of entries, which SQLite's trigram index hands back
            # slower than reading the newest entries outright: if those hold a full page, it is
            # exactly the newest page (everything else is older); if not, the index finds the rest.
            newest = select(Contact.id).order_by(*order).limit(NEWEST_WINDOW)
            conditions = [Contact.id.in_(newest), *_conditions(session, query, indexed=False)]
            rows = _rows(session, conditions, order, limit)
            if len(rows) >= limit:
                return rows
        return _rows(session, _conditions(session, query), order, limit)


def export_csv(
    db: Database, query: ContactFilter, *, actor: Actor, now: datetime, screen: str, limit: int = 100_000
) -> tuple[str, int]:
    """The filtered log as CSV, and how many entries it holds; the export is audited (who, the
    filter, how many rows)."""
    with db.read() as session:  # refused before anything is read
        acting(session, actor, Permission.WORK_INTAKES)
    rows = search(db, query, limit)
    filters = {name: getattr(query, name) for name in query.__dataclass_fields__ if name != "zone"}
    audit.record_export(db, at=now, actor=actor, what="contact", filters=filters, rows=len(rows), screen=screen)
    return csv_text(rows), len(rows)


# --- helpers ---------------------------------------------------------------------------------


def _require_worker(session, agent_id: int) -> None:
    require(load_agent(session, agent_id).role, Permission.WORK_INTAKES)


def _load(session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"No contact {contact_id}.")
    return contact


def _running_session(session, agent_id: int, contact_id: int) -> Contact:
    """A TTY session the agent may still write to, locked for the rest of the transaction."""
    _require_worker(session, agent_id)
    contact = session.get(Contact, contact_id, with_for_update=True)
    if contact is None:
        raise NotFound(f"No contact {contact_id}.")
    if contact.channel != Channel.TTY.value:
        raise InvalidOperation(f"Contact #{contact_id} is not a TTY session.")
    if contact.agent_id != agent_id:
        raise InvalidOperation("Only the rep running this TTY session can write to it.")
    if contact.state != OPEN:
        raise InvalidOperation(
            "This TTY session has ended; its transcript is kept as it was. Start a new session to keep typing."
        )
    return contact


def _child_condition(text: str):
    try:
        return Child.medicaid_number == v.parse_medicaid_number(text)
    except ValidationError:
        pass
    try:
        # Only to read the date: a date outside the line's age range simply matches nobody.
        return Child.date_of_birth == v.parse_date_of_birth(text, date.max, max_age_years=date.max.year)
    except ValidationError:
        pass
    return and_(
        *(
            or_(
                func.lower(Child.first_name).startswith(word, autoescape=True),
                func.lower(Child.last_name).startswith(word, autoescape=True),
            )
            for word in text.lower().split()
        )
    )


def _conditions(session, query: ContactFilter, indexed: bool = True) -> list:
    conditions = []
    if query.channel is not None:
        conditions.append(Contact.channel == query.channel.value)
    if query.direction is not None:
        conditions.append(Contact.direction == query.direction.value)
    start, end = query.bounds()
    if start is not None:
        conditions.append(Contact.at >= start)
    if end is not None:
        conditions.append(Contact.at < end)
    if query.agent_id is not None:
        conditions.append(Contact.agent_id == query.agent_id)
    if query.status is not None:
        has_promise = exists().where(Promise.contact_id == Contact.id)
        has_open_promise = exists().where(Promise.contact_id == Contact.id, Promise.state == PromiseState.OPEN.value)
        conditions.append(
            has_open_promise if query.status is FollowUpStatus.OPEN else and_(has_promise, ~has_open_promise)
        )
    if query.number_e164:
        # The stored digits leave out any extension, so one indexed equality finds both forms.
        conditions.append(Contact.number_digits == number_digits(query.number_e164))
    if query.number_digits:
        conditions.append(_digits_condition(session, query.number_digits, indexed))
    if query.text:
        conditions.extend(
            _word_condition(session, word, index) for index, word in enumerate(query.text.lower().split())
        )
    return conditions


# The search box's words look in these; a trigram index covers them on each engine (migration 0018).
TRIGRAM = 3  # shorter words are too short for a trigram index: they are looked for entry by entry


def _words_text():
    """The text a word is looked for in, as migration 0018 indexes it on PostgreSQL (same expression)."""
    blank, space = literal_column("''"), literal_column("' '")
    parts = [func.coalesce(column, blank) for column in (Contact.other_party, Contact.summary, Contact.next_step)]
    text_ = parts[0].op("||")(space).op("||")(parts[1]).op("||")(space).op("||")(parts[2]).op("||")(space)
    return func.lower(text_.op("||")(func.coalesce(Contact.transcript, blank)))


def _fts_rowids(column: str, piece: str, name: str):
    """SQLite: the contacts whose ``column`` holds ``piece``, from the trigram FTS5 table."""
    phrase = '"' + piece.replace('"', '""') + '"'
    return (
        select(literal_column("rowid"))
        .select_from(sql_text("contact_fts"))
        .where(sql_text(f"contact_fts MATCH :{name}").bindparams(**{name: f"{column} : {phrase}"}))
    )


def _digits_condition(session, digits: str, indexed: bool = True):
    exact = Contact.number_digits.contains(digits, autoescape=True)
    if not indexed or len(digits) < TRIGRAM or session.get_bind().dialect.name == "postgresql":
        return exact  # on PostgreSQL this LIKE is what the digits' trigram index answers
    return Contact.id.in_(_fts_rowids("digits", digits, "digits"))


def _word_condition(session, word: str, index: int, indexed: bool = True):
    """One word: somewhere in the entry's text, or in the name of the child it is matched to."""
    children = session.scalars(
        select(Child.id).where(
            or_(
                func.lower(Child.first_name).contains(word, autoescape=True),
                func.lower(Child.last_name).contains(word, autoescape=True),
            )
        )
    ).all()
    if not indexed or len(word) < TRIGRAM:
        in_text = or_(
            *(
                func.lower(column).contains(word, autoescape=True)
                for column in (Contact.other_party, Contact.summary, Contact.transcript, Contact.next_step)
            )
        )
    elif session.get_bind().dialect.name == "postgresql":
        in_text = _words_text().contains(word, autoescape=True)
    else:
        in_text = Contact.id.in_(_fts_rowids("words", word, f"word_{index}"))
    return or_(in_text, Contact.child_id.in_(children)) if children else in_text


def _rows(session, conditions: list, order: list, limit: int | None = None) -> list[LogRow]:
    statement = (
        select(
            Contact.id,
            Contact.at,
            Contact.direction,
            Contact.channel,
            Contact.other_party,
            Contact.other_number,
            Agent.display_name,
            Child.first_name,
            Child.last_name,
            Child.date_of_birth,
            Contact.summary,
            Contact.outcome,
            Contact.relay,
            Contact.pages,
            Contact.document_type,
            Contact.intake_id,
            Contact.consult_id,
        )
        .outerjoin(Agent, Agent.id == Contact.agent_id)
        .outerjoin(Child, Child.id == Contact.child_id)
        .where(*conditions)
        .order_by(*order)
    )
    if limit is not None:
        statement = statement.limit(limit)
    found = session.execute(statement).all()
    follow_ups = _newest_follow_ups(session, [row[0] for row in found])
    rows = []
    for row in found:
        state, due = follow_ups.get(row[0], (None, None))
        rows.append(
            LogRow(
                id=row[0],
                at=row[1],
                direction=row[2],
                channel=row[3],
                party=row[4],
                number=row[5],
                agent=row[6],
                child=_masked_child(row[7], row[8], row[9]),
                summary=row[10],
                outcome=row[11],
                follow_up=_follow_up_status(state),
                follow_up_due=due,
                relay=bool(row[12]),
                pages=row[13],
                document_type=row[14],
                intake_id=row[15],
                consult_id=row[16],
            )
        )
    return rows


FOLLOW_UP_BATCH = 500  # ids per IN list: well under SQLite's parameter limit


def _newest_follow_ups(session, contact_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """Each listed contact's newest follow-up (state, due), read for the page shown only.

    A second small query rather than a join: joining "newest promise per contact" costs a correlated
    subquery per promise pair on SQLite or an aggregate over every promise on PostgreSQL.
    """
    newest: dict[int, tuple[int, str, datetime]] = {}
    for start in range(0, len(contact_ids), FOLLOW_UP_BATCH):
        batch = contact_ids[start : start + FOLLOW_UP_BATCH]
        for contact_id, promise_id, state, due in session.execute(
            select(Promise.contact_id, Promise.id, Promise.state, Promise.due_at).where(Promise.contact_id.in_(batch))
        ):
            if contact_id not in newest or promise_id > newest[contact_id][0]:
                newest[contact_id] = (promise_id, state, due)
    return {contact_id: (state, due) for contact_id, (_, state, due) in newest.items()}


def _masked_child(first: str | None, last: str | None, born: date | None) -> str | None:
    """Initials and birth year ("C.L. b.2019"): a list never shows a child's full name."""
    if first is None and last is None:
        return None
    return masked_child(first, last, born)


def _follow_up_status(promise_state: str | None) -> str | None:
    if promise_state is None:
        return None
    return OPEN if promise_state == PromiseState.OPEN.value else DONE  # cancelled reads as done: nothing left to do


def _detail(session, contact: Contact) -> ContactDetail:
    (row,) = _rows(session, [Contact.id == contact.id], [Contact.id])
    follow_up = session.scalars(
        select(Promise).where(Promise.contact_id == contact.id).order_by(Promise.id.desc())
    ).first()
    answered_by = _rows(
        session,
        [Contact.answers_promise_id.in_(select(Promise.id).where(Promise.contact_id == contact.id))],
        [Contact.at, Contact.id],
    )
    child = session.get(Child, contact.child_id) if contact.child_id else None
    return ContactDetail(
        row=row,
        state=contact.state,
        version=contact.version,
        agent_id=contact.agent_id,
        transcript=contact.transcript,
        next_step=contact.next_step,
        call_id=contact.call_id,
        child_id=contact.child_id,
        child=masked_child(
            child.first_name, child.last_name, child.date_of_birth, medicaid_last4(child.medicaid_number)
        )
        if child
        else None,
        follow_up_promise_id=follow_up.id if follow_up else None,
        follow_up_title=follow_up.title if follow_up else None,
        answers_promise_id=contact.answers_promise_id,
        answered_by=tuple(answered_by),
    )
