"""HSDS rows checked on their own: a good row comes back normalised, a bad value says what is wrong."""

from __future__ import annotations

import pytest

from callcenter.domain import hsds
from callcenter.domain.hsds import check_row

ORG, SERVICE, LOCATION, SAL = "org-1", "svc-1", "loc-1", "sal-1"

GOOD = {
    "organization": {"id": ORG, "name": "Capitol Region Child & Family Services", "email": "intake@example.org"},
    "service": {
        "id": SERVICE,
        "organization_id": ORG,
        "name": "Outpatient Clinic",
        "status": "Active",
        "minimum_age": "3",
        "maximum_age": 18,
    },
    "location": {"id": LOCATION, "location_type": "", "latitude": "41.7637", "longitude": -72.6851},
    "address": {
        "id": "adr-1",
        "location_id": LOCATION,
        "address_1": "210 Main Street",
        "city": "Hartford",
        "postal_code": "06106",
    },
    "service_at_location": {"id": SAL, "service_id": SERVICE, "location_id": LOCATION},
    "phone": {"id": "tel-1", "service_at_location_id": SAL, "number": "(860) 555-0101", "type": "Voice"},
    "schedule": {
        "id": "sch-1",
        "service_id": SERVICE,
        "freq": "weekly",
        "interval": "1",
        "byday": "mo, tu,we",
        "opens_at": "09:00",
        "closes_at": "17:30:00-05:00",
    },
    "language": {"id": "lng-1", "service_id": SERVICE, "code": "es"},
    "taxonomy": {"id": "tax-1", "name": "Family Services Taxonomy"},
    "taxonomy_term": {"id": "fhst:MH-10", "name": "Child Guidance", "taxonomy_id": "tax-1"},
    "attribute": {
        "id": "att-1",
        "link_id": SERVICE,
        "link_entity": "Service",
        "taxonomy_term_id": hsds.TERM_HUSKY,
        "value": "Yes",
    },
}


@pytest.mark.parametrize("table", list(GOOD))
def test_a_good_row_of_each_table_passes(table):
    row, problems = check_row(table, GOOD[table])
    assert problems == []
    assert set(row) == set(hsds.SPEC[table].columns)


def test_a_good_row_comes_back_as_its_columns_hold_it():
    service, _ = check_row("service", GOOD["service"])
    assert (service["status"], service["minimum_age"], service["maximum_age"]) == ("active", 3.0, 18.0)
    assert service["description"] is None
    location, _ = check_row("location", GOOD["location"])
    assert (location["location_type"], location["latitude"]) == ("physical", 41.7637)
    phone, _ = check_row("phone", {**GOOD["phone"], "number": "860-555-0105 ext. 12"})
    assert (phone["number"], phone["extension"], phone["type"]) == ("+18605550105", "12", "voice")
    schedule, _ = check_row("schedule", GOOD["schedule"])
    assert (schedule["freq"], schedule["interval"], schedule["byday"]) == ("WEEKLY", 1, "MO,TU,WE")
    attribute, _ = check_row("attribute", GOOD["attribute"])
    assert (attribute["value"], attribute["link_entity"]) == ("true", "service")
    wait, _ = check_row("attribute", {**GOOD["attribute"], "taxonomy_term_id": hsds.TERM_WAIT_DAYS, "value": "007"})
    assert wait["value"] == "7"
    organization, _ = check_row("organization", {"id": 42, "name": "  Spaces around  "})
    assert (organization["id"], organization["name"]) == ("42", "Spaces around")


