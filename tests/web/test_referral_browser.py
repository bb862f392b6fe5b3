"""Referral Connect, the public site's referral form, in a real browser: headless Chromium refers a
child as a pediatric office in English and as a family in Spanish, typing into the fields and
pressing the buttons, meets the error summary and keeps what was typed, checks the referral's
status, is refused when the form's token or its honeypot is tampered with, and every step passes
axe-core's WCAG 2.1 A/AA rules and can be gone through with the Tab key alone.

The server, the browser and the helpers are test_find_care_browser's: the same Chromium, the same
vendored axe-core, the same rule that CI fails rather than skips without them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from callcenter.store.db import Database
from callcenter.store.models import Call, WebReferral, WebReferralDraft
from tests.web import test_find_care_browser as find_care
from tests.web.test_find_care_browser import (
    FOCUSED,
    _all_css,
    _assert_accessible,
    _by_css,
    _fill,
    _healthy,
    _open,
    _require_browser,
    _start,
    _stop,
    _text,
    _wait,
)

pytestmark = pytest.mark.slow

browser = find_care.browser  # the same headless Chromium, as a fixture of this module

STEPS = ("danger", "you", "child", "concern", "review")
BUTTONS = {
    "en": {"next": "Save and continue", "send": "Send the referral", "check": "Check"},
    "es": {"next": "Guardar y seguir", "send": "Enviar el referido", "check": "Consultar"},
}

# A pediatric office refers a child: every field of every step answered.
OFFICE = {
    "danger": {"danger": "no"},
    "you": {
        "referrer": "office",
        "referrer_name": "Dr. Ada Okafor",
        "office_name": "Elm Street Pediatrics",
        "npi": "1234567893",
        "phone": "(203) 555-0143",
        "best_time": "morning",
        "language": "other",
        "language_other": "Portuguese",
    },
    "child": {
        "child_first": "Maya",
        "child_last": "Okafor-Lee",
        "child_dob": "3/4/2015",
        "child_zip": "06106",
        "child_sex": "female",
        "medicaid": "123456789",
        "guardian_name": "Grace Lee",
    },
    "concern": {"symptoms": "She has stopped eating at school\nand cries before class.", "diagnosis": "Anxiety"},
}

# A family refers a child in Spanish: only what a family must answer.
FAMILY = {
    "danger": {"danger": "no"},
    "you": {
        "referrer": "family",
        "referrer_name": "Marta Rivera",
        "phone": "(860) 555-0142",
        "best_time": "evening",
        "language": "Spanish",
    },
    "child": {"child_first": "Luis", "child_last": "Rivera", "child_dob": "3/4/2015", "child_zip": "06106"},
    "concern": {"symptoms": "Tiene ataques de pánico en la escuela y no quiere entrar."},
}

# Every control a keyboard user must be able to reach, numbered in document order; the radios of a
# group are one stop between them (Tab goes to the group, the arrow keys choose in it).
MARK_CONTROLS = """
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + (el.name ? '[name=' + el.name + ']' : '')
  + (el.getAttribute('href') ? '[href=' + el.getAttribute('href') + ']' : '')
  + ' "' + (el.textContent || el.value || '').trim().slice(0, 40) + '"';
window.__describe = describe;
const controls = [];
document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]').forEach(el => {
  if (el.tabIndex < 0 || el.disabled || el.getClientRects().length === 0) return;
  if (getComputedStyle(el).visibility === 'hidden') return;
  el.dataset.tabStop = String(controls.length);
  controls.push({what: describe(el), group: el.type === 'radio' ? 'radios ' + el.name : 'stop ' + controls.length});
});
return controls;
"""

# The HTTP status of the page on show (Chromium reports it on the navigation's timing entry).
STATUS = "const entry = performance.getEntriesByType('navigation')[0]; return entry ? entry.responseStatus : null;"


@dataclass
class Server:
    url: str
    db: Database


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One `callcenter web` on a fresh SQLite file, and that file opened for the checks."""
    _require_browser()
    directory = tmp_path_factory.mktemp("referral")
    site = _start(directory, 100_000)
    try:
        _wait(lambda: _healthy(site), f"callcenter web to answer at {site.url}/healthz")
        db = Database(f"sqlite:///{directory / 'site.db'}", create=False)
        try:
            yield Server(site.url, db)
        finally:
            db.dispose()
    finally:
        _stop(site)


