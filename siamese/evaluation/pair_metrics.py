"""Pair verification scores: is a pair "same digit" or not, judged by a distance threshold?

Every function takes ``distances`` (n,) between the two images of each pair and ``labels`` (n,)
in ``{DIFFERENT, SAME}``; "same digit" is predicted by ``conventions.predict_same``.
"""

from dataclasses import dataclass

import numpy as np
import sklearn.metrics

from siamese.conventions import DIFFERENT, NUM_CLASSES, SAME, predict_same


@dataclass(frozen=True, eq=False)
class RocCurve:
    """ROC curve of "same digit" calls as the distance threshold grows.

    Attributes
    ----------
    false_positive_rate, true_positive_rate : (m,) float64
    thresholds : (m,) float64
        Distance thresholds, increasing; the first is ``-inf`` (nothing called same).
    auc : float
        Area under the curve.
    """

    false_positive_rate: np.ndarray
    true_positive_rate: np.ndarray
    thresholds: np.ndarray
    auc: float


@dataclass(frozen=True, eq=False)
class DistanceHistograms:
    """Counts of same-digit and different-digit pair distances on shared bins.

    Attributes
    ----------
    bin_edges : (bins + 1,) float64
    same_counts, different_counts : (bins,) int64
    """

    bin_edges: np.ndarray
    same_counts: np.ndarray
    different_counts: np.ndarray


@dataclass(frozen=True, eq=False)
class PairErrorTable:
    """Mistakes by digit pair, symmetric: a (3, 5) pair counts in cells (3, 5) and (5, 3).

    Attributes
    ----------
    errors : (10, 10) int64
        Wrong calls; the diagonal holds same-digit pairs called different.
    totals : (10, 10) int64
        All pairs.
    """

    errors: np.ndarray
    totals: np.ndarray

    @property
    def error_rate(self) -> np.ndarray:
        """``(10, 10) float64`` errors / totals; NaN where a digit pair never occurs (not a made-up 0)."""
        rate = np.full(self.errors.shape, np.nan)
        np.divide(self.errors, self.totals, out=rate, where=self.totals > 0)
        return rate


def pair_accuracy(distances: np.ndarray, labels: np.ndarray, *, threshold: float) -> float:
    """Fraction of pairs called correctly at ``threshold``.

    Parameters
    ----------
    distances : (n,) float array
    labels : (n,) int array of SAME / DIFFERENT
    threshold : float, a distance

    Returns
    -------
    float in [0, 1]
    """
    distances, is_same = _check_pairs(distances, labels)
    _check_threshold(threshold)
    return float(np.mean(predict_same(distances, threshold) == is_same))


def roc_curve(distances: np.ndarray, labels: np.ndarray) -> RocCurve:
    """ROC curve with SAME as the positive class and ``-distance`` as the score.

    Parameters
    ----------
    distances : (n,) float array
    labels : (n,) int array of SAME / DIFFERENT, both present

    Returns
    -------
    RocCurve
    """
    distances, is_same = _check_pairs(distances, labels)
    _require_both_labels(is_same)
    false_positive_rate, true_positive_rate, score_thresholds = sklearn.metrics.roc_curve(is_same, -distances)
    return RocCurve(
        false_positive_rate=false_positive_rate.astype(np.float64),
        true_positive_rate=true_positive_rate.astype(np.float64),
        thresholds=-score_thresholds.astype(np.float64),
        auc=float(sklearn.metrics.auc(false_positive_rate, true_positive_rate)),
    )


