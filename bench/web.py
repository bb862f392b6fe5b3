"""The public find-care site under load, on SQLite and PostgreSQL, with the directory at 50,000 providers.

    .venv/bin/python bench/web.py [--providers 50000] [--seconds 10] [--clients 50] [--interval-ms 250]
                                  [--engine both|sqlite|postgres] [--scenarios static,search,provider]

`callcenter web` runs as its own process (uvicorn, as in production), started on a free port and
stopped at the end. 50 clients each send one request every 250 ms (200 requests/s offered): each
client waits for its next 250 ms slot, not 250 ms after its answer, so a slow answer does not slow
the load. A request's time runs from its slot to the last byte of the answer, so a client held up
by a slow answer counts the wait as well (no coordinated omission).

Scenarios, each on both engines: the search page (a mix of towns, ZIP codes, words with and without
typos, and filters), a provider page (random providers), and as the baseline in the same run, the
static stylesheet (`/static/site.css`), which touches neither the database nor the templates: its
p95 shows what the server and this client cost by themselves, and proves the client keeps up.

Figures per scenario: p50, p95 (target: search and provider p95 <= 100 ms), p99, errors (anything
but a 200, or no answer within the timeout; target 0), requests/s achieved, p95 as a multiple of the
static page's, and CPU per request (the server's process, this client) with the machine's share busy:
a server at 100% of one core is at its ceiling, whatever the machine has left. Each scenario waits
for the machine to be quiet first (other work on a shared machine would pass for the site's cost).
The rate limit is raised (CALLCENTER_WEB_SEARCHES_PER_MINUTE=100000): every client here comes from
127.0.0.1. The directory is grown as bench/search.py grows it (the same builder, on both engines).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

from _common import percentile, temporary_postgres

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0
TIMEOUT_S = 10.0
START_TIMEOUT_S = 180.0  # SQLite: the demo line is seeded before the site listens

# What families and pediatric offices type: real towns and ZIP codes, words as typed (typos too).
PLACES = (
    "Hartford",
    "New Haven",
    "Bridgeport",
    "Waterbury",
    "Stamford",
    "Norwich",
    "New London",
    "Danbury",
    "Middletown",
    "Torrington",
    "West Hartford",
    "Hamden",
    "Bristol",
    "Meriden",
    "Windham",
    "Enfield",
    "06106",
    "06510",
    "06902",
    "06360",
)
WORDS = (
    "anxiety",
    "depression",
    "adhd",
    "autism",
    "trauma",
    "grief",
    "ocd",
    "eating disorders",
    "school refusal",
    "self harm",
    "substance use",
    "parenting skills",
    "early childhood",
    "bipolar disorder",
    "disruptive behavior",
    "therapist for anxiety",
    "counseling depression teen",
    # typed in a hurry
    "anxeity",
    "depresion",
    "traumma",
    "autsim",
    "adhd evalutation",
    "eating disorder",
    "parenting skils",
    "bipolr",
    "greif counseling",
)
SERVICES = ("outpatient", "mobile crisis", "care coordination", "intensive in-home", "early childhood", "substance use")
LANGUAGES = ("Spanish", "Portuguese", "Polish", "Haitian Creole")


def search_paths(count: int, seed: int = 2026) -> list[str]:
    """`count` searches as the form sends them; each is checked as the site reads it (a typo in
    the place would be a 400 "did you mean": the words carry the typos, the places are real)."""
    from callcenter.domain.find_care import read_search

    rng = random.Random(seed)
    paths: list[str] = []
    while len(paths) < count:
        params: dict[str, str] = {}
        if rng.random() < 0.8:
            params["q"] = rng.choice(WORDS)
        if rng.random() < 0.75 or "q" not in params:
            params["place"] = rng.choice(PLACES)
            params["radius"] = str(rng.choice((5, 10, 25, 25, 25, 50)))
        if rng.random() < 0.5:
            params["age"] = str(rng.randint(2, 18))
        if rng.random() < 0.4:
            params["husky"] = "1"
        if rng.random() < 0.15:
            params["service"] = rng.choice(SERVICES)
        if rng.random() < 0.1:
            params["language"] = rng.choice(LANGUAGES)
        if rng.random() < 0.05:
            params["ecc"] = "1"
        if rng.random() < 0.1:
            params["open"] = "1"
        form = read_search(params)
        if form.problems or form.query is None:
            raise ValueError(f"bench search {params} is not one the site takes: {form.problems}")
        paths.append("/?" + urlencode(params))
    return paths


@dataclass
class Run:
    """One scenario's answers: latency in ms from each request's slot to the end of its answer."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    late_starts: list[float] = field(default_factory=list)  # ms between a slot and the request leaving
    elapsed: float = 0.0

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


