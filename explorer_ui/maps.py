"""Plotly maps of embeddings: the live training map, the Embeddings page's maps, the Draw page's map.

Every map gets its points from ``siamese.evaluation.projection``; these functions only draw them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer_ui.formatting import chart_plain
from explorer_ui.pictures import DIGIT_COLOURS, INK_COLOUR
from siamese.conventions import NUM_CLASSES

if TYPE_CHECKING:
    from siamese.evaluation.projection import Projection
    from siamese.evaluation.unseen_shapes import Placement
    from siamese.training.snapshots import Snapshot

UNSEEN_SYMBOL = "diamond"  # digits the model never saw in training: their own marker and legend entry
UNSEEN_SHAPE_COLOUR = "#475569"


def digit_name(digit: int, held_out: tuple[int, ...]) -> str:
    """A digit's legend entry: "7", or "7 (never seen)" for a held-out digit."""
    return f"{digit} (never seen)" if digit in held_out else str(digit)


def digit_marker(digit: int, held_out: tuple[int, ...], **marker) -> dict:
    """A digit's marker: its colour, and a diamond with a dark outline when the model never saw it."""
    if digit in held_out:
        marker = {**marker, "symbol": UNSEEN_SYMBOL, "line": {"color": INK_COLOUR, "width": 0.6}}
    return {"color": DIGIT_COLOURS[digit], **marker}


def snapshot_figure(
    snapshot: Snapshot, labels: np.ndarray, *, extent: float, held_out: tuple[int, ...] = ()
) -> go.Figure:
    """The training map after one epoch, on fixed square axes of half-width ``extent``; held-out digits marked."""
    figure = go.Figure()
    for digit in range(NUM_CLASSES):
        chosen = labels == digit
        figure.add_scatter(
            x=snapshot.points[chosen, 0],
            y=snapshot.points[chosen, 1],
            mode="markers",
            name=digit_name(digit, held_out),
            marker=digit_marker(digit, held_out, size=5 if digit not in held_out else 7),
        )
    figure.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title=f"Embedding space after epoch {snapshot.epoch}",
        xaxis={"range": [-extent, extent], "showticklabels": False, "title": "PCA 1"},
        yaxis={"range": [-extent, extent], "showticklabels": False, "title": "PCA 2", "scaleanchor": "x"},
        legend={"title": "digit"},
    )
    return figure


def embedding_map_figure(
    points: np.ndarray,
    *,
    digits: np.ndarray,
    positions: np.ndarray,
    method: str,
    shown: int,
    held_out: tuple[int, ...] = (),
) -> go.Figure:
    """``(n, 2 or 3)`` points of test digits, one trace per digit, a ring around test digit ``shown``.

    ``positions`` (n,) are the test indices of the points; they come back from a click as ``customdata``.
    Digits in ``held_out`` (never seen in training) get their own marker and legend entry.
    """
    three_d = points.shape[1] == 3
    figure = go.Figure()
    for digit in range(NUM_CLASSES):
        in_digit = digits == digit
        if not np.any(in_digit):
            continue
        figure.add_trace(
            _scatter(
                points[in_digit],
                three_d,
                name=digit_name(digit, held_out),
                marker=digit_marker(digit, held_out, size=3 if three_d else 5, opacity=0.75),
                customdata=positions[in_digit],
                hovertext=[f"digit {digit} · test #{index}" for index in positions[in_digit]],
            )
        )
    ring = np.flatnonzero(positions == shown)
    if ring.size:
        figure.add_trace(
            _scatter(
                points[ring],
                three_d,
                name=f"#{shown}",
                showlegend=False,
                marker={
                    "color": INK_COLOUR,
                    "size": 10 if three_d else 18,
                    "symbol": "circle-open",
                    "line": {"width": 3},
                },
                customdata=[shown],
                hovertext=[f"shown: test #{shown}"],
            )
        )
    axis_names = [f"{method} {number}" for number in range(1, points.shape[1] + 1)]
    figure.update_layout(
        height=480,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        legend={"title": "digit", "itemsizing": "constant"},
        clickmode="event+select",
    )
    if three_d:
        # The numbers on projection axes mean nothing to a student, and in 3-D they crowd the small scene.
        figure.update_scenes(
            xaxis={"title": axis_names[0], "showticklabels": False},
            yaxis={"title": axis_names[1], "showticklabels": False},
            zaxis={"title": axis_names[2], "showticklabels": False},
        )
    else:
        figure.update_xaxes(title=axis_names[0], showticklabels=False)
        figure.update_yaxes(title=axis_names[1], showticklabels=False)
    return figure


def reference_map_figure(
    points: np.ndarray,
    labels: np.ndarray,
    *,
    neighbours: np.ndarray | None = None,
    query: np.ndarray | None = None,
    query_digit: int | None = None,
    held_out: tuple[int, ...] = (),
    method: str = "PCA",
    extra_traces: tuple[dict, ...] = (),
) -> go.Figure:
    """The Draw page's map: ``(n, 2)`` reference points by digit, rings at ``neighbours`` ``(k, 2)``, a star at
    ``query`` ``(1, 2)`` coloured as ``query_digit``.

    Built from dicts in one ``go.Figure`` call: a third of the CPU of ``add_trace`` and
    ``update_layout``, which matters when thirty sessions redraw this map after every stroke.
    """
    traces = [
        _trace_dict(
            points[labels == digit],
            name=digit_name(digit, held_out),
            marker=digit_marker(digit, held_out, size=5 if digit not in held_out else 7, opacity=0.55),
            hover=f"a training {digit}" + (", a digit the model never saw" if digit in held_out else ""),
            kind="scattergl",
        )
        for digit in range(NUM_CLASSES)
    ]
    outline = {"color": INK_COLOUR, "width": 2}
    if neighbours is not None:
        ring = {"size": 13, "color": "rgba(0,0,0,0)", "line": outline}
        traces.append(_trace_dict(neighbours, name="nearest", marker=ring, hover="one of the nearest training digits"))
    traces.extend(extra_traces)
    if query is not None:
        traces.append(query_trace(query, digit=query_digit))
    layout = {
        "height": 460,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"title": {"text": "digit"}, "itemsizing": "constant"},
        "xaxis": {"title": {"text": f"{method} 1"}, "showticklabels": False, "zeroline": False},
        "yaxis": {"title": {"text": f"{method} 2"}, "showticklabels": False, "zeroline": False},
        "title": {"text": f"{len(labels):,} training digits, flattened to 2-D", "font": {"size": 14}},
    }
    return go.Figure(data=traces, layout=layout)


