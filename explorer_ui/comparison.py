"""Two models side by side: the models a session can pick, their comparison, its table and the aligned maps.

Each result is cached per pair of models (by their ``key``) and shared by sessions, so the shipped
pair that every session sees first is compared once per server; each model's own evaluation comes
from ``caches.evaluation`` (on disk for a model loaded from files).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from explorer_ui import state
from explorer_ui.caches import SAMPLE_SEED, evaluation, sample_positions
from explorer_ui.default_model import digits_only_model, shared_model_if_ready
from siamese.data.mnist import MnistData
from siamese.storage.trained_model import ModelOrigin

if TYPE_CHECKING:
    from siamese.evaluation.model_comparison import AlignedMaps, ModelComparison
    from siamese.storage.trained_model import TrainedModel

MAP_POINTS = 1000  # the same seeded test digits on both maps; t-SNE of this many takes seconds


@dataclass(frozen=True, kw_only=True, eq=False)
class ModelChoice:
    """A model a student can pick, with the words that name it in a list."""

    label: str
    model: TrainedModel


def model_choices(data: MnistData, active: TrainedModel) -> dict[str, ModelChoice]:
    """The models this session can compare, by model key: the shared model, the digits-only shipped model,
    this session's usable runs, and the model the session chose or uploaded (``active``, the page's model)."""
    shipped_digits_only = digits_only_model() if data.is_mnist else None
    candidates = [
        shared_model_if_ready(data),
        shipped_digits_only,
        *(run.model for run in state.runs()),
        state.session_model(),
        active,
    ]
    choices: dict[str, ModelChoice] = {}
    for model in candidates:
        if model is not None and model.key not in choices:
            choices[model.key] = ModelChoice(label=choice_label(model), model=model)
    return choices


def choice_label(model: TrainedModel) -> str:
    """How a model is named in the pickers: where it came from, in words."""
    name = model.name[:1].upper() + model.name[1:]
    if model.origin == ModelOrigin.SHIPPED:
        if model.config.with_symbols:
            return f"{name} (digits and symbols)"
        return f"{name} (shipped)" if "shipped" not in name else f"{name} (digits only)"
    if model.origin == ModelOrigin.DEFAULT:
        return f"{name} (trained on this server)"
    return name


def default_pair(choices: dict[str, ModelChoice], active: TrainedModel) -> tuple[str, str]:
    """Keys of the models compared until the student picks others: the page's model, and a shipped model
    that is not it (the other shipped one when the page's model is shipped), else the first other choice."""
    others = [key for key in choices if key != active.key]
    shipped = [key for key in others if choices[key].model.origin == ModelOrigin.SHIPPED]
    return active.key, (shipped or others or [active.key])[0]


def model_comparison(first: TrainedModel, second: TrainedModel, data: MnistData) -> ModelComparison:
    """Both models on the same test pairs (``siamese.evaluation.model_comparison``).

    Raises ``ValueError`` if one can't be evaluated.
    """
    return _model_comparison(first.key, second.key, first, second, data)


@st.cache_resource(max_entries=16, show_spinner=False)
def _model_comparison(
    first_key: str, second_key: str, _first: TrainedModel, _second: TrainedModel, _data: MnistData
) -> ModelComparison:
    from siamese.evaluation.model_comparison import compare_evaluations

    return compare_evaluations(evaluation(_first, _data), evaluation(_second, _data))


def figures_table(comparison: ModelComparison) -> pd.DataFrame:
    """Rows of figures, columns "A" and "B" as text, and which of the two is ahead on each (as shown)."""
    rows = []
    for label, attribute, shown in (
        ("Test pair accuracy", "pair_accuracy", "{:.1%}"),
        ("ROC AUC", "roc_auc", "{:.3f}"),
        (f"{comparison.first.k}-NN accuracy", "knn_accuracy", "{:.1%}"),
        ("Precision@1", "precision_at_1", "{:.1%}"),
        ("MAP@R", "map_at_r", "{:.3f}"),
    ):
        first, second = (shown.format(getattr(figures, attribute)) for figures in (comparison.first, comparison.second))
        first_value, second_value = getattr(comparison.first, attribute), getattr(comparison.second, attribute)
        ahead = "same" if first == second else ("A" if first_value > second_value else "B")
        rows.append({"figure": label, "A": first, "B": second, "ahead": ahead})
    thresholds = [f"{figures.threshold:.3f} ({figures.metric})" for figures in (comparison.first, comparison.second)]
    rows.append({"figure": "Threshold (distance)", "A": thresholds[0], "B": thresholds[1], "ahead": "–"})
    return pd.DataFrame(rows).set_index("figure")


def aligned_maps(
    first: TrainedModel, second: TrainedModel, data: MnistData, *, method: str
) -> tuple[AlignedMaps, np.ndarray]:
    """Maps of the same seeded test digits by both models, the second turned onto the first, and the digits
    ``(n,)``. Raises ``ValueError`` when the method cannot map the points."""
    return _aligned_maps(first.key, second.key, method, first, second, data)


@st.cache_resource(max_entries=16, show_spinner=False)
def _aligned_maps(
    first_key: str, second_key: str, method: str, _first: TrainedModel, _second: TrainedModel, _data: MnistData
) -> tuple[AlignedMaps, np.ndarray]:
    from siamese.evaluation.model_comparison import side_by_side_maps

    chosen = sample_positions(len(_data.y_test), MAP_POINTS)
    maps = side_by_side_maps(
        evaluation(_first, _data).test_embeddings[chosen],
        evaluation(_second, _data).test_embeddings[chosen],
        first_metric=_first.config.metric,
        second_metric=_second.config.metric,
        method=method,
        seed=SAMPLE_SEED,
    )
    return maps, _data.y_test[chosen]
