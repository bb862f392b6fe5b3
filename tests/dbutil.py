"""Fresh, migrated databases for tests on SQLite and PostgreSQL, cloned from templates."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from callcenter.store import migrate, seed
from callcenter.store.db import Database

# Monday 23 Nov 2026, 10:00 in New York: a business morning, so clocks and deadlines read naturally.
FIXED_NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

PG_ADMIN_URL = os.environ.get(
    "CALLCENTER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


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


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def prepare(db: Database, with_demo: bool) -> None:
    migrate.upgrade(db)
    seed.ensure_lines(db)
    if with_demo:
        seed.seed_demo(db, FIXED_NOW)


class Templates:
    """Builds each template once per test session (and per xdist worker), then clones it."""

    def __init__(self, folder: Path, worker: str) -> None:
        self.folder = folder
        self.worker = worker
        self._built: set[tuple[str, bool]] = set()
        self._pg_names: list[str] = []

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

    def postgres(self, with_demo: bool) -> Database:
        template = f"cc_tpl_{self.worker}_{'demo' if with_demo else 'empty'}"
        if ("postgres", with_demo) not in self._built:
            _admin(f"DROP DATABASE IF EXISTS {template}")
            _admin(f"CREATE DATABASE {template}")
            db = Database(_pg_url(template))
            prepare(db, with_demo)
            db.dispose()
            self._built.add(("postgres", with_demo))
            self._pg_names.append(template)
        name = f"cc_t_{self.worker}_{uuid.uuid4().hex[:10]}"
        _admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        self._pg_names.append(name)
        return Database(_pg_url(name))

    def drop_all(self) -> None:
        for name in reversed(self._pg_names):
            try:
                _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            except Exception:  # noqa: BLE001 - best effort clean-up at the end of the run
                pass
