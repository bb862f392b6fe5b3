"""Tables for the whole access-line domain.

Enumerated values are stored as short strings (the ``domain.model`` enums' values) so both
engines hold the same thing and a migration never has to alter a database enum type.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from callcenter.store.types import UTCDateTime


def _when(index: bool = False, nullable: bool = True):
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable)


class Agent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True, index=True)
    display_name: str = Field(max_length=80)
    role: str = Field(max_length=20)
    state: str = Field(default="offline", max_length=20)
    state_since: datetime | None = _when()
    seen_at: datetime | None = _when()  # when its console last reported (domain/agent_states: presence)
    # Which console the agent is signed in on: a sign-in elsewhere takes over, and the console it
    # took over from neither reports the agent present nor signs them out (store/agents.sign_out).
    console_token: str | None = Field(default=None, max_length=32)
    active: bool = Field(default=True)
    password_hash: str | None = Field(default=None, max_length=255)
    failed_logins: int = Field(default=0)
    created_at: datetime | None = _when()
    version: int = Field(default=1)
    away_reason: str | None = Field(default=None, max_length=20)  # while away: break, training, ...


class AgentStateChange(SQLModel, table=True):
    """Every change of an agent's state, written by the database itself (migration 0022's triggers)
    whatever code path changed it: the reports' time in each state reads these."""

    __tablename__ = "agentstatelog"
    __table_args__ = (Index("ix_agentstatelog_agent_at", "agent_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id")
    at: datetime | None = _when(nullable=False)
    state: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=20)


class Line(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True)
    name: str = Field(max_length=80)
    phone_number: str | None = Field(default=None, max_length=20)
    channel: str = Field(max_length=10)
    time_zone: str = Field(default="America/New_York", max_length=40)
    service_level_seconds: int = Field(default=20)
    service_level_target: float = Field(default=0.8)
    short_abandon_seconds: int = Field(default=5)
    sort_order: int = Field(default=0)


