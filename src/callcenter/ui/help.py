"""The key map, one key away."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

KEY_MAP = """\
# Keys

| Where | Key | What it does |
|---|---|---|
| Everywhere | `?` or `F1` | this help |
| Everywhere | `ctrl+p` | command palette: every screen and action by name |
| Everywhere | `ctrl+q` | quit |
| Sign-in | type a username, `Enter` | sign in |
| Sign-in | `↓` then `Enter` | pick your name from the list |
| Queue board | `t` | take the next caller (emergencies first, then longest wait) |
| Queue board | `f` | choose the line to take from: all lines, 877, 866, TTY, fax, web |
| Queue board | `c` | open the call you are on |
| Queue board | `a` / `r` | available / ready after wrap-up |
| Queue board | `w` | away |
| Queue board | `o` | sign out (offline) |
| Queue board | `n` | new intake by hand (fax or web referral) |
| Call panel | type | call notes, saved as you type |
| Call panel | `ctrl+g` | guided intake for this call |
| Call panel | `ctrl+e` | end the call and pick a disposition (`1`–`6`) |
| Call panel | `Esc` | back to the board; the call stays open |
| Intake | `Tab` / `shift+Tab` | next / previous field (checked when you leave it) |
| Intake | `ctrl+n` / `ctrl+b` | next / previous step |
| Intake | `alt+1`…`alt+5` | jump to a step |
| Intake | `F8` | CRISIS: safety concern, emergency path |
| Intake | `F2` | what this field means and its format |
| Intake | `ctrl+s` | save now (it also saves as you type) |
| Intake | `F10` | submit; missing fields are listed, `Enter` jumps there |
| Intake | `Esc` | leave; the draft stays saved |

Wait times tick every second; the board reads the database every second, so other
terminals' claims and new callers show up within two seconds.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,f1,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(KEY_MAP)

    def action_close(self) -> None:
        self.dismiss(None)
