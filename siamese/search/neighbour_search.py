"""Exact k-nearest-neighbour search of query embeddings among reference embeddings, and kNN voting.

Distances follow ``conventions``: smaller means more alike. Neighbours are ordered by increasing
distance, ties going to the lower reference index, so results are reproducible run to run.
"""

import numpy as np

from siamese.conventions import check_metric
from siamese.distances import pairwise_distances, squared_norms

# One block of (rows, r) float32 distances stays near 16 MB however large batch_size is.
_MAX_BLOCK_DISTANCES = 2**22
# Columns sampled per row to guess a distance that at least k references fall under.
_SAMPLE_COLUMNS = 4096


def nearest_neighbours(
    query: np.ndarray,
    reference: np.ndarray,
    *,
    k: int = 5,
    metric: str = "euclidean",
    exclude_self: bool = False,
    batch_size: int = 2048,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest reference rows of every query row.

    Parameters
    ----------
    query : (q, d) float array
    reference : (r, d) float array
    k : int
        Neighbours per query, ``1 <= k <= r`` (``r - 1`` with ``exclude_self``).
    metric : "euclidean" or "cosine"
    exclude_self : bool
        For ``query`` being the reference set itself: reference ``i`` is never a neighbour of query ``i``.
    batch_size : int
        Most query rows per distance block; blocks are also capped at about 2**22 distances (16 MB).

    Returns
    -------
    distances : (q, k) float32, increasing along each row
    indices : (q, k) int64, reference rows; equal distances are ordered by lower index
    """
    check_metric(metric)
    query = _as_embeddings(query, name="query")
    reference = _as_embeddings(reference, name="reference")
    if query.shape[1] != reference.shape[1]:
        raise ValueError(f"query and reference must have the same width; got {query.shape} and {reference.shape}")
    if exclude_self and query.shape[0] != reference.shape[0]:
        raise ValueError(
            f"exclude_self needs the query set to be the reference set; got {query.shape[0]} query rows "
            f"and {reference.shape[0]} reference rows"
        )
    available = reference.shape[0] - 1 if exclude_self else reference.shape[0]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= available:
        raise ValueError(f"k must be between 1 and {available} (the usable reference rows), got {k}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")

    query_squared_norms = _checked_squared_norms(query, name="query")
    reference_squared_norms = _checked_squared_norms(reference, name="reference")
    rows_per_block = max(1, min(batch_size, _MAX_BLOCK_DISTANCES // reference.shape[0]))
    distances = np.empty((query.shape[0], k), dtype=np.float32)
    indices = np.empty((query.shape[0], k), dtype=np.int64)
    for start in range(0, query.shape[0], rows_per_block):
        stop = min(start + rows_per_block, query.shape[0])
        block = pairwise_distances(
            query[start:stop],
            reference,
            metric=metric,
            query_squared_norms=query_squared_norms[start:stop],
            reference_squared_norms=reference_squared_norms,
        )
        if exclude_self:
            block[np.arange(stop - start), np.arange(start, stop)] = np.inf
        distances[start:stop], indices[start:stop] = _smallest_in_rows(block, k=k)
    return distances, indices


def knn_vote(
    neighbour_labels: np.ndarray, *, neighbour_distances: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Majority label among each row's neighbours.

    A tie goes to whichever tied label belongs to the nearest neighbour.

    Parameters
    ----------
    neighbour_labels : (q, k) int array
        Labels of each query's neighbours, nearest first.
    neighbour_distances : (q, k) float array, optional
        When given, nearness comes from these distances (stable for equal distances)
        instead of the column order.

    Returns
    -------
    predicted : (q,) int64
    vote_share : (q,) float32, votes for the predicted label divided by k
    """
    neighbour_labels = np.asarray(neighbour_labels)
    if neighbour_labels.ndim != 2 or neighbour_labels.size == 0:
        raise ValueError(f"neighbour_labels must be (q, k) with q, k >= 1, got shape {neighbour_labels.shape}")
    if not np.issubdtype(neighbour_labels.dtype, np.integer):
        raise ValueError(f"neighbour_labels must be integers, got dtype {neighbour_labels.dtype}")
    if neighbour_distances is not None:
        neighbour_distances = np.asarray(neighbour_distances)
        if neighbour_distances.shape != neighbour_labels.shape:
            raise ValueError(
                f"neighbour_distances must match neighbour_labels {neighbour_labels.shape}, "
                f"got {neighbour_distances.shape}"
            )
        nearest_first = np.argsort(neighbour_distances, axis=1, kind="stable")
        neighbour_labels = np.take_along_axis(neighbour_labels, nearest_first, axis=1)

    rows, k = neighbour_labels.shape
    distinct_labels, codes = np.unique(neighbour_labels, return_inverse=True)
    codes = codes.reshape(rows, k)
    cells = codes + distinct_labels.size * np.arange(rows)[:, None]
    votes = np.bincount(cells.ravel(), minlength=rows * distinct_labels.size).reshape(rows, distinct_labels.size)
    first_position = np.full(rows * distinct_labels.size, k, dtype=np.int64)
    np.minimum.at(first_position, cells.ravel(), np.tile(np.arange(k), rows))
    # More votes wins; among equal votes the smaller first position (nearer neighbour) wins.
    score = votes * (k + 1) - first_position.reshape(rows, distinct_labels.size)
    winner = np.argmax(score, axis=1)
    predicted = distinct_labels[winner].astype(np.int64)
    vote_share = (votes[np.arange(rows), winner] / k).astype(np.float32)
    return predicted, vote_share


def _as_embeddings(x: np.ndarray, *, name: str) -> np.ndarray:
    """``x`` as a non-empty ``(n, d) float32`` array, or ``ValueError``."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (n, d) array, got shape {x.shape}")
    return x


def _checked_squared_norms(x: np.ndarray, *, name: str) -> np.ndarray:
    """``(n,) float32`` squared row norms, which double as the finiteness check.

    A NaN or infinity anywhere in a row makes its squared norm non-finite, so this costs no extra
    pass over a 60,000-row reference set.
    """
    norms = squared_norms(x)
    if not np.all(np.isfinite(norms)):
        raise ValueError(f"{name} contains NaN, infinite or too large values")
    return norms


def _smallest_in_rows(block: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` smallest entries of each row of a ``(b, r)`` block: ``(b, k) float32``, ``(b, k) int64``."""
    thresholds = _candidate_thresholds(block, k=k)
    distances = np.empty((block.shape[0], k), dtype=np.float32)
    indices = np.empty((block.shape[0], k), dtype=np.int64)
    for row in range(block.shape[0]):
        candidates = np.flatnonzero(block[row] <= thresholds[row])
        if candidates.size < k:
            # The sample guessed too low a threshold for this row: fall back to the whole row.
            candidates = np.arange(block.shape[1])
        distances[row], indices[row] = _smallest_candidates(block[row, candidates], candidates, k=k)
    return distances, indices


def _candidate_thresholds(block: np.ndarray, *, k: int) -> np.ndarray:
    """Per row, a distance that about ``k`` (usually a few more) entries of the row are at most.

    A full partition of every 60,000-long row is the slow part of a search, so the guess comes from
    an evenly spaced sample of the columns; with few columns the sample is the row and the guess exact.
    """
    stride = max(1, block.shape[1] // _SAMPLE_COLUMNS)
    sample = block[:, ::stride]
    if stride == 1:
        rank = k - 1
    else:
        expected = k * sample.shape[1] / block.shape[1]
        # A few standard deviations of slack so the fallback to a full row is rare.
        rank = min(sample.shape[1] - 1, int(np.ceil(expected + 4.0 * np.sqrt(expected) + 8.0)))
    return np.partition(sample, rank, axis=1)[:, rank]


def _smallest_candidates(
    candidate_distances: np.ndarray, candidate_indices: np.ndarray, *, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` candidates with the smallest ``(distance, index)``: ``(k,) float32`` and ``(k,) int64``.

    Candidates come in increasing index order, so any stable sort by distance breaks ties by index.
    """
    if candidate_distances.size > 2 * k:
        # Many more candidates than needed (the whole-row fallback): keep those up to the k-th distance.
        kth_distance = np.partition(candidate_distances, k - 1)[k - 1]
        kept = candidate_distances <= kth_distance
        candidate_distances, candidate_indices = candidate_distances[kept], candidate_indices[kept]
    order = _stable_order(candidate_distances)[:k]
    return candidate_distances[order], candidate_indices[order].astype(np.int64)


def _stable_order(distances: np.ndarray) -> np.ndarray:
    """Stable ascending order ``(n,) int64`` of non-negative ``(n,) float32`` distances.

    Non-negative float32 bit patterns sort like the numbers, and NumPy's stable sort of 16-bit
    integers is a radix sort, so two passes over 16-bit halves (low half first) sort the distances
    stably about twice as fast as a comparison sort.
    """
    bits = distances.view(np.uint32)
    order = np.argsort((bits & 0xFFFF).astype(np.uint16), kind="stable")
    return order[np.argsort((bits[order] >> 16).astype(np.uint16), kind="stable")]
