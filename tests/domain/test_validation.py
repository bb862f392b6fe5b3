"""Every validator: a normalised value or a message that says how to fix it; never a crash."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from datetime import date, datetime, timedelta

import pytest
import zipcodes
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.domain import intake_form
from callcenter.domain import validation as v
from callcenter.domain.errors import ValidationError
from callcenter.domain.phone import format_phone, parse_phone

TODAY = date(2026, 11, 22)
PROPERTY = settings(max_examples=200, deadline=None)

NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "\x1b[31m",
    "\x1b[2J\x1b[H",
    "[bold]x[/bold]",
    "[link=http://x]y[/link]",
    "<script>alert(1)</script>",
    "'; DROP TABLE child;--",
    '" OR 1=1 --',
    "😀" * 50,
    "a" * 10_000,
    "9" * 150_000,
    "\n" * 5_000,
    "\u202e",
    "\u200b",
    "\ufeff",
    "\r\n\t",
    "\ud800",
    "3/4/19",
    "02/30/2020",
    "13/13/2013",
    "0",
    "-1",
    "0" * 40,
    "06106-1234",
    "+1",
    "NaN",
    "None",
    "null",
    "%s%s%s",
    "{0}",
    "${jndi:x}",
    "../../etc/passwd",
    "\u0000\u0001\u007f\u0085\u2028",
    "March 4 99999999999999999999",
    "Feb 30 2020",
    "4 Mar 2019 25:61",
    "١٢/٣/٢٠١٩",
    "１２３４５６７８９",
    "e\u0301" * 100,
    "Ω≈ç√∫",
    "ﷺ",
    "𝕳𝖊𝖑𝖑𝖔",
    "\U0010ffff",
    "06",
]
CONTROL_HEAVY = st.text(
    alphabet=st.characters(categories=("Cc", "Cf", "Co", "Zs", "Zl", "Zp", "Mn", "Nd", "Lu")), max_size=200
)
DATE_WORDS = st.lists(
    st.sampled_from(
        [
            "March",
            "Mar",
            "feb",
            "4",
            "2019",
            "19",
            "0019",
            "12",
            "31",
            "29",
            "0",
            "99999999999",
            "/",
            "-",
            ".",
            ",",
            " ",
            "of",
            "the",
            "at",
            "pm",
            "Monday",
            "UTC",
            "+05:00",
            "T",
            ":",
            "th",
            "٣",
            "２",
        ]
    ),
    max_size=10,
).map("".join)
TEXTS = st.one_of(st.text(max_size=300), CONTROL_HEAVY, DATE_WORDS, st.sampled_from(NASTY_STRINGS))

VALIDATORS = {
    "date_of_birth": lambda s: v.parse_date_of_birth(s, TODAY),
    "medicaid": v.parse_medicaid_number,
    "medicaid_custom": lambda s: v.parse_medicaid_number(s, r"[A-Z]{2}\d{5}[A-Z]"),
    "zip": v.parse_zip,
    "town": v.parse_town,
    "person_name": lambda s: v.parse_person_name(s, "name"),
    "callback_number": v.parse_callback_number,
    "clean_multiline": lambda s: v.clean_text(s, 200, "notes", multiline=True),
    "clean_line": lambda s: v.clean_text(s, 80, "line"),
}


# -- properties: any text in, a value or a clear message out ---------------------------------


@pytest.mark.parametrize("name", VALIDATORS)
@PROPERTY
@given(text=TEXTS)
def test_validators_never_crash(name, text):
    try:
        result = VALIDATORS[name](text)
    except ValidationError as error:
        assert error.message.strip()
        assert error.message[-1] in ".?", error.message  # a sentence, ending with what to do
    else:
        assert result is not None


@pytest.mark.parametrize("text", NASTY_STRINGS)
def test_nasty_strings_get_a_value_or_a_message(text):
    for validate in VALIDATORS.values():
        try:
            validate(text)
        except ValidationError as error:
            assert error.message.strip()


@PROPERTY
@given(text=TEXTS, max_length=st.integers(min_value=0, max_value=300), multiline=st.booleans())
def test_clean_text_output_is_clean_bounded_and_stable(text, max_length, multiline):
    try:
        value = v.clean_text(text, max_length, "notes", multiline=multiline)
    except ValidationError as error:
        assert f"under {max_length:,} characters" in error.message
        return
    assert len(value) <= max_length
    assert value == value.strip()
    assert v.clean_text(value, max_length, "notes", multiline=multiline) == value
    allowed_controls = {"\n"} if multiline else set()
    assert not any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in allowed_controls for ch in value)
    if not multiline:
        assert "\n" not in value and "  " not in value


@PROPERTY
@given(text=TEXTS)
def test_accepted_values_have_their_normal_form(text):
    for validate, check in [
        (v.parse_zip, lambda z: len(z) == 5 and z.isascii() and z.startswith("06")),
        (v.parse_medicaid_number, lambda m: len(m) == 9 and m.isascii() and m.isdigit()),
        (v.parse_callback_number, lambda p: p.startswith("+")),
        (lambda s: v.parse_date_of_birth(s, TODAY), lambda d: TODAY - timedelta(days=366 * 22) < d <= TODAY),
        (v.parse_person_name, lambda n: 1 <= len(n) <= 80 and v.parse_person_name(n) == n),
        (v.parse_town, lambda t: v.parse_town(t) == t),
    ]:
        try:
            value = validate(text)
        except ValidationError:
            continue
        assert check(value), (text, value)


@PROPERTY
@given(born=st.dates(min_value=date(2005, 11, 23), max_value=TODAY))
def test_every_date_of_birth_in_range_round_trips_in_each_accepted_form(born):
    forms = [
        f"{born.month}/{born.day}/{born.year}",
        born.isoformat(),
        born.strftime("%m%d%Y"),
        born.strftime("%Y%m%d"),
        born.strftime("%B %d %Y"),
        born.strftime("%d %b %Y"),
        born.strftime("%b. %d, %Y"),
    ]
    for text in forms:
        assert v.parse_date_of_birth(text, TODAY) == born, text


@PROPERTY
@given(born=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)))
def test_ages_are_never_negative_and_agree_with_format(born):
    months = v.age_in_months(born, TODAY)
    assert months >= 0
    text = v.format_age(born, TODAY)
    if months < 12:
        assert text == f"{months} m"
    else:
        assert text == f"{months // 12} y {months % 12} m"


# -- intake_form uses these validators: its checks never crash either -------------------------


@settings(max_examples=150, deadline=None)
@given(text=TEXTS, key=st.sampled_from([spec.key for spec in intake_form.FIELDS]))
def test_every_intake_field_check_returns_value_or_message(text, key):
    value, message = intake_form.check_field(key, text, TODAY)
    assert message is None or message.strip()
    assert value is None or message is None


@settings(max_examples=100, deadline=None)
@given(fields=st.dictionaries(st.sampled_from([s.key for s in intake_form.FIELDS]), TEXTS, max_size=12))
def test_submit_validation_never_crashes(fields):
    clean, errors = intake_form.validate_for_submit(fields, TODAY)
    assert all(message.strip() for message in errors.values())
    assert set(clean).isdisjoint(k for k in errors if k in intake_form.FIELD_BY_KEY and fields.get(k))


# -- dates of birth ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3/4/2019", date(2019, 3, 4)),  # US: month first
        ("  03/04/2019 ", date(2019, 3, 4)),
        ("3 / 4 / 2019", date(2019, 3, 4)),
        ("2019-03-04", date(2019, 3, 4)),
        ("2019/3/4", date(2019, 3, 4)),
        ("2019.03.04", date(2019, 3, 4)),
        ("March 4 2019", date(2019, 3, 4)),
        ("march 4, 2019", date(2019, 3, 4)),
        ("4 Mar 2019", date(2019, 3, 4)),
        ("Mar. 4th, 2019", date(2019, 3, 4)),
        ("4th of March 2019", date(2019, 3, 4)),
        ("03042019", date(2019, 3, 4)),  # MMDDYYYY
        ("20190304", date(2019, 3, 4)),  # YYYYMMDD
        ("13-4-2019", date(2019, 4, 13)),  # only one reading possible
        ("4.13.2019", date(2019, 4, 13)),
        ("4-4-2019", date(2019, 4, 4)),
        ("Feb 29 2020", date(2020, 2, 29)),
        ("11/22/2026", TODAY),  # born today
        ("11/23/2005", date(2005, 11, 23)),  # 20, turning 21 tomorrow
        ("11/22/2005", date(2005, 11, 22)),  # 21 today: still served
        ("3/4/2019\x00\x1b", date(2019, 3, 4)),  # control characters dropped
    ],
)
def test_dates_of_birth_in_the_forms_people_type(text, expected):
    assert v.parse_date_of_birth(text, TODAY) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "Enter the date of birth"),
        ("   ", "Enter the date of birth"),
        ("3/4/19", "type the full year"),
        ("3-4-19", "type the full year"),
        ("March 4 19", "type the full year"),
        ("March 4 0019", "type the full year"),
        ("030419", "type the full year"),
        ("March 2019", "has no day"),
        ("February 2019", "has no day"),  # dateutil would quietly clamp a default day 29/30 to the 28th
        ("March 4", "has no year"),
        ("Feb 29", "has no year"),
        ("3-4-2019", "could be March 4 or April 3"),
        ("3.4.2019", "type it with slashes"),
        ("5 6 2020", "could be May 6 or June 5"),
        ("31/3/2019", "month comes first here, so type 3/31/2019"),
        ("2/30/2020", "February 2020 has 29 days"),
        ("2/29/2019", "February 2019 has 28 days"),
        ("13/13/2013", "not a date"),
        ("0/0/2019", "not a date"),
        ("June 31 2019", "not a date"),
        ("yesterday-ish", "not a date"),
        ("3/4/2019 Monday", "not a date"),
        ("12345", "not a date"),
        ("[bold]3/4/2019[/bold]", "not a date"),
        ("12/1/2026", "in the future"),
        ("11/23/2026", "in the future"),
        ("1/1/1990", "up to 21"),
        ("11/22/2004", "would be 22 now"),  # 22 today
        ("1" * 41, "too long for a date"),
    ],
)
def test_bad_dates_are_refused_with_a_reason(text, reason):
    with pytest.raises(ValidationError, match=reason) as caught:
        v.parse_date_of_birth(text, TODAY)
    assert caught.value.field == "child_dob"


def test_the_age_limit_is_a_parameter():
    assert v.parse_date_of_birth("1/1/2000", TODAY, max_age_years=30) == date(2000, 1, 1)
    with pytest.raises(ValidationError, match="up to 18"):
        v.parse_date_of_birth("1/1/2005", TODAY, max_age_years=18)
    with pytest.raises(ValidationError, match="would be 22 now"):
        v.parse_date_of_birth("11/22/2004", TODAY)


def test_today_may_be_a_datetime():
    assert v.parse_date_of_birth("3/4/2019", datetime(2026, 11, 22, 9, 30)) == date(2019, 3, 4)


def test_the_bad_date_message_says_how_to_type_one():
    with pytest.raises(ValidationError) as caught:
        v.parse_date_of_birth("31/31/2019", TODAY)
    assert caught.value.message == "'31/31/2019' is not a date: type it like 3/4/2019, 2019-03-04 or March 4 2019."


# -- ages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "born, months, shown",
    [
        (date(2023, 12, 22), 35, "2 y 11 m"),
        (date(2023, 11, 22), 36, "3 y 0 m"),
        (date(2023, 11, 23), 35, "2 y 11 m"),  # a day short of 3
        (date(2026, 3, 22), 8, "8 m"),
        (date(2026, 3, 23), 7, "7 m"),
        (date(2026, 11, 22), 0, "0 m"),
        (date(2027, 1, 1), 0, "0 m"),  # not born yet: never negative
        (date(2005, 11, 23), 251, "20 y 11 m"),
    ],
)
def test_ages_in_months_and_as_shown(born, months, shown):
    assert v.age_in_months(born, TODAY) == months
    assert v.format_age(born, TODAY) == shown


def test_month_end_birthdays():
    assert v.age_in_months(date(2026, 1, 31), date(2026, 2, 28)) == 0
    assert v.age_in_months(date(2026, 1, 31), date(2026, 3, 1)) == 1


# -- Medicaid numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["123456789", " 123-456 789 ", "123 45 6789", "123\u2013456\u2013789", "１２３４５６７８９", "\x00123456789"],
)
def test_medicaid_numbers_are_compacted(text):
    assert v.parse_medicaid_number(text) == "123456789"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "Enter the Medicaid number from the child's HUSKY card \\(9 digits\\)"),
        ("  - ", "Enter the Medicaid number"),
        ("1234567", "Medicaid numbers here are 9 digits; you typed 7."),
        ("1234567890", "you typed 10"),
        ("12345678A", "9 digits, with no letters"),
        ("123.456.789", "no letters or other signs"),
        ("1" * 61, "too long for a Medicaid number"),
    ],
)
def test_bad_medicaid_numbers(text, reason):
    with pytest.raises(ValidationError, match=reason) as caught:
        v.parse_medicaid_number(text)
    assert caught.value.field == "medicaid_number"


def test_medicaid_messages_never_repeat_the_number():
    for text in ["12345678", "12345678A", "1234-5678-90"]:
        with pytest.raises(ValidationError) as caught:
            v.parse_medicaid_number(text)
        assert "5678" not in caught.value.message


def test_medicaid_pattern_is_configurable():
    pattern = r"[A-Z]{2}\d{5}[A-Z]"
    assert v.parse_medicaid_number("AB12345C", pattern=pattern) == "AB12345C"
    assert v.parse_medicaid_number("ab-12345 c", pattern=pattern) == "AB12345C"
    with pytest.raises(ValidationError, match=r"in the form \[A-Z\]"):
        v.parse_medicaid_number("AB1234C", pattern=pattern)
    with pytest.raises(ValidationError, match="they are 2 letters, 5 digits and a letter"):
        v.parse_medicaid_number("AB1234C", pattern=pattern, form="2 letters, 5 digits and a letter")
    assert v.parse_medicaid_number("12345678901", pattern=r"\d{11}") == "12345678901"
    with pytest.raises(ValidationError, match="11 digits; you typed 9"):
        v.parse_medicaid_number("123456789", pattern=r"\d{11}")


def test_medicaid_digits_must_be_ascii_digits_after_compaction():
    # \d would match other scripts' digits; the stored number is always ASCII
    assert v.parse_medicaid_number("١٢٣٤٥٦٧٨٩") == "123456789"
    with pytest.raises(ValidationError):
        v.parse_medicaid_number("12345678²")


def test_masked_medicaid_numbers_show_the_last_four():
    assert v.mask_medicaid("123456789") == "•••••6789"
    assert v.mask_medicaid("1234") == "••••"
    assert v.mask_medicaid("") == "" and v.mask_medicaid(None) == ""


# -- Connecticut ZIP codes and towns ----------------------------------------------------------


def test_connecticut_zip_codes():
    assert v.parse_zip("06106") == "06106" and v.town_for_zip("06106") == "Hartford"
    assert v.parse_zip(" 06106-1234 ") == "06106"
    assert v.parse_zip("061061234") == "06106"
    assert v.parse_zip("06511") == "06511" and v.town_for_zip("06511") == "New Haven"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "Enter the ZIP code: 5 digits"),
        ("10001", "not a Connecticut ZIP code \\(they start with 06\\)"),
        ("06999", "not a Connecticut ZIP code in use"),
        ("6106", "missing its leading 0: did you mean 06106"),
        ("0610", "not a ZIP code: type 5 digits"),
        ("06106-12", "not a ZIP code"),
        ("06106-abcd", "not a ZIP code"),
        ("hartford", "not a ZIP code"),
        ("0" * 21, "too long for a ZIP code"),
    ],
)
def test_bad_zip_codes(text, reason):
    with pytest.raises(ValidationError, match=reason) as caught:
        v.parse_zip(text)
    assert caught.value.field == "child_zip"


def test_zip_codes_no_longer_in_use_are_refused_with_their_old_town():
    retired = [z for z in zipcodes.filter_by(state="CT") if not z["active"]]
    assert retired, "the zipcodes release in use lists no retired Connecticut ZIP codes to test with"
    place = retired[0]
    with pytest.raises(ValidationError, match=f"{place['zip_code']} is no longer in use \\(it was {place['city']}\\)"):
        v.parse_zip(place["zip_code"])
    assert v.town_for_zip(place["zip_code"]) == place["city"]


def test_town_for_unknown_zip_is_blank():
    assert v.town_for_zip("10001") == "" and v.town_for_zip("") == "" and v.town_for_zip("nonsense") == ""


@pytest.mark.parametrize(
    "text, town",
    [
        ("new haven", "New Haven"),
        ("NEW   HAVEN", "New Haven"),
        ("Hartford, CT", "Hartford"),
        ("hartford ct", "Hartford"),
        ("Hartford, Connecticut", "Hartford"),
        ("W Hartford", "West Hartford"),
        ("w. hartford", "West Hartford"),
        ("E Hartford", "East Hartford"),
        ("Killingly", "Killingly"),  # a town the USPS lists only as an alternate name
        ("storrs", "Storrs"),
    ],
)
def test_towns_are_matched_ignoring_case(text, town):
    assert v.parse_town(text) == town


def test_unknown_towns_get_suggestions():
    with pytest.raises(ValidationError, match="No Connecticut town 'Hartfrod'; did you mean Hartford") as caught:
        v.parse_town("Hartfrod")
    assert caught.value.field == "child_town"
    with pytest.raises(ValidationError, match="did you mean Hamden"):
        v.parse_town("Hamdn")
    with pytest.raises(ValidationError, match="check the spelling, or enter the ZIP code"):
        v.parse_town("Qqqqzzzz")
    with pytest.raises(ValidationError, match="Enter the child's town"):
        v.parse_town("  ")
    with pytest.raises(ValidationError, match="Enter the child's town"):
        v.parse_town(", CT")
    with pytest.raises(ValidationError, match="that long"):
        v.parse_town("x" * 61)


def test_abbreviated_usps_names_are_not_offered_as_towns():
    with pytest.raises(ValidationError):
        v.parse_town("Vernon Rockvl")
    with pytest.raises(ValidationError):
        v.parse_town("Stafford Spgs")


def test_zip_codes_for_a_town():
    hartford = v.zips_for_town("Hartford")
    assert "06106" in hartford and hartford == sorted(hartford)
    assert v.zips_for_town("  hartford ") == hartford
    assert v.zips_for_town("W Hartford") == v.zips_for_town("West Hartford") != []
    assert all(v.town_for_zip(code) for code in hartford)
    assert v.zips_for_town("Atlantis") == [] and v.zips_for_town("") == []


def test_every_town_name_has_a_zip_code_and_parses_to_itself():
    for town in sorted(set(v._ct_places().town_name.values())):
        assert v.parse_town(town) == town
        assert v.zips_for_town(town), town


def test_connecticut_places_are_loaded_once_and_only_when_needed():
    assert v._ct_places() is v._ct_places()
    code = (
        "import json, sys, callcenter.domain.validation as v; before = 'zipcodes' in sys.modules; "
        "v.parse_person_name('Ann'); v.parse_date_of_birth('3/4/2019', __import__('datetime').date(2026, 1, 1)); "
        "middle = 'zipcodes' in sys.modules; v.parse_zip('06106'); "
        "print(json.dumps([before, middle, 'zipcodes' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False, False, True]


# -- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "José Núñez",
        "Mary-Kate O'Brien",
        "Nguyễn Văn An",
        "Dr. Ada Okafor",
        "J.R.R. Tolkien",
        "'t Hooft",
        "李小龙",
        "प्रिया शर्मा",
        "Zoë",
        "Jr.",
        "X",
        "Ann Lee-Smith Jr.",
    ],
)
def test_names_allow_real_names(name):
    assert v.parse_person_name(name) == name


def test_names_are_normalised():
    assert v.parse_person_name("  Ann   Lee ") == "Ann Lee"
    assert v.parse_person_name("O\u2019Brien") == "O'Brien"  # curly apostrophe from a phone keyboard
    assert v.parse_person_name("Jose\u0301") == "José"  # combining accent composed (NFC)
    assert v.parse_person_name("Ann\x00\x1b Lee") == "Ann Lee"


@pytest.mark.parametrize(
    "junk, reason",
    [
        ("", "Enter a name"),
        ("\x00\x01", "Enter a name"),
        ("R2D2", "cannot contain numbers"),
        ("[bold]x", "'\\[' cannot be in a name"),
        ("<script>", "'<' cannot be in a name"),
        ("Robert'); DROP TABLE child;--", "cannot be in a name"),
        ("😀", "cannot be in a name"),
        ("a" * 81, "at most 80 characters \\(now 81\\)"),
        ("a" * 200_000, "at most 80 characters"),
        ("Mary--Kate", "single spaces, hyphens"),
        ("-Ann", "single spaces, hyphens"),
        ("Ann-", "single spaces, hyphens"),
        ("\u0301Ann", "Start each part of the name with a letter"),
    ],
)
def test_names_refuse_junk_with_a_reason(junk, reason):
    with pytest.raises(ValidationError, match=reason) as caught:
        v.parse_person_name(junk, "guardian_name")
    assert caught.value.field == "guardian_name"


# -- free text --------------------------------------------------------------------------------


def test_free_text_is_trimmed_and_collapsed():
    assert v.clean_text("  two   words \x00\x1b ", 50) == "two words"
    assert v.clean_text("tab\there\nnewline", 50) == "tab here newline"
    assert v.clean_text("bidi \u202eoverride\u200b", 50) == "bidi override"
    assert v.clean_text("می\u200cخواهم", 50) == "می\u200cخواهم"  # ZWNJ is part of Persian spelling


def test_multiline_text_keeps_paragraphs():
    assert v.clean_text("line one  \n\n\n\nline two", 50, multiline=True) == "line one\n\nline two"
    assert v.clean_text("a\r\nb\rc\u2028d", 50, multiline=True) == "a\nb\nc\nd"
    assert v.clean_text("\n\n  x  \n\n", 50, multiline=True) == "x"


def test_free_text_is_capped_with_the_count():
    with pytest.raises(ValidationError, match="under 10 characters \\(now 11\\)"):
        v.clean_text("x" * 11, 10)
    with pytest.raises(ValidationError) as caught:
        v.clean_text("y" * 2_345, 2_000, "symptoms", multiline=True)
    assert caught.value.message == "Keep it under 2,000 characters (now 2,345)."
    assert caught.value.field == "symptoms"
    assert v.clean_text("x" * 10, 10) == "x" * 10
    assert v.clean_text("x" + " " * 1_000 + "y", 3) == "x y"  # counted after collapsing


def test_huge_pastes_are_refused_quickly():
    with pytest.raises(ValidationError, match="now 10,000,000"):
        v.clean_text("a" * 10_000_000, 2_000, multiline=True)


def test_clean_text_tolerates_none():
    assert v.clean_text(None, 10) == ""  # type: ignore[arg-type]


# -- phone numbers ----------------------------------------------------------------------------


def test_callback_numbers():
    assert v.parse_callback_number("(203) 555-0143") == "+12035550143"
    assert v.parse_callback_number("203.555.0143 ext 12") == "+12035550143;ext=12"
    assert v.parse_callback_number("\x00203-555-0143\x1b") == "+12035550143"
    with pytest.raises(ValidationError, match="Enter a phone number") as caught:
        v.parse_callback_number("")
    assert caught.value.field == "callback_number"
    with pytest.raises(ValidationError, match="e.g. \\(203\\) 555-0143"):
        v.parse_callback_number("555-0143")  # no area code
    with pytest.raises(ValidationError, match="too long for a phone number: type 10 digits"):
        v.parse_callback_number("2" * 41)


def test_phone_numbers_with_extensions_are_formatted_on_leave():
    stored = parse_phone("203.555.0143 ext 12")
    assert stored == "+12035550143;ext=12"
    assert format_phone(stored) == "(203) 555-0143 ext. 12"
    assert intake_form.display_value("callback_number", stored) == "(203) 555-0143 ext. 12"
