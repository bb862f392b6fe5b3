"""Hand-offs to the care team: a family handed to a case manager or a peer specialist.

A ticked need on the intake (or a rep's decision) hands the family to one of two teams; the member
who has it owes the family a first contact by a deadline in business time, then works the case
until it is closed with a reason.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from callcenter.domain import validation as v
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import PromiseKind, Role
from callcenter.domain.referrals import parse_appointment


class Team(StrEnum):
    CASE_MANAGEMENT = "case_management"
    PEER_SUPPORT = "peer_support"

    @property
    def role(self) -> Role:
        return Role.CASE_MANAGER if self is Team.CASE_MANAGEMENT else Role.PEER_SPECIALIST

    @property
    def label(self) -> str:
        return "case management" if self is Team.CASE_MANAGEMENT else "peer support"

    @property
    def member(self) -> str:
        return "case manager" if self is Team.CASE_MANAGEMENT else "peer specialist"

    @classmethod
    def of(cls, role: Role | str) -> Team | None:
        """The team a role belongs to (None for reps, supervisors and psychiatrists)."""
        return next((team for team in cls if team.role == Role(role)), None)


# The intake's Needs ticks that hand the family to a team.
NEED_TEAMS = {"need_case_manager": Team.CASE_MANAGEMENT, "need_peer_specialist": Team.PEER_SUPPORT}


class Engagement(StrEnum):
    NOT_REACHED = "not_reached"
    ENGAGED = "engaged"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"not_reached": "not yet reached", "engaged": "engaged", "closed": "closed"}[self.value]


MAX_REASON = 300
MAX_NOTE = 2000
MAX_CASE_NOTES = 20_000
MAX_PLAN_STEP = 200


def teams_needed(fields: dict[str, str]) -> list[Team]:
    """The teams an intake's ticked needs hand the family to, in a fixed order."""
    return [team for need, team in NEED_TEAMS.items() if (fields.get(need) or "").strip().lower() in ("yes", "true")]


def check_reason(text: str, what: str = "reason") -> str:
    """Why a case is handed off or closed: required, one line, at most 300 characters."""
    reason = v.clean_text(text or "", MAX_REASON, what)
    if not reason:
        raise ValidationError(
            f"{what.capitalize()}: say why in a few words (e.g. family moved out of state; linked to "
            "an outpatient clinic).",
            what,
        )
    return reason


def check_note(text: str) -> str | None:
    """What happened at a contact with the family (optional, a few lines)."""
    return v.clean_text(text or "", MAX_NOTE, "note", multiline=True) or None


def check_case_notes(text: str) -> str:
    """The case's running notes, kept exactly as typed (line breaks and spacing are the writer's)."""
    return v.keep_as_typed(text, MAX_CASE_NOTES, "notes")


def check_plan_step(
    when_text: str, what_text: str, now: datetime, zone: ZoneInfo | None = None
) -> tuple[datetime, str]:
    """A dated step in the case's plan: what is to happen (one line) and when (ahead, local time)."""
    when = parse_appointment(
        when_text, now, zone, label="When", field="when", passed="a plan step is ahead: type when it will happen"
    )
    what = v.clean_text(what_text or "", MAX_PLAN_STEP, "what")
    if not what:
        raise ValidationError(
            "What: say what is to happen, e.g. first appointment at Bridgeport Child Guidance.", "what"
        )
    return when, what


def care_team_line(team: Team, engagement: Engagement, member: str | None, close_reason: str | None) -> str:
    """One line of a child's record: who on the care team has the family, and how it stands."""
    who = member or f"waiting for a {team.member}"
    line = f"{team.label.capitalize()}: {who} · {engagement.label}"
    return f"{line} ({close_reason})" if close_reason else line


def rep_needs(clean: dict[str, object], child: str) -> list[tuple[PromiseKind, str]]:
    """The ticked needs the rep keeps as promises, with what each needs in its title."""
    ticked = {key for key in ("need_scheduling", "need_transportation", "need_interpreter") if clean.get(key) == "yes"}
    town = clean.get("child_town") or "town not given"
    language = clean.get("child_language") or "the family's language"
    kept = []
    if "need_scheduling" in ticked:
        kept.append((PromiseKind.SCHEDULING_HELP, f"Help {child}'s family schedule the first appointment"))
    if "need_transportation" in ticked:
        kept.append(
            (PromiseKind.TRANSPORTATION, f"Ride for {child} (pick-up: {town}): book it, confirm the day before")
        )
    if "need_interpreter" in ticked:
        kept.append((PromiseKind.INTERPRETER, f"Book a {language} interpreter for {child}'s appointment"))
    return kept
