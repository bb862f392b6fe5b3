"""The `callcenter` command as scripts and the phone system use it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from callcenter.store import migrate


def run(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callcenter", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=None if env is None else {**os.environ, **env},
    )


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def count_calls(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute("SELECT count(*) FROM call").fetchone()[0]


def test_upgrade_seed_and_arrive(db_url):
    upgraded = run("--database-url", db_url, "db", "upgrade")
    assert upgraded.returncode == 0 and f"schema at {migrate.SCHEMA_HEAD}" in upgraded.stdout
    assert run("--database-url", db_url, "db", "current").stdout.strip() == migrate.SCHEMA_HEAD
    seeded = run("--database-url", db_url, "seed", "--demo")
    assert seeded.returncode == 0 and "320 providers" in seeded.stdout
    again = run("--database-url", db_url, "seed", "--demo")
    assert "already present" in again.stdout
    before = count_calls(db_url)
    arrived = run("--database-url", db_url, "call", "arrive", "--line", "877", "--from", "(203) 555-0143")
    assert arrived.returncode == 0, arrived.stderr
    call_id = int(arrived.stdout.strip())
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        row = conn.execute("SELECT caller_number, state FROM call WHERE id = ?", (call_id,)).fetchone()
    assert row == ("+12035550143", "waiting")
    assert count_calls(db_url) == before + 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--line", "877", "--from", "555-01"], "wrong number of digits"),
        (["--line", "877", "--from", "call me maybe"], "not a phone number"),
        (["--line", "999", "--from", "(203) 555-0143"], "Unknown line"),
        (["--line", "877"], "needs a number"),
    ],
)
def test_bad_arrivals_are_one_line_errors_and_write_nothing(db_url, args, message):
    run("--database-url", db_url, "seed", "--demo")
    before = count_calls(db_url)
    result = run("--database-url", db_url, "call", "arrive", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert count_calls(db_url) == before


def test_unreachable_database_is_a_one_line_error():
    result = run(
        "--database-url",
        "postgresql://postgres@127.0.0.1:1/nowhere",
        "call",
        "arrive",
        "--line",
        "877",
        "--from",
        "(203) 555-0143",
    )
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Cannot reach the database" in result.stderr


def test_hangup_marks_a_waiting_caller_abandoned(db_url):
    run("--database-url", db_url, "db", "upgrade")
    run("--database-url", db_url, "seed")
    call_id = run("--database-url", db_url, "call", "arrive", "--line", "tty", "--from", "860 555 0100").stdout.strip()
    first = run("--database-url", db_url, "call", "hangup", "--id", call_id)
    assert first.returncode == 0 and "abandoned" in first.stdout
    second = run("--database-url", db_url, "call", "hangup", "--id", call_id)
    assert second.returncode != 0 and "not waiting" in second.stderr


def test_simulate_writes_arrivals_and_hangups(db_url):
    run("--database-url", db_url, "seed")
    result = run(
        "--database-url",
        db_url,
        "simulate",
        "--minutes",
        "10",
        "--speed",
        "600",
        "--rate",
        "877=600",
        "--seed",
        "7",
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    arrivals, abandoned = int(summary.split()[0]), int(summary.split()[2])
    assert arrivals > 50 and abandoned > 0
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM call GROUP BY state").fetchall())
    assert states.get("abandoned") == abandoned
    assert sum(states.values()) == arrivals


def test_simulate_refuses_a_bad_rate(db_url):
    result = run("--database-url", db_url, "simulate", "--rate", "877=fast")
    assert result.returncode == 2 and "not a number" in result.stderr


def test_background_feed_fills_the_queue_and_stops(tmp_path):
    import time

    from callcenter.simulate import start_background_feed
    from callcenter.store import calls, migrate, seed
    from callcenter.store.db import Database

    db = Database(f"sqlite:///{tmp_path / 'feed.db'}")
    migrate.upgrade(db)
    seed.ensure_lines(db)
    stop = start_background_feed(db, {"877": 36_000.0})  # ten a second
    deadline = time.monotonic() + 10
    while calls.board(db, None).waiting_total < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    time.sleep(0.3)
    settled = calls.board(db, None).waiting_total
    assert settled >= 5
    time.sleep(0.5)
    assert calls.board(db, None).waiting_total == settled  # stopped: no more arrivals
    db.dispose()


# Directory import/export (Open Referral HSDS packages).
import json  # noqa: E402
from pathlib import Path  # noqa: E402

HSDS_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hsds"


def test_directory_import_and_export_round_trip(db_url, tmp_path):
    imported = run("--database-url", db_url, "directory", "import", str(HSDS_FIXTURES / "good"))
    assert imported.returncode == 0, imported.stderr
    assert "service: 7 imported, 0 updated, 0 unchanged" in imported.stdout
    assert "provider: 8 imported" in imported.stdout and "bad row" not in imported.stdout
    exported = run("--database-url", db_url, "directory", "export", str(tmp_path / "csv"))
    assert exported.returncode == 0, exported.stderr
    assert "wrote 7 services, 8 service_at_locations and 3 organizations" in exported.stdout
    assert (tmp_path / "csv" / "datapackage.json").is_file() and (tmp_path / "csv" / "attributes.csv").is_file()
    as_json = run("--database-url", db_url, "directory", "export", str(tmp_path / "out.json"))
    assert as_json.returncode == 0 and "(json)" in as_json.stdout
    assert len(json.loads((tmp_path / "out.json").read_text())) == 7
    forced = run("--database-url", db_url, "directory", "export", "--format", "json", str(tmp_path / "services"))
    assert forced.returncode == 0 and (tmp_path / "services").is_file()
    again = run("--database-url", db_url, "directory", "import", str(tmp_path / "out.json"))
    assert again.returncode == 0, again.stderr
    assert "service: 0 imported, 0 updated, 7 unchanged" in again.stdout
    assert "provider: 0 imported, 0 updated, 8 unchanged" in again.stdout
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT count(*) FROM provider").fetchone()[0] == 8


def test_directory_import_lists_each_bad_row(db_url):
    result = run("--database-url", db_url, "directory", "import", str(HSDS_FIXTURES / "broken"))
    assert result.returncode == 0, result.stderr  # the good rows went in
    lines = result.stdout.splitlines()
    assert "25 bad rows not imported:" in lines
    assert "organizations.csv:3: missing name" in lines
    assert any(line.startswith("services.csv:6: bad age range") for line in lines)
    assert any(line.startswith("phones.csv:3: bad phone number") for line in lines)
    assert "taxonomy_terms.csv:3: missing name" in lines
    assert "provider: 1 imported, 0 updated, 0 unchanged" in lines


def test_directory_import_of_nothing_readable_fails(db_url, tmp_path):
    missing = run("--database-url", db_url, "directory", "import", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "No such file or folder" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "Traceback" not in missing.stderr
    (tmp_path / "broken.json").write_text("{not json")
    garbled = run("--database-url", db_url, "directory", "import", str(tmp_path / "broken.json"))
    assert garbled.returncode == 1 and "broken.json:1: not valid JSON" in garbled.stderr
    (tmp_path / "all-bad").mkdir()
    (tmp_path / "all-bad" / "services.csv").write_text("id,name\n,No id\n")
    all_bad = run("--database-url", db_url, "directory", "import", str(tmp_path / "all-bad"))
    assert all_bad.returncode == 1 and "services.csv:2: missing service id" in all_bad.stdout


def test_a_setting_the_line_cannot_use_stops_the_console_with_its_reason(tmp_path):
    import os

    env = {**os.environ, "CALLCENTER_CONSULT_PROMISE": "2 weeks"}
    result = subprocess.run(
        [sys.executable, "-m", "callcenter", "--database-url", f"sqlite:///{tmp_path}/x.db"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "Weeks are ambiguous" in result.stderr and "business days" in result.stderr
    assert not (tmp_path / "x.db").exists()  # stopped before touching the database


# The contact log as CSV, for the line's reports.
import csv  # noqa: E402

from callcenter.domain.contacts import CSV_COLUMNS  # noqa: E402


def test_log_export_writes_the_filtered_log_as_csv(db_url, tmp_path):
    run("--database-url", db_url, "seed", "--demo")
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        voice = conn.execute("SELECT count(*) FROM contact WHERE channel = 'voice'").fetchone()[0]
        number, calls_from_it = conn.execute(
            "SELECT other_number, count(*) FROM contact WHERE other_number IS NOT NULL GROUP BY other_number "
            "ORDER BY count(*) DESC, other_number"
        ).fetchone()
    assert voice > 0
    out = tmp_path / "log.csv"
    written = run("--database-url", db_url, "log", "export", "--out", str(out), "--channel", "voice")
    assert written.returncode == 0, written.stderr
    assert written.stderr.strip() == f"{voice} contacts written to {out}"
    rows = list(csv.reader(out.open(newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == voice + 1
    assert {row[CSV_COLUMNS.index("channel")] for row in rows[1:]} == {"voice"}
    assert out.stat().st_mode & 0o777 == 0o600  # callers' names and children's initials
    dotted = f"{number[2:5]}.{number[5:8]}.{number[8:]}"  # +12035550143 -> 203.555.0143
    found = run("--database-url", db_url, "log", "export", "--search", dotted)
    assert found.returncode == 0, found.stderr
    assert len(list(csv.reader(found.stdout.splitlines()))) == calls_from_it + 1
    nothing = run("--database-url", db_url, "log", "export", "--channel", "fax", "--status", "open")
    assert nothing.returncode == 0 and nothing.stdout.splitlines() == [",".join(CSV_COLUMNS)]


def test_log_export_refuses_a_bad_filter_before_touching_the_database(tmp_path):
    result = run(
        "--database-url",
        f"sqlite:///{tmp_path / 'never.db'}",
        "log",
        "export",
        "--channel",
        "pager",
        "--since",
        "someday",
        "--status",
        "late",
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "callcenter: Channel: voice, TTY, fax or web.",
        "callcenter: Follow-up: open or done.",
        "callcenter: From: 'someday' is not a date; type e.g. 11/1 or 11/1/2026.",
    ]
    assert not (tmp_path / "never.db").exists()


# The supervisor's daily report.
REPORT_DAY = "2025-11-03"  # a Monday, in New York


def _fill_report_day(db_url: str) -> None:
    """One day's calls on 877 and 866, with one just before and one just after local midnight."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from callcenter.store.db import Database
    from callcenter.store.models import Agent, Call, Line

    def at(hour, minute=0, second=0, day=3):
        return datetime(2025, 11, day, hour, minute, second, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)

    db = Database(db_url)
    with db.write() as session:
        lines = {line.code: line.id for line in session.query(Line)}
        alex = Agent(username="alex", display_name="Alex Rivera", role="rep")
        jordan = Agent(username="jordan", display_name="Jordan Chen", role="rep")
        session.add_all([alex, jordan])
        session.flush()
        plan = [  # line, arrived, seconds to answer (None: hung up), seconds talked or waited, agent
            ("877", at(9), 10, 300, alex),
            ("877", at(10), 40, 180, alex),
            ("877", at(11), None, 3, None),  # a short abandon
            ("877", at(12), None, 60, None),
            ("877", at(23, 30), 5, 120, jordan),  # 04:30 UTC the next day: still this local day
            ("866", at(14), 20, 600, jordan),
            ("877", at(0, 30, day=4), 5, 60, alex),  # the next local day
        ]
        for code, arrived, answer, length, agent in plan:
            answered = None if answer is None else arrived + timedelta(seconds=answer)
            ended = (answered or arrived) + timedelta(seconds=length)
            session.add(
                Call(
                    line_id=lines[code],
                    channel="voice",
                    arrived_at=arrived,
                    answered_at=answered,
                    ended_at=ended,
                    state="ended" if answered else "abandoned",
                    agent_id=agent.id if agent else None,
                )
            )
    db.dispose()


