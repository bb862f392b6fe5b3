"""Validators for what a rep types.

Each takes the raw text and returns a normalised value, or raises ``ValidationError`` whose
message says what is wrong and how to fix it. None raises anything else for any ``str``
(property-tested with arbitrary text, control characters, markup and huge strings).
Messages never repeat a Medicaid number back (PHI); other messages quote at most a short
field's worth of what was typed.

Dates of birth (``parse_date_of_birth``) accept:

* ``3/4/2019``: numbers with slashes are read US-style, month first (March 4).
* ``2019-03-04``, ``2019/3/4``, ``2019.03.04``: year first is always year-month-day.
* ``13-4-2019``, ``4.13.2019``: dashes, dots or spaces with the year last are accepted only
  when the reading is unambiguous; ``3-4-2019`` could be March 4 or April 3 and is refused
  with a request to type slashes or the month's name.
* ``March 4 2019``, ``4 Mar 2019``, ``Mar. 4th, 2019``: anything with a month name, through
  python-dateutil, refusing input that lacks the day, month or year.
* ``03042019`` (MMDDYYYY) and ``20190304`` (YYYYMMDD): 8 digits with no separators. The two
  can never be confused: a month cannot be 19 or 20.

A year must always have 4 digits: ``3/4/19`` is refused ("type the full year").
"""

from __future__ import annotations

import calendar
import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache

from dateutil import parser as date_parser

from callcenter.domain.errors import ValidationError
from callcenter.domain.phone import parse_phone

MAX_CHILD_AGE_YEARS = 21
DEFAULT_MEDICAID_PATTERN = r"\d{9}"
MAX_NAME_LENGTH = 80
#: Anything longer than this is refused before it is even cleaned (a paste gone wrong).
HARD_INPUT_CAP = 100_000

# ---------------------------------------------------------------------------------------------
# Free text
# ---------------------------------------------------------------------------------------------

_NOT_PLAIN_ASCII = re.compile(r"[^\x20-\x7e]+")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_JOINERS = frozenset("\u200c\u200d")  # zero-width (non-)joiner: part of spelling in some scripts


@lru_cache(maxsize=8192)
def _replacement(ch: str, multiline: bool) -> str:
    """What one non-ASCII-printable character becomes: itself, a space, a newline or nothing."""
    if ch in _LINE_BREAKS:
        return "\n" if multiline else " "
    if ch == "\t":
        return " "
    if ch in _JOINERS:
        return ch
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ""
    return ch


