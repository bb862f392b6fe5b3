"""Referral Connect in the database: drafts between steps, the referral itself, its status."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from callcenter.domain import web_referral as rules
from callcenter.domain.phone import parse_phone
from callcenter.store.db import Database
from callcenter.store.errors import StoreError
from callcenter.store.models import WebReferral, WebReferralDraft

# A draft holds a child's details: it is kept only while someone is plausibly still typing.
DRAFT_LIFETIME = timedelta(hours=2)
MAX_ANSWERS_BYTES = 16_000


@dataclass(frozen=True, slots=True)
class SentReferral:
    reference: str
    due_at: datetime
    emergency: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_draft(db: Database, token: str | None, now: datetime) -> dict[str, str]:
    """The answers so far ({} for no draft, or one older than its lifetime)."""
    if not token:
        return {}
    with db.read() as session:
        row = session.execute(
            select(WebReferralDraft.answers, WebReferralDraft.updated_at).where(
                WebReferralDraft.token_hash == _hash(token)
            )
        ).one_or_none()
    if row is None or row.updated_at < now - DRAFT_LIFETIME:
        return {}
    answers = json.loads(row.answers)
    return {str(key): str(value) for key, value in answers.items()} if isinstance(answers, dict) else {}


def save_draft(db: Database, token: str, answers: dict[str, str], now: datetime) -> None:
    text = json.dumps(answers, sort_keys=True)
    if len(text.encode()) > MAX_ANSWERS_BYTES:
        raise StoreError("The referral is too long to keep.")
    key = _hash(token)
    with db.write() as session:
        updated = session.execute(
            update(WebReferralDraft).where(WebReferralDraft.token_hash == key).values(answers=text, updated_at=now)
        ).rowcount
        if not updated:
            session.add(WebReferralDraft(token_hash=key, answers=text, updated_at=now))
            # A new draft clears the ones nobody finished.
            session.execute(delete(WebReferralDraft).where(WebReferralDraft.updated_at < now - DRAFT_LIFETIME))


def discard_draft(db: Database, token: str | None) -> None:
    if token:
        with db.write() as session:
            session.execute(delete(WebReferralDraft).where(WebReferralDraft.token_hash == _hash(token)))


def send(
    db: Database, answers: dict[str, str], now: datetime, due_at: datetime, *, language: str, client_address: str
) -> SentReferral:
    """Insert the referral; the database adds the waiting entry, the promise and the audit rows."""
    for _attempt in range(5):  # a reference already taken (one in a trillion): draw another
        reference = rules.new_reference()
        try:
            with db.write() as session:
                add(session, reference, answers, now, due_at, language=language, client_address=client_address)
            return SentReferral(reference, due_at, rules.in_danger(answers))
        except IntegrityError as error:
            if "reference" not in str(error.orig).lower():
                raise StoreError("The referral could not be put on the web line; is the line set up?") from error
            continue
    raise StoreError("Could not give the referral a reference number; try again.")


def add(
    session,
    reference: str,
    answers: dict[str, str],
    now: datetime,
    due_at: datetime,
    *,
    language: str,
    client_address: str,
) -> None:
    """Inside a caller's transaction (the demo seed's): one referral row; the database does the rest."""
    session.add(
        WebReferral(
            reference=reference,
            created_at=now,
            due_at=due_at,
            priority=int(rules.priority(answers)),
            language=language,
            phone=parse_phone(answers["phone"], "phone").split(";")[0],
            phone_last4=rules.phone_last_four(answers),
            answers=json.dumps(answers, sort_keys=True),
            note=rules.referral_note(answers, reference),
            client_address=client_address[:64],
            status="received",
        )
    )
    session.flush()


def status_of(db: Database, reference: str, last_four: str) -> str | None:
    """received, working or linked; None unless both the reference and the phone's last four match."""
    with db.read() as session:
        return session.scalar(
            select(WebReferral.status).where(
                WebReferral.reference == rules.normal_reference(reference), WebReferral.phone_last4 == last_four
            )
        )


def referral_on_call(session, call_id: int) -> tuple[str, dict[str, str]] | None:
    """Inside the console's transaction: the referral a web-line entry carries (reference, answers)."""
    row = session.execute(
        select(WebReferral.reference, WebReferral.answers).where(WebReferral.call_id == call_id)
    ).one_or_none()
    if row is None:
        return None
    return row.reference, json.loads(row.answers)


def mark_linked(session, call_id: int | None) -> None:
    """The child was linked to care (a provider attached to the intake for this entry)."""
    if call_id is not None:
        session.execute(update(WebReferral).where(WebReferral.call_id == call_id).values(status="linked"))
