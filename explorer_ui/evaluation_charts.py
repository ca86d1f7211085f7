"""Plotly charts of an evaluation: distance histograms, the ROC curve, the error table, a distance gauge."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer_ui.pictures import (
    ACCENT_COLOUR,
    DIFFERENT_COLOUR,
    DIGIT_COLOURS,
    INK_COLOUR,
    NEUTRAL_COLOUR,
    SAME_COLOUR,
    tint,
)
from siamese.conventions import NUM_CLASSES

if TYPE_CHECKING:
    from siamese.evaluation.scores import Evaluation, ThresholdCalls

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def histogram_figure(evaluation: Evaluation, *, threshold: float, margin: float | None) -> go.Figure:
    """Same-digit and different-digit pair distances on shared bins, the threshold and the margin as lines.

    Different-digit bars are hatched, so the two hills differ in more than colour.
    """
    histograms = evaluation.histograms
    edges = histograms.bin_edges
    centres, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    figure = go.Figure()
    for name, counts, colour, pattern in (
        ("same digit", histograms.same_counts, SAME_COLOUR, ""),
        ("different digits", histograms.different_counts, DIFFERENT_COLOUR, "/"),
    ):
        marker = {"color": colour, "pattern": {"shape": pattern, "fillmode": "overlay", "fgcolor": "white", "size": 6}}
        figure.add_bar(x=centres, y=counts, width=widths, name=name, marker=marker, opacity=0.6)
    figure.add_vline(
        x=threshold, line_dash="dash", line_color=INK_COLOUR, annotation_text="threshold", annotation_position="top"
    )
    if margin is not None:
        figure.add_vline(
            x=margin,
            line_dash="dot",
            line_color=NEUTRAL_COLOUR,
            annotation_text=f"margin {margin:g}",
            annotation_position="top left",
        )
    figure.update_layout(
        barmode="overlay",
        height=340,
        margin=_MARGIN,
        xaxis_title=f"{evaluation.metric} distance between the two embeddings",
        yaxis_title="test pairs",
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )
    return figure


def roc_figure(evaluation: Evaluation, calls: ThresholdCalls) -> go.Figure:
    """The ROC curve with a cross at the rates of ``calls`` (the slider's threshold)."""
    roc = evaluation.roc
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": NEUTRAL_COLOUR}, name="guessing")
    figure.add_scatter(
        x=roc.false_positive_rate,
        y=roc.true_positive_rate,
        mode="lines",
        line={"color": ACCENT_COLOUR, "width": 3},
        name=f"model (AUC {roc.auc:.3f})",
    )
    # The curve's own points are thinned by scikit-learn, so the marker is placed from the calls themselves.
    figure.add_scatter(
        x=[calls.false_positive_rate],
        y=[calls.true_positive_rate],
        mode="markers",
        marker={"size": 13, "color": INK_COLOUR, "symbol": "x"},
        name=f"threshold {calls.threshold:.3f}",
    )
    figure.update_layout(
        height=340,
        margin=_MARGIN,
        xaxis_title="different-digit pairs wrongly called same",
        yaxis_title="same-digit pairs rightly called same",
        xaxis={"range": [0, 1.02], "tickformat": ".0%"},
        yaxis={"range": [0, 1.02], "tickformat": ".0%"},
        legend={"x": 0.98, "y": 0.02, "xanchor": "right", "yanchor": "bottom"},
    )
    return figure


def error_figure(calls: ThresholdCalls) -> go.Figure:
    """A 10 x 10 heat map of the share of wrong calls per digit pair, each cell labelled wrong / all."""
    table = calls.error_table
    error_rate = table.error_rate
    labels = [
        [f"{rate:.0%}<br>{errors}/{total}" if total else "" for rate, errors, total in zip(*row, strict=True)]
        for row in zip(error_rate, table.errors, table.totals, strict=True)
    ]
    digits = [str(digit) for digit in range(NUM_CLASSES)]
    figure = go.Figure(
        go.Heatmap(
            z=error_rate,
            x=digits,
            y=digits,
            text=labels,
            texttemplate="%{text}",
            textfont={"size": 10},
            colorscale="Reds",
            zmin=0,
            zmax=max(float(np.nanmax(error_rate)) if np.any(table.totals) else 0.0, 0.05),
            colorbar={"title": "error rate", "tickformat": ".0%"},
            hovertemplate="digits %{y} & %{x}: %{z:.1%} wrong<extra></extra>",
        )
    )
    figure.update_layout(
        height=520,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "digit", "type": "category", "constrain": "domain"},
        yaxis={
            "title": "digit",
            "type": "category",
            "autorange": "reversed",
            "scaleanchor": "x",
            "constrain": "domain",
        },
    )
    return figure


def distance_gauge(distance: float, *, threshold: float, same: bool) -> go.Figure:
    """A bar for ``distance`` on a scale that is blue up to ``threshold`` and orange beyond it, each side labelled."""
    top = max(2.0 * threshold, 1.15 * distance, 1e-6)
    figure = go.Figure(
        go.Indicator(
            mode="gauge",
            value=distance,
            domain={"x": [0.0, 1.0], "y": [0.0, 1.0]},
            gauge={
                "shape": "bullet",
                "axis": {"range": [0, top]},
                "bar": {"color": SAME_COLOUR if same else DIFFERENT_COLOUR, "thickness": 0.45},
                "steps": [
                    {"range": [0, threshold], "color": tint(SAME_COLOUR, 0.2)},
                    {"range": [threshold, top], "color": tint(DIFFERENT_COLOUR, 0.2)},
                ],
                "threshold": {"line": {"color": INK_COLOUR, "width": 3}, "thickness": 0.9, "value": threshold},
            },
        )
    )
    for low, high, text in ((0.0, threshold, "= same"), (threshold, top, "≠ different")):
        figure.add_annotation(
            x=(low + high) / 2 / top, y=1.0, xref="paper", yref="paper", yanchor="bottom", text=text, showarrow=False
        )
    figure.update_layout(height=130, margin={"l": 10, "r": 20, "t": 30, "b": 30})
    return figure


def accuracy_figure(report) -> go.Figure:
    """A class's share of drawings read right, per digit (a ``class_report.ClassReport``)."""
    digits = [str(digit) for digit in range(NUM_CLASSES)]
    labels = [
        f"{rate:.0%}" if count else ""
        for rate, count in zip(report.per_digit_accuracy, report.per_digit_count, strict=True)
    ]
    figure = go.Figure(
        go.Bar(
            x=digits,
            y=np.nan_to_num(report.per_digit_accuracy),
            marker_color=list(DIGIT_COLOURS),
            text=labels,
            textposition="outside",
        )
    )
    figure.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title="Read right, per digit",
        yaxis={"range": [0, 1.15], "tickformat": ".0%"},
        xaxis={"type": "category"},
    )
    return figure


def confusion_figure(report) -> go.Figure:
    """How often each digit meant (rows) was read as each digit (columns)."""
    digits = [str(digit) for digit in range(NUM_CLASSES)]
    figure = go.Figure(
        go.Heatmap(
            z=report.confusion,
            x=digits,
            y=digits,
            colorscale="Blues",
            texttemplate="%{z}",
            hovertemplate="meant %{y}, read %{x}: %{z}<extra></extra>",
            showscale=False,
        )
    )
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title="Meant (rows) and read as (columns)",
        xaxis={"type": "category", "title": "read as"},
        yaxis={"type": "category", "autorange": "reversed", "title": "meant"},
    )
    return figure
