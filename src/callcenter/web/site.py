"""`callcenter web`: the public find-care site. Server-drawn pages that work without JavaScript,
in English and Spanish, over the same directory and lookup the reps use (through store/)."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import anyio.to_thread
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callcenter.domain.directory import RADII_MILES, SERVICE_TYPES
from callcenter.domain.find_care import COMMON_LANGUAGES, read_search, town_centre
from callcenter.domain.phone import format_phone
from callcenter.domain.promises import PromisePolicy
from callcenter.store import directory, web_limits
from callcenter.store.db import Database
from callcenter.store.errors import NotFound, StoreError
from callcenter.web import words
from callcenter.web.hsds_api import HsdsApi, api_error, is_api_path
from callcenter.web.referral_pages import MAX_FORM_BYTES, ReferralPages
from callcenter.web.settings import SiteSettings

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
LOCALE_DIR = HERE / "locale"
LANGUAGES = {"en": "English", "es": "Español"}
PREFIX = {"en": "", "es": "/es"}
RESULTS_LIMIT = 30
MAX_TARGET_LENGTH = 2048  # path and query: longer is refused before anything reads it
MAX_BODY_BYTES = 1024  # the site takes no uploads; a GET with a body is somebody's probe
MAX_PROVIDER_ID = 2**31 - 1
log = logging.getLogger("callcenter.web")


def create_site(
    db: Database,
    settings: SiteSettings,
    clock: Callable[[], datetime] | None = None,
    policy: PromisePolicy | None = None,
) -> ASGIApp:
    """The site as an ASGI app: `clock` is injected so tests drive rate limits and "open now";
    `policy` is the line's business time, for when a representative will call a referrer back."""
    site = _Site(db, settings, clock or (lambda: datetime.now(UTC)))
    referrals = ReferralPages(site, policy or PromisePolicy())
    routes: list[Route | Mount] = list(HsdsApi(site).routes())
    for lang, prefix in PREFIX.items():
        routes.append(Route(prefix + "/", partial(site.find, lang), methods=["GET", "HEAD"]))
        routes.append(Route(prefix + "/providers/{provider_id}", partial(site.provider, lang), methods=["GET", "HEAD"]))
        routes.append(Route(prefix + "/refer", partial(_to_first_step, prefix), methods=["GET", "HEAD"]))
        routes.append(Route(prefix + "/refer/status", partial(referrals.status, lang), methods=["GET", "HEAD", "POST"]))
        routes.append(Route(prefix + "/refer/{step}", partial(referrals.step, lang), methods=["GET", "HEAD", "POST"]))
    routes += [
        Route("/es", lambda request: RedirectResponse("/es/", status_code=308)),
        Route("/healthz", lambda request: PlainTextResponse("ok")),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=_lifespan)
    app.add_exception_handler(404, site.not_found)
    app.add_exception_handler(405, site.not_allowed)
    app.add_exception_handler(Exception, site.failed)
    return _Guard(app, site)


