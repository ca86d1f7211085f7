"""Evaluate: how well does the model tell "same digit" from "different digits" on pictures it never saw?

Every figure comes from ``siamese.evaluation`` (cached per model); this page lays them out and lets the
student move the distance threshold.
"""

import streamlit as st

from explorer_ui import state
from explorer_ui.caches import evaluation_or_stop
from explorer_ui.default_model import active_model
from explorer_ui.evaluation_charts import error_figure, histogram_figure, roc_figure
from explorer_ui.formatting import format_distance
from explorer_ui.page import page_setup
from explorer_ui.pictures import DIFFERENT_COLOUR, SAME_COLOUR, pair_picture
from siamese.conventions import SAME
from siamese.evaluation import Evaluation, ThresholdCalls
from siamese.mnist import MnistData
from siamese.trained_model import TrainedModel

GRID_PAIRS = 24
PAIR_WIDTH = 170  # a pair picture with its caption: six to a row on a laptop, three on a tablet
PANEL_WIDTH = 560  # two charts side by side on a laptop, one above the other on a tablet
GRID_MISTAKES = 8  # at most this many wrong calls in the grid, so red frames show but don't dominate
HARDEST_SHOWN = 6
SLIDER_QUANTILE = 0.99  # the slider stops here: the few largest distances would only squash it
SLIDER_STEPS = 200
MARGIN_LOSSES = ("contrastive", "triplet")


def show_headline(evaluation: Evaluation) -> None:
    st.caption(
        "The model turns each test picture into a list of numbers (an *embedding*). Two pictures are called "
        f"**same digit** when their embeddings are at most **{evaluation.threshold:.3f}** apart "
        f"({evaluation.metric} distance); that threshold was chosen on validation pictures, not on these. "
        f"The test pairs: {len(evaluation.pairs):,}, half same, half different."
    )
    retrieval = evaluation.retrieval
    with st.container(horizontal=True, gap="medium"):
        for label, value, help_text in (
            ("Test pair accuracy", f"{evaluation.pair_accuracy:.1%}", "Pairs called correctly."),
            ("ROC AUC", f"{evaluation.roc.auc:.3f}", "1.0: some threshold separates all pairs."),
            (
                f"{retrieval.k}-NN accuracy",
                f"{retrieval.knn_accuracy:.1%}",
                f"Each test digit gets the majority digit of its {retrieval.k} nearest training pictures.",
            ),
            ("Precision@1", f"{retrieval.precision_at_1:.1%}", "The nearest training picture shows the same digit."),
            (
                "MAP@R",
                f"{retrieval.map_at_r:.3f}",
                "How well all pictures of the same digit come before the others when sorted by distance.",
            ),
        ):
            st.metric(label, value, help=help_text, width="content")


def threshold_slider(model: TrainedModel, evaluation: Evaluation) -> float:
    """A distance slider starting at the model's threshold; its key follows the model, so a new model resets it."""
    top = max(evaluation.distance_quantile(SLIDER_QUANTILE), float(evaluation.threshold))
    if top <= 0:  # every distance is zero: a collapsed model, but the slider still needs a range
        top = 1.0
    return st.slider(
        f"Threshold ({evaluation.metric} distance): at most this far apart is called “same digit”",
        min_value=0.0,
        max_value=top,
        value=min(max(float(evaluation.threshold), 0.0), top),  # a threshold below every distance can dip under 0
        step=top / SLIDER_STEPS,
        format="%.3f",
        key=state.threshold_slider(model.key),
    )


def show_pair_grid(data: MnistData, evaluation: Evaluation, calls: ThresholdCalls) -> None:
    positions = evaluation.sample_pairs(count=GRID_PAIRS, mistakes=GRID_MISTAKES)
    wrong_in_grid = calls.wrong_among(positions)
    st.markdown(
        f"**In this grid: {positions.size - wrong_in_grid} right, {wrong_in_grid} wrong.** "
        f"On all {len(evaluation.pairs):,} test pairs at threshold {calls.threshold:.3f}: "
        f"**{calls.accuracy:.1%} right**."
    )
    st.caption("Green frame: the model's call is right. Red frame: it is wrong. Move the slider to see calls change.")
    with st.container(horizontal=True, gap="small"):
        for position in positions:
            frame = DIFFERENT_COLOUR if calls.is_wrong[position] else SAME_COLOUR
            truth = "same" if evaluation.pairs.labels[position] == SAME else "different"
            draw_test_pair(data, evaluation, int(position), frame, truth)