async def load(base: str, pick, clients: int, interval: float, seconds: float) -> Run:
    """`clients` clients, each sending `pick(rng)` once per `interval` s for `seconds` s; slots are
    spread evenly over the interval, so the load is steady rather than in bursts of 50."""
    run = Run()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT_S) as client:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05
        end = start + seconds

        async def one(index: int) -> None:
            rng = random.Random(index)
            slot = start + index * interval / clients
            while slot < end:
                delay = slot - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                run.late_starts.append(max(0.0, loop.time() - slot) * 1000)
                try:
                    response = await client.get(pick(rng))
                    done = loop.time()
                    if response.status_code == 200:
                        run.latencies.append((done - slot) * 1000)
                    else:
                        key = f"HTTP {response.status_code}"
                        run.errors[key] = run.errors.get(key, 0) + 1
                except httpx.HTTPError as error:
                    key = type(error).__name__
                    run.errors[key] = run.errors.get(key, 0) + 1
                slot += interval  # the next slot, however long this answer took

        await asyncio.gather(*(one(index) for index in range(clients)))
        run.elapsed = loop.time() - start
    return run


async def check(base: str, paths: list[str]) -> None:
    """Each path once, one after another: every one must answer 200 (the caches warm as they would
    on a site that has been up a while)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for path in paths:
            response = await client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]!r}")


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used (Linux /proc); 0 where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (Linux /proc/stat)."""
    try:
        ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK"), sum(ticks) / os.sysconf("SC_CLK_TCK")


@dataclass
class Cpu:
    """CPU used during one scenario: the server's process, this client, and the machine's share busy."""

    server: float
    client: float
    machine_busy: float  # 0..1 of all cores

    @classmethod
    def around(cls, server_pid: int, work):
        server, client, (busy, total) = process_cpu_seconds(server_pid), time.process_time(), machine_cpu()
        result = work()
        busy_after, total_after = machine_cpu()
        share = (busy_after - busy) / (total_after - total) if total_after > total else 0.0
        return result, cls(process_cpu_seconds(server_pid) - server, time.process_time() - client, share)