class _Site:
    def __init__(self, db: Database, settings: SiteSettings, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.translations: dict[str, NullTranslations] = {
            lang: NullTranslations() if lang == "en" else Translations.load(str(LOCALE_DIR), [lang], domain="messages")
            for lang in LANGUAGES
        }
        self.environments = {lang: self._environment(lang) for lang in LANGUAGES}
        self.recent_pages = RecentPages()

    def _environment(self, lang: str) -> Environment:
        environment = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=select_autoescape(default=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.install_gettext_translations(self.translations[lang], newstyle=True)  # type: ignore[attr-defined]
        return environment

    # --- pages -------------------------------------------------------------------------------

    def find(self, lang: str, request: Request) -> Response:
        form = read_search(request.query_params)
        context: dict[str, Any] = {"form": form, "result": None, "problems": {}}
        if form.searched:
            limited = self.limited(request, lang, "search", self.settings.searches_per_minute)
            if limited is not None:
                return limited
        if form.problems:
            context["problems"] = {
                problem.field: words.problem_text(problem, self.gettext(lang)) for problem in form.problems
            }
            return self.page(request, lang, "find.html", context, status=400)
        if form.query is None or not form.searched:
            return self.page(request, lang, "find.html", context)
        now = self.clock()
        # "Open now" changes with the minute; every other answer holds until the directory changes.
        key = (lang, request.url.query, now.replace(second=0, microsecond=0) if form.query.open_now else None)
        kept = self.recent_pages.get(key, now)
        if kept is not None:
            return HTMLResponse(kept)
        try:
            result = directory.search(self.db, form.query, now, limit=RESULTS_LIMIT)
        except StoreError:
            return self.unavailable(request, lang)
        context["result"] = result
        context["map"] = self._map_data(lang, result.hits)
        page = self.page(request, lang, "find.html", context)
        self.recent_pages.put(key, bytes(page.body), now)
        return page

    def provider(self, lang: str, request: Request) -> Response:
        raw = request.path_params["provider_id"]
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PROVIDER_ID:
            return self.not_found(request)
        limited = self.limited(request, lang, "page", self.settings.pages_per_minute)
        if limited is not None:
            return limited
        try:
            hit = directory.get_provider(self.db, int(raw))
        except NotFound:
            return self.not_found(request)
        except StoreError:
            return self.unavailable(request, lang)
        context = {"hit": hit, "map": self._map_data(lang, (hit,))}
        return self.page(request, lang, "provider.html", context)

    # --- answers that are not the page asked for -----------------------------------------------

    def not_found(self, request: Request, _error: Exception | None = None) -> Response:
        lang = language_of(request.url.path)
        return self.message(request, lang, "not_found", 404)

    def not_allowed(self, request: Request, _error: Exception | None = None) -> Response:
        if is_api_path(request.url.path):
            response = api_error(405, "read-only: GET or HEAD")
        else:
            response = self.message(request, language_of(request.url.path), "not_allowed", 405)
        response.headers["Allow"] = "GET, HEAD"
        return response

    def failed(self, request: Request, _error: Exception | None = None) -> Response:
        if is_api_path(request.url.path):
            return api_error(500, "something failed on our side; it is logged")
        return self.message(request, language_of(request.url.path), "failed", 500)

    def unavailable(self, request: Request, lang: str) -> Response:
        response = self.message(request, lang, "unavailable", 503)
        response.headers["Retry-After"] = "30"
        return response

    def message(self, request: Request, lang: str, kind: str, status: int, **values: Any) -> Response:
        return self.page(request, lang, "message.html", {"kind": kind, **values}, status=status)

    def wait_needed(self, request: Request, bucket: str, per_minute: int) -> int:
        """Count this request against the client's limit: 0 while under it, else the seconds until
        the next window. Raises StoreError when the count cannot be kept."""
        now = self.clock()
        window = int(now.timestamp()) // 60
        client = hashlib.sha256(client_address(request.scope, self.settings).encode()).hexdigest()
        if web_limits.count_request(self.db, bucket, client, window) <= per_minute:
            return 0
        return 60 - int(now.timestamp()) % 60

    def limited(self, request: Request, lang: str, bucket: str, per_minute: int) -> Response | None:
        """None while the client is under its limit; else the page that says when to try again."""
        try:
            wait = self.wait_needed(request, bucket, per_minute)
        except StoreError:
            return self.unavailable(request, lang)
        if not wait:
            return None
        kind = "too_many" if bucket in ("search", "page") else "too_many_tries"
        response = self.message(request, lang, kind, 429, seconds=wait)
        response.headers["Retry-After"] = str(wait)
        return response

    # --- drawing -------------------------------------------------------------------------------

    def page(self, request: Request, lang: str, template: str, context: dict[str, Any], status: int = 200) -> Response:
        environment = self.environments[lang]
        gettext, ngettext = self.gettext(lang), self.ngettext(lang)
        path = request.url.path
        bare = path[len(PREFIX[lang]) :] or "/" if lang != "en" else path
        other = "es" if lang == "en" else "en"
        query = request.url.query
        switch = PREFIX[other] + bare + (f"?{query}" if query and len(query) <= MAX_TARGET_LENGTH else "")
        html = environment.get_template(template).render(
            lang=lang,
            other_lang=other,
            other_lang_name=LANGUAGES[other],
            switch_url=switch,
            home=PREFIX[lang] + "/",
            prefix=PREFIX[lang],
            settings=self.settings,
            radii=RADII_MILES,
            service_types=[(key, words.service_label(key, gettext)) for key in SERVICE_TYPES],
            common_languages=COMMON_LANGUAGES,
            field_labels={name: gettext(label) for name, label in words.FIELD_LABELS.items()},
            reasons=lambda hit: words.reasons(hit, gettext, ngettext),
            ages=lambda hit: words.ages(hit, gettext),
            service_label=lambda key: words.service_label(key, gettext),
            tel=lambda number: "".join(ch for ch in number or "" if ch.isdigit() or ch == "+"),
            phone=format_phone,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def gettext(self, lang: str) -> Callable[[str], str]:
        return self.translations[lang].gettext

    def ngettext(self, lang: str) -> Callable[[str, str, int], str]:
        return self.translations[lang].ngettext

    def _map_data(self, lang: str, hits: Any) -> dict[str, Any]:
        """What the map script draws: each provider's point, and the names of the towns they are in
        at the towns' centres (from the ZIP centroids), so a map without tiles still says where."""
        points = [
            {
                "lat": round(hit.latitude, 5),
                "lng": round(hit.longitude, 5),
                "name": hit.name,
                "url": f"{PREFIX[lang]}/providers/{hit.id}",
            }
            for hit in hits
            if hit.latitude is not None and hit.longitude is not None
        ]
        towns = []
        for town in sorted({hit.town for hit in hits if hit.town}):
            centre = town_centre(town)
            if centre is not None:
                towns.append({"lat": round(centre[0], 5), "lng": round(centre[1], 5), "name": town})
        return {
            "points": points,
            "towns": towns,
            "tiles": self.settings.tiles or "",
            "attribution": self.settings.tile_attribution,
        }


# Pages are drawn in worker threads (the database is blocking): as many as the pool has connections,
# so no request waits for a connection and none is opened and closed per request.
WEB_THREADS = 16


@contextlib.asynccontextmanager
async def _lifespan(_app: Starlette) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = WEB_THREADS
    yield


def site_from_environment() -> ASGIApp:
    """For `callcenter web --workers N`: each worker process builds its own site (and database
    pool) from the environment the command set up."""
    from callcenter.config import promise_policy, resolve_database_url
    from callcenter.web.settings import site_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    db = Database(resolve_database_url(None), create=False, pool_size=WEB_THREADS)
    return create_site(db, site_settings(), policy=promise_policy())


class RecentPages:
    """Search pages drawn in the last minute, by language and query string. Families ask for the same
    towns and needs again and again (and come back from a provider's page): a page drawn once a
    minute costs one directory search. The directory changes only when it is imported, and a
    family seeing that change a minute late loses nothing. Bounded, oldest forgotten first."""

    def __init__(self, seconds: float = 60.0, most: int = 2000) -> None:
        self.seconds = seconds
        self.most = most
        self._pages: OrderedDict[Any, tuple[datetime, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, now: datetime) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            drawn, body = found
            if (now - drawn).total_seconds() > self.seconds or now < drawn:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return body

    def put(self, key: Any, body: bytes, now: datetime) -> None:
        with self._lock:
            self._pages[key] = (now, body)
            self._pages.move_to_end(key)
            while len(self._pages) > self.most:
                self._pages.popitem(last=False)


def _to_first_step(prefix: str, _request: Request) -> Response:
    return RedirectResponse(f"{prefix}/refer/danger", status_code=303)


def language_of(path: str) -> str:
    return "es" if path == "/es" or path.startswith("/es/") else "en"


def client_address(scope: Scope, settings: SiteSettings) -> str:
    """Where the request came from. Behind a trusted proxy, the nearest address in X-Forwarded-For
    that is not itself a trusted proxy; otherwise the connection's peer (a header anyone can send
    is believed only from a proxy that is trusted)."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not settings.trusted_proxies or not _trusted(peer, settings):
        return peer
    forwarded = [value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"x-forwarded-for"]
    hops = [hop.strip() for line in forwarded for hop in line.split(",")]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a forged or broken header: the proxy itself is the client
        if not _trusted(hop, settings):
            return hop
    return peer


def _trusted(address: str, settings: SiteSettings) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.trusted_proxies)


def security_headers(settings: SiteSettings) -> list[tuple[bytes, bytes]]:
    images = "'self' data:" + (f" {settings.tile_origin}" if settings.tile_origin else "")
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; font-src 'self'; connect-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ]


class _Guard:
    """Before the site: refuses what no page of it needs (other methods, huge targets, bodies),
    adds the security headers to every answer, and turns any failure into a plain page: the
    internet never sees a stack trace, and the log never sees a query string."""

    def __init__(self, app: ASGIApp, site: _Site) -> None:
        self.app = app
        self.site = site
        self.headers = security_headers(site.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_seen: list[int] = []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(message["status"])
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    header for header in self.headers if header[0] not in names
                ]
            await send(message)

        refusal = self._refusal(scope)
        try:
            if refusal is not None:
                await refusal(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        except Exception as error:
            log.error("web: %s on %s %s", type(error).__name__, scope.get("method"), scope.get("path", "")[:200])
            if status_seen:
                return  # the failure page was sent already (the app's own handler)
            response = self.site.failed(Request(scope))
            await response(scope, receive, send_with_headers)
        finally:
            status = status_seen[0] if status_seen else 0
            log.info(
                "%s %s %s %.1f ms",
                scope.get("method"),
                scope.get("path", "")[:200],
                status,
                (time.perf_counter() - started) * 1000,
            )

    def _refusal(self, scope: Scope) -> Response | None:
        request = Request(scope)
        lang = language_of(scope.get("path", ""))
        target = len(scope.get("raw_path", b"")) + len(scope.get("query_string", b""))
        api = is_api_path(scope.get("path", ""))
        if target > MAX_TARGET_LENGTH:
            if api:
                return api_error(414, f"the address is longer than {MAX_TARGET_LENGTH} characters")
            return self.site.message(request, lang, "too_long", 414, limit=MAX_TARGET_LENGTH)
        method = scope.get("method")
        path = scope.get("path", "")
        takes_forms = path.startswith(("/refer/", "/es/refer/"))
        if method not in ("GET", "HEAD") and not (method == "POST" and takes_forms):
            return self.site.not_allowed(request)
        limit = MAX_FORM_BYTES if method == "POST" else 0
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                size = value.strip()
                if not size.isdigit() or int(size) > limit:
                    return (
                        api_error(413, "no request body is taken")
                        if api
                        else self.site.message(request, lang, "body", 413)
                    )
            if name == b"transfer-encoding" and method != "POST":
                return (
                    api_error(413, "no request body is taken") if api else self.site.message(request, lang, "body", 413)
                )
        return None
