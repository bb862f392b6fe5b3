"""Agents: the people who sign in, their roles, their states and their accounts."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime
from functools import cache

from sqlalchemy import case, select, update

from callcenter.config import max_failed_sign_ins
from callcenter.domain import passwords
from callcenter.domain.actor import Actor
from callcenter.domain.agent_states import ON_SHIFT_STATES, AwayReason, check_manual_change, on_shift
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import AgentState, Role
from callcenter.domain.roles import Permission, can, require
from callcenter.store import audit
from callcenter.store.db import Database
from callcenter.store.errors import InvalidOperation, NotFound, SessionEnded
from callcenter.store.models import Agent

# The same words for an unknown name, a wrong password and a locked account: none of them says
# which usernames exist or which accounts are locked (a supervisor sees that on the monitor).
REFUSED = (
    "Username or password is not right. Check both (is caps lock on?) and try again; "
    "after repeated misses the account locks until a supervisor resets the password."
)
WRONG_PASSWORD = "That password is not right. Check it (is caps lock on?) and try again."


def to_view(agent: Agent, limit: int | None = None):
    from callcenter.store.views import AgentView

    return AgentView(
        id=agent.id,
        username=agent.username,
        display_name=agent.display_name,
        role=Role(agent.role),
        state=AgentState(agent.state),
        state_since=agent.state_since,
        active=bool(agent.active),
        locked=passwords.is_locked(agent.failed_logins or 0, max_failed_sign_ins() if limit is None else limit),
    )


def list_agents(db: Database, active_only: bool = True):
    limit = max_failed_sign_ins()
    with db.read() as session:
        # Reps first: they are most of the people signing in.
        role_order = case({role.value: order for order, role in enumerate(Role)}, value=Agent.role, else_=len(Role))
        query = select(Agent).order_by(role_order, Agent.display_name)
        if active_only:
            query = query.where(Agent.active.is_(True))
        return [to_view(agent, limit) for agent in session.scalars(query)]


def get_agent(db: Database, agent_id: int):
    with db.read() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFound(f"No agent with id {agent_id}.")
        return to_view(agent)


def get_by_username(db: Database, username: str):
    """Any agent, enabled or not, by username (for the shell's `callcenter agent` commands)."""
    name = (username or "").strip().lower()
    with db.read() as session:
        agent = session.scalars(select(Agent).where(Agent.username == name)).first()
        if agent is None:
            raise NotFound(f"No agent named {name!r}: `callcenter agent list` shows who there is.")
        return to_view(agent)


# --- Signing in -------------------------------------------------------------------------------


def _from(client: str | None) -> dict[str, str]:
    """Where a sign-in came from, when the console knows (the web console's client address)."""
    return {"client": client[:64]} if client else {}


def sign_in(
    db: Database, username: str, password: str, now: datetime, client: str | None = None, wallboard: bool = False
):
    """Sign an agent in with their password; they start available.

    ``wallboard``: a supervisor signs a wall screen in. It is its own kind of session: it starts
    none (the supervisor's console, if any, stays theirs, state and all), and is audited as such.

    An unknown username and a wrong password get the same answer. Every failure is counted and
    audited, and that is committed even though the caller gets an error; when the count reaches
    the limit the account locks, and stays locked (the right password too is refused) until a
    supervisor resets the password.
    """
    typed = (username or "").strip()
    name = typed.lower()
    if not name:
        raise ValidationError("Type your username or pick your name from the list.", "username")
    if not password:
        raise ValidationError("Type your password.", "password")
    limit = max_failed_sign_ins()
    with db.read() as session:
        found = session.execute(select(Agent.password_hash, Agent.failed_logins).where(Agent.username == name)).first()
    # The slow hash runs before the write transaction, so it never holds SQLite's write lock;
    # an unknown name is checked against a decoy so it takes as long as a known one.
    stored = found.password_hash if found is not None else _decoy_hash()
    # A locked account is checked too (and the answer ignored), so it takes as long as any other.
    verified = passwords.verify_password(password, stored)
    matches = found is not None and not passwords.is_locked(found.failed_logins, limit) and verified
    # An older hash is replaced by one with today's parameters, now that the password is known.
    upgraded = passwords.hash_password(password) if matches and passwords.needs_rehash(stored) else None

    refusal: ValidationError | None = None
    with db.write() as session:
        agent = session.scalars(select(Agent).where(Agent.username == name).with_for_update()).first()
        if agent is None:
            audit.record(
                session,
                at=now,
                agent_id=None,
                action="sign_in_failed",
                entity="agent",
                entity_id=None,
                # Not the text: a password typed into the username box would stay in the trail for good.
                detail={"reason": "unknown username", "characters_typed": len(typed), **_from(client)},
            )
            refusal = ValidationError(REFUSED, "password")
        else:
            if agent.password_hash != stored and not passwords.is_locked(agent.failed_logins, limit):
                matches = passwords.verify_password(password, agent.password_hash)  # reset meanwhile
            refusal = _judge(
                session,
                agent,
                matches,
                limit,
                now,
                failed_action="sign_in_failed",
                wrong=REFUSED,
                client=client,
                hide_lock=True,
            )
            if refusal is None and not agent.active:
                audit.record(
                    session,
                    at=now,
                    agent_id=agent.id,
                    action="sign_in_failed",
                    entity="agent",
                    entity_id=agent.id,
                    detail={"reason": "disabled", **_from(client)},
                )
                refusal = ValidationError("This account is disabled: ask a supervisor to enable it.", "username")
            if refusal is None and wallboard and not can(agent.role, Permission.SUPERVISE):
                refusal = ValidationError("A wallboard is signed in by a supervisor.", "username")
            if refusal is None:
                agent.failed_logins = 0
                if upgraded is not None and agent.password_hash == stored:  # not reset meanwhile
                    agent.password_hash = upgraded
                if wallboard:
                    audit.record(
                        session,
                        at=now,
                        agent_id=agent.id,
                        action="wallboard_sign_in",
                        entity="agent",
                        entity_id=agent.id,
                        detail=_from(client),
                    )
                    session.flush()
                    return to_view(agent, limit)
                token = _start_session(session, agent, now, client)
                session.flush()
                return replace(to_view(agent, limit), console_token=token)
    raise refusal


def open_session(db: Database, username: str, now: datetime):
    """Start the session of someone already authenticated by the caller: no password is asked.

    For in-process callers that have checked who the person is themselves (the console's
    ``agent_username`` hook, used by tests and benchmarks to skip the sign-in screen). The
    agent starts available, as after ``sign_in``. Unknown or disabled names are refused.
    """
    name = (username or "").strip().lower()
    if not name:
        raise ValidationError("Type your username or pick your name from the list.", "username")
    with db.write() as session:
        agent = session.scalars(select(Agent).where(Agent.username == name)).first()
        if agent is None or not agent.active:
            raise ValidationError(
                f"No active agent named {username.strip()!r}: check the spelling or ask a supervisor.",
                "username",
            )
        token = _start_session(session, agent, now)
        session.flush()
        return replace(to_view(agent), console_token=token)


def verify_password(db: Database, agent_id: int, password: str, now: datetime) -> None:
    """Check a signed-in agent's password again (unlocking an idle console).

    Failures count towards the same lock as sign-ins and are audited as "unlock_failed"; a wrong
    password raises ValidationError (field "password"); the right one clears the count.
    """
    if not password:
        raise ValidationError("Type your password.", "password")
    limit = max_failed_sign_ins()
    with db.read() as session:
        found = session.execute(
            select(Agent.password_hash, Agent.failed_logins, Agent.active).where(Agent.id == agent_id)
        ).first()
    if found is None:
        raise NotFound(f"No agent with id {agent_id}.")
    if not found.active:
        raise InvalidOperation("This account has been disabled: sign out, and ask a supervisor to enable it.")
    stored = found.password_hash
    matches = not passwords.is_locked(found.failed_logins, limit) and passwords.verify_password(password, stored)

    refusal: ValidationError | None = None
    with db.write() as session:
        agent = session.get(Agent, agent_id, with_for_update=True)
        if agent is None:
            raise NotFound(f"No agent with id {agent_id}.")
        if not agent.active:  # disabled meanwhile
            raise InvalidOperation("This account has been disabled: sign out, and ask a supervisor to enable it.")
        if agent.password_hash != stored and not passwords.is_locked(agent.failed_logins, limit):
            matches = passwords.verify_password(password, agent.password_hash)
        refusal = _judge(session, agent, matches, limit, now, failed_action="unlock_failed", wrong=WRONG_PASSWORD)
        if refusal is None and agent.failed_logins:
            agent.failed_logins = 0
    if refusal is not None:
        raise refusal


def _judge(
    session,
    agent: Agent,
    matches: bool,
    limit: int,
    now: datetime,
    *,
    failed_action: str,
    wrong: str,
    client: str | None = None,
    hide_lock: bool = False,
) -> ValidationError | None:
    """None when the password was right and the account is not locked; else count, audit, and say
    why (``hide_lock``: a locked account gets the words of a wrong password, for sign-in)."""
    locked = wrong if hide_lock else passwords.locked_message(limit)

    def failed(reason: str) -> None:
        audit.record(
            session,
            at=now,
            agent_id=agent.id,
            action=failed_action,
            entity="agent",
            entity_id=agent.id,
            detail={"reason": reason, "failed_sign_ins": agent.failed_logins, **_from(client)},
        )

    if agent.password_hash is None:  # nothing to guess, so nothing is counted
        failed("no password set")
        return ValidationError(
            f"No password is set for {agent.username} yet: a supervisor can set one "
            f"(`callcenter agent reset-password {agent.username}`).",
            "password",
        )
    if passwords.is_locked(agent.failed_logins, limit):
        agent.failed_logins += 1
        failed("locked")
        return ValidationError(locked, "password")
    if matches:
        return None
    agent.failed_logins += 1
    failed("wrong password")
    if passwords.is_locked(agent.failed_logins, limit):
        audit.record(
            session,
            at=now,
            agent_id=agent.id,
            action="account_locked",
            entity="agent",
            entity_id=agent.id,
            detail={"failed_sign_ins": agent.failed_logins, "limit": limit},
        )
        return ValidationError(locked, "password")
    return ValidationError(wrong, "password")


def _start_session(session, agent: Agent, now: datetime, client: str | None = None) -> str:
    """The agent is now signed in on this console (a new token); another console they were signed
    in on is taken over: it learns so at its next presence report. Returns this console's token."""
    took_over = agent.console_token is not None and agent.state != AgentState.OFFLINE
    if agent.state == AgentState.OFFLINE:
        agent.state = AgentState.AVAILABLE
        agent.state_since = now
        agent.version += 1
    agent.console_token = secrets.token_hex(8)
    detail = {**_from(client), **({"took_over_another_console": True} if took_over else {})}
    audit.record(
        session,
        at=now,
        agent_id=agent.id,
        action="sign_in",
        entity="agent",
        entity_id=agent.id,
        detail=detail or None,
    )
    return agent.console_token


@cache
def _decoy_hash() -> str:
    """Made once: an unknown name then costs one check, as a known one does, not a hash and a check."""
    return passwords.hash_password("no such agent: a decoy that no password matches")


# --- Accounts: set-up by a supervisor, or from the shell ------------------------------------------


def add_agent(
    db: Database, actor: Actor, username: str, display_name: str, role: Role | str, password: str, now: datetime
):
    """A new agent, offline, with a password (by a supervisor, or the shell's `callcenter agent add`)."""
    name = passwords.check_username(username)
    shown = passwords.check_display_name(display_name)
    chosen = _role(role)
    passwords.check_new_password(password, name)
    with db.read() as session:
        _require_manager(session, actor)  # fail fast, before the slow hash
    hashed = passwords.hash_password(password)
    with db.write() as session:
        _require_manager(session, actor)
        if session.scalar(select(Agent.id).where(Agent.username == name)) is not None:
            raise ValidationError(f"Username {name!r} is taken: pick another (e.g. add an initial).", "username")
        agent = Agent(
            username=name,
            display_name=shown,
            role=chosen.value,
            state=AgentState.OFFLINE.value,
            state_since=now,
            created_at=now,
            active=True,
            password_hash=hashed,
            failed_logins=0,
        )
        session.add(agent)
        session.flush()
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            screen=audit.screen_of(actor),
            action="add_agent",
            entity="agent",
            entity_id=agent.id,
            detail={"username": name, "display_name": shown, "role": chosen.value},
        )
        return to_view(agent)


