"""Evaluate: how well does the model tell "same digit" from "different digits" on pictures it never saw?

Every figure comes from ``siamese.evaluation.scores`` (cached per model); this page lays them out and lets the
student move the distance threshold.
"""

import pandas as pd
import streamlit as st

from explorer_ui import state
from explorer_ui.caches import evaluation as evaluation_of
from explorer_ui.caches import evaluation_or_stop, few_shot_accuracy, seen_unseen
from explorer_ui.comparison import (
    aligned_maps,
    choice_label,
    default_pair,
    figures_table,
    model_choices,
    model_comparison,
)
from explorer_ui.comparison_charts import MODEL_COLOURS, aligned_map_figure, roc_overlay_figure
from explorer_ui.default_model import active_model
from explorer_ui.evaluation_charts import error_figure, histogram_figure, roc_figure
from explorer_ui.formatting import format_distance, plain
from explorer_ui.page import page_setup
from explorer_ui.pictures import (
    DIFFERENT_COLOUR,
    NEUTRAL_COLOUR,
    RIGHT_MARK,
    SAME_COLOUR,
    WRONG_MARK,
    digit_picture,
    pair_picture,
)
from explorer_ui.unseen_verdicts import Embedder, symbols_twin, symbols_verdict, unseen_table, verdict
from siamese.config import Loss
from siamese.conventions import SAME
from siamese.data.mnist import MnistData
from siamese.evaluation.few_shot import episode_classes, shown_episode
from siamese.evaluation.projection import Method
from siamese.evaluation.scores import Evaluation, ThresholdCalls
from siamese.storage.trained_model import TrainedModel

GRID_PAIRS = 24
PAIR_WIDTH = 170  # a pair picture with its caption: six to a row on a laptop, three on a tablet
PANEL_WIDTH = 560  # two charts side by side on a laptop, one above the other on a tablet
GRID_MISTAKES = 8  # at most this many wrong calls in the grid, so they show but don't dominate
HARDEST_SHOWN = 6
SLIDER_QUANTILE = 0.99  # the slider stops here: the few largest distances would only squash it
SLIDER_STEPS = 200
MARGIN_LOSSES = (Loss.CONTRASTIVE, Loss.TRIPLET)


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
    st.caption(
        f"{RIGHT_MARK} and a solid blue frame: the model's call is right. {WRONG_MARK} and a dashed orange frame: "
        "it is wrong. Move the slider to see calls change."
    )
    with st.container(horizontal=True, gap="small"):
        for position in positions:
            truth = "same" if evaluation.pairs.labels[position] == SAME else "different"
            draw_test_pair(data, evaluation, int(position), right=not calls.is_wrong[position], note=truth)


def draw_test_pair(data: MnistData, evaluation: Evaluation, position: int, *, right: bool, note: str = "") -> None:
    """The pair's two digits in a frame that says whether the call is right; under it ✓ or ✗, digits, distance."""
    first, second = evaluation.pairs.left[position], evaluation.pairs.right[position]
    colour = SAME_COLOUR if right else DIFFERENT_COLOUR
    picture = pair_picture(data.x_test[first], data.x_test[second], colour, dashed=not right)
    caption = (
        f"{RIGHT_MARK if right else WRONG_MARK} {data.y_test[first]} & {data.y_test[second]} · "
        f"d = {format_distance(evaluation.distances[position])}"
    )
    st.image(picture, caption=f"{caption} · {note}" if note else caption, width=PAIR_WIDTH)


def show_histograms(model: TrainedModel, evaluation: Evaluation, threshold: float) -> None:
    st.subheader("How far apart are the pairs?")
    margin = model.config.margin if model.config.loss in MARGIN_LOSSES else None
    figure = histogram_figure(evaluation, threshold=threshold, margin=margin)
    st.plotly_chart(figure, width="stretch", key=state.HISTOGRAM_CHART)
    margin_note = ""
    if model.config.loss == Loss.CONTRASTIVE:
        margin_note = " Training pushed different-digit pairs out to at least the margin."
    elif model.config.loss == Loss.TRIPLET:
        margin_note = " With triplet loss the margin is the gap wanted between a same and a different distance."
    st.caption(
        "Solid blue bars: distances between two pictures of the same digit; hatched orange bars: of different "
        "digits. "
        "The less the two hills overlap, the better any threshold can separate them." + margin_note
    )


