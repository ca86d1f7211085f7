"""The Evaluate page's "Compare two models": the picked models' figures, their disagreements and their maps."""

import re
from collections import Counter

import numpy as np
import pytest

from explorer_ui import default_model
from siamese.conventions import SAME
from siamese.evaluation.scores import evaluate_model
from siamese.storage.trained_model import ModelOrigin, TrainedModel
from tests.conftest import app_page

pytestmark = pytest.mark.slow

PAGE = "pages/3_Evaluate.py"
DISAGREEMENT = re.compile(r"^(\d) & (\d) · A: (same|different) ([✓✗]) · B: (same|different) ([✓✗])$")
SIDE_HEADING = re.compile(r"^\*\*Only ([AB]) is right\*\* \(([\d,]+) pairs")
COUNTS = re.compile(r"\*\*both right\*\* on ([\d,]+), \*\*only A\*\* on ([\d,]+), \*\*only B\*\* on ([\d,]+), "
                    r"\*\*both wrong\*\* on ([\d,]+)\.")  # fmt: skip


@pytest.fixture(scope="module")
def session_run(trained_model):
    """The trained model as a run of this session, as the Train page records it."""
    from explorer_ui.live_training import RunRecord

    return RunRecord(name=trained_model.name, result=None, model=trained_model, snapshots=[], snapshot_labels=[],
                     steps_per_epoch=1)  # fmt: skip


def open_page(model, runs=()):
    app = app_page(PAGE, model=model, timeout=300)
    app.session_state["runs"] = list(runs)
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    return app


def plain_evaluation(model, data):
    return evaluate_model(model.embedding_network, data, threshold=model.threshold, metric=model.config.metric)


def comparison_table(app):
    return next(frame.value for frame in app.dataframe if list(frame.value.columns) == ["A", "B", "ahead"])


def disagreement_captions(app) -> list[tuple]:
    captions = [caption for image in app.get("image") for caption in image.captions]
    return [DISAGREEMENT.match(caption).groups() for caption in captions if DISAGREEMENT.match(caption)]


def test_the_table_holds_each_picked_models_own_figures(session_run, trained_model, embedded_data):
    app = open_page(trained_model, [session_run])
    first, second = app.selectbox(key="compare_first"), app.selectbox(key="compare_second")
    shipped = default_model.shipped_model()
    # The page's model against the shared shipped model until the student picks others.
    assert (first.value, second.value) == (trained_model.key, shipped.key)
    table = comparison_table(app)
    for column, model in (("A", trained_model), ("B", shipped)):
        evaluation = plain_evaluation(model, embedded_data)
        retrieval = evaluation.retrieval
        assert table.loc["Test pair accuracy", column] == f"{evaluation.pair_accuracy:.1%}"
        assert table.loc["ROC AUC", column] == f"{evaluation.roc.auc:.3f}"
        assert table.loc["5-NN accuracy", column] == f"{retrieval.knn_accuracy:.1%}"
        assert table.loc["Precision@1", column] == f"{retrieval.precision_at_1:.1%}"
        assert table.loc["MAP@R", column] == f"{retrieval.map_at_r:.3f}"
        assert table.loc["Threshold (distance)", column] == f"{model.threshold:.3f} ({model.config.metric})"
    # Three epochs of an MLP against the shipped CNN: the CNN is ahead on every figure.
    assert table["ahead"].tolist() == ["B"] * 5 + ["–"]
    assert len(app.get("plotly_chart")) == 3 + 3  # the page's three, the ROC overlay and two maps


