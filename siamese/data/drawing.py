"""Turn a digit drawn on a canvas (or a photo or scan of one) into an MNIST input.

MNIST was made by cropping each digit to its ink, scaling it so its longest side
is 20 px (keeping the aspect ratio, anti-aliased), and pasting it into a 28x28
frame so that its centre of mass sits at the centre of the frame.
``preprocess_drawing`` repeats those steps and keeps every intermediate image,
so a page can show the student what happened to their drawing.

Centre convention: pixel ``(row, col)`` has its centre at integer coordinates,
so the centre of the 28x28 frame is ``FRAME_CENTRE = (13.5, 13.5)``. Shifts are
whole pixels, so the centred digit's centre of mass lies within half a pixel of
it, unless that would push ink out of the frame (then the digit stops at the edge).
"""

import enum
import os
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

from siamese.conventions import IMAGE_SHAPE, IMAGE_SIZE

DIGIT_BOX_SIZE = 20
FRAME_CENTRE = (IMAGE_SIZE - 1) / 2
BACKGROUNDS: tuple[str, ...] = ("auto", "light", "dark")


class DrawingStatus(enum.StrEnum):
    """What ``preprocess_drawing`` made of a drawing; only ``OK`` gives a model input."""

    OK = "ok"
    EMPTY = "empty"
    TOO_SMALL = "too_small"
    FILLED = "filled"


MESSAGES: dict[DrawingStatus, str] = {
    DrawingStatus.OK: "Cropped to the ink, scaled to 20 px and centred, just like MNIST.",
    DrawingStatus.EMPTY: "The canvas is empty — draw a digit.",
    DrawingStatus.TOO_SMALL: "That's just a dot — draw a whole digit.",
    DrawingStatus.FILLED: "The canvas is almost all ink — clear it and draw one digit.",
}

# ITU-R 601 weights, the ones Pillow uses for its "L" mode, so files and arrays agree.
_LUMINANCE_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
# Resampling can overshoot [0, 1] by a rounding error; anything further out is a caller's mistake.
_RANGE_TOLERANCE = 1e-3


@dataclass(frozen=True, kw_only=True, eq=False)
class DrawingSteps:
    """Every step of turning a drawing into an MNIST input.

    Attributes
    ----------
    status : DrawingStatus
    message : str
        One short sentence for the student.
    ink : (h, w) float32 in [0, 1]
        The drawing as ink bright on dark, at the original size.
    cropped : (hc, wc) float32
        The ink's bounding box; ``(0, 0)`` unless ``ok``.
    boxed : (hb, wb) float32
        ``cropped`` scaled so its longest side is 20 px; ``(0, 0)`` unless ``ok``.
    centred : (28, 28) float32 in [0, 1]
        The model input; all zeros unless ``ok``.
    """

    status: DrawingStatus
    message: str
    ink: np.ndarray
    cropped: np.ndarray
    boxed: np.ndarray
    centred: np.ndarray

    @property
    def ok(self) -> bool:
        """True when ``centred`` holds a digit the model can use."""
        return self.status == DrawingStatus.OK


