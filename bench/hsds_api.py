"""The HSDS 3.0 API (`/hsds` on the public site) under load, and another directory following it, on
SQLite and PostgreSQL with the directory at 50,000 services.

    .venv/bin/python bench/hsds_api.py [--providers 50000] [--seconds 10] [--clients 20] [--interval-ms 100]
                                       [--engine both|sqlite|postgres] [--scenarios static,list,single,follow]

The directory: bench/search.py's (the demo builder, seed 50, one service at one location per
provider), but written through the HSDS import (`callcenter.store.hsds.import_records`, as
`callcenter seed` writes its demo directory) rather than straight into `provider`: the API reads the
`hsds_*` tables, which search.py's builder leaves empty. So each provider is one `hsds_service` with
its own `hsds_service_at_location`, and the provider rows are derived from them; the counts are
printed and checked after the build.

`callcenter web` runs as its own process (uvicorn), started on a free port, as bench/web.py starts it
(and with its load: each of 20 clients sends one request every 100 ms, 200 requests/s offered, in
fixed slots, a request timed from its slot to its last byte, so a slow answer counts the wait it
causes: no coordinated omission). CALLCENTER_HSDS_API_REQUESTS_PER_MINUTE is raised to 100000: every
client here is 127.0.0.1. Each scenario waits for a quiet machine first and is warmed up unmeasured.

Scenarios, each on both engines:
- static: `/static/site.css`, the baseline in the same run (no database, no template).
- list: `/hsds/services?per_page=50&page=N`, N a random page (the Page envelope, list-form services).
- single: `/hsds/services/{id}`, a random service, fully nested.
Figures per scenario: p50, p95 (target: list and single p95 <= 50 ms at 200 requests/s), p99, errors
(anything but a 200, or no answer within 10 s; target 0), requests/s achieved, p95 as a multiple of
the static page's, and the server's CPU per request (with this client's and the machine's share busy;
the server's process only: PostgreSQL's own backends are not in it).

- follow: `callcenter --database-url NEW directory follow http://127.0.0.1:PORT/hsds` as a subprocess,
  into a new empty database of the same engine (`db upgrade` first): a full follow of the whole
  directory, then 100 services renamed in the source (and stamped changed, as an import stamps
  them), then an incremental follow. Figures: both runs' wall times (the CLI's own start included;
  its "done in" and page counts alongside; target: report), and a check that the follower holds as
  many services as the source and the 100 new names. `--providers 5000 --scenarios follow` is a
  quick look.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text, update

from _common import percentile, temporary_postgres
from web import ROOT, Cpu, Run, Server, check, load, settle, wait_quiet

TARGET_P95_MS = 50.0
DIRECTORY_SEED = 50  # bench/search.py's directory
LIST_PER_PAGE = 50
CHANGED_SERVICES = 100
FOLLOW_TIMEOUT_S = 3600.0  # a full follow of 50,000 services takes minutes, not hours
SCENARIOS = ("static", "list", "single", "follow")
# What `directory follow` prints about a run (FollowReport.lines).
FOLLOW_PAGES = re.compile(r"^(\d+) pages?, (\d+) services? new or changed upstream$", re.M)
FOLLOW_SERVICES = re.compile(r"^service: (\d+) imported, (\d+) updated, (\d+) unchanged", re.M)
FOLLOW_DONE = re.compile(r"^done in ([\d.]+) s \(longest page write ([\d.]+) s\)$", re.M)


def build(url: str, count: int) -> list[str]:
    """The directory as HSDS rows through the import (providers derived from them); returns the
    service ids."""
    from callcenter.store import hsds, migrate, seed
    from callcenter.store.db import Database
    from callcenter.store.models import HsdsService, HsdsServiceAtLocation, Provider

    db = Database(url)
    migrate.upgrade(db)
    tables = seed.demo_directory(random.Random(DIRECTORY_SEED), count)
    with db.write() as session:
        report = hsds.import_records(session, tables, datetime.now(UTC), source="bench directory")
        if report.bad_rows:
            raise RuntimeError(f"bench directory row refused: {report.bad_rows[0]}")
        if db.is_sqlite:
            # `callcenter web` on SQLite seeds its demo line on a database without agents, and the
            # demo directory's ids (demo-svc-0001...) are this one's: an agent keeps it out.
            session.execute(
                text(
                    "INSERT INTO agent (username, display_name, role, state, active, failed_logins, "
                    "version) VALUES ('bench', 'Bench', 'rep', 'offline', true, 0, 1)"
                )
            )
    with db.engine.begin() as conn:
        # The statistics a directory in use has: PostgreSQL's autovacuum analyzes every table after
        # such an import; on SQLite only the migrations analyze, and only `provider`. (With every
        # hsds_* table analyzed, SQLite takes the phones' and schedules' all-empty service_id and
        # location_id for useless and scans those tables for each nested service.)
        conn.exec_driver_sql("ANALYZE" if db.is_postgres else "ANALYZE provider")
    with db.read() as session:
        ids = list(session.scalars(select(HsdsService.id).order_by(HsdsService.id)))
        sals = session.scalar(select(func.count()).select_from(HsdsServiceAtLocation)) or 0
        providers = session.scalar(select(func.count()).select_from(Provider)) or 0
    db.dispose()
    if not len(ids) == sals == providers == count:
        raise RuntimeError(
            f"the built directory holds {len(ids)} services, {sals} service_at_locations and {providers} "
            f"providers, not {count} of each"
        )
    return ids


def report(engine: str, name: str, run: Run, offered: float, static_p95: float | None, cpu: Cpu) -> float:
    """Print the scenario's lines; returns its p95."""
    total = run.ok + run.error_count
    detail = "".join(f"; {count} {kind}" for kind, count in sorted(run.errors.items()))
    if not run.latencies:
        print(f"{engine} {name} errors: {run.error_count} (target 0; no request succeeded{detail})")
        return float("nan")
    p50, p95, p99 = (percentile(run.latencies, share) for share in (0.5, 0.95, 0.99))
    print(f"{engine} {name} p50: {p50:.1f} ms (target: report)")
    if name == "static":
        print(
            f"{engine} {name} p95: {p95:.1f} ms (target: report; the baseline: no database, no template; "
            f"client start lag p95 {percentile(run.late_starts, 0.95):.1f} ms)"
        )
    else:
        print(f"{engine} {name} p95: {p95:.1f} ms (target <= {TARGET_P95_MS:.0f} ms)")
    print(f"{engine} {name} p99: {p99:.1f} ms (target: report; max {max(run.latencies):.1f} ms)")
    print(f"{engine} {name} errors: {run.error_count} (target 0; of {total} requests{detail})")
    rate = run.ok / run.elapsed if run.elapsed else 0.0
    print(f"{engine} {name} achieved: {rate:.1f} req/s (target {offered:.0f} offered)")
    if name != "static" and static_p95:
        print(f"{engine} {name} p95 vs static: {p95 / static_p95:.1f} x (target: report)")
    answered = max(1, total)
    print(
        f"{engine} {name} server cpu: {cpu.server * 1000 / answered:.2f} ms/request (target: report; "
        f"{cpu.server / run.elapsed:.0%} of one core; this client {cpu.client * 1000 / answered:.2f} ms/request; "
        f"machine {cpu.machine_busy:.0%} busy of {os.cpu_count()} cores)",
        flush=True,
    )
    return p95


