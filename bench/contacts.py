"""The contact log at a busy line's year: 100,000 entries on SQLite and PostgreSQL.

    .venv/bin/python bench/contacts.py [--contacts 100000] [--runs 20]

Per search kind (what the log screen sends while a rep types in its filter bar): median and p95
in ms, against a baseline measured in the same run (reading one entry by id on the same engine).
Target: p95 < 50 ms for every kind, so the list follows the typing (the screen waits 250 ms
after the last key before asking). Words are a common one (a sixth of the entries), a rare one (a
family's name, one entry in a thousand) and one in no entry, which reads the most without an index.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from _common import percentile, temporary_postgres, timed

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CHANNELS = ("voice", "voice", "voice", "tty", "fax", "web")
PARTIES = ("Elm Street Pediatrics", "Oak Family Practice", "Maria Lopez", "Dana Whitfield", "Hartford School", None)


def filters():
    from callcenter.domain.contacts import build_filter

    today = NOW.date()
    typed = {
        "everything": {},
        "whole_number": {"search": "(860) 555-0199"},
        "some_digits": {"search": "0199"},
        "words": {"search": "pediatrics"},
        "rare_word": {"search": "okonkwo"},
        "no_match": {"search": "zzqx"},
        "fax_open_follow_ups": {"channel": "fax", "status": "open"},
        "last_week_one_agent": {"since": (today - timedelta(days=7)).strftime("%m/%d/%Y"), "agent_id": "1"},
    }
    return {name: build_filter(fields, today)[0] for name, fields in typed.items()}


def fill(url: str, count: int) -> None:
    from callcenter.domain.contacts import number_digits
    from callcenter.store import migrate
    from callcenter.store.db import Database
    from callcenter.store.models import Agent, Contact, Promise

    db = Database(url)
    migrate.upgrade(db)
    with db.write() as session:
        session.add(Agent(username="bench", display_name="Bench Rep", role="rep"))
        session.flush()
        agent_id = session.scalar(select(Agent.id).where(Agent.username == "bench"))
    rng = random.Random(6)
    rows = []
    for index in range(count):
        number = f"+1{rng.choice(['203', '860', '475', '959'])}555{rng.randint(100, 199):04d}"
        rows.append(
            {
                "at": NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 365)),
                "direction": "outbound" if index % 7 == 0 else "inbound",
                "channel": rng.choice(CHANNELS),
                "other_party": rng.choice(PARTIES),
                "other_number": number,
                "number_digits": number_digits(number),
                "agent_id": agent_id,
                "summary": "spoke with the Okonkwo family"  # a family's name: in one entry of a thousand
                if index % 1000 == 0
                else rng.choice(("needs an appointment", "information only", "records for the referral", None)),
                "relay": False,
                "state": "done",
                "version": 1,
            }
        )
    with db.write() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Contact), rows[start : start + 5000])
        fax_ids = session.scalars(select(Contact.id).where(Contact.channel == "fax").limit(2000)).all()
        session.execute(
            insert(Promise),
            [
                {
                    "kind": "fax_followup",
                    "title": "Fax follow-up",
                    "owner_agent_id": agent_id,
                    "state": "open" if i % 3 else "done",
                    "due_at": NOW,
                    "original_due_at": NOW,
                    "created_at": NOW,
                    "contact_id": contact_id,
                    "version": 1,
                }
                for i, contact_id in enumerate(fax_ids)
            ],
        )
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE contact"))
            conn.execute(text("ANALYZE task"))
    db.dispose()


def measure(url: str, runs: int, engine: str) -> None:
    from callcenter.store import contacts
    from callcenter.store.db import Database

    db = Database(url)
    first = contacts.search(db, filters()["everything"], limit=1)[0].id
    baseline = timed(lambda: contacts.get(db, first), runs)
    base = statistics.median(baseline)
    print(f"contacts_{engine}_baseline_get_by_id_median: {base:.2f} ms (target: report)")
    for name, query in filters().items():
        samples = timed(lambda query=query: contacts.search(db, query), runs)
        found = len(contacts.search(db, query))
        p95 = percentile(samples, 0.95)
        print(
            f"contacts_{engine}_{name}_p95: {p95:.1f} ms (target: < 50; {found} rows; "
            f"{statistics.median(samples) / base:.1f}x baseline median)"
        )
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'contacts.db'}"
        fill(sqlite_url, args.contacts)
        measure(sqlite_url, args.runs, "sqlite")
    with temporary_postgres("cc_contacts") as pg_url:
        fill(pg_url, args.contacts)
        measure(pg_url, args.runs, "postgres")


if __name__ == "__main__":
    main()