def drawing_map_figure(
    projection: Projection,
    labels: np.ndarray,
    *,
    result=None,
    references: np.ndarray | None = None,
    held_out: tuple[int, ...] = (),
    method: str = "PCA",
) -> go.Figure:
    """The Draw page's map: the sampled training digits of ``projection`` and, for a query ``result`` (a
    ``QueryResult``), its nearest ``references`` (rows of the training digits' embeddings) ringed and the
    drawing as a star."""
    points = as_xy(projection.points)
    if result is None:
        return reference_map_figure(points, labels, held_out=held_out, method=method)
    return reference_map_figure(
        points,
        labels,
        neighbours=as_xy(projection.transform(references[result.indices])),
        query=as_xy(projection.transform(result.embedding)),
        query_digit=result.predicted,
        held_out=held_out,
        method=method,
    )


def query_trace(point: np.ndarray, *, digit: int | None = None) -> dict:
    """The student's drawing, ``(1, 2)``, as a star (in its digit's colour when it was read as one)."""
    colour = DIGIT_COLOURS[digit] if digit is not None else INK_COLOUR
    star = {"symbol": "star", "size": 26, "color": colour, "line": {"color": INK_COLOUR, "width": 2}}
    return _trace_dict(point, name="your drawing", marker=star, hover="your drawing")


def symbol_traces(points: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> tuple[dict, ...]:
    """Taught symbols on a map: ``(n, 2)`` points of their drawings, one black-ringed trace per symbol."""
    markers = ("square", "triangle-up", "cross", "hexagon", "pentagon")
    return tuple(
        _trace_dict(
            points[labels == number],
            name=f"“{chart_plain(name)}”",
            marker={
                "symbol": markers[number % len(markers)],
                "size": 14,
                "color": "#ffffff",
                "line": {"color": INK_COLOUR, "width": 2},
            },
            hover=f"a drawing of “{chart_plain(name)}”",
        )
        for number, name in enumerate(names)
    )


def placement_figure(
    placement: Placement,
    *,
    title: str,
    symbols=None,
    symbol_embeddings: np.ndarray | None = None,
    drawing_embedding: np.ndarray | None = None,
    height: int = 420,
) -> go.Figure:
    """Training digits (by digit) and shapes the network never saw (grey crosses) on one map; a student's
    ``symbols`` (a ``SymbolSet`` whose drawings embed as ``symbol_embeddings`` (n, D)) and last drawing
    ``(1, D)`` placed on it too."""
    extra_traces = ()
    if symbols is not None and len(symbols):
        placed = as_xy(placement.projection.transform(symbol_embeddings))
        extra_traces += symbol_traces(placed, symbols.labels, symbols.names)
    if drawing_embedding is not None:
        extra_traces += (query_trace(as_xy(placement.projection.transform(drawing_embedding))),)
    digits = placement.digit_points
    traces = [
        _trace_dict(
            digits[placement.digit_labels == digit],
            name=str(digit),
            marker=digit_marker(digit, (), size=5, opacity=0.5),
            hover=f"a training {digit}",
            kind="scattergl",
        )
        for digit in range(NUM_CLASSES)
    ]
    shapes = {
        "symbol": "x-thin",
        "size": 7,
        "color": UNSEEN_SHAPE_COLOUR,
        "line": {"width": 1.5, "color": UNSEEN_SHAPE_COLOUR},
    }
    traces.append(
        _trace_dict(placement.shape_points, name="unseen shapes", marker=shapes, hover="a shape never trained on")
    )
    traces.extend(extra_traces)
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"itemsizing": "constant", "orientation": "h", "y": -0.1, "yanchor": "top"},
        "xaxis": {"title": {"text": "PCA 1"}, "showticklabels": False, "zeroline": False},
        "yaxis": {"title": {"text": "PCA 2"}, "showticklabels": False, "zeroline": False},
        "title": {"text": title, "font": {"size": 14}},
        "modebar": {"orientation": "v"},  # down the right edge: across the top it covers the title on a phone
    }
    return go.Figure(data=traces, layout=layout)


def as_xy(points: np.ndarray) -> np.ndarray:
    """``(n, 1 or 2)`` map points as ``(n, 2)``: a 1-D map (a model with one number per digit) gets y = 0."""
    return points if points.shape[1] == 2 else np.column_stack([points[:, 0], np.zeros(len(points))])


def _trace_dict(points: np.ndarray, *, name: str, marker: dict, hover: str, kind: str = "scatter") -> dict:
    return {
        "type": kind,
        "x": points[:, 0],
        "y": points[:, 1],
        "mode": "markers",
        "name": name,
        "marker": marker,
        "hovertemplate": f"{hover}<extra></extra>",
    }


def _scatter(points: np.ndarray, three_d: bool, **style):
    if three_d:
        return go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], mode="markers", hoverinfo="text", **style)
    return go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", hoverinfo="text", **style)
