"""The suite runs the linter, the formatter's check and the type checker, as CI and a newcomer's run
both do: a style or type slip fails here, with the tool's own words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = ["src", "tests", "bench"]


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = _run(str(Path(sys.executable).with_name("ruff")), "check", *TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted():
    result = _run(str(Path(sys.executable).with_name("ruff")), "format", "--check", *TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    """Strict on domain/, basic on store/, ui/ and the commands (settings in pyproject.toml)."""
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr
