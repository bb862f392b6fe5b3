"""The public find-care site under load, on SQLite and PostgreSQL, with the directory at 50,000 providers.

    .venv/bin/python bench/web.py [--providers 50000] [--seconds 10] [--clients 50] [--interval-ms 250]
                                  [--submit-interval-ms 2000] [--engine both|sqlite|postgres]
                                  [--scenarios static,search,search-uncached,provider,submit] [--workers 1]

`callcenter web` runs as its own process (uvicorn, as in production), started on a free port and
stopped at the end. 50 clients each send one request every 250 ms (200 requests/s offered): each
client waits for its next 250 ms slot, not 250 ms after its answer, so a slow answer does not slow
the load. A request's time runs from its slot to the last byte of the answer, so a client held up
by a slow answer counts the wait as well (no coordinated omission).

Scenarios, each on both engines: the search page (a mix of 500 searches: towns, ZIP codes, words with
and without typos, and filters; the site keeps a drawn page a minute, so repeats are answered from
it), the same mix with every address new (search-uncached: every request searches the directory,
what a flood of distinct searches costs), a provider page (random providers), and as the baseline in
the same run, the static stylesheet (`/static/site.css`), which touches neither the database nor the templates: its
p95 shows what the server and this client cost by themselves, and proves the client keeps up.

Figures per scenario: p50, p95 (target: search and provider p95 <= 100 ms), p99, errors (anything
but a 200, or no answer within the timeout; target 0), requests/s achieved, p95 as a multiple of the
static page's, and CPU per request (the server's process, this client) with the machine's share busy:
a server at 100% of one core is at its ceiling, whatever the machine has left. Each scenario waits
for the machine to be quiet first (other work on a shared machine would pass for the site's cost).

Submit (Referral Connect): 50 clients, each a browser of its own (its own cookies and connection),
each sending one whole referral every 2 s (25 referrals/s offered, slots spread as above). In its
slot a client opens the first step's page (the csrf cookie and hidden field), then posts the five
steps in order, following no redirect itself: danger, you, child and concern must each answer 303
to the next step, and the review (consent=yes) 200 with the reference (RC-XXXXXXXX). The answers vary
by client and referral (names, (203)/(860)/(475) 555-01NN numbers, Connecticut ZIP codes, ages, family
or pediatric office), one in ten with danger=suicide; each is checked with the site's own rules first.
Figures: the sending POST's p50, p95 (target <= 200 ms) and p99, from the request leaving to its last
byte (it inserts the referral, and the database's trigger adds the waiting web-line call, the
promise and the audit rows); the four step POSTs' p95; a whole referral's time from its slot; errors
(any other status, redirect or page, or no answer; target 0); referrals/s achieved; CPU as above
(per request: the page and five POSTs per referral). Then the database itself (the SQLite file, the
scratch PostgreSQL database) is read: every reference a client got must be there with its waiting
call on the web line and its promise, and the run must have added exactly one referral row and one
waiting web-line call per send (target all). The built directory has no lines on PostgreSQL: the
bench sets them up as `callcenter seed` does. A walk of one referral alone and a warm-up's worth of
referrals go first, unmeasured and not counted.

The rate limits are raised (CALLCENTER_WEB_SEARCHES_PER_MINUTE, CALLCENTER_WEB_REFERRALS_PER_MINUTE and
CALLCENTER_WEB_STATUS_CHECKS_PER_MINUTE=100000): every client here comes from 127.0.0.1. The directory
is grown as bench/search.py grows it (the same builder, on both engines).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

try:
    import httpx
except ModuleNotFoundError:  # the test tools install httpx2, which can stand in for it
    import httpx2

    httpx2.alias_httpx()
    import httpx

from _common import percentile, temporary_postgres

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0
TIMEOUT_S = 10.0
START_TIMEOUT_S = 180.0  # SQLite: the demo line is seeded before the site listens
TARGET_SEND_P95_MS = 200.0
SUBMIT_INTERVAL_S = 2.0  # each submitting client sends one whole referral per slot
# What the Referral Connect pages answer with: the form's token, and the reference once sent.
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
REFERENCE = re.compile(r"<strong>(RC-[A-Z0-9]{8})</strong>")
STEP_ORDER = ("danger", "you", "child", "concern")  # each answers 303 to the next; then the review sends

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


# Who refers and whom: fictional names, numbers from the 555-0100..0199 block kept for fiction,
# Connecticut ZIP codes in use.
FIRST_NAMES = ("Luis", "Maya", "Noah", "Aaliyah", "Ethan", "Sofia", "Jayden", "Chloe", "Mateo", "Zoe", "Kai", "Nia")
LAST_NAMES = ("Rivera", "Nguyen", "Kowalski", "Johnson", "Pierre", "Santos", "O'Brien", "Martinez", "Smith", "Lee")
ADULT_NAMES = ("Marta", "James", "Ana", "Robert", "Keisha", "Tomasz", "Fabiola", "Dana", "Luz", "Peter")
OFFICES = ("Hartford Pediatrics", "Shoreline Kids Care", "Elm City Pediatric Group", "Valley Children's Health")
AREA_CODES = ("203", "860", "475")
CT_ZIPS = ("06106", "06510", "06902", "06360", "06810", "06457", "06790", "06010", "06320", "06604")
CONCERNS = (
    "He has panic attacks at school\nand will not go in.",
    "She stopped eating with the family and has lost weight since September.",
    "Angry outbursts at home, broke a window last week. The school calls every day.",
    "Cannot sleep, cries most nights since her father died.",
    "Said she wants to die and has been cutting her arms.",
    "Trouble paying attention, failing 3 classes; the teacher asked for an evaluation.",
)


def referral_answers(client: int, number: int, clients: int, today: date) -> dict[str, dict[str, str]]:
    """The answers a client types for its `number`-th referral, step by step: names, phones, ZIPs and
    ages vary by client and referral; one referral in ten says the child is in danger now (suicide)."""
    rng = random.Random(f"referral {client} {number}")
    office = rng.random() < 0.2
    family = rng.choice(LAST_NAMES)
    born = today - timedelta(days=rng.randint(2 * 365, 17 * 365))
    referrer = (
        f"Dr. {rng.choice(ADULT_NAMES)} {rng.choice(LAST_NAMES)}" if office else f"{rng.choice(ADULT_NAMES)} {family}"
    )
    you = {
        "referrer": "office" if office else "family",
        "referrer_name": referrer,
        "phone": f"({AREA_CODES[client % 3]}) 555-01{(client + 7 * number) % 100:02d}",
        "best_time": rng.choice(("morning", "afternoon", "evening", "any", "")),
        "language": rng.choice(("English", "English", "Spanish", "")),
    }
    if office:
        you["office_name"] = rng.choice(OFFICES)
    child = {
        "child_first": rng.choice(FIRST_NAMES),
        "child_last": family,
        "child_dob": f"{born.month}/{born.day}/{born.year}",
        "child_zip": rng.choice(CT_ZIPS),
        "child_sex": rng.choice(("female", "male", "nonbinary", "")),
    }
    if rng.random() < 0.4:
        child["medicaid"] = f"{rng.randrange(10**9):09d}"
    if office:
        child["guardian_name"] = f"{rng.choice(ADULT_NAMES)} {family}"
    danger = "suicide" if (number * clients + client) % 10 == 0 else "no"
    return {
        "danger": {"danger": danger},
        "you": you,
        "child": child,
        "concern": {"symptoms": rng.choice(CONCERNS), "diagnosis": rng.choice(("", "", "ADHD", "anxiety"))},
    }


def referral_forms(clients: int, per_client: int) -> list[list[dict[str, dict[str, str]]]]:
    """Every client's referrals, each checked as the site checks it (a refused step would be the
    bench's mistake, not the site's)."""
    from callcenter.domain import web_referral as rules
    from callcenter.domain.timefmt import line_zone

    today = datetime.now(UTC).astimezone(line_zone()).date()
    forms = [[referral_answers(c, n, clients, today) for n in range(per_client)] for c in range(clients)]
    for steps in (form for client in forms for form in client):
        answers: dict[str, str] = {}
        for step in STEP_ORDER:
            typed = rules.typed_of(steps[step], step)
            check = rules.check_step(step, typed, today, answers)
            if check.problems:
                raise ValueError(f"bench referral {steps} is not one the site takes: {check.problems}")
            answers.update(typed)
    return forms


class Unexpected(Exception):
    """An answer the referral's walk did not expect: its text is the error's kind."""


@dataclass
class SubmitRun(Run):
    """The submit scenario's answers: `latencies` are the sending POSTs (from the request leaving to
    the last byte); `steps` the four step POSTs before it; `walks` a whole referral from its slot."""

    steps: list[float] = field(default_factory=list)
    walks: list[float] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    in_danger: int = 0  # referrals sent with danger=suicide
    overran: int = 0  # walks that ran past the client's next slot


async def walk(client: httpx.AsyncClient, steps: dict[str, dict[str, str]], run: SubmitRun, loop) -> str:
    """One referral: the first step's page for the form's token, each step posted in order (303 to
    the next), then the review sent with consent (200 with the reference)."""
    page = await client.get("/refer/danger")
    if page.status_code != 200:
        raise Unexpected(f"danger page HTTP {page.status_code}")
    found = CSRF_FIELD.search(page.text)
    if found is None or not client.cookies.get("csrf"):
        raise Unexpected("danger page without its csrf token")
    csrf = found.group(1)
    timings = []
    for step, following in zip(STEP_ORDER, STEP_ORDER[1:] + ("review",), strict=True):
        sent = loop.time()
        answer = await client.post(f"/refer/{step}", data={"csrf": csrf, **steps[step]})
        timings.append((loop.time() - sent) * 1000)
        if answer.status_code != 303:
            raise Unexpected(f"{step} HTTP {answer.status_code}")
        if answer.headers.get("location") != f"/refer/{following}":
            raise Unexpected(f"{step} to {answer.headers.get('location')}")
    sent = loop.time()
    answer = await client.post("/refer/review", data={"csrf": csrf, "consent": "yes"})
    took = (loop.time() - sent) * 1000
    if answer.status_code != 200:
        raise Unexpected(f"review HTTP {answer.status_code}")
    reference = REFERENCE.search(answer.text)
    if reference is None:
        raise Unexpected("review without a reference")
    run.steps.extend(timings)
    run.latencies.append(took)
    return reference.group(1)


async def submit_load(
    base: str, forms: list[list[dict]], first: int, clients: int, interval: float, seconds: float
) -> SubmitRun:
    """`clients` clients, each with its own cookies and connection, walking one whole referral per
    `interval` s for `seconds` s (slots spread evenly, as in `load`); `first`: each client's first
    referral in `forms` (the warm-up's are not sent again)."""
    run = SubmitRun()
    loop = asyncio.get_running_loop()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with contextlib.AsyncExitStack() as stack:
        # Made before the first slot: each client takes milliseconds to make (its TLS settings), which
        # would otherwise show as start lag. Each opens its connection on its first request, as a browser.
        sessions = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT_S))
            for _ in range(clients)
        ]
        start = loop.time() + 0.05
        end = start + seconds

        async def one(index: int) -> None:
            client = sessions[index]
            slot = start + index * interval / clients
            number = first
            while slot < end:
                delay = slot - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                run.late_starts.append(max(0.0, loop.time() - slot) * 1000)
                steps = forms[index][number]
                try:
                    run.references.append(await walk(client, steps, run, loop))
                    run.walks.append((loop.time() - slot) * 1000)
                    run.in_danger += steps["danger"]["danger"] == "suicide"
                except Unexpected as error:
                    run.errors[str(error)] = run.errors.get(str(error), 0) + 1
                except httpx.HTTPError as error:
                    key = type(error).__name__
                    run.errors[key] = run.errors.get(key, 0) + 1
                slot += interval
                number += 1
                if loop.time() > slot:
                    run.overran += 1

        await asyncio.gather(*(one(index) for index in range(clients)))
        run.elapsed = loop.time() - start
    return run


