"""Compact widgets made without Textual's restyle (``compact``, ``DropDown``): once mounted they carry
the same classes and values as Textual's own ``compact=True`` widgets, draw the same picture, and
opening a drop-down shows the same compact list."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, OptionList, Select

from callcenter.ui.shared.widgets import DropDown, compact, success_button

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
        success_button("Submit", id=f"{side}-button"),
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
            # A drop-down's list of options as well (its chosen value is drawn by one widget: below).
            if isinstance(theirs, Select):
                my_list, their_list = mine.query_one(OptionList), theirs.query_one(OptionList)
                assert sorted(my_list.classes) == sorted(their_list.classes)
                assert my_list.styles.border == their_list.styles.border
        assert isinstance(app.query_one("#ours-select"), Select)  # what the forms look it up by


# -- the drop-down's chosen value, drawn by one widget ----------------------------------------------

LONG = [("a choice whose words run past the drop-down's width", "long"), ("short", "short")]


def pair(side: str, make) -> list[Widget]:
    return [
        make(OPTIONS, prompt="any urgency", id=f"{side}-blank"),
        make(OPTIONS, value="routine", allow_blank=False, id=f"{side}-chosen"),
        make(LONG, value="long", id=f"{side}-long"),
        make(LONG, prompt="a prompt longer than the width", id=f"{side}-long-prompt"),
        make(OPTIONS, prompt="[b]not markup[/b]", id=f"{side}-markup"),
        make(OPTIONS, prompt="locked", id=f"{side}-locked-blank", disabled=True),
        make(OPTIONS, value="emergent", id=f"{side}-locked", disabled=True),
    ]


def textual_select(*args, **kwargs) -> Select:
    return Select(*args, compact=True, **kwargs)


class DropDownsSideBySide(App[None]):
    CSS = """
    Screen { layout: horizontal; }
    Vertical { width: 18; height: auto; margin-right: 2; }
    Select { margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="theirs"):
            yield from pair("theirs", textual_select)
        with Vertical(id="ours"):
            yield from pair("ours", DropDown)


def picture(app: App, widget: Widget) -> list[list[tuple[str, object]]]:
    """The widget's cells as painted on the screen: each character with its colours and attributes."""
    update = app.screen._compositor.render_full_update()
    region = widget.region
    rows = []
    for line in update.strips[region.y : region.bottom]:
        strip = Strip.join(list(line)).crop(region.x, region.right)
        rows.append([(char, segment.style.clear_meta_and_links()) for segment in strip for char in segment.text])
    return rows


async def same_pictures(app: App, pilot) -> None:
    app.screen.set_focus(None)
    await pilot.pause()
    for name in ("blank", "chosen", "long", "long-prompt"):
        theirs = app.query_one(f"#theirs-{name}", Select)
        mine = app.query_one(f"#ours-{name}", Select)
        assert mine.region.size == theirs.region.size, name
        assert picture(app, mine) == picture(app, theirs), name
    # Disabled (a locked intake): the same words, dimmed as Textual dims a disabled field. Textual fades
    # each of its three widgets on its own, so its shades differ from one faded widget's by a few levels.
    for name in ("locked-blank", "locked"):
        theirs = app.query_one(f"#theirs-{name}", Select)
        mine = app.query_one(f"#ours-{name}", Select)
        enabled = picture(app, app.query_one("#ours-chosen"))[0][0][1]
        assert [[char for char, _ in row] for row in picture(app, mine)] == [
            [char for char, _ in row] for row in picture(app, theirs)
        ]
        assert picture(app, mine)[0][0][1] != enabled


async def test_a_drop_down_draws_textuals_picture_blank_chosen_wrapped_and_focused() -> None:
    app = DropDownsSideBySide()
    async with app.run_test(size=(60, 30)) as pilot:
        await same_pictures(app, pilot)
        assert len(list(app.query_one("#ours-blank").walk_children())) == 2  # the value, the options
        # A prompt or a choice is shown as written: words from the directory are never read as markup.
        shown = ["".join(char for char, _ in row) for row in picture(app, app.query_one("#ours-markup"))]
        assert shown[0].startswith("[b]not ") and shown[0].rstrip().endswith("▼")
        assert shown[1].startswith("markup[/b]")
        for name in ("blank", "long"):
            for side in ("theirs", "ours"):
                app.query_one(f"#{side}-{name}").focus()
                await pilot.pause()
            app.screen.set_focus(None)
            for side in ("theirs", "ours"):  # focused, one after the other: compared as each was
                app.query_one(f"#{side}-{name}").focus()
                await pilot.pause()
                if side == "theirs":
                    focused_theirs = picture(app, app.query_one(f"#{side}-{name}"))
            assert picture(app, app.query_one(f"#ours-{name}")) == focused_theirs, name


async def test_an_opened_drop_down_turns_its_arrow_and_shows_the_chosen_value_afterwards() -> None:
    app = DropDownsSideBySide()
    async with app.run_test(size=(60, 30)) as pilot:
        for side in ("theirs", "ours"):
            app.query_one(f"#{side}-blank").focus()
            await pilot.press("enter")
            await pilot.pause()
            opened = app.query_one(f"#{side}-blank", Select)
            assert opened.expanded
            options = opened.query_one(OptionList)  # the list of options, compact as Textual's
            assert options.display and options.has_focus and "-textual-compact" in options.classes
            current = opened.children[0]
            assert "▲" in "".join(char for row in picture(app, current) for char, _ in row)
            await pilot.press("down", "enter")
            await pilot.pause()
            assert not opened.expanded
        await same_pictures(app, pilot)
        assert app.query_one("#ours-blank", Select).value == app.query_one("#theirs-blank", Select).value == "urgent"
