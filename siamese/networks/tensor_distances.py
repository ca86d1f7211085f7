"""Distances between embeddings in Keras ops, for training: the arithmetic of ``distances``, differentiable.

``tests/test_tensor_distances.py`` checks both against each other on the same inputs.
"""

from keras import ops

from siamese.conventions import EPSILON


def pair_distance(left, right, metric: str):
    """``(n, d), (n, d) -> (n,)`` distance between row ``i`` of each, by ``metric``."""
    if metric == "cosine":
        left = ops.normalize(left, axis=-1, epsilon=EPSILON)
        right = ops.normalize(right, axis=-1, epsilon=EPSILON)
        return 1.0 - ops.sum(left * right, axis=-1)
    # The floor keeps the square root's gradient finite when two embeddings coincide.
    return ops.sqrt(ops.maximum(ops.sum(ops.square(left - right), axis=-1), EPSILON))


def distance_matrix(embeddings, metric: str):
    """``(n, d) -> (n, n)`` distances between every two rows, by ``metric``."""
    if metric == "cosine":
        unit = ops.normalize(embeddings, axis=-1, epsilon=EPSILON)
        return 1.0 - ops.matmul(unit, ops.transpose(unit))
    squared_norms = ops.sum(ops.square(embeddings), axis=-1)
    squared = squared_norms[:, None] - 2.0 * ops.matmul(embeddings, ops.transpose(embeddings)) + squared_norms[None, :]
    return ops.sqrt(ops.maximum(squared, EPSILON))
