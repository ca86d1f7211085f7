"""Two models side by side: their figures on the same test pairs, the pairs they call differently, their maps.

``compare_evaluations`` takes two ``Evaluation``\\ s made by ``evaluate_embeddings`` on the same test
digits (the same seed gives both the same pairs), each judged at its own threshold and in its own
metric. Where two same/different calls differ, exactly one of them is right, so each disagreement
has a winner. ``side_by_side_maps`` maps the same test digits as each model embeds them, and turns
the second map onto the first (Procrustes: rotation and reflection, no stretching) so that a
cluster both models put in the same place shows in the same place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest

from siamese.conventions import SAME
from siamese.evaluation.projection import Method, align_to, project
from siamese.evaluation.scores import Evaluation


@dataclass(frozen=True, kw_only=True)
class ModelFigures:
    """One model's headline figures, pair accuracy at its own ``threshold``."""

    threshold: float
    metric: str
    pair_accuracy: float
    roc_auc: float
    knn_accuracy: float
    precision_at_1: float
    map_at_r: float
    k: int

    @classmethod
    def of(cls, evaluation: Evaluation) -> ModelFigures:
        retrieval = evaluation.retrieval
        return cls(
            threshold=evaluation.threshold,
            metric=evaluation.metric,
            pair_accuracy=evaluation.pair_accuracy,
            roc_auc=evaluation.roc.auc,
            knn_accuracy=retrieval.knn_accuracy,
            precision_at_1=retrieval.precision_at_1,
            map_at_r=retrieval.map_at_r,
            k=retrieval.k,
        )


@dataclass(frozen=True, kw_only=True)
class AgreementCounts:
    """How the test pairs split by which of the two models calls them right."""

    both_right: int
    only_first_right: int
    only_second_right: int
    both_wrong: int

    @property
    def total(self) -> int:
        return self.both_right + self.only_first_right + self.only_second_right + self.both_wrong

    @property
    def disagreements(self) -> int:
        return self.only_first_right + self.only_second_right


