"""A wheel built from the checkout, as pip would build it, for tests of what it ships."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def built_wheel(into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(into), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return next(into.glob("callcenter-*.whl"))


def unpacked(wheel: Path, into: Path) -> Path:
    """The wheel's files as installed (a site-packages folder of their own)."""
    zipfile.ZipFile(wheel).extractall(into)
    return into
