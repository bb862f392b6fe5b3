"""Provider lookup in the database: full-text and typo-tolerant, filtered, ranked, explained."""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, Integer, and_, case, func, literal_column, or_, select, text

from callcenter.domain.directory import (
    MILES_PER_DEGREE_LATITUDE,
    LookupQuery,
    Origin,
    distance_miles,
    max_wait_days,
    miles_per_degree_longitude,
    minute_of_day,
    origin_of,
    search_terms,
    weekday_bit,
    why_matched,
)
from callcenter.store.db import Database
from callcenter.store.errors import NotFound
from callcenter.store.models import Provider

# The searched text on PostgreSQL: a stored generated tsvector column with a GIN index (migration 0006).
PG_VECTOR = "search_vector"
# The spelling vocabulary is re-read at most this often (and at once after forget_vocabulary).
VOCABULARY_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class ProviderHit:
    id: int
    name: str
    organization: str | None
    description: str | None
    address: str | None
    town: str | None
    zip_code: str | None
    phone_number: str | None
    hours: str | None
    service_types: tuple[str, ...]
    specialties: tuple[str, ...]
    languages: tuple[str, ...]
    accepts_husky: bool
    is_ecc: bool
    min_age_months: int
    max_age_months: int
    wait_days: int | None
    distance_miles: float | None
    meets_deadline: bool | None
    why: str


@dataclass(frozen=True, slots=True)
class LookupResult:
    hits: tuple[ProviderHit, ...]
    origin: Origin | None
    corrected: tuple[str, ...]  # spelling corrections used on SQLite ("hartfrod" -> "hartford")


def search(db: Database, query: LookupQuery, now: datetime, limit: int = 50) -> LookupResult:
    origin = origin_of(query.place) if query.place else None
    terms = search_terms(query.text)
    wait_limit = max_wait_days(query.urgency)
    conditions = [Provider.active.is_(True)]
    if query.service_type:
        conditions.append(Provider.service_types.ilike(f"%{query.service_type}%"))
    if query.age_months is not None:
        conditions += [Provider.min_age_months <= query.age_months, Provider.max_age_months >= query.age_months]
    if query.husky_only:
        conditions.append(Provider.accepts_husky.is_(True))
    if query.language:
        conditions.append(Provider.languages.ilike(f"%{query.language.strip()}%"))
    if query.ecc_only:
        conditions.append(Provider.is_ecc.is_(True))
    if query.open_now:
        minute = minute_of_day(now)
        conditions += [
            Provider.open_days.op("&")(weekday_bit(now)) != 0,
            Provider.opens_minute <= minute,
            Provider.closes_minute > minute,
        ]
    distance_sq = None
    if origin is not None:
        lon_miles = miles_per_degree_longitude(origin.latitude)
        dy = (Provider.latitude - origin.latitude) * MILES_PER_DEGREE_LATITUDE
        dx = (Provider.longitude - origin.longitude) * lon_miles
        distance_sq = dy * dy + dx * dx
        if query.radius_miles:
            # A bounding box first, so the latitude/longitude index narrows the rows.
            span_lat = query.radius_miles / MILES_PER_DEGREE_LATITUDE
            span_lon = query.radius_miles / lon_miles
            conditions += [
                Provider.latitude.between(origin.latitude - span_lat, origin.latitude + span_lat),
                Provider.longitude.between(origin.longitude - span_lon, origin.longitude + span_lon),
                distance_sq <= query.radius_miles * query.radius_miles,
            ]
    meets = None
    if wait_limit is not None:
        meets = case((or_(Provider.is_ecc.is_(True), Provider.wait_days <= wait_limit), 0), else_=1)
    with db.read() as session:
        statement = select(Provider)
        score = None
        corrected: tuple[str, ...] = ()
        if terms and db.is_postgres:
            groups, corrected = _spelled(db, session, terms)
            tsquery = " & ".join("(" + " | ".join(f"{word}:*" for word in group) + ")" for group in groups)
            vector = literal_column(PG_VECTOR)
            conditions.append(vector.op("@@")(func.to_tsquery("simple", tsquery)))
            score = -func.ts_rank(vector, func.to_tsquery("simple", tsquery))
        elif terms:
            groups, corrected = _spelled(db, session, terms)
            match = " AND ".join("(" + " OR ".join(f'"{word}"*' for word in group) + ")" for group in groups)
            fts = (
                text("SELECT rowid AS pid, bm25(provider_fts) AS score FROM provider_fts "
                     "WHERE provider_fts MATCH :match")
                .bindparams(match=match)
                .columns(pid=Integer, score=Float)
                .subquery("fts")
            )
            statement = statement.join(fts, fts.c.pid == Provider.id)
            score = fts.c.score  # bm25: lower is better
        statement = statement.where(and_(*conditions))
        order = []
        if meets is not None:
            order.append(meets)
        if not query.husky_only:
            order.append(case((Provider.accepts_husky.is_(True), 0), else_=1))
        if distance_sq is not None:
            order.append(distance_sq)
        if score is not None:
            order.append(score)
        order += [Provider.name, Provider.id]
        rows = session.scalars(statement.order_by(*order).limit(limit)).all()
        hits = tuple(_hit(row, origin, wait_limit, query) for row in rows)
    return LookupResult(hits=hits, origin=origin, corrected=corrected)