def preprocess_drawing(
    image: np.ndarray,
    *,
    ink_threshold: float = 0.15,
    background: str = "auto",
    min_extent_fraction: float = 0.04,
    max_ink_fraction: float = 0.6,
) -> DrawingSteps:
    """Crop, scale and centre a drawn digit the way MNIST digits were made.

    Parameters
    ----------
    image : (h, w), (h, w, 1), (h, w, 3) or (h, w, 4) array
        uint8 in 0-255 (or any integer type in that range), or float/bool in [0, 1].
        Light-on-dark and dark-on-light both work (see ``ink_image``).
    ink_threshold : float in [0, 1]
        Pixels whose ink is at most this are background (tolerates noise and paper texture).
    background : "auto", "light" or "dark"
        Passed to ``ink_image``.
    min_extent_fraction : float in [0, 1]
        ``TOO_SMALL`` when the ink's longest side is below this fraction of the image's shorter side.
    max_ink_fraction : float in [0, 1]
        ``FILLED`` when more than this fraction of the pixels is ink.

    Returns
    -------
    DrawingSteps
    """
    _check_unit_interval(ink_threshold, "ink_threshold")
    _check_unit_interval(min_extent_fraction, "min_extent_fraction")
    _check_unit_interval(max_ink_fraction, "max_ink_fraction")
    raw_ink = ink_image(image, background=background)
    is_ink = raw_ink > ink_threshold
    ink_pixel_count = np.count_nonzero(is_ink)
    if ink_pixel_count == 0:
        return _rejected(DrawingStatus.EMPTY, raw_ink)
    if ink_pixel_count > max_ink_fraction * is_ink.size:
        return _rejected(DrawingStatus.FILLED, raw_ink)
    # Every MNIST stroke reaches full intensity, so faint photos are stretched to full contrast
    # and the sub-threshold noise is dropped rather than carried into the digit.
    ink = raw_ink * np.float32(1.0 / raw_ink.max())
    ink[~is_ink] = 0.0
    top, bottom, left, right = _ink_bounds(is_ink)
    if max(bottom - top, right - left) < min_extent_fraction * min(ink.shape):
        return _rejected(DrawingStatus.TOO_SMALL, ink)
    cropped = ink[top:bottom, left:right]
    boxed = fit_in_box(cropped)
    centred = centre_by_mass(boxed)
    return DrawingSteps(
        status=DrawingStatus.OK,
        message=MESSAGES[DrawingStatus.OK],
        ink=ink,
        cropped=cropped,
        boxed=boxed,
        centred=centred,
    )


def ink_image(image: np.ndarray, *, background: str = "auto") -> np.ndarray:
    """How much ink each pixel holds, ink bright (1) on dark (0).

    Greyscale and RGB images are measured against their background: ``"auto"`` takes
    the median of the border pixels (so white-on-black and black-on-white both work),
    ``"light"`` assumes a white background and ``"dark"`` a black one. An RGBA image
    whose alpha varies (a canvas's strokes on a transparent background) uses the stroke
    alpha times the stroke's contrast with black or white, whichever is larger;
    an RGBA image with constant alpha is read as RGB.

    Parameters
    ----------
    image : (h, w), (h, w, 1), (h, w, 3) or (h, w, 4) array, uint8 or float in [0, 1]
    background : "auto", "light" or "dark"

    Returns
    -------
    (h, w) float32 in [0, 1]
    """
    if background not in BACKGROUNDS:
        raise ValueError(f"background must be one of {BACKGROUNDS}, got {background!r}")
    pixels = _unit_pixels(image)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        alpha = pixels[:, :, 3]
        if alpha.max() == 0.0:
            return np.zeros(alpha.shape, dtype=np.float32)
        if alpha.min() < alpha.max():
            return _ink_from_strokes(pixels)
        pixels = pixels[:, :, :3]
    grey = pixels if pixels.ndim == 2 else pixels @ _LUMINANCE_WEIGHTS
    return _ink_from_grey(grey, background=background)


def fit_in_box(cropped: np.ndarray, *, box_size: int = DIGIT_BOX_SIZE) -> np.ndarray:
    """Scale ``cropped`` so its longest side is ``box_size``, keeping the aspect ratio.

    Parameters
    ----------
    cropped : (h, w) float array in [0, 1], non-empty
    box_size : int

    Returns
    -------
    (hb, wb) float32 in [0, 1], ``max(hb, wb) == box_size``
    """
    cropped = _check_plane(cropped, "cropped")
    height, width = cropped.shape
    scale = box_size / max(height, width)
    new_height = min(box_size, max(1, round(height * scale)))
    new_width = min(box_size, max(1, round(width * scale)))
    # Lanczos is Pillow's anti-aliasing filter (the old Image.ANTIALIAS); its small ringing is clipped.
    resized = Image.fromarray(np.ascontiguousarray(cropped, dtype=np.float32)).resize(
        (new_width, new_height), resample=Image.Resampling.LANCZOS
    )
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """Intensity-weighted mean ``(row, col)`` of ``image``, pixel centres at integers.

    Parameters
    ----------
    image : (h, w) float array with a positive sum

    Returns
    -------
    (row, col) : tuple of float
    """
    image = _check_plane(image, "image")
    if float(image.sum()) <= 0.0:
        raise ValueError("image has no ink, so it has no centre of mass")
    row, col = ndimage.center_of_mass(image)
    return float(row), float(col)


