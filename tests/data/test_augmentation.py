"""Random changes to training images, checked on hand-made images."""

import numpy as np

from siamese.data.augmentation import random_shift


def test_a_shift_moves_each_image_by_whole_pixels_within_the_limit_and_fills_with_background():
    images = np.zeros((200, 28, 28), dtype=np.float32)
    images[:, 13, 13] = 1.0  # one bright pixel in the middle
    shifted = random_shift(images, 3, np.random.default_rng(0))
    assert shifted.shape == images.shape and images[:, 13, 13].all()  # the input is untouched
    rows, columns = np.nonzero(shifted.sum(axis=0))
    moves = {(int(row) - 13, int(column) - 13) for row, column in zip(*np.nonzero(shifted.any(axis=0)), strict=True)}
    assert moves == {(dy, dx) for dy in range(-3, 4) for dx in range(-3, 4)}  # every move in [-3, 3]^2 occurs
    assert np.all(shifted.sum(axis=(1, 2)) == 1.0)  # one pixel in, one pixel out, nothing else
    assert rows.min() >= 10 and columns.max() <= 16


def test_ink_moved_past_the_edge_is_cut_and_nothing_wraps_round():
    images = np.zeros((50, 28, 28), dtype=np.float32)
    images[:, :, 0] = 1.0  # a stroke along the left edge
    shifted = random_shift(images, 2, np.random.default_rng(1))
    assert np.all(shifted[:, :, -2:] == 0.0)  # nothing came back on the right