def reset_password(db: Database, actor: Actor, agent_id: int, new_password: str, now: datetime):
    """Set a new password for an agent (enabled or not); it also unlocks a locked account."""
    with db.read() as session:
        _require_manager(session, actor)
        target = session.get(Agent, agent_id)
        if target is None:
            raise NotFound(f"No agent with id {agent_id}.")
        username = target.username
    passwords.check_new_password(new_password, username)
    hashed = passwords.hash_password(new_password)
    with db.write() as session:
        _require_manager(session, actor)
        agent = session.get(Agent, agent_id, with_for_update=True)
        if agent is None:
            raise NotFound(f"No agent with id {agent_id}.")
        cleared = agent.failed_logins or 0
        agent.password_hash = hashed
        agent.failed_logins = 0
        agent.version += 1
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            screen=audit.screen_of(actor),
            action="reset_password",
            entity="agent",
            entity_id=agent.id,
            detail={"failed_sign_ins_cleared": cleared},
        )
        session.flush()
        return to_view(agent)


def disable_agent(db: Database, actor: Actor, agent_id: int, now: datetime):
    """Stop an agent from signing in: the account is kept (the audit trail names them), offline."""
    with db.write() as session:
        _require_manager(session, actor)
        if actor.agent_id == agent_id:
            raise InvalidOperation("You cannot disable your own account: ask another supervisor.")
        agent = session.get(Agent, agent_id, with_for_update=True)
        if agent is None:
            raise NotFound(f"No agent with id {agent_id}.")
        if not agent.active:
            raise InvalidOperation(f"{agent.display_name} is already disabled.")
        was = AgentState(agent.state)
        if was == AgentState.ON_CALL:
            # Their call would be left with nobody able to end it.
            raise InvalidOperation(f"{agent.display_name} is on a call: disable the account once it has ended.")
        agent.active = False
        if was != AgentState.OFFLINE:
            agent.state = AgentState.OFFLINE.value
            agent.state_since = now
        agent.version += 1
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            screen=audit.screen_of(actor),
            action="disable_agent",
            entity="agent",
            entity_id=agent.id,
            detail={"state_was": was.value},
        )
        session.flush()
        return to_view(agent)


