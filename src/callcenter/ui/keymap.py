"""The key map, read from the screens' own bindings: the help screen shows it and the README carries
it, so neither can drift from the keys that really work.

Each screen says in ``KEY_HELP`` (action → words) what its keys do, and in ``KEY_NOTES`` what a
person does that is not a key binding (typing, a filter row). The words may name settings:
``{idle_lock}`` and ``{max_failed}`` are filled in from the settings in use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from callcenter.ui.screens.audit.audit import AuditScreen
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.call.call_panel import CallScreen
from callcenter.ui.screens.caseload.case import CaseScreen
from callcenter.ui.screens.caseload.caseload import CaseloadScreen
from callcenter.ui.screens.consults.my_consults import ConsultsScreen
from callcenter.ui.screens.consults.request_form import ConsultFormScreen
from callcenter.ui.screens.contact_log.fax import FaxFormScreen
from callcenter.ui.screens.contact_log.log import ContactLogScreen
from callcenter.ui.screens.contact_log.tty import TtySessionScreen
from callcenter.ui.screens.intake.screen import IntakeScreen
from callcenter.ui.screens.lookup.lookup import LookupScreen
from callcenter.ui.screens.monitor.monitor import MonitorScreen
from callcenter.ui.screens.promises.promises import PromisesScreen
from callcenter.ui.screens.signin.lock import LockScreen
from callcenter.ui.screens.signin.signin import SignInScreen

# Where each set of keys works, in the order a person meets them. "Everywhere" is the app's own.
AREAS: tuple[tuple[str, type[Screen[Any]]], ...] = (
    ("Locked console", LockScreen),
    ("Sign-in", SignInScreen),
    ("Queue board", QueueBoardScreen),
    ("Call panel", CallScreen),
    ("Intake", IntakeScreen),
    ("Lookup", LookupScreen),
    ("Promises", PromisesScreen),
    ("Contact log", ContactLogScreen),
    ("Fax form", FaxFormScreen),
    ("TTY session", TtySessionScreen),
    ("Consult request", ConsultFormScreen),
    ("Consults", ConsultsScreen),
    ("Caseload", CaseloadScreen),
    ("Case", CaseScreen),
    ("Monitor", MonitorScreen),
    ("Audit trail", AuditScreen),
)
# Leaving a screen is the same everywhere (Esc); it is listed only where it does more.
UNSAID_ACTIONS = frozenset({"back", "cancel", "close"})

_KEY_NAMES = {
    "question_mark": "?",
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "shift+tab": "shift+Tab",
    "plus": "+",
    "minus": "-",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "space": "Space",
}


@dataclass(frozen=True)
class KeyRow:
    where: str
    keys: str
    what: str


def key_label(key: str) -> str:
    """'question_mark' → '?', 'f10' → 'F10', 'ctrl+s' stays."""
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if key.startswith("f") and key[1:].isdigit():
        return key.upper()
    return key


def _keys_text(keys: Iterable[str]) -> str:
    return " / ".join(f"`{key_label(key)}`" for key in keys)


def settings_words(idle_lock_seconds: float | None, max_failed: int) -> dict[str, str]:
    idle = (
        "never locks by itself"
        if idle_lock_seconds is None
        else f"also locks itself after {round(idle_lock_seconds / 60)} quiet minutes"
    )
    return {"idle_lock": idle, "max_failed": str(max_failed)}


def _binding_rows(
    where: str, bindings: Iterable[BindingType], help_words: Mapping[str, str], settings: Mapping[str, str]
) -> list[KeyRow]:
    keys_of: dict[str, list[str]] = {}
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        action = binding.action
        if action in UNSAID_ACTIONS and action not in help_words:
            continue
        if action not in help_words and not binding.show:
            continue  # a second key for the same thing, or the focus keys every form has
        if action not in help_words and not binding.description:
            continue
        keys = keys_of.setdefault(action, [])
        keys.extend(key.strip() for key in binding.key.split(",") if key.strip() not in keys)
    descriptions = {b.action: b.description for b in bindings if isinstance(b, Binding)}
    return [
        KeyRow(where, _keys_text(keys), help_words.get(action, descriptions[action].lower()).format(**settings))
        for action, keys in keys_of.items()
    ]


def key_map(
    app_class: type[App[Any]], settings: Mapping[str, str], first: type[Screen[Any]] | None = None
) -> list[KeyRow]:
    """Every row of the key map: the app's keys, then each screen's notes and bindings. With `first`
    (the screen the person is on), that screen's keys come before all others."""
    rows = [KeyRow("Everywhere", keys, what.format(**settings)) for keys, what in getattr(app_class, "KEY_NOTES", ())]
    rows += _binding_rows("Everywhere", app_class.BINDINGS, getattr(app_class, "KEY_HELP", {}), settings)
    for where, screen in AREAS:
        area = [KeyRow(where, keys, what.format(**settings)) for keys, what in getattr(screen, "KEY_NOTES", ())]
        area += _binding_rows(where, screen.BINDINGS, getattr(screen, "KEY_HELP", {}), settings)
        rows = area + rows if first is not None and issubclass(first, screen) else rows + area
    return rows


def markdown_table(rows: Iterable[KeyRow]) -> str:
    lines = ["| Where | Key | What it does |", "|---|---|---|"]
    lines += [f"| {row.where} | {row.keys} | {row.what} |" for row in rows]
    return "\n".join(lines)
