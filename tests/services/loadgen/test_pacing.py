import pytest

from services.loadgen.pacing import Pacer, plan_for_rate, plan_for_users
from tests.fakeclock import FakeClock


@pytest.mark.parametrize(
    ("rate", "users", "per_user"),
    [(50, 100, 0.5), (51, 102, 0.5), (50.3, 101, 50.3 / 101), (0.1, 1, 0.1), (0, 0, 0.5)],
)
def test_rate_maps_to_the_fewest_users_within_the_per_user_maximum(rate, users, per_user):
    plan = plan_for_rate(rate, max_per_user_rate=0.5)
    assert (plan.users, plan.per_user_rate) == (users, pytest.approx(per_user))
    assert plan.rate == pytest.approx(rate)


def test_users_keep_the_per_user_rate():
    assert plan_for_users(10, 0.3).rate == pytest.approx(3.0)


def test_pacer_keeps_a_fixed_schedule_whatever_the_latency():
    clock = FakeClock()
    pacer = Pacer(clock=clock, phase=lambda: 0.5)
    assert pacer.first_delay(rate=2) == pytest.approx(0.25)  # random phase within 0.5 s
    clock.now += 0.25 + 0.1  # first request took 100 ms
    assert pacer.wait_time(rate=2) == pytest.approx(0.4)
    clock.now += 0.4 + 0.45  # a slow request, still within the slot
    assert pacer.wait_time(rate=2) == pytest.approx(0.05)


def test_pacer_does_not_burst_after_an_overrun():
    clock = FakeClock()
    pacer = Pacer(clock=clock, phase=lambda: 0.0)
    pacer.first_delay(rate=2)
    clock.now += 2.0  # a request far longer than the slot
    assert pacer.wait_time(rate=2) == 0
    clock.now += 0.01
    assert pacer.wait_time(rate=2) == pytest.approx(0.49)  # re-anchored, no catch-up burst
