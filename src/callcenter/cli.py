"""The `callcenter` command: the console itself and the non-interactive subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from callcenter.domain.actor import Actor
from callcenter.domain.model import AgentState, Role

EXPORT_LIMIT = 100_000


def _now() -> datetime:
    return datetime.now(UTC)


MAX_RECORD_ID = 2**31 - 1  # the largest id either engine's tables hold


def _database_url(text: str) -> str:
    """Refused before anything is opened: an empty URL would quietly mean the default database."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give a database URL, or leave the option out for the default")
    return text.strip()


def _record_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_RECORD_ID:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_RECORD_ID}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callcenter",
        description="Console for a children's behavioral-health access line.",
    )
    parser.add_argument(
        "--database-url",
        type=_database_url,
        help="SQLAlchemy URL (default: $CALLCENTER_DATABASE_URL, else a SQLite file in your data directory)",
    )
    parser.add_argument(
        "--agent", metavar="USERNAME", help="type this username in on the sign-in screen; the password is still asked"
    )
    parser.add_argument(
        "--simulate", action="store_true", help="demo: keep callers arriving and hanging up while the console runs"
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the console (the default)")
    from callcenter.serve import add_arguments as add_serve_arguments

    add_serve_arguments(
        sub.add_parser(
            "serve", help="the console as a web page, one console per browser tab (this machine only unless --host)"
        )
    )

    web = sub.add_parser(
        "web", help="the public find-care site for families and pediatric offices (English and Spanish)"
    )
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    web.add_argument("--port", type=_port, default=8080, help="port to listen on (default 8080)")
    web.add_argument(
        "--workers", type=_workers, default=1, help="processes serving the site (default 1; about one per core)"
    )

    sub.add_parser(
        "wallboard",
        help="each line's figures in big type for a wall screen, and the alerts; a supervisor signs it in once",
    )
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="create or upgrade the schema to the newest version")
    db_sub.add_parser("current", help="print the schema version of the database")
    login = db_sub.add_parser(
        "login",
        help="(PostgreSQL, as the owner) a login for consoles or the web site, with only their rights",
    )
    login.add_argument("name", help="the login's name, e.g. console_frontdesk")
    login.add_argument("--role", choices=["console", "web"], default="console", help="what it may do (default console)")
    login.add_argument("--password-stdin", action="store_true", help="read the password as one line from stdin")

    seed = sub.add_parser("seed", help="fill the database")
    seed.add_argument("--demo", action="store_true", help="demo agents, waiting callers and a directory")

    call = sub.add_parser("call", help="calls from the phone system")
    call_sub = call.add_subparsers(dest="call_command", required=True)
    arrive = call_sub.add_parser("arrive", help="a caller reaches a line")
    arrive.add_argument("--line", required=True, help="877, 866, tty, fax or web (or the line's number)")
    arrive.add_argument("--from", dest="caller", default="", help='caller number, e.g. "(203) 555-0143"')
    arrive.add_argument("--priority", choices=["normal", "high", "emergency"], default="normal")
    hangup = call_sub.add_parser("hangup", help="a waiting caller hangs up (abandoned)")
    hangup.add_argument("--id", dest="call_id", type=_record_id, required=True)

    directory = sub.add_parser("directory", help="the provider directory as Open Referral HSDS packages")
    directory_sub = directory.add_subparsers(dest="directory_command", required=True)
    imported = directory_sub.add_parser(
        "import",
        help="import an HSDS package: a folder with datapackage.json and CSV files, or a JSON file "
        "of service objects; bad rows are listed as file:line: reason and left out",
    )
    imported.add_argument("path", help="the package folder (or its datapackage.json), or the JSON file")
    exported = directory_sub.add_parser("export", help="write the directory as an HSDS package")
    exported.add_argument("path", help="a folder for the CSV form, a file for the JSON form")
    exported.add_argument(
        "--format",
        choices=["csv", "json"],
        default=None,
        help="csv: datapackage.json and one CSV per table (the default); "
        "json: one file of service objects (the default when PATH ends in .json)",
    )

    followed = directory_sub.add_parser(
        "follow",
        help="take another directory's services from its HSDS 3.0 API page by page, checked as an import; "
        "services it stops listing become inactive",
    )
    followed.add_argument("url", help="the API's base address, e.g. https://directory.example.org/hsds")
    followed.add_argument(
        "--every", metavar="INTERVAL", help="run again every INTERVAL (15m, 1h, 1d) until Ctrl-C; without it, one run"
    )
    followed.add_argument(
        "--list-every",
        metavar="INTERVAL",
        default="24h",
        help="read the full list of the API's services (those gone become inactive) at most this often (default 24h)",
    )

    log = sub.add_parser("log", help="the contact log")
    log_sub = log.add_subparsers(dest="log_command", required=True)
    log_export = log_sub.add_parser("export", help="write the contact log (or part of it) as CSV")
    log_export.add_argument(
        "--out", default="-", metavar="FILE", help="the CSV file to write; - for stdout (the default)"
    )
    log_export.add_argument("--channel", default="", help="voice, tty, fax or web")
    log_export.add_argument("--direction", default="", help="inbound or outbound")
    log_export.add_argument(
        "--since",
        default="",
        metavar="DATE",
        help="from this day on, in the line's time zone (e.g. 11/1 or 2026-11-01)",
    )
    log_export.add_argument("--until", default="", metavar="DATE", help="up to and including this day")
    log_export.add_argument(
        "--status", default="", metavar="open|done", help="only contacts whose follow-up is open, or done"
    )
    log_export.add_argument(
        "--search", default="", metavar="TEXT", help="a phone number in any format, some of its digits, or words"
    )

    report = sub.add_parser("report", help="a day's figures per line and per agent (the supervisor's daily report)")
    when = report.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", metavar="YYYY-MM-DD", help="the day, midnight to midnight in the line's time zone")
    when.add_argument(
        "--month",
        metavar="YYYY-MM",
        help="the month the program reports to the state: --format html (charts, one file) or csv",
    )
    report.add_argument(
        "--out", metavar="PATH", help="with --month: the file to write (default: month-YYYY-MM.html or .csv here)"
    )
    report.add_argument(
        "--interval",
        metavar="MINUTES",
        help="also each line's figures per interval of the day: 15m, 30m or 1h (by the calls' arrival)",
    )
    report.add_argument(
        "--format",
        choices=["text", "csv", "html"],
        default="text",
        help="text: two tables for reading (the default); csv: one row per line and per agent",
    )

    trail = sub.add_parser(
        "audit", help="the audit trail: who did what to which record, newest first; `audit verify` checks its chain"
    )
    trail.add_argument(
        "what",
        nargs="?",
        choices=["verify"],
        help="verify: walk the trail's hash chain and say the first entry changed, deleted or inserted out of order",
    )
    trail.add_argument(
        "--head",
        metavar="FILE",
        help="(verify) the chain's end as seen last time: checked that the chain still reaches it, then updated",
    )
    trail.add_argument("--child", default="", metavar="ID", help="only entries about this child's record")
    # Not dest "agent": that is the console's own --agent (sign in as).
    trail.add_argument("--agent", dest="audit_agent", default="", metavar="USERNAME", help="only what this agent did")
    trail.add_argument(
        "--since",
        default="",
        metavar="DATE",
        help="from this day on, in the line's time zone (e.g. 11/1 or 2026-11-01)",
    )
    trail.add_argument("--until", default="", metavar="DATE", help="up to and including this day")
    trail.add_argument("--action", default="", help="one action, e.g. create, update, submit, link_child")
    trail.add_argument(
        "--screen",
        default="",
        help="where it was done, e.g. intake, promises, monitor (a screen's earlier name finds it too)",
    )
    trail.add_argument("--limit", default="", metavar="N", help="at most N entries, the newest (default 500)")
    trail.add_argument(
        "--format",
        choices=["text", "csv"],
        default="text",
        help="text: one aligned line per entry (the default); csv: for a spreadsheet",
    )

    agent = sub.add_parser("agent", help="agents' accounts: add, disable, enable, reset a password, list")
    agent_sub = agent.add_subparsers(dest="agent_command", required=True)
    added = agent_sub.add_parser("add", help="a new agent; the password is asked twice (or read from stdin)")
    added.add_argument("username", help="2-40 characters: letters a-z, digits, dot, dash, underscore")
    added.add_argument(
        "--name", required=True, metavar="DISPLAY_NAME", help='the name colleagues see, e.g. "Jordan Smith"'
    )
    added.add_argument("--role", required=True, choices=[role.value for role in Role])
    added.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password as one line from stdin (the default when stdin is not a terminal)",
    )
    reset = agent_sub.add_parser("reset-password", help="set a new password; also unlocks a locked account")
    reset.add_argument("username")
    reset.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password as one line from stdin (the default when stdin is not a terminal)",
    )
    agent_sub.add_parser(
        "disable", help="stop an agent from signing in (the account and its history stay)"
    ).add_argument("username")
    agent_sub.add_parser("enable", help="let a disabled agent sign in again").add_argument("username")
    agent_sub.add_parser("list", help="every agent: username, name, role, state, and disabled or locked")

    sim = sub.add_parser("simulate", help="feed realistic arrivals and hang-ups into the database")
    sim.add_argument("--minutes", type=float, default=None, help="stop after this many minutes (default: until Ctrl+C)")
    sim.add_argument("--speed", type=float, default=1.0, help="time multiplier (10 = ten times faster)")
    sim.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="LINE=PER_HOUR",
        help="arrivals per hour on a line, e.g. --rate 877=120 (repeatable)",
    )
    sim.add_argument("--seed", type=int, default=None, help="random seed, for repeatable runs")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    if args.database_url and urlsplit(args.database_url).password:
        print(
            "callcenter: warning: the password in --database-url shows to every user of this machine (ps); "
            "put the URL in CALLCENTER_DATABASE_URL, or the password in ~/.pgpass.",
            file=sys.stderr,
        )
    from callcenter.config import use_line_time_zone
    from callcenter.domain.errors import ValidationError

    try:  # every command reads days and times in the line's one zone
        use_line_time_zone()
    except ValidationError as error:
        print(f"callcenter: setting not usable: {error.message}", file=sys.stderr)
        return 2
    try:
        if command == "run":
            return _run(args)
        if command == "serve":
            return _serve(args)
        if command == "wallboard":
            return _wallboard(args)
        if command == "web":
            return _web(args)
        if command == "db":
            return _db(args)
        if command == "seed":
            return _seed(args)
        if command == "call":
            return _call(args)
        if command == "simulate":
            return _simulate(args)
        if command == "directory":
            return _directory(args)
        if command == "log":
            return _log_export(args)
        if command == "report":
            return _report(args)
        if command == "audit":
            return _audit(args)
        if command == "agent":
            return _agent(args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # every failure is one readable line and a non-zero exit
        from callcenter.domain.errors import PermissionDenied, ValidationError
        from callcenter.store.errors import StoreError

        if isinstance(error, (ValidationError, StoreError)):
            print(f"callcenter: {error.message}", file=sys.stderr)
            return 2
        if isinstance(error, PermissionDenied):
            print(f"callcenter: {error}", file=sys.stderr)
            return 2
        print(f"callcenter: {type(error).__name__}: {_one_line(error)}", file=sys.stderr)
        return 1
    return 2


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError("must be a whole number of processes from 1 to 64")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError("must be a port number from 1 to 65535")
    return int(text)


def _web(args) -> int:
    import logging

    import uvicorn

    from callcenter.config import promise_policy, resolve_database_url
    from callcenter.domain.errors import ValidationError
    from callcenter.store import seed
    from callcenter.store.db import Database
    from callcenter.web.settings import site_settings
    from callcenter.web.site import WEB_THREADS, create_site

    try:
        settings = site_settings()
        policy = promise_policy()
    except ValidationError as error:
        print(f"callcenter: setting not usable: {error.message}", file=sys.stderr)
        return 2
    url = resolve_database_url(args.database_url)
    db = open_database(url, prepare=True)
    if db.is_sqlite:  # the embedded default is a demo line, as `run` makes it; a shared server is a real one
        seed.seed_demo(db, _now())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    db.dispose()
    print(
        f"callcenter: the find-care site is at http://{args.host}:{args.port}/ (Spanish: /es/; the HSDS API: /hsds/)",
        flush=True,
    )
    # uvicorn's own access log would write query strings (what families searched for): the site
    # logs method, path, status and time itself.
    served: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "access_log": False,
        "server_header": False,
        "log_level": "warning",
        "proxy_headers": False,  # the site decides whom to believe (CALLCENTER_WEB_TRUSTED_PROXIES)
    }
    if args.workers > 1:  # each process opens its own pool, from the URL handed down here
        os.environ["CALLCENTER_DATABASE_URL"] = url
        uvicorn.run("callcenter.web.site:site_from_environment", factory=True, workers=args.workers, **served)
    else:
        site_db = Database(url, create=False, pool_size=WEB_THREADS)
        uvicorn.run(create_site(site_db, settings, policy=policy), **served)
    return 0


