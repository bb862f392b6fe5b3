"""What an empty field shows never looks like data: a value in it is marked "e.g.", a date in it is not
already past, and a name in it resembles nobody in the demo data or the directory.

Every form and dialog is opened on the real console (a supervisor, who may open them all) and the
placeholder of each of its inputs is read from the screen.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime
from pathlib import Path

from textual.widgets import Input

from callcenter.domain import intake_form
from callcenter.domain.days import read_local_time
from callcenter.domain.timefmt import line_zone
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.consults.my_consults import CloseConsultScreen
from callcenter.ui.screens.consults.request_form import ConsultFormScreen
from callcenter.ui.screens.contact_log.fax import FaxFormScreen
from callcenter.ui.screens.contact_log.log import ContactLogScreen
from callcenter.ui.screens.contact_log.tty import EndTtyScreen, TtyStartScreen
from callcenter.ui.screens.lookup.attach import AttachProviderScreen
from callcenter.ui.screens.lookup.lookup import LookupScreen
from callcenter.ui.screens.monitor.dialogs import ResetPasswordScreen
from callcenter.ui.screens.promises.dialogs import AttemptScreen, ClosePromiseScreen, RescheduleScreen
from callcenter.ui.shared.outbound import OutboundScreen
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import make_app, settle, wait_until
from tests.ui.test_dialog_errors import _consult

SEED = Path(__file__).resolve().parents[2] / "seed"
DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?:\s+(\d{1,2}(?::\d\d)?\s*[ap]m))?")
DATA_LIKE = re.compile(r"\d+/\d+|\d{3,}")


def _demo_words() -> set[str]:
    """Every word of a demo agent's name and of the directory's made-up provider names."""
    with (SEED / "demo_agents.csv").open() as agents:
        words = {word for row in csv.DictReader(agents) for word in row["display_name"].split()}
    parts = json.loads((SEED / "directory_parts.json").read_text())
    for name in parts["first_words"] + [kind["suffix"] for kind in parts["kinds"]]:
        words.update(name.split())
    return words - {"Dr."}


def placeholder_problems(where: str, placeholder: str, today: date) -> list[str]:
    if not placeholder:
        return []
    described, _, example = placeholder.partition("e.g.")
    problems = []
    if described.strip() and not described[0].islower():
        problems.append(f"{where}: {placeholder!r} is neither a description (lower case) nor an 'e.g.' example")
    if DATA_LIKE.search(described):
        problems.append(f"{where}: {placeholder!r} shows a value without 'e.g.'")
    for word in re.findall(r"[A-Z][a-z]+", example):
        if word in _demo_words():
            problems.append(f"{where}: {placeholder!r} has {word!r}, a name in the demo data")
    for match in DATE.finditer(example):
        if match.group(3) or not match.group(4):
            continue  # a birth date, or a day for a search over the past: not a moment to come
        moment = read_local_time(match.group(0), datetime.combine(today, datetime.min.time()))
        if moment.date() < today:
            problems.append(f"{where}: {placeholder!r} gives {match.group(0)!r}, already past")
    return problems


def test_the_rule_catches_what_looked_like_data():
    today = date(2026, 12, 6)
    assert placeholder_problems("consult", "Dr. Ada Okoro", today)
    assert placeholder_problems("consult", "e.g. Dr. Ada Okafor", today)
    assert placeholder_problems("attach", "e.g. 12/3 2:30pm", today)
    assert placeholder_problems("filter", "since 11/1", today)
    assert placeholder_problems("minutes", "15", today)
    assert not placeholder_problems("attach", "e.g. tomorrow 10am or 12/14 2:30pm", today)
    assert not placeholder_problems("filter", "since, e.g. 12/1", today)
    assert not placeholder_problems("password", "at least 10 characters", today)


def test_every_intake_field_example_is_an_example():
    today = FIXED_NOW.astimezone(line_zone()).date()
    problems = [
        problem
        for spec in intake_form.FIELDS
        for problem in placeholder_problems(f"intake {spec.key}", spec.placeholder, today)
    ]
    assert problems == []


SCREENS = [
    ("lookup", lambda: LookupScreen()),
    ("consult request", lambda: ConsultFormScreen()),
    ("fax", lambda: FaxFormScreen()),
    ("contact log", lambda: ContactLogScreen()),
    ("TTY start", lambda: TtyStartScreen()),
    ("TTY end", lambda: EndTtyScreen()),
    ("outbound", lambda: OutboundScreen("", "")),
    ("attach provider", lambda: AttachProviderScreen("Aspen Clinic", "scheduled")),
    ("attempt", lambda: AttemptScreen("Call back")),
    ("promise done", lambda: ClosePromiseScreen("Call back")),
    ("reschedule", lambda: RescheduleScreen("Call back")),
    ("consult returned", lambda: CloseConsultScreen(_consult())),
    ("reset password", lambda: ResetPasswordScreen("Jordan Chen", "jordan")),
]


async def test_every_form_and_dialog_shows_examples_not_data(sqlite_demo_db):
    from callcenter.ui.screens.audit.audit import AuditScreen

    app = make_app(sqlite_demo_db, agent="sam")
    today = FIXED_NOW.astimezone(line_zone()).date()
    problems: list[str] = []
    seen = 0
    async with app.run_test(size=(120, 36)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        for name, make in [*SCREENS, ("audit", lambda: AuditScreen())]:
            screen = make()
            app.push_screen(screen)
            assert await wait_until(pilot, lambda screen=screen: app.screen is screen and screen.is_mounted), name
            for field in screen.query(Input):
                seen += 1
                problems += placeholder_problems(f"{name} #{field.id}", str(field.placeholder), today)
            app.pop_screen()
            await pilot.pause()
    assert seen > 30
    assert problems == []