def wait_quiet(name: str, busy_below: float = 0.3, patience: float = 60.0) -> None:
    """Before a scenario: wait (up to `patience` s) for a second in which the machine is mostly idle,
    so other work on it (tests, builds) does not pass for the site's cost; says so if it never is."""
    deadline = time.monotonic() + patience
    share = 0.0
    while time.monotonic() < deadline:
        busy, total = machine_cpu()
        time.sleep(1.0)
        busy_after, total_after = machine_cpu()
        if total_after <= total:
            return  # no /proc/stat: nothing to wait for
        share = (busy_after - busy) / (total_after - total)
        if share < busy_below:
            return
    print(f"web: the machine was still {share:.0%} busy before {name} (other work running): figures disturbed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`callcenter web` as a child process, logging to a file (its log names every request)."""

    def __init__(self, url: str, log_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = dict(os.environ, CALLCENTER_WEB_SEARCHES_PER_MINUTE="100000")
        self.log = log_path.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "callcenter", "--database-url", url, "web", "--host", "127.0.0.1"]
            + ["--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - started

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"callcenter web exited ({self.process.returncode}): {self.tail()}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"callcenter web did not answer /healthz in {START_TIMEOUT_S:.0f} s: {self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-1500:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def report(engine: str, name: str, run: Run, offered: float, static_p95: float | None, cpu: Cpu) -> float:
    """Print the scenario's lines; returns its p95."""
    if not run.latencies:
        print(f"web {name} errors {engine}: {run.error_count} (target 0; no request succeeded: {run.errors})")
        return float("nan")
    p50, p95, p99 = (percentile(run.latencies, share) for share in (0.5, 0.95, 0.99))
    total = run.ok + run.error_count
    rate = run.ok / run.elapsed if run.elapsed else 0.0
    print(f"web {name} p50 {engine}: {p50:.1f} ms (target: report)")
    if name == "static":
        print(
            f"web {name} p95 {engine}: {p95:.1f} ms (target: report; the baseline: no database, no template; "
            f"client start lag p95 {percentile(run.late_starts, 0.95):.1f} ms, "
            f"max {max(run.late_starts):.1f} ms)"
        )
    else:
        print(f"web {name} p95 {engine}: {p95:.1f} ms (target <= {TARGET_P95_MS:.0f})")
    print(f"web {name} p99 {engine}: {p99:.1f} ms (target: report; max {max(run.latencies):.1f} ms)")
    detail = "".join(f"; {count} {kind}" for kind, count in sorted(run.errors.items()))
    print(f"web {name} errors {engine}: {run.error_count} (target 0; of {total} requests{detail})")
    print(f"web {name} requests/s {engine}: {rate:.1f} /s (target {offered:.0f} offered)")
    answered = max(1, run.ok + run.error_count)
    print(
        f"web {name} server cpu {engine}: {cpu.server * 1000 / answered:.2f} ms/request (target: report; "
        f"{cpu.server / run.elapsed:.0%} of one core; this client {cpu.client * 1000 / answered:.2f} ms/request; "
        f"machine {cpu.machine_busy:.0%} busy of {os.cpu_count()} cores)"
    )
    if name != "static" and static_p95:
        print(f"web {name} p95 vs static {engine}: {p95 / static_p95:.1f} x (target: report)")
    return p95


def settle() -> None:
    """After the build: its rows out of this process's collections (gc.freeze), and its writes on
    disk, so neither the client's collector nor the kernel's write-back runs into the measurement."""
    gc.collect()
    gc.freeze()
    os.sync()


def measure(engine: str, url: str, args: argparse.Namespace, folder: Path) -> None:
    server = Server(url, folder / f"web-{engine}.log")
    print(f"web start {engine}: {server.start_seconds:.1f} s (target: report; until /healthz answers)", flush=True)
    interval = args.interval_ms / 1000
    offered = args.clients / interval
    searches = search_paths(500)

    def pick_static(_rng: random.Random) -> str:
        return "/static/site.css"

    def pick_search(rng: random.Random) -> str:
        return rng.choice(searches)

    def pick_provider(rng: random.Random) -> str:
        return f"/providers/{rng.randint(1, args.providers)}"

    scenarios = (
        ("static", pick_static, ["/static/site.css"]),
        ("search", pick_search, searches[:60]),
        ("provider", pick_provider, [f"/providers/{i}" for i in (1, args.providers // 2, args.providers)]),
    )
    try:
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
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per scenario (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured load before each scenario (default 2)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--interval-ms", type=float, default=250.0, help="each client's request period (default 250)")
    parser.add_argument("--engine", choices=("both", "sqlite", "postgres"), default="both")
    parser.add_argument(
        "--scenarios", default="static,search,provider", help="which to run, comma-separated (default all three)"
    )
    args = parser.parse_args()
    args.scenarios = {name.strip() for name in args.scenarios.split(",")}

    from search import fill  # the directory grown as bench/search.py grows it

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if args.engine in ("both", "sqlite"):
            sqlite_url = f"sqlite:///{folder / 'web.db'}"
            started = time.perf_counter()
            fill(sqlite_url, args.providers)
            print(f"web build sqlite: {time.perf_counter() - started:.0f} s (target: report)", flush=True)
            settle()
            measure("sqlite", sqlite_url, args, folder)
        if args.engine in ("both", "postgres"):
            with temporary_postgres("cc_web") as pg_url:
                started = time.perf_counter()
                fill(pg_url, args.providers)
                print(f"web build postgres: {time.perf_counter() - started:.0f} s (target: report)", flush=True)
                settle()
                measure("postgres", pg_url, args, folder)


if __name__ == "__main__":
    main()