def _wallboard(args) -> int:
    from callcenter.config import alert_settings, resolve_database_url
    from callcenter.domain.errors import ValidationError

    try:
        alert_settings()
    except ValidationError as error:
        print(f"callcenter: setting not usable: {error.message}", file=sys.stderr)
        return 2
    url = resolve_database_url(args.database_url)
    db = open_database(url, prepare=True, create=False)  # a wall screen shows a line that exists
    from callcenter.ui.wallboard import WallboardApp

    WallboardApp(lambda: db, _now, prefill_username=args.agent).run()
    return 0


def _one_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else "unexpected error"


def open_database(url: str | None, *, prepare: bool, create: bool = True):
    """Connect, and (for commands that need a ready schema) migrate an outdated database.

    `create`: commands that set a line up (run, serve, seed, db upgrade, ...) may make a new SQLite
    file; the others only read or change a line that exists, and refuse a missing one untouched."""
    from callcenter.config import resolve_database_url
    from callcenter.store.db import Database

    db = Database(resolve_database_url(url), create=create)
    db.check_connection()
    if prepare:
        from callcenter.store import migrate
        from callcenter.store.errors import DatabaseUnavailable

        try:
            outdated = migrate.needs_upgrade(db)
        except Exception as error:
            if "permission denied" in str(error):
                raise DatabaseUnavailable(
                    "This login may not read the schema's version: run `callcenter db upgrade` as the "
                    "database's owner, which gives the console and web roles their rights."
                ) from error
            raise
        if outdated:
            try:
                migrate.upgrade(db)
            except Exception as error:
                if "permission denied" in str(error) or "must be owner" in str(error):
                    raise DatabaseUnavailable(
                        "The database's schema is older than this console and this login may not change it: "
                        "run `callcenter db upgrade` as the database's owner."
                    ) from error
                raise
    return db


