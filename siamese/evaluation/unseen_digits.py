"""What a learned distance buys on digits the network never saw: seen and unseen digits scored apart.

With ``held_out_digits`` set, training never shows those digits. Here the test digits are split
into the *seen* ones and the *unseen* (held-out) ones and each group is scored on its own:

- pair accuracy on pairs of two test digits of the group, at a threshold chosen on seen
  validation pairs (an unseen digit never chose anything);
- 5-NN accuracy, precision@1 and MAP@R of the group's test digits searched among the group's
  training digits (an unseen 7 is looked up among training 7s, 8s and 9s, never among seen ones);
- N-way K-shot accuracy on episodes drawn from the group's test digits (``few_shot``).

The same figures for any embedding: a Siamese network's, a classifier's hidden layer, raw pixels.
"""

from dataclasses import dataclass

import numpy as np

from siamese.data.pairs import make_pairs
from siamese.distances import paired_distances
from siamese.evaluation.few_shot import FewShotResult, evaluate_few_shot
from siamese.evaluation.pair_metrics import best_threshold, pair_accuracy
from siamese.evaluation.retrieval import retrieval_metrics


@dataclass(frozen=True, kw_only=True)
class GroupFigures:
    """Scores of one group of digits (``None`` where the group is too small for the figure)."""

    digits: tuple[int, ...]
    test_digits: int
    pair_accuracy: float | None
    knn_accuracy: float
    precision_at_1: float
    map_at_r: float
    few_shot: FewShotResult | None

    def to_dict(self) -> dict:
        return {
            "digits": list(self.digits),
            "test_digits": self.test_digits,
            "pair_accuracy": _rounded(self.pair_accuracy),
            "knn_accuracy": round(self.knn_accuracy, 4),
            "precision_at_1": round(self.precision_at_1, 4),
            "map_at_r": round(self.map_at_r, 4),
            "few_shot": self.few_shot.to_dict() if self.few_shot else None,
        }


@dataclass(frozen=True, kw_only=True)
class SeenUnseen:
    """The figures of the seen and of the unseen digits, and the threshold both pair scores used."""

    seen: GroupFigures
    unseen: GroupFigures
    threshold: float

    def to_dict(self) -> dict:
        return {"threshold": round(self.threshold, 4), "seen": self.seen.to_dict(), "unseen": self.unseen.to_dict()}


def threshold_on_pairs(embeddings: np.ndarray, labels: np.ndarray, *, metric: str, seed: int = 0) -> float:
    """The best same/different threshold on pairs of ``embeddings`` (n, D) labelled ``labels`` (n,)."""
    pairs = make_pairs(np.asarray(labels, dtype=np.int64), seed=seed)
    distances = paired_distances(embeddings[pairs.left], embeddings[pairs.right], metric=metric)
    threshold, _ = best_threshold(distances, pairs.labels)
    return threshold


def seen_unseen_figures(
    test_embeddings: np.ndarray,
    test_labels: np.ndarray,
    train_embeddings: np.ndarray,
    train_labels: np.ndarray,
    *,
    held_out: tuple[int, ...],
    threshold: float,
    metric: str,
    n_way: int = 5,
    k_shot: int = 1,
    episodes: int = 1000,
    seed: int = 0,
) -> SeenUnseen:
    """Seen and unseen digits scored apart (see the module's docstring); ``held_out`` must not be empty."""
    if not held_out:
        raise ValueError("no digits were held out, so every digit is seen")
    groups = {}
    for name, is_member in (("seen", lambda y: ~np.isin(y, held_out)), ("unseen", lambda y: np.isin(y, held_out))):
        test_mask, train_mask = is_member(test_labels), is_member(train_labels)
        groups[name] = _group_figures(
            test_embeddings[test_mask],
            test_labels[test_mask],
            train_embeddings[train_mask],
            train_labels[train_mask],
            threshold=threshold,
            metric=metric,
            n_way=n_way,
            k_shot=k_shot,
            episodes=episodes,
            seed=seed,
        )
    return SeenUnseen(seen=groups["seen"], unseen=groups["unseen"], threshold=float(threshold))


def _group_figures(
    test_embeddings, test_labels, train_embeddings, train_labels, *, threshold, metric, n_way, k_shot, episodes, seed
) -> GroupFigures:
    digits = tuple(int(digit) for digit in np.unique(test_labels))
    pair_score = None
    if len(digits) >= 2:  # pairs of two different digits need two digits
        pairs = make_pairs(test_labels.astype(np.int64), seed=seed)
        distances = paired_distances(test_embeddings[pairs.left], test_embeddings[pairs.right], metric=metric)
        pair_score = pair_accuracy(distances, pairs.labels, threshold=threshold)
    retrieval = retrieval_metrics(test_embeddings, test_labels, train_embeddings, train_labels, k=5, metric=metric)
    few_shot = None
    if len(digits) >= max(n_way, 2):
        few_shot = evaluate_few_shot(
            test_embeddings,
            test_labels,
            classes=digits,
            n_way=n_way,
            k_shot=k_shot,
            episodes=episodes,
            metric=metric,
            seed=seed,
        )
    return GroupFigures(
        digits=digits,
        test_digits=int(len(test_labels)),
        pair_accuracy=pair_score,
        knn_accuracy=retrieval.knn_accuracy,
        precision_at_1=retrieval.precision_at_1,
        map_at_r=retrieval.map_at_r,
        few_shot=few_shot,
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