def show_roc(evaluation: Evaluation, calls: ThresholdCalls) -> None:
    st.subheader(f"ROC curve (AUC {evaluation.roc.auc:.3f})")
    st.plotly_chart(roc_figure(evaluation, calls), width="stretch", key=state.ROC_CHART)
    st.caption(
        "Each threshold trades one kind of mistake for the other; the curve shows every trade at once. "
        "The ✕ marks the threshold on the slider. A curve hugging the top-left corner means few mistakes."
    )


def show_error_table(calls: ThresholdCalls) -> None:
    st.subheader("Which digits get confused?")
    st.plotly_chart(error_figure(calls), width="stretch", key=state.ERROR_CHART)
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
            draw_test_pair(data, evaluation, int(position), right=False)


def show_unseen_digits(model: TrainedModel, data: MnistData) -> None:
    """Seen and unseen digits scored apart, for this model, raw pixels, its twin trained with (or without) the
    symbols, and (on request) a classifier."""
    held_out = model.config.held_out_digits
    st.header("Digits it never saw")
    st.caption(
        f"Training never showed the digits {', '.join(map(str, held_out))}. Each group below is scored on its "
        "own: pairs of two of its test digits, and its test digits looked up among its own training digits. "
        "A classifier can only name the digits it was taught; a learned distance may still tell new ones apart."
    )
    compare_key = state.compare_with_classifier(model.key)
    embedders = [Embedder.SIAMESE, Embedder.PIXELS] + ([Embedder.CLASSIFIER] if state.value(compare_key) else [])
    with st.spinner("Scoring seen and unseen digits…"):
        results = {embedder: seen_unseen(model, data, embedder=embedder) for embedder in embedders}
        twin = symbols_twin(model, state.runs())
        if twin is not None:
            results[Embedder.TWIN] = seen_unseen(twin, data, embedder=Embedder.SIAMESE)
    st.dataframe(pd.DataFrame(unseen_table(model, results)), width="stretch")
    st.caption(symbols_verdict(model, results))
    if Embedder.CLASSIFIER not in results:
        st.button(
            "Train a classifier to compare",
            key=state.train_classifier_button(model.key),
            on_click=state.set_value,
            args=(compare_key, True),
            help="The same network with a softmax over the seen digits, trained the same way; its last hidden layer "
            "is then used as an embedding. Seconds for the MLP on the offline set, a minute or two for the CNN.",
        )
    else:
        st.caption(verdict(results))


def show_one_shot(model: TrainedModel, evaluation: Evaluation, data: MnistData) -> None:
    """One N-way K-shot episode drawn as pictures, a button for another, and the accuracy over 1,000."""
    st.header("One example of each: N-way K-shot")
    held_out = model.config.held_out_digits
    choices = ["unseen", "seen", "all"] if held_out else ["all"]
    with st.container(horizontal=True, gap="large", vertical_alignment="bottom"):
        choice = st.radio("Digits", choices, horizontal=True, key=state.EPISODE_CLASSES, width="content")
        classes = episode_classes(data.y_test, choice=choice, held_out=held_out)
        largest_way = max(2, len(classes))
        way = st.slider("Classes (N)", 2, largest_way, min(5, largest_way), key=state.EPISODE_WAY, width=200)
        shot = st.slider("Examples of each (K)", 1, 5, 1, key=state.EPISODE_SHOT, width=200)
        st.button("New episode", on_click=state.next_episode, icon=":material/casino:")
    if len(classes) < 2:
        st.info("Episodes need at least two digits to choose between.")
        return
    shown = shown_episode(
        evaluation.test_embeddings, data.y_test, classes=classes, n_way=way, k_shot=shot,
        number=state.episode_number(), metric=evaluation.metric,
    )  # fmt: skip
    st.caption(
        f"The network is shown {shot} example{'s' if shot > 1 else ''} of each of {way} digits (the support) and must "
        "say which of them a new picture (the query) shows: it names the support example at the smallest distance."
    )
    with st.container(horizontal=True, gap="small"):
        for place, support in enumerate(shown.episode.support):
            label = shown.episode.support_labels[place]
            frame = SAME_COLOUR if label == shown.predicted else NEUTRAL_COLOUR
            st.image(
                digit_picture(data.x_test[support], frame=frame, scale=2),
                caption=f"{label} · d = {format_distance(shown.distances[place])}",
                width=96,
            )
    right = shown.right
    with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
        frame = SAME_COLOUR if right else DIFFERENT_COLOUR
        st.image(
            digit_picture(data.x_test[shown.query], frame=frame, dashed=not right, scale=3),
            caption=f"{RIGHT_MARK if right else WRONG_MARK} the query",
            width=96,
        )
        st.markdown(
            f"Nearest support: **{shown.predicted}**. The query is a **{shown.query_label}**: "
            + (f":blue[**{RIGHT_MARK} right**]." if right else f":orange[**{WRONG_MARK} wrong**].")
        )
    accuracy = few_shot_accuracy(model, data, classes=classes, way=way, shot=shot)
    low, high = accuracy.interval
    st.metric(
        f"Accuracy over {accuracy.episodes:,} episodes ({way}-way {shot}-shot, {choice} digits)",
        f"{accuracy.accuracy:.1%}",
        help=f"95 % interval {low:.1%} to {high:.1%}. Guessing would be right {1 / way:.0%} of the time.",
        width="content",
    )