class Call(SQLModel, table=True):
    __table_args__ = (
        # The claim query: waiting calls of a line, best priority then oldest first.
        Index("ix_call_queue", "state", "line_id", "priority", "arrived_at"),
        # The partial indexes of waiting calls (migration 0011) are declared by declare_partial_indexes.
        Index("ix_call_caller_number", "caller_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    line_id: int = Field(foreign_key="line.id")
    caller_number: str | None = Field(default=None, max_length=32)
    caller_name: str | None = Field(default=None, max_length=120)
    channel: str = Field(max_length=10)
    state: str = Field(default="waiting", max_length=20)
    priority: int = Field(default=0)
    # Indexed for the supervisor's monitor: today's arrivals, and calls ended in the last hour.
    arrived_at: datetime | None = _when(index=True, nullable=False)
    answered_at: datetime | None = _when()
    ended_at: datetime | None = _when(index=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    disposition: str | None = Field(default=None, max_length=40)
    notes: str | None = Field(default=None, sa_column=Column(Text))
    version: int = Field(default=1)
    relay: bool = Field(default=False)  # TTY calls through a relay service


class Guardian(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    relationship: str | None = Field(default=None, max_length=40)
    phone_number: str | None = Field(default=None, max_length=32, index=True)
    husky_insured: bool | None = Field(default=None)
    created_at: datetime | None = _when()
    updated_at: datetime | None = _when()
    version: int = Field(default=1)


class Child(SQLModel, table=True):
    __table_args__ = (Index("ix_child_name_dob", "last_name", "first_name", "date_of_birth"),)

    id: int | None = Field(default=None, primary_key=True)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    date_of_birth: date | None = Field(default=None)
    sex: str | None = Field(default=None, max_length=20)
    town: str | None = Field(default=None, max_length=80)
    zip_code: str | None = Field(default=None, max_length=10)
    language: str | None = Field(default=None, max_length=40)
    medicaid_number: str | None = Field(default=None, max_length=20, index=True)
    insurance: str | None = Field(default=None, max_length=20)
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    created_at: datetime | None = _when()
    updated_at: datetime | None = _when()
    version: int = Field(default=1)


class Intake(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    call_id: int | None = Field(default=None, foreign_key="call.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    child_id: int | None = Field(default=None, foreign_key="child.id", index=True)
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    agent_id: int = Field(foreign_key="agent.id", index=True)
    status: str = Field(default="draft", max_length=20)
    caller_type: str | None = Field(default=None, max_length=20)
    urgency: str | None = Field(default=None, max_length=20)
    crisis_at: datetime | None = _when()
    crisis_reason: str | None = Field(default=None, max_length=40)
    access_deadline: datetime | None = _when()
    caller_name: str | None = Field(default=None, max_length=120)
    callback_number: str | None = Field(default=None, max_length=32)
    symptoms: str | None = Field(default=None, sa_column=Column(Text))
    diagnosis: str | None = Field(default=None, max_length=200)
    duration: str | None = Field(default=None, max_length=120)
    needs: str | None = Field(default=None, max_length=200)
    not_managed: bool | None = Field(default=None)
    early_intervention_offered: bool | None = Field(default=None)
    parent_services_offered: bool | None = Field(default=None)
    consult_question_type: str | None = Field(default=None, max_length=40)
    # The draft as the rep typed it, field by field (JSON): what a killed terminal must not lose.
    draft: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime | None = _when()
    updated_at: datetime | None = _when()
    submitted_at: datetime | None = _when()
    version: int = Field(default=1)


class Provider(SQLModel, table=True):
    # Migration 0010: lookups read pages in order (name) and rings around a place from these alone.
    __table_args__ = (
        Index(
            "ix_provider_place",
            "latitude",
            "longitude",
            "active",
            "accepts_husky",
            "is_ecc",
            "wait_days",
            "min_age_months",
            "max_age_months",
            "open_days",
            "opens_minute",
            "closes_minute",
            "name",
        ),
        Index("ix_provider_name_id", "name", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hsds_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    organization: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text))
    service_types: str = Field(default="", max_length=400)
    specialties: str = Field(default="", max_length=400)
    # Names of the other taxonomy terms on the service (e.g. a 211 taxonomy's), searched like the rest.
    taxonomy: str = Field(default="", max_length=400, sa_column_kwargs={"server_default": ""})
    languages: str = Field(default="", max_length=200)
    address: str | None = Field(default=None, max_length=200)
    town: str | None = Field(default=None, max_length=80, index=True)
    zip_code: str | None = Field(default=None, max_length=10, index=True)
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    phone_number: str | None = Field(default=None, max_length=32)
    accepts_husky: bool = Field(default=True)
    is_ecc: bool = Field(default=False)
    min_age_months: int = Field(default=0)
    max_age_months: int = Field(default=21 * 12)
    wait_days: int | None = Field(default=None)
    hours: str | None = Field(default=None, max_length=200)
    # Opening hours in searchable form: weekdays as a bitmask (Monday = 1, Sunday = 64) and
    # minutes after midnight in the line's time zone, so "open now" is a filter in SQL.
    open_days: int = Field(default=0)
    opens_minute: int | None = Field(default=None)
    closes_minute: int | None = Field(default=None)
    active: bool = Field(default=True)
    updated_at: datetime | None = _when()


class ReferralProvider(SQLModel, table=True):
    """A provider attached to an intake's referral, with what came of it (offered, scheduled, declined)."""

    __tablename__ = "referral_provider"
    __table_args__ = (UniqueConstraint("intake_id", "provider_id", name="uq_referral_provider"),)

    id: int | None = Field(default=None, primary_key=True)
    intake_id: int = Field(foreign_key="intake.id", index=True)
    provider_id: int = Field(foreign_key="provider.id")
    outcome: str = Field(max_length=20)
    appointment_at: datetime | None = _when()
    note: str | None = Field(default=None, max_length=400)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    recorded_at: datetime | None = _when(nullable=False)
    version: int = Field(default=1)


class Contact(SQLModel, table=True):
    """One entry of the contact log, for every channel."""

    # The log screen filters by channel over a date range, and finds follow-ups by their contact.
    __table_args__ = (
        Index("ix_contact_channel_at", "channel", "at"),
        Index("ix_contact_answers_task_id", "answers_task_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = _when(index=True, nullable=False)
    direction: str = Field(max_length=10)
    channel: str = Field(max_length=10)
    line_id: int | None = Field(default=None, foreign_key="line.id")
    other_party: str | None = Field(default=None, max_length=120)
    other_number: str | None = Field(default=None, max_length=32, index=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    call_id: int | None = Field(default=None, foreign_key="call.id")
    child_id: int | None = Field(default=None, foreign_key="child.id", index=True)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    outcome: str | None = Field(default=None, max_length=40)
    # The national digits of other_number, so "5550199" or "860.555.0199" finds it.
    number_digits: str | None = Field(default=None, max_length=20, index=True)
    pages: int | None = Field(default=None)
    document_type: str | None = Field(default=None, max_length=20)
    relay: bool = Field(default=False)
    transcript: str | None = Field(default=None, sa_column=Column(Text))
    next_step: str | None = Field(default=None, max_length=300)
    # These three point back at tables that already point at contact: use_alter tells SQLAlchemy
    # where the cycle breaks, so it can still order the tables.
    intake_id: int | None = Field(default=None, sa_column_args=[ForeignKey("intake.id", use_alter=True)])
    consult_id: int | None = Field(default=None, sa_column_args=[ForeignKey("consultrequest.id", use_alter=True)])
    # For an outbound contact: the follow-up it answered.
    # Tables and columns keep the names they were created with ("task" is the promise table).
    answers_promise_id: int | None = Field(
        default=None, sa_column=Column("answers_task_id", Integer, ForeignKey("task.id", use_alter=True))
    )
    state: str = Field(default="done", max_length=10)  # "open" while a TTY session runs
    ended_at: datetime | None = _when()
    version: int = Field(default=1)


class ConsultRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    call_id: int | None = Field(default=None, foreign_key="call.id")
    intake_id: int | None = Field(default=None, foreign_key="intake.id")
    child_id: int | None = Field(default=None, foreign_key="child.id")
    pcp_name: str = Field(max_length=120)
    practice: str | None = Field(default=None, max_length=120)
    callback_number: str = Field(max_length=32)
    npi: str | None = Field(default=None, max_length=10)
    question_type: str = Field(max_length=40)
    question: str = Field(default="", sa_column=Column(Text, nullable=False))
    urgency: str = Field(default="routine", max_length=20)
    danger_now: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    received_at: datetime | None = _when(nullable=False)
    psychiatrist_id: int | None = Field(default=None, foreign_key="agent.id")
    returned_at: datetime | None = _when()
    minutes_spent: int | None = Field(default=None)
    written_report: bool | None = Field(default=None)
    child_name: str | None = Field(default=None, max_length=160)  # minimal identifiers, no child record
    child_dob: date | None = Field(default=None)
    state: str = Field(default="open", max_length=20)
    version: int = Field(default=1)


class Handoff(SQLModel, table=True):
    """A family handed to the care team: a case manager or a peer specialist works it until closed."""

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(foreign_key="child.id", index=True)
    intake_id: int | None = Field(default=None, foreign_key="intake.id")
    team: str = Field(max_length=20)
    reason: str = Field(max_length=300)
    created_by: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime | None = _when(nullable=False)
    assigned_to: int | None = Field(default=None, foreign_key="agent.id", index=True)  # None: unassigned
    engagement: str = Field(default="not_reached", max_length=20)
    last_contact_at: datetime | None = _when()
    closed_at: datetime | None = _when()
    close_reason: str | None = Field(default=None, max_length=300)
    version: int = Field(default=1)
    # The case notes are typed and saved as they go: their own version, so a note being saved never
    # conflicts with a contact being logged on the same case.
    notes: str | None = Field(default=None, sa_column=Column(Text))
    notes_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class HandoffPlanItem(SQLModel, table=True):
    """A dated step in a case's plan: "first appointment Wed 12/9 15:30 at …"."""

    id: int | None = Field(default=None, primary_key=True)
    handoff_id: int = Field(foreign_key="handoff.id", index=True)
    due_at: datetime | None = _when(nullable=False)
    what: str = Field(max_length=200)
    created_by: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime | None = _when(nullable=False)
    done_at: datetime | None = _when()


class Alert(SQLModel, table=True):
    """A condition the supervisors were alerted to: raised once, cleared when it stops holding."""

    # At most one open alert per condition, whichever supervisor's console saw it first: a partial
    # unique index (migration 0021; declared for comparison in declare_partial_indexes).

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60)
    what: str = Field(max_length=300)
    line_code: str | None = Field(default=None, max_length=10)
    raised_at: datetime | None = _when(nullable=False, index=True)
    cleared_at: datetime | None = _when()
    acknowledged_by: int | None = Field(default=None, foreign_key="agent.id")
    acknowledged_at: datetime | None = _when()


class WebRequestCount(SQLModel, table=True):
    """Requests one public-site client made in one window, shared by every web process: a rate
    limit holds however many processes serve the site. The client is a hash, never an address."""

    bucket: str = Field(primary_key=True, max_length=20)
    client: str = Field(primary_key=True, max_length=64)
    window_start: int = Field(primary_key=True, index=True)
    count: int = Field(default=0)


class WebReferral(SQLModel, table=True):
    """A child referred on the public site (Referral Connect). The site may only insert it: the
    database itself (migration 0024's triggers) puts the waiting entry on the web line, the
    "a representative will call you by" promise and the audit rows beside it."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True)
    created_at: datetime | None = _when(nullable=False)
    due_at: datetime | None = _when(nullable=False)
    priority: int = Field(default=0)
    language: str = Field(default="en", max_length=2)  # the site's language the referrer used
    phone: str = Field(max_length=32)  # E.164: the waiting entry's number
    phone_last4: str = Field(max_length=4)
    answers: str = Field(sa_column=Column(Text, nullable=False))  # the form's answers (JSON)
    note: str = Field(sa_column=Column(Text, nullable=False))  # what the rep reads first, on the entry
    client_address: str | None = Field(default=None, max_length=64)
    status: str = Field(default="received", max_length=20)  # received, working, linked
    call_id: int | None = Field(default=None, foreign_key="call.id", index=True)
    promise_id: int | None = Field(default=None, foreign_key="task.id")


class WebReferralDraft(SQLModel, table=True):
    """A referral being filled in, kept on the server between steps. The browser holds only a
    random token; the row is found by the token's hash."""

    token_hash: str = Field(primary_key=True, max_length=64)
    answers: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: datetime | None = _when(nullable=False, index=True)


class Promise(SQLModel, table=True):
    """A promise with a deadline: consult callback, linkage check, callback, fax/TTY follow-up."""

    __tablename__ = "task"  # its name from before the code said "promise"; tables are not renamed

    __table_args__ = (Index("ix_task_open_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    title: str = Field(max_length=200)
    owner_agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    state: str = Field(default="open", max_length=20)
    due_at: datetime | None = _when(nullable=False)
    original_due_at: datetime | None = _when(nullable=False)
    created_at: datetime | None = _when()
    closed_at: datetime | None = _when()
    call_id: int | None = Field(default=None, foreign_key="call.id")
    intake_id: int | None = Field(default=None, foreign_key="intake.id")
    child_id: int | None = Field(default=None, foreign_key="child.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    consult_id: int | None = Field(default=None, foreign_key="consultrequest.id")
    handoff_id: int | None = Field(default=None, foreign_key="handoff.id")
    booking_ref: str | None = Field(default=None, max_length=40)  # a ride's or an interpreter's booking
    notes: str | None = Field(default=None, sa_column=Column(Text))
    # Escalation: flagged for supervisors when due soon with no attempt; a breach is never cleared.
    escalated_at: datetime | None = _when()
    breached_at: datetime | None = _when()
    late_minutes: int | None = Field(default=None)
    reschedule_reason: str | None = Field(default=None, max_length=300)
    version: int = Field(default=1)


class PromiseAttempt(SQLModel, table=True):
    __tablename__ = "taskattempt"

    id: int | None = Field(default=None, primary_key=True)
    promise_id: int = Field(sa_column=Column("task_id", Integer, ForeignKey("task.id"), index=True, nullable=False))
    at: datetime | None = _when(nullable=False)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    outcome: str = Field(max_length=20)
    notes: str | None = Field(default=None, sa_column=Column(Text))


class AuditEntry(SQLModel, table=True):
    """Append-only: who did what to which record, and when."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = _when(index=True, nullable=False)
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: int | None = Field(default=None)
    screen: str | None = Field(default=None, max_length=40)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    # The child the entry concerns, when there is one. No foreign key: the trail outlives records.
    child_id: int | None = Field(default=None, index=True)


class AuditSeal(SQLModel, table=True):
    """The audit trail's hash chain (domain/audit_chain): append-only like the trail itself."""

    __tablename__ = "audit_seal"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})  # numbered by the sealer
    # No foreign key: a deleted entry must still show, as a seal without its entry.
    entry_id: int = Field(unique=True)
    digest: str = Field(max_length=64)
    sealed_at: datetime | None = _when(nullable=False)  # the database's clock, not a console's


# --- The resource directory in Open Referral HSDS 3.0 form -----------------------------------
# Primary keys are the HSDS ids (UUID-like strings) so a package re-imported updates in place.
# The `provider` table above stays the denormalised search row: one per service_at_location.


def _hsds_id():
    return Field(primary_key=True, max_length=64)


def _hsds_ref(target: str, nullable: bool = True):
    return Field(default=None, foreign_key=target, index=True, max_length=64, nullable=nullable)


def _hsds_text():
    return Field(default=None, sa_column=Column(Text))


class HsdsOrganization(SQLModel, table=True):
    __tablename__ = "hsds_organization"

    id: str = _hsds_id()
    name: str = Field(max_length=200)
    alternate_name: str | None = Field(default=None, max_length=200)
    description: str | None = _hsds_text()
    email: str | None = Field(default=None, max_length=200)
    website: str | None = Field(default=None, max_length=400)


class HsdsService(SQLModel, table=True):
    __tablename__ = "hsds_service"
    __table_args__ = (Index("ix_hsds_service_last_modified", "last_modified", "id"),)

    id: str = _hsds_id()
    organization_id: str = _hsds_ref("hsds_organization.id", nullable=False)
    name: str = Field(max_length=200)
    alternate_name: str | None = Field(default=None, max_length=200)
    description: str | None = _hsds_text()
    url: str | None = Field(default=None, max_length=400)
    email: str | None = Field(default=None, max_length=200)
    status: str = Field(default="active", max_length=20)
    application_process: str | None = _hsds_text()
    fees_description: str | None = _hsds_text()
    wait_time: str | None = Field(default=None, max_length=200)
    fees: str | None = _hsds_text()
    eligibility_description: str | None = _hsds_text()
    minimum_age: float | None = Field(default=None)  # years, as HSDS has it
    maximum_age: float | None = Field(default=None)
    # Not an HSDS column a package carries: the moment this service or anything about it last
    # changed here, stamped by every import (the API's modified_after and last_modified).
    last_modified: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class HsdsLocation(SQLModel, table=True):
    __tablename__ = "hsds_location"

    id: str = _hsds_id()
    location_type: str = Field(default="physical", max_length=20)
    organization_id: str | None = _hsds_ref("hsds_organization.id")
    name: str | None = Field(default=None, max_length=200)
    alternate_name: str | None = Field(default=None, max_length=200)
    description: str | None = _hsds_text()
    url: str | None = Field(default=None, max_length=400)
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)


class HsdsAddress(SQLModel, table=True):
    __tablename__ = "hsds_address"

    id: str = _hsds_id()
    location_id: str = _hsds_ref("hsds_location.id", nullable=False)
    attention: str | None = Field(default=None, max_length=200)
    address_1: str | None = Field(default=None, max_length=200)
    address_2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=80)
    region: str | None = Field(default=None, max_length=80)
    state_province: str | None = Field(default=None, max_length=40)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=40)
    address_type: str = Field(default="physical", max_length=20)


class HsdsServiceAtLocation(SQLModel, table=True):
    __tablename__ = "hsds_service_at_location"

    id: str = _hsds_id()
    service_id: str = _hsds_ref("hsds_service.id", nullable=False)
    location_id: str = _hsds_ref("hsds_location.id", nullable=False)
    description: str | None = _hsds_text()


class HsdsPhone(SQLModel, table=True):
    __tablename__ = "hsds_phone"

    id: str = _hsds_id()
    location_id: str | None = _hsds_ref("hsds_location.id")
    service_id: str | None = _hsds_ref("hsds_service.id")
    organization_id: str | None = _hsds_ref("hsds_organization.id")
    service_at_location_id: str | None = _hsds_ref("hsds_service_at_location.id")
    number: str = Field(max_length=32)  # E.164
    extension: str | None = Field(default=None, max_length=20)
    type: str | None = Field(default=None, max_length=20)
    description: str | None = _hsds_text()


class HsdsSchedule(SQLModel, table=True):
    __tablename__ = "hsds_schedule"

    id: str = _hsds_id()
    service_id: str | None = _hsds_ref("hsds_service.id")
    location_id: str | None = _hsds_ref("hsds_location.id")
    service_at_location_id: str | None = _hsds_ref("hsds_service_at_location.id")
    freq: str | None = Field(default=None, max_length=10)
    interval: int | None = Field(default=None)
    byday: str | None = Field(default=None, max_length=100)
    opens_at: str | None = Field(default=None, max_length=16)
    closes_at: str | None = Field(default=None, max_length=16)
    description: str | None = _hsds_text()


class HsdsLanguage(SQLModel, table=True):
    __tablename__ = "hsds_language"

    id: str = _hsds_id()
    service_id: str | None = _hsds_ref("hsds_service.id")
    location_id: str | None = _hsds_ref("hsds_location.id")
    name: str | None = Field(default=None, max_length=80)
    code: str | None = Field(default=None, max_length=20)
    note: str | None = _hsds_text()


class HsdsTaxonomy(SQLModel, table=True):
    """A published classification (e.g. the 211 LA taxonomy) whose terms a package uses."""

    __tablename__ = "hsds_taxonomy"

    id: str = _hsds_id()
    name: str = Field(max_length=200)
    description: str | None = _hsds_text()
    uri: str | None = Field(default=None, max_length=400)
    version: str | None = Field(default=None, max_length=40)


class HsdsTaxonomyTerm(SQLModel, table=True):
    """One term of a taxonomy; attributes point at terms to classify services and locations."""

    __tablename__ = "hsds_taxonomy_term"

    id: str = Field(primary_key=True, max_length=100)  # attribute.taxonomy_term_id holds up to 100
    code: str | None = Field(default=None, max_length=100)
    name: str = Field(max_length=200)
    description: str | None = _hsds_text()
    parent_id: str | None = Field(default=None, max_length=100)
    taxonomy: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=20)
    taxonomy_id: str | None = _hsds_ref("hsds_taxonomy.id")
    term_uri: str | None = Field(default=None, max_length=400)


class HsdsAttribute(SQLModel, table=True):
    """A taxonomy term (or key) and value on any record; our line-specific extras live here."""

    __tablename__ = "hsds_attribute"

    id: str = _hsds_id()
    link_id: str = Field(max_length=64, index=True)
    link_type: str | None = Field(default=None, max_length=40)
    link_entity: str = Field(max_length=40)
    taxonomy_term_id: str = Field(max_length=100, index=True)
    label: str | None = Field(default=None, max_length=200)
    value: str | None = _hsds_text()


def declare_partial_indexes() -> None:
    """Add migration 0011's indexes of waiting calls, in claim order, and migration 0021's one open
    alert per condition, to the metadata alembic compares.

    They are partial (WHERE state = 'waiting'), which SQLAlchemy spells once per dialect; naming
    PostgreSQL's dialect in a table definition loads it on every start, SQLite ones too (about 50 ms
    of a console's start-up), so only the migration environment declares them.
    """
    table = Call.__table__
    if "ix_call_waiting_order" in {index.name for index in table.indexes}:
        return
    waiting = text("state = 'waiting'")
    Index(
        "ix_call_waiting_order",
        table.c.priority.desc(),
        table.c.arrived_at,
        table.c.id,
        postgresql_where=waiting,
        sqlite_where=waiting,
    )
    still_open = text("cleared_at IS NULL")
    Index(
        "ux_alert_open_key",
        Alert.__table__.c.key,
        unique=True,
        postgresql_where=still_open,
        sqlite_where=still_open,
    )
    Index(
        "ix_call_waiting_line_order",
        table.c.line_id,
        table.c.priority.desc(),
        table.c.arrived_at,
        table.c.id,
        postgresql_where=waiting,
        sqlite_where=waiting,
    )
    still_open = text("cleared_at IS NULL")
    Index(
        "ux_alert_open_key",
        Alert.__table__.c.key,
        unique=True,
        postgresql_where=still_open,
        sqlite_where=still_open,
    )


class DirectoryFollow(SQLModel, table=True):
    """Another directory this one follows through its HSDS API (`callcenter directory follow`):
    how far its changes were taken, and where a run that stopped half-way resumes."""

    source: str = Field(primary_key=True, max_length=400)  # the API's base URL
    taken_through: str | None = Field(default=None, max_length=40)  # upstream last_modified, as it wrote it
    run_since: str | None = Field(default=None, max_length=40)  # an unfinished run: its modified_after
    run_next_page: int | None = Field(default=None)  # ... the page it resumes from
    run_high_water: str | None = Field(default=None, max_length=40)  # ... the newest change it has taken
    run_started_at: datetime | None = _when()
    last_run_at: datetime | None = _when()
    last_listing_at: datetime | None = _when()  # the last full listing of ids (deletions)


class DirectoryFollowedService(SQLModel, table=True):
    """A service taken from a followed directory; gone_since: when its listing stopped naming it."""

    source: str = Field(primary_key=True, max_length=400)
    service_id: str = Field(primary_key=True, max_length=64, index=True)
    upstream_modified: str | None = Field(default=None, max_length=40)  # its last_modified as taken
    gone_since: datetime | None = _when()


class ChangeStamp(SQLModel, table=True):
    """A number the database raises whenever something of its topic changes (migration 0026's
    triggers): a console reads it each second and reads the rest only when it moved."""

    topic: str = Field(primary_key=True, max_length=20)
    version: int = Field(sa_column=Column(BigInteger, nullable=False))


class SharedFigures(SQLModel, table=True):
    """Figures every console that shows them would compute alike (the monitor's): one console
    computes them while the others read them (store/shared)."""

    name: str = Field(primary_key=True, max_length=80)  # what they are, and the shape of their fields
    # Seconds since 1970 by the database's clock, the one every console shares.
    computed_epoch: float | None = Field(default=None)  # as of then
    computing_until: float | None = Field(default=None)  # a console is computing them until then
    stamp: int | None = Field(default=None, sa_column=Column(BigInteger))  # the change stamp they were read at
    payload: str | None = Field(default=None, sa_column=Column(Text))
