"""Retrieval scores: how well query embeddings find references of their own label.

For MNIST the queries are the test digits and the references the training digits. Each query's
neighbour list is searched once by ``neighbour_search`` and every score reads it.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from siamese.search.neighbour_search import knn_vote, nearest_neighbours

# Caps one chunk of (queries, R) neighbour lists, so MAP@R on 10,000 x 60,000 stays near 100 MB.
_MAX_NEIGHBOUR_LIST_ENTRIES = 2**21


@dataclass(frozen=True)
class RetrievalMetrics:
    """Retrieval scores of query embeddings searched among reference embeddings."""

    knn_accuracy: float
    precision_at_1: float
    map_at_r: float
    k: int


def knn_accuracy(
    query_embeddings: np.ndarray,
    query_labels: np.ndarray,
    reference_embeddings: np.ndarray,
    reference_labels: np.ndarray,
    *,
    k: int = 5,
    metric: str = "euclidean",
) -> float:
    """Fraction of queries whose ``k`` nearest references vote for the query's label (``neighbour_search.knn_vote``).

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


def _check_retrieval_inputs(
    query_embeddings: np.ndarray,
    query_labels: np.ndarray,
    reference_embeddings: np.ndarray,
    reference_labels: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Embeddings as ``(n, d) float32`` and labels as ``(n,)`` ints, query then reference, or ``ValueError``.

    Widths and values of the embeddings are checked by ``neighbour_search.nearest_neighbours``.
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