def draw_test_pair(data: MnistData, evaluation: Evaluation, position: int, frame: str, note: str = "") -> None:
    """The pair's two digits in a coloured frame; under it, their digits and distance (and ``note``)."""
    left, right = evaluation.pairs.left[position], evaluation.pairs.right[position]
    picture = pair_picture(data.x_test[left], data.x_test[right], frame)
    caption = f"{data.y_test[left]} & {data.y_test[right]} · d = {format_distance(evaluation.distances[position])}"
    st.image(picture, caption=f"{caption} · {note}" if note else caption, width=PAIR_WIDTH)


def show_histograms(model: TrainedModel, evaluation: Evaluation, threshold: float) -> None:
    st.subheader("How far apart are the pairs?")
    margin = model.config.margin if model.config.loss in MARGIN_LOSSES else None
    st.plotly_chart(histogram_figure(evaluation, threshold=threshold, margin=margin), width="stretch", key="histograms")
    margin_note = ""
    if model.config.loss == "contrastive":
        margin_note = " Training pushed different-digit pairs out to at least the margin."
    elif model.config.loss == "triplet":
        margin_note = " With triplet loss the margin is the gap wanted between a same and a different distance."
    st.caption(
        "Green: distances between two pictures of the same digit; red: of different digits. "
        "The less the two hills overlap, the better any threshold can separate them." + margin_note
    )


def show_roc(evaluation: Evaluation, calls: ThresholdCalls) -> None:
    st.subheader(f"ROC curve (AUC {evaluation.roc.auc:.3f})")
    st.plotly_chart(roc_figure(evaluation, calls), width="stretch", key="roc")
    st.caption(
        "Each threshold trades one kind of mistake for the other; the curve shows every trade at once. "
        "The ✕ marks the threshold on the slider. A curve hugging the top-left corner means few mistakes."
    )


def show_error_table(calls: ThresholdCalls) -> None:
    st.subheader("Which digits get confused?")
    st.plotly_chart(error_figure(calls), width="stretch", key="errors")
    st.caption(
        "Each cell: the share of test pairs of those two digits that the model gets wrong (wrong / all). "
        "The diagonal holds same-digit pairs called different; dark cells off it are look-alike digits."
    )


def show_hardest_mistakes(data: MnistData, evaluation: Evaluation, threshold: float) -> None:
    st.subheader("The hardest mistakes")
    farthest_same, closest_different = evaluation.hardest_mistakes(threshold, count=HARDEST_SHOWN)
    st.markdown("**Same digit, yet far apart** (called *different*)")
    show_mistake_row(data, evaluation, farthest_same, "No same-digit pair is called different at this threshold.")
    st.markdown("**Different digits, yet close together** (called *same*)")
    show_mistake_row(data, evaluation, closest_different, "No different-digit pair is called same at this threshold.")
    st.caption("Often these pictures are hard for people too: sloppy, cut off, or drawn in an unusual style.")


def show_mistake_row(data: MnistData, evaluation: Evaluation, positions, none_text: str) -> None:
    if positions.size == 0:
        st.info(none_text)
        return
    with st.container(horizontal=True, gap="small"):
        for position in positions:
            draw_test_pair(data, evaluation, int(position), DIFFERENT_COLOUR)


def main() -> None:
    data = page_setup("Evaluate")
    st.title("Evaluate")
    model = active_model(data)
    evaluation = evaluation_or_stop(model, data, failure="be evaluated on the test digits")
    show_headline(evaluation)
    st.divider()
    st.header("Same or different? Pick a threshold")
    threshold = threshold_slider(model, evaluation)
    calls = evaluation.at_threshold(threshold)
    show_pair_grid(data, evaluation, calls)
    st.divider()
    with st.container(horizontal=True, gap="large"):
        with st.container(width=PANEL_WIDTH):
            show_histograms(model, evaluation, threshold)
        with st.container(width=PANEL_WIDTH):
            show_roc(evaluation, calls)
    st.divider()
    with st.container(horizontal=True, gap="large"):
        with st.container(width=PANEL_WIDTH):
            show_error_table(calls)
        with st.container(width=PANEL_WIDTH):
            show_hardest_mistakes(data, evaluation, threshold)


main()
