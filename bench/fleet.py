"""A statewide line on one PostgreSQL server: N consoles at once, direct and through PgBouncer.

    .venv/bin/python bench/fleet.py [--sizes 50,150,300] [--modes direct,pgbouncer] [--seconds 30]
        [--calls 500000] [--providers 50000] [--promises 20000] [--workers 4] [--pool-size 20]

Each simulated console does the database work the real one does, through the same store functions
its screens call, on its own `Database` (its own connection pool), with two threads as the real
console has (the screen's refresh worker, and the board's promise/presence workers):

- every console: presence every 15 s (agents.report_presence), its promises every 5 s
  (promises.open_for), and every 30 s the sweep any board runs (promises.sweep,
  consults.release_from_off_shift, consults.unassigned for psychiatrists, audit.seal);
- reps (80 %): the board every second as the screen reads it (calls.board_if_changed: the change
  stamp, and the board when it moved or every 30 s); half of them are on a call at any moment
  (calls 3 minutes long, 3 minutes between them): claim (calls.claim_next, intakes.start), one draft
  save a second while on the call (intakes.save_draft), then submit and end (intakes.submit,
  calls.end_call, agents.change_state); arrivals fed (calls.arrive) at the rate reps claim them;
- supervisors (8 %): the monitor every second (monitor.shared_snapshot: computed by one console a
  second for all; calls.board_if_changed(None, 200); alerts.refresh);
- psychiatrists (4 %): the board every second, their consult list every 5 s (consults.for_psychiatrist);
- case managers and peer specialists (4 %): the board every second, their caseload every 5 s;
- wallboards (4 %): monitor.shared_snapshot and alerts.refresh every second;
- plus 4 web-site processes' pools (16 connections at most each, as `callcenter web`), each
  searching the directory every 5 s (directory.search).

Every console also reads `SELECT 1` every 5 s through the same pool: the floor of what any read
costs at that concurrency (client scheduling, pool, round trip). When the real operations' p95 is
many times that floor, the client side is not what makes them slow. The client processes' own CPU
and the rate of board refreshes achieved against the nominal one (one per console a second: a
starved console skips ticks, as the real one does) say whether the client kept up.

The database runs on a private PostgreSQL cluster this bench makes with the installed server's
initdb (default max_connections = 100, on a free port; dropped afterwards), so the consoles'
connections refuse no one else's and its CPU (the postmaster and its children, from /proc) is the
fleet's alone. PgBouncer 1.18 (Debian's) in transaction pooling mode; consoles then use
`?pgbouncer=on` (no prepared statements, a pool of 2).

Before each mode's runs, each operation above runs alone a few hundred times on the quiet server
(`fleet_<mode>_cost_<op>`: its server CPU). Those costs times each console's rates give the server
CPU N consoles need at the full rate (`..._server_cpu_projected`), which the bench's own clients,
sharing the machine, cannot reach from 150 consoles on.

Prints `name: value unit (target ...)` lines per mode and size, then the targets at the largest
size through PgBouncer beside the direct figures at the smallest, and where it breaks first.
"""

from __future__ import annotations

import argparse
import glob
import multiprocessing
import os
import pwd
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import percentile

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York, as the builders use
TICK = 1.0
PRESENCE_EVERY, PROMISES_EVERY, SWEEP_EVERY, LIST_EVERY = 15, 5, 30, 5
# Of every 25 consoles: 20 reps, 2 supervisors, 1 psychiatrist, 1 case manager or peer specialist, 1 wallboard.
MIX = (("rep", 0.80), ("supervisor", 0.08), ("psychiatrist", 0.04), ("team", 0.04), ("wallboard", 0.04))
WEB_SITES = 4
WEB_SEARCH_EVERY = 5  # seconds between one site's searches (families, a steady trickle)
TRIVIAL_EVERY = 5  # seconds between one console's SELECT 1 probes
FULL_READ_EVERY = 30  # a board reads itself whatever its change stamp says (ui/screens/board: the same)
TARGET_MS = 100.0
SERVER_CPU_TARGET = 50.0  # % of this machine


def role_counts(n: int) -> dict[str, int]:
    counts = {kind: int(n * share) for kind, share in MIX}
    counts["rep"] += n - sum(counts.values())
    return counts


