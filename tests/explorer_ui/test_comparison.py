"""Two models side by side: how models are named and paired by default, the figures table, the ROC overlay."""

import numpy as np
import pytest

from explorer_ui.comparison import ModelChoice, choice_label, default_pair, figures_table
from explorer_ui.comparison_charts import MODEL_COLOURS, MODEL_DASHES, MODEL_MARKERS, roc_overlay_figure
from siamese.config import TrainingConfig
from siamese.evaluation.model_comparison import AgreementCounts, ModelComparison, ModelFigures
from siamese.evaluation.scores import evaluate_embeddings
from siamese.storage.trained_model import ModelOrigin, TrainedModel


def model(name: str, origin: ModelOrigin, **config) -> TrainedModel:
    return TrainedModel(name=name, network=None, config=TrainingConfig(**config), threshold=0.5, origin=origin)


def choices(*models) -> dict[str, ModelChoice]:
    return {item.key: ModelChoice(label=choice_label(item), model=item) for item in models}


def test_each_model_is_named_by_where_it_came_from():
    assert choice_label(model("the shipped model", ModelOrigin.SHIPPED, with_symbols=True)) == (
        "The shipped model (digits and symbols)"
    )
    assert choice_label(model("the shipped model", ModelOrigin.SHIPPED)) == "The shipped model (digits only)"
    assert choice_label(model("the digits-only model", ModelOrigin.SHIPPED)) == "The digits-only model (shipped)"
    assert choice_label(model("the default model", ModelOrigin.DEFAULT)) == "The default model (trained on this server)"
    assert choice_label(model("run 2 (this session)", ModelOrigin.TRAINED)) == "Run 2 (this session)"
    assert choice_label(model("uploaded *x*.zip", ModelOrigin.UPLOADED)) == "Uploaded *x*.zip"


def test_the_default_pair_is_the_pages_model_and_a_shipped_model_that_is_not_it():
    shipped = model("the shipped model", ModelOrigin.SHIPPED, with_symbols=True)
    digits_only = model("the digits-only model", ModelOrigin.SHIPPED)
    run = model("run 1 (this session)", ModelOrigin.TRAINED)
    offered = choices(shipped, digits_only, run)
    assert default_pair(offered, shipped) == (shipped.key, digits_only.key)
    assert default_pair(offered, digits_only) == (digits_only.key, shipped.key)
    assert default_pair(offered, run) == (run.key, shipped.key)
    default = model("the default model", ModelOrigin.DEFAULT)  # data that is not MNIST: no shipped model
    assert default_pair(choices(default, run), run) == (run.key, default.key)
    assert default_pair(choices(run), run) == (run.key, run.key)  # nothing to compare with


def figures(**values) -> ModelFigures:
    base = {"threshold": 0.5, "metric": "euclidean", "pair_accuracy": 0.9, "roc_auc": 0.95, "knn_accuracy": 0.9,
            "precision_at_1": 0.9, "map_at_r": 0.8, "k": 5}  # fmt: skip
    return ModelFigures(**{**base, **values})


def test_the_table_shows_both_models_and_which_is_ahead_as_shown():
    comparison = ModelComparison(
        first=figures(pair_accuracy=0.9912, roc_auc=0.9871, knn_accuracy=0.95, map_at_r=0.7),
        second=figures(
            pair_accuracy=0.9914, roc_auc=0.9902, knn_accuracy=0.93, map_at_r=0.7004, metric="cosine", threshold=0.25
        ),  # fmt: skip
        counts=AgreementCounts(both_right=1, only_first_right=0, only_second_right=0, both_wrong=0),
        disagreements=np.zeros(0, dtype=np.int64),
        first_called_same=np.zeros(0, dtype=bool),
        first_is_right=np.zeros(0, dtype=bool),
    )
    table = figures_table(comparison)
    assert table.index.tolist() == [
        "Test pair accuracy",
        "ROC AUC",
        "5-NN accuracy",
        "Precision@1",
        "MAP@R",
        "Threshold (distance)",
    ]
    assert table.to_dict("index") == {
        "Test pair accuracy": {"A": "99.1%", "B": "99.1%", "ahead": "same"},  # 0.9912 and 0.9914 read alike
        "ROC AUC": {"A": "0.987", "B": "0.990", "ahead": "B"},
        "5-NN accuracy": {"A": "95.0%", "B": "93.0%", "ahead": "A"},
        "Precision@1": {"A": "90.0%", "B": "90.0%", "ahead": "same"},
        "MAP@R": {"A": "0.700", "B": "0.700", "ahead": "same"},
        "Threshold (distance)": {"A": "0.500 (euclidean)", "B": "0.250 (cosine)", "ahead": "–"},
    }


def test_the_roc_overlay_tells_the_models_apart_by_more_than_colour():
    generator = np.random.default_rng(2)
    labels = np.repeat(np.arange(10), 20)
    train_labels = np.repeat(np.arange(10), 30)
    evaluations = []
    for noise, threshold in ((0.6, 1.5), (1.2, 2.0)):
        centres = generator.standard_normal((10, 4)) * 2.0
        test = centres[labels] + noise * generator.standard_normal((200, 4))
        train = centres[train_labels] + noise * generator.standard_normal((300, 4))
        evaluations.append(evaluate_embeddings(test, labels, train, train_labels, threshold=threshold,
                                               metric="euclidean"))  # fmt: skip
    figure = roc_overlay_figure(*evaluations)
    curves = [trace for trace in figure.data if trace.mode == "lines" and trace.name != "guessing"]
    marks = [trace for trace in figure.data if trace.mode == "markers"]
    assert [curve.line.dash for curve in curves] == [MODEL_DASHES["A"], MODEL_DASHES["B"]] == ["solid", "dash"]
    assert [curve.line.color for curve in curves] == [MODEL_COLOURS["A"], MODEL_COLOURS["B"]]
    assert [mark.marker.symbol for mark in marks] == [MODEL_MARKERS["A"], MODEL_MARKERS["B"]]
    for curve, mark, evaluation in zip(curves, marks, evaluations, strict=True):
        np.testing.assert_allclose(curve.x, evaluation.roc.false_positive_rate)
        # Each mark sits at its own model's threshold: the rates of its own calls.
        calls = evaluation.calls
        assert (mark.x[0], mark.y[0]) == pytest.approx((calls.false_positive_rate, calls.true_positive_rate))
