"""A referral sent on the public site, taken from the board: the rep's intake is already filled in."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.testclient import TestClient
from textual.widgets import DataTable, Input, Select, TextArea

from callcenter.domain.promises import PromisePolicy
from callcenter.store import calls
from callcenter.store.models import Call, Promise, WebReferral
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.call.call_panel import CallScreen
from callcenter.ui.screens.intake.screen import IntakeScreen
from callcenter.web.settings import SiteSettings
from callcenter.web.site import create_site
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import make_app, settle, wait_until
from tests.web.test_referral_connect import refer

SIZE = (120, 40)


def only_the_referral_waits(db) -> str:
    """Send a referral from a pediatric office through the site; every other waiting caller hangs up."""
    with db.read() as session:
        for call_id in session.scalars(select(Call.id).where(Call.state == "waiting")).all():
            calls.abandon(db, call_id, FIXED_NOW)
    site = TestClient(
        create_site(db, SiteSettings(), lambda: FIXED_NOW, PromisePolicy()),
        raise_server_exceptions=False,
        follow_redirects=False,
    )
    sent = refer(
        site,
        danger="harm_others",
        you={
            "referrer": "office",
            "referrer_name": "Dr. Ada Okafor",
            "office_name": "Elm Street Pediatrics",
            "npi": "1234567893",
        },
        child={"guardian_name": "Marta Rivera"},
    )
    return re.search(r"<strong>(RC-[A-Z0-9]{8})</strong>", sent.text).group(1)


async def test_the_rep_takes_a_web_referral_and_the_intake_is_prefilled(sqlite_demo_db):
    reference = only_the_referral_waits(sqlite_demo_db)
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        waiting = pilot.app.screen.query_one("#waiting", DataTable)
        rows = [" ".join(str(cell) for cell in waiting.get_row_at(index)) for index in range(waiting.row_count)]
        assert len(rows) == 1 and "web" in rows[0].lower() and "emergency" in rows[0].lower()
        await pilot.press("t")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
        await settle(pilot)
        notes = pilot.app.screen.query_one(TextArea).text
        assert notes.startswith(
            f"Web referral {reference} from Dr. Ada Okafor at Elm Street Pediatrics (NPI 1234567893)"
        )
        assert "DANGER NOW flagged: harm others" in notes
        await pilot.press("ctrl+g")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, IntakeScreen))
        await settle(pilot)
        intake = pilot.app.screen
        typed = {
            key: intake.query_one(f"#field-{key}", Input).value
            for key in (
                "caller_name",
                "callback_number",
                "guardian_name",
                "child_first_name",
                "child_last_name",
                "child_dob",
                "child_zip",
                "child_town",
                "medicaid_number",
            )
        }
        assert typed == {
            "caller_name": "Dr. Ada Okafor",
            "callback_number": "(860) 555-0142",
            "guardian_name": "Marta Rivera",
            "child_first_name": "Luis",
            "child_last_name": "Rivera",
            "child_dob": "3/4/2015",
            "child_zip": "06106",
            "child_town": "Hartford",
            "medicaid_number": "",
        }
        assert intake.query_one("#field-caller_type", Select).value == "pcp"
        assert intake.query_one("#field-urgency", Select).value == "emergency"
        assert "panic attacks" in intake.query_one("#field-symptoms", TextArea).text
    with sqlite_demo_db.read() as session:
        referral = session.scalars(select(WebReferral).where(WebReferral.reference == reference)).one()
        promise = session.get(Promise, referral.promise_id)
    assert referral.status == "working" and promise.state == "done"