def test_the_disagreements_are_real_and_each_is_marked_with_the_model_that_is_right(
    session_run, trained_model, embedded_data
):
    app = open_page(trained_model, [session_run])
    digits_only = default_model.digits_only_model()
    app.selectbox(key="compare_second").set_value(digits_only.key).run()
    assert not app.exception
    first, second = plain_evaluation(trained_model, embedded_data), plain_evaluation(digits_only, embedded_data)
    first_calls, second_calls = first.calls.called_same, second.calls.called_same
    truth = first.pairs.labels == SAME
    differ = np.flatnonzero(first_calls != second_calls)
    digits = embedded_data.y_test
    possible = Counter(
        (str(digits[first.pairs.left[p]]), str(digits[first.pairs.right[p]]), bool(first_calls[p])) for p in differ
    )
    shown = disagreement_captions(app)
    assert shown, "no disagreement is shown"
    for left, right, first_call, first_mark, second_call, second_mark in shown:
        assert first_call != second_call  # one says same, the other different
        real_same = left == right
        assert (first_mark == "✓") == ((first_call == "same") == real_same)
        assert (second_mark == "✓") == ((second_call == "same") == real_same)
    # Every pair shown is one the two models really call differently (the digits and A's call identify it).
    assert not Counter((left, right, call == "same") for left, right, call, *_ in shown) - possible
    only_first = int(np.count_nonzero((first_calls == truth) & (second_calls != truth)))
    only_second = int(np.count_nonzero((second_calls == truth) & (first_calls != truth)))
    headings = dict(SIDE_HEADING.match(text.value).groups() for text in app.markdown if SIDE_HEADING.match(text.value))
    assert headings == {"A": f"{only_first:,}", "B": f"{only_second:,}"}
    assert sum(mark == "✓" for _, _, _, mark, _, _ in shown) == min(6, only_first)
    assert sum(mark == "✓" for *_, mark in shown) == min(6, only_second)
    counts = next(COUNTS.search(text.value) for text in app.markdown if COUNTS.search(text.value))
    both_right = int(np.count_nonzero((first_calls == truth) & (second_calls == truth)))
    assert [int(number.replace(",", "")) for number in counts.groups()] == [
        both_right,
        only_first,
        only_second,
        len(truth) - both_right - only_first - only_second,
    ]


def test_the_pickers_offer_the_shipped_models_the_runs_and_an_upload(session_run, trained_model):
    uploaded = TrainedModel(
        name="uploaded **bold**.zip",
        network=trained_model.network,
        config=trained_model.config,
        threshold=trained_model.threshold,
        origin=ModelOrigin.UPLOADED,
    )
    app = open_page(uploaded, [session_run])
    first = app.selectbox(key="compare_first")
    assert first.options == [
        "The shipped model (digits only)" if not default_model.shipped_model().config.with_symbols
        else "The shipped model (digits and symbols)",
        "The digits-only model (shipped)",
        trained_model.name[:1].upper() + trained_model.name[1:],
        "Uploaded **bold**.zip",
    ]  # fmt: skip
    assert first.value == uploaded.key  # the page's model is A
    # The typed file name is shown as typed, never as Markdown.
    assert any(text.value == r"**A: Uploaded \*\*bold\*\*\.zip**" for text in app.markdown)
    app.selectbox(key="compare_second").set_value(uploaded.key).run()
    assert [info.value for info in app.info][-1] == "Pick two different models to compare."
    assert not disagreement_captions(app) and not any(frame.value.columns.tolist() == ["A", "B", "ahead"]
                                                      for frame in app.dataframe)  # fmt: skip


def test_the_second_map_is_turned_onto_the_first(trained_model):
    app = open_page(trained_model)
    caption = next(caption.value for caption in app.caption if "test digits on both maps" in caption.value)
    before, after = map(float, re.search(r"from ([\d.]+) to ([\d.]+) of the spread", caption).groups())
    assert after < before
    app.radio(key="compare_map_method").set_value("t-SNE").run()
    assert not app.exception
    caption = next(caption.value for caption in app.caption if "test digits on both maps" in caption.value)
    before, after = map(float, re.search(r"from ([\d.]+) to ([\d.]+) of the spread", caption).groups())
    assert after < before
