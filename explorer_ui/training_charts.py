"""Plotly charts of a training run: the live loss chart and the comparison of a session's runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer_ui.pictures import ACCENT_COLOUR, DIGIT_COLOURS, SAME_COLOUR

if TYPE_CHECKING:
    from siamese.training.history import TrainingHistory

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def loss_figure(history: TrainingHistory, *, steps_per_epoch: int, epochs: int) -> go.Figure:
    """Running loss per batch, train and validation loss per epoch, validation pair accuracy on the right."""
    figure = go.Figure()
    if history.batch_losses:
        x = np.arange(1, len(history.batch_losses) + 1) / steps_per_epoch
        figure.add_scatter(
            x=x,
            y=history.batch_losses,
            name="training loss (running, per batch)",
            line={"color": "#94a3b8", "width": 1.5},
        )
    if history.epochs:
        epochs_done = [record.epoch for record in history.epochs]
        for name, values, line, axis in (
            ("training loss (epoch)", [r.train_loss for r in history.epochs], {"color": ACCENT_COLOUR}, "y"),
            ("validation loss", [r.validation_loss for r in history.epochs], {"color": "#f59e0b"}, "y"),
            (
                "validation pair accuracy",
                [r.validation_pair_accuracy for r in history.epochs],
                {"color": SAME_COLOUR, "dash": "dot"},
                "y2",
            ),
        ):
            figure.add_scatter(x=epochs_done, y=values, name=name, mode="lines+markers", line=line, yaxis=axis)
    figure.update_layout(
        height=380,
        margin=_MARGIN,
        legend={"orientation": "h", "x": 0, "y": -0.25, "yanchor": "top"},
        xaxis={"title": {"text": "epoch", "standoff": 4}, "range": [0, epochs]},
        yaxis={"title": "loss", "rangemode": "tozero"},
        yaxis2={
            "title": "pair accuracy",
            "overlaying": "y",
            "side": "right",
            "range": [0.5, 1.0],
            "tickformat": ".0%",
            "dtick": 0.1,
            "showgrid": False,
        },
        title="Loss and accuracy",
    )
    return figure


def comparison_figure(histories: list[tuple[str, TrainingHistory]]) -> go.Figure:
    """Validation pair accuracy per epoch of each named run, one line each."""
    figure = go.Figure()
    for number, (name, history) in enumerate(histories):
        if history.epochs:
            figure.add_scatter(
                x=[record.epoch for record in history.epochs],
                y=[record.validation_pair_accuracy for record in history.epochs],
                mode="lines+markers",
                name=name,
                line={"color": DIGIT_COLOURS[number % len(DIGIT_COLOURS)]},
            )
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title="Validation pair accuracy",
        xaxis={"title": "epoch"},
        yaxis={"title": "pair accuracy"},
    )
    return figure
