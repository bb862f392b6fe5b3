"""Following another directory through its Open Referral HSDS 3.0 API (`callcenter directory follow`).

A run reads ``GET {base}/services?modified_after=...&full=true`` page by page and merges each page as
``directory import`` does (the same checks, bad-row report and upserts), each page in its own short
write transaction together with the run's cursor: a run that stops half-way (the other end fails,
the network goes, Ctrl-C) leaves whole pages merged and resumes from the next page, and a service is
never half-merged, since a service and everything nested in it are one page's rows. Consoles on
SQLite wait for a writer at most their busy timeout, so a page is kept small.

Where the last run got to is the upstream's own ``last_modified`` (``directoryfollow.taken_through``,
the newest change taken, as the upstream wrote it): the next run asks for what changed after it
(``modified_after`` is "on or after", so a millisecond later: after a bulk import upstream every
service carries the same moment, and asking "on or after" would take them all again every run).
Now and then (``listing_every``) the full list of ids and their ``last_modified`` is read: a service
taken from this source that the list no longer names is marked inactive, with the date it went
(never deleted: referrals point at its providers), and comes back as it is upstream if the list
names it again; one whose ``last_modified`` differs from the one taken (a change written upstream in
the very millisecond a run ended on) or that was never taken is fetched and merged then.

The other end is untrusted: a slow answer, a redirect to another host, an error status, an answer
that is not JSON or is larger than ``max_bytes`` stops the run with one `FollowError` line naming
the address and what happened; nothing of the failing page is written.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from callcenter.store import directory
from callcenter.store.db import Database
from callcenter.store.errors import StoreError
from callcenter.store.hsds.providers import load_bundle, upsert_providers
from callcenter.store.hsds.read import Package, PackageError, package_from_json
from callcenter.store.hsds.report import ImportReport, TableCount
from callcenter.store.hsds.tables import chunks
from callcenter.store.hsds.write import merge_package, stamp_services
from callcenter.store.models import DirectoryFollow, DirectoryFollowedService, HsdsService, HsdsServiceAtLocation

# A page of 100 full services holds a write transaction on SQLite for a fraction of a second (see the
# README); consoles wait up to their busy timeout (10 s) for it.
DEFAULT_PER_PAGE = 100
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # a page of 100 full services is a few hundred KB
DEFAULT_LISTING_EVERY = timedelta(hours=24)
LISTING_PER_PAGE = 10_000  # ids and dates only: a few pages for a whole state's directory
MAX_SOURCE_LENGTH = 400  # directoryfollow.source
MAX_PAGES = 100_000  # a directory of ten million services: an API that never says "last page" is refused
_READ_CHUNK = 64 * 1024
_INTERVAL = re.compile(r"\s*(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\s*", re.I)


class FollowError(StoreError):
    """A run stopped: one line naming the address and what happened there."""


@dataclass
class FollowSettings:
    per_page: int = DEFAULT_PER_PAGE
    timeout: float = DEFAULT_TIMEOUT_SECONDS  # seconds for one answer, from asking to its last byte
    max_bytes: int = DEFAULT_MAX_BYTES
    listing_every: timedelta = DEFAULT_LISTING_EVERY


@dataclass
class FollowReport:
    """What one run did."""

    source: str
    pages: int = 0
    services: int = 0  # services new or changed since the last run, as the upstream dates them
    merged: ImportReport = field(default_factory=lambda: ImportReport("follow"))  # every page's counts and bad rows
    resumed_from_page: int | None = None
    listed: int | None = None  # ids in the full listing, when one was read
    inactive: list[str] = field(default_factory=list)  # services the listing no longer names, now inactive
    returned: list[str] = field(default_factory=list)  # services named again after having gone
    caught_up: list[str] = field(default_factory=list)  # listed with a change no run had taken: taken now
    fetched: set[str] = field(default_factory=set)  # ids this run read from its pages (good or refused)
    longest_write: float = 0.0  # seconds, the longest page transaction
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"following {self.source}"]
        if self.resumed_from_page:
            out.append(f"resumed an unfinished run at page {self.resumed_from_page}")
        out += self.merged.lines()
        out.append(
            f"{self.pages} page{_s(self.pages)}, {self.services} service{_s(self.services)} new or changed upstream"
        )
        if self.listed is not None:
            out.append(
                f"listing: {self.listed} service{_s(self.listed)} upstream; {len(self.inactive)} no longer listed, "
                f"marked inactive; {len(self.returned)} listed again; {len(self.caught_up)} changed but not "
                "yet taken, taken now"
            )
            out += [f"inactive: {service_id}" for service_id in self.inactive]
        out.append(f"done in {self.seconds:.2f} s (longest page write {self.longest_write:.2f} s)")
        return out


def _s(count: int) -> str:
    return "" if count == 1 else "s"


# --- the address and the interval, checked before anything is opened ------------------------------


def check_source_url(text: str) -> str:
    """The API's base address as the follow is keyed on: http(s), a host, no credentials, no query;
    the trailing slash dropped."""
    url = text.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is no number raises here
    except ValueError as error:
        raise FollowError(f"{text!r} is not a usable address ({error}).") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FollowError(f"{text!r}: give an http:// or https:// address of an HSDS API.")
    if not parts.hostname:
        raise FollowError(f"{text!r} names no host: give e.g. https://directory.example.org/hsds")
    if parts.username is not None or parts.password is not None:
        raise FollowError("the address holds a user name or password: an HSDS API is public, give it without them.")
    if parts.query or parts.fragment:
        raise FollowError(f"{text!r}: give the API's base address, without ?query or #fragment.")
    if port == 0:
        raise FollowError(f"{text!r}: port 0 is no port.")
    url = url.rstrip("/")
    if len(url) > MAX_SOURCE_LENGTH:
        raise FollowError(f"the address is {len(url)} characters long; at most {MAX_SOURCE_LENGTH} are kept.")
    return url


def parse_interval(text: str) -> timedelta:
    """``1h``, ``30m``, ``15 min``, ``2 hours``, ``1d``, ``90s``: at least a minute, at most 30 days."""
    match = _INTERVAL.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an interval: write e.g. 15m, 1h, 2h or 1d")
    amount, unit = int(match[1]), match[2].lower()
    seconds = amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit[0]]
    if not 60 <= seconds <= 30 * 86400:
        raise ValueError(f"{text!r}: give an interval from 1m to 30d")
    return timedelta(seconds=seconds)


# --- the HTTP client -----------------------------------------------------------------------------


class _OtherHost(Exception):
    def __init__(self, host: str) -> None:
        self.host = host


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only on the same host (http to https, a trailing slash); elsewhere refuses."""

    def __init__(self, host: str) -> None:
        self.host = host

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        target = (urlsplit(newurl).hostname or "").lower()
        if target != self.host:
            raise _OtherHost(target or newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HsdsClient:
    """GETs JSON from one HSDS API, bounded in time and size."""

    def __init__(self, base: str, timeout: float = DEFAULT_TIMEOUT_SECONDS, max_bytes: int = DEFAULT_MAX_BYTES):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.max_bytes = max_bytes
        host = (urlsplit(self.base).hostname or "").lower()
        # No proxy from the environment: a follow goes to the address it was given.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _SameHostRedirects(host))

    def get(self, path: str, query: dict[str, Any] | None = None, label: str | None = None) -> Any:
        """The parsed JSON at base + path; `label` names the request in a failure (default: the path)."""
        url = self.base + path + (f"?{urlencode(query)}" if query else "")
        where = self.base + (label if label is not None else path)
        request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "callcenter"})
        deadline = time.monotonic() + self.timeout
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                body = self._body(response, where, deadline)
                kind = response.headers.get_content_type() if response.headers.get("Content-Type") else None
        except FollowError:
            raise
        except _OtherHost as error:
            raise FollowError(f"{where}: redirected to another host ({error.host}), refused") from None
        except urllib.error.HTTPError as error:
            reason = f" {error.reason}" if error.reason else ""
            raise FollowError(f"{where}: answered HTTP {error.code}{reason}") from None
        except TimeoutError:
            raise FollowError(f"{where}: no answer within {self.timeout:g} s") from None
        except urllib.error.URLError as error:
            raise FollowError(f"{where}: {_connection_problem(error.reason, self.timeout)}") from None
        except (http.client.HTTPException, OSError) as error:
            raise FollowError(f"{where}: the connection broke off ({_first_line(error)})") from None
        if kind is not None and kind != "application/json" and not kind.endswith("+json"):
            raise FollowError(f"{where}: answered {kind}, not JSON")
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise FollowError(f"{where}: not valid JSON ({_first_line(error)})") from None

    def _body(self, response: http.client.HTTPResponse, where: str, deadline: float) -> bytes:
        """At most max_bytes + 1 bytes, read before the deadline: a trickle counts as no answer."""
        too_big = FollowError(f"{where}: more than {_size(self.max_bytes)}, refused")
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise too_big
        parts: list[bytes] = []
        size = 0
        while size <= self.max_bytes:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = response.read1(min(_READ_CHUNK, self.max_bytes + 1 - size))
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
            size += len(chunk)
        raise too_big


