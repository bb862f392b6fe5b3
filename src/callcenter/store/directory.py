"""Provider lookup in the database: full-text and typo-tolerant, filtered, ranked, explained."""

from __future__ import annotations

import difflib
import itertools
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, literal_column, not_, or_, select, text

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
# Name and specialties alone (migration 0010): the "named for it" ranking tier.
PG_TITLE_VECTOR = "title_vector"
# SQLite: the spelling vocabulary is re-read at most this often (and at once after refresh_vocabulary).
VOCABULARY_SECONDS = 600.0
# Typos rarely touch the first letter, and a likely misspelling is at least this close (difflib's ratio).
SPELLING_CUTOFF = 0.75
SPELLING_CHOICES = 3
# PostgreSQL: how many of the nearest words by trigram similarity are weighed for each unknown word.
TRIGRAM_CANDIDATES = 12


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
    taxonomy: tuple[str, ...]  # the names of its other taxonomy terms (e.g. a 211 taxonomy's)
    languages: tuple[str, ...]
    accepts_husky: bool
    is_ecc: bool
    min_age_months: int
    max_age_months: int
    wait_days: int | None
    distance_miles: float | None
    meets_deadline: bool | None
    named: bool | None  # every word searched for is in its name or specialties (None: no words)
    why: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class LookupResult:
    hits: tuple[ProviderHit, ...]
    origin: Origin | None
    corrected: tuple[str, ...]  # spelling corrections used on SQLite ("hartfrod" -> "hartford")


# Tiers of the ranking, best first; within a tier, nearest first (or by name without a place).
# A page is read tier by tier, each in its final order and only as far as the page needs, so a broad
# word that matches a fifth of the directory reads about a page of rows instead of sorting them all.
# SQLite: above this many text matches, walking providers in page order and testing each against
# the matches beats fetching every match and sorting it (bench/search.py).
_DENSE_MATCHES = 1500


def search(db: Database, query: LookupQuery, now: datetime, limit: int = 50) -> LookupResult:
    origin = origin_of(query.place) if query.place else None
    terms = search_terms(query.text)
    wait_limit = max_wait_days(query.urgency)
    conditions = _filters(query, now)
    with db.read() as session:
        tiers: dict[str, ColumnElement] = {}
        if wait_limit is not None:
            tiers["meets"] = or_(
                Provider.is_ecc.is_(True), and_(Provider.wait_days.is_not(None), Provider.wait_days <= wait_limit)
            )
        if not query.husky_only:
            tiers["husky"] = Provider.accepts_husky.is_(True)
        corrected: tuple[str, ...] = ()
        match = named = None
        if terms:
            groups, corrected = _spelled(db, session, terms)
            match, named = _text_conditions(db, session, groups)
            if origin is None:
                tiers["named"] = named  # with a place, nearer comes before better named
        picked: list[tuple[int, dict[str, bool]]] = []
        for wanted in itertools.product((True, False), repeat=len(tiers)):
            need = limit - len(picked)
            if need <= 0:
                break
            tier = dict(zip(tiers, wanted, strict=True))
            branch = [cond if want else not_(cond) for cond, want in zip(tiers.values(), wanted, strict=True)]
            if match is not None and not tier.get("named"):
                branch.append(match)  # "named for every word" already implies every word matches
            found = _page_in_order(
                session, conditions + branch, origin, query.radius_miles, need, named if "named" not in tiers else None
            )
            picked += [
                (provider_id, tier | ({"named": is_named} if is_named is not None else {}))
                for provider_id, is_named in found
            ]
        rows = {}
        if picked:
            rows = {
                row.id: row
                for row in session.execute(
                    select(*_HIT_COLUMNS).where(Provider.id.in_([provider_id for provider_id, _ in picked]))
                )
            }
    hits = tuple(
        _hit(rows[provider_id], origin, wait_limit, query, named=tier.get("named")) for provider_id, tier in picked
    )
    return LookupResult(hits=hits, origin=origin, corrected=corrected)


# Nearest first without reading every provider: rings of growing radius. Once a ring holds the
# rows a page needs, they are the nearest overall (everything outside is farther).
_RINGS_MILES = (3.0, 10.0, 25.0)