@dataclass(frozen=True, kw_only=True, eq=False)
class ModelComparison:
    """Two models on the same test pairs.

    Attributes
    ----------
    first, second : each model's figures
    counts : the pairs by who is right
    disagreements : (d,) int64, increasing positions into the shared pairs where the two calls differ
    first_called_same : (d,) bool, the first model's call on each of them (the second called the opposite)
    first_is_right : (d,) bool, whether the first model is right there; where not, the second is
    """

    first: ModelFigures
    second: ModelFigures
    counts: AgreementCounts
    disagreements: np.ndarray
    first_called_same: np.ndarray
    first_is_right: np.ndarray

    @property
    def p_value(self) -> float:
        """Two-sided exact McNemar test: how likely a split of the disagreements at least this uneven is if
        both models were equally good (a binomial with p = 1/2 over the disagreements; 1.0 when there are none).
        """
        counts = self.counts
        if counts.disagreements == 0:
            return 1.0
        return float(binomtest(counts.only_first_right, counts.disagreements, 0.5).pvalue)

    def examples(self, *, per_side: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Seeded pair positions ``((<= per_side,), (<= per_side,)) int64``, each sorted: pairs only the first
        model calls right, and pairs only the second calls right."""
        if not isinstance(per_side, (int, np.integer)) or per_side < 0:
            raise ValueError(f"per_side must be a non-negative integer, got {per_side!r}")
        generator = np.random.default_rng(seed)
        chosen = []
        for side in (self.first_is_right, ~self.first_is_right):
            positions = self.disagreements[side]
            picked = generator.choice(positions, min(per_side, positions.size), replace=False)
            chosen.append(np.sort(picked).astype(np.int64))
        return chosen[0], chosen[1]


def compare_evaluations(first: Evaluation, second: Evaluation) -> ModelComparison:
    """Compare two evaluations of the same test pairs, each at its own threshold.

    Raises
    ------
    ValueError
        When the two were not made on the same test digits and pairs.
    """
    if not _same_pairs(first, second):
        raise ValueError("the two evaluations must be made on the same test digits and pairs (same data and seed)")
    is_same = first.pairs.labels == SAME
    first_right, second_right = ~first.calls.is_wrong, ~second.calls.is_wrong
    counts = AgreementCounts(
        both_right=int(np.count_nonzero(first_right & second_right)),
        only_first_right=int(np.count_nonzero(first_right & ~second_right)),
        only_second_right=int(np.count_nonzero(~first_right & second_right)),
        both_wrong=int(np.count_nonzero(~first_right & ~second_right)),
    )
    disagreements = np.flatnonzero(first.calls.called_same != second.calls.called_same).astype(np.int64)
    first_called_same = first.calls.called_same[disagreements]
    return ModelComparison(
        first=ModelFigures.of(first),
        second=ModelFigures.of(second),
        counts=counts,
        disagreements=disagreements,
        first_called_same=first_called_same,
        first_is_right=first_called_same == is_same[disagreements],
    )


def _same_pairs(first: Evaluation, second: Evaluation) -> bool:
    return (
        np.array_equal(first.test_labels, second.test_labels)
        and np.array_equal(first.pairs.left, second.pairs.left)
        and np.array_equal(first.pairs.right, second.pairs.right)
        and np.array_equal(first.pairs.labels, second.pairs.labels)
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class AlignedMaps:
    """Two 2-D maps of the same ``n`` items, row ``i`` of each the same item.

    Both are centred and scaled to a root-mean-square distance of 1 from their centre, so they share
    axes; ``second_points`` is then turned (and perhaps mirrored) onto ``first_points``, which keeps
    its distances. ``mismatch_before`` and ``mismatch_after`` are the root-mean-square distance between
    an item's two places before and after that turn: what is left after it is where the models differ.

    Attributes
    ----------
    first_points, second_points : (n, 2) float32
    mismatch_before, mismatch_after : float, in units of the maps' spread
    """

    first_points: np.ndarray
    second_points: np.ndarray
    mismatch_before: float
    mismatch_after: float

    @property
    def extent(self) -> float:
        """Half-width of square axes, centred on 0, that hold both maps with a little room around them."""
        return 1.05 * float(max(np.abs(self.first_points).max(), np.abs(self.second_points).max()))


def align_maps(first_points: np.ndarray, second_points: np.ndarray) -> AlignedMaps:
    """Scale two ``(n, c)`` maps of the same items to the same spread and turn the second onto the first."""
    first = _unit_spread(np.asarray(first_points, dtype=np.float64), name="first_points")
    second = _unit_spread(np.asarray(second_points, dtype=np.float64), name="second_points")
    if first.shape != second.shape:
        raise ValueError(f"the maps must have the same shape, got {first.shape} and {second.shape}")
    aligned = align_to(first, second)
    return AlignedMaps(
        first_points=first.astype(np.float32),
        second_points=aligned,
        mismatch_before=_rms_distance(first, second),
        mismatch_after=_rms_distance(first, aligned),
    )


def side_by_side_maps(
    first_rows: np.ndarray,
    second_rows: np.ndarray,
    *,
    first_metric: str,
    second_metric: str,
    method: Method | str = Method.PCA,
    seed: int = 0,
) -> AlignedMaps:
    """2-D maps of the same ``n`` items as two models embed them, ``(n, D1)`` and ``(n, D2)``, aligned.

    Each map is made by ``projection.project`` in its model's metric (a 1-number embedding gets a flat
    second axis), then ``align_maps`` turns the second onto the first.
    """
    maps = []
    for rows, metric in ((first_rows, first_metric), (second_rows, second_metric)):
        rows = np.asarray(rows)
        components = min(2, rows.shape[1]) if Method(method) == Method.PCA and rows.ndim == 2 else 2
        points = project(rows, method=method, metric=metric, n_components=components, seed=seed).points
        maps.append(np.pad(points, ((0, 0), (0, 2 - points.shape[1]))))
    return align_maps(maps[0], maps[1])


def _unit_spread(points: np.ndarray, *, name: str) -> np.ndarray:
    """``points`` centred and scaled to a root-mean-square distance of 1 from their centre (left unscaled if 0)."""
    if points.ndim != 2 or points.shape[0] == 0 or points.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (n, c) array, got shape {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError(f"{name} contains NaN or infinite values")
    centred = points - points.mean(axis=0)
    spread = np.sqrt(np.mean(np.sum(centred**2, axis=1)))
    return centred / spread if spread > 0 else centred


def _rms_distance(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.sum((first - second) ** 2, axis=1))))
