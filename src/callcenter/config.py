"""Where the database is and how the line is set up: environment first, then defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DATABASE_URL_ENV = "CALLCENTER_DATABASE_URL"
# PostgreSQL group roles `db upgrade` grants to and `db login` makes members of (store/roles.py).
CONSOLE_ROLE_ENV = "CALLCENTER_CONSOLE_ROLE"
WEB_ROLE_ENV = "CALLCENTER_WEB_ROLE"


def group_roles() -> tuple[str, str]:
    """The console's and the web site's group roles: the settings, else callcenter_console/_web."""
    return (
        os.environ.get(CONSOLE_ROLE_ENV, "").strip() or "callcenter_console",
        os.environ.get(WEB_ROLE_ENV, "").strip() or "callcenter_web",
    )


def default_sqlite_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("callcenter", appauthor=False)) / "callcenter.db"


def resolve_database_url(explicit: str | None = None) -> str:
    """--database-url wins, then CALLCENTER_DATABASE_URL, then a SQLite file in the data directory."""
    url = explicit or os.environ.get(DATABASE_URL_ENV)
    if url:
        return normalise_url(url)
    return f"sqlite:///{default_sqlite_path()}"


def normalise_url(url: str) -> str:
    """Accept libpq-style URLs (postgres://, postgresql://) and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# The line's promises, from the environment; names as in the README's configuration table.
PROMISE_SETTINGS_ENV = {
    "time_zone": "CALLCENTER_TIME_ZONE",
    "opens": "CALLCENTER_OPENS",
    "closes": "CALLCENTER_CLOSES",
    "weekdays": "CALLCENTER_OPEN_DAYS",
    "holiday_country": "CALLCENTER_HOLIDAY_COUNTRY",
    "holiday_subdivision": "CALLCENTER_HOLIDAY_SUBDIVISION",
    "consult_promise": "CALLCENTER_CONSULT_PROMISE",
    "urgent_consult_promise": "CALLCENTER_URGENT_CONSULT_PROMISE",
    "case_management_first_contact": "CALLCENTER_CASE_MANAGEMENT_FIRST_CONTACT",
    "peer_support_first_contact": "CALLCENTER_PEER_SUPPORT_FIRST_CONTACT",
    "follow_up_promise": "CALLCENTER_FOLLOW_UP_PROMISE",
    "web_referral_promise": "CALLCENTER_WEB_REFERRAL_PROMISE",
    "due_soon": "CALLCENTER_DUE_SOON",
    "due_soon_share": "CALLCENTER_DUE_SOON_SHARE",
}


TIME_ZONE_ENV = PROMISE_SETTINGS_ENV["time_zone"]


def use_line_time_zone(environment: Mapping[str, str] | None = None) -> None:
    """The line's time zone for this process, from CALLCENTER_TIME_ZONE: clocks, days, business hours,
    the monitor's "today" and the promises all read it (a bad name raises ValidationError naming it)."""
    from callcenter.domain.timefmt import DEFAULT_LINE_ZONE, use_line_zone

    env = os.environ if environment is None else environment
    use_line_zone((env.get(TIME_ZONE_ENV) or "").strip() or DEFAULT_LINE_ZONE)


def promise_policy(environment: Mapping[str, str] | None = None):
    """The PromisePolicy the environment asks for; a bad setting raises ValidationError naming it."""
    from callcenter.domain.promises import PromisePolicy

    env = os.environ if environment is None else environment
    chosen = {name: env[variable] for name, variable in PROMISE_SETTINGS_ENV.items() if env.get(variable)}
    return PromisePolicy.from_settings(chosen)


MAX_FAILED_SIGNINS_ENV = "CALLCENTER_MAX_FAILED_SIGNINS"


def max_failed_sign_ins(environment: dict[str, str] | None = None) -> int:
    """Failed sign-ins that lock an account; a bad setting raises ValidationError naming it."""
    from callcenter.domain.errors import ValidationError
    from callcenter.domain.passwords import MAX_FAILED_SIGN_INS

    env = os.environ if environment is None else environment
    text = (env.get(MAX_FAILED_SIGNINS_ENV) or "").strip()
    if not text:
        return MAX_FAILED_SIGN_INS
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise ValidationError(
            f"{MAX_FAILED_SIGNINS_ENV} wants a whole number from 1 to 100, e.g. 5 (got {text!r}).",
            MAX_FAILED_SIGNINS_ENV,
        )
    return int(text)


def alert_settings(environment: Mapping[str, str] | None = None):
    """The monitor's alert thresholds and bell; a bad setting raises ValidationError naming it."""
    from callcenter.domain.alerts import BELL_SETTING, LONGEST_WAIT_SETTING, WAITING_SETTING, AlertSettings

    env = os.environ if environment is None else environment
    return AlertSettings.from_settings(
        env.get(LONGEST_WAIT_SETTING, ""), env.get(WAITING_SETTING, ""), env.get(BELL_SETTING, "")
    )


IDLE_LOCK_ENV = "CALLCENTER_IDLE_LOCK_MINUTES"
DEFAULT_IDLE_LOCK_MINUTES = 10
SIGN_IN_ROSTER_ENV = "CALLCENTER_SIGN_IN_ROSTER"
# Set by `callcenter serve` for each browser tab's console: the address the page was opened from.
CLIENT_ADDRESS_ENV = "CALLCENTER_CLIENT_ADDRESS"


def sign_in_roster(default: bool = False, environment: dict[str, str] | None = None) -> bool:
    """Whether the sign-in screen lists every agent's name (a kiosk, the demo) or asks for a username
    (the default: a screen anyone may see, the web page included, says nothing about who works here)."""
    from callcenter.domain.errors import ValidationError

    env = os.environ if environment is None else environment
    text = (env.get(SIGN_IN_ROSTER_ENV) or "").strip().lower()
    if not text:
        return default
    if text in ("on", "yes", "true", "1"):
        return True
    if text in ("off", "no", "false", "0"):
        return False
    raise ValidationError(f"{SIGN_IN_ROSTER_ENV} wants on or off (got {text[:40]!r}).", SIGN_IN_ROSTER_ENV)


def idle_lock_seconds(environment: dict[str, str] | None = None) -> float | None:
    """Quiet minutes before the console locks itself (0: never); a bad setting raises ValidationError."""
    from callcenter.domain.errors import ValidationError

    env = os.environ if environment is None else environment
    text = (env.get(IDLE_LOCK_ENV) or "").strip()
    if not text:
        return DEFAULT_IDLE_LOCK_MINUTES * 60.0
    try:
        minutes = float(text)
    except ValueError:
        minutes = -1.0
    if not 0 <= minutes <= 480:
        raise ValidationError(
            f"{IDLE_LOCK_ENV} wants minutes from 0 (never lock) to 480, e.g. 10 (got {text!r}).", IDLE_LOCK_ENV
        )
    return None if minutes == 0 else minutes * 60.0