def centre_by_mass(boxed: np.ndarray) -> np.ndarray:
    """Paste ``boxed`` into a 28x28 frame with its centre of mass at ``FRAME_CENTRE``.

    Parameters
    ----------
    boxed : (hb, wb) float array, both sides at most 28, with some ink

    Returns
    -------
    (28, 28) float32
    """
    boxed = _check_plane(boxed, "boxed")
    height, width = boxed.shape
    if height > IMAGE_SIZE or width > IMAGE_SIZE:
        raise ValueError(f"boxed must fit in {IMAGE_SHAPE}; got shape {boxed.shape}")
    row, col = centre_of_mass(boxed)
    # Clipping keeps a lopsided digit (mass far from its box centre) wholly inside the frame.
    top = int(np.clip(np.rint(FRAME_CENTRE - row), 0, IMAGE_SIZE - height))
    left = int(np.clip(np.rint(FRAME_CENTRE - col), 0, IMAGE_SIZE - width))
    frame = np.zeros(IMAGE_SHAPE, dtype=np.float32)
    frame[top : top + height, left : left + width] = boxed
    return frame


def stroke_width(image: np.ndarray, *, ink_threshold: float = 0.5) -> float:
    """The mean width of the strokes of one digit, in its pixels: ``2 * area / perimeter`` of its ink.

    A stroke of width ``w`` and length ``l`` (``l >> w``) has area ``w * l`` and a perimeter of
    about ``2 * l``. The perimeter counts the pixel edges between ink and background, so slanted
    strokes measure a little wide; MNIST digits and drawn digits slant alike, so the two compare.

    Parameters
    ----------
    image : (h, w) float array in [0, 1] with some ink above ``ink_threshold``

    Returns
    -------
    float, in pixels of ``image``
    """
    ink = _check_plane(image, "image") > ink_threshold
    area = int(np.count_nonzero(ink))
    if area == 0:
        raise ValueError("image has no ink, so it has no stroke width")
    padded = np.pad(ink, 1)
    perimeter = int(np.count_nonzero(padded[1:] != padded[:-1]) + np.count_nonzero(padded[:, 1:] != padded[:, :-1]))
    return 2.0 * area / perimeter


def image_from_file(path: str | os.PathLike | BinaryIO) -> np.ndarray:
    """Read a PNG or JPEG (path or binary file object) as a NumPy array.

    Photos are turned upright from their EXIF orientation. Images with transparency
    come back as RGBA, everything else as greyscale.

    Parameters
    ----------
    path : str, os.PathLike or binary file object (e.g. an uploaded file)

    Returns
    -------
    (h, w) uint8, or (h, w, 4) uint8 when the file has transparency

    Raises
    ------
    ValueError
        When the file cannot be read as an image, or has more pixels than Pillow's
        decompression-bomb limit ``PIL.Image.MAX_IMAGE_PIXELS``.
    """
    if not isinstance(path, (str, os.PathLike)) and not hasattr(path, "read"):
        raise ValueError(f"path must be a file path or a binary file object, got {type(path).__name__}")
    name = getattr(path, "name", path)
    try:
        with Image.open(path) as opened:
            _refuse_oversized(opened)
            return _pixels_from_pillow(ImageOps.exif_transpose(opened))
    except Image.DecompressionBombError as error:
        raise ValueError(f"{name} is too large to read safely ({error})") from error
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError, ValueError) as error:
        raise ValueError(f"{name} is not a readable image") from error


def _rejected(status: DrawingStatus, ink: np.ndarray) -> DrawingSteps:
    return DrawingSteps(
        status=status,
        message=MESSAGES[status],
        ink=ink,
        cropped=np.zeros((0, 0), dtype=np.float32),
        boxed=np.zeros((0, 0), dtype=np.float32),
        centred=np.zeros(IMAGE_SHAPE, dtype=np.float32),
    )


