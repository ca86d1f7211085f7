"""NumPy distances: the conventions' definitions, hand cases, and a plain loop."""

import numpy as np
import pytest

from siamese.conventions import METRICS
from siamese.distances import normalize_rows, paired_distances, pairwise_distances, squared_norms


def test_euclidean_distance_is_plain_l2_in_embedding_units():
    assert paired_distances(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), metric="euclidean")[0] == 5.0


def test_cosine_distance_is_one_minus_cosine_similarity():
    a = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    b = np.array([[2.0, 0.0], [0.0, 5.0], [-3.0, 0.0]])
    assert np.allclose(paired_distances(a, b, metric="cosine"), [0.0, 1.0, 2.0])


def test_pairwise_and_paired_distances_agree(rng):
    query, reference = rng.normal(size=(4, 6)), rng.normal(size=(7, 6))
    for metric in METRICS:
        matrix = pairwise_distances(query, reference, metric=metric)
        naive = [[paired_distances(q[None], r[None], metric=metric)[0] for r in reference] for q in query]
        assert np.allclose(matrix, naive, atol=1e-5)


def test_pairwise_distances_match_a_naive_loop_and_accept_precomputed_norms(rng):
    query, reference = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(8, 3)).astype(np.float32)
    naive = np.array([[np.linalg.norm(q - r) for r in reference] for q in query])
    given = pairwise_distances(
        query,
        reference,
        metric="euclidean",
        query_squared_norms=squared_norms(query),
        reference_squared_norms=squared_norms(reference),
    )
    assert np.allclose(pairwise_distances(query, reference, metric="euclidean"), naive, atol=1e-5)
    assert np.allclose(given, naive, atol=1e-5)


def test_a_point_is_at_distance_zero_from_itself_never_below():
    points = np.array([[3.0, 4.0], [1e-3, 0.0], [0.0, 0.0]], dtype=np.float32)
    for metric in METRICS:
        matrix = pairwise_distances(points, points, metric=metric)
        assert matrix.min() >= 0.0
    assert np.allclose(np.diag(pairwise_distances(points, points, metric="euclidean")), 0.0, atol=1e-3)


def test_normalize_rows_leaves_zero_rows_at_zero():
    rows = normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])
    assert rows.dtype == np.float32


def test_bad_shapes_and_metrics_are_refused():
    with pytest.raises(ValueError, match="metric"):
        paired_distances(np.ones((2, 2)), np.ones((2, 2)), metric="manhattan")
    with pytest.raises(ValueError, match="must both be"):
        paired_distances(np.ones((2, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="query and reference"):
        pairwise_distances(np.ones((2, 2)), np.ones((3, 3)))
