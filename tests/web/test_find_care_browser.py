"""`callcenter web`, the public find-care site, in a real browser: headless Chromium searches in
English and Spanish, follows a result to its provider, meets the spelling fixer, the map, the error
summary and the rate limit, and every page passes axe-core's WCAG 2.1 A/AA rules and can be gone
through with the Tab key alone.

axe-core 4.14.1 is vendored in tests/web/vendor/axe-core (axe.min.js and its licences, MPL-2.0):
nothing is downloaded when the tests run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.dbutil import IN_CI, free_port
from tests.web.browser_support import CHROMEDRIVER, CHROMIUM, WAIT_SECONDS, require_browser, wait

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SEARCH_LIMIT = 3  # searches a minute on the server the rate-limit test uses

# Only this machine: nothing the site does reaches out, and the browser's own traffic is off.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
]

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(results => done({violations: results.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))}))
  .catch(error => done({error: String(error)}));
"""

# Every control a keyboard user must be able to reach, numbered in document order. Leaflet's own
# insides (marker paths, popups) are left out; the map itself (tabindex 0) and its zoom buttons count.
MARK_STOPS = """
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + (el.name ? '[name=' + el.name + ']' : '')
  + (el.getAttribute('href') ? '[href=' + el.getAttribute('href') + ']' : '')
  + ' "' + (el.textContent || el.value || '').trim().slice(0, 40) + '"';
window.__describe = describe;
const map = document.getElementById('map');
const stops = [];
document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]').forEach(el => {
  if (el.tabIndex < 0 || el.disabled || el.getClientRects().length === 0) return;
  if (getComputedStyle(el).visibility === 'hidden') return;
  if (map && el !== map && map.contains(el) && !el.closest('.leaflet-control-zoom')) return;
  el.dataset.tabStop = String(stops.length);
  stops.push(describe(el));
});
return stops;
"""

FOCUSED = """
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return {stop: null, what: 'body'};
const style = getComputedStyle(el);
return {
  stop: el.dataset.tabStop === undefined ? null : Number(el.dataset.tabStop),
  what: window.__describe(el),
  outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
};
"""


def _require_browser() -> None:
    """The same rule as test_browser.py: skipped on a developer's machine without Chromium, failed in CI."""
    require_browser("the find-care browser tests need", in_ci=IN_CI, chromium=CHROMIUM)


def _wait(condition, what: str, describe=lambda: ""):
    return wait(condition, what, describe)


# --- the servers -------------------------------------------------------------------------------


@dataclass
class Site:
    url: str  # ends without a slash: url + "/es/" is the Spanish home page
    process: subprocess.Popen
    log: Path


def _start(directory: Path, searches_per_minute: int) -> Site:
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CALLCENTER_")}
    # One limit for all: a server for tests that send and check referrals freely, or one that refuses soon.
    for name in ("SEARCHES", "REFERRALS", "STATUS_CHECKS"):
        env[f"CALLCENTER_WEB_{name}_PER_MINUTE"] = str(searches_per_minute)
    log = directory / "web.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "callcenter",
                "--database-url",
                f"sqlite:///{directory / 'site.db'}",
                "web",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    return Site(f"http://127.0.0.1:{port}", process, log)


def _healthy(site: Site) -> bool:
    if site.process.poll() is not None:
        pytest.fail(f"callcenter web exited ({site.process.returncode}):\n{site.log.read_text()}", pytrace=False)
    try:
        with urllib.request.urlopen(site.url + "/healthz", timeout=2) as response:
            return response.status == 200 and response.read() == b"ok"
    except OSError:
        return False


