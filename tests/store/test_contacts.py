"""The contact log on both engines: every channel, search by any number format, follow-ups kept by outbound
contacts, TTY sessions that autosave, intakes and children from a contact, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from callcenter.domain.actor import Actor
from callcenter.domain.contacts import (
    CSV_COLUMNS,
    ContactFilter,
    FollowUpStatus,
    build_filter,
    check_fax,
    check_outbound,
    check_tty_start,
)
from callcenter.domain.errors import PermissionDenied
from callcenter.domain.model import AgentState, Channel, Direction, Disposition, Priority, PromiseKind
from callcenter.domain.promises import PromisePolicy
from callcenter.store import agents, calls, contacts, intakes, promises
from callcenter.store.errors import ConflictingEdit, InvalidOperation, NotFound
from callcenter.store.models import Agent, AuditEntry, Child, Contact, Promise, PromiseAttempt
from tests.dbutil import signed_in

POLICY = PromisePolicy()
NEW_YORK = ZoneInfo("America/New_York")
FAX = {
    "direction": "inbound",
    "number": "(860) 555-0199",
    "party": "Elm Pediatrics",
    "pages": "4",
    "at": "",
    "document_type": "referral",
    "next_step": "call the family to schedule",
}

SHELL = Actor.shell("test")  # the store as `callcenter ...` on the server uses it


def _agent(db, now, username: str, role: str = "rep") -> int:
    with db.write() as session:
        agent = Agent(
            username=username,
            display_name=username.title(),
            role=role,
            state=AgentState.AVAILABLE.value,
            state_since=now,
            created_at=now,
        )
        session.add(agent)
        session.flush()
        return agent.id


@pytest.fixture
def alex(db, now):
    return _agent(db, now, "alex")


@pytest.fixture
def jordan(db, now):
    return _agent(db, now, "jordan")


def _child(db, now, first: str, last: str, born: date, medicaid: str | None = None) -> int:
    with db.write() as session:
        child = Child(
            first_name=first,
            last_name=last,
            date_of_birth=born,
            town="Hartford",
            medicaid_number=medicaid,
            created_at=now,
            updated_at=now,
        )
        session.add(child)
        session.flush()
        return child.id


def _fax(db, agent_id, now, **changes):
    entry, errors = check_fax({**FAX, **changes}, now)
    assert errors == {}
    return contacts.log_fax(db, agent_id, entry, now, POLICY)


def _outbound(db, agent_id, now, answers_promise_id=None, **changes):
    fields = {
        "channel": "voice",
        "number": "(860) 555-0199",
        "party": "Maria Lopez",
        "outcome": "reached",
        "summary": "",
        **changes,
    }
    entry, errors = check_outbound(fields)
    assert errors == {}
    return contacts.log_outbound(db, agent_id, entry, now, POLICY, answers_promise_id=answers_promise_id)


def _tty(db, agent_id, now, **changes):
    start, errors = check_tty_start({"party": "Dana M.", "number": "", "relay": "yes", **changes})
    assert errors == {}
    return contacts.start_tty(db, agent_id, start, now)


def _answer_queue_call(db, agent_id, line: str, number: str | None, now, notes: str):
    calls.arrive(db, line, number, now - timedelta(minutes=1), Priority.EMERGENCY)
    call = calls.claim_next(db, agent_id, now, [line])
    calls.end_call(db, agent_id, call.id, Disposition.INFORMATION_ONLY, now + timedelta(minutes=5), notes)
    agents.change_state(db, agent_id, agent_id, AgentState.AVAILABLE, now + timedelta(minutes=6))
    return call


def _contact_of_call(db, call_id: int) -> int:
    with db.read() as session:
        return session.scalar(select(Contact.id).where(Contact.call_id == call_id))


def _ids(db, **filters) -> list[int]:
    return [row.id for row in contacts.search(db, ContactFilter(**filters))]


def _count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_every_channel_lands_in_the_log_newest_first(db, now, alex):
    voice = _answer_queue_call(db, alex, "877", "(203) 555-0143", now - timedelta(hours=3), "gave 3 clinics")
    web = _answer_queue_call(db, alex, "web", None, now - timedelta(hours=2), "web referral form")
    fax = _fax(db, alex, now - timedelta(hours=1), at="")
    tty = _tty(db, alex, now - timedelta(minutes=30))
    contacts.end_tty(db, alex, tty.row.id, "asked about clinics", None, now - timedelta(minutes=10), POLICY)
    outbound = _outbound(db, alex, now)

    rows = contacts.search(db, ContactFilter())
    assert [(row.channel, row.direction) for row in rows] == [
        ("voice", "outbound"),
        ("tty", "inbound"),
        ("fax", "inbound"),
        ("web", "inbound"),
        ("voice", "inbound"),
    ]
    assert [row.id for row in rows] == [outbound.row.id, tty.row.id, fax.row.id, rows[3].id, rows[4].id]
    by_channel = {(row.channel, row.direction): row for row in rows}
    assert by_channel["voice", "inbound"].number == "+12035550143"
    assert by_channel["voice", "inbound"].summary == "gave 3 clinics"
    assert by_channel["voice", "inbound"].outcome == "information_only"
    assert by_channel["voice", "inbound"].agent == "Alex"
    assert contacts.get(db, by_channel["voice", "inbound"].id).call_id == voice.id
    assert by_channel["web", "inbound"].number is None and contacts.get(db, rows[3].id).call_id == web.id
    assert (fax.row.pages, fax.row.document_type, fax.row.party) == (4, "referral", "Elm Pediatrics")
    assert by_channel["tty", "inbound"].relay is True and by_channel["tty", "inbound"].summary == "asked about clinics"
    assert by_channel["voice", "outbound"].outcome == "reached"
    with db.read() as session:
        assert session.scalar(select(Contact.number_digits).where(Contact.call_id == voice.id)) == "2035550143"
        audited = session.scalars(
            select(AuditEntry.entity_id).where(AuditEntry.entity == "contact", AuditEntry.action == "create")
        ).all()
    assert set(audited) == {fax.row.id, tty.row.id, outbound.row.id}


def test_a_number_in_any_format_finds_its_entry_and_no_other(db, now, alex):
    wanted = _fax(db, alex, now, number="(860) 555-0199")
    _fax(db, alex, now, number="(860) 555-0198")
    _fax(db, alex, now, number="(203) 555-0199 x12")  # same last digits, another area code
    with_extension = _outbound(db, alex, now, number="860-555-0199 ext. 7")
    today = now.astimezone(NEW_YORK).date()
    for typed in ("(860) 555-0199", "860.555.0199", "+1 860 555 0199", "8605550199"):
        query, errors = build_filter({"search": typed}, today)
        assert errors == {}
        assert [row.id for row in contacts.search(db, query)] == [with_extension.row.id, wanted.row.id], typed
    partial, _ = build_filter({"search": "5550199"}, today)
    assert partial.number_digits == "5550199"
    assert len(contacts.search(db, partial)) == 3  # the 203 number shares these digits
    area, _ = build_filter({"search": "860 5550199"}, today)
    assert [row.id for row in contacts.search(db, area)] == [with_extension.row.id, wanted.row.id]
    none, _ = build_filter({"search": "555-0197"}, today)
    assert contacts.search(db, none) == []


def test_filters_by_channel_direction_local_dates_agent_status_and_text(db, now, alex, jordan):
    sam = _child(db, now, "Sam", "Lee", date(2019, 3, 4))
    late_sunday = _fax(db, alex, now, at="11/22 11:50pm", party="Oak Clinic", child_id=str(sam))
    monday = _fax(db, jordan, now, party="Elm Pediatrics", next_step="send the consent form")
    outbound = _outbound(db, jordan, now, summary="Left details with grandmother")
    call = _answer_queue_call(db, alex, "877", "(203) 555-0143", now, "Mother asked about therapy")
    voice = _contact_of_call(db, call.id)
    assert late_sunday.row.at == datetime(2026, 11, 22, 23, 50, tzinfo=NEW_YORK)  # 04:50 UTC on Monday

    assert _ids(db, channel=Channel.FAX) == [monday.row.id, late_sunday.row.id]
    assert _ids(db, direction=Direction.OUTBOUND) == [outbound.row.id]
    assert _ids(db, since=date(2026, 11, 22), until=date(2026, 11, 22)) == [late_sunday.row.id]
    assert _ids(db, since=date(2026, 11, 23)) == [voice, outbound.row.id, monday.row.id]
    assert _ids(db, until=date(2026, 11, 21)) == []
    assert _ids(db, agent_id=jordan) == [outbound.row.id, monday.row.id]

    assert _ids(db, status=FollowUpStatus.OPEN) == [monday.row.id, late_sunday.row.id]
    assert _ids(db, status=FollowUpStatus.DONE) == []
    _outbound(
        db,
        jordan,
        now,
        answers_promise_id=monday.follow_up_promise_id,
        channel="fax",
        outcome="fax_sent",
        number="(860) 555-0100",
    )
    assert _ids(db, status=FollowUpStatus.DONE) == [monday.row.id]
    assert _ids(db, status=FollowUpStatus.OPEN) == [late_sunday.row.id]

    assert _ids(db, text="lee") == [late_sunday.row.id]  # the child's name
    assert _ids(db, text="GRANDMOTHER") == [outbound.row.id]  # the summary, any case
    assert _ids(db, text="elm consent") == [monday.row.id]  # party and next step, every word
    assert _ids(db, text="therapy") == [voice]
    assert _ids(db, text="100%") == [] and _ids(db, text="_") == []  # typed wildcards are only characters
    assert late_sunday.row.child == "S.L. b.2019"  # lists never show the child's name


def test_an_inbound_fax_promises_a_follow_up_and_an_outbound_fax_can_keep_it(db, now, alex):
    fax = _fax(db, alex, now)
    promise = promises.get(db, fax.follow_up_promise_id)
    assert promise.kind is PromiseKind.FAX_FOLLOWUP and promise.owner_agent_id == alex
    assert promise.title == "Fax from Elm Pediatrics: call the family to schedule"
    assert promise.due_at == POLICY.follow_up_deadline(fax.row.at)
    assert fax.row.follow_up == "open" and fax.row.follow_up_due == promise.due_at
    assert fax.next_step == "call the family to schedule"

    later = now + timedelta(hours=2)
    tried = _outbound(db, alex, later, answers_promise_id=promise.id, outcome="no_answer")
    assert promises.get(db, promise.id).state.value == "open"
    assert tried.answers_promise_id == promise.id
    done = _outbound(
        db,
        alex,
        later + timedelta(minutes=30),
        answers_promise_id=promise.id,
        outcome="reached",
        summary="Scheduled intake for Thursday",
    )
    closed = promises.get(db, promise.id)
    assert closed.state.value == "done" and closed.attempts == 2 and closed.last_outcome == "reached"
    assert f"Closed by outbound contact #{done.row.id}" in closed.notes
    assert [(outcome, notes) for _, outcome, notes, _ in promises.attempts_of(db, promise.id)] == [
        ("no_answer", None),
        ("reached", "Scheduled intake for Thursday"),
    ]
    detail = contacts.get(db, fax.row.id)
    assert detail.row.follow_up == "done"
    assert [row.id for row in detail.answered_by] == [tried.row.id, done.row.id]
    with pytest.raises(InvalidOperation, match="already done"):
        _outbound(db, alex, later, answers_promise_id=promise.id)


def test_an_outbound_fax_with_no_next_step_promises_nothing(db, now, alex):
    sent = _fax(db, alex, now, direction="outbound", next_step="")
    assert sent.follow_up_promise_id is None and sent.row.follow_up is None
    asked = _fax(db, alex, now, direction="outbound", party="Oak Clinic", next_step="confirm it arrived")
    assert promises.get(db, asked.follow_up_promise_id).title == "Fax to Oak Clinic: confirm it arrived"


def test_left_message_keeps_the_promise_open_with_an_attempt_the_callbacks_screen_can_read(db, now, alex):
    from callcenter.domain.promises import AttemptOutcome

    fax = _fax(db, alex, now)
    _outbound(db, alex, now, answers_promise_id=fax.follow_up_promise_id, outcome="left_message")
    promise = promises.get(db, fax.follow_up_promise_id)
    assert promise.state.value == "open" and promise.attempts == 1
    assert AttemptOutcome(promise.last_outcome) is AttemptOutcome.VOICEMAIL
    assert contacts.get(db, fax.row.id).answered_by[0].outcome == "left_message"  # the contact keeps its words


def test_only_the_owner_or_a_supervisor_answers_a_follow_up(db, now, alex, jordan):
    fax = _fax(db, alex, now)
    before = _count(db, Contact)
    with pytest.raises(InvalidOperation, match="someone else"):
        _outbound(db, jordan, now, answers_promise_id=fax.follow_up_promise_id)
    assert _count(db, Contact) == before and _count(db, PromiseAttempt) == 0
    supervisor = _agent(db, now, "sam", role="supervisor")
    _outbound(db, supervisor, now, answers_promise_id=fax.follow_up_promise_id)
    assert promises.get(db, fax.follow_up_promise_id).state.value == "done"
    psychiatrist = _agent(db, now, "okafor", role="psychiatrist")
    with pytest.raises(PermissionDenied):
        _fax(db, psychiatrist, now)


def test_a_fax_for_a_child_not_on_file_writes_nothing(db, now, alex):
    entry, errors = check_fax({**FAX, "child_id": "999999"}, now)
    assert errors == {}
    with pytest.raises(NotFound, match="No child"):
        contacts.log_fax(db, alex, entry, now, POLICY)
    assert _count(db, Contact) == 0 and _count(db, Promise) == 0


def test_a_tty_session_autosaves_refuses_stale_and_foreign_writes_and_ends_once(db, now, alex, jordan):
    session = _tty(db, alex, now, number="(860) 555-0150")
    assert session.state == "open" and session.row.relay and session.version == 1
    assert [open_one.row.id for open_one in contacts.open_tty_sessions(db, alex)] == [session.row.id]
    version = contacts.save_transcript(db, alex, session.row.id, "GA\nHello, how can we help? GA", 1, now)
    assert version == 2
    with pytest.raises(ConflictingEdit):
        contacts.save_transcript(db, alex, session.row.id, "older text", 1, now)
    with pytest.raises(InvalidOperation, match="Only the rep"):
        contacts.save_transcript(db, jordan, session.row.id, "not mine", 2, now)
    ended = contacts.end_tty(
        db, alex, session.row.id, "Asked about clinics", "mail the clinic list", now + timedelta(minutes=20), POLICY
    )
    assert ended.state == "done" and ended.transcript == "GA\nHello, how can we help? GA"
    promise = promises.get(db, ended.follow_up_promise_id)
    assert promise.kind is PromiseKind.TTY_FOLLOWUP and promise.title == "TTY Dana M.: mail the clinic list"
    assert promise.due_at == POLICY.follow_up_deadline(now + timedelta(minutes=20))
    with pytest.raises(InvalidOperation, match="has ended"):
        contacts.save_transcript(db, alex, session.row.id, "late keystrokes", ended.version, now)
    with pytest.raises(InvalidOperation, match="has ended"):
        contacts.end_tty(db, alex, session.row.id, None, None, now, POLICY)
    assert contacts.open_tty_sessions(db, alex) == []
    with db.read() as reader:
        assert reader.scalar(select(Contact.ended_at).where(Contact.id == session.row.id)) == now + timedelta(
            minutes=20
        )


def test_an_intake_from_a_contact_is_one_prefilled_draft_per_rep(db, now, alex, jordan):
    fax = _fax(db, alex, now)
    draft = contacts.start_intake(db, alex, fax.row.id, now)
    assert draft.fields == {"caller_name": "Elm Pediatrics", "callback_number": "(860) 555-0199", "caller_type": "pcp"}
    assert contacts.start_intake(db, alex, fax.row.id, now).id == draft.id
    assert contacts.get(db, fax.row.id).row.intake_id == draft.id
    assert [d.id for d in intakes.open_drafts(db, alex)] == [draft.id]
    # Left without typing, it stays: the fax's entry leads to it.
    assert intakes.discard_if_untouched(db, alex, draft.id, now) is False
    theirs = contacts.start_intake(db, jordan, fax.row.id, now)
    assert theirs.id != draft.id
    phoned = _outbound(db, alex, now, party="Maria Lopez")
    assert "caller_type" not in contacts.start_intake(db, alex, phoned.row.id, now).fields


def test_matching_a_child_follows_into_the_open_follow_up(db, now, alex):
    sam = _child(db, now, "Sam", "Lee", date(2019, 3, 4), "123456789")
    fax = _fax(db, alex, now)
    assert fax.child_id is None and fax.row.child is None
    linked = contacts.link_child(db, alex, fax.row.id, sam, now)
    assert (linked.child_id, linked.child) == (sam, "S.L. b.2019 · Medicaid …6789")  # masked even in the detail
    assert linked.row.child == "S.L. b.2019"
    with db.read() as session:
        assert session.get(Promise, fax.follow_up_promise_id).child_id == sam
    answer = _outbound(db, alex, now, answers_promise_id=fax.follow_up_promise_id, outcome="no_answer")
    assert answer.child_id == sam  # copied from the promise it answers
    with pytest.raises(NotFound):
        contacts.link_child(db, alex, fax.row.id, 999999, now)


def test_children_are_found_by_name_medicaid_number_or_birth_date(db, now):
    sam = _child(db, now, "Sam", "Lee", date(2019, 3, 4), "123456789")
    samantha = _child(db, now, "Samantha", "Leary", date(2018, 7, 9))
    maria = _child(db, now, "Maria", "Lopez", date(2016, 1, 20), "987654321")
    assert [c.id for c in contacts.find_children(db, "sam")] == [samantha, sam]  # by last name
    assert [c.id for c in contacts.find_children(db, "SAM LEE")] == [sam]
    assert [c.id for c in contacts.find_children(db, "lee, sam")] == [sam]
    assert [c.id for c in contacts.find_children(db, "123-45-6789")] == [sam]
    assert contacts.find_children(db, "123-45-6789")[0].medicaid_last4 == "6789"
    assert [c.id for c in contacts.find_children(db, "1/20/2016")] == [maria]
    assert [c.id for c in contacts.find_children(db, "2016-01-20")] == [maria]
    assert contacts.find_children(db, "s") == [] and contacts.find_children(db, "") == []
    assert contacts.find_children(db, "sa%") == []  # a typed wildcard is only a character
    assert len(contacts.find_children(db, "le", limit=1)) == 1


def test_the_export_is_the_log_as_a_spreadsheet_safe_csv(db, now, alex):
    _fax(db, alex, now - timedelta(minutes=5))
    _outbound(db, alex, now, summary='=HYPERLINK("http://example.test")')
    text, count = contacts.export_csv(db, ContactFilter(), actor=signed_in(db, alex), now=now, screen="contact_log")
    rows = list(csv.reader(io.StringIO(text)))
    assert count == 2
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 3
    newest = dict(zip(rows[0], rows[1], strict=False))
    assert newest["number"] == "(860) 555-0199" and newest["direction"] == "outbound"
    assert newest["summary"] == '\'=HYPERLINK("http://example.test")'
    assert newest["when"] == now.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M")
    fax_row = dict(zip(rows[0], rows[2], strict=False))
    assert (fax_row["channel"], fax_row["pages"], fax_row["follow_up"]) == ("fax", "4", "open")
    faxes, _ = contacts.export_csv(
        db, ContactFilter(channel=Channel.FAX), actor=signed_in(db, alex), now=now, screen="contact_log"
    )
    assert len(list(csv.reader(io.StringIO(faxes)))) == 2


def test_every_export_is_audited_with_who_and_the_filter(db, now, alex):
    import json

    from sqlalchemy import select

    from callcenter.store.models import AuditEntry

    _fax(db, alex, now - timedelta(minutes=5))
    contacts.export_csv(
        db, ContactFilter(channel=Channel.FAX), actor=signed_in(db, alex), now=now, screen="contact_log"
    )
    contacts.export_csv(db, ContactFilter(), actor=SHELL, now=now, screen="shell")
    with db.read() as session:
        exports = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id)))
    assert [(entry.agent_id, entry.entity, entry.screen) for entry in exports] == [
        (alex, "contact", "contact_log"),
        (None, "contact", "shell: test"),
    ]
    by_rep, from_shell = (json.loads(entry.detail) for entry in exports)
    assert by_rep["filter"] == {"channel": "fax"} and by_rep["rows"] == 1 and "os_user" not in by_rep
    assert from_shell["filter"] == {} and from_shell["os_user"]


def test_a_missing_contact_is_not_found(db, now, alex):
    with pytest.raises(NotFound):
        contacts.get(db, 424242)
    with pytest.raises(NotFound):
        contacts.start_intake(db, alex, 424242, now)


def test_a_queued_tty_call_marked_relay_logs_a_relay_entry(db, now, alex, jordan):
    calls.arrive(db, "tty", "(203) 555-0143", now - timedelta(minutes=1))
    call = calls.claim_next(db, alex, now, ["tty"])
    with pytest.raises(InvalidOperation):
        calls.mark_relay(db, jordan, call.id, True, now)  # not jordan's call
    assert calls.mark_relay(db, alex, call.id, True, now).relay
    calls.end_call(db, alex, call.id, Disposition.INFORMATION_ONLY, now + timedelta(minutes=5), "GA hello SK")
    entry = contacts.get(db, _contact_of_call(db, call.id))
    assert entry.row.channel == "tty" and entry.row.relay and entry.row.summary == "GA hello SK"


def test_only_a_tty_call_is_a_relay_call(db, now, alex):
    calls.arrive(db, "877", "(203) 555-0143", now - timedelta(minutes=1))
    call = calls.claim_next(db, alex, now, ["877"])
    with pytest.raises(InvalidOperation):
        calls.mark_relay(db, alex, call.id, True, now)


def test_the_search_index_follows_every_edit_and_any_characters(db, now, alex):
    """Words and digits are found through each engine's trigram index (migration 0018): kept up to
    date as entries change, case-blind, and safe with quotes and wildcards in what is typed."""
    session = _tty(db, alex, now, party="José O'Hara")
    contact_id = session.row.id
    assert _ids(db, text="josé") == [contact_id] and _ids(db, text="O'HARA") == [contact_id]
    assert _ids(db, text="budget") == []
    contacts.save_transcript(db, alex, contact_id, 'GA\nWe talked about the "budget" 100% GA', 1, now)
    assert _ids(db, text="budget") == [contact_id]
    assert _ids(db, text='"budget"') == [contact_id]  # quotes typed are text, not query syntax
    assert _ids(db, text="100%") == [contact_id] and _ids(db, text="10_%") == []  # % and _ are literal
    assert _ids(db, text="GA") == [contact_id]  # two letters: below the index, still found
    assert _ids(db, text="talked josé") == [contact_id] and _ids(db, text="talked nobody") == []
    fax = _fax(db, alex, now, number="(860) 555-0142")
    assert _ids(db, number_digits="0142") == [fax.row.id]
    assert _ids(db, number_digits="55501") == [fax.row.id]
    assert _ids(db, number_digits="99") == []


def test_a_page_of_the_newest_matches_is_the_same_whichever_way_it_is_found(db, now, alex, monkeypatch):
    """SQLite reads the newest entries outright before asking the index: a full page from them is
    the newest page; a short one falls back to the index, so older matches are never missed."""
    older = [_fax(db, alex, now - timedelta(hours=hours), party="Okonkwo family").row.id for hours in (5, 4, 3)]
    newer = [_fax(db, alex, now - timedelta(minutes=minutes), party="Elm Pediatrics").row.id for minutes in (3, 2)]
    newest_first = older[::-1]
    assert [row.id for row in contacts.search(db, ContactFilter(text="okonkwo"), limit=2)] == newest_first[:2]
    monkeypatch.setattr(contacts, "NEWEST_WINDOW", 2)  # the window holds only the two newer entries
    assert [row.id for row in contacts.search(db, ContactFilter(text="okonkwo"), limit=2)] == newest_first[:2]
    assert [row.id for row in contacts.search(db, ContactFilter(text="pediatrics"), limit=2)] == newer[::-1]
