"""The conventions every module relies on: pair labels, distances, image units."""

import numpy as np

from siamese import conventions
from siamese.distances import paired_distances, pairwise_distances
from siamese.pairs import make_pairs


def test_pair_label_values_are_pinned():
    assert conventions.SAME == 1
    assert conventions.DIFFERENT == 0


def test_pairs_labelled_same_exactly_when_digits_match():
    digits = np.repeat(np.arange(10), 5)
    pairs = make_pairs(digits, seed=3)
    same_digit = digits[pairs.left] == digits[pairs.right]
    assert np.array_equal(pairs.labels == conventions.SAME, same_digit)
    assert np.array_equal(pairs.labels == conventions.DIFFERENT, ~same_digit)


def test_same_is_predicted_at_or_below_the_threshold():
    distances = np.array([0.2, 0.5, 0.50001, 1.3])
    assert conventions.predict_same(distances, 0.5).tolist() == [True, True, False, False]


def test_euclidean_distance_is_plain_l2_in_embedding_units():
    assert paired_distances(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), "euclidean")[0] == 5.0


def test_cosine_distance_is_one_minus_cosine_similarity():
    a = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    b = np.array([[2.0, 0.0], [0.0, 5.0], [-3.0, 0.0]])
    assert np.allclose(paired_distances(a, b, "cosine"), [0.0, 1.0, 2.0])


def test_pairwise_and_paired_distances_agree(rng):
    query, reference = rng.normal(size=(4, 6)), rng.normal(size=(7, 6))
    for metric in conventions.METRICS:
        matrix = pairwise_distances(query, reference, metric)
        naive = [[paired_distances(q[None], r[None], metric)[0] for r in reference] for q in query]
        assert np.allclose(matrix, naive, atol=1e-5)


def test_images_are_float32_in_unit_range_with_bright_ink(embedded_data):
    images = embedded_data.x_train
    assert images.dtype == np.float32 and images.shape[1:] == conventions.IMAGE_SHAPE
    assert images.min() == 0.0 and images.max() == 1.0
    # MNIST digits are bright strokes on a black background: the border is dark.
    assert images[:, 0, :].mean() < 0.01
