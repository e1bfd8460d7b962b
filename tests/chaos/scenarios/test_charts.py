"""Report charts draw whatever Prometheus had, including nothing at all."""

from __future__ import annotations

from chaos.scenarios.charts import PANELS, Window, draw


def test_charts_draw_with_no_series_at_all(tmp_path):
    # A run (or a drill's debrief) while Prometheus returned nothing: still every chart.
    written = draw(tmp_path, "empty", {}, [], duration=30.0)
    assert written[0] == "overview.png" and len(written) == len(PANELS) + 1
    assert all((tmp_path / name).stat().st_size > 0 for name in written)


def test_charts_start_at_the_earliest_sample(tmp_path):
    key = PANELS[0].key
    data = {key: {"web-1": [(-5.0, 0.1), (0.0, 0.2), (10.0, 0.3)]}}
    written = draw(tmp_path, "one series", data, [Window("kill web-1", 2.0, 8.0)], duration=10)
    assert len(written) == len(PANELS) + 1