def _run(args) -> int:
    from callcenter.config import (
        PROMISE_SETTINGS_ENV,
        alert_settings,
        idle_lock_seconds,
        max_failed_sign_ins,
        promise_policy,
        resolve_database_url,
        sign_in_roster,
    )
    from callcenter.domain.errors import ValidationError

    try:  # only when the line is set up differently: the defaults are known good and load lazily
        policy = promise_policy() if any(os.environ.get(name) for name in PROMISE_SETTINGS_ENV.values()) else None
        max_failed_sign_ins()  # checked here so a bad value stops the console, not each sign-in
        alert_settings()  # and the monitor's alert thresholds, not each supervisor's monitor later
        idle_lock = idle_lock_seconds()
        roster = sign_in_roster(default=args.simulate)  # the demo lists its agents to pick from
    except ValidationError as error:
        print(f"callcenter: setting not usable: {error.message}", file=sys.stderr)
        return 2
    url = resolve_database_url(args.database_url)
    stop_feed = []

    def open_line():
        """In the console's background thread, while the sign-in screen is already up."""
        from callcenter.store import seed

        db = open_database(url, prepare=True)
        # First run on an empty database shows a working line at once.
        seed.seed_demo(db, _now())
        if args.simulate:
            from callcenter.simulate import start_background_feed

            stop_feed.append(start_background_feed(db))
        return db

    from callcenter.ui.app import CallCenterApp

    app = CallCenterApp(
        open_database=open_line,
        prefill_username=args.agent,
        policy=policy,
        idle_lock_seconds=idle_lock,
        show_roster=roster,
        freeze_heap=True,
    )
    try:
        app.run()
    finally:
        for stop in stop_feed:
            stop.set()
    if app.startup_failure is not None:
        raise app.startup_failure  # reported in one line like every other command's failure
    return 0