def _stop(site: Site) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(site.process.pid, sig)
        except ProcessLookupError:
            break
        try:
            site.process.wait(timeout=5)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Two `callcenter web` servers on fresh SQLite files, started side by side: one that lets
    every test search freely, one that allows SEARCH_LIMIT searches a minute."""
    _require_browser()
    root = tmp_path_factory.mktemp("find-care")
    started = [_start(root / "free", 100_000), _start(root / "limited", SEARCH_LIMIT)]
    try:
        for site in started:
            _wait(lambda site=site: _healthy(site), f"callcenter web to answer at {site.url}/healthz")
        yield started
    finally:
        for site in started:
            _stop(site)


@pytest.fixture(scope="module")
def site(sites) -> str:
    return sites[0].url


@pytest.fixture(scope="module")
def limited_site(sites) -> str:
    return sites[1].url


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the page's console: CSP refusals show there
    # An explicit driver path: Selenium Manager is never asked to download one.
    service = Service(executable_path=str(CHROMEDRIVER), popen_kw={"start_new_session": True})
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_script_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            if service.process is not None:
                try:
                    os.killpg(service.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture(scope="module")
def provider_paths(site) -> dict[str, str]:
    """A provider with a place on the map, as linked from an English and a Spanish result list."""
    with urllib.request.urlopen(site + "/?q=anxiety&place=Hartford", timeout=10) as response:
        page = response.read().decode()
    found = re.search(r'href="/providers/(\d+)"', page)
    assert found, "no provider link on a results page"
    return {"en": f"/providers/{found[1]}", "es": f"/es/providers/{found[1]}"}


# --- helpers -----------------------------------------------------------------------------------


def _by_css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def _all_css(driver, selector: str) -> list:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def _text(driver) -> str:
    return _by_css(driver, "body").text


def _open(driver, url: str) -> None:
    driver.get(url)
    _wait(lambda: driver.execute_script("return document.readyState") == "complete", f"{url} to load")


def _submit(driver) -> None:
    """Press the search button and wait for the next page."""
    from selenium.common.exceptions import WebDriverException

    # The page is marked and the wait is for a loaded page without the mark: asked about an element
    # of the page being left, chromedriver may answer with an error other than "stale" mid-navigation.
    driver.execute_script("window.__left = true")
    _by_css(driver, "form.search button[type=submit]").click()

    def arrived() -> bool:
        try:
            return driver.execute_script("return !window.__left && document.readyState === 'complete'")
        except WebDriverException:  # the old page going, the new one not there yet
            return False

    _wait(arrived, "the next page to load")


def _fill(driver, **fields: str) -> None:
    from selenium.webdriver.support.ui import Select

    for name, value in fields.items():
        element = _by_css(driver, f"#{name}")
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        else:
            element.clear()
            element.send_keys(value)


def _tick(driver, *names: str) -> None:
    for name in names:
        box = _by_css(driver, f"input[type=checkbox][name={name}]")
        if not box.is_selected():
            box.click()


def _map_points(driver) -> list[dict]:
    return json.loads(_by_css(driver, "#map").get_attribute("data-map"))["points"]


def _markers(driver) -> int:
    return driver.execute_script("return document.querySelectorAll('#map path.leaflet-interactive').length")


def _map_drawn(driver) -> int:
    """The number of markers, once Leaflet has drawn as many as the page has places with a position."""
    expected = len(_map_points(driver))
    return _wait(
        lambda: _markers(driver) == expected and expected,
        f"{expected} markers on the map",
        lambda: f"markers drawn: {_markers(driver)}",
    )


def _query(driver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def _csp_refusals(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


def _assert_accessible(driver, page: str) -> None:
    if not driver.execute_script("return typeof axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    outcome = driver.execute_async_script(RUN_AXE)
    assert "error" not in outcome, f"axe did not run on {page}: {outcome.get('error')}"
    violations = outcome["violations"]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(
            f"    {' '.join(node['target'])}: {' '.join((node['summary'] or '').split())[:300]}" for node in v["nodes"]
        )
        for v in violations
    )
    assert not violations, f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {page}:\n{report}"


# --- searching -------------------------------------------------------------------------------


def test_a_search_with_filters_lists_places_with_distance_and_links(browser, site):
    _open(browser, site + "/")
    _fill(browser, place="Hartford", age="9")
    _tick(browser, "husky")
    _submit(browser)

    query = _query(browser)
    assert query["place"] == ["Hartford"] and query["age"] == ["9"] and query["husky"] == ["1"], query
    assert browser.title.startswith("Care found")
    heading = _by_css(browser, "#results-title").text
    assert re.fullmatch(r"\d+ places? found near Hartford", heading), heading
    hits = _all_css(browser, "li.hit")
    assert hits and len(hits) == int(heading.split()[0])
    for hit in hits:
        link = hit.find_element("css selector", "h3 a")
        assert re.fullmatch(r"/providers/\d+", link.get_dom_attribute("href")), link.get_dom_attribute("href")
        assert link.text.strip()
        assert re.search(r"Distance\n[\d.]+ miles", hit.text), hit.text
        assert "takes HUSKY Health" in hit.text
    # The form shows the search that was made.
    assert _by_css(browser, "#place").get_attribute("value") == "Hartford"
    assert _by_css(browser, "#age").get_attribute("value") == "9"
    assert _by_css(browser, "input[name=husky]").is_selected()
    assert not _by_css(browser, "input[name=ecc]").is_selected()


def test_a_misspelt_word_is_corrected(browser, site):
    _open(browser, site + "/?q=anxeity&place=Hartford")
    corrected = _by_css(browser, "p.corrected").text
    assert corrected.startswith("Spelling corrected") and "anxiety" in corrected, corrected
    assert _all_css(browser, "li.hit"), "the corrected search found nothing"
    assert _by_css(browser, "#q").get_attribute("value") == "anxeity"  # what was typed stays in the box


def test_the_map_has_a_marker_for_each_place_with_a_position(browser, site):
    _open(browser, site + "/?q=anxiety&place=Hartford&radius=50")
    points = _map_points(browser)
    assert points and len(points) <= len(_all_css(browser, "li.hit"))
    assert _map_drawn(browser) == len(points)
    assert "leaflet-container" in _by_css(browser, "#map").get_attribute("class")
    assert _all_css(browser, "#map .leaflet-control-zoom-in")
    assert not _csp_refusals(browser), _csp_refusals(browser)


def test_a_result_opens_its_provider_page_with_a_map(browser, site):
    _open(browser, site + "/?q=anxiety&place=Hartford")
    link = _by_css(browser, "li.hit h3 a")
    name, href = link.text, link.get_dom_attribute("href")
    link.click()
    _wait(lambda: urlsplit(browser.current_url).path == href, f"the provider page {href}")
    assert _by_css(browser, "h1").text == name
    assert browser.title.startswith(name)
    assert _map_drawn(browser) == 1
    assert not _csp_refusals(browser), _csp_refusals(browser)


def test_a_search_in_spanish(browser, site):
    _open(browser, site + "/es/")
    assert _by_css(browser, "html").get_attribute("lang") == "es"
    _fill(browser, place="Hartford", age="9", language="Spanish")
    _tick(browser, "husky")
    _submit(browser)

    assert urlsplit(browser.current_url).path == "/es/"
    assert _query(browser)["husky"] == ["1"]
    assert _by_css(browser, "html").get_attribute("lang") == "es"
    hits = _all_css(browser, "li.hit")
    assert hits
    for hit in hits:
        assert re.fullmatch(r"/es/providers/\d+", hit.find_element("css selector", "h3 a").get_dom_attribute("href"))
    assert _map_drawn(browser) == len(_map_points(browser))
    button = _by_css(browser, "form.search button[type=submit]").text
    assert button == "Buscar", f"the search button says {button!r}: the Spanish catalogue is not there yet"
    zoom = [link.get_attribute("title") for link in _all_css(browser, "#map .leaflet-control-zoom a")]
    assert zoom == ["Acercar", "Alejar"]  # the map's own buttons speak the page's language


def test_bad_input_is_summarised_with_links_and_keeps_what_was_typed(browser, site):
    _open(browser, site + "/")
    _fill(browser, q="anxiety", place="Hartfrod", radius="10", age="9", service="outpatient", language="Spanish")
    _tick(browser, "husky", "open")
    _submit(browser)

    assert browser.title.startswith("Fix the search")
    summary = _by_css(browser, "#problems")
    assert summary.get_attribute("role") == "alert"
    assert "Please fix this before searching" in summary.text
    links = summary.find_elements("css selector", "a")
    assert [a.get_dom_attribute("href") for a in links] == ["#place"], summary.text
    assert links[0].text.startswith("Town or ZIP code")
    place = _by_css(browser, "#place")
    assert place.get_attribute("aria-invalid") == "true"
    assert place.get_attribute("aria-describedby") == "place-error"
    assert _by_css(browser, "#place-error").text in links[0].text
    assert not _all_css(browser, "li.hit")

    # Everything typed is still there, the mistake included, to be put right.
    values = {name: _by_css(browser, f"#{name}").get_attribute("value") for name in ("q", "place", "age", "language")}
    assert values == {"q": "anxiety", "place": "Hartfrod", "age": "9", "language": "Spanish"}
    assert _by_css(browser, "#radius").get_attribute("value") == "10"
    assert _by_css(browser, "#service").get_attribute("value") == "outpatient"
    ticked = [box.get_attribute("name") for box in _all_css(browser, "input[type=checkbox]") if box.is_selected()]
    assert ticked == ["husky", "open"]

    links[0].click()  # the summary's link takes the keyboard to the field
    _wait(lambda: browser.execute_script("return document.activeElement.id") == "place", "focus on the place field")


def test_too_many_searches_get_the_wait_page(browser, limited_site):
    # The limit counts searches per clock minute: start early enough in one that all of them fall in it.
    left = 60 - time.time() % 60
    if left < 8:
        time.sleep(left + 0.3)
    for n in range(1, SEARCH_LIMIT + 1):
        _open(browser, limited_site + f"/?q=anxiety&place=Hartford&age={n}")
        assert browser.title.startswith("Care found"), f"search {n} of {SEARCH_LIMIT} was refused: {browser.title}"
    _open(browser, limited_site + "/?q=anxiety&place=Hartford&age=9")
    assert browser.title.startswith("Too many searches"), browser.title
    assert _by_css(browser, "h1").text == "Too many searches"
    said = re.search(r"Wait (\d+) seconds, then search again\.", _text(browser))
    assert said and 1 <= int(said[1]) <= 60, _text(browser)
    assert _by_css(browser, "main a").get_dom_attribute("href") == "/"
    _assert_accessible(browser, "the 429 page")


# --- accessibility ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "/",
        "/?q=anxiety&place=Hartford&age=9&husky=1",
        "/?q=anxiety&place=Hartfrod&age=9",
        "provider:en",
        "/no/such/page",
        "/es/",
        "/es/?q=anxiety&place=Hartford&age=9&husky=1",
        "provider:es",
    ],
)
def test_axe_finds_no_wcag_violations(browser, site, provider_paths, page):
    path = provider_paths[page.split(":")[1]] if page.startswith("provider:") else page
    _open(browser, site + path)
    if _all_css(browser, "#map"):
        _map_drawn(browser)  # check the page as people see it, with the map drawn
    _assert_accessible(browser, path)


def _tab_through(driver, url: str) -> tuple[list[str], list[dict]]:
    """Every control the page should let the keyboard reach, and the stops Tab actually made,
    from the page's start until focus comes round to the first stop again."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _open(driver, url)
    if _all_css(driver, "#map"):
        _map_drawn(driver)
    wanted = driver.execute_script(MARK_STOPS)
    reached: list[dict] = []
    for _ in range(len(wanted) + 5):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        now = driver.execute_script(FOCUSED)
        if reached and now["stop"] is not None and now["stop"] == reached[0]["stop"]:
            break  # round again
        reached.append(now)
    return wanted, reached