# -- a private PostgreSQL cluster ---------------------------------------------------------------


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and the server refuse root: run them as the server's account."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise SystemExit("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="cc_fleet_pg_"))
        self.data = self.folder / "data"
        self.port = _free_port()
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)

    def start(self) -> None:
        subprocess.run(
            _as_postgres(
                [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
                + ["--no-sync", "--locale=C.UTF-8"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
            "-c max_connections=100 -c shared_buffers=256MB -c fsync=on"
        )
        subprocess.run(
            _as_postgres(
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w"]
                + ["start"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    @property
    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree_cpu_seconds(root: int) -> float:
    """CPU of a process, of its children that ended (cutime, cstime) and of those still running."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = _stat(root)
    if fields is None:
        return 0.0
    total = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != root:
            child = _stat(int(entry))
            if child is not None and int(child[1]) == root:  # ppid
                total += int(child[11]) + int(child[12])
    return total / ticks


def process_cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the data -----------------------------------------------------------------------------------


def build(cluster: Cluster, args) -> None:
    from sqlalchemy import create_engine, insert, text

    admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE fleet"))
        conn.execute(text("CREATE ROLE callcenter_console NOLOGIN"))
        conn.execute(text("CREATE ROLE callcenter_web NOLOGIN"))
        conn.execute(text("CREATE ROLE fleet LOGIN IN ROLE callcenter_console"))
        conn.execute(text("CREATE ROLE fleetweb LOGIN IN ROLE callcenter_web"))
    admin.dispose()
    owner = cluster.url("fleet")
    started = time.perf_counter()
    import monitor as monitor_bench  # bench/monitor.py: a year of calls, a queue, agents, promises
    import search as search_bench  # bench/search.py: the grown directory

    search_bench.fill(owner, args.providers)
    monitor_bench.fill(owner, args.calls, args.waiting, 200, args.promises)

    from callcenter.store import roles
    from callcenter.store.db import Database
    from callcenter.store.models import Agent

    db = Database(owner)
    most = role_counts(max(args.sizes))
    people = []
    for kind, count in most.items():
        for index in range(count):
            role = kind
            if kind == "team":
                role = "case_manager" if index % 2 == 0 else "peer_specialist"
            if kind == "wallboard":
                role = "supervisor"
            people.append(
                {
                    "username": f"fleet_{kind}{index}",
                    "display_name": f"Fleet {kind} {index}",
                    "role": role,
                    "state": "offline",
                    "state_since": NOW - timedelta(hours=1),
                    "active": True,
                    "failed_logins": 0,
                    "created_at": NOW - timedelta(days=30),
                    "version": 1,
                }
            )
    with db.write() as session:
        session.execute(insert(Agent), people)
    roles.apply_grants(db, "callcenter_console", "callcenter_web")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    db.dispose()
    print(
        f"fleet_data: {args.calls} calls, {args.providers} providers, {args.promises} promises, "
        f"{args.waiting} waiting, {len(people)} console agents built in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


# -- one worker process: some consoles and perhaps a web site --------------------------------------


def select_one(db) -> None:
    """The floor of any read at the current concurrency: pool, round trip, scheduling."""
    from sqlalchemy import text

    with db.read() as session:
        session.execute(text("SELECT 1"))


class Recorder:
    def __init__(self, window: tuple[float, float]) -> None:
        self.window = window
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.lock = threading.Lock()

    def sample(self, op: str, started_wall: float, elapsed_ms: float) -> None:
        if self.window[0] <= started_wall <= self.window[1]:
            with self.lock:
                self.samples[op].append(elapsed_ms)

    def run(self, op: str, work):
        started_wall = time.time()
        started = time.perf_counter()
        try:
            result = work()
        except Exception as error:  # noqa: BLE001 - counted by kind, and the console goes on
            if self.window[0] <= started_wall <= self.window[1]:
                with self.lock:
                    self.errors[f"{op}:{error_kind(error)}"] += 1
            raise
        if self.window[0] <= started_wall <= self.window[1]:
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                self.samples[op].append(elapsed)
        return result


def error_kind(error: BaseException) -> str:
    """The driver's reason under the store's plain message ("Cannot reach the database ...")."""
    causes = []
    seen: BaseException | None = error
    while seen is not None and len(causes) < 5:
        causes.append(str(getattr(seen, "orig", None) or seen))
        seen = seen.__cause__ or seen.__context__
    text = " ".join(causes).lower()
    if "too many clients" in text or "remaining connection slots" in text or "too many connections" in text:
        return "refused"
    if "no more connections allowed" in text:  # pgbouncer's max_client_conn
        return "refused"
    if "timeout" in text or "timed out" in text:
        return "timeout"
    if "connection" in text and ("refused" in text or "failed" in text):
        return "refused"
    return type(error).__name__


def clock(clock0: float) -> datetime:
    return NOW + timedelta(seconds=time.time() - clock0)


def _every(stop: threading.Event, phase: float, body, first_tick: int = 0) -> None:
    """Call body(tick) once a second from `phase`; ticks missed while it ran are skipped, as a
    console's timer skips a refresh while the last one is still reading. `first_tick`: where this
    console is in its 15- and 30-second cycles (consoles were signed in at different moments)."""
    next_at = phase
    tick = first_tick
    while not stop.is_set():
        delay = next_at - time.time()
        if delay > 0 and stop.wait(delay):
            return
        tick += 1
        with suppress(Exception):
            body(tick)
        next_at += TICK
        now = time.time()
        if next_at < now:
            next_at += int((now - next_at) / TICK + 1) * TICK


FIELDS = (
    ("caller_type", "parent_guardian"),
    ("caller_name", "Maria Lopez"),
    ("callback_number", "(203) 555-0143"),
    ("guardian_name", "Maria Lopez"),
    ("guardian_husky", "no"),
    ("child_first_name", "Christopher"),
    ("child_last_name", "Lopez"),
    ("child_dob", "11/2/2023"),
    ("child_sex", "male"),
    ("child_zip", "06106"),
    ("child_town", "Hartford"),
    ("child_language", "Spanish"),
    ("insurance", "husky_a"),
    ("symptoms", "Hits his mother, runs from her in public, never listens."),
    ("diagnosis", "unknown"),
    ("duration", "6 months"),
    ("urgency", "routine"),
    ("consult_question_type", "none"),
    ("need_scheduling", "yes"),
)


class Console:
    def __init__(self, kind: str, username: str, url: str, settings: dict, rec: Recorder, rng: random.Random):
        from callcenter.store.db import Database

        self.kind, self.username, self.settings, self.rec, self.rng = kind, username, settings, rec, rng
        self.db = Database(url)
        self.me = None  # the signed-in agent
        self.call = None  # (call id, intake id, version, fields, ends at)
        self.wall_supervisor: int | None = None
        self.board_seen: int | None = None  # the change stamp of the board last read
        self._first_tick = True
        self.clock0 = settings["clock0"]

    # the screen's worker
    def screen(self, tick: int) -> None:

        from callcenter.store import agents, alerts, calls, consults, handoffs, monitor

        now = clock(self.clock0)
        if self.kind == "wallboard":
            if self.wall_supervisor is None:
                self.wall_supervisor = self.rec.run(
                    "sign_in", lambda: agents.get_by_username(self.db, self.username)
                ).id
            from callcenter.domain.actor import Actor

            def wall():
                taken = monitor.shared_snapshot(self.db, self.wall_supervisor, now)
                alerts.refresh(self.db, Actor.shell("wallboard"), taken, self.settings["alerts"])

            self.rec.run("wallboard", wall)
        else:
            if self.me is None:
                self.me = self.rec.run("sign_in", lambda: agents.open_session(self.db, self.username, now))
            me = self.me
            if self.kind == "supervisor":

                def refresh():
                    taken = monitor.shared_snapshot(self.db, me.id, now)
                    self.board_seen, _ = calls.board_if_changed(self.db, None, self.board_seen, waiting_limit=200)
                    alerts.refresh(self.db, me.actor, taken, self.settings["alerts"])

                self.rec.run("monitor", refresh)
            else:

                def board() -> bool:
                    seen = None if tick % FULL_READ_EVERY == 0 else self.board_seen
                    self.board_seen, read = calls.board_if_changed(self.db, me.id, seen)
                    return read is not None

                started_wall, started = time.time(), time.perf_counter()
                if self.rec.run("board", board):  # the ticks that found the stamp moved, and read the board
                    self.rec.sample("board_read", started_wall, (time.perf_counter() - started) * 1000)
                if self.kind == "psychiatrist" and tick % LIST_EVERY == 0:
                    self.rec.run("consults", lambda: consults.for_psychiatrist(self.db, me.id))
                if self.kind == "team" and tick % LIST_EVERY == 0:
                    self.rec.run("caseload", lambda: handoffs.caseload(self.db, me.id))
                if self.kind == "rep":
                    self.rep_work(now)

        if tick % TRIVIAL_EVERY == 0:
            self.rec.run("trivial", lambda: select_one(self.db))

    def rep_work(self, now: datetime) -> None:
        from callcenter.domain.model import AgentState, Disposition
        from callcenter.domain.timefmt import line_zone
        from callcenter.store import agents, calls, intakes

        me = self.me
        if self.call is None:
            handle, idle = self.settings["handle_seconds"], self.settings["idle_seconds"]
            # At the start, reps are on a call in the share they are at any moment, part-way through it.
            first = self._first_tick
            self._first_tick = False
            chance = handle / (handle + idle) if first else 1.0 / idle
            if self.rng.random() < chance:

                def claim():
                    call = calls.claim_next(self.db, me.id, now)
                    if call is None:
                        return None
                    return call, intakes.start(self.db, me.id, now, call_id=call.id)

                taken = self.rec.run("claim", claim)
                if taken is not None:
                    call, draft = taken
                    ends = time.time() + self.rng.uniform(0.0 if first else 0.5, 1.5) * handle
                    self.call = (call.id, draft.id, draft.version, {}, ends)
            return
        call_id, intake_id, version, fields, ends = self.call
        if time.time() < ends:
            for _ in range(self.settings["saves_per_second"]):
                name, value = FIELDS[len(fields) % len(FIELDS)]
                fields[name] = value if name not in fields else value + " " + str(self.rng.randint(0, 9))

                def save(expected: int = version) -> int:
                    return intakes.save_draft(self.db, me.id, intake_id, fields, expected, now)

                version = self.rec.run("draft_save", save)
                self.call = (call_id, intake_id, version, fields, ends)
            return
        self.call = None
        done = dict(FIELDS, medicaid_number=f"{self.rng.randint(0, 999_999_999):09d}")

        def submit():
            saved = intakes.save_draft(self.db, me.id, intake_id, done, version, now)
            intakes.submit(
                self.db,
                me.id,
                intake_id,
                done,
                saved,
                now,
                now.astimezone(line_zone()).date(),
                policy=self.settings["policy"],
            )
            calls.end_call(self.db, me.id, call_id, Disposition.REFERRAL_GIVEN, now)
            agents.change_state(self.db, me.id, me.id, AgentState.AVAILABLE, now)

        self.rec.run("submit", submit)

    # the board's other workers: promises, the sweep, presence
    def background(self, tick: int) -> None:
        from callcenter.domain.roles import Permission, can
        from callcenter.store import agents, audit, consults, promises
        from callcenter.store.errors import StoreError

        me = self.me
        if me is None or self.kind == "wallboard":
            return
        now = clock(self.clock0)
        if tick % PRESENCE_EVERY == 1:
            self.rec.run("presence", lambda: agents.report_presence(self.db, me.id, now, me.console_token))
        if tick % SWEEP_EVERY == 1:

            def sweep():
                promises.sweep(self.db, now, self.settings["policy"])
                consults.release_from_off_shift(self.db, now)
                if can(me.role, Permission.RETURN_CONSULTS):
                    consults.unassigned(self.db, me.id)

            self.rec.run("sweep", sweep)

            def seal():
                with suppress(StoreError):  # another console is sealing: the next sweep goes on
                    audit.seal(self.db)

            self.rec.run("seal", seal)
        if tick % PROMISES_EVERY == 1:
            self.rec.run("promises", lambda: promises.open_for(self.db, me.id))

    def finish(self) -> None:
        """After the window: a call still open is ended, so the next run starts from a quiet line."""
        from callcenter.domain.model import AgentState, Disposition
        from callcenter.store import agents, calls

        if self.call is not None and self.me is not None:
            now = clock(self.clock0)
            with suppress(Exception):
                calls.end_call(self.db, self.me.id, self.call[0], Disposition.INFORMATION_ONLY, now)
                agents.change_state(self.db, self.me.id, self.me.id, AgentState.AVAILABLE, now)
        with suppress(Exception):
            self.db.dispose()


def worker(specs, url, web_url, web_sites, settings, window, results) -> None:
    from callcenter.config import alert_settings, promise_policy

    settings = dict(settings, alerts=alert_settings(), policy=promise_policy())
    # The consoles stand for 300 terminals on other machines: here they yield the CPU to the server first.
    os.nice(settings["nice"])
    rec = Recorder(window)
    stop = threading.Event()
    rng = random.Random(os.getpid())
    threads = []
    consoles = []
    start = time.time()
    for kind, username in specs:
        console = Console(kind, username, url, settings, rec, random.Random(rng.random()))
        consoles.append(console)
        offset = start + rng.random() * min(5.0, settings["warmup"] / 2)  # consoles start over a few seconds
        threads.append(threading.Thread(target=_every, args=(stop, offset, console.screen), daemon=True))
        cycle_at = rng.randrange(SWEEP_EVERY * PRESENCE_EVERY)
        background = (stop, offset + 0.5 + rng.random() * 0.4, console.background, cycle_at)
        threads.append(threading.Thread(target=_every, args=background, daemon=True))
    if web_sites:
        import search as search_bench
        from callcenter.store import directory
        from callcenter.store.db import Database

        queries = list(search_bench.queries().values())
        for _ in range(web_sites):
            site = Database(web_url, create=False, pool_size=16)  # WEB_THREADS in web/site.py

            def searcher(tick: int, site=site) -> None:
                if tick % WEB_SEARCH_EVERY == 0:
                    query = queries[rng.randrange(len(queries))]
                    rec.run("web_search", lambda: directory.search(site, query, clock(settings["clock0"]), limit=30))

            searching = (stop, start + rng.random(), searcher, rng.randrange(WEB_SEARCH_EVERY))
            threads.append(threading.Thread(target=_every, args=searching, daemon=True))
    if settings["feed_per_second"] > 0:
        from callcenter.store import calls
        from callcenter.store.db import Database

        feed_db = Database(url)
        lines = ("877",) * 8 + ("866", "tty")

        def feed() -> None:
            while not stop.is_set():
                if stop.wait(rng.expovariate(settings["feed_per_second"])):
                    return
                with suppress(Exception):
                    rec.run(
                        "arrive",
                        lambda: calls.arrive(
                            feed_db,
                            rng.choice(lines),
                            f"(860) 555-{rng.randint(0, 9999):04d}",
                            clock(settings["clock0"]),
                        ),
                    )

        threads.append(threading.Thread(target=feed, daemon=True))
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window[0] - time.time()))
    cpu_start = time.process_time()
    time.sleep(max(0.0, window[1] - time.time()))
    cpu = time.process_time() - cpu_start
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    for console in consoles:
        console.finish()
    results.put((dict(rec.samples), dict(rec.errors), cpu))


# -- one run: a mode and a size -------------------------------------------------------------------


def consoles_for(n: int) -> list[tuple[str, str]]:
    return [(kind, f"fleet_{kind}{index}") for kind, count in role_counts(n).items() for index in range(count)]


def run_once(mode: str, n: int, urls: dict, cluster: Cluster, bouncer, args) -> dict:
    import psycopg

    specs = consoles_for(n)
    random.Random(n).shuffle(specs)
    reps = role_counts(n)["rep"]
    cycle = args.handle_seconds + args.idle_seconds
    warmup = 12 + n / 25
    start = time.time()
    window = (start + warmup, start + warmup + args.seconds)
    settings = {
        "clock0": args.clock0,
        "warmup": warmup,
        "handle_seconds": args.handle_seconds,
        "idle_seconds": args.idle_seconds,
        "saves_per_second": args.saves_per_second,
        "nice": args.nice,
        "feed_per_second": 0.0,
    }
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = []
    for index in range(args.workers):
        mine = specs[index :: args.workers]
        sites = len(range(index, WEB_SITES, args.workers))
        feed = reps / cycle if index == 0 else 0.0  # callers arrive as fast as reps take them
        process = context.Process(
            target=worker,
            args=(mine, urls["console"], urls["web"], sites, dict(settings, feed_per_second=feed), window, results),
        )
        process.start()
        processes.append(process)
    # The server's side, sampled from a connection opened before the consoles' (a superuser's reserved slot).
    sampler = psycopg.connect(cluster.url("postgres").replace("+psycopg", ""), autocommit=True)
    connections: list[int] = []
    active: list[int] = []
    time.sleep(max(0.0, window[0] - time.time()))
    server0 = tree_cpu_seconds(cluster.postmaster)
    bouncer0 = process_cpu_seconds(bouncer.process.pid) if bouncer is not None and bouncer.process else 0.0
    machine0 = _machine_busy()
    while time.time() < window[1]:
        row = sampler.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()
        connections.append(row[0])
        active.append(row[1])
        time.sleep(1.0)
    server_cpu = tree_cpu_seconds(cluster.postmaster) - server0
    bouncer_cpu = (
        (process_cpu_seconds(bouncer.process.pid) - bouncer0) if bouncer is not None and bouncer.process else 0.0
    )
    machine = _machine_busy()
    machine_share = (machine[0] - machine0[0]) / max(1e-9, machine[1] - machine0[1]) * 100
    samples: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    client_cpu = 0.0
    for _ in processes:
        part, wrong, cpu = results.get(timeout=300)
        for op, values in part.items():
            samples[op].extend(values)
        errors.update(wrong)
        client_cpu += cpu
    for process in processes:
        process.join(timeout=60)
    sampler.close()
    return {
        "samples": samples,
        "errors": errors,
        "connections_max": max(connections, default=0),
        "connections_mean": sum(connections) / max(1, len(connections)),
        "active_mean": sum(active) / max(1, len(active)),
        "server_cpu": server_cpu,
        "bouncer_cpu": bouncer_cpu,
        "client_cpu": client_cpu,
        "machine_share": machine_share,
    }


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every CPU since boot."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# -- what each operation costs the server, one at a time -------------------------------------------

COST_RUNS = {"monitor_compute": 20, "sweep": 10, "board_read": 200, "board_compute": 200, "waiting_list": 200}
CHANGES_PER_CALL = 4  # stamp moves: it arrives, a rep takes it, it ends, the rep is ready again


def operation_costs(cluster: Cluster, mode: str, urls: dict[str, str], args) -> dict[str, float]:
    """Server CPU (ms) of each operation a console repeats, run one at a time on a quiet server.

    With the consoles' rates, these say what N consoles at the full rate cost the server, whether or
    not the bench's own clients keep up at that size (from 150 on, on one machine, they do not).
    Measured in each mode: through PgBouncer nothing is prepared, so every statement is planned anew."""

    import search as search_bench
    from callcenter.config import alert_settings, promise_policy
    from callcenter.domain.model import AgentState, Disposition
    from callcenter.store import (
        agents,
        alerts,
        audit,
        calls,
        consults,
        directory,
        intakes,
        monitor,
        promises,
        shared,
    )
    from callcenter.store.db import Database
    from callcenter.store.errors import StoreError

    db = Database(urls["console"])
    site = Database(urls["web"], create=False)
    queries = list(search_bench.queries().values())
    now = clock(args.clock0)
    rep = agents.open_session(db, "fleet_rep0", now)
    supervisor = agents.open_session(db, "fleet_supervisor0", now)
    agents.change_state(db, rep.id, rep.id, AgentState.AVAILABLE, now)  # an earlier run may have left it in wrap-up
    call = calls.claim_next(db, rep.id, now)
    draft = intakes.start(db, rep.id, now, call_id=call.id) if call is not None else None
    version = calls.board_version(db)
    taken = monitor.snapshot(db, supervisor.id, now)
    settings, policy = alert_settings(), promise_policy()
    typed: dict[str, str] = {}
    state = {"version": draft.version if draft else 0}

    def save_draft() -> None:
        name, value = FIELDS[len(typed) % len(FIELDS)]
        typed[name] = value
        state["version"] = intakes.save_draft(db, rep.id, draft.id, typed, state["version"], now)

    def sweep() -> None:
        promises.sweep(db, now, policy)
        consults.release_from_off_shift(db, now)
        with suppress(StoreError):
            audit.seal(db, only_if_free=True)

    operations = {
        "stamp": lambda: calls.board_if_changed(db, rep.id, version),
        "board_read": lambda: calls.board_if_changed(db, rep.id, None),  # its shared part read from the stored row
        "board_compute": lambda: shared.at_stamp(
            db, "fleet-cost", calls.Queue, version, lambda: calls._read_queue(db, 100)
        ),  # once per stamp for every board: the turn, the read, the row stored
        "monitor_compute": lambda: monitor.snapshot(db, supervisor.id, now),
        "monitor_read": lambda: monitor.shared_snapshot(db, supervisor.id, now, max_age_seconds=3600),
        "waiting_list": lambda: calls.board_if_changed(db, None, None, waiting_limit=200),
        "alerts": lambda: alerts.refresh(db, supervisor.actor, taken, settings),
        "promises": lambda: promises.open_for(db, rep.id),
        "presence": lambda: agents.report_presence(db, rep.id, now, rep.console_token),
        "sweep": sweep,
        "web_search": lambda: directory.search(site, queries[len(typed) % len(queries)], now, limit=30),
        "trivial": lambda: select_one(db),
    }
    if draft is not None:
        operations["draft_save"] = save_draft
    costs = {}
    for name, operation in operations.items():
        for _ in range(3):
            operation()
        runs = COST_RUNS.get(name, 500)
        before = tree_cpu_seconds(cluster.postmaster)
        for _ in range(runs):
            operation()
        costs[name] = (tree_cpu_seconds(cluster.postmaster) - before) / runs * 1000
        print(
            f"fleet_{mode}_cost_{name}: {costs[name]:.3f} ms of server CPU (target: report; {runs} runs one at a time)"
        )
    if call is not None:
        calls.end_call(db, rep.id, call.id, Disposition.INFORMATION_ONLY, now)
        agents.change_state(db, rep.id, rep.id, AgentState.AVAILABLE, now)
    db.dispose()
    site.dispose()
    return costs


def projected_server_share(costs: dict[str, float], n: int, board_reads_share: float, cycle: float) -> float:
    """% of this machine the server needs for N consoles at the full rate (claims and submissions,
    a few a second for the whole line, left out). ``cycle``: seconds between one rep's calls."""
    counts = role_counts(n)
    boards = counts["rep"] + counts["psychiatrist"] + counts["team"]
    screens = counts["supervisor"] + counts["wallboard"]
    board = board_reads_share * costs["board_read"] + (1 - board_reads_share) * costs["stamp"]
    per_second = (
        boards * board
        + screens * (costs["monitor_read"] + costs["alerts"])
        + counts["supervisor"] * board_reads_share * costs["waiting_list"]
        + costs["monitor_compute"]  # once a second for all of them
        + CHANGES_PER_CALL * counts["rep"] / cycle * costs["board_compute"]  # once per stamp for all boards
        + (n - counts["wallboard"]) * (costs["presence"] / PRESENCE_EVERY + costs["promises"] / PROMISES_EVERY)
        + (n - counts["wallboard"]) * costs["sweep"] / SWEEP_EVERY
        + counts["rep"] / 2 * costs.get("draft_save", 0.0)  # half the reps on a call, a save a second
        + n * costs["trivial"] / TRIVIAL_EVERY
        + WEB_SITES * costs["web_search"] / WEB_SEARCH_EVERY
    )
    return per_second / 1000 / (os.cpu_count() or 1) * 100


OPS = (
    "board",
    "board_read",
    "monitor",
    "wallboard",
    "promises",
    "presence",
    "sweep",
    "seal",
    "consults",
    "caseload",
    "claim",
    "draft_save",
    "submit",
    "arrive",
    "web_search",
    "trivial",
)


def report(mode: str, n: int, result: dict, seconds: float) -> dict:
    cpus = os.cpu_count() or 1
    tag = f"fleet_{mode}_{n}"
    figures: dict[str, float] = {}
    for op in OPS:
        values = result["samples"].get(op, [])
        if not values:
            continue
        p95 = percentile(values, 0.95)
        figures[op] = p95
        target = f"target ≤ {TARGET_MS:.0f}" if op in ("board", "monitor") else "target: report"
        print(f"{tag}_{op}_p95: {p95:.1f} ms ({target}; median {percentile(values, 0.5):.1f}, {len(values)} runs)")
    counts = role_counts(n)
    nominal = {
        "board": counts["rep"] + counts["psychiatrist"] + counts["team"],
        "monitor": counts["supervisor"],
        "wallboard": counts["wallboard"],
    }
    for op, per_second in nominal.items():
        if per_second:
            done = len(result["samples"].get(op, [])) / seconds
            print(f"{tag}_{op}_rate: {done:.1f} /s (target {per_second}: 1/s per console; fewer: ticks skipped)")
            figures[f"{op}_kept_up"] = done / per_second
    ticks, reads = len(result["samples"].get("board", [])), len(result["samples"].get("board_read", []))
    if ticks:
        figures["board_reads_share"] = reads / ticks
        print(
            f"{tag}_board_reads_share: {reads / ticks * 100:.0f} % of board ticks read the board "
            "(target: report; the others found the change stamp unchanged)"
        )
    trivial = figures.get("trivial")
    if trivial:
        for op in ("board", "monitor"):
            if op in figures:
                print(
                    f"{tag}_{op}_over_trivial: {figures[op] / trivial:.1f} x "
                    "(baseline: SELECT 1 at the same concurrency)"
                )
    refused = sum(count for key, count in result["errors"].items() if key.endswith(":refused"))
    others = {key: count for key, count in result["errors"].items() if not key.endswith(":refused")}
    print(f"{tag}_refused: {refused} errors (target 0)")
    print(
        f"{tag}_other_errors: {sum(others.values())} errors (target: report; {dict(sorted(others.items())) or 'none'})"
    )
    print(
        f"{tag}_connections_max: {result['connections_max']} server connections (target: report; max_connections 100)"
    )
    print(f"{tag}_connections_active_mean: {result['active_mean']:.1f} running statements (target: report)")
    server_share = result["server_cpu"] / seconds / cpus * 100
    print(f"{tag}_server_cpu: {server_share:.1f} % of the machine (target < {SERVER_CPU_TARGET:.0f})")
    per_console = result["server_cpu"] / seconds / n * 1000
    print(f"{tag}_server_cpu_per_console: {per_console:.2f} ms/s (target: report)")
    kept_up = min(1.0, figures.get("board_kept_up", 1.0))
    refused_now = sum(count for key, count in result["errors"].items() if key.endswith(":refused"))
    if kept_up < 0.95 and not refused_now:  # the consoles did less than a real line would: what the full rate costs
        full = per_console / max(kept_up, 0.01)
        print(
            f"{tag}_server_cpu_at_full_rate: {full * n / 1000 / cpus * 100:.0f} % of the machine (estimate: "
            f"{full:.2f} ms/s per console at 1/s, from {kept_up * 100:.0f} % of the refreshes run; target < "
            f"{SERVER_CPU_TARGET:.0f})"
        )
    if mode == "pgbouncer":
        print(
            f"{tag}_pgbouncer_cpu: {result['bouncer_cpu'] / seconds / cpus * 100:.1f} % of the machine (target: report)"
        )
    print(f"{tag}_client_cpu: {result['client_cpu'] / seconds / cpus * 100:.1f} % of the machine (target: report)")
    print(f"{tag}_machine_busy: {result['machine_share']:.1f} % (target: report; everything on the machine)")
    figures.update(refused=refused, server_share=server_share, machine=result["machine_share"])
    return figures


def failures(figures: dict) -> list[str]:
    wrong = []
    if figures.get("refused", 0):
        wrong.append(f"{figures['refused']} refused")
    for op in ("board", "monitor"):
        if figures.get(op, 0) > TARGET_MS:
            wrong.append(f"{op} p95 {figures[op]:.0f} ms")
    if figures.get("board_kept_up", 1.0) < 0.9 and not figures.get("refused", 0):
        wrong.append(f"only {figures['board_kept_up'] * 100:.0f} % of the board refreshes ran (machine saturated)")
    if figures.get("server_share", 0) >= SERVER_CPU_TARGET:
        wrong.append(f"server CPU {figures['server_share']:.0f} %")
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,150,300")
    parser.add_argument("--modes", default="direct,pgbouncer")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per mode and size")
    parser.add_argument("--calls", type=int, default=500_000)
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--promises", type=int, default=20_000)
    parser.add_argument("--waiting", type=int, default=300, help="callers waiting when the run starts")
    parser.add_argument("--workers", type=int, default=4, help="client processes the consoles are spread over")
    parser.add_argument("--pool-size", type=int, default=20, help="PgBouncer's default_pool_size")
    parser.add_argument("--handle-seconds", type=float, default=180.0)
    parser.add_argument("--idle-seconds", type=float, default=180.0)
    parser.add_argument("--saves-per-second", type=int, default=1)
    parser.add_argument("--nice", type=int, default=10, help="niceness of the client processes (0: as the server)")
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",")]
    modes = [mode.strip() for mode in args.modes.split(",")]
    sys.path.insert(0, str(ROOT))  # tests/pgbouncer.py: the same PgBouncer the tests start
    from tests.pgbouncer import PgBouncer

    cluster = Cluster()
    bouncer = None
    try:
        cluster.start()
        build(cluster, args)
        args.clock0 = time.time()
        direct = {"console": cluster.url("fleet", "fleet"), "web": cluster.url("fleet", "fleetweb")}
        print(
            f"fleet_setup: {os.cpu_count()} CPUs, {args.workers} client processes, {args.seconds:.0f} s per run, "
            f"PgBouncer pool_mode=transaction default_pool_size={args.pool_size} max_client_conn=5000",
            flush=True,
        )
        all_figures: dict[tuple[str, int], dict] = {}
        for mode in modes:
            urls = direct
            if mode == "pgbouncer":
                bouncer = PgBouncer(
                    cluster.url("postgres"),
                    ["postgres", "fleet", "fleetweb"],
                    default_pool_size=args.pool_size,
                    max_client_conn=5000,
                )
                bouncer.start()
                urls = {key: bouncer.url(value) for key, value in direct.items()}
            costs = operation_costs(cluster, mode, urls, args)
            for n in args.sizes:
                result = run_once(mode, n, urls, cluster, bouncer, args)
                all_figures[(mode, n)] = figures = report(mode, n, result, args.seconds)
                share = projected_server_share(
                    costs, n, figures.get("board_reads_share", 1.0), args.handle_seconds + args.idle_seconds
                )
                figures["projected_share"] = share
                print(
                    f"fleet_{mode}_{n}_server_cpu_projected: {share:.0f} % of the machine at the full rate (target < "
                    f"{SERVER_CPU_TARGET:.0f}; fleet_cost_* times each console's rates, with this run's share of "
                    "board reads)"
                )
                sys.stdout.flush()
            if bouncer is not None:
                bouncer.cleanup()
                bouncer = None
        largest, smallest = max(args.sizes), min(args.sizes)
        through = all_figures.get(("pgbouncer", largest), {})
        plain = all_figures.get(("direct", smallest), {})
        print(f"-- at {largest} consoles through PgBouncer, beside {smallest} direct --")
        print(
            f"fleet_target_refused_{largest}: {through.get('refused', 'n/a')} errors "
            f"(target 0; direct at {smallest}: {plain.get('refused', 'n/a')})"
        )
        for op in ("board", "monitor"):
            print(
                f"fleet_target_{op}_p95_{largest}: {through.get(op, float('nan')):.1f} ms (target ≤ {TARGET_MS:.0f}; "
                f"direct at {smallest}: {plain.get(op, float('nan')):.1f})"
            )
        print(
            f"fleet_target_server_cpu_{largest}: {through.get('server_share', float('nan')):.1f} % (target < "
            f"{SERVER_CPU_TARGET:.0f}; direct at {smallest}: {plain.get('server_share', float('nan')):.1f})"
        )
        print(
            f"fleet_target_server_cpu_projected_{largest}: {through.get('projected_share', float('nan')):.0f} % "
            f"(target < {SERVER_CPU_TARGET:.0f}; at the full rate, from fleet_cost_*)"
        )
        for mode in modes:
            broken = [(n, failures(all_figures[(mode, n)])) for n in args.sizes if failures(all_figures[(mode, n)])]
            where = f"at {broken[0][0]} consoles: {', '.join(broken[0][1])}" if broken else "holds at every size"
            print(f"fleet_breaks_first_{mode}: {where}")
    finally:
        if bouncer is not None:
            bouncer.cleanup()
        cluster.stop()


if __name__ == "__main__":
    main()
