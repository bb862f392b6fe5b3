from datetime import date

from callcenter.domain.privacy import initials, masked_child, masked_full_name, medicaid_last4


def test_initials_skip_missing_parts():
    assert initials("carlos", "Lopez") == "C.L."
    assert initials("Ana", None) == "A."
    assert initials(" ", "") == ""


def test_masked_child_never_shows_a_name_or_full_birth_date():
    shown = masked_child("Carlos", "Lopez", date(2019, 3, 4), "1234")
    assert shown == "C.L. b.2019 · Medicaid …1234"
    assert "Carlos" not in shown and "03" not in shown and "3/4" not in shown


def test_masked_child_without_anything_known_is_none():
    assert masked_child(None, None) is None
    assert masked_child(None, None, date(2020, 1, 1)) == "child b.2020"


def test_masked_full_name_uses_first_and_last_words():
    assert masked_full_name("Mary Ann Smith", date(2015, 5, 1)) == "M.S. b.2015"
    assert masked_full_name("") is None


def test_medicaid_last4_ignores_punctuation():
    assert medicaid_last4("0123-45678") == "5678"
    assert medicaid_last4(None) is None
