"""The HSDS 3.0 API under /hsds, on both engines: every answer checked against the specification's
own schemas (tests/fixtures/hsds_3_0_schema), paging, filters, hostile parameters, conditional
requests, limits, and that nothing but directory data ever leaves."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from email.utils import format_datetime
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select
from starlette.testclient import TestClient

from callcenter.domain.hsds_api import distance_metres
from callcenter.store import hsds
from callcenter.store.hsds.providers import zip_centroid
from callcenter.store.models import Agent, Call, Child, Guardian, HsdsPhone, HsdsService, Provider
from callcenter.web.settings import SiteSettings
from callcenter.web.site import create_site
from tests.dbutil import FIXED_NOW
from tests.store.test_hsds import GOOD_CSV, _copy, _edit_csv, uid

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "hsds_3_0_schema"


@cache
def _schema(name: str) -> dict:
    compiled = SCHEMAS / "compiled" / f"{name}.json.gz"
    if compiled.exists():
        return json.loads(gzip.decompress(compiled.read_bytes()))
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


@cache
def validator(name: str) -> Draft202012Validator:
    """The specification's schema for one object; taxonomy_term.json refers to its neighbours."""
    registry = Registry().with_resources(
        (f"{neighbour}.json", Resource.from_contents(_schema(neighbour), default_specification=DRAFT202012))
        for neighbour in ("taxonomy", "metadata")
    )
    return Draft202012Validator(_schema(name), registry=registry)


def openapi_schema(*path: str) -> dict:
    found = _schema("openapi")
    for key in path:
        found = found[key]
    return found