def test_report_prints_a_days_figures_per_line_and_agent(db_url):
    run("--database-url", db_url, "seed")
    _fill_report_day(db_url)
    result = run("--database-url", db_url, "report", "--date", REPORT_DAY)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Figures for Monday 03 Nov 2025 (America/New_York, midnight to midnight): the calls that arrived "
        "that day, each with its outcome as known now"
    )
    main = next(line for line in lines if line.startswith("877 "))
    # offered, answered, abandoned, short, service level 2 / (3 + 1), ASA 55 s / 3, long abandons 1 / 4, AHT 600 s / 3
    assert main.split()[-8:] == ["5", "3", "2", "1", "50.0%", "0:18", "25.0%", "3:20"]
    assert next(line for line in lines if line.startswith("866 ")).split()[-8:] == [
        "1",
        "1",
        "0",
        "0",
        "100.0%",
        "0:20",
        "0.0%",
        "10:00",
    ]
    assert next(line for line in lines if line.startswith("fax ")).split()[-8:] == [
        "0",
        "0",
        "0",
        "0",
        "-",
        "-",
        "-",
        "-",
    ]
    # Calls, talk time, average handle time; no state log for agents added straight into the table.
    assert next(line for line in lines if line.startswith("Alex Rivera")).split()[2:5] == ["2", "8:00", "4:00"]
    assert next(line for line in lines if line.startswith("Jordan Chen")).split()[2:5] == ["2", "12:00", "6:00"]


