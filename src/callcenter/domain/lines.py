"""The five ways into the access line, with the published numbers (seeds/001)."""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.domain.model import Channel


@dataclass(frozen=True, slots=True)
class LineSpec:
    code: str
    name: str
    phone_e164: str | None
    channel: Channel
    sort_order: int
    service_level_seconds: int = 20
    service_level_target: float = 0.80
    short_abandon_seconds: int = 5


LINES: tuple[LineSpec, ...] = (
    LineSpec("877", "Main access line", "+18775528247", Channel.VOICE, 1),
    LineSpec("866", "Medication consult line", "+18663750993", Channel.VOICE, 2),
    LineSpec("tty", "TTY line", "+18662180525", Channel.TTY, 3),
    LineSpec("fax", "Fax line", "+18664347681", Channel.FAX, 4),
    LineSpec("web", "Web referral", None, Channel.WEB, 5),
)

LINE_CODES = tuple(spec.code for spec in LINES)
SHOWN_CHARACTERS = 30  # of a line that is not one, quoted back in the error


def line_code_from_text(text: str) -> str:
    """Accept what a script or a person would pass: "877", "877-552-8247", "TTY", "web"."""
    from callcenter.domain.errors import ValidationError

    cleaned = "".join(ch for ch in text.strip().lower() if ch.isalnum())
    for spec in LINES:
        digits = (spec.phone_e164 or "").lstrip("+")
        if cleaned == spec.code or (digits and cleaned in (digits, digits[1:])):
            return spec.code
    known = ", ".join(LINE_CODES)
    shown = text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"  # not a screenful back
    raise ValidationError(f"Unknown line {shown!r}: use one of {known}.", field="line")