def _serve(args) -> int:
    from callcenter import serve
    from callcenter.config import PROMISE_SETTINGS_ENV, alert_settings, promise_policy, resolve_database_url
    from callcenter.domain.errors import ValidationError
    from callcenter.store import seed

    if args.agent:
        print(
            "callcenter: serve signs nobody in: each browser signs in on its own page. Leave out --agent.",
            file=sys.stderr,
        )
        return 2
    try:
        config = serve.config_from_args(args)
        # A setting every session would trip on stops the server now, not each browser later.
        if any(os.environ.get(name) for name in PROMISE_SETTINGS_ENV.values()):
            promise_policy()
        alert_settings()
    except serve.ServeSettingError as error:
        print(f"callcenter: {error.message}", file=sys.stderr)
        return 2
    except ValidationError as error:
        print(f"callcenter: setting not usable: {error.message}", file=sys.stderr)
        return 2
    url = resolve_database_url(args.database_url)
    db = open_database(url, prepare=True)
    # Once here rather than racing in the first sessions, as `run` does on an empty database.
    seed.seed_demo(db, _now())
    stop_feed = None
    if args.simulate:  # one feed for every session, in the server
        from callcenter.simulate import start_background_feed

        stop_feed = start_background_feed(db)
    else:
        db.dispose()
    try:
        return serve.serve(config, url)
    finally:
        if stop_feed is not None:
            stop_feed.set()


def _db(args) -> int:
    from callcenter.config import group_roles
    from callcenter.store import migrate, roles

    console_role, web_role = group_roles()
    if args.db_command == "login":
        name = roles.checked_role_name(args.name)
        password = _new_password(name, args.password_stdin)
        db = open_database(args.database_url, prepare=False, create=False)
        group = console_role if args.role == "console" else web_role
        roles.create_login(db, name, group, password)
        print(f"login {name} made, with the rights of {group}")
        return 0
    db = open_database(args.database_url, prepare=False, create=args.db_command == "upgrade")
    if args.db_command == "upgrade":
        before = migrate.current_revision(db)
        migrate.upgrade(db)
        after = migrate.current_revision(db)
        print(f"schema at {after}" + ("" if before == after else f" (was {before or 'empty'})"))
        if db.is_postgres:
            roles.apply_grants(db, console_role, web_role)
            print(f"rights set: consoles log in as members of {console_role}, the web site of {web_role}")
    else:
        print(migrate.current_revision(db) or "empty")
    return 0


def _seed(args) -> int:
    from callcenter.store import seed

    db = open_database(args.database_url, prepare=True)
    if not args.demo:
        seed.ensure_lines(db)
        print("lines ready")
        return 0
    counts = seed.seed_demo(db, _now())
    if not any(counts.values()):
        print("demo data already present; nothing added")
    else:
        print(", ".join(f"{value} {key}" for key, value in counts.items()) + " added")
    return 0


