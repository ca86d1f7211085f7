"""Keras-ops distances: the same numbers as the NumPy ones, and finite gradients at zero distance."""

import keras
import numpy as np
import pytest
from keras import ops

from siamese.conventions import METRICS
from siamese.distances import paired_distances, pairwise_distances
from siamese.networks.tensor_distances import distance_matrix, pair_distance


@pytest.mark.parametrize("metric", METRICS)
def test_pair_distance_matches_numpy(rng, metric):
    left, right = rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=(6, 4)).astype(np.float32)
    tensor = ops.convert_to_numpy(pair_distance(left, right, metric))
    assert np.allclose(tensor, paired_distances(left, right, metric=metric), atol=1e-5)


@pytest.mark.parametrize("metric", METRICS)
def test_distance_matrix_matches_numpy(rng, metric):
    embeddings = rng.normal(size=(7, 3)).astype(np.float32)
    tensor = ops.convert_to_numpy(distance_matrix(embeddings, metric))
    # The Keras version floors squared distances at EPSILON, so the diagonal is 1e-6, not 0.
    assert np.allclose(tensor, pairwise_distances(embeddings, embeddings, metric=metric), atol=1e-5)


def test_gradient_is_finite_when_two_embeddings_coincide():
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the gradient check uses TensorFlow's GradientTape")
    same = tf.Variable(np.ones((2, 3), dtype=np.float32))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(pair_distance(same, tf.identity(same), "euclidean"))
        total += tf.reduce_sum(distance_matrix(same, "euclidean"))
    gradient = tape.gradient(total, same).numpy()
    assert np.isfinite(gradient).all()


def _naive_distance_matrix(embeddings, metric):
    n = len(embeddings)
    result = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            a, b = embeddings[i], embeddings[j]
            if metric == "euclidean":
                result[i, j] = np.sqrt(np.sum((a - b) ** 2))
            else:
                result[i, j] = 1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
    return result


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_distance_matrix_matches_a_double_loop(rng, metric):
    embeddings = rng.normal(size=(9, 4)).astype(np.float32)
    expected = _naive_distance_matrix(embeddings, metric)
    # The diagonal of the Euclidean matrix is sqrt(epsilon), not 0, to keep gradients finite.
    assert np.allclose(ops.convert_to_numpy(distance_matrix(embeddings, metric)), expected, atol=1e-3)
    left, right = embeddings[:4], embeddings[4:8]
    paired = ops.convert_to_numpy(pair_distance(left, right, metric))
    assert np.allclose(paired, [expected[i, i + 4] for i in range(4)], atol=1e-5)