@pytest.fixture(scope="module")
def sent() -> dict[str, dict]:
    """The referrals the tests have sent, by language: the status check reads the English one."""
    return {}


# --- helpers -----------------------------------------------------------------------------------


def _fresh(driver, server: Server) -> None:
    """A browser that has never been to the site: no form token, no draft."""
    _open(driver, server.url + "/healthz")
    driver.delete_all_cookies()


def _path(driver) -> str:
    return urlsplit(driver.current_url).path


def _status(driver) -> int | None:
    return driver.execute_script(STATUS)


def _press(driver, label: str) -> None:
    """Press the form's button (checking what it says) and wait for the next page.

    The page is marked and the wait is for a loaded page without the mark: asked about an element
    of the page being left, chromedriver may answer with an error other than "stale" mid-navigation."""
    from selenium.common.exceptions import WebDriverException

    button = _by_css(driver, "form.refer button[type=submit]")
    assert button.text == label, f"the button says {button.text!r}, not {label!r}"
    driver.execute_script("window.__left = true")
    button.click()

    def arrived() -> bool:
        try:
            return driver.execute_script("return !window.__left && document.readyState === 'complete'")
        except WebDriverException:  # the old page going, the new one not there yet
            return False

    _wait(arrived, "the next page to load", lambda: driver.current_url)


def _answer(driver, answers: dict[str, str]) -> None:
    """Type, choose and tick as a person would."""
    for name, value in answers.items():
        if _all_css(driver, f"input[type=radio][name={name}]"):
            _by_css(driver, f"input[type=radio][name={name}][value={value}]").click()
        elif name == "consent":
            box = _by_css(driver, "input[type=checkbox][name=consent]")
            if box.is_selected() != (value == "yes"):
                box.click()
        else:
            _fill(driver, **{name: value})


def _shown(driver, names) -> dict[str, str]:
    """What each field holds now: the chosen radio's value, the select's, the text typed."""
    values = {}
    for name in names:
        radios = _all_css(driver, f"input[type=radio][name={name}]")
        if radios:
            values[name] = next((radio.get_attribute("value") for radio in radios if radio.is_selected()), "")
        else:
            values[name] = _by_css(driver, f"#{name}").get_attribute("value")
    return values


def _problems(driver) -> dict[str, str]:
    """The error summary's links (target: text), after checking it is an alert whose every link
    names a field that is on the page, and that each field has its own error beside it."""
    summary = _by_css(driver, "#problems")
    assert summary.get_attribute("role") == "alert"
    links = {a.get_dom_attribute("href"): a.text for a in summary.find_elements("css selector", "a")}
    assert links, summary.text
    for href, text in links.items():
        assert href.startswith("#")
        target = driver.execute_script("return document.getElementById(arguments[0])", href[1:])
        assert target is not None, f"the summary links to {href}, which is not on the page"
        field = href[1:].removesuffix("-1")
        error = _by_css(driver, f"p.error#{field}-error").text
        assert error and error in text, (href, error, text)
    return links


def _walk(driver, server: Server, lang: str, answers=OFFICE) -> Iterator[str]:
    """Every step page in turn, from a fresh start: the caller looks at the page (and may submit
    it empty to see its errors), then the step is answered and the next one opened."""
    prefix = "" if lang == "en" else "/es"
    _fresh(driver, server)
    _open(driver, f"{server.url}{prefix}/refer")
    for step in STEPS:
        assert _path(driver) == f"{prefix}/refer/{step}", f"expected the {step} step, got {driver.current_url}"
        yield step
        if step != "review":
            _answer(driver, answers.get(step, {}))
            _press(driver, BUTTONS[lang]["next"])


def _submit_empty(driver, lang: str, step: str) -> None:
    _press(driver, BUTTONS[lang]["send" if step == "review" else "next"])
    assert _status(driver) == 400, f"the empty {step} step was not refused: {_text(driver)[:500]}"