@dataclass(frozen=True)
class Stored:
    """What the database holds after a run: the newest row ids, to count what a run adds."""

    referral: int
    call: int
    task: int

    @classmethod
    def now(cls, url: str) -> Stored:
        from sqlalchemy import func, select

        from callcenter.store.db import Database
        from callcenter.store.models import Call, Promise, WebReferral

        db = Database(url, create=False)
        try:
            with db.read() as session:
                return cls(
                    session.scalar(select(func.coalesce(func.max(WebReferral.id), 0))),
                    session.scalar(select(func.coalesce(func.max(Call.id), 0))),
                    session.scalar(select(func.coalesce(func.max(Promise.id), 0))),
                )
        finally:
            db.dispose()


def check_stored(engine: str, url: str, before: Stored, run: SubmitRun) -> None:
    """Each reference a client got is in the database with its waiting entry on the web line and its
    promise; the run added exactly one referral and one waiting web-line call per send."""
    from sqlalchemy import func, select

    from callcenter.store.db import Database
    from callcenter.store.models import Call, Line, Promise, WebReferral, WebReferralDraft

    db = Database(url, create=False)
    try:
        with db.read() as session:
            web_line = session.scalar(select(Line.id).where(Line.code == "web"))
            new_rows = session.scalar(select(func.count()).where(WebReferral.id > before.referral))
            new_calls = session.scalar(
                select(func.count()).where(
                    Call.id > before.call, Call.line_id == web_line, Call.channel == "web", Call.state == "waiting"
                )
            )
            new_promises = session.scalar(
                select(func.count()).where(Promise.id > before.task, Promise.kind == "web_referral")
            )
            found = emergencies = 0
            for start in range(0, len(run.references), 500):
                rows = session.execute(
                    select(WebReferral.priority)
                    .join(Call, Call.id == WebReferral.call_id)
                    .join(Promise, Promise.id == WebReferral.promise_id)
                    .where(
                        WebReferral.reference.in_(run.references[start : start + 500]),
                        Call.line_id == web_line,
                        Call.state == "waiting",
                        Call.priority == WebReferral.priority,
                        Promise.call_id == Call.id,
                    )
                ).all()
                found += len(rows)
                emergencies += sum(row.priority == 2 for row in rows)
            drafts = session.scalar(select(func.count()).select_from(WebReferralDraft))
    finally:
        db.dispose()
    sends = run.ok
    mismatch = "" if new_rows == new_calls == new_promises == sends else "; MISMATCH"
    print(
        f"web submit stored {engine}: {found} of {sends} (target all; the references sent, each with its waiting "
        f"web-line call and promise; the run added {new_rows} webreferral rows, {new_calls} waiting web-line calls, "
        f"{new_promises} promises{mismatch}; {emergencies} of {run.in_danger} in danger first in line; "
        f"{drafts} drafts left)"
    )


