"""Referral Connect on the public site, in process: the steps, what was typed kept on error, the
CSRF and honeypot refusals, the limits, the referral in the console's tables, the status check."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from callcenter.domain.promises import PromisePolicy
from callcenter.store.models import AuditEntry, Call, Promise, WebReferral, WebReferralDraft
from callcenter.web.settings import SiteSettings
from callcenter.web.site import create_site
from tests.dbutil import FIXED_NOW
from tests.web.test_find_care import Clock

FAMILY = {
    "you": {
        "referrer": "family",
        "referrer_name": "Marta Rivera",
        "phone": "(860) 555-0142",
        "best_time": "evening",
        "language": "Spanish",
    },
    "child": {"child_first": "Luis", "child_last": "Rivera", "child_dob": "3/4/2015", "child_zip": "06106"},
    "concern": {"symptoms": "He has panic attacks at school\nand will not go in.", "diagnosis": ""},
}


def client_for(db, clock=None, **settings) -> TestClient:
    app = create_site(db, SiteSettings(**{"searches_per_minute": 1000, **settings}), clock or Clock(), PromisePolicy())
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


@pytest.fixture
def site(demo_db):
    return client_for(demo_db)


def post_step(client, step, fields, prefix=""):
    page = client.get(f"{prefix}/refer/{step}")
    assert page.status_code == 200, page.text[:300]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post(f"{prefix}/refer/{step}", data={"csrf": csrf, **fields})


def refer(client, danger="no", prefix="", **changes):
    answers = {step: {**fields, **changes.get(step, {})} for step, fields in FAMILY.items()}
    assert post_step(client, "danger", {"danger": danger}, prefix).headers["location"] == f"{prefix}/refer/you"
    for step, following in (("you", "child"), ("child", "concern"), ("concern", "review")):
        answered = post_step(client, step, answers[step], prefix)
        assert answered.status_code == 303, answered.text[:2000]
        assert answered.headers["location"] == f"{prefix}/refer/{following}"
    return post_step(client, "review", {"consent": "yes"}, prefix)


def test_a_family_refers_a_child_and_gets_a_reference_and_the_promised_time(site, demo_db):
    sent = refer(site)
    assert sent.status_code == 200
    reference = re.search(r"<strong>(RC-[A-Z0-9]{8})</strong>", sent.text).group(1)
    assert "A representative will call you by Tuesday, November 24 at 10:00 AM" in sent.text  # one business day
    with demo_db.read() as session:
        referral = session.scalars(select(WebReferral).where(WebReferral.reference == reference)).one()
        call = session.get(Call, referral.call_id)
        promise = session.get(Promise, referral.promise_id)
        drafts = session.scalars(select(WebReferralDraft)).all()
        audit_row = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "web_referral", AuditEntry.entity_id == referral.id)
        ).one()
    assert (call.state, call.channel, call.priority) == ("waiting", "web", 0)
    assert promise.kind == "web_referral" and promise.due_at == FIXED_NOW + timedelta(days=1)
    answers = json.loads(referral.answers)
    assert answers["child_first"] == "Luis" and answers["symptoms"].endswith("and will not go in.")
    assert json.loads(audit_row.detail)["client"] == "testclient"
    assert drafts == []  # the draft is gone once sent
    assert "referral=" in sent.headers.get("set-cookie", "")  # and the browser's token with it


def test_a_child_in_danger_is_told_what_to_do_now_and_goes_first(site, demo_db):
    onward = post_step(site, "danger", {"danger": "suicide"})
    you = site.get(onward.headers["location"])
    assert "Do not wait for our call" in you.text and "call 911" in you.text
    sent = refer(site, danger="suicide")
    reference = re.search(r"<strong>(RC-[A-Z0-9]{8})</strong>", sent.text).group(1)
    with demo_db.read() as session:
        call_id = session.scalar(select(WebReferral.call_id).where(WebReferral.reference == reference))
        assert session.get(Call, call_id).priority == 2


def test_bad_input_is_shown_next_to_each_field_and_everything_typed_is_kept(site):
    post_step(site, "danger", {"danger": "no"})
    page = post_step(
        site,
        "you",
        {
            "referrer": "office",
            "referrer_name": "Dr. Ada Okafor",
            "office_name": "",
            "npi": "1234567890",
            "phone": "555-01",
            "best_time": "morning",
        },
    )
    assert page.status_code == 400
    assert 'id="office_name-error"' in page.text and "Type the name of the pediatric office." in page.text
    assert "last digit does not match" in page.text  # the NPI's check digit, as the console checks it
    assert "“555-01”" in page.text and "wrong number of digits" in page.text
    assert 'value="Dr. Ada Okafor"' in page.text and 'value="1234567890"' in page.text
    assert 'value="office" checked' in page.text and '<option value="morning" selected>' in page.text
    assert 'aria-invalid="true" aria-describedby="phone-error phone-hint"' in page.text
    assert 'role="alert"' in page.text and '<a href="#phone">' in page.text


def test_the_console_rules_word_each_problem_in_spanish(site):
    post_step(site, "danger", {"danger": "no"}, "/es")
    post_step(site, "you", FAMILY["you"], "/es")
    page = post_step(
        site, "child", {"child_first": "Luis2", "child_last": "", "child_dob": "3/4/15", "child_zip": "6106"}, "/es"
    )
    assert page.status_code == 400 and '<html lang="es">' in page.text
    assert "Los nombres no pueden llevar números" in page.text
    assert "“3/4/15” tiene el año corto" in page.text
    assert "“6106” no tiene el primer 0" in page.text
    assert "Escriba esto, por favor." in page.text  # the empty last name


def test_a_step_cannot_be_skipped(site):
    assert site.get("/refer/review").headers["location"] == "/refer/danger"
    post_step(site, "danger", {"danger": "no"})
    assert site.get("/refer/child").headers["location"] == "/refer/you"


def test_without_the_forms_token_nothing_is_taken(site, demo_db):
    site.get("/refer/danger")
    refused = site.post("/refer/danger", data={"danger": "no", "csrf": "guessed"})
    assert refused.status_code == 403 and "This form has expired" in refused.text
    fresh = TestClient(site.app, raise_server_exceptions=False, follow_redirects=False)
    assert fresh.post("/refer/danger", data={"danger": "no"}).status_code == 403  # no cookie at all
    page = site.get("/refer/danger")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    other_site = site.post(
        "/refer/danger", data={"danger": "no", "csrf": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert other_site.status_code == 403
    with demo_db.read() as session:
        assert session.scalars(select(WebReferralDraft)).all() == []


def test_the_honeypot_refuses_software_that_fills_every_field(site, demo_db):
    page = site.get("/refer/danger")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    caught = site.post("/refer/danger", data={"danger": "no", "csrf": csrf, "website": "http://spam.example"})
    assert caught.status_code == 400 and "filled in automatically" in caught.text
    with demo_db.read() as session:
        assert session.scalars(select(WebReferralDraft)).all() == []


def test_forms_that_are_not_small_urlencoded_forms_are_refused(site):
    page = site.get("/refer/danger")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert site.post("/refer/danger", data={"csrf": csrf, "danger": "no", "x": "y" * 40_000}).status_code == 413
    as_json = site.post("/refer/danger", json={"csrf": csrf, "danger": "no"})
    assert as_json.status_code == 413
    assert site.post("/", data={"q": "x"}).status_code == 405  # only the referral's pages take forms


def test_sending_is_limited_per_client(demo_db):
    clock = Clock(FIXED_NOW.replace(second=0))
    client = client_for(demo_db, clock)
    for _ in range(3):
        assert refer(client).status_code == 200
    refused = refer(client)
    assert refused.status_code == 429 and "Retry-After".lower() in refused.headers
    assert "Too many tries" in refused.text and "then try again" in refused.text


def test_the_status_check_says_where_the_referral_is_and_nothing_else(site, demo_db):
    sent = refer(site)
    reference = re.search(r"<strong>(RC-[A-Z0-9]{8})</strong>", sent.text).group(1)
    page = site.get("/refer/status")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    found = site.post("/refer/status", data={"csrf": csrf, "reference": reference.lower(), "last_four": "0142"})
    assert found.status_code == 200 and "We have received the referral" in found.text
    assert "Luis" not in found.text and "panic" not in found.text and "Marta" not in found.text
    wrong = site.post("/refer/status", data={"csrf": csrf, "reference": reference, "last_four": "9999"})
    assert wrong.status_code == 404 and "We found no referral" in wrong.text
    with demo_db.write() as session:
        session.execute(
            WebReferral.__table__.update().where(WebReferral.reference == reference).values(status="linked")
        )
    linked = site.post("/refer/status", data={"csrf": csrf, "reference": reference, "last_four": "0142"})
    assert "linked to care" in linked.text


def test_wrong_guesses_at_the_status_are_limited(demo_db):
    clock = Clock(FIXED_NOW.replace(second=0))
    client = client_for(demo_db, clock)
    page = client.get("/refer/status")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answers = [
        client.post("/refer/status", data={"csrf": csrf, "reference": f"RC-AAAAAAA{n}", "last_four": "1234"})
        for n in range(2, 9)
    ]
    assert [answer.status_code for answer in answers] == [404] * 5 + [429] * 2
    clock.now += timedelta(minutes=1)
    later = client.post("/refer/status", data={"csrf": csrf, "reference": "RC-AAAAAAA2", "last_four": "1234"})
    assert later.status_code == 404


def test_the_spanish_referral_promises_in_spanish(site):
    sent = refer(site, prefix="/es")
    assert sent.status_code == 200
    assert "Un representante le llamará antes del martes 24 de noviembre a las 10:00" in sent.text
