"""Every index kind against the NumPy exact search and hand-computed cases; HNSW's recall; bad input."""

import subprocess
import sys

import numpy as np
import pytest

from siamese.distances import paired_distances
from siamese.search.neighbour_search import nearest_neighbours
from siamese.search.vector_index import INDEX_KINDS, FaissHnswIndex, build_index, make_index


def _clustered(rng, *, count: int, clusters: int, width: int) -> np.ndarray:
    """``(count, width) float32``: points around random centres, with norms from 0.5 to 3.

    The spread of norms makes cosine and Euclidean neighbours differ, so a cosine search that
    forgot to normalise would be caught.
    """
    centres = rng.standard_normal((clusters, width)) * 2.0
    points = centres[rng.integers(clusters, size=count)] + rng.standard_normal((count, width))
    scale = rng.uniform(0.5, 3.0, size=(count, 1)) / np.linalg.norm(points, axis=1, keepdims=True)
    return (points * scale).astype(np.float32)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("kind", ["exact", "faiss-flat"])
def test_exact_kinds_find_the_numpy_searchs_neighbours_in_its_order(kind, metric):
    rng = np.random.default_rng(11)
    references = rng.standard_normal((3000, 24)).astype(np.float32)
    queries = rng.standard_normal((200, 24)).astype(np.float32)
    expected_distances, expected_indices = nearest_neighbours(queries, references, k=10, metric=metric)

    distances, indices = build_index(references, metric=metric, kind=kind).search(queries, k=10)

    assert indices.dtype == np.int64 and distances.dtype == np.float32
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(distances, expected_distances, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_a_hand_computed_euclidean_case(kind):
    references = np.array([[3.0, 4.0], [1.0, 0.0], [0.0, 0.0], [0.0, -2.0], [6.0, 8.0]], dtype=np.float32)
    distances, indices = build_index(references, metric="euclidean", kind=kind).search([[0.0, 0.0], [6.0, 8.0]], k=3)
    np.testing.assert_array_equal(indices, [[2, 1, 3], [4, 0, 1]])
    np.testing.assert_allclose(distances, [[0.0, 1.0, 2.0], [0.0, 5.0, np.hypot(5.0, 8.0)]], atol=1e-5)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_a_hand_computed_cosine_case_ignores_length(kind):
    # Angles from the query (2, 0): 0 (any length), 45, 90 and 180 degrees.
    references = np.array([[0.0, 5.0], [-1.0, 0.0], [3.0, 3.0], [0.1, 0.0]], dtype=np.float32)
    distances, indices = build_index(references, metric="cosine", kind=kind).search([[2.0, 0.0]], k=4)
    np.testing.assert_array_equal(indices, [[3, 2, 0, 1]])
    np.testing.assert_allclose(distances, [[0.0, 1.0 - np.sqrt(0.5), 1.0, 2.0]], atol=1e-6)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_equal_distances_go_to_the_lower_index_like_exact_search(kind):
    references = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    distances, indices = build_index(references, metric="euclidean", kind=kind).search([[1.0, 0.0]], k=3)
    np.testing.assert_array_equal(indices, [[1, 3, 4]])
    np.testing.assert_array_equal(distances, [[0.0, 0.0, 0.0]])


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_hnsw_finds_most_true_neighbours_of_clustered_points(metric):
    rng = np.random.default_rng(5)
    points = _clustered(rng, count=4200, clusters=25, width=48)
    references, queries = points[:4000], points[4000:]
    _, true_indices = nearest_neighbours(queries, references, k=10, metric=metric)

    distances, indices = (
        FaissHnswIndex(neighbours=16, ef_search=32).build(references, metric=metric).search(queries, k=10)
    )

    recall = np.mean([len(set(found) & set(true)) / 10 for found, true in zip(indices, true_indices, strict=True)])
    assert recall >= 0.9
    # Whatever it found, its distances are the true ones, nearest first.
    rows = np.repeat(np.arange(len(queries)), 10)
    measured = paired_distances(queries[rows], references[indices.ravel()], metric=metric).reshape(indices.shape)
    np.testing.assert_allclose(distances, measured, atol=1e-6)
    assert np.all(np.diff(distances, axis=1) >= 0)


def test_a_wider_hnsw_search_finds_more():
    rng = np.random.default_rng(6)
    points = _clustered(rng, count=4200, clusters=25, width=48)
    references, queries = points[:4000], points[4000:]
    _, true_indices = nearest_neighbours(queries, references, k=10, metric="euclidean")
    index = FaissHnswIndex(neighbours=4, ef_construction=8, ef_search=1).build(references, metric="euclidean")

    def recall() -> float:
        _, indices = index.search(queries, k=10)
        return np.mean([len(set(found) & set(true)) / 10 for found, true in zip(indices, true_indices, strict=True)])

    narrow = recall()
    index.ef_search = 200
    assert recall() > narrow


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_bad_input_is_refused_with_one_clear_message(kind):
    references = np.random.default_rng(0).standard_normal((20, 4)).astype(np.float32)
    index = build_index(references, metric="euclidean", kind=kind)
    with pytest.raises(ValueError, match=r"queries must have 4 columns"):
        index.search(np.zeros((1, 5)), k=3)
    with pytest.raises(ValueError, match=r"k must be between 1 and 20"):
        index.search(np.zeros((1, 4)), k=21)
    with pytest.raises(ValueError, match=r"k must be between 1 and 20"):
        index.search(np.zeros((1, 4)), k=0)
    with pytest.raises(ValueError, match=r"queries contains NaN"):
        index.search(np.array([[0.0, np.nan, 0.0, 0.0]]), k=3)
    with pytest.raises(ValueError, match=r"queries must be a non-empty \(n, D\) array"):
        index.search(np.zeros(4), k=3)
    with pytest.raises(ValueError, match=r"references contains NaN"):
        build_index(np.array([[0.0, np.inf], [1.0, 1.0]]), metric="euclidean", kind=kind)
    with pytest.raises(ValueError, match=r"references must be a non-empty \(n, D\) array"):
        build_index(np.zeros((0, 4)), metric="euclidean", kind=kind)
    with pytest.raises(ValueError, match=r"metric must be one of"):
        build_index(references, metric="manhattan", kind=kind)
    with pytest.raises(RuntimeError, match=r"needs build"):
        make_index(kind).search(references, k=1)


def test_unknown_kinds_and_settings_are_refused():
    with pytest.raises(ValueError, match=r"index must be one of exact, faiss-flat, faiss-hnsw; got 'annoy'"):
        make_index("annoy")
    with pytest.raises(ValueError, match=r"neighbours must be an integer of at least 2"):
        FaissHnswIndex(neighbours=1)
    with pytest.raises(ValueError, match=r"ef_search must be an integer of at least 1"):
        FaissHnswIndex(ef_search=0)


def test_faiss_loads_only_when_a_faiss_index_is_built():
    script = (
        "import sys, numpy as np\n"
        "from siamese.search.vector_index import build_index\n"
        "build_index(np.eye(3, dtype=np.float32), metric='cosine').search(np.eye(3), k=2)\n"
        "assert 'faiss' not in sys.modules, 'loaded by exact search'\n"
        "build_index(np.eye(3, dtype=np.float32), metric='cosine', kind='faiss-flat')\n"
        "assert 'faiss' in sys.modules\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
