"""The public find-care site, in process: pages, Spanish, bad input, limits and headers."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from callcenter.domain.errors import ValidationError
from callcenter.web.settings import SiteSettings, site_settings
from callcenter.web.site import create_site
from tests.dbutil import FIXED_NOW


class Clock:
    """A clock the test moves by hand (rate-limit windows, kept pages, open now)."""

    def __init__(self, now=FIXED_NOW):
        self.now = now

    def __call__(self):
        return self.now


def client_for(db, clock=None, **settings) -> TestClient:
    return TestClient(create_site(db, SiteSettings(**settings), clock or Clock()), raise_server_exceptions=False)


@pytest.fixture
def site(demo_db):
    return client_for(demo_db, searches_per_minute=1000)


def map_data(html: str) -> dict:
    found = re.search(r"data-map='([^']*)'", html)
    assert found, "the page has no map"
    return json.loads(found.group(1).replace("&#39;", "'").replace("&amp;", "&"))


def test_the_start_page_has_the_form_and_what_to_do_in_danger(site):
    page = site.get("/")
    assert page.status_code == 200
    assert '<form class="search"' in page.text
    assert 'href="tel:911"' in page.text and 'href="tel:988"' in page.text and 'href="tel:211"' in page.text
    assert "Spelling mistakes are fine" in page.text
    assert 'class="hits"' not in page.text and 'id="map"' not in page.text  # nothing searched yet


def test_a_search_with_filters_lists_providers_with_distance_and_why(site, demo_db):
    page = site.get("/", params={"place": "Hartford", "radius": "25", "age": "9", "husky": "1"})
    assert page.status_code == 200
    hits = re.findall(r'<h3><a href="/providers/(\d+)">', page.text)
    assert hits, "no providers found near Hartford"
    assert "near Hartford" in page.text and "miles away" in page.text and "takes HUSKY Health" in page.text
    from callcenter.store.directory import get_provider

    for provider_id in hits:
        hit = get_provider(demo_db, int(provider_id))
        assert hit.accepts_husky and hit.min_age_months <= 9 * 12 <= hit.max_age_months
    data = map_data(page.text)
    assert [point["url"] for point in data["points"]] == [f"/providers/{provider_id}" for provider_id in hits]
    assert "Hartford" in {town["name"] for town in data["towns"]}
    assert data["tiles"] == ""  # no tile server unless one is set


def test_a_misspelt_word_is_corrected_as_in_the_reps_lookup(site):
    page = site.get("/", params={"q": "anxeity"})
    assert "Spelling corrected" in page.text and "anxiety" in page.text
    assert re.search(r'<h3><a href="/providers/\d+">', page.text)


def test_each_provider_has_its_own_page_at_a_stable_address(site):
    first = re.search(r'href="(/providers/\d+)"', site.get("/", params={"place": "06106"}).text).group(1)
    page = site.get(first)
    assert page.status_code == 200 and "<h1>" in page.text and "HUSKY Health" in page.text
    assert map_data(page.text)["points"][0]["url"] == first
    assert site.get(first).text == page.text  # the same address shows the same provider every time


@pytest.mark.parametrize("path", ["/providers/0", "/providers/99999999", "/providers/abc", "/providers/1e3", "/nope"])
def test_an_unknown_provider_or_page_is_a_plain_not_found_page(site, path):
    page = site.get(path)
    assert page.status_code == 404
    assert "Page not found" in page.text and 'href="tel:988"' in page.text


def test_spanish_pages_come_from_the_catalog_and_keep_the_search(site):
    page = site.get("/es/", params={"place": "Hartford", "husky": "1"})
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    assert "Encuentre atención para un niño o una niña" in page.text and ">Buscar<" in page.text
    assert "lugares encontrados" in page.text and "acepta HUSKY Health" in page.text
    assert re.search(r'href="/es/providers/\d+"', page.text)
    # The switch leads to the same search in English.
    switch = re.search(r'<a href="([^"]+)" lang="en"', page.text).group(1)
    assert switch.startswith("/?") and "place=Hartford" in switch
    english = site.get(switch)
    assert '<html lang="en">' in english.text and "places found" in english.text
    assert re.search(r'<a href="/es/\?[^"]*place=Hartford[^"]*" lang="es"', english.text)


def test_spanish_problem_messages(site):
    page = site.get("/es/", params={"place": "Hartfrod", "age": "30"})
    assert page.status_code == 400
    assert "¿Quiso decir Hartford?" in page.text
    assert "un número entero de 0 a 21" in page.text


def test_bad_input_says_what_to_fix_next_to_each_field_and_keeps_what_was_typed(site):
    page = site.get("/", params={"q": "family therapy", "place": "Hartfrod", "age": "nine", "language": "Spanish"})
    assert page.status_code == 400
    assert "Did you mean Hartford?" in page.text
    assert "Type the child&#39;s age in years" in page.text
    assert 'id="place" name="place"' in page.text and 'value="Hartfrod"' in page.text
    assert 'aria-invalid="true" aria-describedby="place-error"' in page.text
    assert '<a href="#age">' in page.text and 'role="alert"' in page.text
    assert 'value="family therapy"' in page.text and 'value="Spanish"' in page.text
    assert "providers/" not in page.text  # nothing was searched


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 300},
        {"place": "\x00\x01\x02"},
        {"place": "99999"},
        {"place": "0610"},
        {"radius": "7"},
        {"radius": "-1"},
        {"age": "-3"},
        {"age": "9" * 50},
        {"service": "surgery"},
        {"language": "<script>alert(1)</script>"},
        {"q": "' OR 1=1 --"},
        {"q": "%", "place": "Hartford"},
        {"q": "\u202e\u0000\ud7ff"},
    ],
)
def test_any_input_gets_a_page_never_a_failure(site, params):
    page = site.get("/", params=params)
    assert page.status_code in (200, 400), page.text[:300]
    assert "Traceback" not in page.text and "<script>alert" not in page.text


def test_broken_encodings_and_repeated_fields_are_read_safely(site):
    for query in ("q=%ff%fe%00&place=%e9", "place=%zz", "q=a&q=b&place=Hartford&place=06106", "=&&&=x"):
        page = site.get("/?" + query)
        assert page.status_code in (200, 400), query
        assert "Traceback" not in page.text


def test_what_the_site_does_not_serve_is_refused_plainly(site):
    posted = site.post("/", data={"q": "x"})
    assert posted.status_code == 405 and posted.headers["allow"] == "GET, HEAD"
    assert site.request("DELETE", "/providers/1").status_code == 405
    long_target = site.get("/", params={"q": "a" * 3000})
    assert long_target.status_code == 414 and "too long" in long_target.text
    with_body = site.request("GET", "/", content=b"x" * 10)
    assert with_body.status_code == 413


def test_every_answer_carries_the_security_headers(site):
    for path in ("/", "/?place=Hartford", "/providers/1", "/nope", "/static/site.css"):
        headers = site.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert "server" not in headers or "uvicorn" not in headers["server"].lower()


def test_a_tile_server_is_allowed_in_the_policy_only_when_set(demo_db):
    tiled = client_for(demo_db, tiles="https://tiles.example.org/{z}/{x}/{y}.png", searches_per_minute=100)
    assert "img-src 'self' data: https://tiles.example.org;" in tiled.get("/").headers["content-security-policy"]
    page = tiled.get("/", params={"place": "Hartford"})
    assert map_data(page.text)["tiles"] == "https://tiles.example.org/{z}/{x}/{y}.png"


def test_no_page_puts_a_script_or_style_inline(site):
    for path in ("/", "/?place=Hartford&q=anxeity", "/es/?place=Hartfrod", "/providers/1", "/nope"):
        html = site.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and "<style" not in html, path
        assert not re.search(r"<[^>]+\son[a-z]+=", html), path  # no inline event handlers either


def test_searches_are_limited_per_client_and_the_window_moves_on(demo_db):
    clock = Clock(FIXED_NOW.replace(second=0))
    client = client_for(demo_db, clock, searches_per_minute=3)
    for _ in range(3):
        assert client.get("/", params={"place": "Hartford"}).status_code == 200
    refused = client.get("/", params={"place": "Hartford"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60" and "Wait 60 seconds" in refused.text
    assert client.get("/").status_code == 200  # the empty form is not a search
    clock.now += timedelta(seconds=45)
    assert client.get("/", params={"place": "Hartford"}).headers["retry-after"] == "15"
    clock.now += timedelta(seconds=15)
    assert client.get("/", params={"place": "Hartford"}).status_code == 200


def test_the_limit_is_shared_by_every_web_process(demo_db):
    """Two sites on one database are two processes behind a proxy: they count together."""
    clock = Clock(FIXED_NOW.replace(second=0))
    first = client_for(demo_db, clock, searches_per_minute=2)
    second = client_for(demo_db, clock, searches_per_minute=2)
    assert first.get("/", params={"place": "Hartford"}).status_code == 200
    assert second.get("/", params={"place": "Hartford"}).status_code == 200
    assert first.get("/", params={"place": "Hartford"}).status_code == 429


def test_the_client_address_is_believed_from_trusted_proxies_only():
    from callcenter.web.site import client_address

    settings = SiteSettings(
        trusted_proxies=site_settings({"CALLCENTER_WEB_TRUSTED_PROXIES": "10.0.0.0/8"}).trusted_proxies
    )

    def scope(peer, forwarded=None):
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return {"client": (peer, 1234), "headers": headers}

    assert client_address(scope("10.0.0.5", "203.0.113.9"), settings) == "203.0.113.9"
    assert client_address(scope("10.0.0.5", "198.51.100.1, 203.0.113.9, 10.0.0.7"), settings) == "203.0.113.9"
    # Not from a trusted proxy: the header is anyone's to forge and is ignored.
    assert client_address(scope("198.51.100.7", "203.0.113.9"), settings) == "198.51.100.7"
    assert client_address(scope("10.0.0.5", "not-an-address"), settings) == "10.0.0.5"
    assert client_address(scope("10.0.0.5"), settings) == "10.0.0.5"


def test_families_behind_one_trusted_proxy_have_their_own_limits(demo_db):
    clock = Clock(FIXED_NOW.replace(second=0))
    trusted = site_settings({"CALLCENTER_WEB_TRUSTED_PROXIES": "127.0.0.0/8"}).trusted_proxies
    app = create_site(demo_db, SiteSettings(searches_per_minute=1, trusted_proxies=trusted), clock)
    proxy = TestClient(app, client=("127.0.0.1", 50000))

    def search(family):
        return proxy.get("/", params={"place": "Hartford"}, headers={"X-Forwarded-For": family}).status_code

    assert (search("203.0.113.1"), search("203.0.113.2")) == (200, 200)
    assert search("203.0.113.1") == 429


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CALLCENTER_WEB_TILES", "http://tiles.example.org/{z}/{x}/{y}.png"),
        ("CALLCENTER_WEB_TILES", "https://tiles.example.org/tile.png"),
        ("CALLCENTER_WEB_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("CALLCENTER_WEB_SEARCHES_PER_MINUTE", "0"),
        ("CALLCENTER_WEB_SEARCHES_PER_MINUTE", "lots"),
        ("CALLCENTER_WEB_REFERRALS_PER_MINUTE", "0"),
        ("CALLCENTER_WEB_STATUS_CHECKS_PER_MINUTE", "-2"),
        ("CALLCENTER_MOBILE_CRISIS_PHONE", "call us"),
    ],
)
def test_a_bad_setting_is_refused_by_name(name, value):
    with pytest.raises(ValidationError) as refused:
        site_settings({name: value})
    assert name in refused.value.message


def test_the_mobile_crisis_number_is_a_setting(demo_db):
    settings = site_settings({"CALLCENTER_MOBILE_CRISIS_PHONE": "1-800-555-0199"})
    page = client_for(demo_db, mobile_crisis_phone=settings.mobile_crisis_phone).get("/")
    assert 'href="tel:18005550199">1-800-555-0199</a>' in page.text


def test_a_database_that_does_not_answer_gives_a_page_that_says_so(sqlite_demo_db, monkeypatch):
    from callcenter.store import directory
    from callcenter.store.errors import DatabaseUnavailable

    def down(*_args, **_kwargs):
        raise DatabaseUnavailable("gone")

    monkeypatch.setattr(directory, "search", down)
    page = client_for(sqlite_demo_db, searches_per_minute=100).get("/", params={"place": "Hartford"})
    assert page.status_code == 503 and page.headers["retry-after"] == "30"
    assert "The directory is not answering" in page.text


def test_an_unexpected_failure_is_a_plain_page_and_the_log_has_no_query(sqlite_demo_db, monkeypatch, caplog):
    from callcenter.store import directory

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret details")

    monkeypatch.setattr(directory, "get_provider", broken)
    with caplog.at_level("INFO", logger="callcenter.web"):
        client = client_for(sqlite_demo_db, searches_per_minute=100)
        page = client.get("/providers/3")
        client.get("/", params={"place": "Hartford", "q": "Maria Lopez"})
    assert page.status_code == 500 and "Something went wrong" in page.text
    assert "secret details" not in page.text and "Traceback" not in page.text
    assert "Maria" not in caplog.text and "Hartford" not in caplog.text
    assert "GET /providers/3 500" in caplog.text


def test_a_family_searching_in_spanish_finds_what_the_english_words_find(site):
    def listed(path, words):
        return re.findall(r'/providers/(\d+)"', site.get(path, params={"q": words, "place": "Hartford"}).text)

    spanish = listed("/es/", "ansiedad")
    assert spanish and spanish == listed("/", "anxiety")


def test_a_search_asked_again_within_a_minute_is_answered_without_the_directory(demo_db, monkeypatch):
    from callcenter.store import directory

    searched = []
    real_search = directory.search
    monkeypatch.setattr(directory, "search", lambda *args, **kwargs: searched.append(1) or real_search(*args, **kwargs))
    clock = Clock(FIXED_NOW.replace(second=0))
    client = client_for(demo_db, clock, searches_per_minute=100)
    first = client.get("/", params={"place": "Hartford", "q": "anxiety"})
    again = client.get("/", params={"place": "Hartford", "q": "anxiety"})
    assert first.text == again.text and len(searched) == 1
    client.get("/es/", params={"place": "Hartford", "q": "anxiety"})  # another language is another page
    assert len(searched) == 2
    clock.now += timedelta(seconds=61)
    client.get("/", params={"place": "Hartford", "q": "anxiety"})
    assert len(searched) == 3  # a minute on, the directory is asked again (an import may have changed it)
    client.get("/", params={"place": "Hartford", "open": "1"})
    clock.now += timedelta(seconds=1)  # the same minute: open now has not changed
    client.get("/", params={"place": "Hartford", "open": "1"})
    assert len(searched) == 4
    clock.now = clock.now.replace(second=0) + timedelta(minutes=1)
    client.get("/", params={"place": "Hartford", "open": "1"})
    assert len(searched) == 5  # "open now" is asked again each minute
    assert client.get("/", params={"place": "Hartford", "q": "anxiety"}).status_code == 200
    for _ in range(100):
        client.get("/", params={"place": "Hartford"})
    assert client.get("/", params={"place": "Hartford"}).status_code == 429  # kept pages still count


@pytest.mark.slow
def test_the_site_runs_as_several_processes_on_one_database(tmp_path):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "web.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "callcenter",
            "--database-url",
            f"sqlite:///{tmp_path / 'w.db'}",
            "web",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={key: value for key, value in os.environ.items() if not key.startswith("CALLCENTER_")},
    )
    try:
        deadline = time.monotonic() + 90
        page = None
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/es/?place=Hartford", timeout=5) as answer:
                    page = answer.read().decode()
            except OSError:
                time.sleep(0.3)
        assert page is not None, (tmp_path / "web.log").read_text()
        assert "lugares encontrados" in page
        workers = subprocess.run(["pgrep", "-g", str(os.getpgid(server.pid))], capture_output=True, text=True)
        assert len(workers.stdout.split()) >= 3  # the supervisor and its two workers
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


def test_a_number_of_workers_that_cannot_be_is_refused():
    import subprocess
    import sys

    refused = subprocess.run(
        [sys.executable, "-m", "callcenter", "web", "--workers", "0"], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "from 1 to 64" in refused.stderr