COMPARE_EXAMPLES = 6  # pairs shown of each kind of disagreement: one row on a laptop


def show_comparison(active: TrainedModel, data: MnistData) -> None:
    """Two models on the same test pairs: their figures, ROC curves, the pairs they disagree on, their maps."""
    st.header("Compare two models")
    choices = model_choices(data, active)
    if len(choices) < 2:
        st.info(
            "Only one model is here to compare. Train one on the Train page, or upload a saved one there, "
            "and it can be set beside this one."
        )
        return
    first, second = pick_two_models(choices, active)
    if first.key == second.key:
        st.info("Pick two different models to compare.")
        return
    try:
        with st.spinner("Scoring both models on the same test pairs…", show_time=True):
            comparison = model_comparison(first, second, data)
    except ValueError as error:
        st.error(f"These two models could not be compared: {error}")
        return
    first_evaluation, second_evaluation = evaluation_of(first, data), evaluation_of(second, data)
    st.caption(
        f"Both models judge the same {comparison.counts.total:,} test pairs, each at its own threshold and with its "
        "own distance, and look up the same test digits among the same training digits."
    )
    with st.container(horizontal=True, gap="large"):
        with st.container(width=PANEL_WIDTH):
            st.dataframe(figures_table(comparison), width="stretch")
            st.markdown(agreement_text(comparison))
        with st.container(width=PANEL_WIDTH):
            figure = roc_overlay_figure(first_evaluation, second_evaluation)
            st.plotly_chart(figure, width="stretch", key=state.COMPARE_ROC_CHART)
            st.caption(
                "A: blue, solid line, round mark. B: orange, dashed line, diamond. Each mark is where that model's "
                "own threshold puts it. Drag a box over the top-left corner to zoom in; double-click to zoom out."
            )
    show_disagreements(data, first_evaluation, comparison)
    show_aligned_maps(first, second, data)


def pick_two_models(choices, active: TrainedModel) -> tuple[TrainedModel, TrainedModel]:
    """Model A and model B: the page's model and a shipped one until the student picks others."""
    keys = list(choices)
    first_default, second_default = default_pair(choices, active)
    with st.container(horizontal=True, gap="medium"):
        first = st.selectbox(
            "Model A",
            keys,
            index=keys.index(first_default),
            format_func=lambda key: choices[key].label,
            key=state.COMPARE_FIRST,
            width=360,
        )
        second = st.selectbox(
            "Model B",
            keys,
            index=keys.index(second_default),
            format_func=lambda key: choices[key].label,
            key=state.COMPARE_SECOND,
            width=360,
        )
    return choices[first].model, choices[second].model


def agreement_text(comparison) -> str:
    """Who is right on how many pairs, and whether the difference could be luck."""
    counts = comparison.counts
    text = (
        f"On the {counts.total:,} test pairs: **both right** on {counts.both_right:,}, **only A** on "
        f"{counts.only_first_right:,}, **only B** on {counts.only_second_right:,}, **both wrong** on "
        f"{counts.both_wrong:,}."
    )
    if counts.only_first_right == counts.only_second_right:
        return text
    leader = "A" if counts.only_first_right > counts.only_second_right else "B"
    p_value = comparison.p_value
    how_often = "less than 0.1%" if p_value < 0.001 else f"{p_value:.1%}"
    verdict = "unlikely to be luck" if p_value < 0.05 else "it could well be luck"
    return (
        f"{text} If both were equally good, the {counts.disagreements:,} pairs they call differently would split at "
        f"least this unevenly {how_often} of the time (McNemar's exact test): {leader}'s lead is {verdict}."
    )


