"""What the real-Chromium tests share: where the browser is, the rule when it is missing, waiting."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 30.0  # per step; a loaded machine is slow, a broken page never gets there


def require_browser(who: str, *, in_ci: bool, chromium: Path = CHROMIUM, chromedriver: Path = CHROMEDRIVER) -> None:
    """Skipped on a developer's machine without Chromium; failed in CI, which installs it."""
    missing = [str(path) for path in (chromium, chromedriver) if not os.access(path, os.X_OK)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[test]')")
    if not missing:
        return
    message = f"{who} {', '.join(missing)}"
    if in_ci:
        pytest.fail(message + ": CI installs chromium and chromium-driver in .ci/run", pytrace=False)
    pytest.skip(message + "; apt-get install chromium chromium-driver to run it")


def wait(condition, what: str, describe=lambda: "", poll: float = 0.05):
    """The condition's value once it is true; the test fails, saying what it waited for, if it never is."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    value = condition()
    if value:
        return value
    pytest.fail(f"gave up after {WAIT_SECONDS:.0f} s waiting for {what}\n{describe()}", pytrace=False)
