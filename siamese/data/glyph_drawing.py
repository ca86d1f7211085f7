"""Draw a glyph the way a hand would on the canvas, then put it into MNIST form.

A Hershey glyph is a set of pen strokes: they are turned, slanted, stretched and bent a little
(small affine and elastic changes), wobbled like an unsteady hand and drawn with a round pen of a
random width. An outline glyph (a printed character) gets the same geometric changes and a random
stroke weight. Either way the drawing goes through ``drawing.preprocess_drawing``, the steps every
canvas drawing goes through, so a symbol in the corpus looks like a symbol drawn on the canvas.

``Variation`` says how far each change may go; ``Variation.none()`` draws the glyph as the font has it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from siamese.data.drawing import preprocess_drawing
from siamese.data.glyphs import HERSHEY, GlyphSource, hershey_strokes, outline_font_path

GLYPH_SIZE = 48  # pixels: the longest side of a glyph before MNIST's 20-pixel box (2.4x finer)
_FRAME = 72  # the square the glyph is drawn in, with room for the changes
_OUTLINE_POINT_SIZE = 56


@dataclass(frozen=True, kw_only=True)
class Variation:
    """The largest random change of each kind (0: none).

    Attributes
    ----------
    rotation : degrees either way.
    shear : horizontal move per unit of height.
    stretch : the largest relative change of width against height, e.g. 0.2 for 0.8-1.2.
    elastic : the size of smooth random bends, as a share of the glyph's size.
    wobble : the unsteadiness of the hand, as a share of the glyph's size per step.
    pen : (thinnest, thickest) pen as a share of the glyph's longest side; outline glyphs get their
        printed weight thickened or thinned by up to the same spread.
    """

    rotation: float = 10.0
    shear: float = 0.25
    stretch: float = 0.2
    elastic: float = 0.04
    wobble: float = 0.004
    pen: tuple[float, float] = (0.07, 0.15)

    @classmethod
    def none(cls) -> Variation:
        """The glyph as drawn in its font, with a medium pen."""
        return cls(rotation=0.0, shear=0.0, stretch=0.0, elastic=0.0, wobble=0.0, pen=(0.1, 0.1))


def draw_glyph(source: GlyphSource, variation: Variation, generator: np.random.Generator) -> np.ndarray:
    """One drawing of ``source``: ``(28, 28) float32 in [0, 1]``, MNIST form (all zeros if nothing drew)."""
    matrix = _random_matrix(variation, generator)
    if source.kind == HERSHEY:
        ink = _draw_strokes(hershey_strokes(source), matrix, variation, generator)
    else:
        ink = _draw_outline(source, matrix, variation, generator)
    return preprocess_drawing(ink, background="dark", min_extent_fraction=0.0, max_ink_fraction=1.0).centred


def _random_matrix(variation: Variation, generator: np.random.Generator) -> np.ndarray:
    """``(2, 2)``: a turn, a slant and a stretch of width against height, drawn at random."""
    angle = math.radians(generator.uniform(-variation.rotation, variation.rotation))
    shear = generator.uniform(-variation.shear, variation.shear)
    stretch = 1.0 + generator.uniform(-variation.stretch, variation.stretch)
    turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return turn @ np.array([[stretch, shear], [0.0, 1.0]])


def _draw_strokes(strokes, matrix, variation: Variation, generator) -> np.ndarray:
    """Pen strokes (font units, y down) changed, wobbled and drawn with a round pen: ``(72, 72) float32``."""
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = 1.0 / max(float((high - low).max()), 1e-6)
    centre = (low + high) / 2
    bend = _smooth_bend(variation.elastic, generator) if variation.elastic else None
    shapes = []
    for stroke in strokes:
        unit = _dense((stroke - centre) * scale, step=1.0 / GLYPH_SIZE)  # the glyph in a unit box around 0
        unit = unit @ matrix.T
        if bend is not None:
            unit = unit + bend(unit)
        if variation.wobble:
            unit = unit + np.cumsum(generator.normal(0.0, variation.wobble, size=unit.shape), axis=0)
        shapes.append(unit)
    extent = np.concatenate(shapes)
    fit = GLYPH_SIZE / max(float((extent.max(axis=0) - extent.min(axis=0)).max()), 1e-6)
    pen = generator.uniform(*variation.pen) * GLYPH_SIZE
    picture = Image.new("L", (_FRAME, _FRAME), 0)
    draw = ImageDraw.Draw(picture)
    middle = (extent.max(axis=0) + extent.min(axis=0)) / 2
    for shape in shapes:
        pixels = [tuple(point) for point in ((shape - middle) * fit + _FRAME / 2).tolist()]
        # The points lie about a pixel apart, so plain joints leave no gaps; the ends are round,
        # as the canvas's pen's are. Edges need no anti-aliasing: MNIST's box shrinks this 3x.
        if len(pixels) > 1:
            draw.line(pixels, fill=255, width=max(1, round(pen)))
        for x, y in (pixels[0], pixels[-1]):
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=255)
    return np.asarray(picture, dtype=np.float32) / 255.0


def _dense(stroke: np.ndarray, *, step: float) -> np.ndarray:
    """``(m, 2)`` polyline with points at most ``step`` apart, so bends and wobbles curve it smoothly."""
    if len(stroke) < 2:
        return stroke.astype(np.float64)
    pieces = [stroke[:1]]
    for start, end in zip(stroke[:-1], stroke[1:], strict=True):
        count = max(1, math.ceil(float(np.linalg.norm(end - start)) / step))
        fractions = np.arange(1, count + 1)[:, None] / count
        pieces.append(start + (end - start) * fractions)
    return np.concatenate(pieces).astype(np.float64)


def _smooth_bend(size: float, generator: np.random.Generator):
    """A smooth random displacement of the unit box: a sum of two long sine waves per axis.

    Returns ``bend(points (m, 2)) -> (m, 2)``; ``bend.on_grid(x (w,), y (h,)) -> (h, w, 2)`` gives the
    same displacement on a whole grid, from outer products (``sin(a + b) = sin a cos b + cos a sin b``).
    """
    frequencies = generator.uniform(1.0, 3.0, size=(2, 2, 2)) * math.pi  # (axis, wave, x/y)
    phases = generator.uniform(0, 2 * math.pi, size=(2, 2))
    amplitudes = generator.normal(0.0, size, size=(2, 2))

    def bend(points: np.ndarray) -> np.ndarray:
        moved = np.zeros_like(points)
        for axis, wave in np.ndindex(2, 2):
            argument = points @ frequencies[axis, wave] + phases[axis, wave]
            moved[:, axis] += amplitudes[axis, wave] * np.sin(argument)
        return moved

    def on_grid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        moved = np.zeros((len(y), len(x), 2))
        for axis, wave in np.ndindex(2, 2):
            across, down = frequencies[axis, wave][0] * x, frequencies[axis, wave][1] * y + phases[axis, wave]
            waves = np.outer(np.cos(down), np.sin(across)) + np.outer(np.sin(down), np.cos(across))
            moved[:, :, axis] += amplitudes[axis, wave] * waves
        return moved

    bend.on_grid = on_grid
    return bend


def _draw_outline(source: GlyphSource, matrix, variation: Variation, generator) -> np.ndarray:
    """A printed glyph changed like the strokes, its weight made thicker or thinner: ``(72, 72) float32``."""
    mask = _outline_mask(source)
    height, width = mask.shape
    # The inverse map for PIL: output pixel -> input pixel, around the frame's and the glyph's centres.
    fit = GLYPH_SIZE / max(height, width)
    forward = matrix * fit
    inverse = np.linalg.inv(forward)
    centre_out = np.array([_FRAME / 2, _FRAME / 2])
    centre_in = np.array([width / 2, height / 2])
    offset = centre_in - inverse @ centre_out
    coefficients = (inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1], offset[1])
    picture = Image.fromarray(mask).transform(
        (_FRAME, _FRAME), Image.Transform.AFFINE, coefficients, resample=Image.Resampling.BILINEAR
    )
    ink = np.asarray(picture, dtype=np.float32) / 255.0
    low, high = variation.pen
    weight = generator.uniform(low - 0.1, high - 0.1) * GLYPH_SIZE  # pixels of weight to add (or remove)
    if abs(weight) >= 0.5:
        grow = ndimage.grey_dilation if weight > 0 else ndimage.grey_erosion
        size = 1 + 2 * round(abs(weight) / 2)
        thinned = grow(ink, footprint=_disk(size))
        ink = thinned if thinned.max() > 0.5 else ink  # never erase a thin glyph altogether
    if variation.elastic:
        ink = _elastic(ink, variation.elastic, generator)
    return ink


@functools.cache
def _disk(size: int) -> np.ndarray:
    radius = (size - 1) / 2
    rows, cols = np.mgrid[:size, :size]
    return (rows - radius) ** 2 + (cols - radius) ** 2 <= radius**2 + 0.5


def _elastic(ink: np.ndarray, size: float, generator: np.random.Generator) -> np.ndarray:
    """The image bent by the same kind of smooth displacement as strokes are, read back in one interpolation."""
    unit = (np.arange(_FRAME) - _FRAME / 2) / GLYPH_SIZE  # pixel centres in glyph units around 0
    moved = _smooth_bend(size, generator).on_grid(unit, unit) * GLYPH_SIZE  # (72, 72, 2) pixels
    rows, cols = np.mgrid[:_FRAME, :_FRAME]
    return ndimage.map_coordinates(ink, [rows - moved[..., 1], cols - moved[..., 0]], order=1, mode="constant")


@functools.lru_cache(maxsize=4096)
def _outline_mask(source: GlyphSource) -> np.ndarray:
    """The glyph as the font prints it, cropped to its ink: ``(h, w) uint8``."""
    font = _outline_font(str(outline_font_path(source)))
    mask = font.getmask(source.character, mode="L")
    array = np.asarray(mask, dtype=np.uint8).reshape(mask.size[1], mask.size[0])
    rows, cols = np.flatnonzero(array.any(axis=1)), np.flatnonzero(array.any(axis=0))
    if rows.size == 0:
        return np.zeros((1, 1), dtype=np.uint8)
    return np.ascontiguousarray(array[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])


@functools.cache
def _outline_font(path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, _OUTLINE_POINT_SIZE)