def _page_in_order(
    session,
    conditions: list[ColumnElement],
    origin: Origin | None,
    radius: float | None,
    need: int,
    named: ColumnElement | None,
) -> list[tuple[int, bool | None]]:
    """The first `need` providers meeting the conditions, nearest (or by name) first; with `named`,
    those named for the words come first among equally near ones. Each with whether it is named."""
    # Labelled, and ordered by the label: written out twice, SQLite would build the word list twice.
    named_first = (case((named, 0), else_=1) if named is not None else literal_column("NULL")).label("named_rank")
    if origin is None:
        found = session.execute(
            select(Provider.id, named_first).where(*conditions).order_by(Provider.name, Provider.id).limit(need)
        ).all()
    else:
        order = [_distance_sq(origin)] + ([named_first] if named is not None else []) + [Provider.name, Provider.id]
        for ring in [ring for ring in _RINGS_MILES if not radius or ring < radius] + [radius]:
            ring_conditions = list(conditions) + (_within(origin, ring) if ring else [])
            found = session.execute(
                select(Provider.id, named_first).where(*ring_conditions).order_by(*order).limit(need)
            ).all()
            if len(found) >= need:
                break
    return [(provider_id, None if rank is None else rank == 0) for provider_id, rank in found]


def _within(origin: Origin, miles: float) -> list[ColumnElement]:
    """A bounding box first, so the latitude/longitude index narrows the rows, then the circle."""
    span_lat = miles / MILES_PER_DEGREE_LATITUDE
    span_lon = miles / miles_per_degree_longitude(origin.latitude)
    return [
        Provider.latitude.between(origin.latitude - span_lat, origin.latitude + span_lat),
        Provider.longitude.between(origin.longitude - span_lon, origin.longitude + span_lon),
        _distance_sq(origin) <= miles * miles,
    ]


def _filters(query: LookupQuery, now: datetime) -> list[ColumnElement]:
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
    return conditions


def _distance_sq(origin: Origin) -> ColumnElement:
    """Squared miles on a flat map around the origin: exact enough to order a state's providers."""
    dy = (Provider.latitude - origin.latitude) * MILES_PER_DEGREE_LATITUDE
    dx = (Provider.longitude - origin.longitude) * miles_per_degree_longitude(origin.latitude)
    return dy * dy + dx * dx


def _text_conditions(db: Database, session, groups: list[list[str]]) -> tuple[ColumnElement, ColumnElement]:
    """Every word matches somewhere; and the ranking tier: every word is in the name or specialties."""
    if db.is_postgres:
        tsquery = " & ".join("(" + " | ".join(f"{word}:*" for word in group) + ")" for group in groups)
        return (
            literal_column(PG_VECTOR).op("@@")(func.to_tsquery("simple", tsquery)),
            literal_column(PG_TITLE_VECTOR).op("@@")(func.to_tsquery("simple", tsquery)),
        )
    match = " AND ".join("(" + " OR ".join(f'"{word}"*' for word in group) + ")" for group in groups)
    count = session.scalar(
        text("SELECT count(*) FROM (SELECT rowid FROM provider_fts WHERE provider_fts MATCH :match LIMIT :enough)"),
        {"match": match, "enough": _DENSE_MATCHES + 1},
    )
    # "id + 0" keeps SQLite from driving the query from a long list of matches (then sorting them
    # all): it walks providers in page order instead and tests each against the list.
    matched_id = Provider.id + 0 if count > _DENSE_MATCHES else Provider.id
    return (
        matched_id.in_(_fts_rowids("match", match)),
        (Provider.id + 0).in_(_fts_rowids("named", "{name specialties} : (" + match + ")")),
    )


def _fts_rowids(name: str, match: str):
    return (
        select(literal_column("rowid"))
        .select_from(text("provider_fts"))
        .where(text(f"provider_fts MATCH :{name}").bindparams(**{name: match}))
    )


def get_provider(
    db: Database, provider_id: int, origin: Origin | None = None, query: LookupQuery | None = None
) -> ProviderHit:
    with db.read() as session:
        row = session.execute(select(*_HIT_COLUMNS).where(Provider.id == provider_id)).one_or_none()
        if row is None:
            raise NotFound(f"No provider {provider_id}.")
        query = query or LookupQuery()
        return _hit(row, origin, max_wait_days(query.urgency), query)


def forget_vocabulary(db: Database) -> None:
    """SQLite: read the vocabulary again on the next search (after an import wrote providers)."""
    db._directory_vocabulary = None


def refresh_vocabulary(db: Database) -> None:
    """Call after writing providers outside an HSDS import: typo tolerance learns their words."""
    forget_vocabulary(db)
    if db.is_postgres:
        with db.write() as session:
            refresh_vocabulary_in(session)


