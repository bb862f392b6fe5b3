"""The contact log by keys: a fax referral from logging to its closed follow-up, bad input, TTY sessions."""

from __future__ import annotations

from sqlalchemy import func, select
from textual.widgets import DataTable, Input, Select, TextArea

from callcenter.domain.model import PromiseKind, PromiseState
from callcenter.store import agents, contacts, intakes
from callcenter.store.models import Contact, Promise
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.contact_log.child_picker import ChildPickerScreen
from callcenter.ui.screens.contact_log.fax import FaxFormScreen
from callcenter.ui.screens.contact_log.log import ContactLogScreen
from callcenter.ui.screens.contact_log.tty import TtySessionScreen, TtyStartScreen
from callcenter.ui.screens.intake.screen import IntakeScreen
from callcenter.ui.shared.outbound import OutboundScreen
from tests.ui.helpers import make_app, settle, type_text, wait_until

SIZE = (120, 40)


async def open_log(pilot) -> ContactLogScreen:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)
    await pilot.press("g")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ContactLogScreen))
    await settle(pilot)
    return pilot.app.screen


async def fill(pilot, screen, selector: str, text: str) -> None:
    screen.query_one(selector, Input).focus()
    await pilot.pause()
    await type_text(pilot, text)


async def choose(pilot, screen, selector: str, value: str) -> None:
    select = screen.query_one(selector, Select)
    select.focus()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    label = [label for label, option in select._options if option == value][0]
    await type_text(pilot, label.split()[0][:4].lower())
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert select.value == value, (selector, value, select.value)


def known_child(db, now):
    from callcenter.domain.timefmt import line_zone
    from tests.store.test_intakes import complete_fields

    rep = agents.open_session(db, "jordan", now)
    draft = intakes.start(db, rep.id, now)
    submitted = intakes.submit(
        db, rep.id, draft.id, complete_fields(), draft.version, now, now.astimezone(line_zone()).date()
    )
    return submitted.child_id


def counts(db) -> tuple[int, int]:
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Contact)),
            session.scalar(select(func.count()).select_from(Promise)),
        )


async def test_fax_referral_from_log_to_closed_follow_up(sqlite_demo_db, now):
    child_id = known_child(sqlite_demo_db, now)
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot)
        await pilot.press("f")
        assert await wait_until(pilot, lambda: isinstance(app.screen, FaxFormScreen))
        form = app.screen
        await fill(pilot, form, "#x-number", "(860) 555-0199")
        await fill(pilot, form, "#x-party", "Elm Street Pediatrics")
        await fill(pilot, form, "#x-pages", "4")
        await choose(pilot, form, "#x-document_type", "referral")
        await fill(pilot, form, "#x-next_step", "Call the family to schedule")
        # Match the child the fax is about: type some of the name, pick the match.
        await pilot.press("f4")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ChildPickerScreen))
        picker = app.screen
        await type_text(pilot, "Christ")
        assert await wait_until(pilot, lambda: len(picker.matches) == 1)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: app.screen is form)
        await pilot.press("f10")
        assert await wait_until(pilot, lambda: app.screen is log)
        await settle(pilot)

        with sqlite_demo_db.read() as session:
            fax = session.scalars(select(Contact).where(Contact.channel == "fax")).one()
            promise = session.scalars(select(Promise).where(Promise.contact_id == fax.id)).one()
        assert (fax.other_number, fax.pages, fax.child_id, fax.document_type) == (
            "+18605550199",
            4,
            child_id,
            "referral",
        )
        assert promise.kind == PromiseKind.FAX_FOLLOWUP.value and promise.state == PromiseState.OPEN.value
        assert promise.owner_agent_id == app.agent.id and promise.child_id == child_id
        assert await wait_until(pilot, lambda: log.detail is not None and log.detail.row.id == fax.id)
        assert "Follow-up" in str(log.query_one("#log-detail").render())

        # Start an intake from the fax: the sender is already filled in.
        await pilot.press("i")
        assert await wait_until(pilot, lambda: isinstance(app.screen, IntakeScreen))
        intake_screen = app.screen
        assert intake_screen.query_one("#field-caller_name", Input).value == "Elm Street Pediatrics"
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: app.screen is log)
        with sqlite_demo_db.read() as session:
            assert session.get(Contact, fax.id).intake_id == intake_screen.intake_id
        # Enter on the entry opens what it led to: here the rep's own draft, to keep working.
        await settle(pilot)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, IntakeScreen))
        assert app.screen.intake_id == intake_screen.intake_id
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: app.screen is log)

        # Call the family back and reach them: the follow-up closes with the outbound contact.
        await settle(pilot)
        await pilot.press("o")
        assert await wait_until(pilot, lambda: isinstance(app.screen, OutboundScreen))
        outbound = app.screen
        assert outbound.query_one("#out-number", Input).value == "(860) 555-0199"
        await choose(pilot, outbound, "#out-outcome", "reached")
        await fill(pilot, outbound, "#out-summary", "Spoke with Dr. Okoro's nurse")
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: app.screen is log)
        assert await wait_until(pilot, lambda: contacts.get(sqlite_demo_db, fax.id).row.follow_up == "done")
        with sqlite_demo_db.read() as session:
            closed = session.get(Promise, promise.id)
            answer = session.scalars(select(Contact).where(Contact.answers_promise_id == promise.id)).one()
        assert closed.state == PromiseState.DONE.value and closed.closed_at is not None
        assert answer.direction == "outbound" and answer.outcome == "reached"


