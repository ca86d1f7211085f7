"""Distances between embeddings, in NumPy: the one implementation every search and score uses.

Both metrics follow ``conventions``: smaller means more alike; norms are floored at
``conventions.EPSILON``. ``tensor_distances`` is the same arithmetic in Keras ops, for training.
"""

import numpy as np

from siamese.conventions import EPSILON, check_metric


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` scaled to unit L2 norm; all-zero rows stay zero. ``(n, d) -> (n, d) float32``."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, EPSILON)).astype(np.float32)


def squared_norms(x: np.ndarray) -> np.ndarray:
    """``(n, d) -> (n,) float32`` squared row norms (precompute them once for many ``pairwise_distances``)."""
    x = np.asarray(x, dtype=np.float32)
    return np.einsum("ij,ij->i", x, x)


def paired_distances(a: np.ndarray, b: np.ndarray, *, metric: str = "euclidean") -> np.ndarray:
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


def pairwise_distances(
    query: np.ndarray,
    reference: np.ndarray,
    *,
    metric: str = "euclidean",
    query_squared_norms: np.ndarray | None = None,
    reference_squared_norms: np.ndarray | None = None,
) -> np.ndarray:
    """All distances between ``query`` rows and ``reference`` rows.

    Parameters
    ----------
    query : (q, d) float array
    reference : (r, d) float array
    metric : "euclidean" or "cosine"
    query_squared_norms, reference_squared_norms : (q,) and (r,) float32, optional
        ``squared_norms`` of the two, when the caller already has them (a search over many
        query blocks computes the reference's once).

    Returns
    -------
    (q, r) float32, never negative (rounding below zero is clamped)
    """
    check_metric(metric)
    query = np.asarray(query, dtype=np.float32)
    reference = np.asarray(reference, dtype=np.float32)
    if query.ndim != 2 or reference.ndim != 2 or query.shape[1] != reference.shape[1]:
        raise ValueError(f"query and reference must be (q, d) and (r, d); got {query.shape} and {reference.shape}")
    if query_squared_norms is None:
        query_squared_norms = squared_norms(query)
    if reference_squared_norms is None:
        reference_squared_norms = squared_norms(reference)
    # Computed in place: on a (2048, 60000) block every extra pass costs time and memory.
    if metric == "cosine":
        unit_query = query / np.maximum(np.sqrt(query_squared_norms), EPSILON)[:, None]
        block = unit_query @ reference.T
        block *= -1.0 / np.maximum(np.sqrt(reference_squared_norms), EPSILON)[None, :]
        block += 1.0
    else:
        # |q - r|^2 = |q|^2 - 2 q.r + |r|^2: one matrix product instead of a (q, r, d) array,
        # with the exact factor -2 folded into the query to save a pass.
        block = (-2.0 * query) @ reference.T
        block += query_squared_norms[:, None]
        block += reference_squared_norms[None, :]
    # In round-to-nearest none of these sums can produce -0.0, so the result sorts like its bits.
    np.maximum(block, 0.0, out=block)
    if metric == "euclidean":
        np.sqrt(block, out=block)
    return block