def _normalise(text: object, multiline: bool = False) -> str:
    """Drop control/format characters, NFC-normalise, collapse whitespace (per line if multiline)."""
    raw = text if isinstance(text, str) else ""
    if multiline:
        raw = raw.replace("\r\n", "\n")
    raw = _NOT_PLAIN_ASCII.sub(lambda m: "".join(_replacement(ch, multiline) for ch in m.group()), raw)
    raw = unicodedata.normalize("NFC", raw)
    if not multiline:
        return " ".join(raw.split())
    lines = [" ".join(line.split()) for line in raw.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _prepare(
    text: object, limit: int, too_long: Callable[[int], str], field: str | None, multiline: bool = False
) -> str:
    """Normalised text, or ValidationError(too_long(count)) when it is over ``limit`` characters."""
    raw = text if isinstance(text, str) else ""
    if len(raw) > max(HARD_INPUT_CAP, limit):
        raise ValidationError(too_long(len(raw)), field)
    value = _normalise(raw, multiline)
    if len(value) > limit:
        raise ValidationError(too_long(len(value)), field)
    return value


def clean_text(text: str, max_length: int, field: str = "text", *, multiline: bool = False) -> str:
    """Trim, drop control characters, collapse runs of whitespace, refuse over ``max_length``.

    Single-line fields become one line with single spaces. With ``multiline=True`` newlines are
    kept (``\\r\\n`` and other line breaks become ``\\n``), spaces are collapsed within each line
    and at most one blank line is kept between paragraphs. Text is NFC-normalised, so a name typed
    with combining accents is stored the same as one typed with precomposed letters.
    """
    return _prepare(
        text,
        max_length,
        lambda count: f"Keep it under {max_length:,} characters (now {count:,}).",
        field,
        multiline,
    )


def keep_as_typed(text: str, max_length: int, field: str = "text") -> str:
    """Running text kept exactly as typed (a TTY transcript): line breaks become ``\\n`` and control
    characters other than newline and tab are dropped, but nothing is trimmed or collapsed, so a
    trailing newline or a run of spaces is still there when the text is opened again."""
    raw = text if isinstance(text, str) else ""
    if len(raw) > max(HARD_INPUT_CAP, max_length):
        raise ValidationError(f"Keep it under {max_length:,} characters (now {len(raw):,}).", field)
    value = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    if len(value) > max_length:
        raise ValidationError(f"Keep it under {max_length:,} characters (now {len(value):,}).", field)
    return value


# ---------------------------------------------------------------------------------------------
# Names and phone numbers
# ---------------------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})
_NAME_SEPARATORS = frozenset(" -'.")
# L = a letter (with any combining marks); parts joined by one space, hyphen, apostrophe or period.
_NAME_SHAPE = re.compile(r"'?L+(?:(?:\.? |[-'.]| - )'?L+)*\.?")
_NAME_EXAMPLE = "e.g. Mary-Kate O'Brien"


def parse_person_name(text: str, field: str = "name") -> str:
    """A person's name: 1-80 letters (any script) with spaces, hyphens, apostrophes and periods.

    Curly apostrophes (O’Brien) are stored as straight ones (O'Brien).
    """
    value = _prepare(
        text,
        MAX_NAME_LENGTH,
        lambda count: (
            f"Names here are at most {MAX_NAME_LENGTH} characters (now {count:,}): shorten it or use initials."
        ),
        field,
    ).translate(_APOSTROPHES)
    if not value:
        raise ValidationError("Enter a name, e.g. Jane Doe.", field, "name_missing")
    shape: list[str] = []
    for ch in value:
        category = unicodedata.category(ch)
        if category[0] == "L":
            shape.append("L")
        elif category[0] == "M" or ch in _JOINERS:
            if not shape or shape[-1] != "L":
                raise ValidationError(f"Start each part of the name with a letter, {_NAME_EXAMPLE}.", field)
        elif ch in _NAME_SEPARATORS:
            shape.append(ch)
        elif category[0] == "N":
            raise ValidationError(
                f"Names cannot contain numbers: type letters only, {_NAME_EXAMPLE}.", field, "name_digits"
            )
        else:
            raise ValidationError(
                f"{ch!r} cannot be in a name: use letters, spaces, hyphens, apostrophes and periods, {_NAME_EXAMPLE}.",
                field,
                "name_sign",
                {"sign": ch},
            )
    if not _NAME_SHAPE.fullmatch("".join(shape)):
        raise ValidationError(
            f"Put single spaces, hyphens, apostrophes or periods between letters, {_NAME_EXAMPLE} or Dr. Ada Okafor.",
            field,
        )
    return value


def parse_callback_number(text: str, field: str = "callback_number") -> str:
    """A phone number as E.164 (``+12035550143``, with ``;ext=12`` for an extension)."""
    value = _prepare(
        text,
        40,
        lambda count: (
            "That is too long for a phone number: type 10 digits, e.g. (203) 555-0143, and 'x' before an extension."
        ),
        field,
    )
    return parse_phone(value, field)


# ---------------------------------------------------------------------------------------------
# Dates of birth and ages
# ---------------------------------------------------------------------------------------------

_DOB_FIELD = "child_dob"
_DOB_HINT = "type it like 3/4/2019, 2019-03-04 or March 4 2019"
_THREE_NUMBERS = re.compile(r"(\d+)\s*([/.\-]|\s)\s*(\d+)\s*([/.\-]|\s)\s*(\d+)", re.ASCII)
_EIGHT_DIGITS = re.compile(r"\d{8}", re.ASCII)
# Two defaults that differ in every part: a part dateutil had to fill in differs between them.
# Days 1 and 2 exist in every month; months 1 and 3 have 31 days; 1904 and 1908 are leap years.
_SENTINELS = (datetime(1904, 1, 1), datetime(1908, 3, 2))
_MONTH_NAMES = date_parser.parserinfo()


def parse_date_of_birth(text: str, today: date, max_age_years: int = MAX_CHILD_AGE_YEARS) -> date:
    """A child's date of birth (see the module docstring for the accepted forms).

    Refused: empty, not a date, missing day/month/year, 2-digit years, dates after ``today``,
    and children older than ``max_age_years`` (the line serves children and youth).
    """
    if isinstance(today, datetime):
        today = today.date()
    raw = _prepare(text, 40, lambda count: f"That is too long for a date: {_DOB_HINT}.", _DOB_FIELD)
    if not raw:
        raise ValidationError(f"Enter the date of birth: {_DOB_HINT}.", _DOB_FIELD, "dob_missing")
    born = _parse_date(raw)
    if born > today:
        raise ValidationError(
            f"{_us(born)} is in the future: check the year.", _DOB_FIELD, "dob_future", {"date": born}
        )
    years = _age_years(born, today)
    if years > max_age_years:
        raise ValidationError(
            f"A child born {_us(born)} would be {years:,} now: this line serves children and youth up "
            f"to {max_age_years}. Check the year.",
            _DOB_FIELD,
            "dob_too_old",
            {"date": born, "years": years, "most": max_age_years},
        )
    return born


def _not_a_date(raw: str, hint: str = _DOB_HINT) -> ValidationError:
    return ValidationError(f"{raw!r} is not a date: {hint}.", _DOB_FIELD, "dob_not_date", {"typed": raw})


def _full_year(raw: str) -> ValidationError:
    return ValidationError(
        f"{raw!r} has a short year: type the full year, e.g. 3/4/2019.", _DOB_FIELD, "dob_short_year", {"typed": raw}
    )


def _make_date(raw: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        if 1 <= month <= 12 and 1 <= year <= 9999 and day > calendar.monthrange(year, month)[1]:
            last = calendar.monthrange(year, month)[1]
            raise ValidationError(
                f"{raw!r} is not a date: {calendar.month_name[month]} {year} has {last} days.", _DOB_FIELD
            ) from None
        raise _not_a_date(raw) from None


def _parse_date(raw: str) -> date:
    if raw.isascii() and raw.isdigit():
        return _parse_digits(raw)
    numbers = _THREE_NUMBERS.fullmatch(raw)
    if numbers:
        return _parse_numeric(raw, *numbers.groups())
    if any(ch.isalpha() for ch in raw):
        return _parse_words(raw)
    raise _not_a_date(raw)


def _parse_digits(raw: str) -> date:
    if _EIGHT_DIGITS.fullmatch(raw):
        if raw[:2] in ("19", "20"):  # YYYYMMDD (a month is never 19 or 20)
            return _make_date(raw, int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        return _make_date(raw, int(raw[4:]), int(raw[:2]), int(raw[2:4]))  # MMDDYYYY
    if len(raw) == 6:
        raise _full_year(raw)
    raise _not_a_date(raw, "type it like 3/4/2019 or March 4 2019 (8 digits without slashes: 03042019)")


def _parse_numeric(raw: str, first: str, sep1: str, second: str, sep2: str, third: str) -> date:
    if len(first) == 4 and len(second) <= 2 and len(third) <= 2:  # year first: always Y-M-D
        return _make_date(raw, int(first), int(second), int(third))
    if len(first) > 2 or len(second) > 2:
        raise _not_a_date(raw)
    if len(third) < 4:
        raise _full_year(raw)
    if len(third) > 4:
        raise _not_a_date(raw)
    a, b, year = int(first), int(second), int(third)
    if sep1 == sep2 == "/":  # US: month/day/year
        if a > 12 and 1 <= b <= 12:
            raise ValidationError(
                f"{raw!r} is not a date: the month comes first here, so type {b}/{a}/{year}.", _DOB_FIELD
            )
        return _make_date(raw, year, a, b)
    if 1 <= a <= 12 and 1 <= b <= 12 and a != b:
        raise ValidationError(
            f"{raw!r} could be {calendar.month_name[a]} {b} or {calendar.month_name[b]} {a}: type it with "
            f"slashes, month first ({a}/{b}/{year}), or with the month's name.",
            _DOB_FIELD,
        )
    if a > 12:  # only a day-first reading is possible
        return _make_date(raw, year, b, a)
    return _make_date(raw, year, a, b)


def _parse_words(raw: str) -> date:
    # Only a month *name* is read by dateutil: numbers alone follow the rules of _parse_numeric.
    if not any(_MONTH_NAMES.month(word) is not None for word in re.findall(r"[^\W\d_]+", raw)):
        raise _not_a_date(raw)
    try:
        first, second = (date_parser.parse(raw, default=sentinel) for sentinel in _SENTINELS)
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        raise _not_a_date(raw) from None
    if first.year != second.year:
        raise ValidationError(f"{raw!r} has no year: add it, e.g. March 4 2019.", _DOB_FIELD)
    if first.month != second.month:
        raise ValidationError(f"{raw!r} has no month: add it, e.g. March 4 2019.", _DOB_FIELD)
    if first.day != second.day:
        raise ValidationError(f"{raw!r} has no day: add it, e.g. March 4 2019.", _DOB_FIELD)
    # dateutil turns "19" into 2019: insist that the year was typed with all its digits.
    if not re.search(rf"(?<!\d){first.year}(?!\d)", raw, re.ASCII):
        raise ValidationError(f"{raw!r} has a short year: type the full year, e.g. March 4 2019.", _DOB_FIELD)
    return first.date()


def _us(value: date) -> str:
    return f"{value.month}/{value.day}/{value.year}"


def _age_years(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def age_in_months(dob: date, today: date) -> int:
    """Whole months from ``dob`` to ``today`` (0 for a date in the future)."""
    if isinstance(today, datetime):
        today = today.date()
    months = (today.year - dob.year) * 12 + (today.month - dob.month)
    if today.day < dob.day:
        months -= 1
    return max(months, 0)


def format_age(dob: date, today: date) -> str:
    """``"2 y 11 m"``, or ``"8 m"`` under a year."""
    years, months = divmod(age_in_months(dob, today), 12)
    return f"{years} y {months} m" if years else f"{months} m"


# ---------------------------------------------------------------------------------------------
# Medicaid numbers
# ---------------------------------------------------------------------------------------------

_MEDICAID_FIELD = "medicaid_number"
_DIGITS_PATTERN = re.compile(r"(?:\\d|\[0-9\])\{(\d+)\}")


@lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


def _compact_id(value: str) -> str:
    """Without spaces or dashes; any script's digits as ASCII; letters upper-case."""
    kept = []
    for ch in value:
        if ch.isspace() or unicodedata.category(ch) == "Pd":
            continue
        digit = unicodedata.decimal(ch, None)
        kept.append(str(digit) if digit is not None else ch.upper())
    return "".join(kept)


def parse_medicaid_number(text: str, pattern: str = DEFAULT_MEDICAID_PATTERN, *, form: str | None = None) -> str:
    """The Medicaid number with spaces and dashes removed, if it fully matches ``pattern``.

    ``form`` describes the pattern to a person ("2 letters, 5 digits, 1 letter"); for a plain
    ``\\d{n}`` pattern it is "n digits" without being given.
    """
    digits_only = _DIGITS_PATTERN.fullmatch(pattern)
    length = int(digits_only.group(1)) if digits_only else None
    described = form or (f"{length} digits" if length is not None else f"in the form {pattern}")
    value = _prepare(
        text,
        60,
        lambda count: f"That is too long for a Medicaid number: they are {described}.",
        _MEDICAID_FIELD,
    )
    compact = _compact_id(value)
    if not compact:
        raise ValidationError(
            f"Enter the Medicaid number from the child's HUSKY card ({described}).", _MEDICAID_FIELD, "medicaid_missing"
        )
    if _compiled(pattern).fullmatch(compact):
        return compact
    if length is not None:
        if compact.isascii() and compact.isdigit():
            raise ValidationError(
                f"Medicaid numbers here are {length} digits; you typed {len(compact)}.",
                _MEDICAID_FIELD,
                "medicaid_length",
                {"length": length, "typed": len(compact)},
            )
        raise ValidationError(
            f"Medicaid numbers here are {length} digits, with no letters or other signs: check the HUSKY card.",
            _MEDICAID_FIELD,
            "medicaid_digits_only",
            {"length": length},
        )
    raise ValidationError(
        f"That is not a Medicaid number: they are {described}. Check the HUSKY card.", _MEDICAID_FIELD
    )


def mask_medicaid(number: str | None) -> str:
    """``•••••6789``: only the last 4 characters shown (all masked when there are 4 or fewer)."""
    if not number:
        return ""
    if len(number) <= 4:
        return "•" * len(number)
    return "•" * (len(number) - 4) + number[-4:]


# ---------------------------------------------------------------------------------------------
# Connecticut ZIP codes and towns
# ---------------------------------------------------------------------------------------------

_ZIP_FIELD = "child_zip"
_TOWN_FIELD = "child_town"
_ZIP_FORM = re.compile(r"(\d{5})(?:\s*-?\s*\d{4})?", re.ASCII)
# Abbreviated alternate names in the USPS data ("E Glastonbury", "Vernon Rockvl"): not towns to offer.
_ABBREVIATED_WORDS = frozenset({"cor", "rockvl", "hartfrd", "manfld", "travlers", "insurance"})
_DIRECTIONS = {"e": "east", "w": "west", "n": "north", "s": "south"}
_STATE_SUFFIX = re.compile(r"(?:\s*,\s*|\s+)(?:ct|conn\.?|connecticut)\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class _Places:
    zip_town: dict[str, str]  # active ZIP -> its USPS town name
    retired_zip_town: dict[str, str]  # ZIPs no longer in use -> town they were
    town_zips: dict[str, list[str]]  # casefolded town name -> sorted active ZIPs
    town_name: dict[str, str]  # casefolded town name -> canonical spelling


def _town_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _is_full_name(name: str) -> bool:
    words = name.split()
    return bool(words) and all(
        len(word) > 2 and any(ch in "aeiou" for ch in word.lower()) and word.lower() not in _ABBREVIATED_WORDS
        for word in words
    )


@cache
def _ct_places() -> _Places:
    """Connecticut from the `zipcodes` package; loaded on first use (~0.3 s) and kept."""
    import zipcodes

    zip_town: dict[str, str] = {}
    retired: dict[str, str] = {}
    town_zips: dict[str, set[str]] = {}
    town_name: dict[str, str] = {}
    for place in zipcodes.filter_by(state="CT"):  # type: ignore[no-untyped-call]  # zipcodes has no types
        code, city = place["zip_code"], place["city"]
        if not place.get("active", True):
            retired[code] = city
            continue
        zip_town[code] = city
        names = [city] + [alt for alt in place.get("acceptable_cities") or [] if _is_full_name(alt)]
        for name in names:
            key = _town_key(name)
            town_name.setdefault(key, name)
            town_zips.setdefault(key, set()).add(code)
    return _Places(zip_town, retired, {key: sorted(codes) for key, codes in town_zips.items()}, town_name)


def parse_zip(text: str) -> str:
    """A Connecticut ZIP code in use (5 digits; a ZIP+4 is cut to its first 5)."""
    value = _prepare(text, 20, lambda count: "That is too long for a ZIP code: type 5 digits, e.g. 06106.", _ZIP_FIELD)
    if not value:
        raise ValidationError("Enter the ZIP code: 5 digits, e.g. 06106.", _ZIP_FIELD, "zip_missing")
    places = _ct_places()
    match = _ZIP_FORM.fullmatch(value)
    if not match:
        if value.isascii() and value.isdigit() and len(value) == 4 and ("0" + value) in places.zip_town:
            raise ValidationError(
                f"{value!r} is missing its leading 0: did you mean 0{value}?",
                _ZIP_FIELD,
                "zip_leading_zero",
                {"typed": value},
            )
        raise ValidationError(f"{value!r} is not a ZIP code: type 5 digits, e.g. 06106.", _ZIP_FIELD, "zip_digits")
    code = match.group(1)
    if code in places.zip_town:
        return code
    if code in places.retired_zip_town:
        raise ValidationError(
            f"{code} is no longer in use (it was {places.retired_zip_town[code]}): ask for the current ZIP "
            "code, or enter the town instead.",
            _ZIP_FIELD,
        )
    if code.startswith("06"):
        raise ValidationError(
            f"{code} is not a Connecticut ZIP code in use: check the digits, or enter the town instead.",
            _ZIP_FIELD,
            "zip_not_ct",
            {"zip": code},
        )
    raise ValidationError(
        f"{code} is not a Connecticut ZIP code (they start with 06).", _ZIP_FIELD, "zip_not_ct", {"zip": code}
    )


def town_for_zip(zip_code: str) -> str:
    """The USPS town name of a Connecticut ZIP code, or ``""`` when it is not one."""
    if not isinstance(zip_code, str):
        return ""
    code = zip_code.strip()[:5]
    places = _ct_places()
    return places.zip_town.get(code) or places.retired_zip_town.get(code, "")


def _expand_direction(key: str) -> str:
    word, _, rest = key.partition(" ")
    direction = _DIRECTIONS.get(word.rstrip("."))
    return f"{direction} {rest}" if direction and rest else key


def zips_for_town(town: str) -> list[str]:
    """The Connecticut ZIP codes in use for a town (any capitalisation), sorted; ``[]`` if none."""
    if not isinstance(town, str):
        return []
    town_zips = _ct_places().town_zips
    key = _town_key(town)
    return list(town_zips.get(key) or town_zips.get(_expand_direction(key), []))


def parse_town(text: str) -> str:
    """A Connecticut town name, matched ignoring case, returned as spelled in the USPS data.

    Accepts a trailing ", CT" and abbreviated directions ("W Hartford"). Unknown names get up to
    three close matches in the message.
    """
    value = _prepare(
        text,
        60,
        lambda count: "No Connecticut town name is that long: type the town, e.g. New Haven, or enter the ZIP code.",
        _TOWN_FIELD,
    )
    value = _STATE_SUFFIX.sub("", value).strip(" ,")
    if not value:
        raise ValidationError("Enter the child's town, e.g. New Haven, or the ZIP code.", _TOWN_FIELD)
    names = _ct_places().town_name
    key = _town_key(value)
    for candidate in (key, _expand_direction(key)):
        if candidate in names:
            return names[candidate]
    close = difflib.get_close_matches(_expand_direction(key), list(names), n=3, cutoff=0.75)
    if close:
        options = [names[match] for match in close]
        listed = options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]
        raise ValidationError(f"No Connecticut town {value!r}; did you mean {listed}?", _TOWN_FIELD)
    raise ValidationError(
        f"No Connecticut town {value!r}: check the spelling, or enter the ZIP code instead.", _TOWN_FIELD
    )