async def test_bad_fax_input_is_explained_and_nothing_is_saved(sqlite_demo_db):
    before = counts(sqlite_demo_db)
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot)
        await pilot.press("f")
        assert await wait_until(pilot, lambda: isinstance(app.screen, FaxFormScreen))
        form = app.screen
        await fill(pilot, form, "#x-number", "555-12")
        await fill(pilot, form, "#x-party", "Elm Street Pediatrics")
        await fill(pilot, form, "#x-pages", "0")
        await fill(pilot, form, "#x-at", "12/25 9am")
        await pilot.press("f10")
        await settle(pilot)

        def error(key: str) -> str:
            return str(form.query_one(f"#e-{key}").render())

        assert "Fax number" in error("number") and "digits" in error("number")
        assert "at least one page" in error("pages")
        assert "future" in error("at")
        assert "choose" in error("document_type") and "Next step" in error("next_step")
        assert app.screen is form and form.query_one("#x-party", Input).value == "Elm Street Pediatrics"
        await fill(pilot, form, "#x-pages", "9999")  # appended to the 0: still refused
        await pilot.press("f10")
        await settle(pilot)
        assert "count the pages again" in error("pages")
    assert counts(sqlite_demo_db) == before


async def test_log_filters_find_a_number_typed_any_way(sqlite_demo_db, now):
    from callcenter.domain.contacts import check_fax

    alex = agents.open_session(sqlite_demo_db, "alex", now)
    for number, party in (("860-555-0199", "Elm Street Pediatrics"), ("203 555 0143", "Oak Family Practice")):
        entry, _ = check_fax(
            {"number": number, "party": party, "pages": "2", "document_type": "records", "next_step": "file it"}, now
        )
        contacts.log_fax(sqlite_demo_db, alex.id, entry, now, make_app(sqlite_demo_db).policy)
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot)
        assert await wait_until(
            pilot, lambda: {"Elm Street Pediatrics", "Oak Family Practice"} <= {row.party for row in log.rows}
        )
        await pilot.press("ctrl+f")
        await type_text(pilot, "(860) 555.0199")
        assert await wait_until(pilot, lambda: [row.number for row in log.rows] == ["+18605550199"])
        for _ in range(len("(860) 555.0199")):
            await pilot.press("backspace")
        await type_text(pilot, "0143")
        # While the backspaces' empty search is still showing everything, Oak is there too: wait for both.
        assert await wait_until(
            pilot,
            lambda: (
                "Oak Family Practice" in {row.party for row in log.rows}
                and all("0143" in row.number for row in log.rows)
            ),
        )
        await fill(pilot, log, "#flt-until", "10/1")
        await fill(pilot, log, "#flt-since", "11/1")
        assert await wait_until(pilot, lambda: "swap" in str(log.query_one("#log-filter-error").render()))