def test_report_as_csv(db_url):
    import csv

    run("--database-url", db_url, "seed")
    _fill_report_day(db_url)
    result = run("--database-url", db_url, "report", "--date", REPORT_DAY, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    by_key = {(row["section"], row["name"]): row for row in rows}
    main = by_key[("line", "Main access line")]
    assert [
        main[key]
        for key in (
            "offered",
            "answered",
            "abandoned",
            "short_abandons",
            "service_level",
            "asa_seconds",
            "abandonment_rate",
            "aht_seconds",
        )
    ] == ["5", "3", "2", "1", "0.5", "18.3", "0.25", "200.0"]
    assert by_key[("line", "Web referral")]["service_level"] == ""  # nothing to measure: empty, not 0
    alex = by_key[("agent", "Alex Rivera")]
    assert (alex["calls_handled"], alex["talk_seconds"]) == ("2", "480.0")
    assert [row["section"] for row in rows] == ["line"] * 5 + ["agent"] * 2


def test_report_csv_defuses_a_name_that_would_run_as_a_formula(db_url):
    """Every export is written by one CSV writer: a display name typed as a formula stays text."""
    import csv

    from sqlalchemy import update

    from callcenter.store.db import Database
    from callcenter.store.models import Agent

    run("--database-url", db_url, "seed")
    _fill_report_day(db_url)
    db = Database(db_url)
    with db.write() as session:
        session.execute(
            update(Agent).where(Agent.username == "alex").values(display_name='=HYPERLINK("http://x.example","a")')
        )
    db.dispose()
    result = run("--database-url", db_url, "report", "--date", REPORT_DAY, "--format", "csv")
    assert result.returncode == 0, result.stderr
    names = [row["name"] for row in csv.DictReader(result.stdout.splitlines()) if row["section"] == "agent"]
    assert '\'=HYPERLINK("http://x.example","a")' in names
    assert not any(name.startswith("=") for name in names)


@pytest.mark.parametrize("bad", ["2025-13-01", "11/3/2025", "yesterday", "20251103", ""])
def test_report_refuses_a_bad_date_before_touching_the_database(tmp_path, bad):
    result = run("--database-url", f"sqlite:///{tmp_path / 'never.db'}", "report", "--date", bad)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"callcenter: --date wants a day as YYYY-MM-DD, e.g. 2026-11-23 (got {bad!r})."
    ]
    assert not (tmp_path / "never.db").exists()


