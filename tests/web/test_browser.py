"""`callcenter serve` in a real browser: headless Chromium signs a rep in and reaches the queue board.

The page is textual-serve's: xterm.js draws the console on a canvas, so the screen is read from
xterm's own buffer. The page keeps its Terminal object in a closure; a setter on
Object.prototype, installed before the page's script runs, hands it over when the page assigns it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

import pytest

from tests.dbutil import IN_CI, free_port
from tests.web.browser_support import CHROMEDRIVER, CHROMIUM, require_browser, wait

PASSWORD = "demo-password-1"

CAPTURE_TERMINAL = """
window.__xterms = [];
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    if (value && value.buffer && 'active' in value.buffer) window.__xterms.push(value);
    Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, enumerable: true});
  },
});
"""

READ_SCREEN = """
const term = (window.__xterms || [])[0];
if (!term) return null;
const buffer = term.buffer.active;
const rows = [];
for (let y = 0; y < term.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  rows.push(line ? line.translateToString(true) : '');
}
return {rows: rows, cursorX: buffer.cursorX, cursorY: buffer.cursorY};
"""

# Only this machine: the page also asks for a web font, and the browser's own background traffic is off.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--enable-unsafe-swiftshader",  # software WebGL for xterm's renderer on a machine without a GPU
]


@dataclass(frozen=True)
class Screen:
    rows: list[str]
    cursor_x: int
    cursor_y: int

    @property
    def text(self) -> str:
        return "\n".join(self.rows)

    def row_of(self, words: str) -> int | None:
        return next((y for y, row in enumerate(self.rows) if words in row), None)

    def cursor_on(self, words: str) -> bool:
        """Textual moves the terminal's (hidden) cursor to the caret of the input that has focus."""
        return self.row_of(words) == self.cursor_y


def _require_browser() -> None:
    require_browser("the browser test needs", in_ci=IN_CI, chromium=CHROMIUM)


def _wait(condition, what: str, describe=lambda: ""):
    return wait(condition, what, describe, poll=0.1)


def _group_alive(process: subprocess.Popen) -> bool:
    process.poll()  # reap the leader, or its zombie keeps the group alive
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_group(process: subprocess.Popen) -> None:
    """Stop the server and the consoles it started for browser tabs: they share its process group."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + 5
        while _group_alive(process) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _group_alive(process):
            break
    process.wait(timeout=5)


@pytest.fixture
def browser():
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the page's console: CSP refusals show there
    # An explicit driver path: Selenium Manager is never asked to download one.
    service = Service(executable_path=str(CHROMEDRIVER), popen_kw={"start_new_session": True})
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CAPTURE_TERMINAL})
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            if service.process is not None:
                try:
                    os.killpg(service.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture
def served(sqlite_demo_db, tmp_path):
    """`callcenter serve` on a free port over a demo database; yields (url, database path)."""
    path = sqlite_demo_db.engine.url.database
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CALLCENTER_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "callcenter", "--database-url", f"sqlite:///{path}", "serve", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"

    def answers() -> bool:
        if server.poll() is not None:
            pytest.fail(
                f"callcenter serve exited ({server.returncode}):\n{(tmp_path / 'serve.log').read_text()}", pytrace=False
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        _wait(answers, f"callcenter serve to answer at {url}")
        yield url, path
    finally:
        _stop_group(server)
        log.close()


@pytest.mark.slow
def test_the_page_loads_nothing_from_outside_the_server(served):
    """Callers' details are on this page: no third-party font, script or style is fetched with it."""
    url, _ = served
    with urllib.request.urlopen(url, timeout=5) as response:
        page = response.read().decode()
    assert "textual.js" in page  # the real page, not an error
    referenced = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page)
    assert referenced and all(link.startswith(url) or link.startswith("/") for link in referenced), referenced


def _agent(path: str, username: str) -> tuple[str, int]:
    with sqlite3.connect(path) as conn:
        state, agent_id = conn.execute("SELECT state, id FROM agent WHERE username = ?", (username,)).fetchone()
        sign_ins = conn.execute(
            "SELECT count(*) FROM audit WHERE action = 'sign_in' AND agent_id = ?", (agent_id,)
        ).fetchone()[0]
    return state, sign_ins


