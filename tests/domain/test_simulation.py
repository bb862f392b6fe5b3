import random

import pytest

from callcenter.domain.errors import ValidationError
from callcenter.domain.model import Priority
from callcenter.domain.simulation import arrivals, parse_rates


def test_arrival_counts_follow_the_rates():
    rates = {"877": 360.0, "866": 36.0, "tty": 0.0, "fax": 0.0, "web": 0.0}
    events = list(arrivals(rates, random.Random(3), until=10 * 3600))
    by_line = {code: sum(1 for e in events if e.line == code) for code in rates}
    assert 3300 < by_line["877"] < 3900  # 3600 expected; Poisson sd is 60
    assert 300 < by_line["866"] < 420
    assert by_line["tty"] == 0
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert all(e.gives_up_at == e.at + e.patience for e in events)
    emergencies = sum(1 for e in events if e.priority == Priority.EMERGENCY)
    assert 0.03 < emergencies / by_line["877"] < 0.07


def test_web_referrals_have_no_number_and_phones_are_fictional():
    events = list(arrivals({"web": 100.0, "877": 100.0}, random.Random(1), until=3600))
    assert all(e.number is None for e in events if e.line == "web")
    assert all(e.number[5:10] == "55501" for e in events if e.line == "877")


@pytest.mark.parametrize("text", ["877", "877=", "877=-1", "zzz=5", "877=lots"])
def test_bad_rates_are_refused(text):
    with pytest.raises(ValidationError):
        parse_rates([text])


def test_rates_override_defaults():
    assert parse_rates(["tty=12", "877-552-8247=30"])["tty"] == 12.0
    assert parse_rates(["877-552-8247=30"])["877"] == 30.0
