"""The guided intake by keys: from a claimed call to a submitted referral."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from textual.widgets import Input

from callcenter.domain.model import IntakeStatus
from callcenter.store import intakes
from callcenter.store.models import Intake, Promise
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.call.call_panel import CallScreen
from callcenter.ui.screens.intake.screen import IntakeScreen
from callcenter.ui.shared.conflict import ConflictScreen
from tests.dbutil import stored_intake
from tests.ui.helpers import make_app, settle, type_text, wait_until

SIZE = (120, 40)


async def open_intake_from_call(pilot):
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)
    await pilot.press("t")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
    await settle(pilot)
    await pilot.press("ctrl+g")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, IntakeScreen))
    await settle(pilot)
    return pilot.app.screen


async def choose(pilot, screen, key: str, value: str):
    """Pick a Select's option the way a rep does: focus it, open it, type to search, Enter."""
    await screen.jump_to_field(key)
    await pilot.pause()
    from textual.widgets import Select

    select = screen.query_one(f"#field-{key}", Select)
    labels = {v: label for label, v in select._options if v is not Select.NULL} if hasattr(select, "_options") else {}
    await pilot.press("enter")
    await pilot.pause()
    target = [label for label, v in select._options if v == value][0]
    await pilot.press(*target.split()[0][:4].lower())
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert select.value == value, (key, value, select.value, labels)


async def type_into(pilot, screen, key: str, text: str):
    await screen.jump_to_field(key)
    await pilot.pause()
    await type_text(pilot, text)
    await pilot.press("tab")
    await pilot.pause()


async def fill_routine_referral(pilot, screen, dob="3/4/2019", insurance="husky_a"):
    await choose(pilot, screen, "caller_type", "parent_guardian")
    await type_into(pilot, screen, "caller_name", "Maria Lopez")
    await type_into(pilot, screen, "guardian_name", "Maria Lopez")
    await type_into(pilot, screen, "child_first_name", "Christopher")
    await type_into(pilot, screen, "child_last_name", "Lopez")
    await type_into(pilot, screen, "child_dob", dob)
    await choose(pilot, screen, "child_sex", "male")
    await type_into(pilot, screen, "child_zip", "06106")
    await choose(pilot, screen, "insurance", insurance)
    if insurance.startswith("husky"):
        await type_into(pilot, screen, "medicaid_number", "123 456 789")
    await screen.jump_to_field("symptoms")
    await pilot.pause()
    await pilot.press(*"Never listens".replace(" ", "|").split("|")[0])
    await pilot.press("space", *"listens")
    await choose(pilot, screen, "urgency", "routine")