def test_report_refuses_a_day_still_to_come(tmp_path):
    result = run("--database-url", f"sqlite:///{tmp_path / 'never.db'}", "report", "--date", "2999-01-01")
    assert result.returncode == 2 and "has not happened yet" in result.stderr
    assert not (tmp_path / "never.db").exists()


# The audit trail, read from the shell.
def _fill_audit(db_url: str) -> None:
    """Three entries on Nov 3 and 4, 2025 (New York), two of them about child 7."""
    from datetime import UTC, datetime

    from callcenter.store import audit
    from callcenter.store.db import Database
    from callcenter.store.models import Agent

    db = Database(db_url)
    with db.write() as session:
        sam = Agent(username="sam", display_name='=HYPERLINK("http://x","Sam")', role="supervisor")
        alex = Agent(username="alex", display_name="Alex Rivera", role="rep")
        session.add_all([sam, alex])
        session.flush()
        audit.record(
            session,
            at=datetime(2025, 11, 3, 14, 0, 5, tzinfo=UTC),
            agent_id=alex.id,
            action="submit",
            entity="intake",
            entity_id=12,
            child_id=7,
            screen="intake",
            detail={"urgency": "routine", "promise_id": 3},
        )
        audit.record(
            session,
            at=datetime(2025, 11, 3, 15, 30, tzinfo=UTC),
            agent_id=sam.id,
            action="reassign",
            entity="task",
            entity_id=3,
            child_id=7,
            screen="monitor",
            detail={"note": "=cmd|' /C calc'!A0"},
        )
        audit.record(
            session,
            at=datetime(2025, 11, 4, 16, 0, tzinfo=UTC),
            agent_id=None,
            action="breach",
            entity="task",
            entity_id=9,
            screen="timers",
        )
    db.dispose()


def test_audit_prints_the_trail_newest_first_in_line_time(db_url):
    run("--database-url", db_url, "seed")
    _fill_audit(db_url)
    result = run("--database-url", db_url, "audit", "--child", "7")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["When", "Agent", "Action", "Record", "Child", "Screen", "Detail"]
    assert [line.split() for line in lines[1:]] == [
        ["2025-11-03", "10:30:00", "sam", "reassign", "task#3", "7", "monitor", "note==cmd|'", "/C", "calc'!A0"],
        ["2025-11-03", "09:00:05", "alex", "submit", "intake#12", "7", "intake", "promise_id=3", "urgency=routine"],
    ]
    everyone = run("--database-url", db_url, "audit", "--since", "2025-11-04", "--until", "11/4/2025")
    assert [line.split()[2:4] for line in everyone.stdout.splitlines()[1:]] == [["system", "breach"]]
    by_agent = run("--database-url", db_url, "audit", "--agent", "ALEX", "--action", "submit", "--limit", "5")
    assert len(by_agent.stdout.splitlines()) == 2 and "intake#12" in by_agent.stdout
    swept = run("--database-url", db_url, "audit", "--screen", "promises")  # written under its earlier name
    assert [line.split()[2:5] for line in swept.stdout.splitlines()[1:]] == [["system", "breach", "task#9"]]
    nothing = run("--database-url", db_url, "audit", "--action", "link_child")
    assert nothing.returncode == 0 and len(nothing.stdout.splitlines()) == 1
    assert "no entries match" in nothing.stderr


