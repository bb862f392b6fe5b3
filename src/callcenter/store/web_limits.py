"""The public site's request counts: one row per client, purpose and window, in the shared database."""

from __future__ import annotations

from sqlalchemy import text

from callcenter.store.db import Database

# An upsert both engines speak (SQLite 3.35+ and PostgreSQL): the count after this request.
_COUNT = text(
    "INSERT INTO webrequestcount (bucket, client, window_start, count) VALUES (:bucket, :client, :window, 1) "
    "ON CONFLICT (bucket, client, window_start) DO UPDATE SET count = webrequestcount.count + 1 RETURNING count"
)
_FORGET = text("DELETE FROM webrequestcount WHERE window_start < :before")


def count_request(db: Database, bucket: str, client: str, window: int) -> int:
    """Count one request and return how many this client made in this window, this one included.

    The first request a client makes in a window also clears windows that are over, so the table
    holds about one minute of clients."""
    with db.write() as session:
        count = int(session.execute(_COUNT, {"bucket": bucket, "client": client, "window": window}).scalar_one())
        if count == 1:
            session.execute(_FORGET, {"before": window - 1})
        return count
