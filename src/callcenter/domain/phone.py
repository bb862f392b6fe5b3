"""Phone numbers as people type them, stored as E.164, shown in national format."""

from __future__ import annotations

import phonenumbers

from callcenter.domain.errors import ValidationError

DEFAULT_REGION = "US"
MAX_PHONE_INPUT = 40


def parse_phone(text: str, field: str = "phone") -> str:
    """Return the E.164 form (with ``;ext=`` when an extension was given) or raise ValidationError."""
    raw = (text or "").strip()
    if not raw:
        raise ValidationError("Enter a phone number, e.g. (203) 555-0143.", field, "phone_missing")
    if len(raw) > MAX_PHONE_INPUT:
        raise ValidationError("That is too long for a phone number.", field, "phone_too_long")
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            f"{raw!r} is not a phone number: type 10 digits, e.g. (203) 555-0143.",
            field,
            "phone_not_number",
            {"typed": raw},
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(
            f"{raw!r} has the wrong number of digits: US numbers have 10, e.g. (203) 555-0143.",
            field,
            "phone_digits",
            {"typed": raw},
        )
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            f"{raw!r} is not an assigned number (check the area code), e.g. (203) 555-0143.",
            field,
            "phone_unassigned",
            {"typed": raw},
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        e164 += f";ext={number.extension}"
    return e164


def format_phone(e164: str | None) -> str:
    """National format for US numbers, international otherwise; blank for none."""
    if not e164:
        return ""
    base, _, ext = e164.partition(";ext=")
    try:
        number = phonenumbers.parse(base, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    text = phonenumbers.format_number(number, fmt)
    return f"{text} ext. {ext}" if ext else text


def phone_search_key(text: str) -> str | None:
    """The E.164 form of whatever a person typed when searching, or None if it is no number."""
    try:
        return parse_phone(text).partition(";ext=")[0]
    except ValidationError:
        return None