def test_the_line_time_zone_setting_moves_every_printed_time_and_a_bad_one_stops_first(db_url, tmp_path):
    run("--database-url", db_url, "seed")
    _fill_audit(db_url)
    central = run("--database-url", db_url, "audit", "--child", "7", env={"CALLCENTER_TIME_ZONE": "America/Chicago"})
    assert [line.split()[:2] for line in central.stdout.splitlines()[1:]] == [
        ["2025-11-03", "09:30:00"],
        ["2025-11-03", "08:00:05"],
    ]
    never = tmp_path / "never.db"
    bad = run("--database-url", f"sqlite:///{never}", "audit", env={"CALLCENTER_TIME_ZONE": "Mars/Base"})
    assert bad.returncode == 2 and "setting not usable: Unknown time zone 'Mars/Base'" in bad.stderr
    assert not never.exists()


def test_audit_as_csv_defuses_formulas(db_url):
    from callcenter.domain.audit import CSV_COLUMNS

    run("--database-url", db_url, "seed")
    _fill_audit(db_url)
    result = run("--database-url", db_url, "audit", "--format", "csv", "--limit", "2")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [(row["when"], row["agent"], row["action"], row["entity_id"], row["child_id"]) for row in rows] == [
        ("2025-11-04 11:00:00", "system", "breach", "9", ""),
        ("2025-11-03 10:30:00", "sam", "reassign", "3", "7"),
    ]
    assert json.loads(rows[1]["detail"]) == {"note": "=cmd|' /C calc'!A0"}  # inside JSON: no leading =
    assert rows[1]["agent_name"] == '\'=HYPERLINK("http://x","Sam")'  # a name that would run: quoted


def test_audit_refuses_a_bad_filter_before_touching_the_database(tmp_path):
    result = run(
        "--database-url",
        f"sqlite:///{tmp_path / 'never.db'}",
        "audit",
        "--child",
        "x7",
        "--since",
        "someday",
        "--limit",
        "-3",
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "callcenter: Child: 'x7' is not a child's record number; type it in digits, e.g. 42.",
        "callcenter: Limit: '-3' is not a number of entries; type one from 1 to 100,000.",
        "callcenter: Since: 'someday' is not a date; type e.g. 11/1 or 11/1/2026.",
    ]
    assert not (tmp_path / "never.db").exists()


def test_audit_names_an_unknown_agent(db_url):
    run("--database-url", db_url, "seed")
    result = run("--database-url", db_url, "audit", "--agent", "nobody")
    assert result.returncode == 2
    assert result.stderr.strip() == "callcenter: No agent with the username 'nobody'; check the spelling."


# Agents' accounts from the shell: passwords come from stdin (or getpass at a terminal), never argv.
from callcenter.domain.errors import ValidationError  # noqa: E402
from tests.dbutil import FIXED_NOW  # noqa: E402


def run_with_input(*args: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callcenter", *args], capture_output=True, text=True, timeout=60, input=stdin
    )


def _account(url: str, username: str):
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute(
            "SELECT active, failed_logins, password_hash, role, display_name FROM agent WHERE username = ?", (username,)
        ).fetchone()


