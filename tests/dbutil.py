"""Fresh, migrated databases for tests on SQLite and PostgreSQL, cloned from templates.

Several test runs may share one PostgreSQL server (two checkouts, CI beside a developer's run,
xdist workers). Everything a run creates on the server is named for that run and labelled with a
comment saying which process on which host made it, so a run drops only what it made, and a new
run sweeps what runs that no longer exist left behind.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from callcenter.domain.actor import Actor
from callcenter.store import migrate, roles, seed
from callcenter.store.db import Database
from callcenter.store.intakes import DraftView

# Monday 23 Nov 2026, 10:00 in New York: a business morning, so clocks and deadlines read naturally.
FIXED_NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

PG_ADMIN_URL = os.environ.get("CALLCENTER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Server-wide objects a test run creates start with this; the comment on each says whose it is.
PREFIX = "cct_"
LABEL = "callcenter test run"
_LABEL_PATTERN = re.compile(LABEL + r" host=(?P<host>\S+) pid=(?P<pid>\d+) started=(?P<started>\S+)")


def pg_reachable() -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return str(error).splitlines()[0]


def pg_url(name: str, user: str | None = None) -> str:
    """The admin URL for another database, or for another user (trust authentication here)."""
    url = make_url(PG_ADMIN_URL).set(database=name)
    if user is not None:
        url = url.set(username=user, password=None)
    return url.render_as_string(hide_password=False)


def _admin(sql: str, **params) -> list[tuple]:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def process_started(pid: int) -> str | None:
    """The kernel's start time of a live process (clock ticks since boot), or None if it is gone.

    A pid alone can be reused by an unrelated process after the run died; pid and start time together
    name one process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # The command name (field 2) may hold spaces; fields after its closing bracket are fixed.
            return stat.read().rsplit(")", 1)[1].split()[19]
    except FileNotFoundError:
        return None
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "unknown"


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: str

    @classmethod
    def this_process(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), process_started(os.getpid()) or "unknown")

    @property
    def label(self) -> str:
        return f"{LABEL} host={self.host} pid={self.pid} started={self.started}"

    @classmethod
    def from_label(cls, comment: str | None) -> Owner | None:
        match = _LABEL_PATTERN.fullmatch(comment or "")
        if match is None:
            return None
        return cls(match["host"], int(match["pid"]), match["started"])

    def gone(self) -> bool:
        """True only when this host can tell for sure that the owning process has ended."""
        if self.host != socket.gethostname():
            return False  # another machine's run: not ours to judge
        started = process_started(self.pid)
        return started is None or (started != "unknown" and self.started != "unknown" and started != self.started)


