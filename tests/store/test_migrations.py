import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from callcenter.store import audit, migrate
from callcenter.store.models import AuditEntry


def test_schema_head_constant_matches_alembic(db):
    assert migrate.head_revision(db) == migrate.SCHEMA_HEAD
    assert migrate.current_revision(db) == migrate.SCHEMA_HEAD
    assert not migrate.needs_upgrade(db)


def test_upgrade_twice_is_harmless(db):
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.SCHEMA_HEAD


def test_audit_trail_refuses_update_and_delete(db, now):
    """The triggers, tried as the owner (the console's login is refused before them: test_database_roles)."""
    from sqlalchemy import create_engine

    with db.write() as session:
        audit.record(session, at=now, agent_id=None, action="create", entity="call", entity_id=1)
    engine = create_engine(getattr(db, "owner_url", db.url))
    for statement in ("UPDATE audit SET action = 'forged'", "DELETE FROM audit"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    engine.dispose()
    with db.read() as session:
        assert [row.action for row in session.query(AuditEntry)] == ["create"]


def test_sqlite_file_is_private_and_in_wal_mode(tmp_path):
    from callcenter.store.db import Database

    path = tmp_path / "private.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert path.stat().st_mode & 0o777 == 0o600
        wal = tmp_path / "private.db-wal"
        assert wal.exists()  # the open connection keeps the WAL
        assert wal.stat().st_mode & 0o777 == 0o600
    db.dispose()


# The search structures each engine keeps outside the models: FTS5 tables on SQLite, tsvector
# columns and their GIN indexes on PostgreSQL (created by migrations alone).
ENGINE_SEARCH_OBJECTS = ("provider_fts", "provider_vocab", "search_vector", "title_vector", "contact_fts", "_trigram")


def test_migrated_schema_matches_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from callcenter.store import models

    models.declare_partial_indexes()

    def compared(obj, name, type_, reflected, compare_to) -> bool:
        return not (name or "").startswith(ENGINE_SEARCH_OBJECTS) and not (name or "").endswith(ENGINE_SEARCH_OBJECTS)

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": compared})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_loading_the_models_does_not_load_another_engines_dialect():
    """Start-up cost: the models name no dialect, so a SQLite console never imports PostgreSQL's."""
    import subprocess
    import sys

    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, callcenter.store.models; "
            "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert loaded == "[]"
