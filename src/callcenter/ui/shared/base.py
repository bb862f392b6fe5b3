"""What every console screen shares: typed access to the app, and one place where a failed worker lands.

Screens reach the app for the database, the clock, the promise policy, the signed-in agent and the
navigation (``app.open_promises()`` …). ``Screen.app`` is typed as a plain ``App``; here it is the
console's own app for the type checker, with no cost at run time. The import is for type checking
only, so no screen area imports the app (nor, through it, another area).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events
from textual._context import active_app
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from callcenter.ui.app import CallCenterApp

ResultType = TypeVar("ResultType")
Answer = TypeVar("Answer")


class WorkerFailures:
    """A thread worker that raises (``exit_on_error=False``) posts its failure to the screen that ran
    it, and Textual does not pass that on to the app. It lands here: the screen may deal with it in
    its own words (``worker_failed`` returns True), otherwise the app says what went wrong."""

    def worker_failed(self, worker: Worker[object], error: BaseException) -> bool:
        """Override to show a failure where it belongs (a status line, a title); True when handled."""
        return False

    def ask(self, dialog: Screen[Answer | None], then: Callable[[Answer], object]) -> None:
        """Open a dialog over this screen; when it closes with an answer (not cancelled), act on it."""

        def answered(answer: Answer | None) -> None:
            if answer is not None:
                then(answer)

        self.app.push_screen(dialog, answered)  # type: ignore[attr-defined]  # a mixin: self is a screen

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = event.worker.error
        if event.state is WorkerState.ERROR and error is not None and not self.worker_failed(event.worker, error):
            self.app.report_failure(error)  # type: ignore[attr-defined]


class SizedAtBirth:
    """A screen takes the terminal's breakpoint classes (``-narrow``, ``-short`` …) when it is made.
    Textual adds them on the first resize, after the screen's widgets were styled without them, and
    every widget is then styled a second time: on a form-sized screen that doubles the time to show it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            app = active_app.get()
        except LookupError:  # made outside a running app (a test building it): the resize will do
            return
        screen: Screen[object] = self  # type: ignore[assignment]  # a mixin: self is a screen
        width, height = app.size
        horizontal = (
            app.HORIZONTAL_BREAKPOINTS if screen.HORIZONTAL_BREAKPOINTS is None else screen.HORIZONTAL_BREAKPOINTS
        )
        vertical = app.VERTICAL_BREAKPOINTS if screen.VERTICAL_BREAKPOINTS is None else screen.VERTICAL_BREAKPOINTS
        classes = screen._get_breakpoint_classes(width, horizontal or []) | screen._get_breakpoint_classes(
            height, vertical or []
        )
        screen.add_class(*classes, update=False)


class StyledOnce:
    """A screen is styled as its widgets mount; Textual then styles every widget once more when the
    screen is first made active (its ScreenResume asks for a style refresh), and on a form-sized
    screen that second pass costs as much as the first. The first showing skips it; coming back to
    the screen later restyles it as Textual does (what changed while it was covered shows)."""

    _shown_before = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        screen: Screen[object] = self  # type: ignore[assignment]  # a mixin: self is a screen
        if not self._shown_before and screen.is_attached:
            self._shown_before = True
            event.refresh_styles = False
            # The screen itself was styled before its own CSS file was loaded (its widgets after): it alone.
            screen.app.stylesheet.update_nodes([screen], animate=False)
        super()._on_screen_resume(event)  # type: ignore[misc]  # a mixin: the screen's own handler


class FirstPaintWithData:
    """A screen that reads what it shows as it opens is first painted holding it.

    From the screen's making until ``data_shown()`` (or ``HOLD_PAINT_SECONDS``, whichever is first)
    the app paints nothing. Painting the empty screen first cost more than the read it waited for:
    the frames and the read's thread share one interpreter, and the read waited on the painting.
    Keys are not held, only frames: what is typed meanwhile lands, and shows with the data.
    """

    HOLD_PAINT_SECONDS: float = 0.0  # 0: painted as soon as mounted, as Textual does

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_app: Any = None
        if not self.HOLD_PAINT_SECONDS:
            return
        try:
            app = active_app.get()
        except LookupError:  # made outside a running app (a test building it): nothing to hold
            return
        app._begin_batch()
        self._held_app = app
        app.set_timer(self.HOLD_PAINT_SECONDS, self.data_shown, name="first-paint")

    def _compositor_refresh(self) -> None:
        if self._held_app is not None:
            return  # nothing reaches the terminal while held (the screen is drawn whole when it ends)
        super()._compositor_refresh()  # type: ignore[misc]  # a mixin: the screen's own

    def data_shown(self) -> None:
        """The screen holds its data (or its read failed, or took too long): paint from now on."""
        app, self._held_app = self._held_app, None
        if app is not None:
            app._end_batch()
            if not app._batch_count:
                screen = app.screen
                screen.refresh(layout=True)
                # Drawn as soon as the messages already queued are handled, not at the screen's next
                # frame tick (up to 1/60 s later): what the screen's update timer would do then.
                screen.call_later(screen._on_timer_update)


class ConsoleScreen(FirstPaintWithData, StyledOnce, SizedAtBirth, WorkerFailures, Screen[ResultType]):
    """A full screen of the console."""

    if TYPE_CHECKING:
        app: CallCenterApp  # the console's own app, for the type checker


class ConsoleModal(SizedAtBirth, WorkerFailures, ModalScreen[ResultType]):
    """A dialog over a console screen."""

    if TYPE_CHECKING:
        app: CallCenterApp