def _counts(server: Server) -> tuple[int, int]:
    with server.db.read() as session:
        drafts = session.scalar(select(func.count()).select_from(WebReferralDraft))
        referrals = session.scalar(select(func.count()).select_from(WebReferral))
    return drafts, referrals


def _sent_page(driver, lang: str) -> str:
    """The reference on the page that says the referral was sent."""
    heading = {"en": "Referral sent", "es": "Referido enviado"}[lang]
    assert _by_css(driver, "h1").text == heading, _text(driver)[:500]
    assert _status(driver) == 200
    assert _by_css(driver, "html").get_attribute("lang") == lang
    reference = _by_css(driver, "p.reference strong").text
    assert re.fullmatch(r"RC-[A-HJ-NP-Z2-9]{8}", reference), reference
    promise = {
        "en": r"A representative will call you by \w+, \w+ \d+ at \d+:\d\d [AP]M\.",
        "es": r"Un representante le llamará antes del \w+ \d+ de \w+ a las \d+:\d\d\.",
    }[lang]
    assert re.search(promise, _text(driver)), _text(driver)
    assert driver.get_cookie("referral") is None  # the draft's token is gone with the draft
    return reference


def _referral(server: Server, reference: str) -> tuple[WebReferral, Call]:
    with server.db.read() as session:
        referral = session.scalars(select(WebReferral).where(WebReferral.reference == reference)).one()
        call = session.get(Call, referral.call_id)
        session.expunge_all()
    return referral, call


def _refer_as_office(driver, server: Server) -> str:
    """The English referral of test 1, bad input and all; the reference it got."""
    for step in _walk(driver, server, "en", {}):
        if step == "danger":
            _answer(driver, OFFICE["danger"])
        elif step == "you":
            mistaken = {**OFFICE["you"], "npi": "1234567890", "phone": "555-01"}
            _answer(driver, mistaken)
            _press(driver, "Save and continue")
            assert _path(driver) == "/refer/you" and _status(driver) == 400
            assert driver.title.startswith("Fix the form")
            assert "Please fix this before going on:" in _by_css(driver, "#problems").text
            links = _problems(driver)
            assert list(links) == ["#npi", "#phone"], links
            assert "last digit does not match" in _by_css(driver, "#npi-error").text
            assert "“555-01” has the wrong number of digits" in _by_css(driver, "#phone-error").text
            for name in ("npi", "phone"):
                field = _by_css(driver, f"#{name}")
                assert field.get_attribute("aria-invalid") == "true"
                assert field.get_attribute("aria-describedby") == f"{name}-error {name}-hint"
            assert _shown(driver, mistaken) == mistaken  # everything typed is still there, mistakes too
            assert not _all_css(driver, "#referrer_name-error, #office_name-error, #language_other-error")
            _answer(driver, {"npi": OFFICE["you"]["npi"], "phone": OFFICE["you"]["phone"]})
        elif step == "child":
            mistaken = {**OFFICE["child"], "child_dob": "3/4/15"}
            _answer(driver, mistaken)
            _press(driver, "Save and continue")
            assert _path(driver) == "/refer/child" and _status(driver) == 400
            assert list(_problems(driver)) == ["#child_dob"]
            assert "“3/4/15” has a short year" in _by_css(driver, "#child_dob-error").text
            assert _shown(driver, mistaken) == mistaken
            _answer(driver, {"child_dob": OFFICE["child"]["child_dob"]})
        elif step == "concern":
            _answer(driver, OFFICE["concern"])
        else:
            review = _by_css(driver, "dl.review").text
            for shown in ("Dr. Ada Okafor", "Elm Street Pediatrics", "1234567893", "Portuguese", "Okafor-Lee", "06106"):
                assert shown in review, review
            assert "A pediatric office" in review and "Morning" in review  # choices read as they were offered
            _answer(driver, {"consent": "yes"})
            _press(driver, "Send the referral")
    return _sent_page(driver, "en")


# --- referring -------------------------------------------------------------------------------


