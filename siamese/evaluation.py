"""Scores for a trained embedding: pair verification at a distance threshold, and retrieval.

Pair functions take ``distances`` (n,) between the two images of each pair and ``labels`` (n,) in
``{DIFFERENT, SAME}``; "same digit" is predicted by ``conventions.predict_same``. Retrieval functions
search query embeddings among reference embeddings (for MNIST: test among train).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import sklearn.metrics

from siamese.conventions import DIFFERENT, NUM_CLASSES, SAME, predict_same
from siamese.search import knn_vote, nearest_neighbours

# Caps one chunk of (queries, R) neighbour lists, so MAP@R on 10,000 x 60,000 stays near 100 MB.
_MAX_NEIGHBOUR_LIST_ENTRIES = 2**21


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


@dataclass(frozen=True)
class RetrievalMetrics:
    """Retrieval scores of query embeddings searched among reference embeddings."""

    knn_accuracy: float
    precision_at_1: float
    map_at_r: float
    k: int


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


def knn_accuracy(
    query_embeddings: np.ndarray,
    query_labels: np.ndarray,
    reference_embeddings: np.ndarray,
    reference_labels: np.ndarray,
    *,
    k: int = 5,
    metric: str = "euclidean",
) -> float:
    """Fraction of queries whose ``k`` nearest references vote for the query's label (``search.knn_vote``).

    Parameters
    ----------
    query_embeddings : (q, d) float array
    query_labels : (q,) int array
    reference_embeddings : (r, d) float array
    reference_labels : (r,) int array
    k : int, 1 <= k <= r
    metric : "euclidean" or "cosine"

    Returns
    -------
    float in [0, 1]
    """
    query_embeddings, query_labels, reference_embeddings, reference_labels = _check_retrieval_inputs(
        query_embeddings, query_labels, reference_embeddings, reference_labels
    )
    distances, indices = nearest_neighbours(query_embeddings, reference_embeddings, k=k, metric=metric)
    predicted, _ = knn_vote(reference_labels[indices], neighbour_distances=distances)
    return float(np.mean(predicted == query_labels))


def precision_at_1(
    query_embeddings: np.ndarray,
    query_labels: np.ndarray,
    reference_embeddings: np.ndarray,
    reference_labels: np.ndarray,
    *,
    metric: str = "euclidean",
) -> float:
    """Fraction of queries whose nearest reference has the query's label.

    Parameters
    ----------
    query_embeddings : (q, d) float array
    query_labels : (q,) int array
    reference_embeddings : (r, d) float array
    reference_labels : (r,) int array
    metric : "euclidean" or "cosine"

    Returns
    -------
    float in [0, 1]
    """
    query_embeddings, query_labels, reference_embeddings, reference_labels = _check_retrieval_inputs(
        query_embeddings, query_labels, reference_embeddings, reference_labels
    )
    _, indices = nearest_neighbours(query_embeddings, reference_embeddings, k=1, metric=metric)
    return float(np.mean(reference_labels[indices[:, 0]] == query_labels))


def mean_average_precision_at_r(
    query_embeddings: np.ndarray,
    query_labels: np.ndarray,
    reference_embeddings: np.ndarray,
    reference_labels: np.ndarray,
    *,
    metric: str = "euclidean",
) -> float:
    """MAP@R (Musgrave, Belongie and Lim, "A Metric Learning Reality Check", 2020).

    For a query with R references of its label, AP@R = (1/R) * sum over i <= R of P(i) * rel(i),
    where rel(i) says whether the i-th nearest reference has the query's label and P(i) is the
    fraction of the first i that do. MAP@R is the mean over queries.

    Parameters
    ----------
    query_embeddings : (q, d) float array
    query_labels : (q,) int array; every label must occur among the reference labels
    reference_embeddings : (r, d) float array
    reference_labels : (r,) int array
    metric : "euclidean" or "cosine"

    Returns
    -------
    float in [0, 1]
    """
    query_embeddings, query_labels, reference_embeddings, reference_labels = _check_retrieval_inputs(
        query_embeddings, query_labels, reference_embeddings, reference_labels
    )
    total = 0.0
    for chunk in _label_chunks(
        query_embeddings, query_labels, reference_embeddings, reference_labels, minimum_k=1, metric=metric
    ):
        total += float(np.sum(_average_precision_at_r(chunk.neighbour_labels, chunk.label, chunk.relevant)))
    return total / query_labels.size


def retrieval_metrics(
    query_embeddings: np.ndarray,
    query_labels: np.ndarray,
    reference_embeddings: np.ndarray,
    reference_labels: np.ndarray,
    *,
    k: int = 5,
    metric: str = "euclidean",
) -> RetrievalMetrics:
    """kNN accuracy, precision@1 and MAP@R from one neighbour search per query.

    Each query's neighbour list is searched once, max(R, k) long, and all three scores read it.

    Parameters
    ----------
    query_embeddings : (q, d) float array
    query_labels : (q,) int array; every label must occur among the reference labels
    reference_embeddings : (r, d) float array
    reference_labels : (r,) int array
    k : int, 1 <= k <= r
    metric : "euclidean" or "cosine"

    Returns
    -------
    RetrievalMetrics
    """
    query_embeddings, query_labels, reference_embeddings, reference_labels = _check_retrieval_inputs(
        query_embeddings, query_labels, reference_embeddings, reference_labels
    )
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= reference_labels.size:
        raise ValueError(f"k must be between 1 and {reference_labels.size} (the reference rows), got {k!r}")
    knn_correct = first_correct = 0
    precision_total = 0.0
    for chunk in _label_chunks(
        query_embeddings, query_labels, reference_embeddings, reference_labels, minimum_k=k, metric=metric
    ):
        predicted, _ = knn_vote(chunk.neighbour_labels[:, :k])
        knn_correct += int(np.count_nonzero(predicted == chunk.label))
        first_correct += int(np.count_nonzero(chunk.neighbour_labels[:, 0] == chunk.label))
        precision_total += float(np.sum(_average_precision_at_r(chunk.neighbour_labels, chunk.label, chunk.relevant)))
    return RetrievalMetrics(
        knn_accuracy=knn_correct / query_labels.size,
        precision_at_1=first_correct / query_labels.size,
        map_at_r=precision_total / query_labels.size,
        k=int(k),
    )


@dataclass(frozen=True, eq=False)
class _LabelChunk:
    """Nearest-first neighbour labels ``(m, max(R, k)) int`` of ``m`` queries sharing ``label``.

    ``relevant`` is R, the number of references with that label.
    """

    neighbour_labels: np.ndarray
    label: int
    relevant: int


def _label_chunks(
    query_embeddings: np.ndarray,
    query_labels: np.ndarray,
    reference_embeddings: np.ndarray,
    reference_labels: np.ndarray,
    *,
    minimum_k: int,
    metric: str,
) -> Iterator[_LabelChunk]:
    """Neighbour lists of all queries, grouped by label so each chunk needs one list length, max(R, k)."""
    for label in np.unique(query_labels):
        relevant = int(np.count_nonzero(reference_labels == label))
        if relevant == 0:
            raise ValueError(f"query label {label} has no reference with that label, so R would be 0")
        list_length = max(relevant, minimum_k)
        positions = np.flatnonzero(query_labels == label)
        chunk_size = max(1, _MAX_NEIGHBOUR_LIST_ENTRIES // list_length)
        for start in range(0, positions.size, chunk_size):
            chunk_positions = positions[start : start + chunk_size]
            _, indices = nearest_neighbours(
                query_embeddings[chunk_positions], reference_embeddings, k=list_length, metric=metric
            )
            yield _LabelChunk(neighbour_labels=reference_labels[indices], label=int(label), relevant=relevant)


def _average_precision_at_r(neighbour_labels: np.ndarray, label: int, relevant: int) -> np.ndarray:
    """AP@R ``(m,) float64`` of queries labelled ``label`` from their nearest-first neighbour labels."""
    is_relevant = neighbour_labels[:, :relevant] == label
    hits = np.cumsum(is_relevant, axis=1)
    precision = hits / np.arange(1, relevant + 1)
    return np.sum(precision * is_relevant, axis=1) / relevant


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


def _check_retrieval_inputs(
    query_embeddings: np.ndarray,
    query_labels: np.ndarray,
    reference_embeddings: np.ndarray,
    reference_labels: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Embeddings as ``(n, d) float32`` and labels as ``(n,)`` ints, query then reference, or ``ValueError``.

    Widths and values of the embeddings are checked by ``search.nearest_neighbours``.
    """
    checked = []
    for name, embeddings, labels in (
        ("query", query_embeddings, query_labels),
        ("reference", reference_embeddings, reference_labels),
    ):
        embeddings = np.asarray(embeddings, dtype=np.float32)
        labels = np.asarray(labels)
        if embeddings.ndim != 2:
            raise ValueError(f"{name}_embeddings must be (n, d), got shape {embeddings.shape}")
        if labels.shape != (embeddings.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
            rows = embeddings.shape[0]
            raise ValueError(f"{name}_labels must be ({rows},) integers, got {labels.shape} {labels.dtype}")
        checked += [embeddings, labels]
    return tuple(checked)
