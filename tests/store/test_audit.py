"""The audit trail on both engines: which child each entry concerns, the supervisor's search, and a
trail that stays append-only through the migration that added the child column."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from callcenter.domain.actor import Actor
from callcenter.domain.audit import build_filter
from callcenter.domain.contacts import check_fax
from callcenter.domain.errors import PermissionDenied
from callcenter.domain.model import AgentState, PromiseKind
from callcenter.domain.promises import AttemptOutcome, PromisePolicy
from callcenter.domain.timefmt import line_zone
from callcenter.store import agents, audit, contacts, intakes, migrate, promises
from callcenter.store.db import Database
from callcenter.store.errors import InvalidOperation, NotFound, SessionEnded
from callcenter.store.models import Agent, AuditEntry, Child
from tests.dbutil import pg_url, signed_in, stored_intake
from tests.store.test_intakes import complete_fields

POLICY = PromisePolicy()

SHELL = Actor.shell("test")  # the store as `callcenter ...` on the server uses it


def _agent(db, now, username: str, role: str = "rep", active: bool = True) -> int:
    with db.write() as session:
        agent = Agent(
            username=username,
            display_name=username.title(),
            role=role,
            active=active,
            state=AgentState.AVAILABLE.value,
            state_since=now,
            created_at=now,
        )
        session.add(agent)
        session.flush()
        return agent.id


def _child(db, now, first: str = "Lena", last: str = "Park") -> int:
    with db.write() as session:
        child = Child(first_name=first, last_name=last, date_of_birth=date(2019, 5, 1), created_at=now, updated_at=now)
        session.add(child)
        session.flush()
        return child.id


def _write(db, at, agent_id, action, entity="intake", entity_id=1, child_id=None, detail=None):
    with db.write() as session:
        audit.record(
            session,
            at=at,
            agent_id=agent_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            child_id=child_id,
            detail=detail,
            screen="test",
        )


@pytest.fixture
def people(db, now):
    return {
        "alex": _agent(db, now, "alex"),
        "jordan": _agent(db, now, "jordan"),
        "sam": _agent(db, now, "sam", "supervisor"),
        "okafor": _agent(db, now, "okafor", "psychiatrist"),
    }


@pytest.fixture
def trail(db, now, people):
    """Five entries over three days, two of them about child 7, one by nobody signed in."""
    _write(db, now - timedelta(days=2), people["alex"], "create", child_id=7)
    _write(db, now - timedelta(days=1), people["jordan"], "update", child_id=8, detail={"fields": ["town"]})
    _write(db, now - timedelta(hours=1), people["alex"], "link_child", entity="contact", entity_id=3, child_id=7)
    _write(db, now - timedelta(minutes=30), None, "breach", entity="task", entity_id=4)
    _write(db, now, people["jordan"], "create", entity="contact", entity_id=5)
    return people


def _actions(rows) -> list[str]:
    return [row.action for row in rows]


# --- child_id recorded by the writers ------------------------------------------------------------


def test_intake_submission_records_the_child_on_its_entries(db, now):
    rep = _agent(db, now, "alex")
    draft = intakes.start(db, rep, now)
    fields = complete_fields()
    version = intakes.save_draft(db, rep, draft.id, fields, draft.version, now)
    result = intakes.submit(db, rep, draft.id, fields, version, now, now.astimezone(line_zone()).date())
    with db.read() as session:
        entries = {(entry.entity, entry.action): entry.child_id for entry in session.scalars(select(AuditEntry))}
    assert entries[("child", "create")] == result.child_id
    assert entries[("intake", "submit")] == result.child_id
    assert entries[("intake", "create")] is None  # a draft has no child yet
    assert [row.entity for row in audit.search(db, SHELL, child_id=result.child_id)] == ["intake", "child"]


def test_matching_a_contact_to_a_child_records_that_child(db, now):
    rep = _agent(db, now, "alex")
    child = _child(db, now)
    entry, errors = check_fax(
        {
            "direction": "inbound",
            "number": "(860) 555-0199",
            "party": "Elm Pediatrics",
            "pages": "2",
            "at": "",
            "document_type": "referral",
            "next_step": "call the family",
        },
        now,
    )
    assert errors == {}
    fax = contacts.log_fax(db, rep, entry, now, POLICY)
    contacts.link_child(db, rep, fax.row.id, child, now + timedelta(minutes=1))
    contacts.start_intake(db, rep, fax.row.id, now + timedelta(minutes=2))
    rows = audit.search(db, SHELL, child_id=child)
    assert [(row.action, row.entity, row.entity_id) for row in rows][-1] == ("link_child", "contact", fax.row.id)
    assert {(row.action, row.entity) for row in rows} == {
        ("link_child", "contact"),
        ("create", "intake"),
        ("update", "contact"),
    }
    assert rows[-1].detail["child_id"] == child and rows[-1].detail["was"] is None
    # The fax itself was logged before the match: its entry names no child.
    assert [
        row.child_id
        for row in audit.search(
            db, SHELL, action="create", since=now - timedelta(minutes=1), until=now + timedelta(seconds=1)
        )
    ] == [None]


def test_work_on_a_childs_promise_records_the_child(db, now):
    rep = _agent(db, now, "alex")
    child = _child(db, now)
    with db.write() as session:
        promise = promises.new_promise(
            session,
            kind=PromiseKind.CALLBACK_REQUEST,
            title="Call back",
            owner_agent_id=rep,
            start=now,
            due=now + timedelta(hours=2),
            child_id=child,
        )
    promises.log_attempt(db, rep, promise.id, AttemptOutcome.NO_ANSWER, None, now)
    promises.close(db, rep, promise.id, now + timedelta(minutes=5), POLICY)
    rows = audit.search(db, SHELL, child_id=child)
    assert _actions(rows) == ["close", "attempt"]
    assert {(row.record, row.screen) for row in rows} == {(f"promise#{promise.id}", "promises")}


def test_a_screen_filter_finds_entries_written_under_the_screens_earlier_name(db, now, people):
    """The trail keeps the words an entry was written with; 'promises' and 'callbacks' find both."""
    with db.write() as session:
        audit.record(
            session,
            at=now - timedelta(hours=2),
            agent_id=people["alex"],
            action="attempt",
            entity="task",
            entity_id=4,
            screen="callbacks",
        )
        audit.record(
            session,
            at=now - timedelta(hours=1),
            agent_id=people["alex"],
            action="attempt",
            entity="promise",
            entity_id=5,
            screen="promises",
        )
        audit.record(
            session, at=now, agent_id=people["alex"], action="update", entity="intake", entity_id=1, screen="intake"
        )
    for word in ("promises", "callbacks"):
        assert [row.record for row in audit.search(db, SHELL, screen=word)] == ["promise#5", "task#4"]
    assert [row.record for row in audit.search(db, SHELL, screen="intake")] == ["intake#1"]


# --- search --------------------------------------------------------------------------------------


def test_search_is_newest_first_and_names_the_agent(db, now, trail):
    rows = audit.search(db, signed_in(db, trail["sam"]))
    assert _actions(rows) == ["sign_in", "create", "breach", "link_child", "update", "create"]
    assert rows[0].agent_username == "sam"  # the supervisor's own sign-in, just now
    rows = rows[1:]
    newest, system = rows[0], rows[1]
    assert (newest.agent_username, newest.agent_name, newest.who, newest.record) == (
        "jordan",
        "Jordan",
        "jordan",
        "contact#5",
    )
    assert (system.agent_username, system.who) == (None, "system")
    assert rows[3].detail == {"fields": ["town"]} and rows[0].detail == {}
    assert rows[0].at == now and rows[0].screen == "test"


def test_search_by_child_agent_action_and_days(db, now, trail):
    assert [(row.action, row.child_id) for row in audit.search(db, SHELL, child_id=7)] == [
        ("link_child", 7),
        ("create", 7),
    ]
    assert _actions(audit.search(db, SHELL, agent_username="jordan")) == ["create", "update"]
    assert _actions(audit.search(db, SHELL, agent_username="ALEX", child_id=7)) == ["link_child", "create"]
    assert _actions(audit.search(db, SHELL, action="create")) == ["create", "create"]
    assert audit.search(db, SHELL, action="create", agent_username="alex")[0].child_id == 7
    # Days as the screen and the command type them: midnight to midnight in the line's zone.
    today = now.astimezone(line_zone()).date()
    query, errors = build_filter(
        {"since": (today - timedelta(days=1)).isoformat(), "until": (today - timedelta(days=1)).isoformat()}, today
    )
    assert errors == {}
    since, until = query.bounds()
    assert _actions(audit.search(db, SHELL, since=since, until=until)) == ["update"]
    since, _ = build_filter({"since": "today"}, today)[0].bounds()
    assert _actions(audit.search(db, SHELL, since=since)) == ["create", "breach", "link_child"]
    assert len(audit.search(db, SHELL, limit=2)) == 2
    assert audit.search(db, SHELL, child_id=999) == []


def test_an_unknown_agent_name_is_a_message_not_an_empty_list(db, now, trail):
    with pytest.raises(NotFound, match="No agent with the username 'nobody'"):
        audit.search(db, signed_in(db, trail["sam"]), agent_username="nobody")


def test_only_supervisors_and_the_shell_read_the_trail(db, now, trail):
    sessions = {who: signed_in(db, trail[who]) for who in ("alex", "okafor", "sam")}  # three sign-ins
    for who in ("alex", "okafor"):
        with pytest.raises(PermissionDenied, match="cannot read the audit trail"):
            audit.search(db, sessions[who])
    assert len(audit.search(db, sessions["sam"])) == 5 + 3
    assert len(audit.search(db, SHELL)) == 5 + 3  # `callcenter audit`, run by whoever holds the database
    former = _agent(db, now, "former", "supervisor")
    as_former = signed_in(db, former)
    agents.disable_agent(db, SHELL, former, now)
    with pytest.raises(NotFound):
        audit.search(db, as_former)


def test_the_store_is_given_who_acts_not_a_bare_id_nor_nothing(db, now, trail):
    """`audit.search(db, None)` or another agent's id from a rep's process used to run as the shell."""
    for stand_in in (None, trail["sam"], str(trail["sam"])):
        with pytest.raises(InvalidOperation, match="needs who is acting"):
            audit.search(db, stand_in)  # type: ignore[arg-type]
        with pytest.raises(InvalidOperation, match="needs who is acting"):
            agents.reset_password(db, stand_in, trail["alex"], "a-new-long-password", now)  # type: ignore[arg-type]


def test_a_console_whose_session_ended_is_refused(db, now, trail):
    first = signed_in(db, trail["sam"])
    assert audit.search(db, first)
    second = signed_in(db, trail["sam"])  # signed in on another console: the first is taken over
    with pytest.raises(SessionEnded, match="sign in again"):
        audit.search(db, first)
    assert audit.search(db, second)
    agents.sign_out(db, trail["sam"], second.console_token, now)
    with pytest.raises(SessionEnded):
        audit.search(db, second)
    forged = Actor.console(trail["sam"], None)  # an id with no session behind it
    with pytest.raises(SessionEnded):
        audit.search(db, forged)


# --- append-only through the migration -------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def bare_db(request, tmp_path, templates):
    """An empty database, for migrating step by step."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'bare.db'}")
        yield db
        db.dispose()
        return
    request.getfixturevalue("postgres_ready")
    name = templates.server.create_database("bare")
    db = Database(pg_url(name))
    yield db
    db.dispose()


