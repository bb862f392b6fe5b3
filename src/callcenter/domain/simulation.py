"""Realistic arrivals for demos and load: Poisson per line, impatient callers hang up."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from callcenter.domain.errors import ValidationError
from callcenter.domain.lines import LINE_CODES, line_code_from_text
from callcenter.domain.model import Priority

# Arrivals per hour on a busy weekday, by line.
DEFAULT_RATES: dict[str, float] = {"877": 90.0, "866": 12.0, "tty": 3.0, "fax": 10.0, "web": 8.0}
# Livelier, for the demo console (`callcenter --simulate`): someone new every ten seconds or so.
DEMO_RATES: dict[str, float] = {"877": 240.0, "866": 40.0, "tty": 12.0, "fax": 20.0, "web": 20.0}
MEAN_PATIENCE_SECONDS = 240.0
EMERGENCY_SHARE = 0.05
REPEAT_SHARE = 0.15


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float  # seconds from the start of the simulation
    line: str
    number: str | None
    priority: Priority
    patience: float  # seconds this caller waits before hanging up

    @property
    def gives_up_at(self) -> float:
        return self.at + self.patience


def parse_rates(texts: list[str]) -> dict[str, float]:
    """--rate 877=120 --rate tty=5 → per-line rates, on top of the defaults."""
    rates = dict(DEFAULT_RATES)
    for text in texts:
        line, sep, value = text.partition("=")
        if not sep:
            raise ValidationError(f"Rate {text!r} needs the form LINE=PER_HOUR, e.g. 877=120.", "rate")
        code = line_code_from_text(line)
        try:
            per_hour = float(value)
        except ValueError:
            raise ValidationError(f"Rate {value!r} for line {code} is not a number.", "rate") from None
        if not 0 <= per_hour <= 100_000:
            raise ValidationError(f"Rate for line {code} must be between 0 and 100000 per hour.", "rate")
        rates[code] = per_hour
    return rates


def fictional_number(rng: random.Random) -> str:
    """A number from the 555-0100..0199 block, which North America keeps for fiction."""
    return f"+1{rng.choice(['203', '860', '475', '959'])}55501{rng.randrange(100):02d}"


def arrivals(rates: Mapping[str, float], rng: random.Random, until: float | None = None) -> Iterator[Arrival]:
    """Merged Poisson streams of every line, in time order (endless when `until` is None)."""
    next_at = {code: _gap(rates.get(code, 0.0), rng) for code in LINE_CODES}
    recent: list[str] = []
    while True:
        code = min(next_at, key=lambda line: next_at[line])
        at = next_at[code]
        if at == float("inf") or (until is not None and at > until):
            return
        next_at[code] = at + _gap(rates.get(code, 0.0), rng)
        number = None
        if code != "web":
            number = rng.choice(recent) if recent and rng.random() < REPEAT_SHARE else fictional_number(rng)
            recent = (recent + [number])[-50:]
        priority = Priority.EMERGENCY if code == "877" and rng.random() < EMERGENCY_SHARE else Priority.NORMAL
        yield Arrival(at, code, number, priority, rng.expovariate(1 / MEAN_PATIENCE_SECONDS))


def _gap(per_hour: float, rng: random.Random) -> float:
    return rng.expovariate(per_hour / 3600) if per_hour > 0 else float("inf")
