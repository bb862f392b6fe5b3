"""The HSDS tables as the database holds them: each domain spec with the model that stores it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from callcenter.domain import hsds as rules
from callcenter.store.models import (
    HsdsAddress,
    HsdsAttribute,
    HsdsLanguage,
    HsdsLocation,
    HsdsOrganization,
    HsdsPhone,
    HsdsSchedule,
    HsdsService,
    HsdsServiceAtLocation,
    HsdsTaxonomy,
    HsdsTaxonomyTerm,
)

CHUNK = 500  # ids per IN (...) list

MODELS: dict[str, Any] = {
    "organization": HsdsOrganization,
    "service": HsdsService,
    "location": HsdsLocation,
    "address": HsdsAddress,
    "service_at_location": HsdsServiceAtLocation,
    "phone": HsdsPhone,
    "schedule": HsdsSchedule,
    "language": HsdsLanguage,
    "taxonomy": HsdsTaxonomy,
    "taxonomy_term": HsdsTaxonomyTerm,
    "attribute": HsdsAttribute,
}


@dataclass(frozen=True)
class Table:
    """One HSDS table: the domain's spec of its fields and the model that stores its rows."""

    spec: rules.Spec
    model: Any

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def file(self) -> str:
        return self.spec.file

    @property
    def refs(self) -> tuple[tuple[str, str], ...]:
        return self.spec.refs

    @property
    def columns(self) -> tuple[str, ...]:
        return self.spec.columns

    @property
    def table(self):
        return self.model.__table__


SPECS: tuple[Table, ...] = tuple(Table(spec, MODELS[spec.name]) for spec in rules.SPECS)
SPEC = {spec.name: spec for spec in SPECS}


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
