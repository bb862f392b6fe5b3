"""The directory through Open Referral's HSDS 3.0 API, under `/hsds` on the public site: read-only,
directory data only, paged, rate-limited per client like the site, answers with ETag and (where
services decide them) Last-Modified so a directory following ours asks cheaply whether anything
changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from callcenter.domain.hsds_api import ApiProblem, ApiQuery, about, read_id, read_list_query
from callcenter.store.db import Database
from callcenter.store.errors import StoreError
from callcenter.store.hsds import publish

if TYPE_CHECKING:
    from callcenter.web.site import _Site

PREFIX = "/hsds"
_LISTS: dict[str, Callable[[Database, ApiQuery], dict[str, Any]]] = {
    "services": publish.services_page,
    "service_at_locations": publish.service_at_locations_page,
    "organizations": publish.organizations_page,
    "taxonomies": publish.taxonomies_page,
    "taxonomy_terms": publish.taxonomy_terms_page,
}
_SINGLES: dict[str, Callable[[Database, str], dict[str, Any] | None]] = {
    "services": publish.service,
    "service_at_locations": publish.service_at_location,
    "taxonomies": publish.taxonomy,
    "taxonomy_terms": publish.taxonomy_term,
}
_DATED = {"services", "service_at_locations"}  # answers decided by services, which keep last_modified


def is_api_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def api_error(status: int, message: str, problems: list[ApiProblem] | None = None) -> Response:
    """An error as the API's clients read it: JSON, with what to change."""
    body: dict[str, Any] = {"status": status, "error": message}
    if problems:
        body["problems"] = [{"parameter": p.parameter, "message": p.message} for p in problems]
    return Response(json.dumps(body), status_code=status, media_type="application/json", headers=_OPEN)


_OPEN = {"Access-Control-Allow-Origin": "*"}  # public data, for other directories' browser pages too


class HsdsApi:
    def __init__(self, site: _Site) -> None:
        self.site = site

    def routes(self) -> list[Route]:
        routes = [
            Route(PREFIX, lambda request: RedirectResponse(PREFIX + "/", status_code=308)),
            Route(PREFIX + "/", self.root, methods=["GET", "HEAD"]),
        ]
        for name in _LISTS:
            routes.append(Route(f"{PREFIX}/{name}", partial(self.listing, name), methods=["GET", "HEAD"]))
            routes.append(Route(f"{PREFIX}/{name}/{{id:path}}", partial(self.single, name), methods=["GET", "HEAD"]))
        routes.append(Route(PREFIX + "/{rest:path}", self.unknown, methods=["GET", "HEAD"]))
        return routes

    # --- endpoints -----------------------------------------------------------------------------------

    def root(self, request: Request) -> Response:
        return self._limited(request) or self._answer(request, about(), None)

    def listing(self, name: str, request: Request) -> Response:
        limited = self._limited(request)
        if limited is not None:
            return limited
        repeated = sorted({key for key in request.query_params if len(request.query_params.getlist(key)) > 1})
        if repeated:
            problems = [ApiProblem(key, "given more than once: give it once") for key in repeated]
            return api_error(400, "the query string has problems", problems)
        query = read_list_query(name, dict(request.query_params))
        if isinstance(query, list):
            return api_error(400, "the query string has problems", query)
        try:
            body = _LISTS[name](self.site.db, query)
            stamp = publish.last_change(self.site.db) if name in _DATED else None
        except publish.UnknownPostcode:
            problem = ApiProblem("postcode", "no such ZIP code: proximity needs a real one, e.g. 06106")
            return api_error(400, "the query string has problems", [problem])
        except StoreError:
            return self._unavailable()
        return self._answer(request, body, stamp)

    def single(self, name: str, request: Request) -> Response:
        limited = self._limited(request)
        if limited is not None:
            return limited
        record_id = read_id(request.path_params["id"])
        if record_id is None:
            return api_error(404, f"no such {name[:-1] if name != 'taxonomies' else 'taxonomy'}")
        full_service = request.query_params.get("full_service", "false").lower() == "true"
        try:
            if name == "organizations":
                body = publish.organization(self.site.db, record_id, full_service=full_service)
            else:
                body = _SINGLES[name](self.site.db, record_id)
        except StoreError:
            return self._unavailable()
        if body is None:
            return api_error(404, f"no such {'taxonomy' if name == 'taxonomies' else name[:-1]}: {record_id}")
        stamp = _stamp_of(body.get("service", body) if name == "service_at_locations" else body)
        return self._answer(request, body, stamp if name in _DATED else None)

    def unknown(self, request: Request) -> Response:
        return api_error(404, "no such endpoint: see /hsds/ and the HSDS 3.0 openapi.json")

    # --- answers -----------------------------------------------------------------------------------

    def _limited(self, request: Request) -> Response | None:
        try:
            wait = self.site.wait_needed(request, "api", self.site.settings.api_requests_per_minute)
        except StoreError:
            return self._unavailable()
        if not wait:
            return None
        response = api_error(429, f"too many requests: try again in {wait} s")
        response.headers["Retry-After"] = str(wait)
        return response

    def _unavailable(self) -> Response:
        response = api_error(503, "the directory cannot be read just now: try again shortly")
        response.headers["Retry-After"] = "30"
        return response

    def _answer(self, request: Request, body: dict[str, Any], last_modified: datetime | None) -> Response:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {**_OPEN, "ETag": '"' + hashlib.sha256(data).hexdigest()[:32] + '"', "Cache-Control": "no-cache"}
        if last_modified is not None:
            headers["Last-Modified"] = format_datetime(last_modified.replace(microsecond=0), usegmt=True)
        if _unchanged(request, headers["ETag"], last_modified):
            return Response(status_code=304, headers=headers)
        return Response(data, media_type="application/json", headers=headers)


def _stamp_of(service: dict[str, Any]) -> datetime | None:
    stamp = service.get("last_modified")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def _unchanged(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """A conditional GET the client's copy still answers: If-None-Match first, as RFC 9110 says."""
    match = request.headers.get("if-none-match")
    if match is not None:
        return etag in {tag.strip().removeprefix("W/") for tag in match.split(",")} or match.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return moment.tzinfo is not None and last_modified.replace(microsecond=0) <= moment