def best_threshold(distances: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Distance threshold with the highest pair accuracy, found exactly in O(n log n).

    Every cut between adjacent distinct sorted distances is scored; the threshold is the midpoint
    of that gap (the largest distance when calling everything same, just below the smallest when
    calling nothing same). Among equally accurate thresholds the smallest wins.

    Parameters
    ----------
    distances : (n,) float array
    labels : (n,) int array of SAME / DIFFERENT

    Returns
    -------
    threshold : float
    accuracy : float, ``pair_accuracy`` at that threshold
    """
    distances, is_same = _check_pairs(distances, labels)
    order = np.argsort(distances, kind="stable")
    sorted_distances = distances[order]
    same_called_same = np.concatenate(([0], np.cumsum(is_same[order])))
    called_same = np.arange(distances.size + 1)
    different_total = distances.size - int(np.count_nonzero(is_same))
    correct = same_called_same + different_total - (called_same - same_called_same)
    # A cut after position i is only reachable by a threshold when distance i differs from distance i + 1.
    reachable = np.ones(distances.size + 1, dtype=bool)
    reachable[1:-1] = sorted_distances[:-1] < sorted_distances[1:]
    cut = int(np.argmax(np.where(reachable, correct, -1)))
    return _threshold_for_cut(sorted_distances, cut=cut), float(correct[cut] / distances.size)


def distance_histograms(distances: np.ndarray, labels: np.ndarray, *, bins: int = 40) -> DistanceHistograms:
    """Histograms of same-digit and different-digit distances over the same bin edges.

    Parameters
    ----------
    distances : (n,) float array
    labels : (n,) int array of SAME / DIFFERENT
    bins : int, at least 1

    Returns
    -------
    DistanceHistograms
    """
    distances, is_same = _check_pairs(distances, labels)
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    bin_edges = np.histogram_bin_edges(distances, bins=bins).astype(np.float64)
    same_counts, _ = np.histogram(distances[is_same], bins=bin_edges)
    different_counts, _ = np.histogram(distances[~is_same], bins=bin_edges)
    return DistanceHistograms(
        bin_edges=bin_edges,
        same_counts=same_counts.astype(np.int64),
        different_counts=different_counts.astype(np.int64),
    )


def pair_error_table(
    distances: np.ndarray,
    labels: np.ndarray,
    digits_left: np.ndarray,
    digits_right: np.ndarray,
    *,
    threshold: float,
) -> PairErrorTable:
    """Wrong calls and all pairs per digit pair at ``threshold``.

    Parameters
    ----------
    distances : (n,) float array
    labels : (n,) int array of SAME / DIFFERENT, consistent with the digits
    digits_left, digits_right : (n,) int arrays in 0..9
    threshold : float, a distance

    Returns
    -------
    PairErrorTable
    """
    distances, is_same = _check_pairs(distances, labels)
    digits_left = _check_digits(digits_left, size=distances.size, name="digits_left")
    digits_right = _check_digits(digits_right, size=distances.size, name="digits_right")
    if np.any((digits_left == digits_right) != is_same):
        raise ValueError("labels disagree with the digits: SAME must mean digits_left == digits_right")
    _check_threshold(threshold)
    is_wrong = predict_same(distances, threshold) != is_same
    return PairErrorTable(
        errors=_symmetric_digit_counts(digits_left[is_wrong], digits_right[is_wrong]),
        totals=_symmetric_digit_counts(digits_left, digits_right),
    )


def hardest_mistakes(
    distances: np.ndarray, labels: np.ndarray, *, threshold: float, count: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """The worst wrong calls at ``threshold``, worst first.

    Parameters
    ----------
    distances : (n,) float array
    labels : (n,) int array of SAME / DIFFERENT
    threshold : float, a distance
    count : int, at least 1; most indices returned per kind

    Returns
    -------
    farthest_same : (<= count,) int64
        Same-digit pairs called different, by decreasing distance.
    closest_different : (<= count,) int64
        Different-digit pairs called same, by increasing distance.
    """
    distances, is_same = _check_pairs(distances, labels)
    if not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    _check_threshold(threshold)
    called_same = predict_same(distances, threshold)
    missed_same = np.flatnonzero(is_same & ~called_same)
    false_same = np.flatnonzero(~is_same & called_same)
    farthest_same = missed_same[np.argsort(-distances[missed_same], kind="stable")[:count]]
    closest_different = false_same[np.argsort(distances[false_same], kind="stable")[:count]]
    return farthest_same.astype(np.int64), closest_different.astype(np.int64)


def _threshold_for_cut(sorted_distances: np.ndarray, *, cut: int) -> float:
    """Threshold calling exactly the first ``cut`` sorted distances same."""
    # Computed in the distances' own dtype: a float64 threshold would be rounded when compared with
    # float32 distances and could land on one of them.
    float_type = sorted_distances.dtype.type
    if cut == 0:
        return float(np.nextafter(sorted_distances[0], float_type(-np.inf)))
    if cut == sorted_distances.size:
        return float(sorted_distances[-1])
    lower, upper = sorted_distances[cut - 1], sorted_distances[cut]
    midpoint = float_type(lower + (upper - lower) / 2)
    # Between neighbouring floats the midpoint can round up onto the upper one; the lower one is then exact.
    return float(midpoint if midpoint < upper else lower)


def _check_pairs(distances: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``distances`` as ``(n,)`` floats and ``labels`` as an ``(n,) bool`` is-same mask, or ``ValueError``."""
    distances = np.asarray(distances)
    labels = np.asarray(labels)
    if distances.ndim != 1 or distances.size == 0:
        raise ValueError(f"distances must be a non-empty (n,) array, got shape {distances.shape}")
    if labels.shape != distances.shape:
        raise ValueError(f"labels must have the shape of distances {distances.shape}, got {labels.shape}")
    if not np.issubdtype(distances.dtype, np.floating):
        distances = distances.astype(np.float64)
    if not np.all(np.isfinite(distances)):
        raise ValueError("distances contains NaN or infinite values")
    if not np.all((labels == SAME) | (labels == DIFFERENT)):
        raise ValueError(f"labels must only hold SAME ({SAME}) or DIFFERENT ({DIFFERENT})")
    return distances, labels == SAME


def _check_threshold(threshold: float) -> None:
    """``ValueError`` unless ``threshold`` is a number; infinite ones call everything or nothing same."""
    if not isinstance(threshold, (int, float, np.integer, np.floating)) or np.isnan(threshold):
        raise ValueError(f"threshold must be a number, got {threshold!r}")


def _require_both_labels(is_same: np.ndarray) -> None:
    """``ValueError`` unless the ``(n,) bool`` is-same mask holds both kinds of pair."""
    if is_same.all() or not is_same.any():
        raise ValueError("labels must contain both SAME and DIFFERENT pairs")


def _check_digits(digits: np.ndarray, *, size: int, name: str) -> np.ndarray:
    """``digits`` as ``(size,) int64`` in 0..9, or ``ValueError``."""
    digits = np.asarray(digits)
    if digits.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), got {digits.shape}")
    if not np.issubdtype(digits.dtype, np.integer) or np.any((digits < 0) | (digits >= NUM_CLASSES)):
        raise ValueError(f"{name} must hold integer digits 0..{NUM_CLASSES - 1}")
    return digits.astype(np.int64)


def _symmetric_digit_counts(digits_left: np.ndarray, digits_right: np.ndarray) -> np.ndarray:
    """``(10, 10) int64`` pair counts, each unordered digit pair in both of its cells."""
    counts = np.bincount(digits_left * NUM_CLASSES + digits_right, minlength=NUM_CLASSES**2)
    counts = counts.reshape(NUM_CLASSES, NUM_CLASSES)
    # The transpose adds the mirror cell; the diagonal, its own mirror, must not be doubled.
    return (counts + counts.T - np.diag(np.diag(counts))).astype(np.int64)
