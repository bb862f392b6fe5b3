"""Roles and ownership enforced by the store itself, on both engines.

Each case is one store operation attempted by someone who may not do it: the refusal must be the exact
error the UI explains, and the whole database must read the same afterwards (no row, version, state or
audit entry written). Then the person who may do it does the same thing, and it works: so every refusal
is about who asked, not about a set-up that would fail for anybody.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from callcenter.domain.actor import Actor
from callcenter.domain.consults import validate as validate_consult
from callcenter.domain.contacts import check_outbound, check_tty_start
from callcenter.domain.errors import PermissionDenied
from callcenter.domain.model import AgentState, CallState, Disposition, Priority, PromiseKind, Role
from callcenter.domain.promises import AttemptOutcome, PromisePolicy
from callcenter.domain.referrals import check_choice
from callcenter.store import agents, audit, calls, consults, contacts, intakes, monitor, promises, referrals
from callcenter.store.errors import InvalidOperation
from callcenter.store.models import Agent, AuditEntry, Provider
from tests.dbutil import stored_intake
from tests.store.test_intakes import complete_fields, today_of

POLICY = PromisePolicy()
NEW_PASSWORD = "plum-orchard-seven"
CONSULT_FORM = {
    "pcp_name": "Dr. Ada Okoro",
    "practice": "Elm Pediatrics",
    "callback_number": "860 555 0182",
    "child_first_name": "Sam",
    "child_dob": "4/5/2015",
    "question_type": "dose",
    "question": "Max dose of guanfacine ER at 40 kg?",
    "urgency": "routine",
}

SUPERVISE = "A rep cannot open supervisor operations."
OTHER_STATE = "A rep cannot change another agent's state."
MANAGE = "A rep cannot manage agents' accounts."


# --- the line's people and their work -----------------------------------------------------------


@dataclass
class World:
    db: Any
    now: Any
    sup: int
    alex: int  # the rep whose work is at stake
    jordan: int  # another rep
    okafor: int  # a psychiatrist
    weiss: int  # another psychiatrist
    olive: int  # a rep whose account is disabled
    ids: dict[str, Any] = field(default_factory=dict)  # what the case set up

    def acting(self, agent_id: int) -> Actor:
        """The agent's console session: each active agent here is signed in on one."""
        with self.db.read() as session:
            return Actor.console(agent_id, session.get(Agent, agent_id).console_token)


def _agent(db, now, username: str, role: Role, active: bool = True) -> int:
    with db.write() as session:
        agent = Agent(
            username=username,
            display_name=username.title(),
            role=role.value,
            active=active,
            state=AgentState.AVAILABLE.value if active else AgentState.OFFLINE.value,
            state_since=now - timedelta(hours=1),
            created_at=now,
            console_token=f"{username}-console" if active else None,
        )
        session.add(agent)
        session.flush()
        return agent.id


@pytest.fixture
def world(db, now) -> World:
    return World(
        db,
        now,
        sup=_agent(db, now, "sam", Role.SUPERVISOR),
        alex=_agent(db, now, "alex", Role.REP),
        jordan=_agent(db, now, "jordan", Role.REP),
        okafor=_agent(db, now, "okafor", Role.PSYCHIATRIST),
        weiss=_agent(db, now, "weiss", Role.PSYCHIATRIST),
        olive=_agent(db, now, "olive", Role.REP, active=False),
    )


def waiting_call(w: World) -> None:
    w.ids["call"] = calls.arrive(w.db, "877", "(203) 555-0143", w.now - timedelta(minutes=2))


def alex_on_a_tty_call(w: World) -> None:
    """A TTY call Alex is on, as claim_next leaves it (TTY, so marking it as relayed is allowed too)."""
    calls.arrive(w.db, "tty", "(860) 555-0111", w.now - timedelta(minutes=3))
    w.ids["call"] = calls.claim_next(w.db, w.alex, w.now - timedelta(minutes=2), ["tty"]).id


def promise(owner: str) -> Callable[[World], None]:
    def arrange(w: World) -> None:
        with w.db.write() as session:
            w.ids["task"] = promises.new_promise(
                session,
                kind=PromiseKind.CALLBACK_REQUEST,
                title="Call Maria back",
                owner_agent_id=getattr(w, owner),
                start=w.now - timedelta(hours=1),
                due=w.now + timedelta(hours=1),
            ).id

    return arrange


