"""Writes to the append-only audit trail, inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from callcenter.store.models import AuditEntry


def record(
    session: Session,
    *,
    at: datetime,
    agent_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
    screen: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            agent_id=agent_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            screen=screen,
            detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
        )
    )
