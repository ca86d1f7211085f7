"""Nearest-neighbour search and kNN voting, against scikit-learn and plain Python loops."""

from collections import Counter

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from siamese.distances import pairwise_distances
from siamese.search import neighbour_search
from siamese.search.neighbour_search import knn_vote, nearest_neighbours


def naive_neighbours(query, reference, *, k, metric="euclidean"):
    """Sort every row by (distance, index) with Python's sort."""
    distances = pairwise_distances(query, reference, metric=metric)
    indices = [sorted(range(len(reference)), key=lambda j, row=row: (row[j], j))[:k] for row in distances]
    indices = np.array(indices)
    return np.take_along_axis(distances, indices, axis=1), indices


def naive_vote(labels):
    """Most common label; among tied labels the one seen first (nearest)."""
    counts = Counter(labels)
    best = max(counts.values())
    winner = next(label for label in labels if counts[label] == best)
    return winner, best / len(labels)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_nearest_neighbours_matches_sklearn(metric):
    generator = np.random.default_rng(0)
    query = generator.standard_normal((50, 8)).astype(np.float32)
    reference = generator.standard_normal((300, 8)).astype(np.float32)
    distances, indices = nearest_neighbours(query, reference, k=7, metric=metric)
    expected_distances, expected_indices = (
        NearestNeighbors(n_neighbors=7, metric=metric, algorithm="brute").fit(reference).kneighbors(query)
    )
    assert distances.shape == indices.shape == (50, 7)
    assert distances.dtype == np.float32 and indices.dtype == np.int64
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(distances, expected_distances, atol=1e-4)


def test_ties_go_to_the_lower_index():
    # Small integer coordinates make every distance exact and leave many exact ties.
    generator = np.random.default_rng(1)
    query = generator.integers(0, 3, size=(30, 2)).astype(np.float32)
    reference = generator.integers(0, 3, size=(40, 2)).astype(np.float32)
    distances, indices = nearest_neighbours(query, reference, k=9)
    expected_distances, expected_indices = naive_neighbours(query, reference, k=9)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_array_equal(distances, expected_distances)


@pytest.mark.parametrize("k", [1, 5, 1500])
def test_sampled_threshold_path_is_exact_on_a_large_reference(k):
    # 10,000 references is more than twice the sampled columns, so the threshold is guessed.
    generator = np.random.default_rng(2)
    query = generator.standard_normal((12, 4)).astype(np.float32)
    reference = generator.standard_normal((10_000, 4)).astype(np.float32)
    distances, indices = nearest_neighbours(query, reference, k=k)
    full = pairwise_distances(query, reference)
    expected_indices = np.array([np.lexsort((np.arange(full.shape[1]), row))[:k] for row in full])
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(distances, np.take_along_axis(full, expected_indices, axis=1), atol=1e-5)


def test_fallback_when_the_sample_underestimates_the_threshold(monkeypatch):
    # The sample takes every second row. Those are all nearer than the others, so the sample's guess
    # covers about 1,660 rows, too few for k = 3,000, and the search must fall back to whole rows.
    query = np.zeros((2, 1), dtype=np.float32)
    positions = np.where(np.arange(10_000) % 2 == 0, 1.0, 2.0) + np.arange(10_000) * 1e-5
    reference = positions.astype(np.float32)[:, None]
    candidate_counts = []
    original = neighbour_search._smallest_candidates

    def counting(candidate_distances, candidate_indices, *, k):
        candidate_counts.append(candidate_indices.size)
        return original(candidate_distances, candidate_indices, k=k)

    monkeypatch.setattr(neighbour_search, "_smallest_candidates", counting)
    distances, indices = nearest_neighbours(query, reference, k=3000)
    expected = np.lexsort((np.arange(10_000), reference[:, 0]))[:3000]
    np.testing.assert_array_equal(indices, np.stack([expected, expected]))
    np.testing.assert_array_equal(distances[0], reference[expected, 0])
    assert candidate_counts == [10_000, 10_000]


def test_exclude_self_matches_sklearn_leave_one_out():
    generator = np.random.default_rng(3)
    points = generator.standard_normal((80, 5)).astype(np.float32)
    distances, indices = nearest_neighbours(points, points, k=4, exclude_self=True)
    expected_distances, expected_indices = NearestNeighbors(n_neighbors=4).fit(points).kneighbors()
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(distances, expected_distances, atol=1e-4)
    assert not np.any(indices == np.arange(80)[:, None])


