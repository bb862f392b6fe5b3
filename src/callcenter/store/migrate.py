"""Schema changes go through alembic migrations, never create_all on a live database."""

from __future__ import annotations

from sqlalchemy import text

from callcenter.store.db import Database

# The newest revision in migrations/versions. Start-up compares the database against this
# constant so that alembic (a tenth of a second to import) loads only when there is work to do;
# tests/store/test_migrations.py keeps it equal to alembic's own head.
SCHEMA_HEAD = "0026"


def _config(db: Database):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "callcenter.store:migrations")
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def head_revision(db: Database) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception as error:  # no version table yet: an empty database
            if "permission denied" in str(error):
                raise  # a login without its rights: the caller says who can give them
            return None


def upgrade(db: Database, revision: str = "head") -> None:
    from alembic import command

    config = _config(db)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def needs_upgrade(db: Database) -> bool:
    return current_revision(db) != SCHEMA_HEAD
