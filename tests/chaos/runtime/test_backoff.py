from chaos.runtime.backoff import MAX_BACKOFF_SECONDS, next_backoff


def test_backoff_doubles_while_crash_looping_and_is_capped():
    delays, previous = [], 0.0
    for _ in range(6):
        previous = next_backoff(previous, ran_for=0.5, base=1.0)
        delays.append(previous)
    assert delays == [1.0, 2.0, 4.0, 8.0, MAX_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS]


def test_a_component_that_ran_a_while_starts_afresh():
    assert next_backoff(8.0, ran_for=60, base=1.0) == 1.0
