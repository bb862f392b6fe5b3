"""What the benchmark scripts share: percentiles, timing a piece of work, a throwaway PostgreSQL
database. Each script runs from the repository root as `.venv/bin/python bench/NAME.py`, which
puts this folder on the import path."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

PG_ADMIN = os.environ.get("CALLCENTER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(work: Callable[[], object], runs: int, *, warm: bool = True) -> list[float]:
    """Milliseconds per run; one untimed run first warms the caches, as a screen open for a while has."""
    if warm:
        work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


@contextmanager
def temporary_postgres(prefix: str) -> Iterator[str]:
    """A new database on the server at PG_ADMIN, dropped afterwards; yields its URL."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