def report_submit(engine: str, run: SubmitRun, offered: float, cpu: Cpu) -> None:
    """Print the submit scenario's lines."""
    total = run.ok + run.error_count
    detail = "".join(f"; {count} {kind}" for kind, count in sorted(run.errors.items()))
    if not run.latencies:
        print(f"web submit errors {engine}: {run.error_count} (target 0; no referral was sent{detail})")
        return
    p50, p95, p99 = (percentile(run.latencies, share) for share in (0.5, 0.95, 0.99))
    print(f"web submit p50 {engine}: {p50:.1f} ms (target: report; the sending POST, request to last byte)")
    print(f"web submit p95 {engine}: {p95:.1f} ms (target <= {TARGET_SEND_P95_MS:.0f})")
    print(f"web submit p99 {engine}: {p99:.1f} ms (target: report; max {max(run.latencies):.1f} ms)")
    print(
        f"web submit steps p95 {engine}: {percentile(run.steps, 0.95):.1f} ms (target: report; the "
        f"{len(STEP_ORDER)} step POSTs before it, p50 {percentile(run.steps, 0.5):.1f} ms, "
        f"max {max(run.steps):.1f} ms)"
    )
    print(
        f"web submit walk p95 {engine}: {percentile(run.walks, 0.95):.1f} ms (target: report; a whole referral "
        f"from its slot, page and {len(STEP_ORDER) + 1} POSTs; {run.overran} ran past the next slot; "
        f"client start lag p95 {percentile(run.late_starts, 0.95):.1f} ms)"
    )
    print(f"web submit errors {engine}: {run.error_count} (target 0; of {total} referrals{detail})")
    rate = run.ok / run.elapsed if run.elapsed else 0.0
    print(f"web submit referrals/s {engine}: {rate:.1f} /s (target {offered:.0f} offered)")
    requests = max(1, total * (len(STEP_ORDER) + 2))  # the page and the POSTs of each referral
    print(
        f"web submit server cpu {engine}: {cpu.server * 1000 / requests:.2f} ms/request (target: report; "
        f"{cpu.server * 1000 / max(1, total):.1f} ms/referral; {cpu.server / run.elapsed:.0%} of one core; "
        f"this client {cpu.client * 1000 / requests:.2f} ms/request; "
        f"machine {cpu.machine_busy:.0%} busy of {os.cpu_count()} cores)"
    )


