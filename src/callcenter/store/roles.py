"""PostgreSQL roles: least privilege for every process that is not the database's owner.

- The owner (whoever runs `callcenter db upgrade`) owns the tables and runs migrations.
- The console role reads and writes the line's tables, and may only add to the audit trail and its
  seals: no UPDATE, DELETE or TRUNCATE there, no DDL anywhere; not owning the tables, it can neither
  switch their triggers off nor drop them, and `session_replication_role` is a superuser's setting.
- The web role (the public site) reads the directory, counts its own requests (its rate limits,
  shared by every web process), keeps referral drafts, and may insert a referral and read back its
  status: nothing about callers, children or the line otherwise.

Consoles and the web log in with login roles that are members of these (`callcenter db login`).
SQLite has no roles: whoever can write the file can do anything (README, threat model).
"""

from __future__ import annotations

import re

from sqlalchemy import text

from callcenter.store.db import Database
from callcenter.store.errors import StoreError

DEFAULT_CONSOLE_ROLE = "callcenter_console"
DEFAULT_WEB_ROLE = "callcenter_web"
APPEND_ONLY_TABLES = ("audit", "audit_seal")
DIRECTORY_PREFIXES = ("provider", "hsds_")
WEB_COUNTS_TABLE = "webrequestcount"
WEB_REFERRALS_TABLE = "webreferral"
WEB_DRAFTS_TABLE = "webreferraldraft"
# What the site may read of a referral it sent: enough to find it and say its status.
WEB_REFERRAL_READABLE = "id, reference, phone_last4, status"
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RoleError(StoreError):
    """A role could not be made or granted; the message says what would work."""


def checked_role_name(name: str) -> str:
    name = (name or "").strip()
    if not _ROLE_NAME.fullmatch(name):
        raise RoleError(
            f"{name[:70]!r} is not a usable role name: lower-case letters, digits and _, "
            "starting with a letter (e.g. rep_console_3)."
        )
    return name


def _ensure_group(conn, name: str) -> None:
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}).first()
    if not exists:
        conn.execute(text(f"CREATE ROLE {name} NOLOGIN"))


def apply_grants(db: Database, console_role: str = DEFAULT_CONSOLE_ROLE, web_role: str = DEFAULT_WEB_ROLE) -> None:
    """Create the two group roles if missing and give them exactly their rights on every table the
    migrations made. Run as the owner after each upgrade: new tables get their grants too."""
    if not db.is_postgres:
        return
    console, web = checked_role_name(console_role), checked_role_name(web_role)
    try:
        with db.engine.begin() as conn:
            for role in (console, web):
                _ensure_group(conn, role)
            tables = list(
                conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
            ) + list(conn.execute(text("SELECT matviewname FROM pg_matviews WHERE schemaname = 'public'")).scalars())
            # PostgreSQL before 15 lets everyone create tables in public: only the owner may.
            conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
            conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {console}, {web}"))
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {console}, {web}"))
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {console}"))
            conn.execute(text(f"REVOKE UPDATE, DELETE ON {', '.join(APPEND_ONLY_TABLES)} FROM {console}"))
            conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {console}"))
            conn.execute(text(f"GRANT EXECUTE ON FUNCTION refresh_provider_words() TO {console}"))
            directory = [name for name in tables if name.startswith(DIRECTORY_PREFIXES)]
            if directory:
                conn.execute(text(f"GRANT SELECT ON {', '.join(directory)} TO {web}"))
            # Every command checks the schema's version before it starts: the site does too.
            conn.execute(text(f"GRANT SELECT ON alembic_version TO {web}"))
            if WEB_COUNTS_TABLE in tables:
                conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {WEB_COUNTS_TABLE} TO {web}"))
            if WEB_REFERRALS_TABLE in tables:
                # Referral Connect: it may send a referral and read back its status, nothing of it else.
                conn.execute(text(f"GRANT INSERT ON {WEB_REFERRALS_TABLE} TO {web}"))
                conn.execute(text(f"GRANT SELECT ({WEB_REFERRAL_READABLE}) ON {WEB_REFERRALS_TABLE} TO {web}"))
                conn.execute(text(f"GRANT USAGE ON SEQUENCE {WEB_REFERRALS_TABLE}_id_seq TO {web}"))
                conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {WEB_DRAFTS_TABLE} TO {web}"))
    except StoreError:
        raise
    except Exception as error:  # the login is not the owner, or may not create roles
        reason = (str(getattr(error, "orig", error)).strip().splitlines() or ["refused"])[0]
        raise RoleError(
            f"Could not set the roles' rights ({reason}): run `callcenter db upgrade` as the database's owner."
        ) from error


def create_login(db: Database, name: str, group: str, password: str) -> None:
    """A login for one console host (or the web site), member of its group role."""
    from psycopg import sql

    login, member_of = checked_role_name(name), checked_role_name(group)
    if not db.is_postgres:
        raise RoleError("Logins are PostgreSQL's: a SQLite file has no roles.")
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(login), sql.Literal(password), sql.Identifier(member_of)
                )
            )
        raw.commit()
    except Exception as error:
        raw.rollback()
        reason = (str(error).strip().splitlines() or ["refused"])[0]
        raise RoleError(f"Could not create the login {login} ({reason}).") from error
    finally:
        raw.close()