def alex_draft(w: World) -> None:
    w.ids["draft"] = intakes.start(w.db, w.alex, w.now)


def _provider(w: World) -> int:
    with w.db.write() as session:
        provider = Provider(hsds_id="roles-test-provider", name="Elm Street Clinic", town="Hartford")
        session.add(provider)
        session.flush()
        return provider.id


def alex_draft_and_provider(w: World) -> None:
    alex_draft(w)
    w.ids["provider"] = _provider(w)


def alex_draft_with_provider_attached(w: World) -> None:
    alex_draft_and_provider(w)
    referrals.attach(w.db, w.alex, w.ids["draft"].id, w.ids["provider"], check_choice("offered", "", "", w.now), w.now)


def consult_for_okafor(w: World) -> None:
    form, errors = validate_consult(CONSULT_FORM, today_of(w.now))
    assert errors == {}
    w.ids["consult"] = consults.create(
        w.db, w.alex, form, w.now - timedelta(hours=1), POLICY, psychiatrist_id=w.okafor
    ).id


def alex_tty_session(w: World) -> None:
    start, errors = check_tty_start({"party": "Dana M.", "number": "", "relay": "yes"})
    assert errors == {}
    w.ids["contact"] = contacts.start_tty(w.db, w.alex, start, w.now - timedelta(minutes=5))


def audit_entry(w: World) -> None:
    with w.db.write() as session:
        audit.record(
            session,
            at=w.now - timedelta(minutes=1),
            agent_id=w.alex,
            action="update",
            entity="intake",
            entity_id=1,
            screen="intake",
        )


def nothing(w: World) -> None:
    pass


def _outbound(w: World, agent_id: int):
    entry, errors = check_outbound(
        {"channel": "voice", "number": "(860) 555-0199", "party": "Maria Lopez", "outcome": "no_answer", "summary": ""}
    )
    assert errors == {}
    return contacts.log_outbound(w.db, agent_id, entry, w.now, POLICY, answers_promise_id=w.ids["task"])


# --- the cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    arrange: Callable[[World], None]
    refused: Callable[[World], Any]  # attempted by someone who may not
    error: type[Exception]
    match: str
    allowed: Callable[[World], Any]  # the same thing by someone who may
    action: str | None  # the audit action the operation writes (None for reads)


