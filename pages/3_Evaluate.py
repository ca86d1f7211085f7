"""Evaluate: how well does the model tell "same digit" from "different digits" on pictures it never saw?

Every figure comes from ``siamese`` (through the cached ``model_evaluation``); this page only lays them
out and lets the student move the distance threshold.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer_ui import (
    DIFFERENT_COLOUR,
    SAME_COLOUR,
    ModelEntry,
    active_model,
    model_evaluation_or_stop,
    page_setup,
    pair_picture,
)
from siamese.conventions import NUM_CLASSES, SAME, predict_same
from siamese.data import MnistData
from siamese.evaluation import hardest_mistakes, pair_accuracy, pair_error_table
from siamese.model_evaluation import ModelEvaluation

GRID_PAIRS = 24
GRID_COLUMNS = 6
GRID_MISTAKES = 8  # at most this many wrong calls in the grid, so red frames show but don't dominate
GRID_SEED = 0
HARDEST_SHOWN = 6
SLIDER_QUANTILE = 0.99  # the slider stops here: the few largest distances would only squash it
SLIDER_STEPS = 200
MARGIN_LOSSES = ("contrastive", "triplet")
NEUTRAL_COLOUR = "#64748b"


def show_headline(model: ModelEntry, evaluation: ModelEvaluation) -> None:
    st.caption(
        "The model turns each test picture into a list of numbers (an *embedding*). Two pictures are called "
        f"**same digit** when their embeddings are at most **{evaluation.threshold:.3f}** apart "
        f"({evaluation.metric} distance); that threshold was chosen on validation pictures, not on these. "
        f"The test pairs: {len(evaluation.pairs):,}, half same, half different."
    )
    retrieval = evaluation.retrieval
    columns = st.columns(5)
    columns[0].metric("Test pair accuracy", f"{evaluation.pair_accuracy:.1%}", help="Pairs called correctly.")
    columns[1].metric("ROC AUC", f"{evaluation.roc.auc:.3f}", help="1.0: some threshold separates all pairs.")
    columns[2].metric(
        f"{retrieval.k}-NN accuracy",
        f"{retrieval.knn_accuracy:.1%}",
        help=f"Each test digit gets the majority digit of its {retrieval.k} nearest training pictures.",
    )
    columns[3].metric(
        "Precision@1", f"{retrieval.precision_at_1:.1%}", help="The nearest training picture shows the same digit."
    )
    columns[4].metric(
        "MAP@R",
        f"{retrieval.map_at_r:.3f}",
        help="How well all pictures of the same digit come before the others when sorted by distance.",
    )


def threshold_slider(model: ModelEntry, evaluation: ModelEvaluation) -> float:
    """A distance slider starting at the model's threshold; its key follows the model, so a new model resets it."""
    top = max(float(np.quantile(evaluation.distances, SLIDER_QUANTILE)), float(evaluation.threshold))
    if top <= 0:  # every distance is zero: a collapsed model, but the slider still needs a range
        top = 1.0
    return st.slider(
        f"Threshold ({evaluation.metric} distance): at most this far apart is called “same digit”",
        min_value=0.0,
        max_value=top,
        value=min(max(float(evaluation.threshold), 0.0), top),  # a threshold below every distance can dip under 0
        step=top / SLIDER_STEPS,
        format="%.3f",
        key=f"threshold-{model.key}",
    )


def grid_positions(evaluation: ModelEvaluation) -> np.ndarray:
    """A seeded choice of test pairs: some the model gets wrong at its own threshold, the rest right.

    Chosen once at the model's threshold, so the same pairs stay on screen while the slider recolours them.
    """
    generator = np.random.default_rng(GRID_SEED)
    is_wrong = is_wrong_call(evaluation, evaluation.threshold)
    wrong, right = np.flatnonzero(is_wrong), np.flatnonzero(~is_wrong)
    wrong_count = min(GRID_MISTAKES, wrong.size)
    right_count = min(GRID_PAIRS - wrong_count, right.size)
    chosen = np.concatenate(
        [generator.choice(wrong, wrong_count, replace=False), generator.choice(right, right_count, replace=False)]
    )
    return generator.permutation(chosen)