@pytest.mark.parametrize(
    "table, change, message",
    [
        ("organization", {"id": " "}, "missing organization id"),
        ("organization", {"name": None}, "missing name"),
        ("organization", {"name": "x" * 201}, "name is longer than 200 characters"),
        ("organization", {"name": ["two", "names"]}, "name is a list; expected a single value"),
        ("organization", {"email": "intake at example.org"}, "email 'intake at example.org' is not an e-mail address"),
        ("service", {"status": "open"}, "status 'open' is not one of active, inactive, defunct, temporarily closed"),
        ("service", {"minimum_age": "three"}, "minimum_age 'three' is not a number"),
        ("service", {"minimum_age": "nan"}, "minimum_age 'nan' is not a number"),
        ("service", {"maximum_age": 130}, "bad age: maximum_age 130 is not between 0 and 120 years"),
        ("service", {"minimum_age": 18, "maximum_age": 5}, "bad age range: minimum_age 18 is above maximum_age 5"),
        ("location", {"location_type": "mobile"}, "location_type 'mobile' is not one of physical, postal, virtual"),
        ("location", {"latitude": 141.9}, "bad latitude 141.9: must be between -90 and 90"),
        ("location", {"longitude": None}, "latitude and longitude go together: give both or neither"),
        (
            "address",
            {"postal_code": "6702"},
            "bad postal code '6702': a US ZIP code has 5 digits, e.g. 06106 "
            "(a spreadsheet may have dropped its leading zeros: 06702?)",
        ),
        ("address", {"location_id": ""}, "missing location_id"),
        (
            "phone",
            {"number": "call us"},
            "bad phone number: 'call us' is not a phone number: type 10 digits, e.g. (203) 555-0143.",
        ),
        ("phone", {"extension": "12a"}, "bad extension '12a': digits only, at most 10"),
        (
            "phone",
            {"type": "landline"},
            "phone type 'landline' is not one of voice, fax, cell, text, textphone, video, pager",
        ),
        (
            "phone",
            {"service_at_location_id": None},
            "linked to nothing: set one of service_at_location_id, service_id, location_id, organization_id",
        ),
        ("schedule", {"freq": "daily"}, "freq 'daily' is not WEEKLY or MONTHLY"),
        ("schedule", {"interval": 0}, "interval 0 must be 1 or more"),
        ("schedule", {"interval": "1.5"}, "interval '1.5' is not a whole number"),
        ("schedule", {"byday": "MO,XX"}, "byday 'MO,XX': XX is not a day (MO, TU, WE, TH, FR, SA, SU)"),
        ("schedule", {"opens_at": "25:00"}, "opens_at '25:00' is not a time of day (HH:MM, e.g. 09:00 or 17:30)"),
        (
            "schedule",
            {"opens_at": "17:00", "closes_at": "09:00"},
            "closes_at 09:00 is not after opens_at 17:00 (hours past midnight: split them into two schedules)",
        ),
        ("language", {"code": None}, "missing language name (or code)"),
        ("taxonomy_term", {"name": ""}, "missing name"),
        (
            "attribute",
            {"link_entity": "program"},
            "link_entity 'program' is not kept by this directory (organization, "
            "service, location, address, service_at_location, phone, schedule, "
            "language)",
        ),
        (
            "attribute",
            {"taxonomy_term_id": hsds.TERM_ECC, "value": "maybe"},
            "ct-access:ecc value 'maybe' is not true or false (use true/false, yes/no or 1/0)",
        ),
        (
            "attribute",
            {"taxonomy_term_id": hsds.TERM_WAIT_DAYS, "value": "two weeks"},
            "ct-access:wait-days value 'two weeks' is not a whole number of days (0 or more)",
        ),
        ("attribute", {"taxonomy_term_id": hsds.TERM_SPECIALTY, "value": None}, "ct-access:specialty needs a value"),
    ],
)
def test_each_bad_value_says_what_is_wrong(table, change, message):
    row, problems = check_row(table, {**GOOD[table], **change})
    assert problems == [message]


def test_an_id_too_long_is_refused_as_missing_and_says_why():
    _, problems = check_row("organization", {**GOOD["organization"], "id": "x" * 65})
    assert problems == ["missing organization id", "id is longer than 64 characters"]
    _, problems = check_row("taxonomy_term", {**GOOD["taxonomy_term"], "id": "fhst:" + "x" * 95})
    assert problems == []  # a term's id holds up to 100


def test_a_bad_cell_is_left_empty_and_every_problem_is_told():
    row, problems = check_row("service", {**GOOD["service"], "id": None, "status": "open", "maximum_age": "old"})
    assert row["maximum_age"] is None
    assert problems == [
        "missing service id",
        "maximum_age 'old' is not a number",
        "status 'open' is not one of active, inactive, defunct, temporarily closed",
    ]


def test_problems_found_while_reading_come_first_and_are_not_told_twice():
    orphan = "its service ([2]) has no id, so this language cannot be linked to it"
    _, problems = check_row("language", {"id": "lng-9", "name": "Spanish"}, [orphan])
    assert problems == [orphan]  # not also "linked to nothing"


