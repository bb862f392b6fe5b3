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
    with db.write() as session:
        audit.record(session, at=now, agent_id=None, action="create", entity="call", entity_id=1)
    for statement in ("UPDATE audit SET action = 'forged'", "DELETE FROM audit"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
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