def test_agent_add_reset_disable_enable_and_list(db_url):
    from callcenter.store import agents
    from callcenter.store.db import Database

    added = run_with_input(
        "--database-url",
        db_url,
        "agent",
        "add",
        "T.Nguyen",
        "--name",
        "Thu Nguyen",
        "--role",
        "supervisor",
        stdin="first-good-password\n",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added t.nguyen (Thu Nguyen, supervisor)"
    active, failed, stored, role, name = _account(db_url, "t.nguyen")
    assert (active, failed, role, name) == (1, 0, "supervisor", "Thu Nguyen")
    assert stored.startswith("$argon2id$") and "first-good-password" not in stored
    db = Database(db_url)
    try:
        assert agents.sign_in(db, "t.nguyen", "first-good-password", FIXED_NOW).username == "t.nguyen"
        for guess in ("wrong-guess-1", "wrong-guess-2", "wrong-guess-3", "wrong-guess-4", "wrong-guess-5"):
            with pytest.raises(ValidationError):
                agents.sign_in(db, "t.nguyen", guess, FIXED_NOW)
    finally:
        db.dispose()
    listed = run("--database-url", db_url, "agent", "list")
    assert listed.returncode == 0 and listed.stdout.splitlines()[0].split() == [
        "Username",
        "Name",
        "Role",
        "State",
        "Account",
    ]
    assert listed.stdout.splitlines()[1].split() == ["t.nguyen", "Thu", "Nguyen", "supervisor", "available", "locked"]

    reset = run_with_input(
        "--database-url", db_url, "agent", "reset-password", "t.nguyen", stdin="second-good-password\n"
    )
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.strip() == "password set for t.nguyen (account unlocked)"
    assert _account(db_url, "t.nguyen")[1] == 0

    disabled = run("--database-url", db_url, "agent", "disable", "t.nguyen")
    assert disabled.returncode == 0 and "t.nguyen disabled" in disabled.stdout
    assert _account(db_url, "t.nguyen")[0] == 0
    assert "disabled" in run("--database-url", db_url, "agent", "list").stdout
    again = run("--database-url", db_url, "agent", "disable", "t.nguyen")
    assert again.returncode == 1 and again.stderr.strip() == "callcenter: Thu Nguyen is already disabled."
    enabled = run("--database-url", db_url, "agent", "enable", "t.nguyen")
    assert enabled.returncode == 0 and _account(db_url, "t.nguyen")[0] == 1

    db = Database(db_url)
    try:
        assert agents.sign_in(db, "t.nguyen", "second-good-password", FIXED_NOW).active
    finally:
        db.dispose()
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        trail = conn.execute(
            "SELECT action, agent_id, coalesce(detail, '') FROM audit WHERE entity = 'agent' "
            "AND action IN ('add_agent', 'reset_password', 'disable_agent', 'enable_agent') "
            "ORDER BY id"
        ).fetchall()
    assert [(action, actor) for action, actor, _ in trail] == [
        ("add_agent", None),
        ("reset_password", None),
        ("disable_agent", None),
        ("enable_agent", None),
    ]
    assert not any("password-" in detail or "argon2" in detail or "scrypt" in detail for _, _, detail in trail)


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["add", "j smith", "--name", "J", "--role", "rep"], "a-good-password\n", "Username: only letters"),
        (["add", "jsmith", "--name", "  ", "--role", "rep"], "a-good-password\n", "Name: type the name"),
        (["add", "jsmith", "--name", "J Smith", "--role", "rep"], "short\n", "Password: at least 10 characters"),
        (["add", "jsmith", "--name", "J Smith", "--role", "rep"], "", "No password on standard input"),
        (["add", "alex", "--name", "Alex Two", "--role", "rep"], "a-good-password\n", "Username 'alex' is taken"),
        (["reset-password", "nobody"], "a-good-password\n", "No agent named 'nobody'"),
        (["disable", "nobody"], "", "No agent named 'nobody'"),
    ],
)
def test_agent_commands_refuse_bad_input_in_one_line(db_url, args, stdin, message):
    run("--database-url", db_url, "seed", "--demo")
    before = _account(db_url, "alex")
    result = run_with_input("--database-url", db_url, "agent", *args, stdin=stdin)
    assert result.returncode == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and "a-good-password" not in result.stderr + result.stdout
    assert _account(db_url, "alex") == before
    assert _account(db_url, "jsmith") is None


