"""Open Referral HSDS packages in and out of the directory, on both engines."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from callcenter.domain.directory import LookupQuery
from callcenter.domain.model import Urgency
from callcenter.store import directory, hsds
from callcenter.store.models import HsdsAttribute, HsdsLanguage, HsdsService, Provider

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"
GOOD_CSV = FIXTURES / "good"
GOOD_JSON = FIXTURES / "good.json"
BROKEN_CSV = FIXTURES / "broken"
PROVIDER_FIELDS = [c for c in Provider.__table__.columns if c.name not in ("id", "updated_at")]


def uid(prefix: str, number: int) -> str:
    return f"{prefix}000000-0000-4000-8000-{number:012d}"


HARTFORD_CLINIC, WEST_HARTFORD_CLINIC, CRISIS, EARLY, IN_HOME, TEEN, QUIET_CORNER, CLOSED = (
    uid("e5", n) for n in range(1, 9)
)


def snapshot(db) -> dict[str, list[tuple]]:
    """Every HSDS row and every provider row (without its serial id and time stamp)."""
    with db.engine.connect() as conn:
        out = {
            spec.name: sorted((tuple(row) for row in conn.execute(select(spec.table))), key=repr) for spec in hsds.SPECS
        }
        out["provider"] = sorted((tuple(row) for row in conn.execute(select(*PROVIDER_FIELDS))), key=repr)
    return out


def providers(db) -> dict[str, Provider]:
    with db.read() as session:
        return {row.hsds_id: row for row in session.scalars(select(Provider))}


def count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_csv_import_writes_the_tables_and_one_provider_per_service_at_location(db, now):
    report = hsds.import_package(db, GOOD_CSV, now)
    assert report.bad_rows == []
    assert {name: c.imported for name, c in report.counts.items()} == {
        "organization": 3,
        "service": 7,
        "location": 5,
        "address": 5,
        "service_at_location": 8,
        "phone": 9,
        "schedule": 9,
        "language": 12,
        "taxonomy": 1,
        "taxonomy_term": 3,
        "attribute": 50,
        "provider": 8,
    }
    rows = providers(db)
    assert set(rows) == {HARTFORD_CLINIC, WEST_HARTFORD_CLINIC, CRISIS, EARLY, IN_HOME, TEEN, QUIET_CORNER, CLOSED}
    hartford, west = rows[HARTFORD_CLINIC], rows[WEST_HARTFORD_CLINIC]
    assert (hartford.name, hartford.organization) == (
        "Capitol Kids Outpatient Clinic",
        "Capitol Region Child & Family Services",
    )
    assert (hartford.town, hartford.zip_code, hartford.address) == ("Hartford", "06106", "210 Main Street")
    assert (hartford.latitude, hartford.longitude) == (41.7637, -72.6851)
    assert hartford.phone_number == "+18605550101" and west.phone_number == "+18605550102"
    assert hartford.service_types == "outpatient" and hartford.specialties == "ADHD;anxiety;depression"
    assert hartford.languages == "English;Spanish"
    assert hartford.accepts_husky and hartford.is_ecc
    assert (hartford.min_age_months, hartford.max_age_months) == (36, 216)
    # The West Hartford site has its own wait and hours; the service's wait applies in Hartford.
    assert (hartford.wait_days, west.wait_days) == (3, 12)
    assert (hartford.hours, hartford.open_days, hartford.opens_minute, hartford.closes_minute) == (
        "Mon-Fri 09:00-17:00",
        31,
        540,
        1020,
    )
    assert (west.hours, west.open_days, west.closes_minute) == ("Mon-Thu 09:00-20:00", 15, 1200)
    crisis = rows[CRISIS]
    assert (crisis.hours, crisis.open_days, crisis.opens_minute, crisis.closes_minute) == (
        "24 hours, 7 days",
        127,
        0,
        1440,
    )
    assert crisis.phone_number == "+18605550103"  # a service phone when the site has none
    assert rows[EARLY].phone_number == "+12035550104"  # the fax number is not the one to call
    assert rows[EARLY].address == "300 Chapel Street, Suite 2"
    assert rows[IN_HOME].phone_number == "+12035550105;ext=12"
    assert (rows[IN_HOME].open_days, rows[IN_HOME].opens_minute, rows[IN_HOME].closes_minute) == (63, 540, 1140)
    assert rows[IN_HOME].hours == "Mon-Fri 10:00-19:00; Sat 09:00-13:00"
    assert rows[TEEN].phone_number == "+12035550106"  # the location's phone
    assert not rows[TEEN].accepts_husky
    assert rows[QUIET_CORNER].phone_number == "+18605550107"  # the organization's phone
    assert rows[QUIET_CORNER].languages == "English;Portuguese;Spanish"
    assert rows[QUIET_CORNER].service_types == "care coordination"
    assert rows[CLOSED].active is False and all(r.active for k, r in rows.items() if k != CLOSED)
    # Other taxonomies' terms: a service's apply at each of its sites, a site's to that site alone.
    assert (hartford.taxonomy, west.taxonomy) == ("Child Guidance", "Child Guidance")
    assert (rows[IN_HOME].taxonomy, rows[TEEN].taxonomy, rows[CRISIS].taxonomy) == (
        "Family Counseling",
        "Sobriety Support",
        "",
    )


def test_json_form_holds_the_same_directory_as_the_csv_form(db, now):
    first = hsds.import_package(db, GOOD_JSON, now)
    assert first.bad_rows == [] and first.counts["provider"].imported == 8
    before = snapshot(db)
    again = hsds.import_package(db, GOOD_CSV, now)
    assert again.bad_rows == []
    assert all(c.imported == c.updated == c.removed == 0 for c in again.counts.values()), again.lines()
    assert again.counts["attribute"].unchanged == 50
    assert again.counts["taxonomy_term"].unchanged == 3
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "form, source", [("csv", GOOD_CSV), ("json", GOOD_JSON), ("json", GOOD_CSV), ("csv", GOOD_JSON)]
)
def test_import_export_import_gives_the_same_directory(db, other_db, now, tmp_path, form, source):
    hsds.import_package(db, source, now)
    target = tmp_path / ("package" if form == "csv" else "directory.json")
    written = hsds.export_package(db, target, form)
    assert written["service"] == 7 and written["attribute"] == 50 and written["taxonomy_term"] == 3
    if form == "csv":
        listed = json.loads((target / "datapackage.json").read_text())["resources"]
        assert [r["path"] for r in listed] == [spec.file for spec in hsds.SPECS]
        assert all((target / r["path"]).is_file() for r in listed)
    else:
        assert len(json.loads(target.read_text())) == 7
    report = hsds.import_package(other_db, target, now)
    assert report.bad_rows == []
    assert snapshot(other_db) == snapshot(db)


def test_bad_rows_are_reported_with_file_line_and_reason_and_good_rows_kept(db, now):
    report = hsds.import_package(db, BROKEN_CSV, now)
    found = {(bad.file, bad.line): bad.reason for bad in report.bad_rows}
    expected = {
        ("organizations.csv", 3): "missing name",
        ("organizations.csv", 4): "duplicate organization id",
        ("organizations.csv", 5): "not an e-mail address",
        # services.csv line 2-3 is one row (a description on two lines): the next row is on line 4.
        ("services.csv", 4): "that organization was not imported (see organizations.csv:3)",
        ("services.csv", 5): "matches no organization",
        ("services.csv", 6): "bad age range: minimum_age 18 is above maximum_age 5",
        ("services.csv", 7): "missing service id",
        ("services.csv", 8): "status 'open' is not one of",
        ("services.csv", 9): "minimum_age 'three' is not a number",
        ("locations.csv", 3): "bad latitude 141.9",
        ("locations.csv", 4): "latitude '41.55x' is not a number",
        ("addresses.csv", 3): "bad postal code '6702'",
        ("addresses.csv", 4): "matches no location",
        ("service_at_locations.csv", 3): "matches no service",
        ("service_at_locations.csv", 4): "that location was not imported (see locations.csv:3)",
        ("service_at_locations.csv", 5): "that service was not imported (see services.csv:6)",
        ("phones.csv", 3): "bad phone number",
        ("phones.csv", 4): "that service_at_location was not imported (see service_at_locations.csv:5)",
        ("schedules.csv", 3): "opens_at '25:00' is not a time of day",
        ("languages.csv", 3): "missing language name",
        ("taxonomy_terms.csv", 3): "missing name",
        ("taxonomy_terms.csv", 4): "taxonomy_id 'c7000000-0000-4000-8000-000000000099' matches no taxonomy",
        ("attributes.csv", 4): "ct-access:ecc value 'maybe' is not true or false",
        ("attributes.csv", 5): "ct-access:wait-days value 'two weeks' is not a whole number",
        ("attributes.csv", 6): "matches no service",
    }
    assert set(found) == set(expected)
    for key, words in expected.items():
        assert words in found[key], (key, found[key])
    assert "06702?" in found[("addresses.csv", 3)]  # the likely fix is spelled out
    assert str(report.bad_rows[0]) == "organizations.csv:3: missing name"
    assert [str(b).split(":")[0] for b in report.bad_rows][:3] == ["organizations.csv"] * 3  # in file order
    assert any("contacts.csv" in note for note in report.skipped)
    # The good rows went in, with their provider.
    assert {name: c.imported for name, c in report.counts.items() if c.imported} == {
        "organization": 1,
        "service": 1,
        "location": 1,
        "address": 1,
        "service_at_location": 1,
        "phone": 1,
        "schedule": 1,
        "language": 1,
        "taxonomy_term": 1,
        "attribute": 3,
        "provider": 1,
    }
    (only,) = providers(db).values()
    assert only.name == "Brass City Child Guidance"
    assert only.phone_number == "+12035550121" and only.zip_code == "06702" and only.accepts_husky
    assert only.specialties == "anxiety" and only.service_types == "outpatient" and only.wait_days is None
    with db.read() as session:
        assert (
            session.get(HsdsService, uid("b2", 101)).description
            == "Fictional outpatient clinic.\nEvening hours on Tuesdays."
        )


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _edit_csv(path: Path, row_id: str, **changes) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    for row in rows:
        if row["id"] == row_id:
            row.update(changes)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows(rows)


def _drop_csv_row(path: Path, row_id: str) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if row["id"] != row_id)


def test_reimport_updates_in_place_and_never_duplicates(db, now, tmp_path):
    hsds.import_package(db, GOOD_CSV, now)
    ids_before = {key: row.id for key, row in providers(db).items()}
    package = _copy(GOOD_CSV, tmp_path / "updated")
    _edit_csv(package / "services.csv", uid("b2", 1), name="Asylum Hill Counseling Center")
    _edit_csv(package / "phones.csv", uid("f6", 1), number="860 555 0199")
    _drop_csv_row(package / "languages.csv", uid("18", 2))  # the clinic no longer offers Spanish
    report = hsds.import_package(db, package, now)
    assert report.bad_rows == []
    assert (report.counts["service"].updated, report.counts["service"].unchanged) == (1, 6)
    assert report.counts["phone"].updated == 1 and report.counts["language"].removed == 1
    assert report.counts["provider"].updated == 2 and report.counts["provider"].imported == 0  # both sites
    rows = providers(db)
    assert {key: row.id for key, row in rows.items()} == ids_before  # the same rows, updated
    assert rows[HARTFORD_CLINIC].name == rows[WEST_HARTFORD_CLINIC].name == "Asylum Hill Counseling Center"
    assert rows[HARTFORD_CLINIC].phone_number == "+18605550199"
    assert rows[HARTFORD_CLINIC].languages == "English"
    assert rows[CRISIS].name == "Capitol Region Youth Mobile Crisis"
    assert count(db, HsdsService) == 7 and count(db, Provider) == 8 and count(db, HsdsLanguage) == 11
    found = directory.search(db, LookupQuery(text="counseling center"), now)
    assert {hit.name for hit in found.hits} == {"Asylum Hill Counseling Center"} and len(found.hits) == 2
    assert not directory.search(db, LookupQuery(text="kids"), now).hits  # the old name left the index
    # The same package once more changes nothing.
    again = hsds.import_package(db, package, now)
    assert all(c.imported == c.updated == c.removed == 0 for c in again.counts.values())


def test_a_package_with_only_some_tables_updates_the_providers_it_touches(db, now, tmp_path):
    hsds.import_package(db, GOOD_CSV, now)
    package = tmp_path / "services-only"
    package.mkdir()
    shutil.copy(GOOD_CSV / "services.csv", package / "services.csv")
    _edit_csv(package / "services.csv", uid("b2", 7), status="active", name="Thames Valley Trauma Center")
    report = hsds.import_package(db, package, now)
    assert report.bad_rows == [] and report.counts["service"].updated == 1
    assert report.counts["language"].removed == 0 and count(db, HsdsAttribute) == 50  # children kept
    closed = providers(db)[CLOSED]
    assert closed.active and closed.name == "Thames Valley Trauma Center" and closed.specialties == "anxiety;trauma"


def test_only_classifications_become_categories_not_facts_with_values(db, now, tmp_path):
    package = _copy(GOOD_CSV, tmp_path / "facts")
    with (package / "attributes.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        # Terms the package does not describe: a bare classification, and a fact with its value.
        writer.writerow(["cat-1", uid("b2", 5), "category", "service", "other:youth-services", "Youth Services", ""])
        writer.writerow(["fact-1", uid("b2", 5), "", "service", "other:parking", "Parking", "on the street"])
    report = hsds.import_package(db, package, now)
    assert report.bad_rows == []
    assert providers(db)[TEEN].taxonomy == "Youth Services;Sobriety Support"  # the service's, then the site's


def test_a_renamed_taxonomy_term_renames_it_on_every_provider_that_carries_it(db, now, tmp_path):
    hsds.import_package(db, GOOD_CSV, now)
    package = tmp_path / "terms-only"
    package.mkdir()
    shutil.copy(GOOD_CSV / "taxonomy_terms.csv", package / "taxonomy_terms.csv")
    _edit_csv(package / "taxonomy_terms.csv", "fhst:MH-10", name="Child and Parent Guidance")
    report = hsds.import_package(db, package, now)
    assert report.bad_rows == [] and report.counts["taxonomy_term"].updated == 1
    assert report.counts["provider"].updated == 2  # the service's two sites, and nothing else
    rows = providers(db)
    assert rows[HARTFORD_CLINIC].taxonomy == rows[WEST_HARTFORD_CLINIC].taxonomy == "Child and Parent Guidance"
    hits = directory.search(db, LookupQuery(text="parent guidance"), now).hits
    assert {hit.id for hit in hits} == {rows[HARTFORD_CLINIC].id, rows[WEST_HARTFORD_CLINIC].id}
    assert hits[0].taxonomy == ("Child and Parent Guidance",)


def test_imported_providers_are_found_by_search_and_filters(db, now):
    hsds.import_package(db, GOOD_CSV, now)  # the import itself teaches typo tolerance the new words
    rows = providers(db)

    def found(**query):
        return {hit.id for hit in directory.search(db, LookupQuery(**query), now).hits}

    assert found(text="trauma") == {rows[CRISIS].id, rows[IN_HOME].id}  # the closed clinic is not offered
    assert found(text="quiet corner") == {rows[QUIET_CORNER].id}
    assert found(text="harbr") == {rows[TEEN].id}  # a typo
    assert found(text="guidance") == {rows[HARTFORD_CLINIC].id, rows[WEST_HARTFORD_CLINIC].id}  # a taxonomy term
    assert found(text="sobriety") == {rows[TEEN].id}
    assert found(text="sobreity") == {rows[TEEN].id}  # a typo of a word only a taxonomy term has
    assert found(service_type="mobile crisis") == {rows[CRISIS].id}
    assert found(ecc_only=True) == {rows[HARTFORD_CLINIC].id, rows[WEST_HARTFORD_CLINIC].id}
    assert rows[TEEN].id not in found(husky_only=True)
    assert found(language="portuguese") == {rows[QUIET_CORNER].id}
    assert found(age_months=24) == {rows[CRISIS].id, rows[EARLY].id, rows[QUIET_CORNER].id}
    assert found(place="06511", radius_miles=5) == {rows[EARLY].id, rows[TEEN].id}
    # Monday 10:00 in New York: the Saturday-only and afternoon schedules matter.
    assert found(open_now=True) == {
        rows[k].id for k in (HARTFORD_CLINIC, WEST_HARTFORD_CLINIC, CRISIS, EARLY, IN_HOME, QUIET_CORNER)
    }
    urgent = directory.search(db, LookupQuery(place="Hartford", urgency=Urgency.URGENT), now).hits
    assert urgent[0].meets_deadline and urgent[0].town in ("Hartford", "West Hartford")


def test_json_problems_are_reported_by_item_path(db, now, tmp_path):
    services = json.loads(GOOD_JSON.read_text())
    services[1]["phones"][0]["number"] = "call us"
    services[2]["id"] = ""
    services[3]["service_at_locations"][0]["location"]["latitude"] = "north"
    services[4]["service_at_locations"][0]["location"]["name"] = "Another name for the New Haven office"
    husky = len(services[4]["attributes"])
    services[4]["attributes"].append({"id": "x-1", "taxonomy_term_id": hsds.TERM_HUSKY, "value": "sometimes"})
    services.append("not a service")
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(services))
    report = hsds.import_package(db, path, now)
    reasons = {bad.path: bad.reason for bad in report.bad_rows}
    assert all(bad.file == "broken.json" and bad.line is None for bad in report.bad_rows)
    assert "bad phone number" in reasons["[1].phones[0]"]
    assert reasons["[2]"] == "missing service id"
    assert "its service ([2]) has no id" in reasons["[2].service_at_locations[0]"]
    assert "has no id" in reasons["[2].languages[0]"] and "has no id" in reasons["[2].attributes[0]"]
    assert "latitude 'north' is not a number" in reasons["[3].service_at_locations[0].location"]
    # The in-home team's only site is at the rejected location: reported, not silently dropped.
    assert (
        "that location was not imported (see broken.json:[3].service_at_locations[0].location)"
        in reasons["[3].service_at_locations[0]"]
    )
    assert "that location was not imported" in reasons["[3].service_at_locations[0].location.addresses[0]"]
    assert reasons["[4].service_at_locations[0].location"] == (
        f"this copy of location {uid('c3', 3)!r} differs from the one at "
        "broken.json:[2].service_at_locations[0].location, which is kept"
    )
    assert "is not true or false" in reasons[f"[4].attributes[{husky}]"]
    assert reasons["[7]"] == "should be an HSDS service object, not text"
    assert str(next(b for b in report.bad_rows if b.path == "[2]")) == "broken.json:[2]: missing service id"
    assert [b.path for b in report.bad_rows][-1] == "[7]"  # in the file's order
    rows = providers(db)
    assert set(rows) == {HARTFORD_CLINIC, WEST_HARTFORD_CLINIC, CRISIS, TEEN, QUIET_CORNER, CLOSED}
    assert rows[CRISIS].phone_number is None
    assert rows[TEEN].town == "New Haven" and not rows[TEEN].accepts_husky


def test_duplicate_extras_and_extras_in_the_wrong_place_are_refused(db, now, tmp_path):
    package = _copy(GOOD_CSV, tmp_path / "extras")
    with (package / "attributes.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dup-1", uid("b2", 1), "availability", "service", hsds.TERM_WAIT_DAYS, "", "9"])
        writer.writerow(["org-1", uid("a1", 1), "eligibility", "organization", hsds.TERM_HUSKY, "", "true"])
        writer.writerow(["any-1", uid("c3", 1), "", "", "example:parking", "Parking", "on the street"])
    report = hsds.import_package(db, package, now)
    reasons = {bad.line: bad.reason for bad in report.bad_rows}
    assert set(reasons) == {52, 53}
    assert "a second ct-access:wait-days for service" in reasons[52] and "(first at attributes.csv:" in reasons[52]
    assert "belongs on a service or service_at_location, not on a organization" in reasons[53]
    assert providers(db)[HARTFORD_CLINIC].wait_days == 3
    with db.read() as session:  # a term from another taxonomy is kept, linked to what its id names
        assert session.get(HsdsAttribute, "any-1").link_entity == "location"


def test_unreadable_packages_are_one_clear_error(db, now, tmp_path):
    with pytest.raises(hsds.PackageError, match="No such file or folder"):
        hsds.import_package(db, tmp_path / "missing", now)
    (tmp_path / "empty").mkdir()
    with pytest.raises(hsds.PackageError, match="No HSDS tables"):
        hsds.import_package(db, tmp_path / "empty", now)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('[{"id": "x",\n "name": }]')
    with pytest.raises(hsds.PackageError, match=r"bad.json:2: not valid JSON"):
        hsds.import_package(db, bad_json, now)
    assert count(db, HsdsService) == 0


def test_a_database_failure_leaves_nothing_behind(db, now, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(hsds.write, "upsert_providers", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        hsds.import_package(db, GOOD_CSV, now)
    assert count(db, HsdsService) == 0 and count(db, HsdsAttribute) == 0 and count(db, Provider) == 0


def test_the_demo_directory_lives_in_the_hsds_tables(demo_db, now, tmp_path):
    assert count(demo_db, HsdsService) == count(demo_db, Provider) == 320
    written = hsds.export_package(demo_db, tmp_path / "demo", "csv")
    assert written["service_at_location"] == 320
    with (tmp_path / "demo" / "services.csv").open(newline="", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 320
    before = snapshot(demo_db)
    report = hsds.import_package(demo_db, tmp_path / "demo", now)
    assert report.bad_rows == [] and report.counts["provider"].unchanged == 320
    assert snapshot(demo_db) == before


# --- Shapes from HSDS 3.0 examples and HSDS 1.1 packages ------------------------------------------

ORGANIZATION_FULL = FIXTURES / "organization_full.json"  # an organization with its services nested in it
SERVICE_FULL = FIXTURES / "service_full.json"  # one phone, schedule and language nested at several levels
HSDS_1_1 = FIXTURES / "hsds11"


def row_of(db, spec_name: str, row_id: str) -> dict:
    table = hsds.SPEC[spec_name].table
    with db.engine.connect() as conn:
        return dict(conn.execute(select(table).where(table.c.id == row_id)).mappings().one())


def test_an_organization_with_its_services_nested_in_it_imports_with_them(db, now):
    report = hsds.import_package(db, ORGANIZATION_FULL, now)
    assert report.bad_rows == []
    assert {name: c.imported for name, c in report.counts.items() if c.imported} == {
        "organization": 1,
        "service": 2,
        "location": 1,
        "address": 1,
        "service_at_location": 2,
        "phone": 1,
        "schedule": 1,
        "language": 3,
        "attribute": 1,
        "provider": 2,
    }
    organization = uid("91", 1)
    assert {row_of(db, "service", uid("92", n))["organization_id"] for n in (1, 2)} == {organization}
    assert row_of(db, "location", uid("93", 1))["organization_id"] == organization  # from organization.locations
    english = row_of(db, "language", uid("98", 1))  # nested under the location and the clinic
    assert (english["location_id"], english["service_id"]) == (uid("93", 1), uid("92", 1))
    rows = providers(db)
    clinic, in_home = rows[uid("95", 1)], rows[uid("95", 2)]
    assert clinic.organization == in_home.organization == "Elm City Family Guidance"
    assert (clinic.name, clinic.languages, clinic.accepts_husky) == (
        "Elm City Outpatient Clinic",
        "English;Spanish",
        True,
    )
    assert clinic.phone_number == in_home.phone_number == "+12035550141"
    assert (in_home.town, in_home.zip_code, in_home.hours) == ("New Haven", "06510", "Mon-Fri 09:00-17:00")


def test_a_list_may_mix_service_and_organization_objects(db, now, tmp_path):
    organization = json.loads(ORGANIZATION_FULL.read_text())
    nameless = {"name": "Unnamed Agency", "services": [{"id": "svc-orphan", "name": "Orphan Service"}]}
    items = [*json.loads(GOOD_JSON.read_text()), organization, nameless]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(items))
    report = hsds.import_package(db, path, now)
    reasons = {bad.path: bad.reason for bad in report.bad_rows}
    assert reasons == {
        "[8]": "missing organization id",
        "[8].services[0]": "its organization ([8]) has no id, so this service cannot be linked to it",
    }
    assert report.counts["organization"].imported == 4 and report.counts["service"].imported == 9
    assert report.counts["provider"].imported == 10
    assert providers(db)[uid("95", 2)].organization == "Elm City Family Guidance"


def test_a_record_nested_at_several_levels_is_one_record_linked_to_each(db, other_db, now, tmp_path):
    report = hsds.import_package(db, SERVICE_FULL, now)
    assert report.bad_rows == []
    assert (report.counts["phone"].imported, report.counts["schedule"].imported) == (1, 1)
    organization, location, service, sal = (uid("a9", n) for n in (1, 2, 3, 4))
    phone = row_of(db, "phone", uid("a9", 5))
    assert (
        phone["organization_id"],
        phone["service_id"],
        phone["location_id"],
        phone["service_at_location_id"],
    ) == (organization, service, location, sal)
    schedule = row_of(db, "schedule", uid("a9", 7))
    assert (schedule["service_id"], schedule["location_id"], schedule["service_at_location_id"]) == (
        service,
        location,
        sal,
    )
    language = row_of(db, "language", uid("a9", 8))
    assert (language["service_id"], language["location_id"]) == (service, location)
    assert providers(db)[sal].phone_number == "+18605550177;ext=12"
    # The same directory as CSV, imported elsewhere; the JSON again over it changes nothing.
    hsds.export_package(db, tmp_path / "csv", "csv")
    assert hsds.import_package(other_db, tmp_path / "csv", now).bad_rows == []
    again = hsds.import_package(other_db, SERVICE_FULL, now)
    assert again.bad_rows == []
    assert all(c.imported == c.updated == c.removed == 0 for c in again.counts.values()), again.lines()
    assert snapshot(other_db) == snapshot(db)


def test_copies_of_one_nested_record_that_really_differ_are_still_reported(db, now, tmp_path):
    service = json.loads(SERVICE_FULL.read_text())
    service["service_at_locations"][0]["phones"][0]["number"] = "(860) 555-0178"
    path = tmp_path / "differs.json"
    path.write_text(json.dumps(service))
    report = hsds.import_package(db, path, now)
    assert [(bad.path, bad.reason) for bad in report.bad_rows] == [
        (
            "[0].service_at_locations[0].phones[0]",
            f"this copy of phone {uid('a9', 5)!r} differs from the one at differs.json:[0].organization.phones[0], "
            "which is kept",
        )
    ]
    phone = row_of(db, "phone", uid("a9", 5))
    assert phone["number"] == "+18605550177" and phone["service_at_location_id"] is None
    assert phone["service_id"] == uid("a9", 3) and phone["location_id"] == uid("a9", 2)


def test_an_hsds_1_1_package_is_read_under_its_1_1_names(db, now, tmp_path):
    report = hsds.import_package(db, HSDS_1_1, now)
    assert report.bad_rows == [] and report.skipped == []
    assert {name: c.imported for name, c in report.counts.items() if c.imported} == {
        "organization": 1,
        "service": 1,
        "location": 1,
        "address": 1,
        "service_at_location": 1,
        "phone": 1,
        "schedule": 3,
        "language": 2,
        "provider": 1,
    }
    (only,) = providers(db).values()
    assert only.languages == "English;Spanish"
    assert (only.address, only.zip_code, only.town) == ("20 Main Street, Second floor, Suite 4", "06401", "Ansonia")
    assert (only.open_days, only.opens_minute, only.closes_minute) == (11, 540, 1200)
    assert (
        row_of(db, "organization", "b1100000-0000-4000-8000-000000000001")["website"] == "https://nv-youth.example.org"
    )
    # Without datapackage.json the files are found by their 1.1 names.
    package = _copy(HSDS_1_1, tmp_path / "no-descriptor")
    (package / "datapackage.json").unlink()
    again = hsds.import_package(db, package, now)
    assert again.bad_rows == [] and again.counts["schedule"].unchanged == 3 and again.counts["address"].unchanged == 1


def test_an_hsds_1_1_weekday_given_as_a_number_is_refused_with_what_to_write(db, now, tmp_path):
    package = _copy(HSDS_1_1, tmp_path / "numbered")
    with (package / "regular_schedules.csv").open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(
            ["sch-number", "", "", "b1400000-0000-4000-8000-000000000001", "5", "09:00:00", "12:00:00"]
        )
    report = hsds.import_package(db, package, now)
    [bad] = report.bad_rows
    assert (bad.file, bad.line) == ("regular_schedules.csv", 5)
    assert bad.reason.startswith("weekday '5' is not a day's name")
    assert "write the day's name (Monday ... Sunday)" in bad.reason and "rename the column to byday" in bad.reason
    assert report.counts["schedule"].imported == 3


def _stamps(db) -> dict[str, object]:
    with db.read() as session:
        return dict(session.execute(select(HsdsService.id, HsdsService.last_modified)).all())


def test_each_service_keeps_when_it_or_anything_about_it_last_changed(db, now, tmp_path):
    from datetime import timedelta

    hsds.import_package(db, GOOD_CSV, now)
    assert set(_stamps(db).values()) == {now}
    later = now + timedelta(hours=1)
    hsds.import_package(db, GOOD_CSV, later)  # the same package: nothing changed
    assert set(_stamps(db).values()) == {now}

    package = _copy(GOOD_CSV, tmp_path / "changed")
    _edit_csv(package / "phones.csv", uid("f6", 2), number="860 555 0177")  # a site's phone
    _edit_csv(package / "organizations.csv", uid("a1", 2), name="River Valley Family Services")
    hsds.import_package(db, package, later)
    with db.read() as session:
        sal = hsds.SPEC["service_at_location"].table
        of_site = session.scalar(select(sal.c.service_id).where(sal.c.id == uid("e5", 2)))
        of_organization = set(
            session.scalars(select(HsdsService.id).where(HsdsService.organization_id == uid("a1", 2)))
        )
    stamps = _stamps(db)
    assert of_organization and of_site not in of_organization
    assert {key for key, stamp in stamps.items() if stamp == later} == {of_site} | of_organization

    _drop_csv_row(package / "languages.csv", uid("18", 2))  # a removed child counts as a change too
    even_later = later + timedelta(hours=1)
    hsds.import_package(db, package, even_later)
    assert [key for key, stamp in _stamps(db).items() if stamp == even_later] == [uid("b2", 1)]


def test_a_record_carried_unchanged_leaves_the_other_sites_it_reaches_alone(db, now, tmp_path):
    """A page of another directory's API carries each service's organization: an organization that did
    not change must not re-derive the provider rows of all its other services (a follow of a large
    directory would grow with the square of its size)."""
    hsds.import_package(db, GOOD_CSV, now)
    [first] = [item for item in json.loads(GOOD_JSON.read_text(encoding="utf-8")) if item["id"] == uid("b2", 1)]
    path = tmp_path / "one.json"
    path.write_text(json.dumps([first]), encoding="utf-8")
    report = hsds.import_package(db, path, now)
    sites = report.counts["provider"]
    assert sites.imported + sites.updated + sites.unchanged == 2  # its own two sites, not the crisis team's
    first["organization"]["name"] = "Capitol Kids Behavioral Health"
    path.write_text(json.dumps([first]), encoding="utf-8")
    renamed = hsds.import_package(db, path, now).counts["provider"]
    assert renamed.updated == 3  # a changed organization reaches every site of its services
    assert providers(db)[CRISIS].organization == "Capitol Kids Behavioral Health"
