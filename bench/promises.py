"""Promises at scale: 20,000 open promises, one agent's visible rows repainted per tick.

    .venv/bin/python bench/promises.py [--promises 20000]

Figures: the due-soon/overdue lists across all open promises (the escalation sweep's work in the
domain), and a tick's work for the visible rows (the countdowns on screen), against a baseline
measured in the same run (formatting the same number of rows' due times without business time).
Target: a tick's work under 5 ms for the visible rows, independent of the open promises beyond them.
"""

from __future__ import annotations

import argparse
import random
import statistics
from datetime import UTC, datetime, timedelta

from _common import timed
from callcenter.domain.promises import PromisePolicy, PromiseStatus

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
VISIBLE_ROWS = 40


def make_timers(count: int) -> list[tuple[str, datetime, datetime]]:
    rng = random.Random(20)
    kinds = ["consult_callback", "linkage_check", "callback_request", "fax_followup", "tty_followup"]
    rows = []
    for _ in range(count):
        start = NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 10))
        rows.append((rng.choice(kinds), start, start + timedelta(minutes=rng.randint(30, 60 * 24 * 14))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--promises", type=int, default=20_000)
    args = parser.parse_args()
    policy = PromisePolicy()
    rows = make_timers(args.promises)
    policy.state(*rows[0][:1], NOW, rows[0][1], rows[0][2])  # year tables built once, as in the app

    def classify_all():
        return [policy.state(kind, NOW, start, due).status for kind, start, due in rows]

    statuses = classify_all()
    lists = timed(classify_all, 5, warm=False)
    print(
        f"timers_open: {len(rows)} promises ({statuses.count(PromiseStatus.OVERDUE)} overdue, "
        f"{statuses.count(PromiseStatus.DUE_SOON)} due soon)"
    )
    print(f"timers_due_lists_all_open_median: {statistics.median(lists):.1f} ms (target: report)")

    visible = rows[:VISIBLE_ROWS]

    def tick():
        return [policy.state(kind, NOW, start, due).countdown for kind, start, due in visible]

    def baseline():
        return [due.strftime("%a %b %d %H:%M") for _, _, due in visible]

    ticks = timed(tick, 200, warm=False)
    base = timed(baseline, 200, warm=False)
    tick_ms = statistics.median(ticks)
    print(f"timers_tick_visible_{VISIBLE_ROWS}_rows_median: {tick_ms:.3f} ms (target: < 5)")
    print(
        f"timers_tick_baseline_strftime_median: {statistics.median(base):.3f} ms (baseline; "
        f"{tick_ms / statistics.median(base):.1f} x)"
    )
    small = make_timers(200)
    policy_small_tick = timed(
        lambda: [policy.state(k, NOW, s, d).countdown for k, s, d in small[:VISIBLE_ROWS]], 200, warm=False
    )
    print(
        f"timers_tick_with_200_open_median: {statistics.median(policy_small_tick):.3f} ms "
        f"(target: same as with {len(rows)} open)"
    )


if __name__ == "__main__":
    main()