def test_a_zip_code_abroad_is_not_held_to_us_rules():
    _, problems = check_row("address", {**GOOD["address"], "postal_code": "SW1A 1AA", "country": "GB"})
    assert problems == []


@pytest.mark.parametrize(
    "text, closing, minute",
    [
        ("09:00", False, 540),
        ("17:30:00", True, 1050),
        ("08:15Z", False, 495),
        ("00:00", True, 1440),
        ("24:00", True, 1440),
        ("24:00", False, None),
        ("12:60", False, None),
        ("9am", False, None),
    ],
)
def test_times_of_day_are_minutes_after_midnight(text, closing, minute):
    assert hsds.minute_of(text, closing=closing) == minute


def test_numbers_and_flags_read_as_people_write_them():
    assert [hsds.boolean(text) for text in ("Y", " true ", "0", "no", "", None, "maybe")] == [
        True,
        True,
        False,
        False,
        None,
        None,
        None,
    ]
    assert [hsds.number_text(value) for value in (18.0, 2.5, 7)] == ["18", "2.5", "7"]


def test_a_service_nested_under_an_organization_without_id_is_not_also_missing_its_link():
    found = ["its organization ([0]) has no id, so this service cannot be linked to it"]
    _, problems = check_row("service", {"id": SERVICE, "name": "Outpatient Clinic"}, found)
    assert problems == found


def _phone(**links):
    row, problems = check_row("phone", {"id": "tel-1", "number": "(860) 555-0101", **links})
    assert problems == []
    return row


def test_copies_of_one_record_nested_under_several_parents_are_one_record_linked_to_each():
    by_service, by_location = _phone(service_id=SERVICE), _phone(location_id=LOCATION)
    merged = hsds.merge_copies("phone", by_service, by_location)
    assert merged is not None and (merged["service_id"], merged["location_id"]) == (SERVICE, LOCATION)
    assert hsds.merge_copies("phone", merged, _phone(service_id=SERVICE)) == merged  # the same copy again
    assert by_service["location_id"] is None  # the copies themselves are left as they were


def test_copies_that_really_differ_are_not_merged():
    kept = _phone(service_id=SERVICE)
    assert hsds.merge_copies("phone", kept, _phone(service_id="svc-2")) is None  # two parents for one link
    other = {**_phone(location_id=LOCATION), "number": "+18605550199"}
    assert hsds.merge_copies("phone", kept, other) is None  # another value


def test_hsds_1_1_rows_are_read_as_the_3_0_tables_keep_them():
    language = {"id": "lng-1", "service_id": SERVICE, "language": "Spanish"}
    assert hsds.from_hsds_1_1("language", language) == [] and language["name"] == "Spanish"
    address = {"id": "adr-1", "address_1": "20 Main Street", "address_2": "", "address_3": "Suite 4", "address_4": " "}
    assert hsds.from_hsds_1_1("address", address, "physical_address") == []
    assert (address["address_2"], address["address_type"]) == ("Suite 4", "physical")
    schedule = {"id": "sch-1", "weekday": "Mon, Tuesday,fri", "opens_at": "09:00", "closes_at": "17:00"}
    assert hsds.from_hsds_1_1("schedule", schedule, "regular_schedule") == []
    assert (schedule["byday"], schedule["freq"]) == ("MO,TU,FR", "WEEKLY")
    assert check_row("schedule", {**schedule, "service_id": SERVICE})[1] == []
    given = {"id": "sch-2", "weekday": "Monday", "byday": "SA"}  # a 3.0 byday column wins
    assert hsds.from_hsds_1_1("schedule", given, "regular_schedule") == [] and given["byday"] == "SA"


@pytest.mark.parametrize("weekday", ["1", "7", "Someday"])
def test_an_hsds_1_1_weekday_that_is_not_a_day_name_is_refused_with_what_to_write(weekday):
    [problem] = hsds.from_hsds_1_1("schedule", {"id": "sch-1", "weekday": weekday}, "regular_schedule")
    assert problem.startswith(f"weekday {weekday!r} is not a day's name")
    assert "Monday ... Sunday" in problem and "rename the column to byday" in problem
