"""Compact widgets made without Textual's restyle (``compact``, ``DropDown``): once mounted they carry
the same classes and values as Textual's own ``compact=True`` widgets, draw the same picture, and
opening a drop-down shows the same compact list."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, OptionList, Select

from callcenter.ui.screens.intake.screen import _success_button
from callcenter.ui.shared.widgets import DropDown, compact

OPTIONS = [("urgent", "urgent"), ("routine", "routine"), ("emergent", "emergent")]


def textual_made(side: str) -> list[Widget]:
    return [
        Input(placeholder="e.g. 0143", id=f"{side}-input", compact=True),
        Checkbox("Relay service call", id=f"{side}-box", compact=True),
        Select(OPTIONS, prompt="any urgency", id=f"{side}-select", compact=True),
        Select(OPTIONS, value="routine", allow_blank=False, id=f"{side}-chosen", compact=True),
        Button("Submit", id=f"{side}-button", variant="success"),
    ]


def ours(side: str) -> list[Widget]:
    return [
        compact(Input(placeholder="e.g. 0143", id=f"{side}-input")),
        compact(Checkbox("Relay service call", id=f"{side}-box")),
        DropDown(OPTIONS, prompt="any urgency", id=f"{side}-select"),
        DropDown(OPTIONS, value="routine", allow_blank=False, id=f"{side}-chosen"),
        _success_button("Submit", id=f"{side}-button"),
    ]


class SideBySide(App[None]):
    CSS = "Vertical { width: 1fr; height: auto; } Screen { layout: horizontal; }"

    def compose(self) -> ComposeResult:
        with Vertical(id="theirs"):
            yield from textual_made("theirs")
        with Vertical(id="ours"):
            yield from ours("ours")


def described(widget: Widget) -> tuple:
    """What tells two widgets' looks and values apart (their ids aside)."""
    value = getattr(widget, "value", None)
    return (
        sorted(widget.classes),
        getattr(widget, "compact", None),
        getattr(widget, "variant", None),
        value,
        widget.styles.border,
        widget.styles.height,
        widget.region.size,
    )


async def test_compact_widgets_are_textuals_compact_widgets_once_mounted() -> None:
    app = SideBySide()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        for name in ("input", "box", "select", "chosen", "button"):
            theirs = app.query_one(f"#theirs-{name}")
            mine = app.query_one(f"#ours-{name}")
            assert described(mine) == described(theirs), name
            # Every part inside (a Select's current value, its list of options) as well.
            their_parts = list(theirs.walk_children())
            my_parts = list(mine.walk_children())
            assert [type(part).__name__ for part in my_parts] == [type(part).__name__ for part in their_parts]
            for my_part, their_part in zip(my_parts, their_parts, strict=True):
                assert sorted(my_part.classes) == sorted(their_part.classes), (name, type(my_part).__name__)
                assert my_part.styles.border == their_part.styles.border
        assert isinstance(app.query_one("#ours-select"), Select)  # what the forms look it up by


async def test_an_opened_drop_down_lists_its_options_as_textuals_does() -> None:
    app = SideBySide()
    async with app.run_test(size=(100, 20)) as pilot:
        for side in ("theirs", "ours"):
            app.query_one(f"#{side}-select").focus()
            await pilot.press("enter")
            await pilot.pause()
            overlay = app.query_one(f"#{side}-select").query_one(OptionList)
            assert overlay.display and overlay.has_focus
            assert "-textual-compact" in overlay.classes
            await pilot.press("down", "down", "enter")
            await pilot.pause()
        assert app.query_one("#ours-select", Select).value == app.query_one("#theirs-select", Select).value
        assert app.query_one("#ours-select", Select).value == "routine"