def measure_load(engine: str, server: Server, ids: list[str], args: argparse.Namespace) -> None:
    interval = args.interval_ms / 1000
    offered = args.clients / interval
    pages = math.ceil(len(ids) / LIST_PER_PAGE)

    def pick_static(_rng: random.Random) -> str:
        return "/static/site.css"

    def pick_list(rng: random.Random) -> str:
        return f"/hsds/services?per_page={LIST_PER_PAGE}&page={rng.randint(1, pages)}"

    def pick_single(rng: random.Random) -> str:
        return f"/hsds/services/{rng.choice(ids)}"

    scenarios = (
        ("static", pick_static, ["/static/site.css"]),
        ("list", pick_list, [f"/hsds/services?per_page={LIST_PER_PAGE}&page={n}" for n in (1, pages // 2, pages)]),
        ("single", pick_single, [f"/hsds/services/{ids[n]}" for n in (0, len(ids) // 2, -1)]),
    )
    static_p95 = None
    for name, pick, warm in scenarios:
        if name not in args.scenarios:
            continue
        wait_quiet(f"{name} on {engine}")
        asyncio.run(check(server.base, warm))
        asyncio.run(load(server.base, pick, args.clients, interval, args.warmup))  # not counted
        run, cpu = Cpu.around(
            server.process.pid,
            lambda pick=pick: asyncio.run(load(server.base, pick, args.clients, interval, args.seconds)),
        )
        p95 = report(engine, name, run, offered, static_p95, cpu)
        if name == "static":
            static_p95 = p95


def callcenter(url: str, *arguments: str, timeout: float = FOLLOW_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "callcenter", "--database-url", url, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def follow_available() -> bool:
    """Whether this tree's CLI has `directory follow` yet (it is being written alongside)."""
    done = subprocess.run(
        [sys.executable, "-m", "callcenter", "directory", "follow", "--help"], cwd=ROOT, capture_output=True
    )
    return done.returncode == 0


@contextmanager
def follower_database(engine: str, folder: Path):
    """A new empty database of the engine, for the follower."""
    if engine == "sqlite":
        yield f"sqlite:///{folder / 'follower.db'}"
    else:
        with temporary_postgres("cc_follow") as url:
            yield url


def timed_follow(engine: str, label: str, follower_url: str, api: str, server: Server) -> bool:
    """One `directory follow` run, its wall time and what it says it did; False if it failed."""
    wait_quiet(f"follow {label} on {engine}")
    started = time.perf_counter()
    done, cpu = Cpu.around(server.process.pid, lambda: callcenter(follower_url, "directory", "follow", api))
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(
            f"{engine} follow {label}: failed (exit {done.returncode} after {seconds:.1f} s): "
            f"{(done.stderr or done.stdout).strip()[-800:]}"
        )
        return False
    said = done.stdout
    pages, counts, finished = FOLLOW_PAGES.search(said), FOLLOW_SERVICES.search(said), FOLLOW_DONE.search(said)
    taken = sum(int(value) for value in counts.groups()) if counts else "?"  # imported, updated, unchanged
    about = f"{pages[1]} pages, {taken} services taken, {pages[2]} new or changed upstream; " if pages else ""
    if finished:
        about += f"its own 'done in' {finished[1]} s, longest page write {finished[2]} s; "
    print(
        f"{engine} follow {label}: {seconds:.1f} s (target: report; {about}"
        f"server cpu {cpu.server:.1f} s; machine {cpu.machine_busy:.0%} busy)",
        flush=True,
    )
    return True


def change_services(url: str, ids: list[str]) -> dict[str, str]:
    """Rename CHANGED_SERVICES services in the source and stamp them changed (what an import does to a
    service it updates); returns the new names by id."""
    from callcenter.store.db import Database
    from callcenter.store.hsds import stamp_services
    from callcenter.store.models import HsdsService

    chosen = random.Random(7).sample(ids, min(CHANGED_SERVICES, len(ids)))
    db = Database(url, create=False)
    names: dict[str, str] = {}
    now = datetime.now(UTC)
    with db.write() as session:
        table = HsdsService.__table__
        for service_id, name in session.execute(select(table.c.id, table.c.name).where(table.c.id.in_(chosen))):
            names[service_id] = f"{name} (renamed {now:%H:%M:%S})"
            session.execute(update(table).where(table.c.id == service_id).values(name=names[service_id]))
        stamp_services(session, chosen, now)
    db.dispose()
    return names


def service_names(url: str, only: list[str] | None = None) -> tuple[int, dict[str, str]]:
    """(how many services the database holds, the names of those in `only` by id)."""
    from callcenter.store.db import Database
    from callcenter.store.models import HsdsService

    db = Database(url, create=False)
    with db.read() as session:
        count = session.scalar(select(func.count()).select_from(HsdsService)) or 0
        named = select(HsdsService.id, HsdsService.name).where(HsdsService.id.in_(only or []))
        names = {row[0]: row[1] for row in session.execute(named)}
    db.dispose()
    return count, names


def follow_check(engine: str, source_url: str, follower_url: str, renamed: dict[str, str]) -> None:
    """The follower holds as many services as the source, and the new names."""
    source_count, _ = service_names(source_url)
    follower_count, found = service_names(follower_url, list(renamed))
    problems = []
    if follower_count != source_count:
        problems.append(f"the follower holds {follower_count} services, the source {source_count}")
    stale = [service_id for service_id, name in renamed.items() if found.get(service_id) != name]
    if stale:
        problems.append(f"{len(stale)} of {len(renamed)} new names missing (e.g. {stale[0]}: {found.get(stale[0])!r})")
    outcome = "; ".join(problems) if problems else f"ok ({follower_count} services, {len(renamed)} new names arrived)"
    print(f"{engine} follow check: {outcome}", flush=True)


def measure_follow(engine: str, source_url: str, server: Server, ids: list[str], folder: Path) -> None:
    if not follow_available():
        print(f"{engine} follow: not measured: this tree's `callcenter directory follow` is not there yet")
        return
    api = server.base + "/hsds"
    with follower_database(engine, folder) as follower_url:
        upgraded = callcenter(follower_url, "db", "upgrade", timeout=300)
        if upgraded.returncode != 0:
            print(f"{engine} follow: not measured: db upgrade failed: {upgraded.stderr.strip()[-500:]}")
            return
        if not timed_follow(engine, "full", follower_url, api, server):
            return
        renamed = change_services(source_url, ids)
        if not timed_follow(engine, f"incremental ({len(renamed)} changed)", follower_url, api, server):
            return
        follow_check(engine, source_url, follower_url, renamed)


def measure(engine: str, url: str, args: argparse.Namespace, folder: Path) -> None:
    started = time.perf_counter()
    ids = build(url, args.providers)
    print(
        f"{engine} build: {time.perf_counter() - started:.0f} s (target: report; {len(ids)} services, each with "
        f"its service_at_location and provider, through the HSDS import)",
        flush=True,
    )
    settle()
    server = Server(url, folder / f"hsds-web-{engine}.log")
    print(f"{engine} start: {server.start_seconds:.1f} s (target: report; until /healthz answers)", flush=True)
    try:
        measure_load(engine, server, ids, args)
        if "follow" in args.scenarios:
            measure_follow(engine, url, server, ids, folder)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=50_000, help="services in the directory (default 50000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per scenario (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured load before each scenario (default 2)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--interval-ms", type=float, default=100.0, help="each client's request period (default 100)")
    parser.add_argument("--engine", choices=("both", "sqlite", "postgres"), default="both")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="which to run, comma-separated (default all)")
    args = parser.parse_args()
    args.scenarios = {name.strip() for name in args.scenarios.split(",")}
    # Stopped with a plain kill: unwind, so the server and a running follow are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    unknown = args.scenarios - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {', '.join(sorted(unknown))}: choose from {', '.join(SCENARIOS)}")
    # Server passes its environment on to `callcenter web`: every client here is 127.0.0.1.
    os.environ["CALLCENTER_HSDS_API_REQUESTS_PER_MINUTE"] = "100000"

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if args.engine in ("both", "sqlite"):
            measure("sqlite", f"sqlite:///{folder / 'source.db'}", args, folder)
        if args.engine in ("both", "postgres"):
            with temporary_postgres("cc_hsds") as url:
                measure("postgres", url, args, folder)


if __name__ == "__main__":
    main()
