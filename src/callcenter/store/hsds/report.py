"""What an import reports: where each row came from, the rows refused and why, the counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from callcenter.domain.hsds import SPEC


@dataclass(frozen=True)
class Where:
    """Where a row came from: CSV file and physical line, or JSON file and item path."""

    file: str
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}"
        if self.path:
            return f"{self.file}:{self.path}"
        return self.file


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int | None
    path: str | None
    reason: str

    @property
    def where(self) -> Where:
        return Where(self.file, self.line, self.path)

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class TableCount:
    imported: int = 0  # new rows
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def good(self) -> int:
        return self.imported + self.updated + self.unchanged


@dataclass
class ImportReport:
    source: str
    counts: dict[str, TableCount] = field(default_factory=dict)  # per HSDS table, and "provider"
    bad_rows: list[BadRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files or resources this directory does not use
    seconds: float = 0.0

    @property
    def good_rows(self) -> int:
        return sum(count.good for name, count in self.counts.items() if name in SPEC)

    def lines(self) -> list[str]:
        out = []
        for name, count in self.counts.items():
            text = f"{name}: {count.imported} imported, {count.updated} updated, {count.unchanged} unchanged"
            if count.removed:
                text += f", {count.removed} removed"
            out.append(text)
        out += [f"skipped: {note}" for note in self.skipped]
        if self.bad_rows:
            out.append(f"{len(self.bad_rows)} bad row{'s' if len(self.bad_rows) != 1 else ''} not imported:")
            out += [str(bad) for bad in self.bad_rows]
        return out