async def test_tty_session_transcript_is_saved_as_typed_and_reopens(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot)
        await pilot.press("y")
        assert await wait_until(pilot, lambda: isinstance(app.screen, TtyStartScreen))
        await type_text(pilot, "Dana Whitfield")
        start = app.screen
        start.query_one("#tty-relay").value = True
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, TtySessionScreen))
        session_screen = app.screen
        contact_id = session_screen.detail.row.id
        await type_text(pilot, "GA my son will not go to school SK")
        assert await wait_until(
            pilot, lambda: (contacts.get(sqlite_demo_db, contact_id).transcript or "").endswith("school SK"), timeout=10
        )
        await pilot.press("escape")  # leave: the session stays open
        assert await wait_until(pilot, lambda: app.screen is log)

    # A new console (as after a killed terminal) reopens the session with every word.
    again = make_app(sqlite_demo_db, agent="alex")
    async with again.run_test(size=SIZE) as pilot:
        log = await open_log(pilot)
        assert await wait_until(pilot, lambda: log.detail is not None and log.detail.row.id == contact_id)
        assert "relay" in str(log.query_one("#log-detail").render())
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(again.screen, TtySessionScreen))
        area = again.screen.query_one("#tty-transcript", TextArea)
        assert area.text == "GA my son will not go to school SK"
        await type_text(pilot, " bye")
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: again.screen.__class__.__name__ == "EndTtyScreen")
        await type_text(pilot, "Needs a school-avoidance referral")
        await pilot.press("tab")
        await type_text(pilot, "Send the family provider list by TTY")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: again.screen is log)
    ended = contacts.get(sqlite_demo_db, contact_id)
    assert ended.state == "done" and ended.transcript.endswith("SK bye")
    assert ended.follow_up_promise_id is not None and ended.row.follow_up == "open"


def seed_log(db, now):
    """A fax with its child and follow-up, a relay TTY session, and an outbound call that answered it."""
    from datetime import timedelta

    from callcenter.domain.contacts import check_fax, check_outbound, check_tty_start

    policy = make_app(db).policy
    child_id = known_child(db, now)
    alex = agents.open_session(db, "alex", now)
    entry, _ = check_fax(
        {
            "number": "(860) 555-0199",
            "party": "Elm Street Pediatrics",
            "pages": "4",
            "document_type": "referral",
            "next_step": "Call the family to schedule",
            "child_id": str(child_id),
        },
        now,
    )
    fax = contacts.log_fax(db, alex.id, entry, now - timedelta(minutes=50), policy)
    start, _ = check_tty_start({"party": "Dana Whitfield", "number": "203 555 0143", "relay": "yes"})
    tty = contacts.start_tty(db, alex.id, start, now - timedelta(minutes=30))
    contacts.save_transcript(
        db, alex.id, tty.row.id, "GA my son will not go to school SK", tty.version, now - timedelta(minutes=25)
    )
    contacts.end_tty(
        db, alex.id, tty.row.id, "School avoidance; wants a provider list", None, now - timedelta(minutes=20), policy
    )
    call, _ = check_outbound(
        {
            "channel": "voice",
            "number": "(860) 555-0199",
            "party": "Elm Street Pediatrics",
            "outcome": "left_message",
            "summary": "Asked the nurse to call back",
        }
    )
    contacts.log_outbound(
        db, alex.id, call, now - timedelta(minutes=10), policy, answers_promise_id=fax.follow_up_promise_id
    )
    return fax