def get_provider(db: Database, provider_id: int, origin: Origin | None = None,
                 query: LookupQuery | None = None) -> ProviderHit:
    with db.read() as session:
        row = session.get(Provider, provider_id)
        if row is None:
            raise NotFound(f"No provider {provider_id}.")
        query = query or LookupQuery()
        return _hit(row, origin, max_wait_days(query.urgency), query)


def forget_vocabulary(db: Database) -> None:
    """Call after writing providers: the spelling vocabulary is read again on the next search."""
    db._directory_vocabulary = None


def _vocabulary(db: Database, session) -> list[str]:
    """The directory's own words, read from the search index (FTS5 vocabulary, or ts_stat)."""
    cached = getattr(db, "_directory_vocabulary", None)
    if cached is None or time.monotonic() - cached[0] > VOCABULARY_SECONDS:
        if db.is_postgres:
            source = text(f"SELECT word FROM ts_stat($$SELECT {PG_VECTOR} FROM provider WHERE active$$)")
        else:
            source = text("SELECT term FROM provider_vocab")
        words = [w for w in session.scalars(source) if w and w.isalpha()]
        cached = (time.monotonic(), words)
        db._directory_vocabulary = cached
    return cached[1]


def _spelled(db: Database, session, terms: list[str]) -> tuple[list[list[str]], tuple[str, ...]]:
    """Each term, plus the directory's words it is a likely misspelling of ("hartfrod" → hartford).

    Every term is then matched as a prefix, so "anx" finds anxiety.
    """
    vocabulary = _vocabulary(db, session)
    known = set(vocabulary)
    groups: list[list[str]] = []
    corrections: list[str] = []
    for term in terms:
        options = [term]
        if term not in known and len(term) >= 4:
            close = [w for w in difflib.get_close_matches(term, vocabulary, n=3, cutoff=0.75) if w != term]
            options += close
            corrections += [f"{term}→{word}" for word in close]
        groups.append(options)
    return groups, tuple(corrections)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part for part in (value or "").split(";") if part)


def _hit(row: Provider, origin: Origin | None, wait_limit: int | None, query: LookupQuery) -> ProviderHit:
    distance = (
        distance_miles(origin, row.latitude, row.longitude)
        if origin is not None and row.latitude is not None and row.longitude is not None
        else None
    )
    meets = None
    if wait_limit is not None:
        meets = bool(row.is_ecc or (row.wait_days is not None and row.wait_days <= wait_limit))
    return ProviderHit(
        id=row.id,
        name=row.name,
        organization=row.organization,
        description=row.description,
        address=row.address,
        town=row.town,
        zip_code=row.zip_code,
        phone_number=row.phone_number,
        hours=row.hours,
        service_types=_split(row.service_types),
        specialties=_split(row.specialties),
        languages=_split(row.languages),
        accepts_husky=row.accepts_husky,
        is_ecc=row.is_ecc,
        min_age_months=row.min_age_months,
        max_age_months=row.max_age_months,
        wait_days=row.wait_days,
        distance_miles=distance,
        meets_deadline=meets,
        why=why_matched(distance=distance, is_ecc=row.is_ecc, wait_days=row.wait_days, meets=meets,
                        urgency=query.urgency),
    )