def _connection_problem(reason: Any, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return "no such host (the name does not resolve)"
    if isinstance(reason, ssl.SSLError):
        return f"the secure connection failed ({_first_line(reason)})"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (nothing listens there)"
    return f"could not connect ({_first_line(reason)})"


def _first_line(error: Any) -> str:
    text = str(getattr(error, "strerror", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MB" if count >= 1024 * 1024 else f"{count} bytes"


# --- a run ---------------------------------------------------------------------------------------


def check_api(client: HsdsClient) -> dict[str, Any]:
    """The API's root: an HSDS 3 API says so (``version`` "3.0..."), anything else is refused."""
    root = client.get("/")
    version = root.get("version") if isinstance(root, dict) else None
    if not isinstance(version, str) or not version.strip().startswith("3."):
        shown = repr(version) if version is not None else "none given"
        raise FollowError(f"{client.base}/: not an HSDS 3 API (version {shown})")
    return root


def follow(
    db: Database,
    url: str,
    now: datetime | None = None,
    settings: FollowSettings | None = None,
) -> FollowReport:
    """One run: what changed upstream since the last run, page by page, then the listing when due."""
    settings = settings or FollowSettings()
    now = now or datetime.now(UTC)
    started = time.perf_counter()
    source = check_source_url(url)
    client = HsdsClient(source, settings.timeout, settings.max_bytes)
    report = FollowReport(source)
    try:
        check_api(client)
        since, page, high_water = _start(db, source, now, report)
        _take_changes(db, client, settings, now, report, since, page, high_water)
        if _listing_due(db, source, now, settings.listing_every):
            _take_listing(db, client, settings, now, report)
    finally:
        if report.pages or report.inactive or report.caught_up or report.returned:
            with contextlib.suppress(StoreError):  # the words come back at the next import or run
                directory.refresh_vocabulary(db)  # once a run, not once a page
        directory.forget_vocabulary(db)
        report.seconds = time.perf_counter() - started
    return report


def _start(db: Database, source: str, now: datetime, report: FollowReport) -> tuple[str | None, int, str | None]:
    """(modified_after, first page, newest change taken so far): an unfinished run asking the same
    question goes on from its next page; otherwise a new run starts at page 1."""
    with db.write() as session:
        state = session.get(DirectoryFollow, source)
        if state is None:
            state = DirectoryFollow(source=source)
            session.add(state)
        since = state.taken_through
        if state.run_next_page and state.run_since == since:
            report.resumed_from_page = state.run_next_page
            return since, state.run_next_page, state.run_high_water
        state.run_since, state.run_next_page, state.run_high_water = since, 1, None
        state.run_started_at = now
        return since, 1, None


def _take_changes(
    db: Database,
    client: HsdsClient,
    settings: FollowSettings,
    now: datetime,
    report: FollowReport,
    since: str | None,
    page: int,
    high_water: str | None,
) -> None:
    while True:
        if page > MAX_PAGES:
            raise FollowError(f"{client.base}/services: more than {MAX_PAGES} pages without a last one, stopped")
        query: dict[str, Any] = {"page": page, "per_page": settings.per_page, "full": "true"}
        if since is not None:
            query["modified_after"] = _just_after(since)
        label = f"/services?page={page}"
        items, last = _page(client.get("/services", query, label), client.base + label)
        items = [_full(client, item, label) for item in items]
        package = _package(items, client.base + label, client.base)
        services = {str(item["id"]): item.get("last_modified") for item in items}
        report.fetched.update(services)
        for item in items:
            high_water = _later(high_water, item.get("last_modified"))
        written = time.perf_counter()
        with db.write() as session:
            merged = merge_package(session, package, now, refresh_vocabulary=False) if items else None
            _note_followed(session, client.base, services)
            state = session.get(DirectoryFollow, client.base)
            if last:
                state.taken_through = _later(since, high_water)  # never backwards
                state.run_since = state.run_next_page = state.run_high_water = state.run_started_at = None
                state.last_run_at = now
            else:
                state.run_since, state.run_next_page, state.run_high_water = since, page + 1, high_water
        report.longest_write = max(report.longest_write, time.perf_counter() - written)
        report.pages += 1
        report.services += sum(1 for item in items if _changed_since(item.get("last_modified"), since))
        if merged is not None:
            _add(report.merged, merged)
        if last:
            return
        page += 1


def _page(data: Any, where: str) -> tuple[list[dict[str, Any]], bool]:
    """A Page envelope's services, and whether it is the last page."""
    if not isinstance(data, dict) or not isinstance(data.get("contents"), list):
        raise FollowError(f"{where}: not an HSDS page (no contents list)")
    items = data["contents"]
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"].strip():
            raise FollowError(f"{where}: item {index} is not a service with an id")
    total_pages, number = data.get("total_pages"), data.get("page_number")
    last = (
        data.get("last_page") is True
        or not items
        or (isinstance(total_pages, int) and isinstance(number, int) and number >= total_pages)
    )
    return items, last


def _full(client: HsdsClient, item: dict[str, Any], label: str) -> dict[str, Any]:
    """The service as a full object: one listed without its service_at_locations is asked for."""
    if "service_at_locations" in item:
        return item
    path = f"/services/{quote(item['id'], safe='')}"
    full = client.get(path)
    if not isinstance(full, dict) or full.get("id") != item["id"]:
        raise FollowError(f"{client.base}{path}: not the service {item['id']!r} listed on {label}")
    if "last_modified" not in full and "last_modified" in item:
        full["last_modified"] = item["last_modified"]
    return full


def _package(items: list[dict[str, Any]], label: str, source: str) -> Package:
    try:
        return package_from_json(items, label, source)
    except PackageError as error:
        raise FollowError(f"{label}: {error.message}") from None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _just_after(since: str) -> str:
    """A millisecond after an upstream moment, in the form the spec writes (UTC, milliseconds)."""
    moment = _moment(since)
    if moment is None:
        return since  # not a moment we can read: ask as it was written
    after = (moment + timedelta(milliseconds=1)).astimezone(UTC)
    return after.strftime("%Y-%m-%dT%H:%M:%S.") + f"{after.microsecond // 1000:03d}Z"


def _later(current: str | None, candidate: Any) -> str | None:
    """The newer of two upstream last_modified strings (compared as moments, kept as written)."""
    moment = _moment(candidate)
    if moment is None or (len(candidate) > 40):
        return current
    known = _moment(current)
    return candidate if known is None or moment > known else current


def _changed_since(value: Any, since: str | None) -> bool:
    """Not the very change the last run ended on: the API lists what changed on or after `since`."""
    moment, previous = _moment(value), _moment(since)
    return moment is None or previous is None or moment > previous


def _note_followed(session: Session, source: str, taken: dict[str, Any]) -> None:
    """These services (id: the last_modified taken) come from this source (again: one that had gone
    is back). Only those now in the directory: a service whose row was refused is not this
    source's to mark inactive later."""
    table = DirectoryFollowedService.__table__
    service = HsdsService.__table__
    ids: list[str] = []
    for chunk in chunks(sorted(taken)):
        ids += session.scalars(select(service.c.id).where(service.c.id.in_(chunk)))
    known: set[str] = set()
    for chunk in chunks(sorted(ids)):
        known.update(
            session.scalars(select(table.c.service_id).where(table.c.source == source, table.c.service_id.in_(chunk)))
        )
    rows = [
        {"source": source, "service_id": key, "gone_since": None, "upstream_modified": _stamp(taken[key])}
        for key in ids
    ]
    new = [row for row in rows if row["service_id"] not in known]
    if new:
        session.execute(table.insert(), new)
    old = [{"key": row["service_id"], "stamp": row["upstream_modified"]} for row in rows if row["service_id"] in known]
    if old:
        session.execute(
            update(table)
            .where(table.c.source == source, table.c.service_id == bindparam("key"))
            .values(gone_since=None, upstream_modified=bindparam("stamp")),
            old,
        )


def _stamp(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) <= 40 else None


def _add(total: ImportReport, page: ImportReport) -> None:
    for name, count in page.counts.items():
        into = total.counts.setdefault(name, TableCount())
        into.imported += count.imported
        into.updated += count.updated
        into.unchanged += count.unchanged
        into.removed += count.removed
    total.bad_rows += page.bad_rows
    total.skipped += [note for note in page.skipped if note not in total.skipped]


# --- the listing: services gone upstream ---------------------------------------------------------


def _listing_due(db: Database, source: str, now: datetime, every: timedelta) -> bool:
    with db.read() as session:
        state = session.get(DirectoryFollow, source)
        return state is None or state.last_listing_at is None or now - state.last_listing_at >= every


def _listed(client: HsdsClient) -> dict[str, str | None]:
    """Every service id upstream, with its last_modified as written there."""
    listed: dict[str, str | None] = {}
    for page in range(1, MAX_PAGES + 1):
        label = f"/services?minimal=true&page={page}"
        query = {"minimal": "true", "page": page, "per_page": LISTING_PER_PAGE}
        items, last = _page(client.get("/services", query, label), client.base + label)
        listed.update((str(item["id"]), _stamp(item.get("last_modified"))) for item in items)
        if last:
            return listed
    raise FollowError(f"{client.base}/services?minimal=true: more than {MAX_PAGES} pages without a last one, stopped")


def _take_listing(
    db: Database, client: HsdsClient, settings: FollowSettings, now: datetime, report: FollowReport
) -> None:
    """Services this source no longer lists become inactive (never deleted); those it lists again
    after having gone, and those listed with a change no run took, are taken as they are upstream."""
    listed = _listed(client)
    report.listed = len(listed)
    table = DirectoryFollowedService.__table__
    service = HsdsService.__table__
    with db.read() as session:
        followed = {
            row.service_id: (row.gone_since, row.upstream_modified)
            for row in session.execute(
                select(table.c.service_id, table.c.gone_since, table.c.upstream_modified).where(
                    table.c.source == client.base
                )
            )
        }
        here: set[str] = set()
        unfollowed = sorted(set(listed) - set(followed))
        for chunk in chunks(unfollowed):
            here.update(session.scalars(select(service.c.id).where(service.c.id.in_(chunk))))
    if not listed and followed:
        raise FollowError(f"{client.base}/services?minimal=true: lists no service at all; not taken as all gone")
    gone = sorted(key for key, (since, _stamp) in followed.items() if since is None and key not in listed)
    back = sorted(key for key, (since, _stamp) in followed.items() if since is not None and key in listed)
    # Changed upstream yet not taken: a change in the millisecond a run ended on, or one never taken
    # at all (an id that is some other source's or the line's own is theirs, and left alone).
    report.caught_up = sorted(
        [key for key, (since, stamp) in followed.items() if since is None and key in listed and listed[key] != stamp]
        + [key for key in unfollowed if key not in here and key not in report.fetched]
    )
    for batch in _batches(gone, settings.per_page):
        written = time.perf_counter()
        with db.write() as session:
            _mark_gone(session, client.base, batch, now)
        report.longest_write = max(report.longest_write, time.perf_counter() - written)
    report.inactive = gone
    for batch in _batches(back + report.caught_up, settings.per_page):
        items = [_full(client, {"id": key, "last_modified": listed[key]}, "the listing") for key in batch]
        package = _package(items, f"{client.base}/services (from the listing)", client.base)
        written = time.perf_counter()
        with db.write() as session:
            _add(report.merged, merge_package(session, package, now, refresh_vocabulary=False))
            _note_followed(session, client.base, {item["id"]: item.get("last_modified") for item in items})
        report.longest_write = max(report.longest_write, time.perf_counter() - written)
    report.returned = back
    with db.write() as session:
        session.get(DirectoryFollow, client.base).last_listing_at = now


def _batches(ids: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), max(size, 1)):
        yield ids[start : start + size]


def _mark_gone(session: Session, source: str, service_ids: list[str], now: datetime) -> None:
    """Inactive, dated, their providers derived again: reps and the public site stop offering them."""
    service = HsdsService.__table__
    sal = HsdsServiceAtLocation.__table__
    followed = DirectoryFollowedService.__table__
    session.execute(update(service).where(service.c.id.in_(service_ids)).values(status="inactive"))
    stamp_services(session, service_ids, now)
    session.execute(
        update(followed)
        .where(followed.c.source == source, followed.c.service_id.in_(service_ids))
        .values(gone_since=now)
    )
    sal_ids = sorted(session.scalars(select(sal.c.id).where(sal.c.service_id.in_(service_ids))))
    upsert_providers(session, load_bundle(session, sal_ids), sal_ids, now)


# --- following on a schedule ---------------------------------------------------------------------


def follow_every(
    db: Database,
    url: str,
    every: timedelta,
    settings: FollowSettings | None = None,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    on_report: Callable[[FollowReport], None] = lambda report: None,
    on_failure: Callable[[str], None] = lambda line: None,
    runs: int | None = None,
) -> None:
    """A run every `every` (timed from each run's start) until interrupted; a failed run is reported
    and the next one goes on. `runs` bounds the loop (tests)."""
    done = 0
    while runs is None or done < runs:
        started = clock()
        try:
            on_report(follow(db, url, started, settings))
        except StoreError as error:
            on_failure(error.message)
        done += 1
        if runs is not None and done >= runs:
            return
        sleep(max(0.0, (started + every - clock()).total_seconds()))