def _call(args) -> int:
    from callcenter.domain.model import Priority
    from callcenter.store import calls

    if args.call_command == "arrive":
        # Validate before connecting: a malformed number never touches the database.
        from callcenter.domain.lines import line_code_from_text
        from callcenter.domain.phone import parse_phone

        line_code_from_text(args.line)
        if args.caller.strip():
            parse_phone(args.caller, "from")
        db = open_database(args.database_url, prepare=True)
        call_id = calls.arrive(db, args.line, args.caller, _now(), Priority[args.priority.upper()])
        print(call_id)
        return 0
    db = open_database(args.database_url, prepare=True, create=False)
    if calls.abandon(db, args.call_id, _now()):
        print(f"call {args.call_id} abandoned")
        return 0
    print(f"callcenter: call {args.call_id} is not waiting", file=sys.stderr)
    return 2


def _directory(args) -> int:
    from callcenter.store import hsds

    if args.directory_command == "follow":
        return _directory_follow(args)
    if args.directory_command != "export":
        try:  # a path that is no package is refused before the database is opened (or made)
            hsds.check_package_path(args.path)
        except hsds.PackageError as error:
            print(f"callcenter: {error.message}", file=sys.stderr)
            return 1
    db = open_database(args.database_url, prepare=True, create=args.directory_command != "export")
    if args.directory_command == "export":
        form = args.format or ("json" if args.path.lower().endswith(".json") else "csv")
        counts = hsds.export_package(db, args.path, form)
        print(
            f"wrote {counts['service']} services, {counts['service_at_location']} service_at_locations and "
            f"{counts['organization']} organizations to {args.path} ({form})"
        )
        return 0
    try:
        report = hsds.import_package(db, args.path, _now())
    except hsds.PackageError as error:
        print(f"callcenter: {error.message}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    print(f"{report.good_rows} good rows in {report.seconds:.2f} s")
    return 0 if report.good_rows else 1


def _directory_follow(args) -> int:
    from callcenter.store.errors import StoreError
    from callcenter.store.hsds import follow

    try:  # the address and intervals are refused before the database is opened
        source = follow.check_source_url(args.url)
    except follow.FollowError as error:
        print(f"callcenter: {error.message}", file=sys.stderr)
        return 2
    intervals = {}
    for option, text in (("--every", args.every), ("--list-every", args.list_every)):
        try:
            intervals[option] = follow.parse_interval(text) if text is not None else None
        except ValueError as error:
            print(f"callcenter: {option}: {error}", file=sys.stderr)
            return 2
    every, listing_every = intervals["--every"], intervals["--list-every"]
    settings = follow.FollowSettings(listing_every=listing_every or follow.DEFAULT_LISTING_EVERY)
    db = open_database(args.database_url, prepare=True, create=True)

    def show(report) -> None:
        print("\n".join(report.lines()), flush=True)

    def failed(line: str) -> None:
        print(f"callcenter: {line}", file=sys.stderr, flush=True)

    if every is None:
        try:
            show(follow.follow(db, source, _now(), settings))
        except StoreError as error:  # the other end (FollowError) or our own database, said in one line
            failed(error.message)
            return 1
        return 0
    try:
        follow.follow_every(db, source, every, settings, clock=_now, on_report=show, on_failure=failed)
    except KeyboardInterrupt:
        print(f"stopped following {source}", flush=True)
    return 0


def _checked_filter(build_filter, fields: dict):
    """A listing command's filter, checked before connecting (a mistyped date never touches the
    database); None after printing what is wrong with it."""
    from callcenter.domain.timefmt import line_date

    query, errors = build_filter(fields, line_date(_now()))
    for message in errors.values():
        print(f"callcenter: {message}", file=sys.stderr)
    return None if errors else query


def _log_export(args) -> int:
    from callcenter.domain.contacts import build_filter
    from callcenter.store import contacts

    query = _checked_filter(
        build_filter,
        {
            "channel": args.channel,
            "direction": args.direction,
            "since": args.since,
            "until": args.until,
            "status": args.status,
            "search": args.search,
        },
    )
    if query is None:
        return 2
    db = open_database(args.database_url, prepare=True, create=False)
    text, count = contacts.export_csv(
        db, query, actor=Actor.shell("log export"), now=_now(), screen="shell", limit=EXPORT_LIMIT
    )
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    # Contacts name callers and children's initials: the file is readable by its owner only.
    descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    print(f"{count} contacts written to {args.out}", file=sys.stderr)
    return 0


REPORT_COLUMNS = (
    "section",
    "code",
    "name",
    "offered",
    "answered",
    "abandoned",
    "short_abandons",
    "service_level",
    "asa_seconds",
    "abandonment_rate",
    "aht_seconds",
    "calls_handled",
    "talk_seconds",
    "available_seconds",
    "on_call_seconds",
    "wrap_up_seconds",
    "away_seconds",
    "occupancy",
    "away_by_reason",
)


def _report(args) -> int:
    import re
    from datetime import date

    from callcenter.domain.metrics import local_day
    from callcenter.domain.timefmt import line_zone
    from callcenter.store import monitor

    if args.month:
        return _month_report(args)
    if args.format == "html":
        print("callcenter: --format html is for the month report (--month YYYY-MM).", file=sys.stderr)
        return 2
    # Check the day before connecting: a mistyped date never touches the database.
    day = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.date.strip()):
        try:
            day = date.fromisoformat(args.date.strip())
        except ValueError:
            pass
    if day is None:
        print(f"callcenter: --date wants a day as YYYY-MM-DD, e.g. 2026-11-23 (got {args.date!r}).", file=sys.stderr)
        return 2
    interval = None
    if args.interval:
        found = re.fullmatch(r"\s*(\d{1,4})\s*(m|min|h|hours?)?\s*", args.interval, re.IGNORECASE)
        interval = int(found.group(1)) * (60 if (found.group(2) or "m").lower().startswith("h") else 1) if found else 0
        if not interval or (24 * 60) % interval:
            print(
                "callcenter: --interval wants minutes that divide the day, e.g. 15m, 30m or 1h "
                f"(got {args.interval!r}).",
                file=sys.stderr,
            )
            return 2
    now = _now()
    if day > local_day(now, line_zone()):  # nothing to report yet, rather than a table of zeros
        print(f"callcenter: {day.isoformat()} has not happened yet: pick today or an earlier day.", file=sys.stderr)
        return 2
    db = open_database(args.database_url, prepare=True, create=False)
    report = monitor.day_report(db, Actor.shell("report"), day, now, interval)
    from callcenter.store import audit

    audit.record_export(
        db,
        at=now,
        actor=Actor.shell("report"),
        what="report",
        filters={"date": day, "format": args.format, "interval": interval},
        rows=len(report.lines) + len(report.agents) + len(report.intervals),
        screen="shell",
    )
    sys.stdout.write(_report_csv(report) if args.format == "csv" else _report_text(report))
    return 0