@pytest.mark.parametrize(
    "page",
    [
        "/",
        "/?q=anxiety&place=Hartford&age=9&husky=1",
        "provider:en",
        "/?q=anxiety&place=Hartfrod&age=9",
        "/no/such/page",
        "/es/?q=anxiety&place=Hartford",
        "/refer/status",
    ],
)
def test_the_keyboard_reaches_every_control(browser, site, provider_paths, page):
    path = provider_paths["en"] if page == "provider:en" else page
    wanted, reached = _tab_through(browser, site + path)
    order = "\n".join(f"  {stop['what']}" for stop in reached)

    assert reached[0]["what"].startswith("a[href=#main]"), f"the skip link is not the first tab stop:\n{order}"
    missed = [what for index, what in enumerate(wanted) if index not in {stop["stop"] for stop in reached}]
    assert not missed, "Tab never reached:\n  " + "\n  ".join(missed) + f"\nit went:\n{order}"
    stray = [stop["what"] for stop in reached if stop["stop"] is None and stop["what"] != "body"]
    assert not stray, f"Tab stopped on something that is not a control: {stray}\nit went:\n{order}"
    unseen = [stop["what"] for stop in reached if stop["stop"] is not None and not stop["outlined"]]
    assert not unseen, f"focus is not visible on: {unseen}"
    visited = [stop["stop"] for stop in reached if stop["stop"] is not None]
    assert visited == sorted(visited), f"Tab goes out of the page's reading order:\n{order}"


def test_the_skip_link_moves_the_keyboard_into_the_main_content(browser, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _open(browser, site + "/")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.execute_script("return document.activeElement.getAttribute('href')") == "#main"
    # Hidden until focused, then on screen where a sighted keyboard user sees it.
    box = browser.execute_script("return document.activeElement.getBoundingClientRect().toJSON()")
    assert box["left"] >= 0 and box["top"] >= 0 and box["width"] > 0, box
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.execute_script("return document.activeElement.id") == "q"


def test_without_chromium_ci_fails_rather_than_skips(monkeypatch, tmp_path):
    import tests.web.test_find_care_browser as here

    monkeypatch.setattr(here, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(here, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="no-chromium.*CI installs chromium"):
        here._require_browser()
    monkeypatch.setattr(here, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium chromium-driver"):
        here._require_browser()
