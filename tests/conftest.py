from __future__ import annotations

import warnings

import pytest

from tests.dbutil import FIXED_NOW, IN_CI, Templates, pg_reachable

ENGINES = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    built = Templates(tmp_path_factory.mktemp("templates"))
    yield built
    left = built.drop_all()
    if left:
        warnings.warn(f"could not drop {', '.join(left)}; the next test run sweeps them", stacklevel=1)


@pytest.fixture(scope="session")
def postgres_ready():
    reason = pg_reachable()
    if reason is not None:
        message = f"PostgreSQL is not reachable ({reason})"
        if IN_CI:
            pytest.fail(message + ": CI requires it", pytrace=False)
        pytest.skip(message + "; start it to run the PostgreSQL half of the store tests")


def _open(request, templates, tmp_path, with_demo: bool):
    if request.param == "postgres":
        request.getfixturevalue("postgres_ready")
        db = templates.postgres(with_demo)
    else:
        db = templates.sqlite(tmp_path / "test.db", with_demo)
    yield db
    db.dispose()


@pytest.fixture(params=ENGINES)
def db(request, templates, tmp_path):
    """A migrated database with the five lines and nothing else, on each engine."""
    yield from _open(request, templates, tmp_path, with_demo=False)


@pytest.fixture(params=ENGINES)
def demo_db(request, templates, tmp_path):
    """The demo line (agents, waiting callers, directory) seeded at FIXED_NOW, on each engine."""
    yield from _open(request, templates, tmp_path, with_demo=True)


@pytest.fixture
def other_db(db, templates, tmp_path):
    """A second empty database on the same engine as `db` (an export read back, a directory followed)."""
    other = templates.postgres(False) if db.is_postgres else templates.sqlite(tmp_path / "other.db", False)
    yield other
    other.dispose()


@pytest.fixture
def sqlite_demo_db(templates, tmp_path):
    db = templates.sqlite(tmp_path / "ui.db", with_demo=True)
    yield db
    db.dispose()


@pytest.fixture
def now():
    return FIXED_NOW