def enable_agent(db: Database, actor: Actor, agent_id: int, now: datetime):
    """Let a disabled agent sign in again (with the password they had; reset it if they forgot)."""
    with db.write() as session:
        _require_manager(session, actor)
        agent = session.get(Agent, agent_id, with_for_update=True)
        if agent is None:
            raise NotFound(f"No agent with id {agent_id}.")
        if agent.active:
            raise InvalidOperation(f"{agent.display_name} is already enabled.")
        agent.active = True
        agent.version += 1
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            screen=audit.screen_of(actor),
            action="enable_agent",
            entity="agent",
            entity_id=agent.id,
        )
        session.flush()
        return to_view(agent)


def _require_manager(session, actor: Actor) -> None:
    acting(session, actor, Permission.MANAGE_AGENTS)


def acting(session, actor: Actor, permission: Permission | None = None) -> Agent | None:
    """The agent ``actor`` stands for, checked; None for the shell (whoever runs `callcenter ...` on
    the server already holds the database). Refused: anything but an Actor (a bare id, None), a
    disabled agent, a console session that has ended (signed out, or taken over by another
    console), and an agent whose role lacks ``permission``."""
    if not isinstance(actor, Actor):
        raise InvalidOperation(
            f"This needs who is acting (a signed-in console's session, or the shell), not {type(actor).__name__}."
        )
    if actor.is_shell:
        return None
    if actor.agent_id is None:
        raise InvalidOperation("This needs who is acting: no agent is signed in.")
    agent = _load(session, actor.agent_id)
    if actor.console_token is None or agent.console_token != actor.console_token:
        raise SessionEnded(
            "This console's session has ended (signed out, or signed in on another console): sign in again."
        )
    if permission is not None:
        require(agent.role, permission)
    return agent


