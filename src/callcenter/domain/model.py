"""The vocabulary of the access line: roles, states, channels, dispositions."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(StrEnum):
    REP = "rep"
    SUPERVISOR = "supervisor"
    PSYCHIATRIST = "psychiatrist"
    CASE_MANAGER = "case_manager"
    PEER_SPECIALIST = "peer_specialist"


class AgentState(StrEnum):
    AVAILABLE = "available"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    AWAY = "away"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        return {"on_call": "on call", "wrap_up": "wrap-up"}.get(self.value, self.value)


class Channel(StrEnum):
    VOICE = "voice"
    TTY = "tty"
    FAX = "fax"
    WEB = "web"


class CallState(StrEnum):
    WAITING = "waiting"
    ON_CALL = "on_call"
    ENDED = "ended"
    ABANDONED = "abandoned"


class Priority(IntEnum):
    """Higher is served first; emergency callers jump every queue."""

    NORMAL = 0
    HIGH = 1
    EMERGENCY = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class Disposition(StrEnum):
    REFERRAL_GIVEN = "referral_given"
    INFORMATION_ONLY = "information_only"
    WRONG_NUMBER = "wrong_number"
    HANG_UP = "hang_up"
    TRANSFERRED = "transferred"
    CALLBACK_REQUESTED = "callback_requested"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class PromiseKind(StrEnum):
    CONSULT_CALLBACK = "consult_callback"
    LINKAGE_CHECK = "linkage_check"
    CALLBACK_REQUEST = "callback_request"
    FAX_FOLLOWUP = "fax_followup"
    TTY_FOLLOWUP = "tty_followup"
    FIRST_CONTACT = "first_contact"  # a case manager's or peer specialist's first reach to a family
    SCHEDULING_HELP = "scheduling_help"  # until an appointment is attached to the referral
    TRANSPORTATION = "transportation"  # confirm the ride, a business day before the appointment
    INTERPRETER = "interpreter"  # book the interpreter, a business day before the appointment
    ATTENDANCE_CHECK = "attendance_check"  # "did they get there?", the business day after it
    WEB_REFERRAL = "web_referral"  # "a representative will call you by …" (Referral Connect)


class PromiseState(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class IntakeStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ABANDONED = "abandoned"


class Urgency(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"


class Insurance(StrEnum):
    HUSKY_A = "husky_a"
    HUSKY_B = "husky_b"
    PRIVATE = "private"
    NONE = "none"
    UNKNOWN = "unknown"
