"""The consistency checker on hand-made histories.

Times are small integers: a write (start, end) = (1, 2) is acknowledged at 2, and a read
(3, 4) began after that acknowledgement.
"""

from services.loadgen.consistency.checker import ConsistencyChecker, check
from services.loadgen.consistency.history import Read, Write, decode, encode


def violations(history):
    return check(history).violations


def no_violations():
    return {"lost_write": 0, "stale_read": 0, "revision_regression": 0}


def test_clean_history_passes():
    history = [
        Write("cc/1", "a", 1, 2, revision=10),
        Read("cc/1", 3, 4, "a", 10),
        Write("cc/1", "b", 5, 6, revision=11),
        Read("cc/1", 5.5, 6.5, "a", 10),  # concurrent with the write of b: old value is fine
        Read("cc/1", 7, 8, "b", 11),
        Read("cc/2", 7, 8, None, 0),  # never written
        Read("cc/1", 9, 10, "b", 11, sweep=True),
    ]
    checker = check(history)
    assert checker.violations == no_violations()
    assert checker.reads_checked == 5
    assert checker.acknowledged_writes == 2
    assert checker.examples == []


def test_lost_write_is_flagged_by_the_sweep():
    history = [
        Write("cc/1", "a", 1, 2, revision=10),
        Write("cc/1", "b", 3, 4, revision=12),
        Read("cc/1", 5, 6, "a", 10, sweep=True),  # b is gone, replaced by an older value
        Write("cc/2", "c", 1, 2, revision=11),
        Read("cc/2", 5, 6, None, 0, sweep=True),  # c is gone entirely
    ]
    checker = check(history)
    assert checker.violations == {**no_violations(), "lost_write": 2}
    assert {(v.kind, v.key, v.expected_revision) for v in checker.examples} == {
        ("lost_write", "cc/1", 12),
        ("lost_write", "cc/2", 11),
    }


def test_stale_read_is_flagged():
    history = [
        Write("cc/1", "a", 1, 2, revision=10),
        Write("cc/1", "b", 3, 4, revision=12),
        Read("cc/1", 5, 6, "a", 10),  # b was acknowledged before this read began
    ]
    checker = check(history)
    assert checker.violations == {**no_violations(), "stale_read": 1}
    [example] = checker.examples
    assert (example.seen_value, example.seen_revision, example.expected_revision) == ("a", 10, 12)


def test_missing_key_after_acknowledged_write_is_a_stale_read():
    assert violations([Write("cc/1", "a", 1, 2, revision=10), Read("cc/1", 3, 4, None, 0)]) == {
        **no_violations(),
        "stale_read": 1,
    }


def test_revision_regression_is_flagged():
    history = [
        Write("cc/1", "a", 1, 2, revision=10),
        Write("cc/1", "x", 3, 4, revision=None),  # timed out, but it did happen (rev 15)
        Read("cc/1", 5, 6, "x", 15),
        Read("cc/1", 7, 8, "a", 10),  # went back behind a read that had already completed
    ]
    checker = check(history)
    assert checker.violations == {**no_violations(), "revision_regression": 1}
    assert checker.examples[0].expected_revision == 15


def test_overlapping_reads_may_disagree():
    history = [
        Write("cc/1", "x", 1, 2, revision=None),
        Read("cc/1", 3, 6, "x", 15),
        Read("cc/1", 4, 5, None, 0),  # began before the other read completed
    ]
    assert violations(history) == no_violations()


def test_indeterminate_write_never_seen_again_is_not_lost():
    history = [
        Write("cc/1", "a", 1, 2, revision=10),
        Write("cc/1", "x", 3, 4, revision=None),
        Read("cc/1", 5, 6, "a", 10),
        Read("cc/1", 7, 8, "a", 10, sweep=True),
    ]
    checker = check(history)
    assert checker.violations == no_violations()
    assert checker.indeterminate_writes == 1


def test_indeterminate_write_seen_later_is_fine():
    history = [
        Write("cc/1", "a", 1, 2, revision=10),
        Write("cc/1", "x", 3, 4, revision=None),
        Read("cc/1", 5, 6, "a", 10),
        Read("cc/1", 7, 8, "x", 11),
        Read("cc/1", 9, 10, "x", 11, sweep=True),
    ]
    assert violations(history) == no_violations()


def test_value_identity_beats_a_misleading_revision():
    # The API claims a fresh revision, but "a" is the value of the write at revision 10.
    history = [
        Write("cc/1", "a", 1, 2, revision=10),
        Write("cc/1", "b", 3, 4, revision=12),
        Read("cc/1", 5, 6, "a", 99),
    ]
    assert violations(history)["stale_read"] == 1


def test_reads_wait_for_the_watermark_so_late_writes_still_count():
    checker = ConsistencyChecker()
    checker.add(Write("cc/1", "a", 1, 2, revision=10))
    checker.add(Read("cc/1", 5, 6, "a", 10))  # from a worker that reported early
    checker.advance(4)
    assert checker.pending_reads == 1
    checker.add(Write("cc/1", "b", 3, 4, revision=12))  # from a worker that reported late
    checker.advance(6)
    assert checker.pending_reads == 0
    assert checker.violations["stale_read"] == 1


def test_examples_are_capped_but_counts_are_not():
    history = [Write("cc/1", "b", 1, 2, revision=12)]
    history += [Read("cc/1", 3 + i, 3.5 + i, None, 0) for i in range(5)]
    checker = check(history, max_examples=2)
    assert checker.violations["stale_read"] == 5
    assert len(checker.examples) == 2


def test_summary_shape():
    summary = check([Write("cc/1", "a", 1, 2, revision=10), Read("cc/1", 3, 4, None, 0)]).summary()
    assert summary["acknowledged_writes"] == 1
    assert summary["indeterminate_writes"] == 0
    assert summary["reads_checked"] == 1
    assert summary["violations"] == {**no_violations(), "stale_read": 1}
    assert summary["examples"][0]["kind"] == "stale_read"


def test_events_survive_encoding():
    for event in (Write("cc/1", "a", 1.5, 2.5, None), Read("cc/1", 1, 2, None, 0, sweep=True)):
        assert decode(encode(event)) == event