async def test_full_intake_by_keys_from_a_claimed_call(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_intake_from_call(pilot)
        assert screen.query_one("#field-callback_number", Input).value.startswith("(203)")
        await fill_routine_referral(pilot, screen)
        assert screen.query_one("#field-child_town", Input).value == "Hartford"  # filled from the ZIP
        assert screen.query_one("#field-medicaid_number", Input).value == "123456789"  # normalised on leave
        await pilot.press("alt+5")
        await settle(pilot)
        summary = str(screen.query_one("#summary-text").render())
        assert "Access deadline" in summary and "Routine" in summary
        await pilot.press("f10")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
        with sqlite_demo_db.read() as session:
            intake = session.get(Intake, screen.intake_id)
            assert intake.status == IntakeStatus.SUBMITTED
            assert intake.symptoms == "Never listens"
            promise = session.scalars(select(Promise).where(Promise.intake_id == intake.id)).one()
            assert promise.due_at == intake.access_deadline


async def test_missing_fields_block_submit_and_jump_to_them(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_intake_from_call(pilot)
        await type_into(pilot, screen, "child_first_name", "Christopher")
        await pilot.press("f10")
        await settle(pilot)
        assert screen.step == "summary"
        assert isinstance(pilot.app.screen, IntakeScreen)  # not submitted
        missing = screen.query_one("#missing")
        assert missing.option_count >= 5
        await pilot.press("enter")  # jump to the first missing field
        await pilot.pause()
        assert pilot.app.focused.id == "field-caller_type"
        assert stored_intake(sqlite_demo_db, screen.intake_id).status == IntakeStatus.DRAFT


async def test_crisis_path_from_any_step(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_intake_from_call(pilot)
        await pilot.press("ctrl+n")  # on the child step
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")  # suicidal thoughts
        assert await wait_until(pilot, lambda: screen.crisis_at is not None)
        await settle(pilot)
        banner = screen.query_one("#crisis-banner")
        assert banner.has_class("visible") and "911" in str(banner.render())
        urgency = screen.query_one("#field-urgency")
        assert urgency.value == "emergency" and urgency.disabled
        draft = stored_intake(sqlite_demo_db, screen.intake_id)
        assert draft.crisis_at is not None and draft.fields["urgency"] == "emergency"


async def test_private_insurance_shows_the_not_managed_banner(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_intake_from_call(pilot)
        await choose(pilot, screen, "insurance", "private")
        await settle(pilot)
        banners = [str(w.render()) for w in screen.query(".advisory-not_managed")]
        assert banners and "HUSKY" in banners[0]


async def test_child_under_three_offers_early_intervention(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_intake_from_call(pilot)
        await type_into(pilot, screen, "child_dob", "1/15/2024")
        await settle(pilot)
        banners = [str(w.render()) for w in screen.query(".advisory-early_intervention")]
        assert banners and "(800) 555-7000" in banners[0]


async def test_bad_input_is_explained_next_to_the_field_and_kept(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_intake_from_call(pilot)
        await type_into(pilot, screen, "child_dob", "3/4/19")
        await type_into(pilot, screen, "child_zip", "10001")
        await type_into(pilot, screen, "caller_name", "[bold]x'; DROP TABLE intake;--")
        await settle(pilot)
        dob_error = str(screen.query_one("#row-child_dob .field-error").render())
        zip_error = str(screen.query_one("#row-child_zip .field-error").render())
        assert "full year" in dob_error and "Connecticut" in zip_error
        # Autosave is debounced: wait for it rather than for a fixed time (CI machines are slow).
        assert await wait_until(
            pilot,
            lambda: stored_intake(sqlite_demo_db, screen.intake_id).fields.get("caller_name", "").startswith("[bold]"),
            timeout=10,
        )
        saved = stored_intake(sqlite_demo_db, screen.intake_id).fields
        assert saved["child_dob"] == "3/4/19" and saved["caller_name"].startswith("[bold]")


async def test_conflicting_edit_is_refused_and_the_rep_chooses_field_by_field(sqlite_demo_db, now):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_intake_from_call(pilot)
        # Another terminal saves the same intake first.
        draft = stored_intake(sqlite_demo_db, screen.intake_id)
        intakes.save_draft(
            sqlite_demo_db,
            draft.agent_id,
            draft.id,
            {"caller_name": "Other Rep", "symptoms": "their notes"},
            draft.version,
            now,
        )
        await type_into(pilot, screen, "caller_name", "Maria Lopez")
        await type_into(pilot, screen, "guardian_name", "Ana Lopez")

        def status() -> str:
            return str(screen.query_one("#save-status").render())

        assert await wait_until(pilot, lambda: "Another rep saved this intake" in status(), timeout=10), status()
        assert "ctrl+r compares" in status()
        assert screen.query_one("#field-caller_name", Input).value == "Maria Lopez"  # kept on screen
        assert stored_intake(sqlite_demo_db, screen.intake_id).fields["caller_name"] == "Other Rep"  # not overwritten
        await pilot.press("ctrl+r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        chooser = app.screen
        keys = [key for _, key, _, _ in chooser.rows]
        # Every field the two versions disagree on, the prefilled callback number among them (theirs lacks it).
        assert keys == ["callback_number", "caller_name", "guardian_name", "symptoms"]
        for key in keys:  # theirs for the caller's name and the symptoms; mine for the rest
            if key in {"caller_name", "symptoms"}:
                await pilot.press("t")
            await pilot.press("down")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: app.screen is screen)
        assert await wait_until(pilot, lambda: status().startswith("Saved"), timeout=10), status()
        assert screen.query_one("#field-caller_name", Input).value == "Other Rep"
        saved = stored_intake(sqlite_demo_db, screen.intake_id).fields
        assert (saved["caller_name"], saved["guardian_name"], saved["symptoms"]) == (
            "Other Rep",
            "Ana Lopez",
            "their notes",
        )
        assert saved["callback_number"]  # kept from this rep's version
        await type_into(pilot, screen, "caller_name", " Jr")  # and saving goes on from the chosen version
        assert await wait_until(
            pilot, lambda: stored_intake(sqlite_demo_db, screen.intake_id).fields["caller_name"] == "Other Rep Jr"
        ), (
            stored_intake(sqlite_demo_db, screen.intake_id).fields["caller_name"],
            status(),
            screen.values["caller_name"],
        )


async def test_known_child_is_offered_for_reuse(sqlite_demo_db, now):
    from callcenter.domain.timefmt import line_zone
    from callcenter.store import agents
    from tests.store.test_intakes import complete_fields

    rep = agents.open_session(sqlite_demo_db, "jordan", now)
    earlier = intakes.start(sqlite_demo_db, rep.id, now)
    known = intakes.submit(
        sqlite_demo_db, rep.id, earlier.id, complete_fields(), earlier.version, now, now.astimezone(line_zone()).date()
    )
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_intake_from_call(pilot)
        await type_into(pilot, screen, "medicaid_number", "123456789")
        from callcenter.ui.shared.known_child import KnownChildScreen

        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, KnownChildScreen))
        await pilot.press("y")
        await settle(pilot)
        assert screen.values["reuse_child_id"] == str(known.child_id)
        assert screen.query_one("#field-child_first_name", Input).value == "Christopher"


@pytest.mark.parametrize("ticks", [0, 1, 3, 8])
async def test_leaving_a_new_intake_the_moment_it_opens_never_stops_the_console(sqlite_demo_db, ticks):
    """Esc can land before the form has mounted or while its later steps are being built: leaving
    then waits for the step in hand instead of building into a screen on its way out."""
    import asyncio

    from callcenter.store import agents
    from tests.dbutil import FIXED_NOW

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        alex = agents.get_by_username(sqlite_demo_db, "alex")
        for _ in range(3):
            screen = IntakeScreen(intakes.start(sqlite_demo_db, alex.id, FIXED_NOW))
            app.push_screen(screen)
            for _ in range(ticks):
                await pilot.pause(0)
            leaving = asyncio.get_running_loop().create_task(app.run_action("leave", screen))
            for _ in range(10):
                await pilot.pause(0)
            await leaving
            assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        assert app.is_running