def _month_report(args) -> int:
    import re
    from datetime import date

    from callcenter.domain.metrics import local_day
    from callcenter.domain.timefmt import line_zone
    from callcenter.store import audit, reports

    found = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*", args.month)
    first = date(int(found.group(1)), int(found.group(2)), 1) if found and 1 <= int(found.group(2)) <= 12 else None
    if first is None:
        print(f"callcenter: --month wants a month as YYYY-MM, e.g. 2026-11 (got {args.month!r}).", file=sys.stderr)
        return 2
    if args.interval:
        print("callcenter: --interval is for a day's report (--date).", file=sys.stderr)
        return 2
    now = _now()
    if first > local_day(now, line_zone()):
        print(f"callcenter: {args.month.strip()} has not begun: pick this month or an earlier one.", file=sys.stderr)
        return 2
    kind = "csv" if args.format == "csv" else "html"
    out = Path(args.out) if args.out else Path(f"month-{first:%Y-%m}.{kind}")
    if out.is_dir():
        print(f"callcenter: --out {out} is a folder: name the file to write.", file=sys.stderr)
        return 2
    db = open_database(args.database_url, prepare=True, create=False)
    report = reports.month(db, Actor.shell("report"), first, now)
    from callcenter import month_html

    text = month_html.csv_text(report) if kind == "csv" else month_html.html_page(report)
    out.write_text(text, encoding="utf-8")
    audit.record_export(
        db,
        at=now,
        actor=Actor.shell("report"),
        what="month report",
        filters={"month": f"{first:%Y-%m}", "format": kind},
        rows=len(report.by_day),
        screen="shell",
    )
    print(f"wrote {out} ({kind}, {first:%B %Y})")
    return 0


