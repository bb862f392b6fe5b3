"""Signing in with a password, locking after failed tries, and managing accounts: on both engines."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from callcenter.config import MAX_FAILED_SIGNINS_ENV
from callcenter.domain.actor import Actor
from callcenter.domain.errors import PermissionDenied, ValidationError
from callcenter.domain.model import AgentState, Role
from callcenter.store import agents, calls, monitor
from callcenter.store.errors import InvalidOperation, NotFound
from callcenter.store.models import Agent, AuditEntry
from callcenter.store.seed import DEMO_PASSWORD
from tests.dbutil import signed_in

# Sign-in says the same to a locked account as to a wrong password: the words do not tell who is locked.
LOCKED = agents.REFUSED
NEW_PASSWORD = "plum-orchard-seven"

SHELL = Actor.shell("test")  # the store as `callcenter ...` on the server uses it


def _audit(db, *actions: str) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)))


def _failed_logins(db, username: str) -> int:
    with db.read() as session:
        return session.scalar(select(Agent.failed_logins).where(Agent.username == username))


def _refusal(db, username: str, password: str, now) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        agents.sign_in(db, username, password, now)
    return refused.value


def test_right_password_signs_in_and_starts_available(demo_db, now):
    alex = agents.sign_in(demo_db, "  Alex ", DEMO_PASSWORD, now)
    assert alex.username == "alex" and alex.state is AgentState.AVAILABLE and alex.state_since == now
    assert not alex.locked and alex.active
    [entry] = _audit(demo_db, "sign_in")
    assert (entry.agent_id, entry.entity, entry.entity_id) == (alex.id, "agent", alex.id)


def test_wrong_password_and_unknown_user_get_the_same_answer_and_are_audited(demo_db, now):
    wrong = _refusal(demo_db, "alex", "not-the-password", now)
    unknown = _refusal(demo_db, "nobody-" + "x" * 60, DEMO_PASSWORD, now)
    assert wrong.message == unknown.message
    assert wrong.message.startswith("Username or password is not right.")
    # Counted and committed although the caller got an error.
    assert _failed_logins(demo_db, "alex") == 1

    alex_id = agents.get_by_username(demo_db, "alex").id
    known, stranger = _audit(demo_db, "sign_in_failed")
    assert (known.agent_id, known.entity, known.entity_id) == (alex_id, "agent", alex_id)
    assert json.loads(known.detail)["reason"] == "wrong password"
    assert (stranger.agent_id, stranger.entity, stranger.entity_id) == (None, "agent", None)
    assert json.loads(stranger.detail) == {"reason": "unknown username", "characters_typed": 67}


def test_a_password_typed_into_the_username_box_never_reaches_the_trail(demo_db, now):
    _refusal(demo_db, "MyS3cret-Passw0rd!", DEMO_PASSWORD, now)
    with demo_db.read() as session:
        trail = " ".join(f"{e.action} {e.detail or ''}" for e in session.scalars(select(AuditEntry)))
    assert "sign_in_failed" in trail
    assert "MyS3cret" not in trail and "mys3cret" not in trail


def test_a_locked_account_is_checked_as_long_as_any_other(demo_db, now, monkeypatch):
    """The password is hashed for a locked account too: how long the answer takes does not say
    whether an account is locked (nor, with the decoy, whether it exists)."""
    from callcenter.domain import passwords

    for attempt in range(5):
        _refusal(demo_db, "alex", f"wrong-password-{attempt}", now)
    checked = []
    real_verify = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda *args: checked.append(1) or real_verify(*args))
    for username in ("alex", "nobody-at-all", "jordan"):
        _refusal(demo_db, username, "another-wrong-one", now)
    assert len(checked) == 3


def test_empty_fields_are_asked_for_and_not_counted(demo_db, now):
    assert _refusal(demo_db, "  ", DEMO_PASSWORD, now).field == "username"
    assert _refusal(demo_db, "alex", "", now).field == "password"
    assert _failed_logins(demo_db, "alex") == 0
    assert _audit(demo_db, "sign_in_failed") == []


def test_five_failures_lock_until_a_supervisor_resets_the_password(demo_db, now):
    for attempt in range(1, 5):
        refused = _refusal(demo_db, "jordan", f"guess-number-{attempt}", now)
        assert refused.message.startswith("Username or password is not right.")
    fifth = _refusal(demo_db, "jordan", "guess-number-5", now)
    assert fifth.message == LOCKED == refused.message  # the same words as any wrong password
    assert "supervisor" in LOCKED  # and they say where to turn when it is the account
    [locked] = _audit(demo_db, "account_locked")
    jordan = agents.get_by_username(demo_db, "jordan")
    assert locked.entity_id == jordan.id and jordan.locked

    # From now on even the right password is refused.
    assert _refusal(demo_db, "jordan", DEMO_PASSWORD, now).message == LOCKED
    assert agents.get_agent(demo_db, jordan.id).state is AgentState.OFFLINE

    sam = agents.sign_in(demo_db, "sam", DEMO_PASSWORD, now)
    reset = agents.reset_password(demo_db, signed_in(demo_db, sam.id), jordan.id, NEW_PASSWORD, now)
    assert not reset.locked and _failed_logins(demo_db, "jordan") == 0
    assert _refusal(demo_db, "jordan", DEMO_PASSWORD, now).message.startswith("Username or password")
    assert agents.sign_in(demo_db, "jordan", NEW_PASSWORD, now).state is AgentState.AVAILABLE
    assert _failed_logins(demo_db, "jordan") == 0  # success clears the count
    [entry] = _audit(demo_db, "reset_password")
    assert entry.agent_id == sam.id and json.loads(entry.detail) == {"failed_sign_ins_cleared": 6}


def test_a_success_clears_earlier_failures(demo_db, now):
    _refusal(demo_db, "maya", "one-wrong-guess", now)
    _refusal(demo_db, "maya", "two-wrong-guess", now)
    assert _failed_logins(demo_db, "maya") == 2
    agents.sign_in(demo_db, "maya", DEMO_PASSWORD, now)
    assert _failed_logins(demo_db, "maya") == 0


def test_lock_limit_follows_the_environment(demo_db, now, monkeypatch):
    monkeypatch.setenv(MAX_FAILED_SIGNINS_ENV, "2")
    _refusal(demo_db, "luis", "first-wrong-one", now)
    second = _refusal(demo_db, "luis", "second-wrong-one", now)
    assert second.message == agents.REFUSED
    assert agents.get_by_username(demo_db, "luis").locked


def test_disabled_agents_are_refused_and_can_be_enabled_again(demo_db, now):
    sam = agents.sign_in(demo_db, "sam", DEMO_PASSWORD, now)
    priya = agents.sign_in(demo_db, "priya", DEMO_PASSWORD, now)
    disabled = agents.disable_agent(demo_db, signed_in(demo_db, sam.id), priya.id, now + timedelta(minutes=1))
    assert not disabled.active and disabled.state is AgentState.OFFLINE
    assert disabled.state_since == now + timedelta(minutes=1)

    refused = _refusal(demo_db, "priya", DEMO_PASSWORD, now)
    assert "disabled" in refused.message
    # A wrong password on a disabled account says nothing about the account.
    assert _refusal(demo_db, "priya", "wrong-guess-here", now).message.startswith("Username or password")
    with pytest.raises(ValidationError):
        agents.open_session(demo_db, "priya", now)
    assert "priya" not in [agent.username for agent in agents.list_agents(demo_db)]
    assert "priya" in [agent.username for agent in agents.list_agents(demo_db, active_only=False)]
    with pytest.raises(InvalidOperation, match="already disabled"):
        agents.disable_agent(demo_db, signed_in(demo_db, sam.id), priya.id, now)

    agents.enable_agent(demo_db, signed_in(demo_db, sam.id), priya.id, now)
    assert agents.sign_in(demo_db, "priya", DEMO_PASSWORD, now).active
    assert [e.action for e in _audit(demo_db, "disable_agent", "enable_agent")] == ["disable_agent", "enable_agent"]
    with pytest.raises(InvalidOperation, match="already enabled"):
        agents.enable_agent(demo_db, signed_in(demo_db, sam.id), priya.id, now)


def test_a_supervisor_cannot_disable_themself_nor_an_agent_on_a_call(demo_db, now):
    sam = agents.sign_in(demo_db, "sam", DEMO_PASSWORD, now)
    with pytest.raises(InvalidOperation, match="your own account"):
        agents.disable_agent(demo_db, signed_in(demo_db, sam.id), sam.id, now)
    alex = agents.sign_in(demo_db, "alex", DEMO_PASSWORD, now)
    calls.claim_next(demo_db, alex.id, now)
    with pytest.raises(InvalidOperation, match="on a call"):
        agents.disable_agent(demo_db, signed_in(demo_db, sam.id), alex.id, now)
    assert agents.get_agent(demo_db, alex.id).active


@pytest.mark.parametrize("username", ["alex", "okafor"])
def test_only_supervisors_manage_accounts(demo_db, now, username):
    actor = agents.open_session(demo_db, username, now)
    jordan = agents.get_by_username(demo_db, "jordan")
    with pytest.raises(PermissionDenied, match="manage agents' accounts"):
        agents.reset_password(demo_db, signed_in(demo_db, actor.id), jordan.id, NEW_PASSWORD, now)
    with pytest.raises(PermissionDenied):
        agents.disable_agent(demo_db, signed_in(demo_db, actor.id), jordan.id, now)
    with pytest.raises(PermissionDenied):
        agents.enable_agent(demo_db, signed_in(demo_db, actor.id), jordan.id, now)
    with pytest.raises(PermissionDenied):
        agents.add_agent(demo_db, signed_in(demo_db, actor.id), "newbie", "New Bie", "rep", NEW_PASSWORD, now)
    assert agents.sign_in(demo_db, "jordan", DEMO_PASSWORD, now).active  # nothing changed
    assert _audit(demo_db, "reset_password", "disable_agent", "enable_agent", "add_agent") == []


def test_the_shell_manages_accounts_without_an_actor(db, now):
    added = agents.add_agent(db, SHELL, " T.Nguyen ", "  Thu  Nguyen ", "supervisor", NEW_PASSWORD, now)
    assert (added.username, added.display_name, added.role, added.state) == (
        "t.nguyen",
        "Thu Nguyen",
        Role.SUPERVISOR,
        AgentState.OFFLINE,
    )
    assert agents.sign_in(db, "t.nguyen", NEW_PASSWORD, now).state is AgentState.AVAILABLE
    agents.reset_password(db, SHELL, added.id, "another-good-one", now)
    agents.disable_agent(db, SHELL, added.id, now)
    agents.enable_agent(db, SHELL, added.id, now)
    entries = _audit(db, "add_agent", "reset_password", "disable_agent", "enable_agent")
    assert [(e.action, e.agent_id, e.entity_id) for e in entries] == [
        ("add_agent", None, added.id),
        ("reset_password", None, added.id),
        ("disable_agent", None, added.id),
        ("enable_agent", None, added.id),
    ]
    assert json.loads(entries[0].detail) == {"username": "t.nguyen", "display_name": "Thu Nguyen", "role": "supervisor"}


def test_a_supervisor_adds_an_agent_who_can_then_manage_others(demo_db, now):
    sam = agents.sign_in(demo_db, "sam", DEMO_PASSWORD, now)
    lead = agents.add_agent(
        demo_db, signed_in(demo_db, sam.id), "lead", "Team Lead", Role.SUPERVISOR, NEW_PASSWORD, now
    )
    [entry] = _audit(demo_db, "add_agent")
    assert entry.agent_id == sam.id and entry.entity_id == lead.id
    jordan = agents.get_by_username(demo_db, "jordan")
    agents.disable_agent(demo_db, signed_in(demo_db, lead.id), jordan.id, now)
    assert not agents.get_agent(demo_db, jordan.id).active


@pytest.mark.parametrize(
    "username, name, role, password, field",
    [
        ("alex", "Another Alex", "rep", NEW_PASSWORD, "username"),  # taken
        ("a b", "Spaced Out", "rep", NEW_PASSWORD, "username"),
        ("newrep", "", "rep", NEW_PASSWORD, "display_name"),
        ("newrep", "New Rep", "janitor", NEW_PASSWORD, "role"),
        ("newrep", "New Rep", "rep", "short", "password"),
        ("newrep", "New Rep", "rep", "newrep", "password"),
    ],
)
def test_bad_new_accounts_are_refused_and_nothing_is_written(demo_db, now, username, name, role, password, field):
    before = len(agents.list_agents(demo_db, active_only=False))
    with pytest.raises(ValidationError) as refused:
        agents.add_agent(demo_db, SHELL, username, name, role, password, now)
    assert refused.value.field == field
    assert len(agents.list_agents(demo_db, active_only=False)) == before
    assert _audit(demo_db, "add_agent") == []


def test_a_weak_reset_is_refused_and_the_old_password_still_works(demo_db, now):
    long_name = agents.add_agent(demo_db, SHELL, "christopher", "Christopher Lee", "rep", NEW_PASSWORD, now)
    with pytest.raises(ValidationError, match="must not be the username"):
        agents.reset_password(demo_db, SHELL, long_name.id, "Christopher", now)
    with pytest.raises(ValidationError, match="at least 10 characters"):
        agents.reset_password(demo_db, SHELL, long_name.id, "short", now)
    with pytest.raises(NotFound):
        agents.reset_password(demo_db, SHELL, 999_999, NEW_PASSWORD, now)
    assert agents.sign_in(demo_db, "christopher", NEW_PASSWORD, now)
    assert _audit(demo_db, "reset_password") == []


def test_no_password_or_hash_ever_reaches_the_audit_trail(demo_db, now):
    sam = agents.sign_in(demo_db, "sam", DEMO_PASSWORD, now)
    typed = ["wrong-password-1", "wrong-password-2", "wrong-password-3", "wrong-password-4", "wrong-password-5"]
    for password in typed:
        _refusal(demo_db, "alex", password, now)
    alex = agents.get_by_username(demo_db, "alex")
    agents.reset_password(demo_db, signed_in(demo_db, sam.id), alex.id, NEW_PASSWORD, now)
    added = agents.add_agent(
        demo_db, signed_in(demo_db, sam.id), "newrep", "New Rep", "rep", "fresh-start-password", now
    )
    with pytest.raises(ValidationError):
        agents.verify_password(demo_db, added.id, "unlock-attempt-wrong", now)
    with demo_db.read() as session:
        trail = " ".join(f"{e.action} {e.detail or ''} {e.screen or ''}" for e in session.scalars(select(AuditEntry)))
        hashes = list(session.scalars(select(Agent.password_hash).where(Agent.password_hash.is_not(None))))
    for secret in [DEMO_PASSWORD, NEW_PASSWORD, "fresh-start-password", "unlock-attempt-wrong", *typed]:
        assert secret not in trail
    assert "argon2" not in trail and "scrypt$" not in trail and not any(stored in trail for stored in hashes)
    assert {"sign_in_failed", "account_locked", "reset_password", "add_agent", "unlock_failed"} <= set(trail.split())


def test_unlock_checks_the_password_and_shares_the_lock(demo_db, now):
    alex = agents.sign_in(demo_db, "alex", DEMO_PASSWORD, now)
    assert agents.verify_password(demo_db, alex.id, DEMO_PASSWORD, now) is None
    for attempt in range(1, 5):
        with pytest.raises(ValidationError) as wrong:
            agents.verify_password(demo_db, alex.id, f"bad-unlock-{attempt}", now)
        assert wrong.value.field == "password" and wrong.value.message.startswith("That password is not right")
    assert agents.verify_password(demo_db, alex.id, DEMO_PASSWORD, now) is None  # the right one clears the count
    assert _failed_logins(demo_db, "alex") == 0
    failures = _audit(demo_db, "unlock_failed")
    assert len(failures) == 4 and {e.agent_id for e in failures} == {alex.id}

    for attempt in range(1, 6):
        with pytest.raises(ValidationError):
            agents.verify_password(demo_db, alex.id, f"bad-unlock-{attempt}", now)
    with pytest.raises(ValidationError, match="locked after 5"):
        agents.verify_password(demo_db, alex.id, DEMO_PASSWORD, now)
    assert _refusal(demo_db, "alex", DEMO_PASSWORD, now).message == LOCKED
    assert len(_audit(demo_db, "account_locked")) == 1


def test_unlock_of_a_disabled_or_unknown_agent_is_refused(demo_db, now):
    sam = agents.sign_in(demo_db, "sam", DEMO_PASSWORD, now)
    jordan = agents.sign_in(demo_db, "jordan", DEMO_PASSWORD, now)
    agents.disable_agent(demo_db, signed_in(demo_db, sam.id), jordan.id, now)
    with pytest.raises(InvalidOperation, match="disabled"):
        agents.verify_password(demo_db, jordan.id, DEMO_PASSWORD, now)
    with pytest.raises(NotFound):
        agents.verify_password(demo_db, 999_999, DEMO_PASSWORD, now)


def test_an_account_without_a_password_says_how_to_get_one(db, now):
    with db.write() as session:
        session.add(
            Agent(
                username="legacy",
                display_name="Legacy Rep",
                role="rep",
                state="offline",
                state_since=now,
                created_at=now,
            )
        )
    refused = _refusal(db, "legacy", "whatever-typed", now)
    assert "No password is set for legacy" in refused.message and "reset-password legacy" in refused.message
    assert _failed_logins(db, "legacy") == 0
    # The in-process hook (tests, benchmarks) needs no password.
    assert agents.open_session(db, "legacy", now).state is AgentState.AVAILABLE


def test_the_monitor_shows_locked_and_disabled_agents(demo_db, now, monkeypatch):
    monkeypatch.setenv(MAX_FAILED_SIGNINS_ENV, "1")
    sam = agents.sign_in(demo_db, "sam", DEMO_PASSWORD, now)
    _refusal(demo_db, "jordan", "one-bad-guess", now)
    priya = agents.get_by_username(demo_db, "priya")
    agents.disable_agent(demo_db, signed_in(demo_db, sam.id), priya.id, now)
    rows = monitor.snapshot(demo_db, sam.id, now).agents
    by_name = {row.username: row for row in rows}
    assert by_name["jordan"].locked and by_name["jordan"].active
    assert not by_name["priya"].active and rows[-1].username == "priya"  # disabled ones last
    assert not by_name["alex"].locked


def test_an_older_hash_is_replaced_at_the_next_good_sign_in_and_only_then(demo_db, now):
    from sqlalchemy import update

    from callcenter.domain import passwords

    legacy = passwords.legacy_scrypt_hash(DEMO_PASSWORD, b"0123456789abcdef")
    with demo_db.write() as session:
        session.execute(update(Agent).where(Agent.username == "alex").values(password_hash=legacy))
    _refusal(demo_db, "alex", "not-the-password", now)

    def stored() -> str:
        with demo_db.read() as session:
            return session.scalar(select(Agent.password_hash).where(Agent.username == "alex"))

    assert stored() == legacy  # a wrong password changes nothing
    agents.sign_in(demo_db, "alex", DEMO_PASSWORD, now)
    upgraded = stored()
    assert upgraded.startswith("$argon2id$") and not passwords.needs_rehash(upgraded)
    assert passwords.verify_password(DEMO_PASSWORD, upgraded)
    agents.sign_in(demo_db, "alex", DEMO_PASSWORD, now)
    assert stored() == upgraded  # a current hash stays as it is


def test_a_sign_in_from_the_web_console_records_the_client_address(demo_db, now):
    _refusal(demo_db, "alex", "not-the-password", now)
    _refusal(demo_db, "nobody-here", "not-the-password", now)
    agents.sign_in(demo_db, "alex", DEMO_PASSWORD, now, client="203.0.113.7")
    entries = _audit(demo_db, "sign_in", "sign_in_failed")
    assert [json.loads(entry.detail or "{}").get("client") for entry in entries] == [None, None, "203.0.113.7"]
    agents.sign_in(demo_db, "sam", DEMO_PASSWORD, now)
    _refusal(demo_db, "jordan", "wrong-one-here", now)
    with pytest.raises(ValidationError):
        agents.sign_in(demo_db, "jordan", "wrong-again-here", now, client="198.51.100.4")
    last = _audit(demo_db, "sign_in_failed")[-1]
    assert json.loads(last.detail)["client"] == "198.51.100.4"


@pytest.mark.pgbouncer
def test_a_second_console_takes_the_agent_over_and_the_first_cannot_sign_them_out(demo_db, now):
    first = agents.sign_in(demo_db, "alex", DEMO_PASSWORD, now)
    assert agents.report_presence(demo_db, first.id, now, first.console_token)
    second = agents.open_session(demo_db, "alex", now + timedelta(minutes=1))
    assert second.console_token and second.console_token != first.console_token
    [taken] = [e for e in _audit(demo_db, "sign_in") if e.detail]
    assert json.loads(taken.detail) == {"took_over_another_console": True}

    # The first console is told at its next report, and leaving it does not touch the agent.
    assert not agents.report_presence(demo_db, first.id, now + timedelta(minutes=2), first.console_token)
    assert not agents.sign_out(demo_db, first.id, first.console_token, now + timedelta(minutes=2))
    assert agents.get_by_username(demo_db, "alex").state is AgentState.AVAILABLE
    assert agents.report_presence(demo_db, second.id, now + timedelta(minutes=2), second.console_token)

    assert agents.sign_out(demo_db, second.id, second.console_token, now + timedelta(minutes=3))
    assert agents.get_by_username(demo_db, "alex").state is AgentState.OFFLINE
