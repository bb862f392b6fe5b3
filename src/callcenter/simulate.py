"""Feed arrivals and hang-ups into a database in (scaled) real time: `callcenter simulate`, or
`callcenter --simulate` for a demo console whose queues keep filling."""

from __future__ import annotations

import heapq
import random
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial

from callcenter.domain.errors import ValidationError
from callcenter.domain.phone import format_phone
from callcenter.domain.simulation import DEMO_RATES, arrivals, parse_rates
from callcenter.store import calls
from callcenter.store.db import Database
from callcenter.store.errors import StoreError

MAX_RETRY_SECONDS = 10.0


def run_simulation(db: Database, args) -> int:
    """The command: prints one line per event, stops at --minutes or Ctrl+C."""
    rates = parse_rates(args.rate)
    if args.speed <= 0:
        raise ValidationError("--speed must be above 0, e.g. 1 for real time or 10 for ten times faster.")
    print(f"simulating {', '.join(f'{k}={v:g}/h' for k, v in rates.items())} at {args.speed:g}x; Ctrl+C stops")
    counts = {"arrivals": 0, "abandoned": 0}
    try:
        feed(
            db,
            rates,
            speed=args.speed,
            seed=args.seed,
            minutes=args.minutes,
            report=lambda line: print(line, flush=True),
            counts=counts,
        )
    except KeyboardInterrupt:
        pass
    print(f"{counts['arrivals']} arrivals, {counts['abandoned']} abandoned")
    return 0


def start_background_feed(db: Database, rates: Mapping[str, float] = DEMO_RATES) -> threading.Event:
    """A quiet feed in a daemon thread for the demo console; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=feed, args=(db, rates), kwargs={"stop": stop}, daemon=True, name="demo-arrivals")
    thread.start()
    return stop


def feed(
    db: Database,
    rates: Mapping[str, float],
    *,
    speed: float = 1.0,
    seed: int | None = None,
    minutes: float | None = None,
    stop: threading.Event | None = None,
    report: Callable[[str], None] | None = None,
    counts: dict[str, int] | None = None,
) -> None:
    stop = stop or threading.Event()
    counts = counts if counts is not None else {"arrivals": 0, "abandoned": 0}
    until = minutes * 60 if minutes is not None else None
    stream = arrivals(rates, random.Random(seed), until)
    hangups: list[tuple[float, int]] = []  # (simulated second, call id)
    started = time.monotonic()
    pending = next(stream, None)
    while (pending is not None or hangups) and not stop.is_set():
        due = min(pending.at if pending else float("inf"), hangups[0][0] if hangups else float("inf"))
        if until is not None and due > until:
            break
        wait = due / speed - (time.monotonic() - started)
        if wait > 0 and stop.wait(wait):
            break
        now = datetime.now(UTC)
        if hangups and hangups[0][0] <= due:
            _, call_id = heapq.heappop(hangups)
            if _retrying(partial(calls.abandon, db, call_id, now), stop, report):
                counts["abandoned"] += 1
                if report:
                    report(f"{_clock(now)} hang up  call {call_id}")
            continue
        arrival = pending
        assert arrival is not None  # the earliest thing due was not a hang-up, so it is this arrival
        pending = next(stream, None)
        call_id = _retrying(
            partial(calls.arrive, db, arrival.line, arrival.number, now, arrival.priority), stop, report
        )
        if call_id is None:
            break
        counts["arrivals"] += 1
        heapq.heappush(hangups, (arrival.gives_up_at, call_id))
        if report:
            flag = " EMERGENCY" if arrival.priority else ""
            report(
                f"{_clock(now)} arrive   {arrival.line:<4} {format_phone(arrival.number) or 'web referral'}"
                f"  (call {call_id}){flag}"
            )


def _retrying(operation, stop: threading.Event, report: Callable[[str], None] | None):
    """Database hiccups are waited out with backoff, not turned into a crash (and, in the
    console's background feed, not printed over the screen)."""
    delay = 0.25
    while not stop.is_set():
        try:
            return operation()
        except StoreError as error:
            if not error.retry:
                raise
            if report:
                print(f"database: {error.message} (retrying in {delay:.1f}s)", file=sys.stderr, flush=True)
            if stop.wait(delay):
                return None
            delay = min(delay * 2, MAX_RETRY_SECONDS)
    return None


def _clock(moment: datetime) -> str:
    from callcenter.domain.timefmt import format_local

    return format_local(moment, with_date=False)