def _ops_by_a_rep() -> list[Case]:
    """1. Supervisor operations, attempted by a rep."""
    return [
        Case(
            "monitor.snapshot",
            nothing,
            lambda w: monitor.snapshot(w.db, w.alex, w.now),
            PermissionDenied,
            SUPERVISE,
            lambda w: monitor.snapshot(w.db, w.sup, w.now),
            None,
        ),
        Case(
            "monitor.set_agent_state",
            nothing,
            lambda w: monitor.set_agent_state(w.db, w.acting(w.alex), w.jordan, AgentState.AWAY, w.now),
            PermissionDenied,
            OTHER_STATE,
            lambda w: monitor.set_agent_state(w.db, w.acting(w.sup), w.jordan, AgentState.AWAY, w.now),
            "change_state",
        ),
        Case(
            "monitor.reassign_waiting_call",
            waiting_call,
            lambda w: monitor.reassign_waiting_call(w.db, w.acting(w.alex), w.ids["call"], w.alex, w.now),
            PermissionDenied,
            SUPERVISE,
            lambda w: monitor.reassign_waiting_call(w.db, w.acting(w.sup), w.ids["call"], w.alex, w.now),
            "reassign",
        ),
        Case(
            "monitor.raise_priority",
            waiting_call,
            lambda w: monitor.raise_priority(w.db, w.acting(w.alex), w.ids["call"], Priority.EMERGENCY, w.now),
            PermissionDenied,
            SUPERVISE,
            lambda w: monitor.raise_priority(w.db, w.acting(w.sup), w.ids["call"], Priority.EMERGENCY, w.now),
            "raise_priority",
        ),
        Case(
            "promises.open_across_line",
            promise("jordan"),
            lambda w: promises.open_across_line(w.db, w.alex, w.now + timedelta(days=1)),
            PermissionDenied,
            SUPERVISE,
            lambda w: promises.open_across_line(w.db, w.sup, w.now + timedelta(days=1)),
            None,
        ),
        Case(
            "promises.reassign",
            promise("jordan"),
            lambda w: promises.reassign(w.db, w.acting(w.alex), w.ids["task"], w.alex, w.now),
            PermissionDenied,
            SUPERVISE,
            lambda w: promises.reassign(w.db, w.acting(w.sup), w.ids["task"], w.alex, w.now),
            "reassign",
        ),
        Case(
            "agents.change_state-of-another",
            nothing,
            lambda w: agents.change_state(w.db, w.alex, w.jordan, AgentState.AWAY, w.now),
            PermissionDenied,
            OTHER_STATE,
            lambda w: agents.change_state(w.db, w.sup, w.jordan, AgentState.AWAY, w.now),
            "change_state",
        ),
        Case(
            "agents.add_agent",
            nothing,
            lambda w: agents.add_agent(
                w.db, w.acting(w.alex), "casey", "Casey Doe", Role.SUPERVISOR, NEW_PASSWORD, w.now
            ),
            PermissionDenied,
            MANAGE,
            lambda w: agents.add_agent(w.db, w.acting(w.sup), "casey", "Casey Doe", Role.REP, NEW_PASSWORD, w.now),
            "add_agent",
        ),
        Case(
            "agents.reset_password",
            nothing,
            lambda w: agents.reset_password(w.db, w.acting(w.alex), w.jordan, NEW_PASSWORD, w.now),
            PermissionDenied,
            MANAGE,
            lambda w: agents.reset_password(w.db, w.acting(w.sup), w.jordan, NEW_PASSWORD, w.now),
            "reset_password",
        ),
        Case(
            "agents.disable_agent",
            nothing,
            lambda w: agents.disable_agent(w.db, w.acting(w.alex), w.jordan, w.now),
            PermissionDenied,
            MANAGE,
            lambda w: agents.disable_agent(w.db, w.acting(w.sup), w.jordan, w.now),
            "disable_agent",
        ),
        Case(
            "agents.enable_agent",
            nothing,
            lambda w: agents.enable_agent(w.db, w.acting(w.alex), w.olive, w.now),
            PermissionDenied,
            MANAGE,
            lambda w: agents.enable_agent(w.db, w.acting(w.sup), w.olive, w.now),
            "enable_agent",
        ),
        Case(
            "audit.search",
            audit_entry,
            lambda w: audit.search(w.db, w.acting(w.alex)),
            PermissionDenied,
            "A rep cannot read the audit trail.",
            lambda w: audit.search(w.db, w.acting(w.sup)),
            None,
        ),
    ]


def _ops_outside_the_role() -> list[Case]:
    """2. Work that belongs to another role."""
    return [
        Case(
            "calls.claim_next-by-psychiatrist",
            waiting_call,
            lambda w: calls.claim_next(w.db, w.okafor, w.now),
            PermissionDenied,
            "A psychiatrist cannot take calls.",
            lambda w: calls.claim_next(w.db, w.alex, w.now),
            "claim",
        ),
        Case(
            "intakes.start-by-psychiatrist",
            nothing,
            lambda w: intakes.start(w.db, w.okafor, w.now),
            PermissionDenied,
            "A psychiatrist cannot work intakes.",
            lambda w: intakes.start(w.db, w.alex, w.now),
            "create",
        ),
        Case(
            "consults.close-by-rep",
            consult_for_okafor,
            lambda w: consults.close(w.db, w.alex, w.ids["consult"], w.now, 15, True, w.now, POLICY),
            PermissionDenied,
            "A rep cannot return consult calls.",
            lambda w: consults.close(w.db, w.okafor, w.ids["consult"], w.now, 15, True, w.now, POLICY),
            "close",
        ),
        Case(
            "consults.close-by-supervisor",
            consult_for_okafor,
            lambda w: consults.close(w.db, w.sup, w.ids["consult"], w.now, 15, True, w.now, POLICY),
            PermissionDenied,
            "A supervisor cannot return consult calls.",
            lambda w: consults.close(w.db, w.okafor, w.ids["consult"], w.now, 15, True, w.now, POLICY),
            "close",
        ),
    ]


