"""The audit trail's hash chain: what makes a changed, deleted or slipped-in entry show.

Each entry, once committed, is sealed: its digest is the SHA-256 of the digest before it, the
entry's content and the moment the database sealed it. Changing an entry (or a seal) breaks its
digest and every one after; deleting an entry leaves a seal without its entry; an entry written
in behind the sealed ones (an id below the last sealed) has no seal in order. Deleting the newest
entries together with their seals shortens the chain: a head recorded earlier (`audit verify
--head FILE`) catches that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

GENESIS = "0" * 64  # the digest before the first entry


@dataclass(frozen=True, slots=True)
class SealedEntry:
    """An audit entry's content as stored: every column, nothing left out of the digest."""

    id: int
    at: datetime
    agent_id: int | None
    action: str
    entity: str
    entity_id: int | None
    screen: str | None
    detail: str | None
    child_id: int | None


@dataclass(frozen=True, slots=True)
class Seal:
    seq: int
    entry_id: int
    digest: str
    sealed_at: datetime


@dataclass(frozen=True, slots=True)
class Head:
    """Where the chain ended when it was last checked."""

    seq: int
    digest: str

    def text(self) -> str:
        return f"{self.seq} {self.digest}\n"

    @staticmethod
    def parse(text: str) -> Head | None:
        parts = text.split()
        if len(parts) != 2 or not parts[0].isdigit() or len(parts[1]) != 64:
            return None
        return Head(int(parts[0]), parts[1].lower())


@dataclass
class ChainReport:
    sealed: int = 0
    head: Head | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def digest(previous: str, entry: SealedEntry, sealed_at: datetime) -> str:
    content = json.dumps(
        [
            entry.id,
            _moment(entry.at),
            entry.agent_id,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.screen,
            entry.detail,
            entry.child_id,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    text = f"{previous}\n{content}\n{_moment(sealed_at)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_chain(
    seals: Iterable[Seal],
    entries: Mapping[int, SealedEntry],
    unsealed_ids: Iterable[int],
    recorded_head: Head | None = None,
    limit: int = 20,
) -> ChainReport:
    """Walk the seals in order against the entries as they are now.

    `entries`: the sealed entries still present, by id; `unsealed_ids`: entries with no seal yet.
    Problems are listed in chain order, the first one first, at most `limit` of them."""
    report = ChainReport()
    previous = GENESIS
    expected_seq = 1
    last_entry_id = 0
    head_seen = recorded_head is None
    for seal in seals:
        if len(report.problems) >= limit:
            break
        if seal.seq != expected_seq:
            report.problems.append(f"seal {expected_seq} is missing (the chain jumps to seal {seal.seq})")
        expected_seq = seal.seq + 1
        entry = entries.get(seal.entry_id)
        if entry is None:
            report.problems.append(f"entry #{seal.entry_id} was deleted (seal {seal.seq})")
        elif digest(previous, entry, seal.sealed_at) != seal.digest:
            report.problems.append(f"entry #{seal.entry_id} was changed, or its seal was (seal {seal.seq})")
        previous = seal.digest
        last_entry_id = max(last_entry_id, seal.entry_id)
        report.sealed += 1
        report.head = Head(seal.seq, seal.digest)
        if recorded_head is not None and seal.seq == recorded_head.seq:
            head_seen = True
            if seal.digest != recorded_head.digest:
                report.problems.append(f"seal {seal.seq} is not the one recorded as the head: the chain was rewritten")
    for entry_id in sorted(unsealed_ids):
        if entry_id < last_entry_id and len(report.problems) < limit:
            report.problems.append(f"entry #{entry_id} was inserted out of order (below sealed entry #{last_entry_id})")
    if not head_seen and recorded_head is not None:
        ends = report.head.seq if report.head else 0
        report.problems.append(
            f"the chain ends at seal {ends} but reached seal {recorded_head.seq} before: "
            "its newest entries were deleted"
        )
    return report
