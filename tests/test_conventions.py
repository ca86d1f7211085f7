"""The conventions every module relies on: pair labels, distances, image units."""

import numpy as np

from siamese import conventions
from siamese.data.pairs import make_pairs


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


def test_the_distance_epsilon_is_pinned_and_shared():
    from siamese import distances
    from siamese.networks import tensor_distances

    assert conventions.EPSILON == 1e-12
    assert distances.EPSILON is conventions.EPSILON and tensor_distances.EPSILON is conventions.EPSILON


def test_images_are_float32_in_unit_range_with_bright_ink(embedded_data):
    images = embedded_data.x_train
    assert images.dtype == np.float32 and images.shape[1:] == conventions.IMAGE_SHAPE
    assert images.min() == 0.0 and images.max() == 1.0
    # MNIST digits are bright strokes on a black background: the border is dark.
    assert images[:, 0, :].mean() < 0.01
