"""What the console's screens need the first time they open, made ready at a quiet moment beforehand.

A screen opened for the first time in a session read its style file, parsed the whole stylesheet
again and restyled every widget on every screen; the first drop-down, text box or check box did the
same with its widget's default styles. That made each first opening half again as slow (the intake:
about 120 ms against 70). Read and parsed once, while the rep is not typing, no opening pays it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widget import Widget


def style_files(screen_type: type[Screen[Any]]) -> list[Path]:
    css_path = screen_type.CSS_PATH
    if css_path is None:
        return []
    return [Path(path) for path in (css_path if isinstance(css_path, list) else [css_path])]


def widgets_screens_are_built_of() -> list[Widget]:
    from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
    from textual.widgets import Button, Checkbox, ContentSwitcher, Input, Label, Static, TextArea
    from textual.widgets._select import SelectOverlay

    from callcenter.ui.shared.table import FittedTable
    from callcenter.ui.shared.widgets import ConsoleOptionList, CurrentChoice, DropDown

    return [
        DropDown([]),
        CurrentChoice(""),
        SelectOverlay(),
        Input(),
        Checkbox(),
        Button(),
        TextArea(),
        ConsoleOptionList(),
        ContentSwitcher(),
        VerticalScroll(),
        Grid(),
        Horizontal(),
        Vertical(),
        Label(),
        Static(),
        FittedTable(()),
    ]


def warm_up_screens(app: App[Any], screen_types: Iterable[type[Screen[Any]]]) -> bool:
    """The screens' style files and their widgets' default styles in the app's stylesheet, parsed, and
    the widgets on screen restyled once (as a screen's first opening would). True if anything was new."""
    stylesheet = app.stylesheet
    before = set(stylesheet.source)
    for screen_type in screen_types:
        for path in style_files(screen_type):
            if not stylesheet.has_source(str(path), ""):
                stylesheet.read(path)
    for widget in widgets_screens_are_built_of():
        widget._post_register(app)  # what registering the first one adds: its class's default styles
    if set(stylesheet.source) == before:
        return False
    stylesheet.reparse()
    stylesheet.update(app)
    return True
