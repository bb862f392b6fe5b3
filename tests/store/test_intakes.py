"""Drafts that survive, conflicts that are refused, and submission as one transaction."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from callcenter.domain.errors import PermissionDenied, ValidationError
from callcenter.domain.model import IntakeStatus
from callcenter.store import agents, calls, intakes
from callcenter.store.errors import ConflictingEdit, InvalidOperation
from callcenter.store.models import AuditEntry, Child, ConsultRequest, Guardian, Intake, Promise
from tests.dbutil import stored_intake

TODAY = None  # set from the fixture's clock


def complete_fields(**overrides):
    fields = {
        "caller_type": "parent_guardian",
        "caller_name": "Maria Lopez",
        "callback_number": "(203) 555-0143",
        "guardian_name": "Maria Lopez",
        "guardian_husky": "no",
        "child_first_name": "Christopher",
        "child_last_name": "Lopez",
        "child_dob": "11/2/2023",
        "child_sex": "male",
        "child_zip": "06106",
        "child_town": "Hartford",
        "child_language": "Spanish",
        "insurance": "husky_a",
        "medicaid_number": "123456789",
        "symptoms": "Hits his mother, runs from her in public, never listens.",
        "diagnosis": "unknown",
        "duration": "6 months",
        "urgency": "routine",
        "consult_question_type": "none",
        "need_scheduling": "yes",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def rep(demo_db, now):
    return agents.open_session(demo_db, "alex", now)


@pytest.fixture
def call_id(demo_db, rep, now):
    return calls.claim_next(demo_db, rep.id, now).id


def today_of(now):
    from callcenter.domain.timefmt import line_zone

    return now.astimezone(line_zone()).date()


def test_draft_is_created_once_per_call_and_prefilled_with_the_number(demo_db, rep, call_id, now):
    first = intakes.start(demo_db, rep.id, now, call_id=call_id)
    again = intakes.start(demo_db, rep.id, now, call_id=call_id)
    assert first.id == again.id
    assert first.fields["callback_number"].startswith("(")  # shown as a rep reads it
    assert [d.id for d in intakes.open_drafts(demo_db, rep.id)] == [first.id]


@pytest.mark.pgbouncer
def test_draft_keeps_every_field_as_typed(demo_db, rep, call_id, now):
    draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
    typed = {"caller_name": "  Maria [bold]Lopez ", "child_dob": "3/4/20", "symptoms": "line one\nline two"}
    version = intakes.save_draft(demo_db, rep.id, draft.id, typed, draft.version, now)
    reopened = stored_intake(demo_db, draft.id)
    assert reopened.version == version == draft.version + 1
    assert {k: reopened.fields[k] for k in typed} == typed  # as typed, bad input included


@pytest.mark.pgbouncer
def test_second_save_with_a_stale_version_is_refused(demo_db, rep, call_id, now):
    draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
    jordan = agents.open_session(demo_db, "jordan", now)
    # Another rep's terminal saved first (same intake opened on two screens).
    intakes.save_draft(demo_db, rep.id, draft.id, {"caller_name": "Jordan's text"}, draft.version, now)
    with pytest.raises(ConflictingEdit, match="Another rep saved"):
        intakes.save_draft(demo_db, rep.id, draft.id, {"caller_name": "Alex's text"}, draft.version, now)
    assert stored_intake(demo_db, draft.id).fields["caller_name"] == "Jordan's text"
    assert jordan.id != rep.id


def test_psychiatrist_cannot_work_intakes(demo_db, now):
    doctor = agents.open_session(demo_db, "okafor", now)
    with pytest.raises(PermissionDenied):
        intakes.start(demo_db, doctor.id, now)


@pytest.mark.pgbouncer
def test_submit_writes_everything_together(demo_db, rep, call_id, now):
    draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
    fields = complete_fields()
    version = intakes.save_draft(demo_db, rep.id, draft.id, fields, draft.version, now)
    result = intakes.submit(demo_db, rep.id, draft.id, fields, version, now, today_of(now))
    assert result.access_deadline == now + timedelta(weeks=2)
    with demo_db.read() as session:
        intake = session.get(Intake, draft.id)
        assert intake.status == IntakeStatus.SUBMITTED
        assert intake.child_id == result.child_id and intake.guardian_id == result.guardian_id
        assert intake.early_intervention_offered is True  # 36 months or younger
        assert intake.not_managed is False
        child = session.get(Child, result.child_id)
        assert (child.first_name, child.medicaid_number, str(child.date_of_birth)) == (
            "Christopher",
            "123456789",
            "2023-11-02",
        )
        promise = session.get(Promise, result.promise_id)
        assert promise.kind == "linkage_check" and promise.due_at == result.access_deadline
        assert promise.owner_agent_id == rep.id and promise.original_due_at == promise.due_at
        actions = set(session.scalars(select(AuditEntry.entity + ":" + AuditEntry.action)))
        assert {"intake:create", "intake:update", "child:create", "intake:submit"} <= actions
    with pytest.raises(InvalidOperation):
        intakes.save_draft(demo_db, rep.id, draft.id, fields, version + 1, now)


def test_submit_with_missing_fields_writes_nothing(demo_db, rep, call_id, now):
    draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
    fields = complete_fields(medicaid_number="", symptoms="")
    with pytest.raises(ValidationError):
        intakes.submit(demo_db, rep.id, draft.id, fields, draft.version, now, today_of(now))
    with demo_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Child)) == 0
        assert session.scalar(select(func.count()).select_from(Promise)) == 0
        assert session.get(Intake, draft.id).status == IntakeStatus.DRAFT


def test_failure_midway_rolls_back_the_whole_submission(demo_db, rep, call_id, now, monkeypatch):
    draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
    fields = complete_fields()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # The follow-up promise is written last: if it fails, child and guardian must not remain.
    monkeypatch.setattr(intakes.promises, "new_promise", explode)
    with pytest.raises(RuntimeError):
        intakes.submit(demo_db, rep.id, draft.id, fields, draft.version, now, today_of(now))
    with demo_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Child)) == 0
        assert session.scalar(select(func.count()).select_from(Guardian)) == 0
        assert session.get(Intake, draft.id).status == IntakeStatus.DRAFT


def test_crisis_is_recorded_once_and_sets_emergency(demo_db, rep, call_id, now):
    draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
    marked = intakes.mark_crisis(demo_db, rep.id, draft.id, "suicidal", now)
    later = intakes.mark_crisis(demo_db, rep.id, draft.id, "medical", now + timedelta(minutes=5))
    assert marked.crisis_at == later.crisis_at == now
    assert later.fields["urgency"] == "emergency"
    fields = {**complete_fields(), **later.fields}
    result = intakes.submit(demo_db, rep.id, draft.id, fields, later.version, now, today_of(now))
    assert result.access_deadline == now + timedelta(hours=2)


def test_known_child_is_found_by_medicaid_or_name_and_birth_date(demo_db, rep, call_id, now):
    draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
    fields = complete_fields()
    result = intakes.submit(demo_db, rep.id, draft.id, fields, draft.version, now, today_of(now))
    by_medicaid = intakes.find_known_children(demo_db, {"medicaid_number": "123-456-789"}, today_of(now))
    by_name = intakes.find_known_children(
        demo_db,
        {"child_first_name": "christopher", "child_last_name": "LOPEZ", "child_dob": "2023-11-02"},
        today_of(now),
    )
    assert [c.id for c in by_medicaid] == [c.id for c in by_name] == [result.child_id]
    assert by_medicaid[0].medicaid_last4 == "6789"
    # Reusing it does not create a second child.
    second = intakes.start(demo_db, rep.id, now)
    intakes.submit(
        demo_db, rep.id, second.id, fields, second.version, now, today_of(now), reuse_child_id=result.child_id
    )
    with demo_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Child)) == 1


def test_pcp_medication_question_records_a_consult_request(demo_db, rep, call_id, now):
    draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
    fields = complete_fields(
        caller_type="pcp",
        caller_name="Dr Sarah Kim",
        guardian_name="Maria Lopez",
        consult_question_type="dose",
        child_dob="5/1/2014",
    )
    result = intakes.submit(demo_db, rep.id, draft.id, fields, draft.version, now, today_of(now))
    with demo_db.read() as session:
        consult = session.get(ConsultRequest, result.consult_id)
        assert (consult.question_type, consult.pcp_name, consult.child_id) == ("dose", "Dr Sarah Kim", result.child_id)


def test_private_insurance_is_recorded_as_not_managed(demo_db, rep, call_id, now):
    draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
    fields = complete_fields(insurance="private", medicaid_number="", child_dob="5/1/2014")
    result = intakes.submit(demo_db, rep.id, draft.id, fields, draft.version, now, today_of(now))
    with demo_db.read() as session:
        intake = session.get(Intake, result.intake_id)
        assert intake.not_managed is True and intake.early_intervention_offered is False


@pytest.mark.parametrize("intake_first", [True, False], ids=["submitted during the call", "after the call ended"])
def test_the_calls_contact_log_entry_names_the_child_of_its_submitted_intake(demo_db, rep, call_id, now, intake_first):
    from callcenter.domain.contacts import build_filter
    from callcenter.domain.model import Disposition
    from callcenter.store import contacts

    def submit():
        draft = intakes.start(demo_db, rep.id, now, call_id=call_id)
        return intakes.submit(demo_db, rep.id, draft.id, complete_fields(), draft.version, now, today_of(now))

    def end():
        calls.end_call(demo_db, rep.id, call_id, Disposition.REFERRAL_GIVEN, now + timedelta(minutes=5), "")

    result = submit() if intake_first else None
    end()
    if not intake_first:
        result = submit()
    query, _ = build_filter({}, today_of(now))
    detail = next(
        d for d in (contacts.get(demo_db, row.id) for row in contacts.search(demo_db, query)) if d.call_id == call_id
    )
    assert (detail.child_id, detail.row.intake_id) == (result.child_id, result.intake_id)
    assert detail.row.child  # the list shows the child, masked


def test_unfinished_drafts_are_offered_crisis_first_then_the_fullest_then_the_newest(demo_db, rep, now):
    empty = intakes.start(demo_db, rep.id, now + timedelta(minutes=3))
    full = intakes.start(demo_db, rep.id, now + timedelta(minutes=1))
    intakes.save_draft(
        demo_db, rep.id, full.id, {"caller_name": "Ana", "duration": "a year"}, full.version, now + timedelta(minutes=1)
    )
    crisis = intakes.start(demo_db, rep.id, now)
    intakes.mark_crisis(demo_db, rep.id, crisis.id, "suicidal", now)
    one_field = intakes.start(demo_db, rep.id, now + timedelta(minutes=2))
    intakes.save_draft(
        demo_db, rep.id, one_field.id, {"caller_name": "Bo"}, one_field.version, now + timedelta(minutes=2)
    )
    assert [draft.id for draft in intakes.open_drafts(demo_db, rep.id)] == [crisis.id, full.id, one_field.id, empty.id]


def test_a_draft_left_with_nothing_typed_is_not_kept(demo_db, rep, call_id, now):
    untouched = intakes.start(demo_db, rep.id, now)
    typed = intakes.start(demo_db, rep.id, now)
    intakes.save_draft(demo_db, rep.id, typed.id, {"caller_name": "Ana"}, typed.version, now)
    assert intakes.discard_if_untouched(demo_db, rep.id, untouched.id, now) is True
    assert intakes.discard_if_untouched(demo_db, rep.id, typed.id, now) is False
    on_a_call = intakes.start(demo_db, rep.id, now, call_id=call_id)
    assert intakes.discard_if_untouched(demo_db, rep.id, on_a_call.id, now) is False  # the call panel reopens it
    assert [draft.id for draft in intakes.open_drafts(demo_db, rep.id)] == [typed.id, on_a_call.id]