def is_wrong_call(evaluation: ModelEvaluation, threshold: float) -> np.ndarray:
    """``(m,) bool``: the model's same/different call disagrees with the truth for each test pair."""
    return predict_same(evaluation.distances, threshold) != (evaluation.pairs.labels == SAME)


def show_pair_grid(data: MnistData, evaluation: ModelEvaluation, threshold: float) -> None:
    positions = grid_positions(evaluation)
    is_wrong = is_wrong_call(evaluation, threshold)
    wrong_in_grid = int(np.count_nonzero(is_wrong[positions]))
    accuracy = pair_accuracy(evaluation.distances, evaluation.pairs.labels, threshold=threshold)
    st.markdown(
        f"**In this grid: {positions.size - wrong_in_grid} right, {wrong_in_grid} wrong.** "
        f"On all {len(evaluation.pairs):,} test pairs at threshold {threshold:.3f}: **{accuracy:.1%} right**."
    )
    st.caption("Green frame: the model's call is right. Red frame: it is wrong. Move the slider to see calls change.")
    columns = st.columns(GRID_COLUMNS)
    for place, position in enumerate(positions):
        with columns[place % GRID_COLUMNS]:
            frame = DIFFERENT_COLOUR if is_wrong[position] else SAME_COLOUR
            truth = "same" if evaluation.pairs.labels[position] == SAME else "different"
            draw_test_pair(
                data, evaluation, int(position), frame, f"d = {evaluation.distances[position]:.3f} · {truth}"
            )


def draw_test_pair(data: MnistData, evaluation: ModelEvaluation, position: int, frame: str, caption: str) -> None:
    left, right = evaluation.pairs.left[position], evaluation.pairs.right[position]
    picture = pair_picture(data.x_test[left], data.x_test[right], frame)
    # Stretched to the column: otherwise a long caption widens its own picture and the grid looks ragged.
    st.image(picture, caption=f"{data.y_test[left]} & {data.y_test[right]} · {caption}", width="stretch")


def histogram_figure(model: ModelEntry, evaluation: ModelEvaluation, threshold: float) -> go.Figure:
    histograms = evaluation.histograms
    edges = histograms.bin_edges
    centres, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    figure = go.Figure()
    for name, counts, colour in (
        ("same digit", histograms.same_counts, SAME_COLOUR),
        ("different digits", histograms.different_counts, DIFFERENT_COLOUR),
    ):
        figure.add_bar(x=centres, y=counts, width=widths, name=name, marker_color=colour, opacity=0.6)
    figure.add_vline(
        x=threshold, line_dash="dash", line_color="#0f172a", annotation_text="threshold", annotation_position="top"
    )
    if model.config.loss in MARGIN_LOSSES:
        figure.add_vline(
            x=model.config.margin,
            line_dash="dot",
            line_color=NEUTRAL_COLOUR,
            annotation_text=f"margin {model.config.margin:g}",
            annotation_position="top left",
        )
    figure.update_layout(
        barmode="overlay",
        height=340,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title=f"{evaluation.metric} distance between the two embeddings",
        yaxis_title="test pairs",
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )
    return figure


def show_histograms(model: ModelEntry, evaluation: ModelEvaluation, threshold: float) -> None:
    st.subheader("How far apart are the pairs?")
    st.plotly_chart(histogram_figure(model, evaluation, threshold), width="stretch", key="histograms")
    margin_note = ""
    if model.config.loss == "contrastive":
        margin_note = " Training pushed different-digit pairs out to at least the margin."
    elif model.config.loss == "triplet":
        margin_note = " With triplet loss the margin is the gap wanted between a same and a different distance."
    st.caption(
        "Green: distances between two pictures of the same digit; red: of different digits. "
        "The less the two hills overlap, the better any threshold can separate them." + margin_note
    )


