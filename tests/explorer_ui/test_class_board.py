"""The class board's helpers: its map (misread marked by shape as well as colour), chart sizes, retention."""

from types import SimpleNamespace

import numpy as np
import pytest

from explorer_ui import class_board
from explorer_ui.class_board import (
    BOARD_CHART_HEIGHT,
    PROJECTOR_CHART_HEIGHT,
    board_chart,
    class_map_figure,
    misread_caption,
    retention_days,
)
from explorer_ui.evaluation_charts import accuracy_figure, confusion_figure
from explorer_ui.pictures import DIFFERENT_COLOUR, DIGIT_COLOURS


def _map(projector: bool = False):
    generator = np.random.default_rng(0)
    points, labels = generator.normal(size=(200, 2)), np.arange(200) % 10
    placed = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    return class_map_figure(points, labels, placed, np.array([1, 1, 7, 3]), np.array([1, 3]), projector=projector)


def _per_digit():
    """What ``accuracy_figure`` reads of a class report: two digits drawn, one read right every time."""
    return SimpleNamespace(
        per_digit_accuracy=np.array([1.0, 0.5] + [np.nan] * 8), per_digit_count=np.array([2, 2] + [0] * 8)
    )


def test_misread_drawings_get_a_cross_over_their_star_not_only_a_red_rim():
    figure = _map()
    crosses = [trace for trace in figure.data if trace.name == "misread" and not trace.showlegend]
    assert len(crosses) == 1 and crosses[0].marker.symbol == "x-thin"
    assert list(zip(crosses[0].x, crosses[0].y, strict=True)) == [(1.0, 1.0), (3.0, 3.0)]  # drawings 1 and 3
    stars = {trace.name: trace for trace in figure.data if trace.name.startswith("our ") and not trace.showlegend}
    assert set(stars) == {"our 1s", "our 3s", "our 7s"} and stars["our 7s"].marker.color == DIGIT_COLOURS[7]
    assert all(trace.marker.symbol == "star" for trace in stars.values())
    assert crosses[0].marker.line.color == DIFFERENT_COLOUR


def test_the_map_legend_has_the_ten_digits_and_explains_star_and_cross():
    names = [trace.name for trace in _map().data if trace.showlegend is not False]
    assert names == [str(digit) for digit in range(10)] + ["our drawings", "misread"]


def test_projector_mode_enlarges_the_charts_text_and_keeps_them_within_a_768_px_screen():
    for projector, size in ((False, 13), (True, 20)):
        figure = board_chart(accuracy_figure(_per_digit()), projector=projector)
        assert figure.layout.xaxis.tickfont.size == size and figure.layout.yaxis.tickfont.size == size
        assert figure.layout.height == (PROJECTOR_CHART_HEIGHT if projector else BOARD_CHART_HEIGHT) <= 470
    assert _map(projector=True).layout.legend.font.size > _map().layout.legend.font.size
    labels = board_chart(accuracy_figure(_per_digit()), projector=True).data[0].text
    assert list(labels[:3]) == ["100", "50", ""]  # "100%" is too wide over a bar in large type


def test_a_misread_caption_says_it_with_a_mark_and_words():
    assert misread_caption(12, 7, 1) == "✗ #12 · meant 7, read 1"


@pytest.mark.parametrize(
    ("setting", "days", "problem"),
    [(None, 30.0, ""), ("7", 7.0, ""), ("0.5", 0.5, ""), ("0", 30.0, "not a number of days above 0"),
     ("-3", 30.0, "above 0"), ("forever", 30.0, "'forever'"), ("nan", 30.0, "above 0")],
)  # fmt: skip
def test_the_retention_setting_is_read_or_said_wrong(monkeypatch, setting, days, problem):
    if setting is None:
        monkeypatch.delenv(class_board.RETENTION_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(class_board.RETENTION_VARIABLE, setting)
    found, said = retention_days()
    assert found == days and problem in said and bool(said) == bool(problem)


def test_projector_mode_says_percent_on_the_bar_chart_alone():
    assert board_chart(accuracy_figure(_per_digit()), projector=True).layout.yaxis.title.text == "read right (%)"
    confusion = board_chart(confusion_figure(SimpleNamespace(confusion=np.eye(10, dtype=int))), projector=True)
    assert confusion.layout.yaxis.title.text == "meant"
    assert _map(projector=True).layout.yaxis.title.text != "read right (%)"
