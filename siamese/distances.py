"""Distances between embeddings in NumPy (the Keras versions live in ``losses``).

Both functions follow ``conventions``: smaller means more alike.
"""

import numpy as np

from siamese.conventions import check_metric

_EPSILON = 1e-12


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` scaled to unit L2 norm; all-zero rows stay zero. ``(n, d) float32``."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, _EPSILON)).astype(np.float32)


def paired_distances(a: np.ndarray, b: np.ndarray, metric: str = "euclidean") -> np.ndarray:
    """Distance between row ``i`` of ``a`` and row ``i`` of ``b``.

    Parameters
    ----------
    a, b : (n, d) float arrays
    metric : "euclidean" or "cosine"

    Returns
    -------
    (n,) float32
    """
    check_metric(metric)
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"a and b must both be (n, d); got {a.shape} and {b.shape}")
    if metric == "euclidean":
        return np.linalg.norm(a - b, axis=1).astype(np.float32)
    cosine = np.sum(normalize_rows(a) * normalize_rows(b), axis=1)
    return (1.0 - cosine).astype(np.float32)


def pairwise_distances(query: np.ndarray, reference: np.ndarray, metric: str = "euclidean") -> np.ndarray:
    """All distances between ``query`` rows and ``reference`` rows.

    Parameters
    ----------
    query : (q, d) float array
    reference : (r, d) float array
    metric : "euclidean" or "cosine"

    Returns
    -------
    (q, r) float32
    """
    check_metric(metric)
    query = np.asarray(query, dtype=np.float32)
    reference = np.asarray(reference, dtype=np.float32)
    if query.ndim != 2 or reference.ndim != 2 or query.shape[1] != reference.shape[1]:
        raise ValueError(f"query and reference must be (q, d) and (r, d); got {query.shape} and {reference.shape}")
    if metric == "cosine":
        return (1.0 - normalize_rows(query) @ normalize_rows(reference).T).astype(np.float32)
    # |q - r|^2 = |q|^2 - 2 q.r + |r|^2: one matrix product instead of a (q, r, d) array.
    squared = np.sum(query**2, axis=1)[:, None] - 2.0 * (query @ reference.T) + np.sum(reference**2, axis=1)[None, :]
    return np.sqrt(np.maximum(squared, 0.0)).astype(np.float32)