def test_a_pediatric_office_refers_a_child_in_english(browser, server, sent):
    reference = _refer_as_office(browser, server)
    sent["en"] = {"reference": reference, "last_four": "0143"}
    _assert_accessible(browser, "the English confirmation page")

    referral, call = _referral(server, reference)
    assert (call.channel, call.state, call.priority) == ("web", "waiting", 0)
    assert call.caller_number == referral.phone == "+12035550143"
    assert (referral.language, referral.status, referral.phone_last4) == ("en", "received", "0143")
    typed = {name: value for step in OFFICE.values() for name, value in step.items()}
    assert json.loads(referral.answers) == {**typed, "consent": "yes"}
    assert "Elm Street Pediatrics (NPI 1234567893)" in referral.note


def test_a_family_refers_a_child_in_spanish(browser, server, sent):
    for step in _walk(browser, server, "es", FAMILY):
        assert _by_css(browser, "html").get_attribute("lang") == "es"
        if step == "child":
            mistaken = {**FAMILY["child"], "child_first": "Luis2", "child_zip": "6106"}
            _answer(browser, mistaken)
            _press(browser, "Guardar y seguir")
            assert _path(browser) == "/es/refer/child" and _status(browser) == 400
            assert browser.title.startswith("Corrija el formulario")
            assert "Corrija esto antes de seguir:" in _by_css(browser, "#problems").text
            assert list(_problems(browser)) == ["#child_first", "#child_zip"]
            assert "Los nombres no pueden llevar números" in _by_css(browser, "#child_first-error").text
            assert "“6106” no tiene el primer 0" in _by_css(browser, "#child_zip-error").text
            assert _shown(browser, mistaken) == mistaken
        elif step == "review":
            _answer(browser, {"consent": "yes"})
            _press(browser, "Enviar el referido")
    reference = _sent_page(browser, "es")
    sent["es"] = {"reference": reference, "last_four": "0142"}
    _assert_accessible(browser, "the Spanish confirmation page")

    referral, call = _referral(server, reference)
    assert (call.channel, call.state) == ("web", "waiting")
    assert referral.language == "es"
    typed = {name: value for step in FAMILY.values() for name, value in step.items()}
    answers = json.loads(referral.answers)
    assert {name: answers.get(name) for name in typed} == typed and answers["consent"] == "yes"


def test_the_status_check_finds_the_referral_by_its_reference_and_phone(browser, server, sent):
    if "en" not in sent:  # run on its own: send the referral it checks
        sent["en"] = {"reference": _refer_as_office(browser, server), "last_four": "0143"}
    reference, last_four = sent["en"]["reference"], sent["en"]["last_four"]

    _open(browser, server.url + "/refer/status")
    assert _by_css(browser, "h1").text == "Check a referral"
    _assert_accessible(browser, "the empty status page")
    _press(browser, "Check")
    assert _status(browser) == 400
    assert list(_problems(browser)) == ["#reference", "#last_four"]
    _assert_accessible(browser, "the status page with its errors")

    _fill(browser, reference=reference, last_four=last_four)
    _press(browser, "Check")
    assert _status(browser) == 200
    status = _by_css(browser, "div.status")
    assert status.get_attribute("role") == "status"
    assert status.text == f"Status of {reference}\nWe have received the referral. A representative will call."
    assert not _all_css(browser, "#problems")
    _assert_accessible(browser, "the status page with a result")

    _fill(browser, reference=reference, last_four="9999")
    _press(browser, "Check")
    assert _status(browser) == 404
    assert not _all_css(browser, "div.status")
    assert "We found no referral with this number and these digits." in _by_css(browser, "#reference-error").text
    assert _by_css(browser, "#reference").get_attribute("value") == reference  # kept, to be checked
    _assert_accessible(browser, "the status page that found nothing")

    _open(browser, server.url + "/es/refer/status")
    _assert_accessible(browser, "the empty Spanish status page")
    _press(browser, "Consultar")
    assert "Corrija esto:" in _by_css(browser, "#problems").text
    _assert_accessible(browser, "the Spanish status page with its errors")


# --- refusals --------------------------------------------------------------------------------


