"""Maps of embeddings (PCA, t-SNE, by metric) and Procrustes alignment, against plain NumPy."""

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from threadpoolctl import threadpool_limits

from siamese.distances import normalize_rows
from siamese.evaluation.projection import Method, align_to, project, tsne


def random_orthogonal(generator, size):
    """A random rotation, with a reflection when the determinant comes out negative."""
    matrix, _ = np.linalg.qr(generator.standard_normal((size, size)))
    return matrix


def test_a_pca_map_matches_an_svd_up_to_sign():
    generator = np.random.default_rng(0)
    x = generator.standard_normal((100, 6)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.1])
    pca_map = project(x, n_components=3)
    centred = x - x.mean(axis=0)
    _, _, right_transposed = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ right_transposed[:3].T
    assert pca_map.points.shape == (100, 3) and pca_map.points.dtype == np.float32
    signs = np.sign(np.sum(pca_map.points * expected, axis=0))
    np.testing.assert_allclose(pca_map.points, expected * signs, rtol=1e-4, atol=1e-4)


def test_pca_transform_places_new_points_on_the_same_map():
    generator = np.random.default_rng(1)
    x = generator.standard_normal((80, 4)) @ generator.standard_normal((4, 4))
    pca_map = project(x)
    np.testing.assert_allclose(pca_map.transform(x), pca_map.points, atol=1e-5)
    new_x = generator.standard_normal((7, 4))
    placed = pca_map.transform(new_x)
    expected = (new_x - x.mean(axis=0)) @ pca_map.fitted.components_.T
    assert placed.shape == (7, 2) and placed.dtype == np.float32
    np.testing.assert_allclose(placed, expected, atol=1e-5)


def test_pca_rejects_bad_input():
    x = np.ones((10, 3))
    with pytest.raises(ValueError, match="n_components"):
        project(x, n_components=4)
    with pytest.raises(ValueError, match="n_components"):
        project(x, n_components=0)
    with pytest.raises(ValueError):
        project(np.ones(10))
    with pytest.raises(ValueError, match="NaN"):
        project(np.full((10, 3), np.nan))
    with pytest.raises(ValueError, match="new rows"):
        project(np.random.default_rng(2).standard_normal((10, 3))).transform(np.ones((2, 4)))
    with pytest.raises(ValueError, match="metric"):
        project(x, metric="manhattan")
    with pytest.raises(ValueError):
        project(x, method="UMAP?")


def test_a_cosine_map_shows_directions_only():
    generator = np.random.default_rng(11)
    x = generator.standard_normal((50, 5))
    scaled = x * generator.uniform(0.1, 10.0, size=(50, 1))  # same directions, other lengths
    cosine_map = project(x, metric="cosine")
    np.testing.assert_allclose(project(scaled, metric="cosine").points, cosine_map.points, atol=1e-4)
    np.testing.assert_allclose(cosine_map.points, project(normalize_rows(x)).points, atol=1e-5)
    # A new point is placed by its direction too: twice as long lands on the same spot.
    np.testing.assert_allclose(cosine_map.transform(2.0 * x[:3]), cosine_map.points[:3], atol=1e-4)
    euclidean_map = project(scaled)
    assert not np.allclose(euclidean_map.points, cosine_map.points, atol=1e-2)


def test_a_tsne_map_cannot_place_new_points():
    x = np.random.default_rng(12).standard_normal((40, 4))
    tsne_map = project(x, method=Method.TSNE)
    assert tsne_map.points.shape == (40, 2) and not tsne_map.can_place_new_points
    with pytest.raises(ValueError, match="cannot place"):
        tsne_map.transform(x[:2])


def test_tsne_keeps_clusters_apart_and_is_seeded():
    # 60 dimensions, wider than pca_components, so the PCA step runs too.
    generator = np.random.default_rng(3)
    labels = np.repeat([0, 1, 2], 15)
    centres = generator.standard_normal((3, 60)) * 6.0
    x = centres[labels] + generator.standard_normal((45, 60))
    # One thread: scikit-learn's OpenMP gradient loop slows down badly when the cores are busy.
    with threadpool_limits(limits=1):
        points = tsne(x, perplexity=5.0, seed=4)
        again = tsne(x, perplexity=5.0, seed=4)
    assert points.shape == (45, 2) and points.dtype == np.float32
    distances = np.linalg.norm(points[:, None] - points[None, :], axis=2)
    np.fill_diagonal(distances, np.inf)
    assert np.all(labels[np.argmin(distances, axis=1)] == labels)
    np.testing.assert_array_equal(again, points)


def test_tsne_rejects_bad_input():
    x = np.random.default_rng(5).standard_normal((20, 4))
    with pytest.raises(ValueError, match="perplexity"):
        tsne(x, perplexity=20.0)
    with pytest.raises(ValueError, match="n_components"):
        tsne(x, n_components=4, perplexity=5.0)
    with pytest.raises(ValueError, match="pca_components"):
        tsne(x, perplexity=5.0, pca_components=0)


def test_align_to_undoes_a_rotation_reflection_and_shift():
    generator = np.random.default_rng(6)
    reference_points = generator.standard_normal((30, 2))
    reflection = np.array([[1.0, 0.0], [0.0, -1.0]])
    angle = 1.1
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = reference_points @ reflection @ rotation + np.array([4.0, -2.0])
    aligned = align_to(reference_points, moved)
    assert aligned.dtype == np.float32
    np.testing.assert_allclose(aligned, reference_points, atol=1e-5)


def test_align_to_matches_the_svd_solution_and_never_scales():
    generator = np.random.default_rng(7)
    reference_points = generator.standard_normal((40, 3))
    points = 2.5 * reference_points @ random_orthogonal(generator, 3) + generator.standard_normal((40, 3))
    aligned = align_to(reference_points, points)
    centred_points = points - points.mean(axis=0)
    # The best orthogonal map is U V^T from the SVD of the cross-covariance (Schoenemann, 1966).
    left, _, right_transposed = np.linalg.svd(centred_points.T @ (reference_points - reference_points.mean(axis=0)))
    rotation = left @ right_transposed
    expected = centred_points @ rotation + reference_points.mean(axis=0)
    np.testing.assert_allclose(aligned, expected, atol=1e-5)
    # Distances within the moved points are those of the input, not of the reference.
    np.testing.assert_allclose(pdist(aligned), pdist(points), rtol=1e-5)
    np.testing.assert_allclose(aligned.mean(axis=0), reference_points.mean(axis=0), atol=1e-5)


def test_align_to_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        align_to(np.ones((5, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError):
        align_to(np.ones(5), np.ones(5))


def test_a_umap_map_is_seeded_and_places_new_points_near_their_twins():
    generator = np.random.default_rng(13)
    centres = generator.standard_normal((3, 10)) * 8.0
    x = np.repeat(centres, 30, axis=0) + generator.standard_normal((90, 10))
    first = project(x, method=Method.UMAP)
    np.testing.assert_allclose(project(x, method=Method.UMAP).points, first.points)
    assert first.can_place_new_points and first.points.shape == (90, 2)
    placed = first.transform(x[[0, 30, 60]] + 0.01)
    for row, point in zip((0, 30, 60), placed, strict=True):
        cluster = first.points[row // 30 * 30 : row // 30 * 30 + 30]
        own = np.linalg.norm(cluster.mean(axis=0) - point)
        others = [
            np.linalg.norm(first.points[c * 30 : c * 30 + 30].mean(axis=0) - point) for c in range(3) if c != row // 30
        ]
        assert own < min(others)  # a new point lands in its own cluster
