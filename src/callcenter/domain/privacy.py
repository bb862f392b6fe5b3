"""How a child is shown where the whole record is not needed: initials, birth year, last four of Medicaid.

Lists, pickers, promise titles and detail panes use these; the full record is opened on purpose
(and that opening is audited by the store).
"""

from __future__ import annotations

from datetime import date


def initials(first: str | None, last: str | None) -> str:
    """'C.L.' for Carlos Lopez; an empty string when no name is known."""
    return "".join(f"{name.strip()[0].upper()}." for name in (first, last) if name and name.strip())


def medicaid_last4(number: str | None) -> str | None:
    digits = "".join(ch for ch in (number or "") if ch.isalnum())
    return digits[-4:] if digits else None


def masked_child(
    first: str | None, last: str | None, born: date | None = None, medicaid_tail: str | None = None
) -> str | None:
    """'C.L. b.2019 · Medicaid …1234': enough to tell children apart, not enough to identify one."""
    letters = initials(first, last)
    if not letters and born is None and not medicaid_tail:
        return None
    parts = [letters or "child"]
    if born is not None:
        parts.append(f"b.{born.year}")
    text = " ".join(parts)
    return f"{text} · Medicaid …{medicaid_tail}" if medicaid_tail else text


def masked_full_name(full_name: str | None, born: date | None = None) -> str | None:
    """The same for a name typed as one field ('Sam Lee'), as consult requests carry it."""
    words = (full_name or "").split()
    if not words:
        return None
    return masked_child(words[0], words[-1] if len(words) > 1 else None, born)