def test_agent_add_asks_twice_at_a_terminal(db_url, monkeypatch, capsys):
    import getpass

    from callcenter.cli import main

    class Terminal:
        def isatty(self) -> bool:
            return True

        def readline(self) -> str:  # pragma: no cover - a terminal is asked through getpass
            raise AssertionError("the password must not be read as plain input at a terminal")

    monkeypatch.setattr(sys, "stdin", Terminal())
    answers = iter(["typed-at-terminal", "typed-at-terminaL"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert main(["--database-url", db_url, "agent", "add", "kim", "--name", "Kim Lee", "--role", "rep"]) == 1
    assert "The two passwords differ" in capsys.readouterr().err
    assert not _table_has_agent(db_url, "kim")

    prompts = []
    answers = iter(["typed-at-terminal", "typed-at-terminal"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": prompts.append(prompt) or next(answers))
    assert main(["--database-url", db_url, "agent", "add", "kim", "--name", "Kim Lee", "--role", "rep"]) == 0
    assert prompts == ["New password for kim: ", "Type it again: "]
    assert _account(db_url, "kim")[3] == "rep"
    # The care team's roles too.
    answers = iter(["a-case-manager-1", "a-case-manager-1", "a-peer-specialist-1", "a-peer-specialist-1"])
    for username, role in (("rosa", "case_manager"), ("tina", "peer_specialist")):
        assert (
            main(["--database-url", db_url, "agent", "add", username, "--name", username.title(), "--role", role]) == 0
        )
        assert _account(db_url, username)[3] == role


def _table_has_agent(url: str, username: str) -> bool:
    import os

    if not os.path.exists(url.removeprefix("sqlite:///")):
        return False
    return _account(url, username) is not None


def test_a_bad_lock_limit_stops_the_console_before_the_database(tmp_path):
    import os

    env = {**os.environ, "CALLCENTER_MAX_FAILED_SIGNINS": "lots"}
    result = subprocess.run(
        [sys.executable, "-m", "callcenter", "--database-url", f"sqlite:///{tmp_path}/x.db"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "CALLCENTER_MAX_FAILED_SIGNINS wants a whole number from 1 to 100" in result.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("url", ["", "   "])
def test_an_empty_database_url_is_refused_not_read_as_the_default(tmp_path, url):
    home = tmp_path / "home"
    result = run("--database-url", url, "seed", env={"HOME": str(home), "XDG_DATA_HOME": str(home / "data")})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--database-url: is empty" in result.stderr
    assert not home.exists()  # no default database was made


@pytest.mark.parametrize("call_id", ["2147483648", str(2**63), "0", "-4", "seven"])
def test_a_call_id_out_of_range_is_one_clear_line(db_url, call_id):
    run("--database-url", db_url, "seed")
    result = run("--database-url", db_url, "call", "hangup", "--id", call_id)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "argument --id: must be a whole number from 1 to 2147483647" in result.stderr


def test_a_huge_line_value_is_not_echoed_back_whole(db_url):
    run("--database-url", db_url, "seed")
    result = run("--database-url", db_url, "call", "arrive", "--line", "x" * 120_000)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Unknown line" in result.stderr and len(result.stderr) < 300


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_a_database_url_naming_a_folder_or_another_file_is_refused_untouched(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    notes.chmod(0o644)
    for target, words in ((folder, "is not a database file"), (notes, "is not a SQLite database")):
        result = run("--database-url", f"sqlite:///{target}", "seed")
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert words in result.stderr
        assert _mode(target) in (0o755, 0o644)
    assert notes.read_text() == "shopping list\n"
    assert sorted(path.name for path in folder.iterdir()) == []


def test_a_command_that_reads_never_creates_a_database(tmp_path):
    missing = tmp_path / "not" / "there" / "cc.db"
    for command in (["report", "--date", "2025-11-03"], ["audit"], ["log", "export", "--out", "-"], ["db", "current"]):
        result = run("--database-url", f"sqlite:///{missing}", *command)
        assert result.returncode != 0 and "Traceback" not in result.stderr, command
        assert "No database at" in result.stderr, command
    assert not (tmp_path / "not").exists()


def test_a_sqlite_url_with_a_host_is_refused_before_any_file_is_made(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "callcenter", "--database-url", "sqlite://tmp/x.db", "seed"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "A sqlite URL has no host" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_password_in_the_database_url_is_warned_about(tmp_path):
    result = run("--database-url", "postgresql://someone:s3cret@127.0.0.1:1/nowhere", "db", "current", timeout=30)
    assert "the password in --database-url shows to every user of this machine" in result.stderr
    assert "s3cret" not in result.stderr


def test_directory_import_of_a_device_is_refused_before_the_database_is_made(tmp_path):
    database = tmp_path / "never.db"
    result = run("--database-url", f"sqlite:///{database}", "directory", "import", "/dev/zero", timeout=30)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not a file nor a folder" in result.stderr
    assert not database.exists()


def test_audit_verify_reports_tampering_and_keeps_the_head(db_url, tmp_path):
    run("--database-url", db_url, "seed", "--demo")
    head = tmp_path / "audit-head"
    first = run("--database-url", db_url, "audit", "verify", "--head", str(head))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("audit chain intact:") and head.read_text().split()[0].isdigit()

    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:  # whoever can write the file: triggers are no obstacle
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute("DROP TRIGGER audit_seal_no_delete")
        newest = conn.execute("SELECT max(id) FROM audit").fetchone()[0]
        conn.execute("DELETE FROM audit WHERE id = ?", (newest,))
        conn.execute("DELETE FROM audit_seal WHERE entry_id = ?", (newest,))
    plain = run("--database-url", db_url, "audit", "verify")
    assert plain.returncode == 0  # the shorter chain is whole in itself
    checked = run("--database-url", db_url, "audit", "verify", "--head", str(head))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "its newest entries were deleted" in checked.stderr
    assert "the audit trail was tampered with" in checked.stderr


def test_db_upgrade_sets_the_roles_rights_and_db_login_makes_a_console_login(templates, postgres_ready):
    """On PostgreSQL, as the owner: the schema, the two group roles with their rights, then a login
    that works the line and is refused the audit trail's undoing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    from tests.dbutil import pg_url

    server = templates.server
    database = server.create_database("cli")
    console, web = server.name("console"), server.name("web")
    login = server.name("frontdesk")
    server.roles.extend([login, console, web])  # dropped with the run's objects, members first
    env = {"CALLCENTER_CONSOLE_ROLE": console, "CALLCENTER_WEB_ROLE": web}
    upgraded = run("--database-url", pg_url(database), "db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"consoles log in as members of {console}" in upgraded.stdout
    made = run_with_env_input(
        ["--database-url", pg_url(database), "db", "login", login, "--password-stdin"], "a long enough password\n", env
    )
    assert made.returncode == 0, made.stderr
    engine = create_engine(pg_url(database, user=login))
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM line")).scalar() == 0
            conn.execute(text("INSERT INTO audit (at, action, entity) VALUES (now(), 'note', 'line')"))
        with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit"))
    finally:
        engine.dispose()


def run_with_env_input(args: list[str], stdin: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callcenter", *args],
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
        env={**os.environ, **env},
    )


def test_exports_from_the_shell_are_audited(db_url, tmp_path):
    run("--database-url", db_url, "seed", "--demo")
    assert (
        run(
            "--database-url", db_url, "log", "export", "--out", str(tmp_path / "log.csv"), "--channel", "fax"
        ).returncode
        == 0
    )
    assert run("--database-url", db_url, "report", "--date", "2026-11-23", "--format", "csv").returncode == 0
    assert run("--database-url", db_url, "audit", "--format", "csv", "--limit", "3").returncode == 0
    listed = run("--database-url", db_url, "audit", "--action", "export", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    import csv

    rows = list(csv.DictReader(listed.stdout.splitlines()))
    assert sorted(row["entity"] for row in rows) == ["audit", "contact", "report"]
    assert sorted(row["screen"] for row in rows) == ["shell: audit", "shell: log export", "shell: report"]
    assert all("os_user" in row["detail"] for row in rows)
    contact = next(row for row in rows if row["entity"] == "contact")
    assert '"channel": "fax"' in contact["detail"]


def test_report_by_interval_adds_up_to_the_day(db_url):
    import csv

    run("--database-url", db_url, "seed")
    _fill_report_day(db_url)
    refused = run("--database-url", db_url, "report", "--date", REPORT_DAY, "--interval", "7m")
    assert refused.returncode == 2 and "divide the day" in refused.stderr and refused.stdout == ""
    result = run("--database-url", db_url, "report", "--date", REPORT_DAY, "--interval", "1h")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("Line 877 by interval (arrivals from the time shown)")
    table = lines[start + 2 : start + 2 + 24]
    assert [row.split()[0] for row in table] == [f"{hour:02d}:00" for hour in range(24)]
    by_hour = {row.split()[0]: row.split()[1:] for row in table}
    assert by_hour["09:00"][:4] == ["1", "1", "0", "100.0%"]
    assert by_hour["11:00"][:3] == ["1", "0", "1"]  # the short abandon
    assert by_hour["23:00"][:2] == ["1", "1"]  # 04:30 UTC the next day: still this local day
    assert sum(int(row[0]) for row in by_hour.values()) == 5  # the day's offered on 877
    rows = list(
        csv.DictReader(
            run(
                "--database-url", db_url, "report", "--date", REPORT_DAY, "--interval", "30m", "--format", "csv"
            ).stdout.splitlines()
        )
    )
    intervals = [row for row in rows if row["section"] == "interval" and row["code"] == "877"]
    assert len(intervals) == 48 and intervals[19]["name"] == "09:30"
    assert sum(int(row["offered"]) for row in intervals) == 5


def test_report_gives_each_agents_time_in_states_and_away_by_reason(db_url):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from callcenter.domain.agent_states import AwayReason
    from callcenter.domain.model import AgentState
    from callcenter.store import agents
    from callcenter.store.db import Database

    run("--database-url", db_url, "seed", "--demo")

    def at(hour, minute=0):
        return datetime(2025, 11, 3, hour, minute, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)

    db = Database(db_url)
    alex = agents.open_session(db, "alex", at(9))  # available from 09:00
    agents.change_state(db, alex.id, alex.id, AgentState.AWAY, at(10), AwayReason.BREAK)
    agents.change_state(db, alex.id, alex.id, AgentState.AVAILABLE, at(10, 15))
    agents.change_state(db, alex.id, alex.id, AgentState.AWAY, at(16), AwayReason.TRAINING)
    agents.sign_out(db, alex.id, alex.console_token, at(17))
    db.dispose()
    result = run("--database-url", db_url, "report", "--date", REPORT_DAY)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith("Alex Rivera")).split()
    assert row[2:] == ["0", "0:00", "-", "6:45:00", "-", "-", "1:15:00", "0.0%"]  # 09:00-17:00, then offline
    away = lines[lines.index("Away by reason") + 1]
    assert away.split() == ["Alex", "Rivera", "break", "15:00,", "training", "1:00:00"]


def test_the_month_report_writes_csv_and_refuses_what_it_cannot_do(db_url, tmp_path):
    import csv

    run("--database-url", db_url, "seed")
    _fill_report_day(db_url)
    out = tmp_path / "nov.csv"
    result = run("--database-url", db_url, "report", "--month", "2025-11", "--format", "csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.read_text().splitlines()))
    calls = [row for row in rows if row["section"] == "calls" and row["line"] == "877"]
    assert len(calls) == 30 and sum(int(row["offered_or_due"]) for row in calls) == 6  # the 3rd's five, the 4th's one
    third = next(row for row in calls if row["day_or_kind"] == "2025-11-03")
    assert (third["offered_or_due"], third["answered_or_kept"], third["share"]) == ("5", "3", "0.5")
    for args, says in (
        (("--month", "2025-13"), "YYYY-MM"),
        (("--month", "2999-01"), "has not begun"),
        (("--month", "2025-11", "--interval", "30m"), "--interval is for a day"),
        (("--date", "2025-11-03", "--format", "html"), "for the month report"),
        (("--month", "2025-11", "--out", str(tmp_path)), "is a folder"),
    ):
        refused = run("--database-url", db_url, "report", *args)
        assert refused.returncode == 2 and says in refused.stderr, (args, refused.stderr)
