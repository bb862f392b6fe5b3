"""The directory as Open Referral HSDS 3.0 packages: import, export, and the provider rows.

A package is either
- a folder holding ``datapackage.json`` and one CSV per table (``organizations.csv``,
  ``services.csv``, ``locations.csv``, ``addresses.csv``, ``service_at_locations.csv``,
  ``phones.csv``, ``schedules.csv``, ``languages.csv``, ``taxonomies.csv``, ``taxonomy_terms.csv``,
  ``attributes.csv``), or
- one JSON file holding a list of HSDS ``service`` objects, each with its nested
  ``organization``, ``phones``, ``schedules``, ``languages``, ``attributes`` and
  ``service_at_locations`` (each with its ``location`` and that location's ``addresses``...); an
  attribute's nested ``taxonomy_term`` (with its ``taxonomy_detail``) is kept as a term. The file
  may hold one object or a list, and organization objects too (the HSDS ``organization_full``
  shape: ``phones``, ``locations`` and ``services`` nested in the organization, which links them).
  A record nested at several levels (the same phone under the organization, the service, the
  location and the service_at_location) is one record linked to each; copies that really differ
  are reported.

An HSDS 1.1 CSV package is read as well: ``physical_addresses.csv`` and ``regular_schedules.csv``
(one ``weekday`` a row, by its name) are the ``address`` and ``schedule`` tables, the languages'
``language`` column is their ``name`` (``callcenter.domain.hsds.from_hsds_1_1``).

Import checks every row, keeps the good ones and reports each bad one with its file, line (CSV:
the physical line, the header is line 1) or item path (JSON) and a reason a person can act on.
Rows are keyed on their HSDS ids, so importing the same or an updated package again updates in
place. For each table the package carries, it is the whole truth about the children of the
records it carries: a phone, schedule, language, address or attribute of an imported record that
the package no longer lists is removed. Records themselves (organizations, services, locations,
service_at_locations) are never deleted by an import: referrals may point at their providers.

The line's own facts travel as ``ct-access:*`` attributes (``callcenter.domain.hsds``). Other terms
(a 211 taxonomy's "Family Counseling") classify the service: their names go into the provider's
searchable ``taxonomy`` column, so a rep's words find a service by its category too.

After the HSDS rows are written, the ``provider`` search rows (one per service_at_location,
``provider.hsds_id`` = the service_at_location id) are derived again for every service_at_location
the package touched. The demo seed goes through the same code.

By phase: ``read`` (files to raw rows), ``check`` (rows against each other and the database; each
row on its own is checked in the domain), ``write`` (the import), ``providers``, ``export``.
"""

from callcenter.domain.hsds import (
    EXTRAS,
    TERM_ECC,
    TERM_HUSKY,
    TERM_SERVICE_TYPE,
    TERM_SPECIALTY,
    TERM_WAIT_DAYS,
    Extra,
)
from callcenter.store.hsds import check, export, providers, read, write
from callcenter.store.hsds.export import export_package
from callcenter.store.hsds.providers import Bundle, derive_providers
from callcenter.store.hsds.read import PackageError, check_package_path, package_from_json, read_package
from callcenter.store.hsds.report import BadRow, ImportReport, TableCount, Where
from callcenter.store.hsds.tables import SPEC, SPECS, Table
from callcenter.store.hsds.write import import_package, import_records, merge_package, stamp_services

__all__ = [
    "EXTRAS",
    "SPEC",
    "SPECS",
    "TERM_ECC",
    "TERM_HUSKY",
    "TERM_SERVICE_TYPE",
    "TERM_SPECIALTY",
    "TERM_WAIT_DAYS",
    "BadRow",
    "Bundle",
    "Extra",
    "ImportReport",
    "PackageError",
    "check_package_path",
    "Table",
    "TableCount",
    "Where",
    "check",
    "derive_providers",
    "export",
    "export_package",
    "import_package",
    "import_records",
    "merge_package",
    "package_from_json",
    "stamp_services",
    "providers",
    "read",
    "read_package",
    "write",
]
