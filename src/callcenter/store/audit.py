"""The append-only audit trail: written inside the caller's transaction, read by supervisors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from callcenter.domain.audit import AuditRow

from callcenter.domain.actor import Actor
from callcenter.domain.roles import Permission
from callcenter.store.db import AUDIT_SEAL_LOCK, Database
from callcenter.store.errors import NotFound
from callcenter.store.models import Agent, AuditEntry, AuditSeal

# Every write in the store records through this module; the reading side's domain (filters, CSV,
# phone and postcode validation behind them) is imported only when the trail is read.
DEFAULT_LIMIT = 500
SEAL_BATCH = 500  # entries sealed per transaction: new writers wait at most this long on PostgreSQL


def record(
    session: Session,
    *,
    at: datetime,
    agent_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
    screen: str | None = None,
    child_id: int | None = None,
) -> None:
    if session.get_bind().dialect.name == "postgresql" and not session.info.get("audit_lock"):
        # A transaction not begun by Database.write: it joins the writers here (see AUDIT_SEAL_LOCK).
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": AUDIT_SEAL_LOCK})
        session.info["audit_lock"] = True
    session.add(
        AuditEntry(
            at=at,
            agent_id=agent_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            screen=screen,
            detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
            child_id=child_id,
        )
    )


def screen_of(actor: Actor, screen: str | None = None) -> str | None:
    """Where an action came from, for its audit row: the shell's command, or the console's screen."""
    if actor.is_shell:
        return f"shell: {actor.shell_command}"[:40]
    return (screen or "")[:40] or None


def os_user() -> str:
    """The machine's user running a shell command (no one signs in there)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the uid says it
        import os

        return f"uid {os.getuid()}"


def record_export(
    db: Database,
    *,
    at: datetime,
    actor: Actor,
    what: str,
    filters: dict[str, Any],
    rows: int,
    screen: str,
) -> None:
    """An export leaves the database with children's details: who took what, with which filter.
    From the shell no one signs in: the machine's user is recorded instead."""
    from callcenter.store.agents import acting

    detail: dict[str, Any] = {"filter": {key: str(value) for key, value in filters.items() if value not in (None, "")}}
    detail["rows"] = rows
    if actor.is_shell:
        detail["os_user"] = os_user()
    with db.write() as session:
        acting(session, actor)
        record(
            session,
            at=at,
            agent_id=actor.agent_id,
            action="export",
            entity=what,
            entity_id=None,
            detail=detail,
            screen=screen_of(actor, screen),
        )


TYPING_AUDIT_EVERY = timedelta(minutes=1)


def record_typing(
    session: Session,
    *,
    at: datetime,
    agent_id: int,
    entity: str,
    entity_id: int,
    detail: dict[str, Any] | None = None,
    child_id: int | None = None,
) -> None:
    """An 'update' entry for text saved as it is typed: one a minute per agent and record, not one a
    keystroke. The trail still says who edited the record and when, to the minute; the record holds
    the text."""
    recent = session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.at > at - TYPING_AUDIT_EVERY,
            AuditEntry.agent_id == agent_id,
            AuditEntry.entity == entity,
            AuditEntry.entity_id == entity_id,
            AuditEntry.action == "update",
        )
        .limit(1)
    )
    if recent is None:
        record(
            session,
            at=at,
            agent_id=agent_id,
            action="update",
            entity=entity,
            entity_id=entity_id,
            detail=detail,
            child_id=child_id,
        )


def search(
    db: Database,
    actor: Actor,
    *,
    child_id: int | None = None,
    agent_username: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    action: str | None = None,
    screen: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[AuditRow]:
    """Entries newest first, narrowed by every argument given (`since` inclusive, `until` exclusive).

    Supervisors only; the shell (`callcenter audit`) reads with the database's own access.
    """
    from callcenter.domain import audit as domain_audit
    from callcenter.store.agents import acting

    with db.read() as session:
        acting(session, actor, Permission.READ_AUDIT)
        conditions = []
        if agent_username is not None:
            agent_id = session.scalars(select(Agent.id).where(Agent.username == agent_username.lower())).first()
            if agent_id is None:
                raise NotFound(f"No agent with the username {agent_username!r}; check the spelling.")
            conditions.append(AuditEntry.agent_id == agent_id)
        if child_id is not None:
            conditions.append(AuditEntry.child_id == child_id)
        if since is not None:
            conditions.append(AuditEntry.at >= since)
        if until is not None:
            conditions.append(AuditEntry.at < until)
        if action is not None:
            conditions.append(AuditEntry.action == action)
        if screen is not None:  # entries written before a screen was renamed carry its old name
            conditions.append(AuditEntry.screen.in_(domain_audit.same_meaning("screen", screen)))
        found = session.execute(
            select(AuditEntry, Agent.username, Agent.display_name)
            .outerjoin(Agent, Agent.id == AuditEntry.agent_id)
            .where(*conditions)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(max(limit, 1))
        ).all()
        named = set().union(*(domain_audit.agent_ids(_detail(entry.detail)) for entry, _, _ in found))
        names: dict[int, str] = (
            dict(session.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(named))).all())
            if named
            else {}
        )
        return [
            domain_audit.AuditRow(
                id=entry.id,
                at=entry.at,
                agent_username=username,
                agent_name=name,
                action=entry.action,
                entity=entry.entity,
                entity_id=entry.entity_id,
                child_id=entry.child_id,
                screen=entry.screen,
                detail=(detail := _detail(entry.detail)),
                agent_names={i: names[i] for i in domain_audit.agent_ids(detail) if i in names},
            )
            for entry, username, name in found
        ]


