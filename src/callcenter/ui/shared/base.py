"""What every console screen shares: typed access to the app, and one place where a failed worker lands.

Screens reach the app for the database, the clock, the promise policy, the signed-in agent and the
navigation (``app.open_promises()`` …). ``Screen.app`` is typed as a plain ``App``; here it is the
console's own app for the type checker, with no cost at run time. The import is for type checking
only, so no screen area imports the app (nor, through it, another area).
"""

from __future__ import annotations

import asyncio
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
    _resumes = 0

    @property
    def coming_back(self) -> bool:
        """Shown again after another screen covered it (not its first showing)."""
        return self._resumes > 1

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        self._resumes += 1
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
    FIRST_READ_WAIT_SECONDS: float = 0.25  # how long building the screen waits for ``read_first``

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_app: Any = None
        self.first_read: Any = None  # what ``read_first`` returned, if it was in time (None: read as usual)
        self.first_reading: asyncio.Future[Any] | None = None  # ``read_first`` still running when built
        if not self.HOLD_PAINT_SECONDS:
            return
        try:
            app = active_app.get()
        except LookupError:  # made outside a running app (a test building it): nothing to hold
            return
        app._begin_batch()
        self._held_app = app
        app.set_timer(self.HOLD_PAINT_SECONDS, self.data_shown, name="first-paint")

    def read_first(self) -> Any:
        """Override to read what the screen shows before it is built (in a thread; None: nothing).

        Read first and alone, it takes a few milliseconds; read while the widgets are being built and
        laid out, it waits on them for the interpreter several times as long. Building waits for it
        FIRST_READ_WAIT_SECONDS at most; the screen takes it once built (``with_first_read``), or
        when it lands if it was slower."""
        return None

    def with_first_read(self, use: Callable[[Any], None], otherwise: Callable[[], None]) -> None:
        """Once built: ``use`` what ``read_first`` read, now or when it lands (a busy machine);
        ``otherwise`` (read as usual) when there is none or it failed."""
        first, self.first_read = self.first_read, None
        pending, self.first_reading = self.first_reading, None
        if first is not None:
            use(first)
        elif pending is not None:

            def landed(done: asyncio.Future[Any]) -> None:
                screen: Screen[object] = self  # type: ignore[assignment]  # a mixin: self is a screen
                if done.cancelled() or done.exception() is not None or done.result() is None:
                    screen.call_later(otherwise)
                else:
                    screen.call_later(use, done.result())

            pending.add_done_callback(landed)
        else:
            otherwise()

    async def _compose(self) -> None:
        self.first_read = await self._read_first_in_time()
        await super()._compose()  # type: ignore[misc]  # a mixin: the screen's own

    async def _read_first_in_time(self) -> Any:
        if type(self).read_first is FirstPaintWithData.read_first:
            return None
        reading = asyncio.ensure_future(asyncio.to_thread(self.read_first))
        try:
            return await asyncio.wait_for(asyncio.shield(reading), self.FIRST_READ_WAIT_SECONDS)
        except TimeoutError:  # built without it; the screen may still use it when it lands
            self.first_reading = reading
        except Exception:  # noqa: BLE001 - failed: the screen reads as usual once built, and says why there
            pass
        reading.add_done_callback(_forget)
        return None

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


def _forget(reading: asyncio.Future[Any]) -> None:
    """A first read not waited for: its result (or failure) is not wanted, and not reported."""
    if not reading.cancelled():
        reading.exception()


class ConsoleScreen(FirstPaintWithData, StyledOnce, SizedAtBirth, WorkerFailures, Screen[ResultType]):
    """A full screen of the console."""

    @property
    def in_sight(self) -> bool:
        """On top, or under dialogs only (their backgrounds let it show through). Textual's own
        ``is_current`` also counts a screen under an opaque one, whose updates then repaint the
        screen on top for nothing."""
        stack = self.app.screen_stack
        if self not in stack:
            return False
        return all(screen.styles.background.a < 1 for screen in stack[stack.index(self) + 1 :])

    if TYPE_CHECKING:
        app: CallCenterApp  # the console's own app, for the type checker


class ConsoleModal(SizedAtBirth, WorkerFailures, ModalScreen[ResultType]):
    """A dialog over a console screen."""

    if TYPE_CHECKING:
        app: CallCenterApp