def _someone_elses_work() -> list[Case]:
    """3. Work that is another person's: Jordan (or another psychiatrist) on Alex's (or Okafor's)."""

    def draft(w: World):
        return w.ids["draft"]

    def save(agent: str):
        return lambda w: intakes.save_draft(
            w.db, getattr(w, agent), draft(w).id, {"caller_name": "Someone"}, draft(w).version, w.now
        )

    def submit(agent: str):
        return lambda w: intakes.submit(
            w.db, getattr(w, agent), draft(w).id, complete_fields(), draft(w).version, w.now, today_of(w.now)
        )

    def crisis(agent: str):
        return lambda w: intakes.mark_crisis(w.db, getattr(w, agent), draft(w).id, "suicidal", w.now)

    def attach(agent: str):
        return lambda w: referrals.attach(
            w.db, getattr(w, agent), draft(w).id, w.ids["provider"], check_choice("offered", "", "", w.now), w.now
        )

    def detach(agent: str):
        return lambda w: referrals.detach(w.db, getattr(w, agent), draft(w).id, w.ids["provider"], w.now)

    def attempt(agent: str):
        return lambda w: promises.log_attempt(
            w.db, getattr(w, agent), w.ids["task"], AttemptOutcome.NO_ANSWER, None, w.now
        )

    def close(agent: str):
        return lambda w: promises.close(w.db, getattr(w, agent), w.ids["task"], w.now, POLICY, "family linked")

    def reschedule(agent: str):
        return lambda w: promises.reschedule(
            w.db, getattr(w, agent), w.ids["task"], w.now + timedelta(days=1), "family asked for tomorrow", w.now
        )

    def end_call(agent: str):
        return lambda w: calls.end_call(
            w.db, getattr(w, agent), w.ids["call"], Disposition.INFORMATION_ONLY, w.now, "notes"
        )

    def notes(agent: str):
        return lambda w: calls.save_notes(w.db, getattr(w, agent), w.ids["call"], "typed by someone")

    def relay(agent: str):
        return lambda w: calls.mark_relay(w.db, getattr(w, agent), w.ids["call"], True, w.now)

    def transcript(agent: str):
        return lambda w: contacts.save_transcript(
            w.db, getattr(w, agent), w.ids["contact"].row.id, "GA", w.ids["contact"].version, w.now
        )

    def end_tty(agent: str):
        return lambda w: contacts.end_tty(
            w.db, getattr(w, agent), w.ids["contact"].row.id, "talked", None, w.now, POLICY
        )

    def consult_close(agent: str):
        return lambda w: consults.close(w.db, getattr(w, agent), w.ids["consult"], w.now, 15, True, w.now, POLICY)

    intake = "This intake belongs to another rep"
    referral = "This referral belongs to another rep"
    promised = "This promise belongs to someone else"
    tty = "Only the rep running this TTY session can write to it."
    return [
        Case("intakes.save_draft", alex_draft, save("jordan"), InvalidOperation, intake, save("alex"), "update"),
        Case("intakes.submit", alex_draft, submit("jordan"), InvalidOperation, intake, submit("alex"), "submit"),
        Case("intakes.mark_crisis", alex_draft, crisis("jordan"), InvalidOperation, intake, crisis("alex"), "crisis"),
        Case(
            "referrals.attach",
            alex_draft_and_provider,
            attach("jordan"),
            InvalidOperation,
            referral,
            attach("alex"),
            "attach_provider",
        ),
        Case(
            "referrals.detach",
            alex_draft_with_provider_attached,
            detach("jordan"),
            InvalidOperation,
            referral,
            detach("alex"),
            "detach_provider",
        ),
        Case(
            "promises.log_attempt",
            promise("alex"),
            attempt("jordan"),
            InvalidOperation,
            promised,
            attempt("alex"),
            "attempt",
        ),
        Case("promises.close", promise("alex"), close("jordan"), InvalidOperation, promised, close("alex"), "close"),
        Case(
            "promises.reschedule",
            promise("alex"),
            reschedule("jordan"),
            InvalidOperation,
            promised,
            reschedule("alex"),
            "reschedule",
        ),
        Case(
            "contacts.log_outbound-answering-another-reps-promise",
            promise("alex"),
            lambda w: _outbound(w, w.jordan),
            InvalidOperation,
            promised,
            lambda w: _outbound(w, w.alex),
            "attempt",
        ),
        Case(
            "calls.end_call",
            alex_on_a_tty_call,
            end_call("jordan"),
            InvalidOperation,
            "Only the rep handling a call can end it.",
            end_call("alex"),
            "end",
        ),
        Case(
            "calls.save_notes",
            alex_on_a_tty_call,
            notes("jordan"),
            InvalidOperation,
            "Only the rep handling a call can write its notes.",
            notes("alex"),
            "update",
        ),
        Case(
            "calls.mark_relay",
            alex_on_a_tty_call,
            relay("jordan"),
            InvalidOperation,
            "Only the rep on a call can mark it as a relay call.",
            relay("alex"),
            "update",
        ),
        Case(
            "contacts.save_transcript",
            alex_tty_session,
            transcript("jordan"),
            InvalidOperation,
            tty,
            transcript("alex"),
            "update",
        ),
        Case("contacts.end_tty", alex_tty_session, end_tty("jordan"), InvalidOperation, tty, end_tty("alex"), "end"),
        Case(
            "consults.close-another-psychiatrists",
            consult_for_okafor,
            consult_close("weiss"),
            InvalidOperation,
            "This consult is assigned to another psychiatrist",
            consult_close("okafor"),
            "close",
        ),
    ]