def _waiting_calls(path: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM call WHERE state = 'waiting'").fetchone()[0]


@pytest.mark.slow
def test_a_rep_signs_in_through_the_browser_and_sees_the_queue_board(browser, served, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, path = served
    assert _agent(path, "alex") == ("offline", 0)

    def screen() -> Screen | None:
        seen = browser.execute_script(READ_SCREEN)
        return Screen(seen["rows"], seen["cursorX"], seen["cursorY"]) if seen else None

    def showing(predicate):
        def check():
            now = screen()
            return now if now is not None and predicate(now) else None

        return check

    def last_screen() -> str:
        now = screen()
        return "the page's terminal was never created" if now is None else "screen was:\n" + now.text

    browser.get(url)
    signin = _wait(
        showing(lambda s: "Access line console" in s.text and "type your username" in s.text),
        "the sign-in screen",
        last_screen,
    )
    # A page anyone can open names no one who works here.
    assert "Alex Rivera" not in signin.text and "Sam Kim" not in signin.text

    keyboard = browser.find_element(By.CSS_SELECTOR, "textarea.xterm-helper-textarea")
    keyboard.send_keys("alex")
    typed = _wait(
        showing(lambda s: (row := s.row_of("Username")) is not None and "alex" in s.rows[row + 2]),
        "alex in the username box",
        last_screen,
    )
    assert typed.cursor_y == typed.row_of("Username") + 2
    # Enter moves the caret to the password box; keys sent before it gets there would land in the username.
    keyboard.send_keys(Keys.ENTER)
    _wait(showing(lambda s: s.cursor_on("then your password")), "the caret in the password box", last_screen)

    keyboard.send_keys(PASSWORD)
    masked = _wait(showing(lambda s: "•" * len(PASSWORD) in s.text), "the password's dots", last_screen)
    assert PASSWORD not in masked.text

    keyboard.send_keys(Keys.ENTER)
    waiting = _waiting_calls(path)

    def board_painted(s: Screen) -> bool:
        # The board paints its frame first and its figures when its first read of the database lands.
        return (
            "Alex Rivera · rep   ● available" in s.text
            and f"Waiting callers — all lines ({waiting} waiting)" in s.text
            and re.search(r"877\s+Main access line\s+\(877\) 552-8247", s.text) is not None
        )

    board = _wait(showing(board_painted), "the queue board with alex available and the demo's callers", last_screen)
    (tmp_path / "queue-board.txt").write_text(board.text, encoding="utf-8")
    assert waiting > 0
    assert "type your username" not in board.text, board.text
    browser.save_screenshot(str(tmp_path / "queue-board.png"))
    assert (tmp_path / "queue-board.png").stat().st_size > 0

    # The sign-in went through the database like any terminal's, saying where the browser was.
    assert _agent(path, "alex") == ("available", 1)
    with sqlite3.connect(path) as conn:
        (detail,) = conn.execute(
            "SELECT detail FROM audit WHERE action = 'sign_in' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert json.loads(detail) == {"client": "127.0.0.1"}

    # The intake's step keys arrive through the browser (ctrl+n would open a window, alt+digits are
    # characters to xterm.js): F6 next, F5 back, F4 then a digit to jump.
    from callcenter.domain import intake_form

    def focused_field(step: str) -> str:
        return f"{intake_form.fields_of(step)[0].label}: "  # the help line names the focused field

    def help_line_says(text: str):
        return showing(lambda s: any(row.strip().startswith(text) for row in s.rows))

    keyboard.send_keys("n")
    _wait(help_line_says(focused_field("caller")), "a new intake on its first step", last_screen)
    keyboard.send_keys(Keys.F6)
    _wait(help_line_says(focused_field("child")), "F6: the child step", last_screen)
    keyboard.send_keys("Maria")
    _wait(showing(lambda s: "Maria" in s.text), "the child's name typed in the child step", last_screen)
    keyboard.send_keys(Keys.F5)
    _wait(help_line_says(focused_field("caller")), "F5: back to the caller step", last_screen)
    keyboard.send_keys(Keys.F4, "3")
    _wait(help_line_says(focused_field("concern")), "F4 then 3: the concern step", last_screen)

    # Leaving the page (a closed tab) ends its console, which signs the agent out.
    browser.get("about:blank")
    _wait(lambda: _agent(path, "alex")[0] == "offline", "alex offline once the page is left", lambda: "")

    # The page's security policy lets everything the console needs run: nothing was refused.
    refused = [
        entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]
    ]
    assert not refused, refused


def test_without_chromium_ci_fails_rather_than_skips(monkeypatch, tmp_path):
    import tests.web.test_browser as here

    monkeypatch.setattr(here, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(here, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="no-chromium.*CI installs chromium"):
        here._require_browser()
    monkeypatch.setattr(here, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium chromium-driver"):
        here._require_browser()


def test_the_month_report_opens_in_a_browser_with_its_charts_drawn(browser, sqlite_demo_db, tmp_path):
    """`callcenter report --month` writes one self-contained HTML file: Chromium opens it from disk
    with nothing else, and both charts are drawn (their SVG has size and marks), beside the tables."""
    path = sqlite_demo_db.engine.url.database
    sqlite_demo_db.dispose()
    page = tmp_path / "november.html"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "callcenter",
            "--database-url",
            f"sqlite:///{path}",
            "report",
            "--month",
            "2026-11",
            "--out",
            str(page),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert made.returncode == 0, made.stderr
    assert "http" not in re.sub(r'xmlns(:\w+)?="http[^"]+"', "", page.read_text())  # nothing fetched from outside
    browser.get(page.as_uri())
    drawn = browser.execute_script(
        """return ['calls-chart', 'service-chart'].map(id => {
             const svg = document.querySelector('#' + id + ' svg');
             const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
             return {width: box.width, height: box.height,
                     marks: svg ? svg.querySelectorAll('path, rect, use').length : 0,
                     text: svg ? svg.textContent : ''};
           });"""
    )
    for chart in drawn:
        assert chart["width"] > 300 and chart["height"] > 100 and chart["marks"] > 10, chart
    assert "Calls offered per day" in drawn[0]["text"] and "target 80%" in drawn[1]["text"]
    rows = browser.execute_script("return document.querySelectorAll('#calls-by-day tr').length")
    assert rows == 31  # the header and the 30 days of November
