"""Engines for SQLite (embedded default) and PostgreSQL (shared by many terminals)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from callcenter.store.errors import DatabaseUnavailable, translated_errors

SQLITE_BUSY_TIMEOUT_MS = 10_000


class Database:
    """One engine per process; every store operation opens its own short session."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: int = 5,
        busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
        create: bool = True,
        pool_size: int | None = None,
        pgbouncer: bool | None = None,
    ) -> None:
        """`create`: a SQLite file that does not exist yet is made (private to its owner); without
        it, a missing file is refused and nothing is written.

        `pgbouncer`: the URL leads to PgBouncer in transaction pooling mode, not to PostgreSQL itself
        (None: as the URL's `pgbouncer=on|off` query parameter says, off without one). Each
        transaction may then run on another server connection, so nothing is prepared on the server
        (psycopg's prepare_threshold=None) and the console's own pool stays small: the pooler shares
        a few server connections among every console. `pool_size`: connections kept open (5
        direct, 2 through PgBouncer)."""
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgres = parsed.get_backend_name() == "postgresql"
        flag = parsed.query.get(PGBOUNCER_PARAMETER)
        if flag is not None:
            parsed = parsed.difference_update_query([PGBOUNCER_PARAMETER])
        self.pgbouncer = pgbouncer if pgbouncer is not None else _on_off(flag, url)
        if self.pgbouncer and not self.is_postgres:
            raise DatabaseUnavailable(
                f"{PGBOUNCER_PARAMETER}=on is for postgresql:// URLs (PgBouncer in front of PostgreSQL), "
                f"not {parsed.get_backend_name()}."
            )
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, busy_timeout_ms, create)
        else:
            connect_args: dict[str, object] = {"connect_timeout": connect_timeout} if self.is_postgres else {}
            if self.pgbouncer:
                # A statement prepared on one server connection is unknown on the next one.
                connect_args["prepare_threshold"] = None
            self.engine = create_engine(
                parsed,
                pool_pre_ping=True,
                pool_size=pool_size if pool_size is not None else (2 if self.pgbouncer else 5),
                max_overflow=3 if self.pgbouncer else 5,
                connect_args=connect_args,
            )
        # Writes on SQLite take the write lock when they begin, so two terminals never
        # interleave a read-then-write (BEGIN IMMEDIATE); on PostgreSQL it is the same engine.
        self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        with translated_errors(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commits when the block ends, rolls back on any error."""
        with translated_errors(), Session(self._write_engine, expire_on_commit=False) as session:
            with session.begin():
                if self.is_postgres:
                    # Shared with every other writer, taken before any row is locked: the audit
                    # sealer (store/audit.seal) waits for the writers in flight, never in a cycle.
                    session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": AUDIT_SEAL_LOCK})
                    session.info["audit_lock"] = True
                yield session

    def typing_commit(self, session: Session) -> None:
        """Text saved as it is typed commits without waiting for PostgreSQL's disk flush: the server
        has it at once (a killed console loses nothing it sent), and only a crash of the database
        server itself within a fraction of a second could lose it. Each keystroke's save is then
        a local round trip, not a disk write. SQLite in WAL mode already commits without a flush."""
        if self.is_postgres:
            session.execute(text("SET LOCAL synchronous_commit = off"))

    def check_connection(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:  # any driver failure before the first statement
            cause = getattr(error, "orig", None) or error
            reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
            raise DatabaseUnavailable(f"Cannot reach the database at {self.safe_url}: {reason}") from error

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


# The URL's query parameter saying it leads to PgBouncer (transaction pooling): `...:6432/callcenter?pgbouncer=on`.
PGBOUNCER_PARAMETER = "pgbouncer"


def _on_off(flag: str | tuple[str, ...] | None, url: str) -> bool:
    if flag is None:
        return False
    text = (flag[-1] if isinstance(flag, tuple) else flag).strip().lower()
    if text in ("on", "yes", "true", "1"):
        return True
    if text in ("off", "no", "false", "0"):
        return False
    safe = make_url(url).render_as_string(hide_password=True)
    raise DatabaseUnavailable(f"{PGBOUNCER_PARAMETER}= wants on or off (got {text[:20]!r} in {safe[:120]}).")


SQLITE_HEADER = b"SQLite format 3\x00"
# PostgreSQL advisory lock: every write transaction holds it shared, the audit sealer alone. So the
# sealer sees no entry still uncommitted below one it seals (ids are taken before commit, in any order).
AUDIT_SEAL_LOCK = 0x6175646974  # "audit"


def checked_sqlite_path(url: str, create: bool) -> Path | None:
    """The database file a sqlite URL names, checked before anything on disk is touched: None for an
    in-memory database. Refused (DatabaseUnavailable, saying what would work): a URL with a host, a
    folder or device, a file that is not a SQLite database, and a missing file unless `create`."""
    parsed = make_url(url)
    if parsed.host:
        raise DatabaseUnavailable(
            f"A sqlite URL has no host ({parsed.host!r} in {url[:80]!r}): write sqlite:///relative/file.db "
            "or sqlite:////absolute/file.db."
        )
    if not parsed.database or parsed.database == ":memory:":
        return None
    path = Path(parsed.database).expanduser()
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise DatabaseUnavailable(f"{path} is not a database file (a folder or a device): give a .db file's path.")
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise DatabaseUnavailable(
                f"{path} is not a SQLite database: give the console's database file, or a path where none exists yet."
            )
        return path
    if not create:
        raise DatabaseUnavailable(
            f"No database at {path}: check --database-url, or create it with `callcenter db upgrade` "
            "(`callcenter seed --demo` for the demo)."
        )
    return path


def _sqlite_engine(url: str, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, create: bool = True) -> Engine:
    path = checked_sqlite_path(url, create)
    if path is not None and not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create_private_file(path)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # We issue BEGIN ourselves (below) so the driver's implicit transactions stay out of the way.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _create_private_file(path: Path) -> None:
    """Children's records live in this file: readable by its owner only. SQLite gives its WAL and
    SHM files the same mode. A file that already exists is someone's: its mode is left alone."""
    old_umask = os.umask(0o077)
    try:
        path.touch(mode=0o600, exist_ok=False)
    finally:
        os.umask(old_umask)
