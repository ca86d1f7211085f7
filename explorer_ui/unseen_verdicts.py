"""What the Evaluate page says about digits a model never saw: the table of scores and the verdicts.

Each embedder (the model, raw pixels, a classifier's hidden layer, the model's twin trained with or
without the symbols) has scores for the seen and the unseen digits (``siamese.evaluation.unseen_digits``);
the verdicts say plainly which reads unseen digits best, and what the symbols did, and why.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from explorer_ui.run_record import RunRecord
    from siamese.evaluation.unseen_digits import GroupFigures, SeenUnseen
    from siamese.storage.trained_model import TrainedModel


class Embedder(enum.StrEnum):
    """What turns a picture into the numbers compared: the value is the cache's name for it."""

    SIAMESE = "siamese"  # the model itself
    CLASSIFIER = "classifier"  # a softmax classifier of the same network, its last hidden layer
    PIXELS = "pixels"  # the raw pixels
    TWIN = "twin"  # the model's twin trained with (or without) the symbols


EMBEDDER_NAMES = {
    Embedder.SIAMESE: "This model (learned distance)",
    Embedder.CLASSIFIER: "A classifier's hidden layer",
    Embedder.PIXELS: "Raw pixels",
}


def symbols_twin(model: TrainedModel, runs: list[RunRecord]) -> TrainedModel | None:
    """The latest of ``runs``' models trained like ``model`` but for the symbols (with them if it had none)."""
    for run in reversed(runs):
        other = run.model
        if other is None or other.config.with_symbols == model.config.with_symbols:
            continue
        if other.config.without_symbols() == model.config.without_symbols():
            return other
    return None


def figure_rows(figures: GroupFigures) -> dict[str, str]:
    """One group's scores as text, for a table column."""
    few_shot = figures.few_shot
    return {
        "pair accuracy": f"{figures.pair_accuracy:.1%}" if figures.pair_accuracy is not None else "–",
        "5-NN accuracy": f"{figures.knn_accuracy:.1%}",
        "precision@1": f"{figures.precision_at_1:.1%}",
        "MAP@R": f"{figures.map_at_r:.3f}",
        "5-way 1-shot": f"{few_shot.accuracy:.1%}" if few_shot is not None else "–",
    }


def unseen_table(model: TrainedModel, results: dict[Embedder, SeenUnseen]) -> dict[str, dict[str, str]]:
    """Columns "<embedder> · seen" and "· unseen" of every result, for a data frame."""
    names = {**EMBEDDER_NAMES, Embedder.TWIN: "The same, " + ("digits only" if model.config.with_symbols else
                                                               "with symbols")}  # fmt: skip
    return {
        f"{names[embedder]} · {group}": figure_rows(getattr(figures, group))
        for embedder, figures in results.items()
        for group in ("seen", "unseen")
    }


def symbols_verdict(model: TrainedModel, results: dict[Embedder, SeenUnseen]) -> str:
    """What learning from symbols too did for the unseen digits, when both runs are here; else how to see it."""
    if Embedder.TWIN not in results:
        other = "with" if not model.config.with_symbols else "without"
        return (
            f"To see what symbols add, train the same settings again {other} “Also learn from symbols” (Train page): "
            "both runs are then scored here side by side."
        )
    mine, twin = Embedder.SIAMESE, Embedder.TWIN
    with_symbols, digits_only = (mine, twin) if model.config.with_symbols else (twin, mine)
    shots = {name: results[embedder].unseen.few_shot for name, embedder in
             (("with", with_symbols), ("without", digits_only), ("pixels", Embedder.PIXELS))}  # fmt: skip
    if None in shots.values():
        return "Too few unseen test digits for one-shot episodes."
    scores = {name: shot.accuracy for name, shot in shots.items()}
    better = scores["with"] > scores["without"]
    return (
        f"5-way 1-shot on the digits neither run saw: {scores['with']:.1%} with the symbols, {scores['without']:.1%} "
        f"on digits alone, {scores['pixels']:.1%} for raw pixels. "
        + (
            "Learning to tell over a thousand kinds of shape apart taught the distance what makes shapes differ in "
            "general, so digits it never saw still land in places of their own instead of on the digits it knows."
            if better
            else "Here the symbols did not help: with few epochs or little data the network has not yet learned "
            "from them what tells shapes apart; more epochs or full MNIST change this (BENCHMARKS.md)."
        )
    )


def verdict(results: dict[Embedder, SeenUnseen]) -> str:
    """Which embedding reads unseen digits best, said plainly, whichever it is, and why."""
    results = {embedder: figures for embedder, figures in results.items() if embedder != Embedder.TWIN}
    unseen = {embedder: results[embedder].unseen for embedder in results}
    ranking = sorted(unseen, key=lambda embedder: unseen[embedder].knn_accuracy, reverse=True)
    scores = ", ".join(f"{EMBEDDER_NAMES[name].lower()} {unseen[name].knn_accuracy:.1%}" for name in ranking)
    opening = f"On the digits it never saw, nearest-neighbour accuracy: {scores}."
    if ranking[0] == Embedder.SIAMESE:
        return f"{opening} Training for distances made a space where new digits still fall into clusters of their own."
    why = {
        Embedder.PIXELS: (
            "Raw pixels win here: two MNIST pictures of one digit share many pixels, so searching the unseen training "
            "digits pixel by pixel works well, while a network trained on the other digits pulls every picture "
            "towards their clusters and new digits lose what set them apart."
        ),
        Embedder.CLASSIFIER: (
            "The classifier's hidden layer wins here: learning to name the seen digits also taught it stroke features "
            "that other digits share, and a Siamese network with few epochs or little data has not caught up."
        ),
    }[ranking[0]]
    return f"{opening} {why} More epochs, the CNN, or full MNIST change the ranking; BENCHMARKS.md has the figures."
