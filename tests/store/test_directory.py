"""Provider lookup on both engines: typos, prefixes, filters, radius, ranking."""

from datetime import UTC, datetime

import pytest

from callcenter.domain.directory import LookupQuery, origin_of
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import Urgency
from callcenter.store import directory
from callcenter.store.models import Provider
from tests.dbutil import FIXED_NOW  # Monday 10:00 in New York


def add(db, **fields):
    base = {
        "hsds_id": f"t-{fields['name']}",
        "service_types": "outpatient",
        "specialties": "",
        "languages": "English",
        "town": "Hartford",
        "zip_code": "06106",
        "latitude": 41.7620,
        "longitude": -72.6870,
        "accepts_husky": True,
        "is_ecc": False,
        "min_age_months": 0,
        "max_age_months": 252,
        "wait_days": 7,
        "open_days": 31,
        "opens_minute": 540,
        "closes_minute": 1020,
        "active": True,
        "description": "",
    }
    base.update(fields)
    with db.write() as session:
        provider = Provider(**base)
        session.add(provider)
        session.flush()
        return provider.id


@pytest.fixture
def directory_db(db):
    ids = {
        "anxiety_hartford": add(db, name="Riverside Anxiety Clinic", specialties="anxiety;OCD", wait_days=10),
        "ecc_hartford": add(db, name="Capitol Child Guidance", specialties="depression", is_ecc=True, wait_days=20),
        "quick_newhaven": add(
            db,
            name="Elm City Counseling",
            specialties="anxiety",
            town="New Haven",
            zip_code="06510",
            latitude=41.3083,
            longitude=-72.9279,
            wait_days=0,
            languages="English;Spanish",
        ),
        "private_only": add(
            db, name="Private Practice Anxiety Group", specialties="anxiety", accepts_husky=False, wait_days=1
        ),
        "toddlers": add(
            db,
            name="Little Steps Early Childhood",
            service_types="early childhood;outpatient",
            specialties="parenting skills",
            min_age_months=0,
            max_age_months=72,
        ),
        "crisis": add(
            db,
            name="Capitol Region Mobile Crisis",
            service_types="mobile crisis",
            open_days=127,
            opens_minute=0,
            closes_minute=1440,
            wait_days=0,
        ),
        "closed": add(
            db,
            name="Evening Anxiety Clinic",
            specialties="anxiety",
            open_days=31,
            opens_minute=17 * 60,
            closes_minute=21 * 60,
        ),
        "inactive": add(db, name="Closed Anxiety Center", specialties="anxiety", active=False),
    }
    directory.refresh_vocabulary(db)
    return db, ids


def names(result):
    return [hit.name for hit in result.hits]


def ids_of(result):
    return {hit.id for hit in result.hits}


def test_prefix_finds_the_word(directory_db):
    db, ids = directory_db
    found = ids_of(directory.search(db, LookupQuery(text="anx"), FIXED_NOW))
    assert {ids["anxiety_hartford"], ids["quick_newhaven"], ids["private_only"], ids["closed"]} <= found
    assert ids["inactive"] not in found and ids["toddlers"] not in found


@pytest.mark.parametrize(
    "typo, key", [("hartfrod", "anxiety_hartford"), ("anxeity", "anxiety_hartford"), ("counselling", "quick_newhaven")]
)
def test_typos_are_forgiven(directory_db, typo, key):
    db, ids = directory_db
    assert ids[key] in ids_of(directory.search(db, LookupQuery(text=typo), FIXED_NOW))


def test_every_word_must_match(directory_db):
    db, ids = directory_db
    found = ids_of(directory.search(db, LookupQuery(text="anxiety new haven"), FIXED_NOW))
    assert found == {ids["quick_newhaven"]}


def test_each_filter_alone_and_combined(directory_db):
    db, ids = directory_db

    def found(**query):
        return ids_of(directory.search(db, LookupQuery(**query), FIXED_NOW))

    assert found(service_type="mobile crisis") == {ids["crisis"]}
    assert ids["toddlers"] in found(age_months=30) and ids["toddlers"] not in found(age_months=120)
    assert ids["private_only"] not in found(husky_only=True)
    assert found(language="spanish") == {ids["quick_newhaven"]}
    assert found(ecc_only=True) == {ids["ecc_hartford"]}
    assert ids["closed"] not in found(open_now=True) and ids["crisis"] in found(open_now=True)
    assert found(text="anxiety", husky_only=True, open_now=True, place="06106", radius_miles=5) == {
        ids["anxiety_hartford"]
    }


def test_radius_and_distance_order(directory_db):
    db, ids = directory_db
    near = directory.search(db, LookupQuery(place="New Haven", radius_miles=10), FIXED_NOW)
    assert ids_of(near) == {ids["quick_newhaven"]}
    assert near.hits[0].distance_miles < 3
    everywhere = directory.search(db, LookupQuery(text="anxiety", place="06510"), FIXED_NOW)
    assert everywhere.hits[0].id == ids["quick_newhaven"]
    assert [h.distance_miles for h in everywhere.hits] == sorted(h.distance_miles for h in everywhere.hits)


