from services.loadgen.consistency.frontier import Frontier


def test_max_before_is_strictly_before():
    frontier = Frontier()
    frontier.add(2, 10)
    assert frontier.max_before(2) == 0
    assert frontier.max_before(2.1) == 10


def test_dominated_points_are_dropped_in_any_insertion_order():
    frontier = Frontier()
    for time, revision in [(5, 20), (1, 5), (3, 10), (4, 8), (2, 30)]:
        frontier.add(time, revision)
    assert [frontier.max_before(t) for t in (1, 1.5, 2.5, 4.5, 6)] == [0, 5, 30, 30, 30]
    assert len(frontier) == 2  # (1, 5) and (2, 30)
