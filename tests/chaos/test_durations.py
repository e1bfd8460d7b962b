import pytest

from chaos.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("2m", 120), ("1h", 3600), ("500ms", 0.5), ("1m30s", 90), ("45", 45), (12, 12)],
)
def test_parse(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "10x", "-5", "5 s s"])
def test_rejects_nonsense(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format():
    assert format_duration(0.25) == "250ms"
    assert format_duration(30) == "30s"
    assert format_duration(90) == "1m30s"
    assert format_duration(7200) == "2h00m"