def test_ranking_puts_who_can_meet_the_deadline_first(directory_db):
    db, ids = directory_db
    emergency = directory.search(db, LookupQuery(place="06106", urgency=Urgency.EMERGENCY), FIXED_NOW)
    first_ids = [h.id for h in emergency.hits if h.meets_deadline]
    assert set(first_ids) == {ids["ecc_hartford"], ids["quick_newhaven"], ids["crisis"]}
    assert [h.meets_deadline for h in emergency.hits] == sorted(
        (h.meets_deadline for h in emergency.hits), reverse=True
    )
    routine = directory.search(db, LookupQuery(place="06106", urgency=Urgency.ROUTINE), FIXED_NOW)
    assert routine.hits[0].meets_deadline and routine.hits[0].town == "Hartford"
    assert "meets routine deadline" in routine.hits[0].why
    # Without the HUSKY filter, the private-only provider ranks after those who take HUSKY.
    anxiety = names(directory.search(db, LookupQuery(text="anxiety", place="06106"), FIXED_NOW))
    assert anxiety[-1] == "Private Practice Anxiety Group"


def test_unknown_place_is_explained():
    with pytest.raises(ValidationError, match="did you mean Hartford"):
        origin_of("Hartfrod")
    with pytest.raises(ValidationError, match="not a Connecticut ZIP"):
        origin_of("10001")


def test_demo_directory_is_searchable(demo_db):
    result = directory.search(
        demo_db,
        LookupQuery(text="anxiety", place="Hartford", radius_miles=25, husky_only=True, urgency=Urgency.URGENT),
        datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
    )
    assert result.hits and all(h.accepts_husky and h.distance_miles <= 25 for h in result.hits)


# Pages are read tier by tier and ring by ring, stopping once full. Whatever stops early must
# give the same page as reading everything: these queries cover each tier and the rings.
EARLY_STOP_QUERIES = [
    LookupQuery(text="anxiety"),
    LookupQuery(text="an"),
    LookupQuery(text="an", place="Hartford", urgency=Urgency.ROUTINE),
    LookupQuery(text="depression family"),
    LookupQuery(place="Hartford"),
    LookupQuery(place="06510", radius_miles=25, urgency=Urgency.EMERGENCY),
    LookupQuery(text="anxiety", place="New London", urgency=Urgency.URGENT),
    LookupQuery(text="anxiety", place="06106", radius_miles=25, age_months=92, husky_only=True, urgency=Urgency.URGENT),
    LookupQuery(service_type="outpatient", urgency=Urgency.ROUTINE),
    LookupQuery(ecc_only=True, open_now=True, place="Hartford"),
]


@pytest.mark.parametrize("query", EARLY_STOP_QUERIES, ids=lambda q: repr(q)[12:70])
def test_a_short_page_is_the_start_of_the_whole_ranking(demo_db, query):
    everything = directory.search(demo_db, query, FIXED_NOW, limit=100_000).hits
    assert len(everything) > 12, "the demo directory should give this query more than a page"
    for size in (1, 5, 12):
        page = directory.search(demo_db, query, FIXED_NOW, limit=size).hits
        assert [hit.id for hit in page] == [hit.id for hit in everything[:size]]


@pytest.mark.parametrize("query", EARLY_STOP_QUERIES, ids=lambda q: repr(q)[12:70])
def test_the_ranking_is_deadline_then_husky_then_distance_then_words(demo_db, query):
    hits = directory.search(demo_db, query, FIXED_NOW, limit=100_000).hits
    place = origin_of(query.place) if query.place else None
    with demo_db.read() as session:
        where = {
            p.id: (p.latitude, p.longitude)
            for p in session.query(Provider).filter(Provider.id.in_([hit.id for hit in hits]))
        }

    def flat_miles_sq(hit):
        from callcenter.domain.directory import MILES_PER_DEGREE_LATITUDE, miles_per_degree_longitude

        latitude, longitude = where[hit.id]
        dy = (latitude - place.latitude) * MILES_PER_DEGREE_LATITUDE
        dx = (longitude - place.longitude) * miles_per_degree_longitude(place.latitude)
        return dy * dy + dx * dx

    def key(hit):
        return (
            0 if hit.meets_deadline or query.urgency is None else 1,
            0 if hit.accepts_husky or query.husky_only else 1,
            flat_miles_sq(hit) if place else 0,
            0 if hit.named or not query.text else 1,
        )

    keys = [key(hit) for hit in hits]
    assert keys == sorted(keys)
    if query.text:
        assert any(hit.named for hit in hits) and all(hit.named is not None for hit in hits)
