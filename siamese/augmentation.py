"""Random changes to training images, so the network learns what stays the same under them.

Each function takes ``(n, 28, 28) float32 in [0, 1]`` images and a NumPy ``Generator`` and
returns new images of the same shape; the inputs are never changed in place.
"""

import numpy as np


def random_shift(images: np.ndarray, shift: int, generator: np.random.Generator) -> np.ndarray:
    """``(n, h, w)`` images each moved by a random whole number of pixels in ``[-shift, shift]`` along both axes.

    Pixels moved in from outside are 0 (background).
    """
    count, height, width = images.shape
    padded = np.pad(images, ((0, 0), (shift, shift), (shift, shift)))
    top = generator.integers(0, 2 * shift + 1, size=count)
    left = generator.integers(0, 2 * shift + 1, size=count)
    rows = (top[:, None] + np.arange(height))[:, :, None]
    columns = (left[:, None] + np.arange(width))[:, None, :]
    return padded[np.arange(count)[:, None, None], rows, columns]