def _report_text(report) -> str:
    from callcenter.domain.timefmt import format_wait

    def percent(value):
        return "-" if value is None else f"{value:.1%}"

    def duration(value):
        return "-" if value is None else format_wait(value)

    out = [
        f"Figures for {report.day:%A %d %b %Y} ({report.time_zone}, midnight to midnight): the calls that "
        "arrived that day, each with its outcome as known now",
        "",
    ]
    out.append(
        f"{'Line':<5} {'Name':<24} {'Offered':>7} {'Answered':>8} {'Abandoned':>9} {'Short':>5} "
        f"{'Service level':>13} {'ASA':>7} {'Abandon %':>9} {'AHT':>7}"
    )
    for row in report.lines:
        f = row.figures
        out.append(
            f"{row.code:<5} {row.name[:24]:<24} {f.offered:>7} {f.answered:>8} {f.abandoned:>9} "
            f"{f.short_abandons:>5} {percent(f.service_level):>13} {duration(f.average_speed_of_answer):>7} "
            f"{percent(f.abandonment_rate):>9} {duration(f.average_handle_time):>7}"
        )
    out += [
        "",
        f"{'Agent':<24} {'Calls':>5} {'Talk time':>9} {'AHT':>7} {'Available':>9} {'On call':>8} {'Wrap-up':>8} "
        f"{'Away':>8} {'Occupancy':>9}",
    ]

    def spent(agent, state: str) -> str:
        span = agent.states.by_state.get(AgentState(state)) if agent.states else None
        return format_wait(span) if span else "-"

    for agent in report.agents:
        occupancy = agent.states.occupancy if agent.states else None
        out.append(
            f"{agent.name[:24]:<24} {agent.calls_handled:>5} {format_wait(agent.talk_time):>9} "
            f"{duration(agent.average_handle_time):>7} {spent(agent, 'available'):>9} {spent(agent, 'on_call'):>8} "
            f"{spent(agent, 'wrap_up'):>8} {spent(agent, 'away'):>8} {percent(occupancy):>9}"
        )
    if not report.agents:
        out.append("(nobody signed in or answered a call)")
    away = [(agent.name, agent.states.away_by_reason) for agent in report.agents if agent.states]
    away = [(name, reasons) for name, reasons in away if reasons]
    if away:
        out += ["", "Away by reason"]
        for name, reasons in away:
            said = ", ".join(
                f"{(reason or 'no reason given').replace('_', ' ')} {format_wait(span)}"
                for reason, span in sorted(reasons.items())
            )
            out.append(f"{name[:24]:<24} {said}")
    zone = ZoneInfo(report.time_zone)
    for code in dict.fromkeys(row.line_code for row in report.intervals):
        out += ["", f"Line {code} by interval (arrivals from the time shown)"]
        out.append(
            f"{'From':<5} {'Offered':>7} {'Answered':>8} {'Abandoned':>9} {'Service level':>13} {'ASA':>7} {'AHT':>7}"
        )
        for row in (r for r in report.intervals if r.line_code == code):
            f = row.figures
            out.append(
                f"{row.start.astimezone(zone):%H:%M} {f.offered:>7} {f.answered:>8} {f.abandoned:>9} "
                f"{percent(f.service_level):>13} {duration(f.average_speed_of_answer):>7} "
                f"{duration(f.average_handle_time):>7}"
            )
    return "\n".join(out) + "\n"


def _report_csv(report) -> str:
    from callcenter.domain.spreadsheet import csv_document

    def number(value, places: int = 4):
        return "" if value is None else round(value, places)

    def seconds(value):
        return "" if value is None else round(value.total_seconds(), 1)

    def figure_cells(section: str, code: str, name: str, f) -> list[object]:
        """A line's (or one interval's) figures, the agent columns left empty."""
        return [
            section,
            code,
            name,
            f.offered,
            f.answered,
            f.abandoned,
            f.short_abandons,
            number(f.service_level),
            seconds(f.average_speed_of_answer),
            number(f.abandonment_rate),
            seconds(f.average_handle_time),
            *[""] * 8,
        ]

    rows: list[list[object]] = [figure_cells("line", row.code, row.name, row.figures) for row in report.lines]
    for agent in report.agents:
        states = agent.states.by_state if agent.states else {}
        reasons = agent.states.away_by_reason if agent.states else {}
        rows.append(
            [
                "agent",
                agent.id,
                agent.name,
                *[""] * 7,
                seconds(agent.average_handle_time),
                agent.calls_handled,
                seconds(agent.talk_time),
                *[seconds(states.get(AgentState(state))) for state in ("available", "on_call", "wrap_up", "away")],
                number(agent.states.occupancy if agent.states else None),
                ";".join(
                    f"{reason or 'none'}={round(span.total_seconds())}" for reason, span in sorted(reasons.items())
                ),
            ]
        )
    zone = ZoneInfo(report.time_zone)
    for interval in report.intervals:  # the code is the line's, the name the interval's local start
        start = f"{interval.start.astimezone(zone):%H:%M}"
        rows.append(figure_cells("interval", interval.line_code, start, interval.figures))
    return csv_document(REPORT_COLUMNS, rows)


def _audit_verify(args) -> int:
    from callcenter.domain.audit_chain import Head
    from callcenter.store import audit

    head_file = Path(args.head) if args.head else None
    recorded = None
    if head_file is not None and head_file.exists():
        recorded = Head.parse(head_file.read_text(encoding="utf-8", errors="replace")[:200])
        if recorded is None:
            print(f"callcenter: {head_file} holds no chain head (seal number and digest)", file=sys.stderr)
            return 2
    db = open_database(args.database_url, prepare=True, create=False)
    report = audit.verify(db, recorded)
    for problem in report.problems:
        print(f"callcenter: audit chain: {problem}", file=sys.stderr)
    if not report.intact:
        print(
            f"callcenter: the audit trail was tampered with ({len(report.problems)} problem(s) shown)", file=sys.stderr
        )
        return 1
    end = f"seal {report.head.seq}, {report.head.digest[:16]}…" if report.head else "no entries yet"
    print(f"audit chain intact: {report.sealed} entries sealed, ending at {end}")
    if head_file is not None and report.head is not None:
        head_file.write_text(report.head.text(), encoding="utf-8")
    return 0


