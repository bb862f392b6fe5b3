"""CALLCENTER_IDLE_LOCK_MINUTES: minutes, 0 for never, anything else refused with a clear message."""

from __future__ import annotations

import pytest

from callcenter.config import IDLE_LOCK_ENV, idle_lock_seconds
from callcenter.domain.errors import ValidationError


def test_ten_minutes_unless_set():
    assert idle_lock_seconds({}) == 600.0


@pytest.mark.parametrize(("text", "seconds"), [("5", 300.0), ("0.5", 30.0), (" 15 ", 900.0), ("0", None)])
def test_minutes_or_never(text, seconds):
    assert idle_lock_seconds({IDLE_LOCK_ENV: text}) == seconds


@pytest.mark.parametrize("text", ["ten", "-1", "481", "nan"])
def test_bad_values_name_the_setting(text):
    with pytest.raises(ValidationError) as raised:
        idle_lock_seconds({IDLE_LOCK_ENV: text})
    assert IDLE_LOCK_ENV in raised.value.message and "0 (never lock) to 480" in raised.value.message