def _quote(identifier: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", identifier):
        raise ValueError(f"unexpected identifier {identifier!r}")
    return identifier


class ServerObjects:
    """Databases and roles on the shared server that belong to this test run (this process)."""

    def __init__(self, owner: Owner | None = None) -> None:
        self.owner = owner or Owner.this_process()
        # pid plus a random part: unique on this host, and across hosts sharing one server.
        self.run_id = f"{self.owner.pid}_{uuid.uuid4().hex[:6]}"
        self.databases: list[str] = []
        self.roles: list[str] = []
        self._made = 0
        self._swept = False

    def name(self, kind: str) -> str:
        """A new name each call: prefix, run, what it is for, and a serial number."""
        self._made += 1
        name = f"{PREFIX}{self.run_id}_{kind}{self._made}"
        if len(name) > 63:
            raise ValueError(f"{name!r} is longer than PostgreSQL's 63-character names")
        return _quote(name)

    def create_database(self, kind: str, template: str | None = None) -> str:
        self.sweep_once()
        name = self.name(kind)
        # Listed before it exists: a failure half-way still leaves it for drop_all to try.
        self.databases.append(name)
        _admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {_quote(template)}" if template else ""))
        _admin(f"COMMENT ON DATABASE {name} IS '{self.owner.label}'")
        return name

    def create_role(self, kind: str, *, login: bool = True) -> str:
        self.sweep_once()
        name = self.name(kind)
        self.roles.append(name)
        _admin(f"CREATE ROLE {name} {'LOGIN' if login else 'NOLOGIN'}")
        _admin(f"COMMENT ON ROLE {name} IS '{self.owner.label}'")
        return name

    def drop_all(self) -> list[str]:
        """Drops what this run made, newest first; returns what could not be dropped."""
        left = [name for name in reversed(self.databases) if not _drop_database(name)]
        left += [name for name in reversed(self.roles) if not _drop_role(name)]
        self.databases.clear()
        self.roles.clear()
        return left

    def sweep_once(self) -> None:
        if not self._swept:
            self._swept = True
            sweep_leftovers()


def _drop_database(name: str) -> bool:
    try:
        _admin(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
        return True
    except Exception:  # noqa: BLE001 - best effort: reported to the caller, swept by a later run
        return False


def _drop_role(name: str) -> bool:
    try:
        _admin(f"DROP ROLE IF EXISTS {_quote(name)}")
        return True
    except Exception:  # noqa: BLE001 - a role still owning objects in a live database stays
        return False


def labelled_objects() -> list[tuple[str, str, Owner | None]]:
    """(kind, name, owner) of every database and role on the server named like a test run's."""
    databases = _admin(
        "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname LIKE :prefix",
        prefix=PREFIX + "%",
    )
    roles = _admin(
        "SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname LIKE :prefix",
        prefix=PREFIX + "%",
    )
    return [("database", name, Owner.from_label(comment)) for name, comment in databases] + [
        ("role", name, Owner.from_label(comment)) for name, comment in roles
    ]


def sweep_leftovers() -> list[str]:
    """Drops databases, then roles, left by test runs on this host whose process has ended."""
    swept = []
    objects = labelled_objects()
    for kind in ("database", "role"):
        for found_kind, name, owner in objects:
            if found_kind == kind and owner is not None and owner.gone():
                if (_drop_database if kind == "database" else _drop_role)(name):
                    swept.append(name)
    return swept


def free_port() -> int:
    """A port no other process is listening on now: the kernel picks it, so parallel runs never share one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(db: Database, with_demo: bool) -> None:
    migrate.upgrade(db)
    seed.ensure_lines(db)
    if with_demo:
        seed.seed_demo(db, FIXED_NOW)


class Templates:
    """Builds each template once per test process, then clones it for every test that asks."""

    def __init__(self, folder: Path, server: ServerObjects | None = None) -> None:
        self.folder = folder
        self.server = server or ServerObjects()
        self._built: set[tuple[str, bool]] = set()
        self._pg_templates: dict[bool, str] = {}
        self._roles: tuple[str, str, str] | None = None

    def sqlite(self, target: Path, with_demo: bool) -> Database:
        template = self.folder / f"template-{'demo' if with_demo else 'empty'}.db"
        if ("sqlite", with_demo) not in self._built:
            db = Database(f"sqlite:///{template}")
            prepare(db, with_demo)
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            db.dispose()
            self._built.add(("sqlite", with_demo))
        shutil.copyfile(template, target)
        return Database(f"sqlite:///{target}")

    def console_roles(self) -> tuple[str, str, str]:
        """This run's console and web group roles, and the login the tests' consoles use."""
        if self._roles is None:
            console = self.server.create_role("console", login=False)
            web = self.server.create_role("web", login=False)
            login = self.server.create_role("rep", login=True)
            _admin(f"GRANT {console} TO {login}")
            self._roles = (console, web, login)
        return self._roles

    def postgres(self, with_demo: bool) -> Database:
        """A clone of the template, opened as a console opens it: a login with the console role's
        rights only (store/roles.py). `db.owner_url` is the owner's, for what only an owner may do."""
        console, web, login = self.console_roles()
        if with_demo not in self._pg_templates:
            template = self.server.create_database(f"tpl_{'demo' if with_demo else 'empty'}_")
            db = Database(pg_url(template))
            prepare(db, with_demo)
            roles.apply_grants(db, console, web)
            db.dispose()
            self._pg_templates[with_demo] = template
        name = self.server.create_database("t", template=self._pg_templates[with_demo])
        db = Database(pg_url(name, user=login))
        db.owner_url = pg_url(name)  # type: ignore[attr-defined]
        return db

    def drop_all(self) -> list[str]:
        return self.server.drop_all()


def signed_in(db: Database, agent: int | str, now: datetime = FIXED_NOW) -> Actor:
    """The store's acting agent for a console signed in as ``agent`` (an id or a username), as the
    console gets it at sign-in (no password: the test vouches for who it is)."""
    from callcenter.store import agents

    username = agent if isinstance(agent, str) else agents.get_agent(db, agent).username
    return agents.open_session(db, username, now).actor


def stored_intake(db: Database, intake_id: int) -> DraftView:
    """An intake as saved, read straight from its row: a test's look at the database, not a
    console's read of a child's record (so not audited)."""
    from callcenter.store import intakes
    from callcenter.store.models import Intake

    with db.read() as session:
        row = session.get(Intake, intake_id)
        assert row is not None, f"no intake {intake_id}"
        return intakes._view(session, row)
