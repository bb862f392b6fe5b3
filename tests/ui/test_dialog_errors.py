"""Every dialog says what is wrong with what was typed, where it can be seen, and stays open.

Each dialog is opened over the board, given a bad value and asked to save: its error line must be
on screen (laid out, not hidden), say something, and the dialog must still be there.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Label

from callcenter.domain.handoffs import check_reason
from callcenter.domain.model import PromiseKind
from callcenter.store.consults import ConsultView
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.caseload.case import PlanStepDialog
from callcenter.ui.screens.consults.my_consults import CloseConsultScreen
from callcenter.ui.screens.contact_log.tty import TtyStartScreen
from callcenter.ui.screens.lookup.attach import AttachProviderScreen
from callcenter.ui.screens.monitor.dialogs import ResetPasswordScreen
from callcenter.ui.screens.promises.dialogs import AttemptScreen, BookingScreen, ClosePromiseScreen, RescheduleScreen
from callcenter.ui.shared.dialogs import ReasonDialog
from callcenter.ui.shared.outbound import OutboundScreen
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import make_app, settle, type_text, wait_until

SIZE = (100, 36)


def _consult() -> ConsultView:
    received = FIXED_NOW - timedelta(hours=3)
    return ConsultView(
        7,
        "Dr. Kim",
        "Elm Pediatrics",
        "+18605550182",
        None,
        "S.K. b.2015",
        "dose",
        "How much?",
        "routine",
        received,
        received + timedelta(days=1),
        3,
        9,
        "Dr. Okafor",
        "open",
        None,
        None,
        None,
        None,
    )


# (what the dialog is, how to make it, [(field to type into, None: the one focused; what to type)],
#  the words its error must hold)
CASES = [
    (
        "attach: impossible date",
        lambda: AttachProviderScreen("Aspen Clinic", "scheduled"),
        [("#attach-appointment", "13/45 2pm")],
        "Appointment",
    ),
    ("attach: declined without a reason", lambda: AttachProviderScreen("Aspen Clinic", "declined"), [], "why"),
    ("attempt: notes too long", lambda: AttemptScreen("Call Maria back"), [("#notes", "x" * 1100)], "Notes"),
    ("promise done: note too long", lambda: ClosePromiseScreen("Call Maria back"), [("#note", "y" * 1100)], "Note"),
    ("reschedule: no reason", lambda: RescheduleScreen("Call Maria back"), [("#new-due", "12/9 2pm")], "Reason"),
    ("consult returned: no minutes", lambda: CloseConsultScreen(_consult()), [], "Minutes"),
    (
        "consult returned: still to come",
        lambda: CloseConsultScreen(_consult()),
        [("#minutes", "15"), ("#returned", "11/30 2pm")],
        "still to come",
    ),
    (
        "consult returned: before the request",
        lambda: CloseConsultScreen(_consult()),
        [("#minutes", "15"), ("#returned", "11/20 2pm")],
        "before the request came in",
    ),
    (
        "password: too short",
        lambda: ResetPasswordScreen("Jordan Chen", "jordan"),
        [("#new-password", "short")],
        "characters",
    ),
    (
        "outbound: no outcome",
        lambda: OutboundScreen("Maria", "(860) 555-0199"),
        [("#out-summary", "called")],
        "Outcome",
    ),
    (
        "case closed: no reason",
        lambda: ReasonDialog("S.K.", "Close: why?", "e.g.", "close it", check_reason),
        [],
        "say why",
    ),
    (
        "plan step: no time",
        lambda: PlanStepDialog("S.K. b.2015"),
        [("#when", "12/9"), ("#what", "First appointment")],
        "add the time",
    ),
    ("plan step: nothing to do", lambda: PlanStepDialog("S.K. b.2015"), [("#when", "12/9 3pm")], "say what"),
    (
        "ride booked: a reference with stray characters",
        lambda: BookingScreen("Ride for S.K.", PromiseKind.TRANSPORTATION, None),
        [("#ref", "RX-1; drop")],
        "letters, digits",
    ),
    ("TTY start: nobody named", lambda: TtyStartScreen(), [], "Caller"),
    (
        "TTY start: a number that is not one",
        lambda: TtyStartScreen(),
        [("#tty-party", "Maria"), ("#tty-number", "12")],
        "number",
    ),
]


@pytest.mark.parametrize(("what", "make", "entries", "words"), CASES, ids=[case[0] for case in CASES])
async def test_a_dialog_shows_its_error_and_stays_open(sqlite_demo_db, what, make, entries, words):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        dialog = make()
        app.push_screen(dialog)
        assert await wait_until(pilot, lambda: app.screen is dialog and dialog.is_mounted)
        await settle(pilot)
        for field, text in entries:
            dialog.query_one(field).focus()
            await pilot.pause()
            if len(text) > 50:  # a long paste, as a rep would paste it
                dialog.query_one(field).insert_text_at_cursor(text)
            else:
                await type_text(pilot, text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog, f"{what}: the dialog closed"
        shown = [
            label
            for label in dialog.query(".form-error").results(Label)
            if label.display and label.region.height > 0 and str(label.render()).strip()
        ]
        assert shown, f"{what}: no error on screen"
        assert words in str(shown[0].render()), f"{what}: {shown[0].render()!s}"
