"""Provider lookup by keys: live results, prefilled from the intake, details for the family."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from textual.widgets import DataTable, Input

from callcenter.store import hsds
from callcenter.store.models import Intake, Promise, ReferralProvider
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.lookup.lookup import LookupScreen, parse_age
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import make_app, settle, still_cursors, wait_until
from tests.ui.test_intake import SIZE, choose, open_intake_from_call, type_into

HSDS_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"


async def open_lookup(pilot):
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)
    await pilot.press("f3")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, LookupScreen))
    await settle(pilot)
    return pilot.app.screen


async def test_results_follow_typing_and_show_details(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lookup(pilot)
        table = screen.query_one("#results", DataTable)
        assert table.row_count == 50  # the whole directory, first page
        await pilot.press(*"anxeity")  # a typo
        await pilot.press("tab")
        await pilot.press(*"06106")
        assert await wait_until(pilot, lambda: screen.result is not None and screen.result.origin is not None)
        await settle(pilot)
        assert table.row_count == len(screen.result.hits) > 0
        assert all("anxiety" in hit.specialties or "anxiety" in (hit.description or "") for hit in screen.result.hits)
        distances = [hit.distance_miles for hit in screen.result.hits if hit.accepts_husky]
        assert distances == sorted(distances)
        detail = str(screen.query_one("#detail").render())
        assert screen.result.hits[0].name in detail and "Phone: (" in detail


async def test_a_taxonomy_term_finds_a_service_and_is_shown_with_it(sqlite_demo_db):
    """An imported 211-style package: a rep's word matches the category its taxonomy gives a service."""
    hsds.import_package(sqlite_demo_db, HSDS_FIXTURES / "good", FIXED_NOW)
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lookup(pilot)
        await pilot.press(*"sobriety")
        assert await wait_until(pilot, lambda: screen.result is not None and len(screen.result.hits) == 1)
        await settle(pilot)
        assert screen.result.hits[0].name == "Harbor Teen Recovery Services"
        assert "Also listed under: Sobriety Support" in str(screen.query_one("#detail").render())


async def test_lookup_from_the_intake_is_prefilled(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await open_intake_from_call(pilot)
        await type_into(pilot, intake, "child_dob", "3/4/2019")
        await type_into(pilot, intake, "child_zip", "06510")
        await choose(pilot, intake, "insurance", "husky_a")
        await choose(pilot, intake, "urgency", "urgent")
        await pilot.press("f3")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, LookupScreen))
        lookup = pilot.app.screen
        await settle(pilot)
        assert lookup.query_one("#place", Input).value == "06510"
        assert lookup.query_one("#age", Input).value == f"{7 * 12 + 8}m"
        assert await wait_until(pilot, lambda: lookup.result is not None)
        await settle(pilot)
        hits = lookup.result.hits
        assert hits and all(h.accepts_husky and h.distance_miles <= 25 for h in hits)
        assert all(h.min_age_months <= 92 <= h.max_age_months for h in hits)
        meets = [h.meets_deadline for h in hits]
        assert meets == sorted(meets, reverse=True)  # who can see the child within 2 days first
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: pilot.app.screen is intake)


async def test_attach_a_provider_with_an_appointment_then_submit(sqlite_demo_db):
    from callcenter.ui.screens.call.call_panel import CallScreen
    from callcenter.ui.screens.lookup.attach import AttachProviderScreen
    from tests.ui.test_intake import fill_routine_referral

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await open_intake_from_call(pilot)
        await fill_routine_referral(pilot, intake)
        await pilot.press("f3")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, LookupScreen))
        lookup = pilot.app.screen
        assert await wait_until(pilot, lambda: lookup.result is not None and lookup.result.hits)
        await settle(pilot)
        chosen = lookup.selected
        await pilot.press("ctrl+a")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, AttachProviderScreen))
        modal = pilot.app.screen
        await pilot.press("enter")  # open the outcome list
        await pilot.press("down", "enter")  # "Appointment scheduled"
        await pilot.press("tab", *"12/3", "space", *"2:30pm")
        await pilot.press("tab", *"bring", "space", *"insurance", "space", *"card")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: pilot.app.screen is lookup), str(
            modal.query_one("#attach-error").render()
        )
        assert await wait_until(pilot, lambda: len(lookup.attached) == 1)
        assert "appointment Thu Dec 03 14:30" in str(lookup.query_one("#attached").render())
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: pilot.app.screen is intake)
        await pilot.press("alt+5")
        assert await wait_until(pilot, lambda: chosen.name in str(intake.query_one("#summary-text").render()))
        await pilot.press("f10")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
    with sqlite_demo_db.read() as session:
        row = session.scalars(select(ReferralProvider).where(ReferralProvider.intake_id == intake.intake_id)).one()
        kinds = {p.kind: p for p in session.scalars(select(Promise).where(Promise.intake_id == intake.intake_id))}
        status = session.get(Intake, intake.intake_id).status
    promise = kinds["linkage_check"]
    # The appointment brings the "did they get there?" check, the business day after it.
    assert kinds["attendance_check"].due_at.isoformat() == "2026-12-04T19:30:00+00:00"
    assert (row.provider_id, row.outcome, row.note) == (chosen.id, "scheduled", "bring insurance card")
    assert row.appointment_at.isoformat() == "2026-12-03T19:30:00+00:00"
    assert status == "submitted" and promise.notes == f"{chosen.name} — appointment Thu Dec 03 14:30"


async def test_attaching_is_refused_with_a_reason_and_the_form_is_kept(sqlite_demo_db):
    from callcenter.ui.screens.lookup.attach import AttachProviderScreen

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await open_intake_from_call(pilot)
        await pilot.press("f3")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, LookupScreen))
        await settle(pilot)
        await pilot.press("ctrl+a")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, AttachProviderScreen))
        modal = pilot.app.screen
        await pilot.press("enter", "down", "down", "enter")  # "Declined", with no reason given
        await pilot.press("tab", "tab", "enter")
        await pilot.pause()
        assert pilot.app.screen is modal
        assert "why the family declined" in str(modal.query_one("#attach-error").render())
        assert modal.focused is modal.query_one("#attach-note")
        await pilot.press(*"too", "space", *"far")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: not isinstance(pilot.app.screen, AttachProviderScreen))
        assert await wait_until(pilot, lambda: len(pilot.app.screen.attached) == 1)
        assert pilot.app.screen.attached[0].note == "too far"
        assert intake.intake_id == pilot.app.screen.intake_id


def test_ages_as_people_type_them():
    assert parse_age("7") == 84 and parse_age("30m") == 30 and parse_age("2y6m") == 30 and parse_age("") is None


def test_lookup_snapshot(snap_compare, sqlite_demo_db):
    async def run_before(pilot):
        screen = await open_lookup(pilot)
        await pilot.press(*"anxiety")
        await pilot.press("tab")
        await pilot.press(*"Hartford")
        await wait_until(pilot, lambda: screen.result is not None and screen.result.origin is not None)
        await pilot.pause(0.3)
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(make_app(sqlite_demo_db, agent="alex"), terminal_size=SIZE, run_before=run_before)