def _refuses_changes(db, with_child_column: bool = True) -> None:
    statements = ["UPDATE audit SET action = 'forged'", "DELETE FROM audit"]
    if with_child_column:
        statements.append("UPDATE audit SET child_id = 99")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))


def test_update_and_delete_on_the_audit_table_fail_on_both_engines_after_the_child_column(bare_db, now):
    migrate.upgrade(bare_db, "0008")
    with bare_db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO audit (at, action, entity, entity_id) VALUES (:at, 'create', 'call', 1)"), {"at": now}
        )
    migrate.upgrade(bare_db)
    assert migrate.current_revision(bare_db) == migrate.SCHEMA_HEAD
    with bare_db.write() as session:
        audit.record(session, at=now, agent_id=None, action="update", entity="child", entity_id=3, child_id=3)
    _refuses_changes(bare_db)
    assert [(row.action, row.child_id) for row in audit.search(bare_db, SHELL)] == [("update", 3), ("create", None)]
    with bare_db.engine.connect() as conn:
        if bare_db.engine.dialect.name == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT id FROM audit WHERE child_id = 3").all()
            assert "ix_audit_child_id" in str(plan)
        else:
            indexes = conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'audit'")).scalars().all()
            assert "ix_audit_child_id" in indexes
    # Back down and up again: the trail keeps its rows and stays append-only all the way.
    from alembic import command

    config = migrate._config(bare_db)
    with bare_db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    _refuses_changes(bare_db, with_child_column=False)
    migrate.upgrade(bare_db)
    _refuses_changes(bare_db)
    with bare_db.read() as session:
        assert session.query(AuditEntry).count() == 2


