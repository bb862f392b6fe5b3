"""Who may do what. The store checks these on every operation; the UI only mirrors them."""

from __future__ import annotations

from enum import StrEnum

from callcenter.domain.errors import PermissionDenied
from callcenter.domain.model import Role


class Permission(StrEnum):
    TAKE_CALLS = "take calls"
    WORK_INTAKES = "work intakes"
    CHANGE_OWN_STATE = "change your own state"
    CHANGE_ANY_AGENT_STATE = "change another agent's state"
    SUPERVISE = "open supervisor operations"
    READ_AUDIT = "read the audit trail"
    RETURN_CONSULTS = "return consult calls"
    MANAGE_AGENTS = "manage agents' accounts"
    OPEN_RECORDS = "open a child's full record"
    WORK_CASELOAD = "work a caseload of families"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.REP: frozenset(
        {Permission.TAKE_CALLS, Permission.WORK_INTAKES, Permission.CHANGE_OWN_STATE, Permission.OPEN_RECORDS}
    ),
    Role.SUPERVISOR: frozenset(Permission) - {Permission.RETURN_CONSULTS, Permission.WORK_CASELOAD},
    Role.PSYCHIATRIST: frozenset({Permission.CHANGE_OWN_STATE, Permission.RETURN_CONSULTS, Permission.OPEN_RECORDS}),
    Role.CASE_MANAGER: frozenset({Permission.CHANGE_OWN_STATE, Permission.WORK_CASELOAD, Permission.OPEN_RECORDS}),
    Role.PEER_SPECIALIST: frozenset({Permission.CHANGE_OWN_STATE, Permission.WORK_CASELOAD, Permission.OPEN_RECORDS}),
}


def can(role: Role | str, permission: Permission) -> bool:
    return permission in GRANTS.get(Role(role), frozenset())


def require(role: Role | str, permission: Permission) -> None:
    if not can(role, permission):
        raise PermissionDenied(f"A {Role(role).value} cannot {permission.value}.")


def roles_with(permission: Permission) -> frozenset[Role]:
    return frozenset(role for role, granted in GRANTS.items() if permission in granted)