def conforms(name: str, item: dict) -> None:
    errors = sorted(validator(name).iter_errors(item), key=lambda error: list(error.absolute_path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def page_conforms(page: dict, item_schema: str) -> None:
    envelope = openapi_schema("components", "schemas", "Page")
    Draft202012Validator(envelope).validate(page)
    assert set(envelope["properties"]) | {"contents"} == set(page)
    assert page["size"] == len(page["contents"]) and page["empty"] is (page["size"] == 0)
    for item in page["contents"]:
        conforms(item_schema, item)


def client_for(db, clock=lambda: FIXED_NOW, **settings) -> TestClient:
    settings.setdefault("api_requests_per_minute", 100_000)
    return TestClient(create_site(db, SiteSettings(**settings), clock), raise_server_exceptions=False)


@pytest.fixture
def directory_db(demo_db):
    """The demo line with the fixture package beside it: taxonomies, terms, phones at every level."""
    hsds.import_package(demo_db, GOOD_CSV, FIXED_NOW)
    return demo_db


@pytest.fixture
def api(directory_db):
    return client_for(directory_db)


def every_page(api, path: str, **params) -> list[dict]:
    pages, number = [], 1
    while True:
        answer = api.get(path, params={**params, "page": str(number)})
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        if pages[-1]["last_page"]:
            return pages
        number += 1


# --- conformance ------------------------------------------------------------------------------------------


def test_the_root_says_which_hsds_it_speaks(api):
    answer = api.get("/hsds/")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    root = openapi_schema("paths", "/", "get", "responses", "200", "content", "application/json", "schema")
    Draft202012Validator(root).validate(answer.json())
    assert answer.json()["version"].startswith("3.0")
    assert api.get("/hsds", follow_redirects=False).status_code == 308


LISTS = [
    ("/hsds/services", {}, "service_list"),
    ("/hsds/services", {"full": "true"}, "service"),
    ("/hsds/service_at_locations", {}, "service_at_location_list"),
    ("/hsds/service_at_locations", {"full": "true"}, "service_at_location"),
    ("/hsds/organizations", {}, "organization_list"),
    ("/hsds/organizations", {"full": "true"}, "organization"),
    ("/hsds/organizations", {"full_service": "true"}, "organization"),
    ("/hsds/taxonomies", {}, "taxonomy"),
    ("/hsds/taxonomy_terms", {}, "taxonomy_term"),
]


@pytest.mark.parametrize(("path", "params", "schema"), LISTS)
def test_every_list_conforms_to_the_specifications_schemas(api, directory_db, path, params, schema):
    pages = every_page(api, path, per_page="200", **params)
    for page in pages:
        page_conforms(page, schema)
    assert sum(page["size"] for page in pages) == pages[0]["total_items"] > 0


def test_every_single_record_conforms_and_is_fully_nested(api, directory_db):
    with directory_db.read() as session:
        service_ids = list(session.scalars(select(HsdsService.id).order_by(HsdsService.id)))
    for service_id in service_ids:
        service = api.get(f"/hsds/services/{service_id}").json()
        conforms("service", service)
        assert service["organization"]["id"] == service["organization_id"]
        for sal in service["service_at_locations"]:
            assert sal["location"]["id"] == sal["location_id"]
            single = api.get(f"/hsds/service_at_locations/{sal['id']}").json()
            conforms("service_at_location", single)
            assert single["service"]["id"] == service_id
    clinic = api.get(f"/hsds/services/{uid('b2', 1)}").json()
    assert [language["name"] for language in clinic["languages"]] == ["English", "Spanish"]
    assert {term["taxonomy_term"]["name"] for term in clinic["attributes"]} >= {"Child Guidance"}
    child_guidance = next(a for a in clinic["attributes"] if a["taxonomy_term_id"] == "fhst:MH-10")
    assert child_guidance["taxonomy_term"]["taxonomy_detail"]["name"] == "Fictional Human Services Taxonomy"
    site_phone = clinic["service_at_locations"][0]["phones"][0]
    assert site_phone["number"] == "+18605550101"
    organization = api.get(f"/hsds/organizations/{uid('a1', 1)}", params={"full_service": "true"}).json()
    conforms("organization", organization)
    assert {service["id"] for service in organization["services"]} == {uid("b2", 1), uid("b2", 2)}
    assert all("service_at_locations" in service for service in organization["services"])
    taxonomy = api.get(f"/hsds/taxonomies/{uid('c7', 1)}").json()
    conforms("taxonomy", taxonomy)
    term = api.get("/hsds/taxonomy_terms/fhst:MH-10").json()
    conforms("taxonomy_term", term)
    assert term["parent_id"] == "fhst:MH"


def test_unknown_records_and_endpoints_are_json_404s(api):
    for path in (
        "/hsds/services/no-such-service",
        "/hsds/services/" + "x" * 300,
        "/hsds/organizations/none",
        "/hsds/taxonomy_terms/none",
        "/hsds/contacts",
        "/hsds/services/%00",
    ):
        answer = api.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/json" and answer.json()["error"]


# --- paging and filters ------------------------------------------------------------------------------------


def test_pages_hold_every_service_once_in_a_stable_order(api, directory_db):
    with directory_db.read() as session:
        every = sorted(session.scalars(select(HsdsService.id)))
    pages = every_page(api, "/hsds/services", per_page="37")
    listed = [item["id"] for page in pages for item in page["contents"]]
    assert listed == every
    assert [page["page_number"] for page in pages] == list(range(1, len(pages) + 1))
    assert pages[0]["first_page"] and not pages[1]["first_page"] and pages[0]["total_pages"] == len(pages)
    beyond = api.get("/hsds/services", params={"page": str(len(pages) + 1), "per_page": "37"}).json()
    assert beyond["contents"] == [] and beyond["empty"] and beyond["last_page"]
    minimal = api.get("/hsds/services", params={"minimal": "true"}).json()
    assert [item["id"] for item in minimal["contents"]] == every  # all of them in one call
    assert all(set(item) == {"id", "last_modified"} for item in minimal["contents"])


def test_filters_by_organization_term_taxonomy_and_words(api):
    def ids(**params) -> set[str]:
        return {item["id"] for page in every_page(api, "/hsds/services", **params) for item in page["contents"]}

    assert ids(organization_id=uid("a1", 1)) == {uid("b2", 1), uid("b2", 2)}
    assert ids(taxonomy_term_id="fhst:MH-20") == {uid("b2", 4)}
    assert ids(taxonomy_id=uid("c7", 1)) == {uid("b2", 1), uid("b2", 4)}
    assert ids(search="capitol kids") == {uid("b2", 1)}
    assert ids(search="CAPITOL") == {uid("b2", 1), uid("b2", 2)}
    assert ids(search="100%_ sure") == set()  # LIKE's wildcards are just characters
    sals = {
        item["id"]
        for page in every_page(api, "/hsds/service_at_locations", organization_id=uid("a1", 1))
        for item in page["contents"]
    }
    assert sals == {uid("e5", 1), uid("e5", 2), uid("e5", 3)}


def test_modified_after_lists_what_changed_since(api, directory_db, tmp_path):
    later = FIXED_NOW + timedelta(days=2)
    package = _copy(GOOD_CSV, tmp_path / "changed")
    _edit_csv(package / "services.csv", uid("b2", 5), name="Harbor Teen Recovery Center")
    hsds.import_package(directory_db, package, later)
    since = (FIXED_NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = api.get("/hsds/services", params={"modified_after": since}).json()
    assert [item["id"] for item in changed["contents"]] == [uid("b2", 5)]
    assert changed["contents"][0]["last_modified"] == later.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    exact = api.get("/hsds/services", params={"modified_after": later.isoformat()}).json()
    assert exact["total_items"] == 1  # "on or after"
    # An offset is honoured: 09:59:59 in Hartford is a second before the seed (15:00 UTC).
    before_seed = api.get("/hsds/services", params={"modified_after": "2026-11-23T09:59:59-05:00"}).json()
    after_seed = api.get("/hsds/services", params={"modified_after": "2026-11-23T10:00:01-05:00"}).json()
    assert before_seed["total_items"] > 300 and after_seed["total_items"] == 1
    sals = api.get("/hsds/service_at_locations", params={"modified_after": since}).json()
    assert [item["id"] for item in sals["contents"]] == [uid("e5", 6)]


def test_postcode_and_proximity_find_service_at_locations_near_a_zip(api, directory_db):
    with directory_db.read() as session:
        places = session.execute(
            select(Provider.hsds_id, Provider.latitude, Provider.longitude, Provider.zip_code)
        ).all()
    centre = zip_centroid("06106")
    expected = sorted(
        hsds_id
        for hsds_id, lat, lon, _zip in places
        if lat is not None and distance_metres(centre[0], centre[1], lat, lon) <= 8000
    )
    near = every_page(api, "/hsds/service_at_locations", postcode="06106", proximity="8000", per_page="5")
    assert [item["id"] for page in near for item in page["contents"]] == expected and expected
    in_zip = every_page(api, "/hsds/service_at_locations", postcode="06106")
    assert {item["id"] for page in in_zip for item in page["contents"]} == {
        hsds_id for hsds_id, *_rest, zip_code in places if zip_code == "06106"
    }


HOSTILE = [
    {"page": "0"},
    {"page": "-1"},
    {"page": "1e3"},
    {"page": "9" * 40},
    {"per_page": "1001"},
    {"per_page": ""},
    {"full": "true", "per_page": "500"},
    {"full": "maybe"},
    {"minimal": "true", "full": "true"},
    {"modified_after": "yesterday"},
    {"modified_after": "2026-13-45T25:00:00Z"},
    {"search": "x" * 201},
    {"taxonomy_term_id": "\x00"},
    {"organization_id": "y" * 101},
    {"format": "ndjson"},
    {"format": "xml"},
    {"callerNumber": "1"},
    {"proximity": "5000"},
    {"postcode": "ABCDE"},
    {"postcode": "06106", "proximity": "NaN"},
    {"postcode": "06106", "proximity": "inf"},
    {"postcode": "06106", "proximity": "-5"},
    {"postcode": "00000", "proximity": "5000"},
]


@pytest.mark.parametrize("params", HOSTILE, ids=lambda params: "&".join(f"{k}={v[:12]!r}" for k, v in params.items()))
def test_bad_parameters_are_refused_with_what_to_change(api, params):
    path = "/hsds/service_at_locations" if {"postcode", "proximity"} & set(params) else "/hsds/services"
    answer = api.get(path, params=params)
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["problems"] and all(problem["message"] for problem in body["problems"])
    assert {problem["parameter"] for problem in body["problems"]} <= set(params)


def test_a_parameter_given_twice_is_refused(api):
    answer = api.get("/hsds/services?page=1&page=2")
    assert answer.status_code == 400 and answer.json()["problems"][0]["parameter"] == "page"


def test_it_is_read_only_and_takes_no_bodies(api):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        answer = api.request(method, "/hsds/services")
        assert answer.status_code == 405 and answer.json()["error"], method
    with_body = api.request("GET", "/hsds/services", content=b"{}", headers={"content-type": "application/json"})
    assert with_body.status_code == 413
    assert api.get("/hsds/services?" + "a=1&" * 600).status_code == 414


# --- caching, limits, privacy ------------------------------------------------------------------------------


def test_etag_and_last_modified_answer_conditional_requests(api, directory_db, tmp_path):
    first = api.get("/hsds/services", params={"per_page": "5"})
    etag, stamp = first.headers["etag"], first.headers["last-modified"]
    assert api.get("/hsds/services", params={"per_page": "5"}, headers={"if-none-match": etag}).status_code == 304
    assert api.get("/hsds/services", params={"per_page": "5"}, headers={"if-modified-since": stamp}).status_code == 304
    one = api.get(f"/hsds/services/{uid('b2', 3)}")
    assert one.headers["last-modified"] == format_datetime(FIXED_NOW, usegmt=True)
    package = _copy(GOOD_CSV, tmp_path / "changed")
    _edit_csv(package / "services.csv", uid("b2", 3), name="Elm Street Early Childhood Center")
    hsds.import_package(directory_db, package, FIXED_NOW + timedelta(hours=3))
    again = api.get("/hsds/services", params={"per_page": "5"}, headers={"if-none-match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag
    assert api.get(f"/hsds/services/{uid('b2', 3)}", headers={"if-modified-since": stamp}).status_code == 200
    assert api.get("/hsds/taxonomies").headers["access-control-allow-origin"] == "*"


def test_requests_are_limited_per_client_like_the_site(directory_db):
    limited = client_for(directory_db, api_requests_per_minute=3)
    answers = [limited.get("/hsds/services", params={"per_page": "1"}) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["retry-after"]) > 0 and answers[-1].json()["error"]


def test_nothing_but_directory_data_ever_leaves(api, directory_db):
    with directory_db.read() as session:
        listed = set(session.scalars(select(HsdsPhone.number)))  # a caller may ring from a listed office
        private = {number for number in session.scalars(select(Call.caller_number)) if number and number not in listed}
        private |= {f"{row.first_name} {row.last_name}" for row in session.scalars(select(Child))}
        private |= {f"{row.first_name} {row.last_name}" for row in session.scalars(select(Guardian))}
        private |= {number[-10:] for number in list(private) if number.startswith("+1")}
        private |= {row.display_name for row in session.scalars(select(Agent))}
    assert len(private) > 10  # the demo line has callers, families and staff to leak
    text = ""
    for path, params, _schema in LISTS:
        for page in every_page(api, path, per_page="200", **params):
            text += json.dumps(page, ensure_ascii=False)
    leaked = sorted(value for value in private if value in text)
    assert not leaked
