"""The intake's rules from the seed: access deadlines, HUSKY, required fields, advisories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.domain import intake_rules as rules
from callcenter.domain.intake_rules import (
    ACCESS_STANDARD,
    CRISIS_SCRIPT,
    STEPS,
    Advisory,
    RequiredField,
    access_deadline,
    advisories,
    is_husky,
    required_missing,
)
from callcenter.domain.model import Insurance, Urgency

TODAY = date(2026, 11, 22)
NEW_YORK = ZoneInfo("America/New_York")
COMPLETE = {
    "caller_type": "pcp",
    "callback_number": "+12035550143",
    "guardian_name": "Ann Lee",
    "child_first_name": "Sarah",
    "child_last_name": "Lee",
    "child_dob": "2012-05-01",
    "child_sex": "female",
    "child_zip": "06106",
    "insurance": "private",
    "symptoms": "Persistent worrying, poor sleep.",
    "urgency": "routine",
}


def kinds(fields, today=TODAY):
    return [a.kind for a in advisories(fields, today)]


# -- access deadlines -------------------------------------------------------------------------


def test_access_standards_are_the_ecc_promises():
    assert ACCESS_STANDARD == {
        Urgency.EMERGENCY: timedelta(hours=2),
        Urgency.URGENT: timedelta(days=2),
        Urgency.ROUTINE: timedelta(weeks=2),
    }


def test_access_deadlines_follow_the_ecc_standards():
    start = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert access_deadline(Urgency.EMERGENCY, start) == start + timedelta(hours=2)
    assert access_deadline("urgent", start) == start + timedelta(days=2)
    assert access_deadline(Urgency.ROUTINE, start) == start + timedelta(weeks=2)
    assert access_deadline("routine", start).tzinfo is UTC


def test_day_and_week_deadlines_keep_the_local_time_across_a_clock_change():
    start = datetime(2026, 3, 2, 10, 0, tzinfo=NEW_YORK)  # EST; clocks spring forward on March 8
    due = access_deadline(Urgency.ROUTINE, start)
    assert due == datetime(2026, 3, 16, 10, 0, tzinfo=NEW_YORK)
    assert due.tzinfo is NEW_YORK and due.utcoffset() == timedelta(hours=-4)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(weeks=2, hours=-1)  # one real hour fewer


def test_days_are_counted_on_the_lines_calendar_when_the_time_is_stored_in_utc():
    """Times are kept in UTC; 18:30 local on a Friday before the clocks change is due 18:30 local."""
    spring = datetime(2027, 3, 12, 18, 30, tzinfo=NEW_YORK).astimezone(UTC)  # EST; clocks change on the 14th
    assert access_deadline(Urgency.URGENT, spring).astimezone(NEW_YORK) == datetime(
        2027, 3, 14, 18, 30, tzinfo=NEW_YORK
    )
    autumn = datetime(2027, 10, 29, 18, 30, tzinfo=NEW_YORK).astimezone(UTC)  # EDT; clocks change on Nov 7
    assert access_deadline(Urgency.ROUTINE, autumn).astimezone(NEW_YORK) == datetime(
        2027, 11, 12, 18, 30, tzinfo=NEW_YORK
    )
    assert access_deadline(Urgency.ROUTINE, autumn).tzinfo is UTC


def test_emergency_deadlines_are_two_real_hours_even_when_the_clocks_change():
    start = datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK)  # EDT; clocks fall back at 2:00 that night
    due = access_deadline(Urgency.EMERGENCY, start)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=2)
    assert (due.hour, due.minute, due.fold) == (1, 30, 1)  # the second 1:30, in EST
    assert due.tzinfo is NEW_YORK


def test_a_deadline_in_the_spring_forward_gap_moves_to_a_real_time():
    start = datetime(2026, 3, 6, 2, 30, tzinfo=NEW_YORK)  # 2:30 on March 8 does not exist
    due = access_deadline(Urgency.URGENT, start)
    assert (due.month, due.day, due.hour, due.minute) == (3, 8, 3, 30)
    assert due.astimezone(UTC).astimezone(NEW_YORK) == due


def test_deadlines_need_an_aware_time_and_a_real_urgency():
    with pytest.raises(ValueError, match="timezone-aware"):
        access_deadline(Urgency.URGENT, datetime(2026, 11, 22, 15, 0))
    with pytest.raises(ValueError):
        access_deadline("whenever", datetime(2026, 11, 22, 15, 0, tzinfo=UTC))


# -- HUSKY ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "insurance", [Insurance.HUSKY_A, Insurance.HUSKY_B, "husky_a", "husky_b", " HUSKY_B ", "HUSKY A", "husky-a"]
)
def test_husky_a_and_b_are_managed(insurance):
    assert is_husky(insurance)


@pytest.mark.parametrize(
    "insurance",
    [Insurance.PRIVATE, Insurance.NONE, Insurance.UNKNOWN, "private", None, "", "husky_c", "medicare", "[bold]"],
)
def test_everything_else_is_not_managed(insurance):
    assert not is_husky(insurance)


# -- required fields --------------------------------------------------------------------------


def test_a_complete_referral_misses_nothing():
    assert required_missing(COMPLETE) == []


def test_an_empty_referral_lists_every_required_field_in_step_order():
    missing = required_missing({})
    assert [m.key for m in missing] == [
        "caller_type",
        "callback_number",
        "guardian_name",
        "child_first_name",
        "child_last_name",
        "child_dob",
        "child_sex",
        "child_zip",
        "insurance",
        "symptoms",
        "urgency",
    ]
    order = [STEPS.index(m.step) for m in missing]
    assert order == sorted(order)
    assert {m.step for m in missing} == {"caller", "child", "concern"}
    assert all(isinstance(m, RequiredField) and m.label for m in missing)


def test_medicaid_number_is_required_only_for_husky():
    husky = {**COMPLETE, "insurance": "husky_a"}
    assert required_missing(husky) == [RequiredField("medicaid_number", "Medicaid number", "child")]
    assert required_missing({**husky, "medicaid_number": "123456789"}) == []
    assert required_missing({**COMPLETE, "insurance": Insurance.HUSKY_B})[0].key == "medicaid_number"
    for other in ("private", "none", "unknown"):
        assert required_missing({**COMPLETE, "insurance": other}) == []


def test_medicaid_number_comes_right_after_insurance():
    keys = [m.key for m in required_missing({"insurance": "husky_b"})]
    assert keys[keys.index("child_sex") + 1 : keys.index("symptoms")] == ["child_zip", "medicaid_number"]


def test_town_or_zip_will_do():
    without_place = {k: val for k, val in COMPLETE.items() if k != "child_zip"}
    assert [m.key for m in required_missing(without_place)] == ["child_zip"]
    assert required_missing({**without_place, "child_town": "Hartford"}) == []


def test_blank_values_count_as_missing():
    fields = {**COMPLETE, "guardian_name": "   ", "symptoms": None, "child_sex": ""}
    assert [m.key for m in required_missing(fields)] == ["guardian_name", "child_sex", "symptoms"]


def test_diagnosis_and_other_optional_fields_are_not_required():
    optional = {"caller_name", "child_language", "diagnosis", "duration", "guardian_husky"}
    assert not optional & {m.key for m in required_missing({})}
    assert required_missing({**COMPLETE, "diagnosis": "unknown"}) == []


def test_normalised_values_of_any_type_count_as_present():
    assert required_missing({**COMPLETE, "child_dob": date(2012, 5, 1), "urgency": Urgency.URGENT}) == []


# -- advisories -------------------------------------------------------------------------------


def test_no_advisories_for_a_managed_school_age_child():
    assert (
        advisories({"insurance": "husky_a", "child_dob": date(2012, 5, 1), "caller_type": "parent_guardian"}, TODAY)
        == []
    )
    assert advisories({}, TODAY) == []


def test_private_insurance_is_not_managed_but_still_gets_help():
    [advice] = advisories({"insurance": "private"}, TODAY)
    assert advice.kind == "not_managed"
    assert "only for children insured by HUSKY A or B" in advice.text
    assert "names of behavioral-health providers" in advice.text
    assert "back of their insurance card" in advice.text and "behavioral-health benefits" in advice.text


def test_uninsured_children_are_not_managed_and_hear_about_husky():
    [advice] = advisories({"insurance": Insurance.NONE}, TODAY)
    assert advice.kind == "not_managed"
    assert "names of behavioral-health providers" in advice.text and "apply for HUSKY" in advice.text


def test_unknown_insurance_asks_to_confirm_rather_than_refusing():
    [advice] = advisories({"insurance": "unknown"}, TODAY)
    assert advice.kind == "confirm_insurance"
    assert "insurance card" in advice.text


@pytest.mark.parametrize(
    "born, expected",
    [
        (date(2026, 3, 1), ["early_intervention"]),  # 8 months
        (date(2023, 11, 23), ["early_intervention"]),  # 35 months
        (date(2023, 11, 22), ["early_intervention"]),  # the seed's 36-month-old
        (date(2023, 10, 22), []),  # 37 months
        ("2024-06-01", ["early_intervention"]),  # an ISO date string is read too
        (date(2027, 1, 1), []),  # not born yet: no advice
        ("not a date", []),
        (None, []),
    ],
)
def test_young_children_get_early_intervention(born, expected):
    assert kinds({"child_dob": born}) == expected


def test_early_intervention_names_the_infoline_and_early_childhood_providers():
    [advice] = advisories({"child_dob": date(2024, 1, 1)}, TODAY)
    assert "Child Development Infoline (800) 555-7000" in advice.text
    assert "early intervention" in advice.text and "early-childhood" in advice.text


def test_pcp_medication_questions_go_to_the_consult_line():
    [advice] = advisories({"caller_type": "pcp", "consult_question_type": "dose"}, TODAY)
    assert advice.kind == "medication_consult"
    assert "(866) 375-0993" in advice.text and "within 1 business day" in advice.text
    assert "psychiatrist" in advice.text


@pytest.mark.parametrize(
    "fields",
    [
        {"caller_type": "pcp", "consult_question_type": "none"},
        {"caller_type": "pcp", "consult_question_type": ""},
        {"caller_type": "pcp"},
        {"caller_type": "parent_guardian", "consult_question_type": "dose"},
        {"caller_type": "school", "consult_question_type": "side_effects"},
    ],
)
def test_no_consult_line_without_a_pcp_medication_question(fields):
    assert kinds(fields) == []


def test_a_parent_on_husky_is_offered_help_too():
    [advice] = advisories({"guardian_husky": "yes"}, TODAY)
    assert advice.kind == "parent_services" and "parent" in advice.text
    assert kinds({"guardian_husky": "no"}) == kinds({"guardian_husky": "unknown"}) == []


def test_the_seeds_christopher_gets_every_branch_that_applies():
    fields = {"caller_type": "pcp", "child_dob": date(2023, 11, 22), "insurance": "husky_a", "guardian_husky": "yes"}
    assert kinds(fields) == ["early_intervention", "parent_services"]
    everything = {**fields, "insurance": "private", "consult_question_type": "options"}
    assert kinds(everything) == ["not_managed", "early_intervention", "medication_consult", "parent_services"]
    assert all(isinstance(a, Advisory) and a.title and a.text for a in advisories(everything, TODAY))


def test_today_may_be_a_datetime():
    assert kinds({"child_dob": date(2024, 1, 1)}, datetime(2026, 11, 22, 9, 0, tzinfo=UTC)) == ["early_intervention"]


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "caller_type",
                "insurance",
                "child_dob",
                "consult_question_type",
                "guardian_husky",
                "child_zip",
                "child_town",
                "medicaid_number",
                "symptoms",
                "urgency",
            ]
        ),
        st.one_of(st.none(), st.text(max_size=30), st.dates(), st.sampled_from(["pcp", "husky_a", "unknown", "yes"])),
    )
)
def test_rules_never_crash_on_any_fields(fields):
    missing = required_missing(fields)
    assert all(m.step in STEPS for m in missing)
    for advice in advisories(fields, TODAY):
        assert advice.kind and advice.title and advice.text


# -- crisis -----------------------------------------------------------------------------------


def test_the_crisis_script_is_short_and_says_what_to_do():
    assert "911" in CRISIS_SCRIPT and "immediate danger" in CRISIS_SCRIPT
    assert "Mobile Crisis" in CRISIS_SCRIPT and "211" in CRISIS_SCRIPT and "press" in CRISIS_SCRIPT
    assert "988" in CRISIS_SCRIPT
    assert "Stay on the line" in CRISIS_SCRIPT and "do not leave the child alone" in CRISIS_SCRIPT
    assert len(CRISIS_SCRIPT) < 400
    assert "[" not in CRISIS_SCRIPT and "\n" not in CRISIS_SCRIPT  # shown in a one-line banner, safe as markup


def test_the_steps_are_the_intakes_steps():
    assert STEPS == ("caller", "child", "concern", "needs", "summary")
    assert {spec.step for spec in rules.REQUIRED_FIELDS} <= set(STEPS)