def measure_submit(engine: str, url: str, server: Server, args: argparse.Namespace) -> None:
    """The submit scenario: one referral walked alone first (it must go through), a warm-up's worth
    unmeasured, then the measured run and what the database holds after it."""
    interval = args.submit_interval_ms / 1000
    warm_rounds = int(args.warmup / interval) + 1
    rounds = warm_rounds + int(args.seconds / interval) + 2
    forms = referral_forms(args.clients + 1, rounds)  # the last client's first referral: the check

    async def check_one() -> None:
        async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
            await walk(client, forms[args.clients][0], SubmitRun(), asyncio.get_running_loop())

    wait_quiet(f"submit on {engine}")
    asyncio.run(check_one())
    asyncio.run(submit_load(server.base, forms, 0, args.clients, interval, args.warmup))  # not counted
    before = Stored.now(url)
    run, cpu = Cpu.around(
        server.process.pid,
        lambda: asyncio.run(submit_load(server.base, forms, warm_rounds, args.clients, interval, args.seconds)),
    )
    report_submit(engine, run, args.clients / interval, cpu)
    check_stored(engine, url, before, run)


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU a process and its children (the workers of `web --workers N`) have
    used (Linux /proc); 0 where there is no /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


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

    def __init__(self, url: str, log_path: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = dict(
            os.environ,
            CALLCENTER_WEB_SEARCHES_PER_MINUTE="100000",
            CALLCENTER_WEB_REFERRALS_PER_MINUTE="100000",
            CALLCENTER_WEB_STATUS_CHECKS_PER_MINUTE="100000",
        )
        self.log = log_path.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "callcenter", "--database-url", url, "web", "--host", "127.0.0.1"]
            + ["--port", str(self.port), "--workers", str(workers)],
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
    if "submit" in args.scenarios:
        # A referral goes onto the web line: a shared server's lines are set up by `callcenter seed`
        # (SQLite's demo line by `callcenter web` itself); the built directory has none yet.
        from callcenter.store import seed
        from callcenter.store.db import Database

        db = Database(url, create=False)
        seed.ensure_lines(db)
        db.dispose()
    server = Server(url, folder / f"web-{engine}.log", args.workers)
    print(f"web start {engine}: {server.start_seconds:.1f} s (target: report; until /healthz answers)", flush=True)
    interval = args.interval_ms / 1000
    offered = args.clients / interval
    searches = search_paths(500)

    def pick_static(_rng: random.Random) -> str:
        return "/static/site.css"

    def pick_search(rng: random.Random) -> str:
        return rng.choice(searches)

    fresh = itertools.count()

    def pick_uncached(rng: random.Random) -> str:
        # The same mix, each asked as if for the first time: a field the form ignores makes every
        # address new, so the site's minute of kept pages never answers and every request searches.
        return f"{rng.choice(searches)}&first={next(fresh)}"

    def pick_provider(rng: random.Random) -> str:
        return f"/providers/{rng.randint(1, args.providers)}"

    scenarios = (
        ("static", pick_static, ["/static/site.css"]),
        ("search", pick_search, searches[:60]),
        ("search-uncached", pick_uncached, searches[:5]),
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
        if "submit" in args.scenarios:
            measure_submit(engine, url, server, args)
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
    parser.add_argument("--workers", type=int, default=1, help="processes serving the site (web --workers)")
    parser.add_argument(
        "--submit-interval-ms",
        type=float,
        default=SUBMIT_INTERVAL_S * 1000,
        help="each submitting client's period per whole referral (default 2000)",
    )
    parser.add_argument(
        "--scenarios",
        default="static,search,search-uncached,provider,submit",
        help="which to run, comma-separated (default all five)",
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