def _ink_bounds(is_ink: np.ndarray) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` of the ink, bottom and right exclusive."""
    rows = np.flatnonzero(is_ink.any(axis=1))
    cols = np.flatnonzero(is_ink.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _ink_from_strokes(pixels: np.ndarray) -> np.ndarray:
    alpha = pixels[:, :, 3]
    luminance = pixels[:, :, :3] @ _LUMINANCE_WEIGHTS
    # The page behind a transparent canvas is unknown, so strokes are seen against black or
    # white, whichever they stand out from: any pen colour the student picks counts as ink.
    stroke_luminance = float(alpha.ravel() @ luminance.ravel()) / float(alpha.sum())
    backdrop = 1.0 if stroke_luminance < 0.5 else 0.0
    return (alpha * np.abs(luminance - backdrop)).astype(np.float32, copy=False)


def _ink_from_grey(grey: np.ndarray, *, background: str) -> np.ndarray:
    level = _background_level(grey, background=background)
    # Dividing by the room left between the background and the far extreme lets a grey
    # photo's paper read as 0 and its darkest possible ink as 1.
    ink = np.subtract(level, grey, dtype=np.float32) if level >= 0.5 else np.subtract(grey, level, dtype=np.float32)
    ink *= np.float32(1.0 / max(level, 1.0 - level))
    return np.clip(ink, 0.0, 1.0, out=ink)


def _background_level(grey: np.ndarray, *, background: str) -> float:
    if background == "light":
        return 1.0
    if background == "dark":
        return 0.0
    # The border is mostly background even when a stroke runs off an edge; the median ignores the stroke.
    border = np.concatenate([grey[0], grey[-1], grey[1:-1, 0], grey[1:-1, -1]])
    return float(np.median(border))


def _unit_pixels(image: np.ndarray) -> np.ndarray:
    """``image`` checked and scaled to float32 in [0, 1]; a single channel is squeezed away."""
    array = np.asarray(image)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"image must be a numeric array; got dtype {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3):
        raise ValueError(f"image must be (h, w), (h, w, 3) or (h, w, 4); got shape {array.shape}")
    if array.ndim == 3 and array.shape[2] not in (3, 4):
        raise ValueError(f"image must have 1, 3 or 4 channels; got {array.shape[2]} (shape {array.shape})")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"image must not be empty; got shape {array.shape}")
    if array.dtype == np.uint8:
        return np.multiply(array, np.float32(1 / 255), dtype=np.float32)
    if array.dtype.kind == "b":
        return array.astype(np.float32)
    if array.dtype.kind in "iu":
        if array.min() < 0 or array.max() > 255:
            raise ValueError(f"integer images must be in 0-255; got {array.min()} to {array.max()}")
        return np.multiply(array, np.float32(1 / 255), dtype=np.float32)
    if not np.isfinite(array).all():
        raise ValueError("image contains NaN or infinite values")
    if array.min() < -_RANGE_TOLERANCE or array.max() > 1.0 + _RANGE_TOLERANCE:
        low, high = float(array.min()), float(array.max())
        raise ValueError(f"float images must be in [0, 1]; got {low:g} to {high:g} (divide 0-255 values by 255)")
    return np.clip(array, 0.0, 1.0).astype(np.float32, copy=False)


def _check_plane(array: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a numeric array; got dtype {array.dtype}")
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty (h, w) array; got shape {array.shape}")
    return array.astype(np.float32, copy=False)


def _check_unit_interval(value: float, name: str) -> None:
    is_number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not (is_number and 0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")


def _refuse_oversized(opened: Image.Image) -> None:
    # Image.open only reads the header, so checking here stops a bomb before it is decoded;
    # Pillow itself only raises at twice its limit and merely warns below that.
    limit = Image.MAX_IMAGE_PIXELS
    pixel_count = opened.width * opened.height
    if limit is not None and pixel_count > limit:
        raise Image.DecompressionBombError(f"{pixel_count} pixels, more than Pillow's limit of {limit}")


def _pixels_from_pillow(picture: Image.Image) -> np.ndarray:
    if picture.mode.startswith("I;16") or picture.mode == "I":
        # Pillow's conversion to "L" clips 16-bit values instead of rescaling them.
        values = np.asarray(picture, dtype=np.float64)
        divisor = 257.0 if values.max() > 255 else 1.0
        return np.clip(np.rint(values / divisor), 0, 255).astype(np.uint8)
    has_alpha = "A" in picture.getbands() or "transparency" in picture.info
    return np.array(picture.convert("RGBA" if has_alpha else "L"))