def test_batching_does_not_change_the_answer(monkeypatch):
    generator = np.random.default_rng(4)
    query = generator.standard_normal((37, 6)).astype(np.float32)
    reference = generator.standard_normal((120, 6)).astype(np.float32)
    whole = nearest_neighbours(query, reference, k=5, batch_size=2048)
    # A block cap of 250 distances forces two query rows per block.
    monkeypatch.setattr(neighbour_search, "_MAX_BLOCK_DISTANCES", 250)
    for batch_size in (1, 3, 2048):
        distances, indices = nearest_neighbours(query, reference, k=5, batch_size=batch_size)
        np.testing.assert_array_equal(indices, whole[1])
        np.testing.assert_array_equal(distances, whole[0])


def test_k_equal_to_all_references_sorts_everything():
    generator = np.random.default_rng(5)
    query = generator.standard_normal((3, 2)).astype(np.float32)
    reference = generator.standard_normal((10, 2)).astype(np.float32)
    distances, indices = nearest_neighbours(query, reference, k=10, metric="cosine")
    expected_distances, expected_indices = naive_neighbours(query, reference, k=10, metric="cosine")
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(distances, np.maximum(expected_distances, 0.0), atol=1e-6)
    assert np.all(np.diff(distances, axis=1) >= 0)


@pytest.mark.parametrize(
    ("query_shape", "reference_shape", "options"),
    [
        ((4, 3), (10, 3), {"k": 0}),
        ((4, 3), (10, 3), {"k": 11}),
        ((4, 3), (10, 3), {"k": 2.5}),
        ((10, 3), (10, 3), {"k": 10, "exclude_self": True}),
        ((4, 3), (10, 3), {"k": 2, "exclude_self": True}),
        ((4, 3), (10, 3), {"metric": "manhattan"}),
        ((4, 3), (10, 2), {}),
        ((3,), (10, 3), {}),
        ((0, 3), (10, 3), {}),
        ((4, 3), (10, 3), {"batch_size": 0}),
    ],
)
def test_nearest_neighbours_rejects_bad_input(query_shape, reference_shape, options):
    with pytest.raises(ValueError):
        nearest_neighbours(np.ones(query_shape), np.ones(reference_shape), **options)


def test_nearest_neighbours_rejects_non_finite_values():
    reference = np.ones((10, 3))
    reference[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        nearest_neighbours(np.ones((2, 3)), reference, k=2)
    with pytest.raises(ValueError, match="NaN"):
        nearest_neighbours(np.full((2, 3), np.inf), np.ones((10, 3)), k=2)


@pytest.mark.parametrize(
    ("labels", "predicted", "share"),
    [
        ([1, 1, 2, 2, 3], 1, 0.4),  # 1 and 2 tie; the nearest neighbour is a 1
        ([2, 1, 1, 2, 3], 2, 0.4),  # same votes, but now a 2 is nearest
        ([3, 1, 1, 2, 2], 1, 0.4),  # the nearest label (3) is not among the tied ones
        ([5, 5, 5, 1, 1], 5, 0.6),
        ([7], 7, 1.0),
    ],
)
def test_knn_vote_hand_cases(labels, predicted, share):
    result, vote_share = knn_vote(np.array([labels]))
    assert result.tolist() == [predicted]
    assert vote_share.tolist() == [pytest.approx(share)]


def test_knn_vote_orders_by_distances_when_given():
    labels = np.array([[2, 1, 1, 2]])
    # Nearest first: 1 (0.1), 2 (0.2), 2 (0.5), 1 (0.9): a 2-2 tie that the 1 at 0.1 wins.
    distances = np.array([[0.5, 0.1, 0.9, 0.2]])
    assert knn_vote(labels)[0].tolist() == [2]
    assert knn_vote(labels, neighbour_distances=distances)[0].tolist() == [1]


def test_knn_vote_matches_a_python_loop():
    generator = np.random.default_rng(6)
    labels = generator.integers(0, 4, size=(300, 7)) * 10 - 5
    predicted, vote_share = knn_vote(labels)
    expected = [naive_vote(row) for row in labels.tolist()]
    assert predicted.dtype == np.int64 and vote_share.dtype == np.float32
    assert predicted.tolist() == [winner for winner, _ in expected]
    np.testing.assert_allclose(vote_share, [share for _, share in expected], rtol=1e-6)


@pytest.mark.parametrize(
    ("labels", "distances"),
    [
        (np.array([1, 2, 3]), None),
        (np.zeros((2, 0), dtype=int), None),
        (np.array([[0.5, 1.0]]), None),
        (np.array([[1, 2]]), np.array([[0.1, 0.2, 0.3]])),
    ],
)
def test_knn_vote_rejects_bad_input(labels, distances):
    with pytest.raises(ValueError):
        knn_vote(labels, neighbour_distances=distances)