def _role(role: Role | str) -> Role:
    try:
        return Role(str(role.value if isinstance(role, Role) else role).strip().lower())
    except ValueError:
        raise ValidationError(f"Role: one of {', '.join(r.value for r in Role)} (got {str(role)!r}).", "role") from None


def report_presence(db: Database, agent_id: int, now: datetime, console_token: str | None = None) -> bool:
    """The agent's console is still there (every few seconds while signed in). Not audited and no
    new version: it is a heartbeat, not an edit. False when the agent has since signed in on
    another console (`console_token` is not theirs any more): nothing is recorded then."""
    with db.write() as session:
        db.typing_commit(session)  # a heartbeat lost with the database server is sent again in 15 s
        statement = update(Agent.__table__).where(Agent.id == agent_id).values(seen_at=now)
        if console_token is not None:
            statement = statement.where(Agent.console_token == console_token)
        return session.execute(statement).rowcount > 0


def sign_out(db: Database, agent_id: int, console_token: str | None, now: datetime) -> bool:
    """The agent leaves this console (sign-out, quit, a closed terminal): offline, unless they have
    since signed in on another console, which keeps them as they are there (False)."""
    with db.write() as session:
        agent = _load(session, agent_id)
        if console_token is not None and agent.console_token != console_token:
            return False
        agent.console_token = None
        _set_state(session, agent, agent_id, AgentState.OFFLINE, now)
        return True