def test_a_tampered_token_or_a_filled_honeypot_is_refused_and_nothing_is_kept(browser, server):
    _fresh(browser, server)
    before = _counts(server)

    _open(browser, server.url + "/refer/danger")
    _answer(browser, {"danger": "no"})
    browser.execute_script("document.querySelector('input[name=csrf]').value = 'not-the-cookie'")
    _press(browser, "Save and continue")
    assert _status(browser) == 403
    assert _by_css(browser, "h1").text == "This form has expired", _text(browser)[:500]
    assert _path(browser) == "/refer/danger"
    assert browser.get_cookie("referral") is None and _counts(server) == before

    _open(browser, server.url + "/refer/danger")
    honeypot = _by_css(browser, "#website")
    assert not honeypot.is_displayed() and honeypot.get_attribute("value") == ""
    _answer(browser, {"danger": "no"})
    browser.execute_script("document.getElementById('website').value = 'http://spam.example'")
    _press(browser, "Save and continue")
    assert _status(browser) == 400
    assert _by_css(browser, "h1").text == "The form could not be sent", _text(browser)[:500]
    assert "filled in automatically" in _text(browser)
    assert browser.get_cookie("referral") is None and _counts(server) == before

    # The same form, left alone, is taken: it was the tampering that was refused.
    _open(browser, server.url + "/refer/danger")
    _answer(browser, {"danger": "no"})
    _press(browser, "Save and continue")
    assert _path(browser) == "/refer/you"
    assert _counts(server) == (before[0] + 1, before[1])


# --- accessibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_axe_finds_no_wcag_violations_on_any_step(browser, server, lang):
    for step in _walk(browser, server, lang):
        _assert_accessible(browser, f"the {lang} {step} step")
        _submit_empty(browser, lang, step)
        _problems(browser)
        _assert_accessible(browser, f"the {lang} {step} step with its errors")


def _tab_through(driver) -> tuple[list[dict], list[dict]]:
    """The controls the page should let the keyboard reach, and the stops Tab actually made,
    from the page's start until focus comes round to the first stop again."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    wanted = driver.execute_script(MARK_CONTROLS)
    # Start from the top of the document, as after loading it, wherever the last action left focus.
    driver.execute_script(
        "const start = document.createElement('span'); start.tabIndex = -1;document.body.prepend(start); start.focus();"
    )
    reached: list[dict] = []
    for _ in range(len(wanted) + 5):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        now = driver.execute_script(FOCUSED)
        if reached and now["stop"] is not None and now["stop"] == reached[0]["stop"]:
            break  # round again
        reached.append(now)
    return wanted, reached


def _check_keyboard(driver, page: str) -> None:
    wanted, reached = _tab_through(driver)
    order = "\n".join(f"  {stop['what']}" for stop in reached)
    first = reached[0]["what"]
    assert first.startswith("a[href=#main]"), f"on {page} the first tab stop is not the skip link:\n{order}"
    stopped = {stop["stop"] for stop in reached}
    groups: dict[str, list[int]] = {}
    for index, control in enumerate(wanted):
        groups.setdefault(control["group"], []).append(index)
    missed = [wanted[indexes[0]]["what"] for indexes in groups.values() if not stopped.intersection(indexes)]
    assert not missed, f"on {page} Tab never reached:\n  " + "\n  ".join(missed) + f"\nit went:\n{order}"
    assert not [stop for stop in reached if "#website" in stop["what"]], f"on {page} Tab reached the honeypot"
    stray = [stop["what"] for stop in reached if stop["stop"] is None and stop["what"] != "body"]
    assert not stray, f"on {page} Tab stopped on something that is not a control: {stray}\nit went:\n{order}"
    unseen = [stop["what"] for stop in reached if stop["stop"] is not None and not stop["outlined"]]
    assert not unseen, f"on {page} focus is not visible on: {unseen}"
    visited = [stop["stop"] for stop in reached if stop["stop"] is not None]
    assert visited == sorted(visited), f"on {page} Tab goes out of the page's reading order:\n{order}"


def test_the_keyboard_reaches_every_control_of_every_step(browser, server):
    for step in _walk(browser, server, "en"):
        assert _all_css(browser, "#website"), "the honeypot is not on the page"
        _check_keyboard(browser, f"the {step} step")
        _submit_empty(browser, "en", step)
        _check_keyboard(browser, f"the {step} step with its errors")
