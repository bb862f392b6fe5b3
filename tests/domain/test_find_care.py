"""The public search form, checked before anything is asked of the directory."""

from __future__ import annotations

import pytest

from callcenter.domain.find_care import in_directory_words, read_search, town_centre


def problems(**params):
    return {(problem.field, problem.message) for problem in read_search(params).problems}


def test_an_empty_form_is_not_a_search_and_has_no_problems():
    form = read_search({})
    assert not form.searched and form.problems == () and form.query is not None


def test_a_place_searches_within_25_miles_unless_a_distance_is_chosen():
    assert read_search({"place": "Hartford"}).query.radius_miles == 25
    assert read_search({"place": "06106", "radius": "5"}).query.radius_miles == 5
    assert read_search({"radius": "5"}).query.radius_miles is None  # a distance from nowhere narrows nothing


def test_the_filters_become_the_reps_lookup():
    query = read_search(
        {
            "q": "family therapy",
            "age": "9",
            "husky": "1",
            "ecc": "on",
            "open": "1",
            "service": "outpatient",
            "language": "Spanish",
        }
    ).query
    assert (query.text, query.age_months, query.husky_only, query.ecc_only, query.open_now) == (
        "family therapy",
        108,
        True,
        True,
        True,
    )
    assert (query.service_type, query.language) == ("outpatient", "Spanish")
    assert read_search({"language": "english"}).query.language is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"place": "Hartfrod"}, ("place", "town_did_you_mean")),
        ({"place": "Springfield Massachusetts"}, ("place", "town_unknown")),
        ({"place": "0610"}, ("place", "zip_digits")),
        ({"place": "10001"}, ("place", "zip_not_ct")),
        ({"radius": "7"}, ("radius", "radius_choice")),
        ({"age": "22"}, ("age", "age_range")),
        ({"age": "-1"}, ("age", "age_range")),
        ({"age": "nine"}, ("age", "age_range")),
        ({"service": "surgery"}, ("service", "service_choice")),
        ({"language": "<b>"}, ("language", "language_letters")),
        ({"q": "x " * 150}, ("q", "too_long")),
    ],
)
def test_each_problem_names_its_field_and_what_is_wrong(params, expected):
    form = read_search(params)
    assert expected in problems(**params) and form.query is None
    assert form.typed[expected[0]]  # kept as typed (tidied), to be shown again


def test_every_problem_is_reported_at_once():
    assert {field for field, _ in problems(place="Hartfrod", age="99", radius="3")} == {"place", "age", "radius"}


def test_did_you_mean_carries_the_town_for_the_wording():
    (problem,) = read_search({"place": "Hartfrod"}).problems
    assert problem.values == {"typed": "Hartfrod", "town": "Hartford"}


def test_control_characters_and_runs_of_spaces_are_tidied():
    assert read_search({"q": "  anxiety\x00\x1b  teen \n"}).typed["q"] == "anxiety teen"


def test_spanish_words_for_needs_search_the_directorys_english_words():
    assert in_directory_words("Ansiedad y depresión") == "anxiety y depression"
    assert in_directory_words("terapias familiares autismo") == "therapy family autism"
    assert read_search({"q": "TDAH"}).query.text == "adhd"
    assert read_search({"q": "TDAH"}).typed["q"] == "TDAH"  # the box keeps what the family typed


def test_a_town_centre_is_known_for_the_map():
    latitude, longitude = town_centre("Hartford")
    assert 41.7 < latitude < 41.8 and -72.8 < longitude < -72.6
    assert town_centre("Atlantis") is None
