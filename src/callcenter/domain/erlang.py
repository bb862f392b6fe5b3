"""Staffing advice from Erlang C: how many agents a line needs to answer its calls on time.

Erlang C models a queue where callers arrive at random (Poisson), handle times are exponential,
nobody hangs up and every caller waits for the next free agent. Abandons make a real queue look a
little better than this, so the advice errs on the side of one agent too many.

Units: arrivals per hour, times in seconds; traffic A = arrivals per hour x AHT / 3600 Erlangs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from numbers import Integral, Real

SECONDS_PER_HOUR = 3600
DEFAULT_MAX_AGENTS = 1000


def traffic_erlangs(arrival_rate_per_hour: float, aht_seconds: float) -> float:
    """Offered load: how many agents would be busy all the time if calls never had to wait."""
    _check_rate(arrival_rate_per_hour)
    _check_aht(aht_seconds)
    return arrival_rate_per_hour * aht_seconds / SECONDS_PER_HOUR


def erlang_b(traffic: float, agents: int) -> float:
    """Probability a caller finds every agent busy when there is no queue (blocking).

    By the recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)): every step stays between 0 and 1,
    where A**n / n! would overflow a float beyond about 170 agents.
    """
    _check_traffic(traffic)
    _check_agents(agents)
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(traffic: float, agents: int) -> float:
    """Probability an arriving caller has to wait, with ``traffic`` Erlangs offered to ``agents``.

    C = N B / (N - A (1 - B)) with B = Erlang B(A, N), for N > A. With N <= A the queue grows
    without bound and everyone waits: 1.0. With no traffic nobody waits: 0.0.
    """
    _check_traffic(traffic)
    _check_agents(agents)
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    return _erlang_c_from_b(traffic, agents, erlang_b(traffic, agents))


def service_level(arrival_rate_per_hour: float, aht_seconds: float, agents: int, threshold_seconds: float) -> float:
    """Expected share of calls answered within ``threshold_seconds``.

    SL = 1 - C(A, N) * exp(-(N - A) * threshold / AHT). 0.0 when N <= A (the queue never clears);
    1.0 with no arrivals (nobody is kept waiting).
    """
    traffic = traffic_erlangs(arrival_rate_per_hour, aht_seconds)
    _check_agents(agents)
    _check_threshold(threshold_seconds)
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return _service_level(traffic, agents, erlang_c(traffic, agents), aht_seconds, threshold_seconds)


def average_speed_of_answer(arrival_rate_per_hour: float, aht_seconds: float, agents: int) -> float:
    """Expected wait in seconds, over all calls (those answered at once count as 0).

    ASA = C(A, N) * AHT / (N - A). ``math.inf`` when N <= A; 0.0 with no arrivals.
    """
    traffic = traffic_erlangs(arrival_rate_per_hour, aht_seconds)
    _check_agents(agents)
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(traffic, agents) * aht_seconds / (agents - traffic)


def occupancy(arrival_rate_per_hour: float, aht_seconds: float, agents: int) -> float:
    """Share of the agents' time spent on calls: A / N, at most 1.0 (0.0 with no arrivals)."""
    traffic = traffic_erlangs(arrival_rate_per_hour, aht_seconds)
    _check_agents(agents)
    if traffic == 0:
        return 0.0
    return 1.0 if agents <= traffic else traffic / agents


def agents_needed(
    arrival_rate_per_hour: float,
    aht_seconds: float,
    threshold_seconds: float,
    target_service_level: float,
    max_agents: int = DEFAULT_MAX_AGENTS,
) -> int:
    """The fewest agents whose service level reaches ``target_service_level`` (e.g. 0.80 in 20 s).

    Always more agents than the traffic A, since with N <= A the queue never clears. With no
    arrivals the answer is 0: nobody needs answering (staff a line for other reasons, not this one).
    Raises ValueError if even ``max_agents`` falls short, rather than search without end.
    """
    traffic = traffic_erlangs(arrival_rate_per_hour, aht_seconds)
    _check_threshold(threshold_seconds)
    if not isinstance(target_service_level, Real) or not 0 < target_service_level < 1:
        raise ValueError(
            f"Target service level must be a fraction between 0 and 1, exclusive "
            f"(got {target_service_level!r}; 80 % is 0.80)."
        )
    _check_agents(max_agents, name="max_agents")
    if traffic == 0:
        return 0
    # One pass of the Erlang B recursion serves every candidate N, so the search is linear in N.
    for agents, blocking in enumerate(_erlang_b_values(traffic)):
        if agents > max_agents:
            break
        if agents <= traffic:
            continue
        waiting = _erlang_c_from_b(traffic, agents, blocking)
        if _service_level(traffic, agents, waiting, aht_seconds, threshold_seconds) >= target_service_level:
            return agents
    raise ValueError(
        f"Even {max_agents} agents do not reach {target_service_level:.0%} within "
        f"{threshold_seconds:g} s for {traffic:.1f} Erlangs of traffic; check the inputs "
        f"or raise max_agents."
    )


def _erlang_b_values(traffic: float) -> Iterator[float]:
    """B(A, 0), B(A, 1), B(A, 2), ... without end."""
    blocking = 1.0
    n = 0
    while True:
        yield blocking
        n += 1
        blocking = traffic * blocking / (n + traffic * blocking)


def _erlang_c_from_b(traffic: float, agents: int, blocking: float) -> float:
    return agents * blocking / (agents - traffic * (1 - blocking))


def _service_level(traffic: float, agents: int, waiting: float, aht_seconds: float, threshold_seconds: float) -> float:
    return 1 - waiting * math.exp(-(agents - traffic) * threshold_seconds / aht_seconds)


def _check_finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number (got {value!r}).")
    return float(value)


def _check_rate(rate: object) -> None:
    if _check_finite("Arrival rate per hour", rate) < 0:
        raise ValueError(f"Arrival rate per hour cannot be negative (got {rate!r}).")


def _check_aht(aht: object) -> None:
    if _check_finite("Average handle time", aht) <= 0:
        raise ValueError(f"Average handle time must be more than 0 seconds (got {aht!r}).")


def _check_traffic(traffic: object) -> None:
    if _check_finite("Traffic in Erlangs", traffic) < 0:
        raise ValueError(f"Traffic in Erlangs cannot be negative (got {traffic!r}).")


def _check_threshold(threshold: object) -> None:
    if _check_finite("Service-level threshold", threshold) < 0:
        raise ValueError(f"Service-level threshold cannot be negative (got {threshold!r} seconds).")


def _check_agents(agents: object, name: str = "Number of agents") -> None:
    if isinstance(agents, bool) or not isinstance(agents, Integral) or agents < 0:
        raise ValueError(f"{name} must be a whole number, 0 or more (got {agents!r}).")
