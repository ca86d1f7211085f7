"""Plotly charts of two models side by side: their ROC curves on one chart, and their aligned maps.

Model A is blue with solid lines and round markers, model B orange with dashed lines and diamonds, so
the two never differ by colour alone (blue and orange stay apart for colour-blind eyes too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer_ui.maps import digit_marker, digit_name
from explorer_ui.pictures import INK_COLOUR, NEUTRAL_COLOUR
from siamese.conventions import NUM_CLASSES

if TYPE_CHECKING:
    from siamese.evaluation.scores import Evaluation

MODEL_COLOURS = {"A": "#1d4ed8", "B": "#c2410c"}
MODEL_DASHES = {"A": "solid", "B": "dash"}
MODEL_MARKERS = {"A": "circle", "B": "diamond"}


def roc_overlay_figure(first: Evaluation, second: Evaluation) -> go.Figure:
    """Model A's and B's ROC curves on the same test pairs, each marked where its own threshold puts it."""
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": NEUTRAL_COLOUR}, name="guessing")
    for letter, evaluation in (("A", first), ("B", second)):
        roc, calls = evaluation.roc, evaluation.calls
        colour = MODEL_COLOURS[letter]
        figure.add_scatter(
            x=roc.false_positive_rate,
            y=roc.true_positive_rate,
            mode="lines",
            line={"color": colour, "width": 3, "dash": MODEL_DASHES[letter]},
            name=f"{letter} (AUC {roc.auc:.3f})",
        )
        figure.add_scatter(
            x=[calls.false_positive_rate],
            y=[calls.true_positive_rate],
            mode="markers",
            marker={
                "size": 13,
                "color": colour,
                "symbol": MODEL_MARKERS[letter],
                "line": {"color": INK_COLOUR, "width": 1.5},
            },
            name=f"{letter} at its threshold {calls.threshold:.3f}",
        )
    figure.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis_title="different-digit pairs wrongly called same",
        yaxis_title="same-digit pairs rightly called same",
        xaxis={"range": [0, 1.02], "tickformat": ".0%"},
        yaxis={"range": [0, 1.02], "tickformat": ".0%"},
        legend={"x": 0.98, "y": 0.02, "xanchor": "right", "yanchor": "bottom"},
    )
    return figure


def aligned_map_figure(
    points: np.ndarray, digits: np.ndarray, *, extent: float, held_out: tuple[int, ...] = ()
) -> go.Figure:
    """``(n, 2)`` points of test digits by digit, each digit's number written at the middle of its cluster,
    on square axes of half-width ``extent`` (the same for both maps, so their clusters can be compared)."""
    figure = go.Figure()
    for digit in range(NUM_CLASSES):
        chosen = digits == digit
        if not np.any(chosen):
            continue
        figure.add_scatter(
            x=points[chosen, 0],
            y=points[chosen, 1],
            mode="markers",
            name=digit_name(digit, held_out),
            marker=digit_marker(digit, held_out, size=5, opacity=0.6),
            hovertemplate=f"a test {digit}<extra></extra>",
        )
        # The number itself, so a cluster is found by its digit and not by its colour alone.
        middle = np.median(points[chosen], axis=0)
        figure.add_annotation(
            x=float(middle[0]),
            y=float(middle[1]),
            text=f"<b>{digit}</b>",
            showarrow=False,
            font={"size": 16, "color": INK_COLOUR},
            bgcolor="rgba(255, 255, 255, 0.8)",
            bordercolor=digit_marker(digit, held_out)["color"],
            borderwidth=2,
            borderpad=2,
        )
    figure.update_layout(
        height=440,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"itemsizing": "constant", "orientation": "h", "y": -0.02, "yanchor": "top"},
        xaxis={"range": [-extent, extent], "showticklabels": False, "zeroline": False},
        yaxis={"range": [-extent, extent], "showticklabels": False, "zeroline": False, "scaleanchor": "x"},
    )
    return figure