CASES = _ops_by_a_rep() + _ops_outside_the_role() + _someone_elses_work()


# --- reading the whole database -----------------------------------------------------------------


def _everything(db) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: two reads are equal only if nothing at all was written."""
    with db.read() as session:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(
                    select(table).order_by(*(list(table.primary_key.columns) or list(table.columns)))
                )
            ]
            for table in SQLModel.metadata.sorted_tables
        }


def _audited(db, action: str | None) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_refused_with_nothing_written_then_allowed_for_the_right_person(world, case):
    case.arrange(world)
    before = _everything(world.db)
    audited = _audited(world.db, case.action)

    with pytest.raises(case.error, match=case.match) as refused:
        case.refused(world)
    assert type(refused.value) is case.error  # not merely a subclass: the UI words each one differently

    assert _audited(world.db, case.action) == audited
    assert _everything(world.db) == before

    # The control: the person whose work it is (or a supervisor) does the same, and it goes through.
    result = case.allowed(world)
    if case.action is None:
        assert result  # a read: the supervisor sees what the rep was refused
    else:
        assert _audited(world.db, case.action) > audited
        assert _everything(world.db) != before


# --- a closer look at a few, where "it went through" can say more --------------------------------


def test_supervisor_reads_the_board_and_the_promises_a_rep_cannot(world):
    promise("jordan")(world)
    board = monitor.snapshot(world.db, world.sup, world.now)
    assert {row.id for row in board.agents} >= {world.alex, world.jordan, world.sup}
    due = promises.open_across_line(world.db, world.sup, world.now + timedelta(days=1))
    assert [view.id for view in due] == [world.ids["task"]]


def test_supervisor_moves_a_waiting_caller_a_rep_could_not(world):
    waiting_call(world)
    with pytest.raises(PermissionDenied):
        monitor.reassign_waiting_call(world.db, world.acting(world.jordan), world.ids["call"], world.jordan, world.now)
    with pytest.raises(PermissionDenied):
        monitor.raise_priority(world.db, world.acting(world.jordan), world.ids["call"], Priority.HIGH, world.now)
    monitor.raise_priority(world.db, world.acting(world.sup), world.ids["call"], Priority.HIGH, world.now)
    given = monitor.reassign_waiting_call(world.db, world.acting(world.sup), world.ids["call"], world.jordan, world.now)
    assert (given.state, given.agent_id, given.priority) == (CallState.ON_CALL, world.jordan, Priority.HIGH)
    with world.db.read() as session:
        assert session.get(Agent, world.jordan).state == AgentState.ON_CALL.value


def test_a_supervisor_may_change_a_reps_draft_as_with_referrals_and_promises(world):
    alex_draft(world)
    draft = world.ids["draft"]
    version = intakes.save_draft(
        world.db, world.sup, draft.id, {"caller_name": "Fixed by Sam"}, draft.version, world.now
    )
    assert stored_intake(world.db, draft.id).fields["caller_name"] == "Fixed by Sam"
    # And the draft stays Alex's: he carries on from the supervisor's version.
    assert (
        intakes.save_draft(world.db, world.alex, draft.id, {"caller_name": "Alex again"}, version, world.now)
        == version + 1
    )