def _audit(args) -> int:
    if args.what == "verify":
        return _audit_verify(args)
    from callcenter.domain.audit import build_filter, csv_text, text_lines
    from callcenter.store import audit

    query = _checked_filter(
        build_filter,
        {
            "child_id": args.child,
            "agent": args.audit_agent,
            "since": args.since,
            "until": args.until,
            "action": args.action,
            "screen": args.screen,
            "limit": args.limit,
        },
    )
    if query is None:
        return 2
    db = open_database(args.database_url, prepare=True, create=False)
    since, until = query.bounds()
    # No agent signs in here: whoever can open the database reads its trail.
    rows = audit.search(
        db,
        Actor.shell("audit"),
        child_id=query.child_id,
        agent_username=query.agent_username,
        since=since,
        until=until,
        action=query.action,
        screen=query.screen,
        limit=query.limit,
    )
    if args.format == "csv":
        audit.record_export(
            db,
            at=_now(),
            actor=Actor.shell("audit"),
            what="audit",
            filters={
                "child": query.child_id,
                "agent": query.agent_username,
                "since": query.since,
                "until": query.until,
                "action": query.action,
                "screen": query.screen,
            },
            rows=len(rows),
            screen="shell",
        )
        sys.stdout.write(csv_text(rows))
    else:
        sys.stdout.write("\n".join(text_lines(rows)) + "\n")
        if not rows:
            print("(no entries match)", file=sys.stderr)
        elif len(rows) == query.limit:
            print(f"(the newest {query.limit}; narrow the filter or raise --limit for more)", file=sys.stderr)
    return 0


def _agent(args) -> int:
    """Account set-up from the shell. Passwords never come from the command line (it shows in `ps`)."""
    from callcenter.domain import passwords
    from callcenter.domain.errors import PermissionDenied, ValidationError
    from callcenter.store import agents
    from callcenter.store.errors import StoreError

    command = args.agent_command
    try:
        if command == "list":
            db = open_database(args.database_url, prepare=True, create=False)
            _print_agents(agents.list_agents(db, active_only=False))
            return 0
        # Check what was typed before connecting: a bad name or password never touches the database.
        username = passwords.check_username(args.username)
        if command == "add":
            name = passwords.check_display_name(args.name)
            password = _new_password(username, args.password_stdin)
            db = open_database(args.database_url, prepare=True)
            added = agents.add_agent(db, Actor.shell("agent add"), username, name, args.role, password, _now())
            print(f"added {added.username} ({added.display_name}, {added.role.value})")
            return 0
        if command == "reset-password":
            password = _new_password(username, args.password_stdin)
            db = open_database(args.database_url, prepare=True, create=False)
            target = agents.get_by_username(db, username)
            agents.reset_password(db, Actor.shell("agent reset-password"), target.id, password, _now())
            print(f"password set for {username}" + (" (account unlocked)" if target.locked else ""))
            return 0
        db = open_database(args.database_url, prepare=True, create=False)
        target = agents.get_by_username(db, username)
        if command == "disable":
            agents.disable_agent(db, Actor.shell("agent disable"), target.id, _now())
            print(f"{username} disabled: they cannot sign in until `callcenter agent enable {username}`")
        else:
            agents.enable_agent(db, Actor.shell("agent enable"), target.id, _now())
            print(f"{username} enabled")
        return 0
    except (ValidationError, StoreError) as error:
        print(f"callcenter: {error.message}", file=sys.stderr)
        return 1
    except PermissionDenied as error:
        print(f"callcenter: {error}", file=sys.stderr)
        return 1


def _new_password(username: str, from_stdin: bool) -> str:
    """Asked twice, unechoed, at a terminal; else one line from stdin (for scripts)."""
    import getpass

    from callcenter.domain.errors import ValidationError
    from callcenter.domain.passwords import check_new_password

    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise ValidationError(
                "No password on standard input: give it as one line, e.g. "
                "`printf '%s\\n' \"$PASSWORD\" | callcenter agent ...`.",
                "password",
            )
        return check_new_password(line.rstrip("\r\n"), username)
    first = check_new_password(getpass.getpass(f"New password for {username}: "), username)
    if getpass.getpass("Type it again: ") != first:
        raise ValidationError("The two passwords differ; nothing was changed. Run the command again.", "password")
    return first


def _print_agents(people) -> None:
    print(f"{'Username':<16} {'Name':<24} {'Role':<13} {'State':<10} Account")
    for person in people:
        account = "disabled" if not person.active else ("locked" if person.locked else "active")
        print(
            f"{person.username:<16} {person.display_name[:24]:<24} {person.role.value:<13} "
            f"{person.state.value:<10} {account}"
        )


def _simulate(args) -> int:
    from callcenter.simulate import run_simulation

    db = open_database(args.database_url, prepare=True)
    return run_simulation(db, args)


if __name__ == "__main__":
    raise SystemExit(main())
