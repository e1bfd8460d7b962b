import random
from collections import Counter

import pytest

from services.loadgen.mix import DEFAULT_MIX, DEFAULT_MIX_SPEC, OperationPicker, parse_mix


def test_default_spec_round_trips():
    assert parse_mix(DEFAULT_MIX_SPEC) == DEFAULT_MIX


def test_unnamed_operations_get_zero_weight():
    weights = parse_mix("get_hot=3, put=1")
    assert weights["get_hot"] == 3 and weights["put"] == 1 and weights["delete"] == 0


@pytest.mark.parametrize("spec", ["nope=1", "get_hot", "get_hot=x", "get_hot=-1", "get_hot=0", ""])
def test_bad_specs_are_rejected(spec):
    with pytest.raises(ValueError):
        parse_mix(spec)


def test_picker_follows_the_weights():
    picker = OperationPicker(parse_mix("get_hot=3,put=1"), random.Random(7))
    counts = Counter(picker.pick() for _ in range(4000))
    assert set(counts) == {"get_hot", "put"}
    assert 2.6 < counts["get_hot"] / counts["put"] < 3.4