def show_disagreements(data: MnistData, first_evaluation: Evaluation, comparison) -> None:
    st.subheader("Where they disagree")
    if comparison.disagreements.size == 0:
        st.info("The two models call every test pair the same way.")
        return
    st.caption(
        "Pairs one model calls same and the other different, so exactly one of them is right. Under each pair: "
        "its digits, then what each model called it, ✓ right or ✗ wrong. The frame is the colour of the model that "
        "is right."
    )
    first_wins, second_wins = comparison.examples(per_side=COMPARE_EXAMPLES)
    winners = dict(zip(comparison.disagreements.tolist(), comparison.first_is_right.tolist(), strict=True))
    called = dict(zip(comparison.disagreements.tolist(), comparison.first_called_same.tolist(), strict=True))
    for letter, positions, total in (
        ("A", first_wins, comparison.counts.only_first_right),
        ("B", second_wins, comparison.counts.only_second_right),
    ):
        st.markdown(f"**Only {letter} is right** ({total:,} pairs" + (f", {positions.size} shown)" if total else ")"))
        with st.container(horizontal=True, gap="small"):
            for position in positions.tolist():
                draw_disagreement(data, first_evaluation, position, first_right=winners[position],
                                  first_said_same=called[position])  # fmt: skip


def draw_disagreement(
    data: MnistData, evaluation: Evaluation, position: int, *, first_right: bool, first_said_same: bool
) -> None:
    """A pair both models judged, framed in the colour of the one that is right, its caption in words and marks."""
    left, right = evaluation.pairs.left[position], evaluation.pairs.right[position]
    picture = pair_picture(data.x_test[left], data.x_test[right], MODEL_COLOURS["A" if first_right else "B"])
    calls = {"A": "same" if first_said_same else "different", "B": "different" if first_said_same else "same"}
    marks = {"A": "✓" if first_right else "✗", "B": "✗" if first_right else "✓"}
    caption = " · ".join(f"{letter}: {calls[letter]} {marks[letter]}" for letter in ("A", "B"))
    st.image(picture, caption=f"{data.y_test[left]} & {data.y_test[right]} · {caption}", width=PAIR_WIDTH)


def show_aligned_maps(first: TrainedModel, second: TrainedModel, data: MnistData) -> None:
    st.subheader("Where each model puts the same digits")
    method = st.radio(
        "Projection",
        [method.value for method in Method],
        horizontal=True,
        key=state.COMPARE_MAP_METHOD,
        help="PCA is instant; t-SNE and UMAP take seconds and keep neighbours together.",
        width="content",
    )
    try:
        with st.spinner(f"Running {method} on both models' embeddings…", show_time=True):
            maps, digits = aligned_maps(first, second, data, method=method)
    except ValueError as error:
        st.error(f"{method} could not map these points: {error}")
        return
    with st.container(horizontal=True, gap="large"):
        for letter, model, points in (("A", first, maps.first_points), ("B", second, maps.second_points)):
            with st.container(width=PANEL_WIDTH):
                st.markdown(f"**{letter}: {plain(choice_label(model))}**")
                figure = aligned_map_figure(points, digits, extent=maps.extent, held_out=model.config.held_out_digits)
                st.plotly_chart(figure, width="stretch", key=state.compare_map_chart(letter))
    left_over = (
        "nothing is left: these two models place the digits alike."
        if maps.mismatch_after < 0.005
        else "what is left is where the two models differ."
    )
    st.caption(
        f"The same {len(digits):,} test digits on both maps, each map scaled to the same spread. B's map is turned "
        "(and perhaps mirrored, never stretched) to lie on A's as well as it can, so a cluster in the same place "
        f"means the models agree about it. That brought the average digit from {maps.mismatch_before:.2f} to "
        f"{maps.mismatch_after:.2f} of the spread away from its place on A's map; {left_over}"
    )


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
    st.divider()
    if model.config.held_out_digits:
        show_unseen_digits(model, data)
        st.divider()
    show_one_shot(model, evaluation, data)
    st.divider()
    show_comparison(model, data)


main()
