from __future__ import annotations

import warnings

import pytest
from sqlalchemy.engine import make_url

from callcenter.store.db import Database
from tests.dbutil import FIXED_NOW, IN_CI, PG_ADMIN_URL, Templates, pg_reachable

ENGINES = ["sqlite", "postgres"]
# Tests marked `pgbouncer` run once more on PostgreSQL through PgBouncer in transaction pooling mode.
THROUGH_PGBOUNCER = "pgbouncer"


@pytest.hookimpl(tryfirst=True)  # a parametrize mark, before pytest reads the marks and the fixtures' own engines
def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("pgbouncer") is None:
        return
    for name in ("db", "demo_db"):
        if name in metafunc.fixturenames:
            metafunc.definition.add_marker(pytest.mark.parametrize(name, [*ENGINES, THROUGH_PGBOUNCER], indirect=True))


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


@pytest.fixture(scope="session")
def pgbouncer(postgres_ready, templates):
    """A PgBouncer (transaction pooling) in front of the test server, for this run only."""
    from tests.pgbouncer import PgBouncer, find_binary

    if find_binary() is None:
        message = "pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)"
        if IN_CI:
            pytest.fail(message + ": CI requires it", pytrace=False)
        pytest.skip(message + "; the tests through PgBouncer need it")
    _, _, login = templates.console_roles()
    bouncer = PgBouncer(PG_ADMIN_URL, [make_url(PG_ADMIN_URL).username or "postgres", login])
    bouncer.start()
    yield bouncer
    bouncer.cleanup()


def _open(request, templates, tmp_path, with_demo: bool):
    if request.param == THROUGH_PGBOUNCER:
        bouncer = request.getfixturevalue("pgbouncer")
        direct = templates.postgres(with_demo)
        db = Database(bouncer.url(direct.url))
        db.owner_url = direct.owner_url  # type: ignore[attr-defined]
        direct.dispose()
    elif request.param == "postgres":
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
