"""Random changes to training images, so the network learns what stays the same under them.

Handwriting varies in position, slant, size, stroke width and wobble, and a digit drawn on the
canvas varies in all of them more than MNIST does. ``augment`` draws each change at random for
every image of a batch: a new stroke width (thicker or thinner), then one geometric warp that
combines a rotation, a scaling, a shear, a shift and an elastic distortion (smooth random
displacements, Simard et al. 2003), read from the image in a single interpolation.

Every function takes ``(n, 28, 28) float32 in [0, 1]`` images and a NumPy ``Generator`` and
returns new images of the same shape; the inputs are never changed in place.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

_CENTRE = 13.5  # the centre of a 28 x 28 image, pixel centres at integers
_ELASTIC_SMOOTHING = 4.0  # pixels: the size of the bumps in an elastic distortion


@dataclass(frozen=True, kw_only=True)
class Augmentation:
    """How far each random change may go (0 switches it off).

    Attributes
    ----------
    shift : pixels, the largest move along each axis
    rotation : degrees, the largest turn either way
    scale : the largest relative change of size, e.g. 0.15 for 85 %–115 %
    shear : the largest slant, as the horizontal move per pixel of height
    thickness : the share of images whose strokes are made thicker or thinner by a pixel
    elastic : pixels, the typical size of an elastic displacement
    """

    shift: int = 0
    rotation: float = 0.0
    scale: float = 0.0
    shear: float = 0.0
    thickness: float = 0.0
    elastic: float = 0.0

    @property
    def is_identity(self) -> bool:
        return not any((self.shift, self.rotation, self.scale, self.shear, self.thickness, self.elastic))

    @property
    def only_shifts(self) -> bool:
        return not any((self.rotation, self.scale, self.shear, self.thickness, self.elastic))


def augment(images: np.ndarray, augmentation: Augmentation, generator: np.random.Generator) -> np.ndarray:
    """``(n, 28, 28) -> (n, 28, 28) float32``: each image changed at random within ``augmentation``."""
    images = np.asarray(images, dtype=np.float32)
    if augmentation.is_identity or len(images) == 0:
        return images.copy()
    if augmentation.only_shifts:  # whole-pixel shifts need no interpolation
        return random_shift(images, augmentation.shift, generator)
    if augmentation.thickness:
        images = random_thickness(images, augmentation.thickness, generator)
    return random_warp(images, augmentation, generator)


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


def random_thickness(images: np.ndarray, share: float, generator: np.random.Generator) -> np.ndarray:
    """A ``share`` of the images get strokes a pixel thicker (grey dilation) or thinner (grey erosion), half each.

    A thinning that would remove more than half of a digit's ink is skipped for that digit.
    """
    images = np.asarray(images, dtype=np.float32)
    draw = generator.random(len(images))
    thicker = draw < share / 2
    thinner = (draw >= share / 2) & (draw < share)
    changed = images.copy()
    footprint = (1, 2, 2)
    if thicker.any():
        changed[thicker] = ndimage.grey_dilation(images[thicker], size=footprint)
    if thinner.any():
        eroded = ndimage.grey_erosion(images[thinner], size=footprint)
        keeps_the_digit = eroded.sum(axis=(1, 2)) >= 0.5 * images[thinner].sum(axis=(1, 2))
        changed[np.flatnonzero(thinner)[keeps_the_digit]] = eroded[keeps_the_digit]
    return changed


def random_warp(images: np.ndarray, augmentation: Augmentation, generator: np.random.Generator) -> np.ndarray:
    """Rotation, scaling, shear, shift and elastic distortion at random, in one bilinear resampling.

    The warp maps each output pixel back to the point of the input it reads: the inverse of
    "scale, then shear, then rotate about the centre, then shift", plus a smooth displacement.
    """
    count, height, width = images.shape
    angle = np.deg2rad(generator.uniform(-augmentation.rotation, augmentation.rotation, count))
    scale = 1.0 + generator.uniform(-augmentation.scale, augmentation.scale, count)
    shear = generator.uniform(-augmentation.shear, augmentation.shear, count)
    shift = generator.uniform(-augmentation.shift, augmentation.shift, (count, 2))
    cosine, sine = np.cos(angle), np.sin(angle)
    # Forward maps (row, col) offsets from the centre: rotate(shear(scale(offset))). Shear moves
    # columns in proportion to the row, as a slanted hand does.
    forward = np.empty((count, 2, 2))
    forward[:, 0, 0] = cosine * scale
    forward[:, 0, 1] = -sine * scale
    forward[:, 1, 0] = (sine + cosine * shear) * scale
    forward[:, 1, 1] = (cosine - sine * shear) * scale
    inverse = np.linalg.inv(forward)  # (n, 2, 2)
    rows, columns = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    output = np.stack([rows, columns]).reshape(2, -1).astype(np.float64) - _CENTRE  # (2, h*w)
    source = np.einsum("nij,njp->nip", inverse, output[None] - shift[:, :, None]) + _CENTRE  # (n, 2, h*w)
    source = source.reshape(count, 2, height, width)
    if augmentation.elastic:
        source += _elastic_displacements(count, height, width, augmentation.elastic, generator)
    image_index = np.broadcast_to(np.arange(count)[:, None, None], (count, height, width))
    coordinates = np.stack([image_index, source[:, 0], source[:, 1]])
    warped = ndimage.map_coordinates(images, coordinates, order=1, mode="constant", cval=0.0)
    return np.clip(warped, 0.0, 1.0).astype(np.float32)


def _elastic_displacements(count: int, height: int, width: int, size: float, generator) -> np.ndarray:
    """``(n, 2, h, w)`` smooth random displacements whose typical length is ``size`` pixels."""
    noise = generator.standard_normal((count, 2, height, width))
    smooth = ndimage.gaussian_filter(noise, sigma=(0, 0, _ELASTIC_SMOOTHING, _ELASTIC_SMOOTHING), mode="constant")
    typical = np.sqrt(np.mean(smooth**2, axis=(1, 2, 3), keepdims=True)) + 1e-12
    return smooth * (size / typical)
