"""PostgreSQL least privilege: the console's login may work the line but not undo its audit trail;
the web site's login reads the directory and nothing else. (The store and UI tests on PostgreSQL
all run as this run's console login: tests/dbutil.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from callcenter.store import audit, calls, roles
from callcenter.store.models import AuditEntry
from tests.dbutil import _admin, pg_url

pytestmark = pytest.mark.parametrize("db", ["postgres"], indirect=True)

# What an attacker with a console's login tried; each must be refused by the database itself.
REFUSED = [
    "ALTER TABLE audit DISABLE TRIGGER USER",
    "DELETE FROM audit",
    "UPDATE audit SET action = 'forged'",
    "TRUNCATE audit",
    "SET LOCAL session_replication_role = replica",
    "DROP TRIGGER audit_append_only ON audit",
    "DELETE FROM audit_seal",
    "UPDATE audit_seal SET digest = 'x'",
    "CREATE TABLE planted (id integer)",
    "ALTER TABLE agent ADD COLUMN planted text",
    "DROP TABLE call",
]


def _database(db) -> str:
    return db.engine.url.database


@pytest.mark.parametrize("statement", REFUSED)
def test_the_console_login_is_refused_what_would_undo_the_trail(db, now, statement):
    calls.arrive(db, "877", "(860) 555-0101", now)  # something in the trail to protect
    assert db.engine.url.username != "postgres"
    with pytest.raises(DBAPIError) as refused:
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)
    with db.read() as session:
        assert session.scalar(select(AuditEntry.id).limit(1)) is not None


def test_the_console_login_may_add_to_the_trail_and_work_the_line(db, now):
    """A forged row is possible with the console's rights (every console must add entries): it is
    attributable to that login and host, and sealed like any other (README, the threat model)."""
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO audit (at, agent_id, action, entity, entity_id) VALUES (:at, NULL, 'note', 'agent', 1)"),
            {"at": now},
        )
    call_id = calls.arrive(db, "877", "(860) 555-0102", now)
    assert calls.abandon(db, call_id, now)
    assert audit.seal_all(db) > 0 and audit.verify(db).intact


def test_the_web_login_reads_the_directory_and_nothing_else(db, templates):
    _console, web, _login = templates.console_roles()
    reader = f"{web}_reader"
    _admin(f"CREATE ROLE {reader} LOGIN IN ROLE {web}")
    templates.server.roles.append(reader)  # dropped with the run's other roles
    engine = create_engine(pg_url(_database(db), user=reader))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM provider")).scalar() >= 0
            conn.execute(text("SELECT count(*) FROM hsds_service"))
        for statement in ("SELECT * FROM agent", "SELECT * FROM child", "SELECT * FROM audit", "DELETE FROM provider"):
            with pytest.raises(DBAPIError, match="permission denied"):
                with engine.begin() as conn:
                    conn.execute(text(statement))
    finally:
        engine.dispose()


def test_the_web_login_runs_the_find_care_site_and_counts_its_requests(db, templates, now):
    from starlette.testclient import TestClient

    from callcenter.store.db import Database
    from callcenter.store.directory import refresh_vocabulary
    from callcenter.store.seed import seed_demo
    from callcenter.web.settings import SiteSettings
    from callcenter.web.site import create_site

    seed_demo(db, now)
    refresh_vocabulary(db)
    _console, web, _login = templates.console_roles()
    site_login = f"{web}_site"
    _admin(f"CREATE ROLE {site_login} LOGIN IN ROLE {web}")
    templates.server.roles.append(site_login)
    as_site = Database(pg_url(_database(db), user=site_login))
    try:
        client = TestClient(create_site(as_site, SiteSettings(searches_per_minute=2), lambda: now))
        searched = [client.get("/", params={"q": "anxeity", "place": "Hartford"}) for _ in range(3)]
        assert [page.status_code for page in searched] == [200, 200, 429]
        assert "/providers/" in searched[0].text and "Spelling corrected" in searched[0].text
        assert client.get("/providers/1").status_code == 200
        # The HSDS API reads the directory's tables with the same rights, and nothing more.
        listed = client.get("/hsds/services", params={"per_page": "2", "full": "true"})
        assert listed.status_code == 200 and listed.json()["size"] == 2
        assert client.get("/hsds/service_at_locations", params={"postcode": "06106", "proximity": "8000"}).json()[
            "size"
        ]
        # Referral Connect: it may send a referral (the database adds the entry and the promise) and
        # read back its status, and nothing else of it.
        from datetime import timedelta

        from callcenter.store import web_referrals
        from tests.store.test_web_referrals import ANSWERS

        web_referrals.save_draft(as_site, "draft-token", dict(ANSWERS), now)
        assert web_referrals.load_draft(as_site, "draft-token", now) == ANSWERS
        sent = web_referrals.send(
            as_site, dict(ANSWERS), now, now + timedelta(days=1), language="en", client_address="::1"
        )
        assert web_referrals.status_of(as_site, sent.reference, "0142") == "received"
        with db.read() as session:
            waiting = session.execute(
                text("SELECT state FROM call WHERE id = (SELECT call_id FROM webreferral WHERE reference = :r)"),
                {"r": sent.reference},
            ).scalar()
        assert waiting == "waiting"
        for statement in (
            "SELECT * FROM child",
            "SELECT answers FROM webreferral",
            "SELECT * FROM call",
            "UPDATE webreferral SET status = 'linked'",
            "DELETE FROM webreferral",
            "INSERT INTO task (kind, title, state, due_at, original_due_at, version) "
            "VALUES ('x', 'x', 'open', now(), now(), 1)",
        ):
            with pytest.raises(DBAPIError, match="permission denied"):
                with as_site.engine.begin() as conn:
                    conn.execute(text(statement))
    finally:
        as_site.dispose()


@pytest.mark.slow
def test_callcenter_web_starts_and_serves_as_the_web_login(db, templates, now):
    """The command itself, as the README runs it: it checks the schema's version before serving."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from callcenter.store.seed import seed_demo

    seed_demo(db, now)
    _console, web, _login = templates.console_roles()
    site_login = f"{web}_cli"
    _admin(f"CREATE ROLE {site_login} LOGIN IN ROLE {web}")
    templates.server.roles.append(site_login)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith("CALLCENTER_")}
    env["CALLCENTER_DATABASE_URL"] = pg_url(_database(db), user=site_login)
    server = subprocess.Popen(
        [sys.executable, "-m", "callcenter", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        page = None
        deadline = time.monotonic() + 60
        while page is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/?place=Hartford", timeout=5) as answer:
                    page = answer.read().decode()
            except OSError:
                time.sleep(0.3)
        assert page is not None, server.stdout.read().decode() if server.poll() is not None else "no answer"
        assert "places found near Hartford" in page
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


def test_a_login_without_rights_is_told_who_can_give_them(db, templates):
    import subprocess
    import sys

    console, _web, _login = templates.console_roles()
    bare = f"{console}_bare"
    _admin(f"CREATE ROLE {bare} LOGIN")
    templates.server.roles.append(bare)
    refused = subprocess.run(
        [sys.executable, "-m", "callcenter", "--database-url", pg_url(_database(db), user=bare), "web"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "may not read the schema's version" in refused.stderr and "callcenter db upgrade" in refused.stderr


def test_a_login_made_by_the_owner_has_the_console_rights(db, templates):
    console, _web, _login = templates.console_roles()
    owner = type(db)(db.owner_url)
    name = f"{console}_frontdesk"
    templates.server.roles.append(name)
    roles.create_login(owner, name, console, "a long enough password")
    owner.dispose()
    engine = create_engine(pg_url(_database(db), user=name))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM line")).scalar() == 5
        with pytest.raises(DBAPIError, match="permission denied"):
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM audit"))
    finally:
        engine.dispose()


def test_role_names_are_checked_before_any_statement(db):
    with pytest.raises(roles.RoleError):
        roles.apply_grants(db, "console; DROP TABLE audit", "web")
    with pytest.raises(roles.RoleError) as refused:
        roles.apply_grants(db, "fine_console_name", "fine_web_name")  # not the owner: says who should
    assert "as the database's owner" in refused.value.message
