"""Passwords are stored as salted argon2id hashes (older scrypt ones still verify and are replaced),
checked a few at a time, and chosen with care."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.config import MAX_FAILED_SIGNINS_ENV, max_failed_sign_ins
from callcenter.domain import passwords
from callcenter.domain.errors import ValidationError


def test_hash_has_the_documented_form_and_verifies():
    stored = passwords.hash_password("correct-horse-battery")
    _, scheme, version, parameters, salt, digest = stored.split("$")
    # OWASP's argon2id minimum: 19 MiB of memory, 2 passes, 1 lane.
    assert (scheme, version, parameters) == ("argon2id", "v=19", "m=19456,t=2,p=1")
    assert len(base64.b64decode(salt + "==")) == 16
    assert len(base64.b64decode(digest + "==")) == 32
    assert not passwords.needs_rehash(stored)
    assert passwords.verify_password("correct-horse-battery", stored)
    assert not passwords.verify_password("correct-horse-batterY", stored)
    assert not passwords.verify_password("", stored)


def test_each_hash_has_its_own_salt():
    first, second = passwords.hash_password("same-password-1"), passwords.hash_password("same-password-1")
    assert first != second
    assert passwords.verify_password("same-password-1", first) and passwords.verify_password("same-password-1", second)


@pytest.mark.parametrize(
    "stored",
    [
        None,
        "",
        "plain-text",
        "scrypt$16384$8$1$abc",
        "bcrypt$16384$8$1$AAAA$AAAA",
        "scrypt$x$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$16384$8$1$not base64!$AAAA",
        "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # n not a power of 2
        # n far too costly
        "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ],
)
def test_missing_or_malformed_hashes_never_match(stored):
    assert passwords.verify_password("anything-at-all", stored) is False


def test_no_password_never_matches():
    assert passwords.verify_password(None, passwords.hash_password("something-long")) is False


def test_a_hash_with_other_parameters_still_verifies():
    # Raising the cost later must not lock everyone out: the parameters travel with the hash.
    stored = passwords.legacy_scrypt_hash("older-password", b"0123456789abcdef", n=2**12)
    assert stored.startswith("scrypt$4096$8$1$")
    assert passwords.verify_password("older-password", stored)
    assert not passwords.verify_password("newer-password", stored)


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("", "type a new password"),
        (None, "type a new password"),
        ("short-pw", "at least 10 characters (this one has 8)"),
        ("x" * 129, "at most 128 characters"),
        ("jsmith.call", "must not be the username"),
        ("JSMITH.CALL", "must not be the username"),
        ("aaaaaaaaaaaa", "not one character repeated"),
        ("tab\there-and-more", "control characters"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, fragment):
    with pytest.raises(ValidationError) as refused:
        passwords.check_new_password(password, "jsmith.call")
    assert fragment in refused.value.message
    assert refused.value.field == "password"


def test_refusals_never_repeat_the_password():
    with pytest.raises(ValidationError) as refused:
        passwords.check_new_password("sekrit", "jsmith")
    assert "sekrit" not in refused.value.message


def test_a_good_password_is_returned_unchanged():
    assert passwords.check_new_password("  blue kettle morning ", "jsmith") == "  blue kettle morning "


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=140))
def test_any_text_is_either_usable_or_refused_with_a_message(text):
    try:
        assert passwords.check_new_password(text, "jsmith") == text
    except ValidationError as error:
        assert error.field == "password" and error.message.startswith("Password:")


@pytest.mark.parametrize("username, expected", [("jsmith", "jsmith"), ("  J.Smith_2 ", "j.smith_2"), ("ab", "ab")])
def test_usernames_are_trimmed_and_lowercased(username, expected):
    assert passwords.check_username(username) == expected


@pytest.mark.parametrize(
    "username, fragment",
    [
        ("", "type one"),
        ("a", "2 to 40 characters"),
        ("x" * 41, "2 to 40 characters"),
        ("j smith", "no spaces"),
        ("jsmith!", "only letters"),
        ("jöran", "only letters"),
    ],
)
def test_bad_usernames_say_what_is_allowed(username, fragment):
    with pytest.raises(ValidationError) as refused:
        passwords.check_username(username)
    assert fragment in refused.value.message and refused.value.field == "username"


def test_display_names_are_tidied_and_bounded():
    assert passwords.check_display_name("  Jordan   Smith ") == "Jordan Smith"
    with pytest.raises(ValidationError, match="type the name"):
        passwords.check_display_name("   ")
    with pytest.raises(ValidationError, match="at most 80"):
        passwords.check_display_name("x" * 81)


def test_lock_limit_and_message():
    assert not passwords.is_locked(4, 5) and passwords.is_locked(5, 5)
    assert passwords.locked_message(5) == (
        "This account is locked after 5 failed sign-ins; a supervisor can reset your password."
    )


def test_lock_limit_comes_from_the_environment():
    assert max_failed_sign_ins({}) == passwords.MAX_FAILED_SIGN_INS == 5
    assert max_failed_sign_ins({MAX_FAILED_SIGNINS_ENV: " 3 "}) == 3
    for bad in ("0", "three", "-1", "101", "2.5"):
        with pytest.raises(ValidationError, match=MAX_FAILED_SIGNINS_ENV):
            max_failed_sign_ins({MAX_FAILED_SIGNINS_ENV: bad})


def test_an_older_scrypt_hash_still_verifies_and_asks_to_be_replaced():
    legacy = passwords.legacy_scrypt_hash("correct-horse-battery", b"0123456789abcdef")
    assert legacy.startswith("scrypt$16384$8$1$")
    assert passwords.verify_password("correct-horse-battery", legacy)
    assert not passwords.verify_password("correct-horse-batterY", legacy)
    assert passwords.needs_rehash(legacy)
    weaker = "$argon2id$v=19$m=4096,t=1,p=1$" + passwords.hash_password("x" * 12).split("$", 4)[4]
    assert passwords.needs_rehash(weaker)


def test_no_more_than_a_few_checks_run_at_once(monkeypatch):
    """A flood of sign-ins waits its turn instead of taking 19 MiB each, all at once."""
    import threading
    import time

    active, most = [0], [0]
    lock = threading.Lock()
    real = passwords._HASHER

    class CountingHasher:
        def verify(self, stored, password):
            with lock:
                active[0] += 1
                most[0] = max(most[0], active[0])
            time.sleep(0.02)
            try:
                return real.verify(stored, password)
            finally:
                with lock:
                    active[0] -= 1

    stored = passwords.hash_password("correct-horse-battery")
    monkeypatch.setattr(passwords, "_HASHER", CountingHasher())
    threads = [
        threading.Thread(target=passwords.verify_password, args=("correct-horse-battery", stored)) for _ in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == passwords.MAX_CONCURRENT_CHECKS
