"""Reference data (the five lines) and the demo line: agents, waiting callers, a directory."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from callcenter.domain.lines import LINES
from callcenter.domain.model import AgentState, CallState, Channel, Disposition, Priority
from callcenter.domain.passwords import hash_password
from callcenter.domain.simulation import fictional_number  # the 555-01xx block: fiction only
from callcenter.domain.timefmt import line_zone
from callcenter.resources import seed_dir
from callcenter.store import audit
from callcenter.store.calls import contact_for
from callcenter.store.db import Database
from callcenter.store.models import Agent, Call, Line, Provider

DEMO_SEED = 2026
DEMO_PASSWORD = "demo-password-1"  # every demo agent's; the README says so
MIN_DEMO_PROVIDERS = 320


def ensure_lines(db: Database) -> None:
    """Insert any of the five lines that is missing; existing settings are left alone."""
    with db.write() as session:
        have = set(session.scalars(select(Line.code)))
        for spec in LINES:
            if spec.code not in have:
                session.add(
                    Line(
                        code=spec.code,
                        name=spec.name,
                        phone_number=spec.phone_e164,
                        channel=spec.channel.value,
                        time_zone=line_zone().key,  # not read: the line's zone is the one setting
                        service_level_seconds=spec.service_level_seconds,
                        service_level_target=spec.service_level_target,
                        short_abandon_seconds=spec.short_abandon_seconds,
                        sort_order=spec.sort_order,
                    )
                )


def has_demo_data(db: Database) -> bool:
    with db.read() as session:
        return bool(session.scalar(select(func.count()).select_from(Agent)))


def seed_demo(db: Database, now: datetime, *, seed: int = DEMO_SEED) -> dict[str, int]:
    """Fill an empty database with a believable, entirely fictional line. Idempotent."""
    ensure_lines(db)
    if has_demo_data(db):
        return {"agents": 0, "calls": 0, "providers": 0}
    from callcenter.store import hsds  # the directory format: only when a directory is built

    rng = random.Random(seed)
    with db.write() as session:
        line_ids = {line.code: line.id for line in session.scalars(select(Line))}
        agents = _demo_agents(now)
        session.add_all(agents)
        session.flush()
        reps = [a for a in agents if a.role == "rep"]
        history = _demo_history(rng, now, line_ids, reps)
        calls = history + _demo_waiting(rng, now, line_ids, [c.caller_number for c in history])
        session.add_all(calls)
        session.flush()
        for call in calls:
            audit.record(
                session,
                at=now,
                agent_id=None,
                action="create",
                entity="call",
                entity_id=call.id,
                detail={"source": "demo seed"},
            )
            if call.state == CallState.ENDED.value:
                session.add(contact_for(call, fallback_at=now))
        # The demo directory goes in as HSDS rows, through the same checks and provider derivation as
        # `callcenter directory import`, so `directory export` hands it back.
        report = hsds.import_records(session, demo_directory(rng), now, source="demo directory")
        if report.bad_rows:
            raise ValueError(f"demo directory row rejected: {report.bad_rows[0]}")
    return {"agents": len(agents), "calls": len(calls), "providers": report.counts["provider"].imported}


def _demo_agents(now: datetime) -> list[Agent]:
    # One hash shared by every demo agent: each hash costs tens of milliseconds at start-up.
    password_hash = hash_password(DEMO_PASSWORD)
    with (seed_dir() / "demo_agents.csv").open(newline="") as handle:
        return [
            Agent(
                username=row["username"],
                display_name=row["display_name"],
                role=row["role"],
                state=AgentState.OFFLINE.value,
                state_since=now,
                created_at=now,
                password_hash=password_hash,
            )
            for row in csv.DictReader(handle)
        ]


def _demo_waiting(rng: random.Random, now: datetime, line_ids: dict[str, int], known_numbers: list[str]) -> list[Call]:
    """Callers waiting right now; some have called before, so the call panel shows history."""
    plan = [("877", 9), ("866", 2), ("tty", 1), ("fax", 2), ("web", 2)]
    calls: list[Call] = []
    for code, count in plan:
        for _ in range(count):
            waited = timedelta(seconds=rng.randrange(5, 420))
            channel = next(spec.channel for spec in LINES if spec.code == code)
            calls.append(
                Call(
                    line_id=line_ids[code],
                    caller_number=(
                        None
                        if channel == Channel.WEB
                        else rng.choice(known_numbers)
                        if code == "877" and rng.random() < 0.5
                        else fictional_number(rng)
                    ),
                    channel=channel.value,
                    state=CallState.WAITING.value,
                    priority=Priority.NORMAL,
                    arrived_at=now - waited,
                )
            )
    calls[3].priority = Priority.EMERGENCY
    if known_numbers:  # the demo's emergency caller has called before: the panel shows history
        calls[3].caller_number = known_numbers[0]
    calls[5].priority = Priority.HIGH
    return calls


NOTES = [
    "Mother asking about outpatient therapy for anxiety; given three clinics.",
    "PCP office referral for 8-year-old with ADHD; faxed packet to follow.",
    "Grandmother called back about transportation to the appointment.",
    "Asked about HUSKY eligibility; referred to DSS for enrollment.",
    "Follow-up: family linked with clinic, first appointment set.",
]


def _demo_history(rng: random.Random, now: datetime, line_ids: dict[str, int], reps: list[Agent]) -> list[Call]:
    calls: list[Call] = []
    for _ in range(40):
        arrived = now - timedelta(days=rng.randrange(1, 30), minutes=rng.randrange(0, 600))
        answered = arrived + timedelta(seconds=rng.randrange(3, 90))
        abandoned = rng.random() < 0.15
        calls.append(
            Call(
                line_id=line_ids["877"],
                caller_number=fictional_number(rng),
                channel=Channel.VOICE.value,
                state=CallState.ABANDONED.value if abandoned else CallState.ENDED.value,
                arrived_at=arrived,
                answered_at=None if abandoned else answered,
                ended_at=answered + timedelta(minutes=rng.randrange(2, 25)),
                agent_id=None if abandoned else rng.choice(reps).id,
                disposition=None if abandoned else rng.choice(list(Disposition)).value,
                notes=None if abandoned else rng.choice(NOTES),
            )
        )
    return calls


def _demo_hours(rng: random.Random, services: list[str]) -> dict:
    """An HSDS schedule (weekly): the description is what a rep reads out."""
    if "mobile crisis" in services:
        return {
            "description": "24 hours, 7 days",
            "byday": "MO,TU,WE,TH,FR,SA,SU",
            "opens_at": "00:00",
            "closes_at": "24:00",
        }
    if rng.random() < 0.7:
        return {
            "description": "Mon-Fri 09:00-17:00",
            "byday": "MO,TU,WE,TH,FR",
            "opens_at": "09:00",
            "closes_at": "17:00",
        }
    return {"description": "Mon-Thu 09:00-20:00", "byday": "MO,TU,WE,TH", "opens_at": "09:00", "closes_at": "20:00"}


def demo_directory(rng: random.Random, count: int = MIN_DEMO_PROVIDERS) -> dict[str, list[dict]]:
    """A synthetic directory in real Connecticut towns (ZIP centroids from `zipcodes`), as HSDS rows.

    One service at one location per provider; organizations are shared by name. The line's own
    facts (HUSKY, ECC, service types, specialties, wait days) are ``ct-access:*`` attributes.
    """
    import zipcodes

    from callcenter.store import hsds  # the directory format: only when a directory is built

    parts = json.loads((seed_dir() / "directory_parts.json").read_text())
    places = [z for z in zipcodes.filter_by(state="CT") if z["zip_code_type"] == "STANDARD" and z["lat"]]
    places.sort(key=lambda z: z["zip_code"])
    tables: dict[str, list[dict]] = {name: [] for name in hsds.SPEC}
    organizations: dict[str, str] = {}
    used_names: set[str] = set()
    for index in range(count):
        key = f"{index + 1:04d}"
        place = rng.choice(places)
        kind = rng.choice(parts["kinds"])
        while True:
            name = f"{rng.choice(parts['first_words'])} {kind['suffix']} of {place['city']}"
            if name not in used_names:
                break
            name = f"{name} {len(used_names)}"
            if name not in used_names:
                break
        used_names.add(name)
        services = list(kind["services"])
        early = "early childhood" in services
        specialties = sorted(set(rng.sample(parts["specialties"], k=rng.randrange(2, 5))))
        if early:
            specialties = sorted(set(specialties) | {"early childhood", "parenting skills"})
        languages = ["English"] + sorted(set(rng.sample(parts["languages"][1:], k=rng.randrange(0, 3))))
        min_age = 0 if early else rng.choice([0, 36, 60, 72, 144])
        max_age = 72 if early else rng.choice([216, 252])
        # The same draws, in the same order, as when the demo wrote provider rows directly.
        street = f"{rng.randrange(10, 999)} {rng.choice(parts['streets'])}"
        phone = fictional_number(rng)
        accepts_husky = rng.random() < 0.85
        is_ecc = rng.random() < kind["ecc_share"]
        wait_days = rng.choice([0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 45])
        hours = _demo_hours(rng, services)
        active = rng.random() > 0.03

        organization = f"{name.split(' of ')[0]} (demo)"
        if organization not in organizations:
            organizations[organization] = f"demo-org-{len(organizations) + 1:03d}"
            tables["organization"].append(
                {"id": organizations[organization], "name": organization, "description": "Fictional demo organization."}
            )
        service_id, location_id, sal_id = f"demo-svc-{key}", f"demo-loc-{key}", f"demo-{key}"
        tables["service"].append(
            {
                "id": service_id,
                "organization_id": organizations[organization],
                "name": name,
                "description": (
                    f"Fictional demo provider offering {', '.join(services)} for children and "
                    f"families in {place['city']}; focus on {', '.join(specialties)}."
                ),
                "status": "active" if active else "inactive",
                "minimum_age": min_age / 12,
                "maximum_age": max_age / 12,
            }
        )
        tables["location"].append(
            {
                "id": location_id,
                "organization_id": organizations[organization],
                "name": name,
                "location_type": "physical",
                "latitude": float(place["lat"]),
                "longitude": float(place["long"]),
            }
        )
        tables["address"].append(
            {
                "id": f"demo-adr-{key}",
                "location_id": location_id,
                "address_1": street,
                "city": place["city"],
                "state_province": "CT",
                "postal_code": place["zip_code"],
                "country": "US",
                "address_type": "physical",
            }
        )
        tables["service_at_location"].append({"id": sal_id, "service_id": service_id, "location_id": location_id})
        tables["phone"].append(
            {"id": f"demo-tel-{key}", "service_at_location_id": sal_id, "number": phone, "type": "voice"}
        )
        tables["schedule"].append(
            {"id": f"demo-sch-{key}", "service_at_location_id": sal_id, "freq": "WEEKLY", **hours}
        )
        for number, language in enumerate(languages, start=1):
            tables["language"].append({"id": f"demo-lng-{key}-{number}", "service_id": service_id, "name": language})
        extras = [
            (hsds.TERM_HUSKY, "true" if accepts_husky else "false"),
            (hsds.TERM_ECC, "true" if is_ecc else "false"),
            *((hsds.TERM_SERVICE_TYPE, value) for value in services),
            *((hsds.TERM_SPECIALTY, value) for value in specialties),
            (hsds.TERM_WAIT_DAYS, str(wait_days)),
        ]
        for number, (term, value) in enumerate(extras, start=1):
            extra = hsds.EXTRAS[term]
            tables["attribute"].append(
                {
                    "id": f"demo-att-{key}-{number:02d}",
                    "link_id": service_id,
                    "link_entity": "service",
                    "link_type": extra.link_type,
                    "taxonomy_term_id": term,
                    "label": extra.label,
                    "value": value,
                }
            )
    return tables


def demo_providers(rng: random.Random, now: datetime, count: int = MIN_DEMO_PROVIDERS) -> list[Provider]:
    """The demo directory's provider search rows, derived from its HSDS rows in memory (bench/)."""
    from callcenter.store import hsds  # the directory format: only when a directory is built

    tables = demo_directory(rng, count)
    bundle = hsds.Bundle.of(tables)
    sal_ids = [row["id"] for row in tables["service_at_location"]]
    return [Provider(**row) for row in hsds.derive_providers(bundle, sal_ids, now)]
