"""The key map is read from the screens' bindings: the README's copy and the help screen agree with
the keys that really work, and the help names the settings in use."""

from __future__ import annotations

import re
from pathlib import Path

from textual.binding import Binding

from callcenter.config import DEFAULT_IDLE_LOCK_MINUTES
from callcenter.domain.passwords import MAX_FAILED_SIGN_INS
from callcenter.ui.app import CallCenterApp
from callcenter.ui.keymap import AREAS, UNSAID_ACTIONS, key_label, key_map, markdown_table, settings_words
from callcenter.ui.shared.help import HelpScreen
from tests.ui.helpers import make_app, settle, wait_until

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    return re.search(r"<!-- keys:start -->\n(.*?)\n<!-- keys:end -->", text, re.S).group(1).strip()


def test_the_readme_key_map_is_the_one_the_bindings_give():
    expected = markdown_table(
        key_map(CallCenterApp, settings_words(DEFAULT_IDLE_LOCK_MINUTES * 60.0, MAX_FAILED_SIGN_INS))
    )
    assert _readme_table() == expected, "README.md's key map is out of date; replace it with:\n" + expected


def test_every_key_a_footer_shows_is_in_the_key_map_with_words_of_its_own():
    rows = key_map(CallCenterApp, settings_words(None, 5))
    listed = {(row.where, key) for row in rows for key in re.findall(r"`([^`]+)`", row.keys)}
    for where, screen in AREAS:
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.show and binding.action not in UNSAID_ACTIONS:
                assert binding.action in getattr(screen, "KEY_HELP", {}), f"{where}: no words for {binding.action}"
                for key in binding.key.split(","):
                    assert (where, key_label(key.strip())) in listed, f"{where}: {key} missing from the key map"


async def test_help_shows_the_key_map_with_the_settings_in_use(sqlite_demo_db, monkeypatch):
    monkeypatch.setenv("CALLCENTER_MAX_FAILED_SIGNINS", "3")
    app = make_app(sqlite_demo_db, agent="alex")
    app.idle_lock_seconds = 5 * 60
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = app.screen.key_table
        assert "it also locks itself after 5 quiet minutes" in shown
        assert "sign in (3 wrong passwords in a row lock the account" in shown
        assert "`t` | take the next caller" in shown
        # The keys of the screen the rep is on come first: here the queue board's.
        assert shown.splitlines()[2].startswith("| Queue board |")


def test_the_key_map_can_start_with_the_keys_of_the_screen_in_use():
    from callcenter.ui.screens.promises.promises import PromisesScreen

    everything = key_map(CallCenterApp, settings_words(None, 5))
    promises_first = key_map(CallCenterApp, settings_words(None, 5), first=PromisesScreen)
    assert sorted(everything, key=repr) == sorted(promises_first, key=repr)  # the same rows
    wheres = [row.where for row in promises_first]
    assert wheres[: wheres.count("Promises")] == ["Promises"] * wheres.count("Promises")
    assert everything[0].where == "Everywhere"