def test_text_saved_as_typed_is_audited_once_a_minute_per_agent_and_record(db, now):
    """Saves come keystroke by keystroke; the trail keeps who edited which record, to the minute."""
    rep = _agent(db, now, "alex")
    draft = intakes.start(db, rep, now)
    version = draft.version
    for second, name in enumerate(("M", "Ma", "Mar", "Mari", "Maria")):
        version = intakes.save_draft(db, rep, draft.id, {"caller_name": name}, version, now + timedelta(seconds=second))
    updates = [row for row in audit.search(db, SHELL, action="update") if row.record == f"intake#{draft.id}"]
    assert len(updates) == 1 and updates[0].at == now
    version = intakes.save_draft(db, rep, draft.id, {"caller_name": "Maria L"}, version, now + timedelta(seconds=65))
    updates = [row for row in audit.search(db, SHELL, action="update") if row.record == f"intake#{draft.id}"]
    assert [row.at for row in updates] == [now + timedelta(seconds=65), now]
    assert stored_intake(db, draft.id).fields["caller_name"] == "Maria L"


def test_details_name_the_agents_they_give_work_to(db, now):
    """A reassigned promise reads "from Alex (#1) to Jordan (#2)", not "from=1 to=2"; a due time under
    the same keys stays a time."""
    from callcenter.domain.audit import describe_detail, detail_value

    alex, jordan = _agent(db, now, "alex"), _agent(db, now, "jordan")
    sam = _agent(db, now, "sam", role="supervisor")
    with db.write() as session:
        promise = promises.new_promise(
            session,
            kind=PromiseKind.CALLBACK_REQUEST,
            title="Call back",
            owner_agent_id=alex,
            start=now,
            due=now + timedelta(hours=2),
        )
    promises.reassign(db, signed_in(db, sam), promise.id, jordan, now)
    promises.reschedule(db, jordan, promise.id, now + timedelta(hours=3), "family asked", now)
    rescheduled, reassigned = [row for row in audit.search(db, SHELL, action=None) if row.entity == "promise"][:2]
    assert (reassigned.action, rescheduled.action) == ("reassign", "reschedule")
    assert detail_value(reassigned, "from") == f"Alex (#{alex})"
    assert detail_value(reassigned, "to") == f"Jordan (#{jordan})"
    assert describe_detail(reassigned) == f"from=Alex (#{alex}) to=Jordan (#{jordan})"
    assert detail_value(rescheduled, "to") == rescheduled.detail["to"]  # a due time, not an agent
    assert "Jordan" not in describe_detail(rescheduled)


def test_a_detail_holding_a_list_or_a_mapping_reads_as_it_is():
    from datetime import UTC, datetime

    from callcenter.domain.audit import AuditRow, describe_detail

    row = AuditRow(
        1,
        datetime(2026, 11, 23, tzinfo=UTC),
        "sam",
        "Sam",
        "update",
        "x",
        1,
        None,
        None,
        {"to": ["a", "b"], "from": {"k": 1}, "count": 3},
        {3: "Alex"},
    )
    assert describe_detail(row) == "count=3 from={'k': 1} to=a,b"  # 3 under "count" is no agent
