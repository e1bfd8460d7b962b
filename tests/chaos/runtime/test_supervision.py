"""The restart state both runtimes share, on a fake clock."""

from chaos.runtime.exits import ExitKind, ExitReason
from chaos.runtime.supervision import MAX_BACKOFF_SECONDS, STOPPED, Supervision, next_backoff

CRASH = ExitReason.observed(code=1)


def test_backoff_doubles_while_crash_looping_and_is_capped():
    delays, previous = [], 0.0
    for _ in range(6):
        previous = next_backoff(previous, ran_for=0.5, base=1.0)
        delays.append(previous)
    assert delays == [1.0, 2.0, 4.0, 8.0, MAX_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS]


def test_a_component_that_ran_a_while_starts_afresh():
    assert next_backoff(8.0, ran_for=60, base=1.0) == 1.0


def test_a_crash_restarts_after_the_backoff_and_counts_the_restart():
    unit = Supervision(base_backoff=1.0)
    unit.exited(CRASH, ran_for=30.0, now=100.0)
    assert unit.restart_pending and unit.last_exit == CRASH
    assert not unit.due(100.9)
    assert unit.due(101.0)
    unit.restarting()
    unit.started()
    assert unit.restarts == 1 and not unit.restart_pending


def test_a_crash_loop_waits_longer_each_time():
    unit = Supervision(base_backoff=1.0)
    waits = []
    for now in (0.0, 10.0, 20.0):
        unit.exited(CRASH, ran_for=0.2, now=now)
        waits.append(unit.restart_at - now)
        unit.started()
    assert waits == [1.0, 2.0, 4.0]


def test_a_held_down_component_is_not_restarted_until_released():
    unit = Supervision(base_backoff=1.0)
    unit.held_down = True  # a kill fault with stay_down
    unit.exited(ExitReason(kind=ExitKind.fault_kill, signal=9), ran_for=30.0, now=0.0)
    assert not unit.restart_pending and not unit.due(60.0)
    unit.want_up()  # the fault's revert starts it
    assert unit.keep_running and unit.due(60.0)


def test_a_stop_that_holds_and_a_plain_stop():
    unit = Supervision()
    unit.hold(True)
    unit.stopped()
    assert (unit.wanted, unit.held_down, unit.last_exit) == (False, True, STOPPED)
    unit.hold(False)
    assert (unit.wanted, unit.held_down) == (True, False)


def test_a_standby_slot_stays_down_and_a_held_one_stays_held_when_enabled():
    unit = Supervision(wanted=False)
    unit.set_enabled(True)
    assert unit.keep_running
    unit.held_down = True
    unit.set_enabled(True)
    assert not unit.wanted


def test_the_history_tells_exits_restarts_stops_and_starts_once_each():
    s = Supervision()
    s.started()  # the stack's first start: not an event
    crash = ExitReason.observed(code=1)
    s.exited(crash, ran_for=5, now=0)
    s.restarting()
    s.started()  # part of the restart, not a second event
    s.stopped()
    s.started()
    assert [(e.kind, e.exit) for e in s.history] == [
        ("exit", crash), ("restart", None), ("stop", STOPPED), ("start", None)]
    stamps = [e.ts for e in s.history]
    assert stamps == sorted(stamps)
