"""Sign-in credentials: how passwords are stored and checked, and which names and passwords are usable.

New passwords are stored as argon2id hashes with OWASP's parameters (19 MiB, 2 passes, 1 lane) in
the standard encoded form, which carries its parameters: raising them later leaves older hashes
readable, and `needs_rehash` says which to replace at the next good sign-in. Hashes from before
(scrypt, N = 2^14) still verify and are replaced the same way. Checking is bounded: at most a few
run at once, so a flood of sign-ins cannot take the machine's memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from callcenter.domain.errors import ValidationError

ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
_HASHER = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM)
# Each check holds ~19 MiB for ~50 ms: four at once is plenty for a line's sign-ins at shift change.
MAX_CONCURRENT_CHECKS = 4
_CHECKS = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)

LEGACY_SCHEME = "scrypt"
# Parameters read back from a stored scrypt hash are bounded, so a tampered row cannot make a
# sign-in allocate gigabytes or spin for minutes.
_MAX_N = 2**17
_MAX_R = 16
_MAX_P = 4

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
MAX_FAILED_SIGN_INS = 5  # the environment may change it: config.max_failed_sign_ins()

USERNAME_RE = re.compile(r"[a-z0-9._-]{2,40}")
MAX_DISPLAY_NAME = 80


def hash_password(password: str) -> str:
    """``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`` with a fresh random salt."""
    with _CHECKS:
        return _HASHER.hash(password)


def verify_password(password: str | None, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``; False for no hash, a malformed one or no password."""
    if password is None or not stored:
        return False
    with _CHECKS:
        if stored.startswith("$argon2"):
            try:
                return _HASHER.verify(stored, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False
        return _verify_scrypt(password, stored)


def needs_rehash(stored: str | None) -> bool:
    """A hash made with older parameters or the older scheme: replace it at the next good sign-in."""
    if not stored:
        return False
    if not stored.startswith("$argon2"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return True


def _verify_scrypt(password: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != LEGACY_SCHEME:
        return False
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        return False
    if not salt or not 16 <= len(expected) <= 64:
        return False
    # maxmem a little above what the parameters need (128·r·n bytes), or OpenSSL refuses them.
    actual = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=128 * r * n + 2**20
    )
    return hmac.compare_digest(actual, expected)


def legacy_scrypt_hash(password: str, salt: bytes, n: int = 2**14, r: int = 8, p: int = 1) -> str:
    """A hash as stored before argon2id (to test that such accounts still sign in and are upgraded)."""
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=128 * r * n + 2**20)
    return f"{LEGACY_SCHEME}${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_new_password(password: str | None, username: str) -> str:
    """The password if it may be set for ``username``; else ValidationError (field "password") saying why."""
    password = password or ""
    if not password:
        raise ValidationError(
            f"Password: type a new password of at least {MIN_PASSWORD_LENGTH} characters.", "password"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"Password: at least {MIN_PASSWORD_LENGTH} characters (this one has {len(password)}); "
            f"a few words joined by dashes are long and easy to remember.",
            "password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            f"Password: at most {MAX_PASSWORD_LENGTH} characters (this one has {len(password)}).", "password"
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in password):
        raise ValidationError("Password: no tabs, line breaks or other control characters.", "password")
    if password.strip().lower() == (username or "").strip().lower():
        raise ValidationError("Password: must not be the username; pick something only you know.", "password")
    if len(set(password)) == 1:
        raise ValidationError("Password: not one character repeated; mix letters, digits or words.", "password")
    return password


def check_username(username: str | None) -> str:
    """The username as stored (trimmed, lowercase); ValidationError (field "username") if not usable."""
    name = (username or "").strip().lower()
    if not name:
        raise ValidationError("Username: type one, e.g. jsmith or j.smith.", "username")
    if not USERNAME_RE.fullmatch(name):
        if not 2 <= len(name) <= 40:
            raise ValidationError(f"Username: 2 to 40 characters (this one has {len(name)}).", "username")
        raise ValidationError(
            "Username: only letters a-z, digits, dot, dash and underscore (no spaces), e.g. j.smith.", "username"
        )
    return name


def check_display_name(display_name: str | None) -> str:
    """The name shown to colleagues, spaces tidied; ValidationError (field "display_name") if not usable."""
    name = " ".join((display_name or "").split())
    if not name:
        raise ValidationError('Name: type the name colleagues see, e.g. "Jordan Smith".', "display_name")
    if len(name) > MAX_DISPLAY_NAME:
        raise ValidationError(
            f"Name: at most {MAX_DISPLAY_NAME} characters (this one has {len(name)}).", "display_name"
        )
    return name


def is_locked(failed_sign_ins: int, limit: int) -> bool:
    """An account locks when its failed sign-ins reach the limit; a password reset unlocks it."""
    return failed_sign_ins >= limit


def locked_message(limit: int) -> str:
    return f"This account is locked after {limit} failed sign-ins; a supervisor can reset your password."
