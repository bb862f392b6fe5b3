"""The key map, one key away."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from callcenter.ui.shared.base import ConsoleModal

KEY_MAP = """\
# Keys

| Where | Key | What it does |
|---|---|---|
| Everywhere | `?` or `F1` | this help |
| Everywhere | `ctrl+p` | command palette: every screen and action by name |
| Everywhere | `ctrl+q` | quit (saves what you typed, goes offline) |
| Everywhere (signed in) | `F3` | provider lookup |
| Everywhere (signed in) | `ctrl+l` | lock the console now (it also locks itself after 10 quiet minutes) |
| Locked console | password, `Enter` / `ctrl+o` | unlock, everything as it was / sign out instead |
| Sign-in | username, `Enter`, password, `Enter` | sign in (5 wrong passwords lock the account) |
| Sign-in | `↓` then `Enter` | pick your name from the list, then type your password |
| Queue board | `t` | take the next caller (emergencies first, then longest wait) |
| Queue board | `f` | choose the line to take from: all lines, 877, 866, TTY, fax, web |
| Queue board | `c` | open the call you are on |
| Queue board | `a` / `r` | available / ready after wrap-up |
| Queue board | `w` | away |
| Queue board | `o` | sign out (offline) |
| Queue board | `n` | new intake by hand (fax or web referral) |
| Queue board | `k` | medication consult request from a PCP |
| Queue board | `p` | my promises, with business-time countdowns |
| Queue board | `m` | (psychiatrists) my consults |
| Queue board | `g` | contact log: calls, TTY sessions, faxes |
| Queue board | `s` | (supervisors) live monitor |
| Monitor | `s` / `r` | set an agent's state / reassign a promise |
| Monitor | `w` / `a` / `+` | waiting callers / give one to a rep / raise its priority |
| Monitor | `p` / `x` | reset an agent's password (unlocks) / disable or enable an agent |
| Monitor | `t` | audit trail: who did what to which record, and when |
| Audit trail | filter row | child id, agent username, since, until (`11/1`, `today`), action |
| Audit trail | `ctrl+f` / `Esc` | to the filter row / back to the monitor |
| Promises | `a` / `d` / `s` / `o` | attempt / done / reschedule / outbound contact |
| Contact log | `ctrl+f` | search: a number in any format, a child, any words |
| Contact log | `f` / `y` | log a fax / start a TTY session |
| Contact log | `o` | outbound contact; reached or fax sent closes the follow-up |
| Contact log | `c` / `i` / `e` | match a child / intake from the entry / export CSV |
| Contact log, my consults | `v` | the child's full record (lists show it masked); the opening is audited |
| TTY session | type | the transcript, saved as you type |
| TTY session | `ctrl+g` / `ctrl+e` / `Esc` | intake / end the session / leave it open |
| Fax form | `F4` / `F10` | match the child / save |
| Call panel | type | call notes, saved as you type |
| Call panel | `ctrl+g` | guided intake for this call |
| Call panel | `ctrl+e` | end the call and pick a disposition (`1`–`6`) |
| Call panel | `Esc` | back to the board; the call stays open |
| Call panel | `ctrl+y` | (TTY calls) relay-service call |
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


class HelpScreen(ConsoleModal[None]):
    BINDINGS = [Binding("escape,question_mark,f1,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(KEY_MAP)

    def action_close(self) -> None:
        self.dismiss(None)
