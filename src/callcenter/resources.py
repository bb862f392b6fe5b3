"""Files shipped beside the code: styles/ and seed/ (inside the wheel, or at the repo root)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """The wheel maps styles/ and seed/ into the package; a source checkout has them at the top."""
    for candidate in (_PACKAGE / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}/ is missing from this installation of callcenter")


def styles_dir() -> Path:
    return resource_dir("styles")


def seed_dir() -> Path:
    return resource_dir("seed")