def refresh_vocabulary_in(session) -> None:
    """Within the transaction that wrote providers: PostgreSQL's view of the directory's words."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT refresh_provider_words()"))  # the owner's rights (migration 0015)


def _vocabulary(db: Database, session) -> tuple[set[str], dict[str, list[str]]]:
    """SQLite: the directory's own words, from the FTS5 vocabulary table: as a set, and grouped by
    first letter."""
    cached = getattr(db, "_directory_vocabulary", None)
    if cached is None or time.monotonic() - cached[0] > VOCABULARY_SECONDS:
        words = [w for w in session.scalars(text("SELECT term FROM provider_vocab")) if w and w.isalpha()]
        by_initial: dict[str, list[str]] = {}
        for word in words:
            by_initial.setdefault(word[0], []).append(word)
        cached = (time.monotonic(), (set(words), by_initial))
        db._directory_vocabulary = cached
    return cached[1]


def _spelled(db: Database, session, terms: list[str]) -> tuple[list[list[str]], tuple[str, ...]]:
    """Each term, plus the directory's words it is a likely misspelling of ("hartfrod" → hartford).

    Every term is then matched as a prefix, so "anx" finds anxiety.
    """
    near = _near_words(db, session, [term for term in terms if len(term) >= 4])
    groups: list[list[str]] = []
    corrections: list[str] = []
    for term in terms:
        options = [term]
        candidates = near.get(term)
        if candidates:
            close = [
                w
                for w in difflib.get_close_matches(term, candidates, n=SPELLING_CHOICES, cutoff=SPELLING_CUTOFF)
                if w != term
            ]
            options += close
            corrections += [f"{term}→{word}" for word in close]
        groups.append(options)
    return groups, tuple(corrections)


def _near_words(db: Database, session, terms: list[str]) -> dict[str, list[str]]:
    """For each term the directory does not know, its words that could be what the term misspells
    (same first letter). Known terms are left out."""
    if not terms:
        return {}
    if db.is_postgres:
        # pg_trgm finds the nearest words through its index (migration 0013), for every term in one
        # round trip; difflib then judges them exactly as on SQLite, so both engines correct alike.
        rows = session.execute(
            text(
                "SELECT t.term, w.word FROM unnest(CAST(:terms AS text[])) AS t(term) CROSS JOIN LATERAL "
                "(SELECT word FROM provider_words WHERE word % t.term "
                " ORDER BY similarity(word, t.term) DESC, word LIMIT :many) AS w"
            ),
            {"terms": terms, "many": TRIGRAM_CANDIDATES},
        )
        near: dict[str, list[str]] = {term: [] for term in terms}
        for term, word in rows:
            near[term].append(word)
        return {term: [w for w in words if w[0] == term[0]] for term, words in near.items() if term not in words}
    known, by_initial = _vocabulary(db, session)
    return {term: list(by_initial.get(term[0], ())) for term in terms if term not in known}


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(filter(None, (value or "").split(";")))


# What a hit shows: every column but the HSDS id, the searchable opening hours and the timestamps.
_HIT_COLUMNS = tuple(
    getattr(Provider, name)
    for name in (
        "id",
        "name",
        "organization",
        "description",
        "address",
        "town",
        "zip_code",
        "phone_number",
        "hours",
        "service_types",
        "specialties",
        "taxonomy",
        "languages",
        "accepts_husky",
        "is_ecc",
        "min_age_months",
        "max_age_months",
        "wait_days",
        "latitude",
        "longitude",
    )
)


def _hit(
    row, origin: Origin | None, wait_limit: int | None, query: LookupQuery, named: bool | None = None
) -> ProviderHit:
    """A result from a row of _HIT_COLUMNS (unpacked by position: a page builds fifty of these)."""
    (
        provider_id,
        name,
        organization,
        description,
        address,
        town,
        zip_code,
        phone_number,
        hours,
        service_types,
        specialties,
        taxonomy,
        languages,
        accepts_husky,
        is_ecc,
        min_age_months,
        max_age_months,
        wait_days,
        latitude,
        longitude,
    ) = row
    distance = (
        distance_miles(origin, latitude, longitude)
        if origin is not None and latitude is not None and longitude is not None
        else None
    )
    meets = None
    if wait_limit is not None:
        meets = bool(is_ecc or (wait_days is not None and wait_days <= wait_limit))
    return ProviderHit(
        id=provider_id,
        name=name,
        organization=organization,
        description=description,
        address=address,
        town=town,
        zip_code=zip_code,
        phone_number=phone_number,
        hours=hours,
        service_types=_split(service_types),
        specialties=_split(specialties),
        taxonomy=_split(taxonomy),
        languages=_split(languages),
        accepts_husky=accepts_husky,
        is_ecc=is_ecc,
        min_age_months=min_age_months,
        max_age_months=max_age_months,
        wait_days=wait_days,
        distance_miles=distance,
        meets_deadline=meets,
        named=named,
        why=why_matched(
            distance=distance, is_ecc=is_ecc, wait_days=wait_days, meets=meets, urgency=query.urgency, named=named
        ),
        latitude=latitude,
        longitude=longitude,
    )