def test_contact_log_snapshot(snap_compare, sqlite_demo_db, now):
    from tests.ui.helpers import still_cursors

    seed_log(sqlite_demo_db, now)

    async def run_before(pilot):
        log = await open_log(pilot)
        assert await wait_until(pilot, lambda: len(log.rows) >= 3)
        # The newest entry is the fax: its follow-up, its child and the call that answered it.
        assert await wait_until(pilot, lambda: log.detail is not None and log.detail.row.channel == "fax")
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(make_app(sqlite_demo_db, agent="alex"), terminal_size=SIZE, run_before=run_before)


def test_fax_form_with_errors_snapshot(snap_compare, sqlite_demo_db):
    from tests.ui.helpers import still_cursors

    async def run_before(pilot):
        await open_log(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, FaxFormScreen))
        form = pilot.app.screen
        await fill(pilot, form, "#x-number", "555-12")
        await fill(pilot, form, "#x-party", "Elm Street Pediatrics")
        await fill(pilot, form, "#x-pages", "0")
        await pilot.press("f10")
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(make_app(sqlite_demo_db, agent="alex"), terminal_size=SIZE, run_before=run_before)


async def test_the_log_shows_a_child_masked_and_v_opens_the_full_record_audited(sqlite_demo_db, now):
    from callcenter.domain.contacts import check_fax
    from callcenter.domain.promises import PromisePolicy
    from callcenter.store.models import AuditEntry
    from callcenter.ui.shared.records import LinkedRecordScreen

    child_id = known_child(sqlite_demo_db, now)
    alex = agents.open_session(sqlite_demo_db, "alex", now)
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
    fax = contacts.log_fax(sqlite_demo_db, alex.id, entry, now, PromisePolicy())
    contacts.link_child(sqlite_demo_db, alex.id, fax.row.id, child_id, now)

    def openings():
        with sqlite_demo_db.read() as session:
            return session.execute(
                select(AuditEntry.agent_id, AuditEntry.child_id, AuditEntry.screen).where(
                    AuditEntry.action == "open_record"
                )
            ).all()

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot)
        assert await wait_until(pilot, lambda: log.detail is not None and log.detail.row.id == fax.row.id)
        pane = str(log.query_one("#log-detail").render())
        assert "C.L. b.2023" in pane and "Christopher" not in pane and "Lopez" not in pane
        assert openings() == []  # moving through the log opens nothing

        await pilot.press("v")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LinkedRecordScreen))
        shown = str(app.screen.query_one("Static").render())
        assert "Christopher Lopez" in shown and "11/02/2023" in shown
        assert openings() == [(alex.id, child_id, "contact log")]
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: app.screen is log)


async def test_a_long_log_opens_with_one_read_and_shows_every_row(sqlite_demo_db, now, monkeypatch):
    """The first rows paint first and the rest follow; opening the log reads it once, not once for the
    screen and again for its filter row settling or its first showing."""
    from datetime import timedelta

    from sqlalchemy import insert

    from callcenter.domain.contacts import number_digits

    with sqlite_demo_db.write() as session:
        session.execute(
            insert(Contact),
            [
                {
                    "at": now - timedelta(minutes=index),
                    "direction": "inbound",
                    "channel": "phone",
                    "other_party": f"Caller {index}",
                    "other_number": f"+1860555{index:04d}",
                    "number_digits": number_digits(f"+1860555{index:04d}"),
                    "relay": False,
                    "state": "done",
                    "version": 1,
                }
                for index in range(150)
            ],
        )
    reads = []
    real_search = contacts.search
    monkeypatch.setattr(contacts, "search", lambda *args, **kwargs: reads.append(1) or real_search(*args, **kwargs))
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_log(pilot)
        await pilot.pause(0.5)  # longer than the filter row's pause before it reads again
        table = screen.query_one("#log", DataTable)
        assert len(screen.rows) > 100
        assert table.row_count == len(screen.rows)
        assert [row.key.value for row in table.ordered_rows] == [str(row.id) for row in screen.rows]
        assert len(reads) == 1