def change_state(
    db: Database, actor_id: int, agent_id: int, target: AgentState, now: datetime, reason: AwayReason | None = None
):
    """Change an agent's state: your own by hand, anyone's if you supervise; going away, with why."""
    target = AgentState(target)
    reason = AwayReason(reason) if reason is not None and target is AgentState.AWAY else None
    with db.write() as session:
        actor = _load(session, actor_id)
        if actor_id == agent_id:
            require(actor.role, Permission.CHANGE_OWN_STATE)
            agent = actor
        else:
            require(actor.role, Permission.CHANGE_ANY_AGENT_STATE)
            agent = _load(session, agent_id)
        _set_state(session, agent, actor_id, target, now, reason)
        session.flush()
        return to_view(agent)


def _set_state(
    session, agent: Agent, actor_id: int, target: AgentState, now: datetime, reason: AwayReason | None = None
) -> None:
    """A change of state the rules allow by hand, audited; nothing when the agent is in it already
    (for the same reason)."""
    current = AgentState(agent.state)
    why = reason.value if reason is not None else None
    if current == target and (target is not AgentState.AWAY or agent.away_reason == why):
        return
    if current != target:
        check_manual_change(current, target)
    agent.state = target
    agent.away_reason = why
    agent.state_since = now
    agent.version += 1
    audit.record(
        session,
        at=now,
        agent_id=actor_id,
        action="change_state",
        entity="agent",
        entity_id=agent.id,
        detail={"from": current.value, "to": target.value, **({"reason": why} if why else {})},
    )


def on_shift_with_role(session, role: Role, now: datetime) -> list[Agent]:
    """Active agents of ``role`` who can be given work now (``agent_states.on_shift``), by id."""
    found = session.scalars(
        select(Agent)
        .where(
            Agent.role == role.value,
            Agent.active.is_(True),
            Agent.state.in_([state.value for state in ON_SHIFT_STATES]),
        )
        .order_by(Agent.id)
    ).all()
    return [agent for agent in found if on_shift(AgentState(agent.state), agent.seen_at, now)]


def _load(session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise NotFound(f"No active agent with id {agent_id}.")
    return agent