def roc_figure(evaluation: ModelEvaluation, threshold: float) -> go.Figure:
    roc = evaluation.roc
    is_same = evaluation.pairs.labels == SAME
    called_same = predict_same(evaluation.distances, threshold)
    # The curve's own points are thinned by scikit-learn, so the marker is placed from the calls themselves.
    true_positive_rate = float(np.mean(called_same[is_same]))
    false_positive_rate = float(np.mean(called_same[~is_same]))
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": NEUTRAL_COLOUR}, name="guessing")
    figure.add_scatter(
        x=roc.false_positive_rate,
        y=roc.true_positive_rate,
        mode="lines",
        line={"color": "#4f46e5", "width": 3},
        name=f"model (AUC {roc.auc:.3f})",
    )
    figure.add_scatter(
        x=[false_positive_rate],
        y=[true_positive_rate],
        mode="markers",
        marker={"size": 13, "color": "#0f172a", "symbol": "x"},
        name=f"threshold {threshold:.3f}",
    )
    figure.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title="different-digit pairs wrongly called same",
        yaxis_title="same-digit pairs rightly called same",
        xaxis={"range": [0, 1.02], "tickformat": ".0%"},
        yaxis={"range": [0, 1.02], "tickformat": ".0%"},
        legend={"x": 0.98, "y": 0.02, "xanchor": "right", "yanchor": "bottom"},
    )
    return figure


def show_roc(evaluation: ModelEvaluation, threshold: float) -> None:
    st.subheader(f"ROC curve (AUC {evaluation.roc.auc:.3f})")
    st.plotly_chart(roc_figure(evaluation, threshold), width="stretch", key="roc")
    st.caption(
        "Each threshold trades one kind of mistake for the other; the curve shows every trade at once. "
        "The ✕ marks the threshold on the slider. A curve hugging the top-left corner means few mistakes."
    )


def error_figure(data: MnistData, evaluation: ModelEvaluation, threshold: float) -> go.Figure:
    pairs = evaluation.pairs
    table = pair_error_table(
        evaluation.distances, pairs.labels, data.y_test[pairs.left], data.y_test[pairs.right], threshold=threshold
    )
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


def show_error_table(data: MnistData, evaluation: ModelEvaluation, threshold: float) -> None:
    st.subheader("Which digits get confused?")
    st.plotly_chart(error_figure(data, evaluation, threshold), width="stretch", key="errors")
    st.caption(
        "Each cell: the share of test pairs of those two digits that the model gets wrong (wrong / all). "
        "The diagonal holds same-digit pairs called different; dark cells off it are look-alike digits."
    )


def show_hardest_mistakes(data: MnistData, evaluation: ModelEvaluation, threshold: float) -> None:
    st.subheader("The hardest mistakes")
    farthest_same, closest_different = hardest_mistakes(
        evaluation.distances, evaluation.pairs.labels, threshold=threshold, count=HARDEST_SHOWN
    )
    st.markdown("**Same digit, yet far apart** (called *different*)")
    show_mistake_row(data, evaluation, farthest_same, "No same-digit pair is called different at this threshold.")
    st.markdown("**Different digits, yet close together** (called *same*)")
    show_mistake_row(data, evaluation, closest_different, "No different-digit pair is called same at this threshold.")
    st.caption("Often these pictures are hard for people too: sloppy, cut off, or drawn in an unusual style.")


def show_mistake_row(data: MnistData, evaluation: ModelEvaluation, positions: np.ndarray, none_text: str) -> None:
    if positions.size == 0:
        st.info(none_text)
        return
    columns = st.columns(3)
    for place, position in enumerate(positions):
        with columns[place % 3]:
            draw_test_pair(
                data, evaluation, int(position), DIFFERENT_COLOUR, f"d = {evaluation.distances[position]:.3f}"
            )


def main() -> None:
    data = page_setup("Evaluate")
    st.title("Evaluate")
    model = active_model(data)
    evaluation = model_evaluation_or_stop(model, data, failure="be evaluated on the test digits")
    show_headline(model, evaluation)
    st.divider()
    st.header("Same or different? Pick a threshold")
    threshold = threshold_slider(model, evaluation)
    show_pair_grid(data, evaluation, threshold)
    st.divider()
    histogram_column, roc_column = st.columns(2, gap="large")
    with histogram_column:
        show_histograms(model, evaluation, threshold)
    with roc_column:
        show_roc(evaluation, threshold)
    st.divider()
    table_column, mistakes_column = st.columns([5, 4], gap="large")
    with table_column:
        show_error_table(data, evaluation, threshold)
    with mistakes_column:
        show_hardest_mistakes(data, evaluation, threshold)


main()