def _detail(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:  # written by hand or by an older version: shown as it is
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


# -- the hash chain (domain/audit_chain) -------------------------------------------------------------


def _sealed_entry(row: AuditEntry):
    from callcenter.domain.audit_chain import SealedEntry

    assert row.id is not None and row.at is not None
    return SealedEntry(
        row.id, row.at, row.agent_id, row.action, row.entity, row.entity_id, row.screen, row.detail, row.child_id
    )


def _database_now(session: Session) -> datetime:
    from datetime import UTC

    value = session.execute(select(func.current_timestamp())).scalar_one()
    if isinstance(value, str):  # SQLite: "YYYY-MM-DD HH:MM:SS", in UTC
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Taken (without waiting) by a console's sweep before it queues for the sealer's lock: while one
# console waits for the writers in flight, the others skip their turn instead of queueing behind it,
# and every new writer would queue behind each of them (a waiting exclusive lock holds back new
# shared ones).
AUDIT_SEALER_TURN = AUDIT_SEAL_LOCK + 1


@contextmanager
def _sealing(db: Database, only_if_free: bool) -> Iterator[Session | None]:
    """The sealer's transaction: one sealer at a time, and (PostgreSQL) no writer in flight; None when
    `only_if_free` and another sealer is at it already."""
    if not db.is_postgres:
        with db.write() as session:  # SQLite: the write lock already keeps everyone else out
            yield session
        return
    with db.read() as session, session.begin():  # not db.write: that joins the writers' shared lock
        if only_if_free:
            turn = session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": AUDIT_SEALER_TURN})
            if not turn.scalar_one():
                yield None
                return
        session.execute(text("SET LOCAL lock_timeout = '3s'"))
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_SEAL_LOCK})
        yield session


def seal(db: Database, batch: int = SEAL_BATCH, only_if_free: bool = False) -> int:
    """Chain the committed entries not sealed yet, oldest first, `batch` at most; how many were sealed.
    Any console's sweep runs it (`only_if_free`: not while another console is sealing, the next
    sweep will), and `audit verify` first; two at once take turns."""
    from callcenter.domain.audit_chain import GENESIS, digest

    with _sealing(db, only_if_free) as session:
        if session is None:
            return 0
        last = session.execute(select(AuditSeal).order_by(AuditSeal.seq.desc()).limit(1)).scalars().first()
        previous, seq, after = (last.digest, last.seq, last.entry_id) if last else (GENESIS, 0, 0)
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return 0
        now = _database_now(session)
        for row in rows:
            seq += 1
            previous = digest(previous, _sealed_entry(row), now)
            assert row.id is not None
            session.add(AuditSeal(seq=seq, entry_id=row.id, digest=previous, sealed_at=now))
        return len(rows)


def seal_all(db: Database) -> int:
    sealed = 0
    while count := seal(db):
        sealed += count
    return sealed


def verify(db: Database, recorded_head=None):
    """Seal what is committed, then walk the whole chain against the entries as they are now."""
    from callcenter.domain.audit_chain import Seal, check_chain

    seal_all(db)
    with db.read() as session:
        seals = [
            Seal(row.seq, row.entry_id, row.digest, row.sealed_at)
            for row in session.execute(
                select(AuditSeal.seq, AuditSeal.entry_id, AuditSeal.digest, AuditSeal.sealed_at).order_by(AuditSeal.seq)
            )
        ]
        entries = {row.id: _sealed_entry(row) for row in session.scalars(select(AuditEntry))}
    sealed_ids = {seal.entry_id for seal in seals}
    unsealed = [entry_id for entry_id in entries if entry_id not in sealed_ids]
    return check_chain(seals, entries, unsealed, recorded_head)
