"""Handwriting that is not MNIST: digits as pen strokes in several styles, and digits set in fonts.

``stroke_digits`` draws each digit from hand-made stroke templates (a 7 with or without its bar,
an open or closed 4, a 1 with or without its flag, a 5 begun at its top-right corner, ...) with a
random size, place, slant, rotation, width and a wobbly hand, exactly as the canvas renders a
drawing: white strokes, round ends, on a transparent 280 x 280 image. ``font_digits`` sets each
digit in every font found on the machine (matplotlib, which the app depends on, ships several).
The same strokes can be drawn on the real canvas in a browser (``strokes`` are canvas pixels).

Nothing here is ever trained on: it is the benchmark of how well a model reads new handwriting.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

CANVAS_SIZE = 280
Point = tuple[float, float]
Stroke = list[Point]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = 24) -> Stroke:
    """Points along an ellipse from angle ``start`` to ``end`` (degrees; 0 = right, 90 = down)."""
    angles = np.deg2rad(np.linspace(start, end, steps))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def _line(*corners: Point, steps: int = 8) -> Stroke:
    points: Stroke = [corners[0]]
    for (x0, y0), (x1, y1) in zip(corners, corners[1:], strict=False):
        points += [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for t in np.linspace(0, 1, steps)[1:]]
    return points


def _bezier(start: Point, control: Point, end: Point, steps: int = 16) -> Stroke:
    return [
        tuple((1 - t) ** 2 * np.array(start) + 2 * (1 - t) * t * np.array(control) + t**2 * np.array(end))
        for t in np.linspace(0, 1, steps)
    ]


def _figure_eight() -> Stroke:
    t = np.linspace(0, 2 * math.pi, 48)
    return [(0.5 + 0.26 * math.sin(2 * s), 0.5 - 0.44 * math.cos(s)) for s in t]


# Each digit: several styles; a style is a list of strokes in a unit box (x right, y down).
TEMPLATES: dict[int, list[list[Stroke]]] = {
    0: [[_arc(0.5, 0.5, 0.3, 0.44, -90, 275)], [_arc(0.5, 0.5, 0.26, 0.45, -60, 310)]],
    1: [
        [_line((0.52, 0.05), (0.5, 0.95))],
        [_line((0.3, 0.25), (0.55, 0.05), (0.52, 0.95))],
        [_line((0.3, 0.25), (0.55, 0.05), (0.52, 0.95)), _line((0.3, 0.95), (0.75, 0.95))],
    ],
    2: [
        [_arc(0.5, 0.3, 0.28, 0.24, 190, 385) + _line((0.74, 0.42), (0.2, 0.92), (0.82, 0.92))],
        [
            _arc(0.48, 0.28, 0.26, 0.22, 200, 370)
            + _bezier((0.74, 0.3), (0.6, 0.7), (0.18, 0.9))
            + _line((0.18, 0.9), (0.85, 0.88))
        ],
    ],
    3: [
        [_arc(0.48, 0.28, 0.24, 0.2, 200, 450) + _arc(0.48, 0.7, 0.28, 0.23, 270, 520)],
        [_line((0.22, 0.08), (0.75, 0.08), (0.42, 0.42)) + _arc(0.48, 0.68, 0.28, 0.25, 260, 520)],
    ],
    4: [
        [_line((0.62, 0.05), (0.15, 0.64), (0.88, 0.64)), _line((0.66, 0.32), (0.66, 0.97))],
        [_line((0.25, 0.05), (0.2, 0.58), (0.85, 0.58)), _line((0.68, 0.08), (0.68, 0.97))],
    ],
    5: [
        [_line((0.78, 0.08), (0.3, 0.08), (0.26, 0.45)) + _arc(0.48, 0.66, 0.28, 0.26, 235, 495)],
        [_line((0.3, 0.08), (0.26, 0.45)) + _arc(0.48, 0.66, 0.28, 0.26, 235, 495), _line((0.3, 0.08), (0.8, 0.08))],
    ],
    6: [
        [_bezier((0.72, 0.06), (0.25, 0.25), (0.27, 0.7)) + _arc(0.5, 0.7, 0.23, 0.22, 180, -180)],
        [_bezier((0.62, 0.05), (0.28, 0.35), (0.28, 0.72)) + _arc(0.5, 0.72, 0.22, 0.2, 180, -170)],
    ],
    7: [
        [_line((0.18, 0.1), (0.82, 0.1), (0.42, 0.95))],
        [_line((0.18, 0.1), (0.82, 0.1), (0.42, 0.95)), _line((0.36, 0.52), (0.78, 0.52))],
        [_line((0.2, 0.2), (0.22, 0.1), (0.8, 0.1), (0.5, 0.95))],
    ],
    8: [
        [_figure_eight()],
        [_arc(0.5, 0.27, 0.2, 0.2, 90, 450), _arc(0.5, 0.7, 0.25, 0.23, -90, 270)],
    ],
    9: [
        [_arc(0.48, 0.3, 0.22, 0.22, 0, -360) + _line((0.7, 0.3), (0.64, 0.95))],
        [_arc(0.5, 0.3, 0.22, 0.21, 10, -350) + _bezier((0.71, 0.33), (0.68, 0.75), (0.45, 0.95))],
    ],
}


# Symbols that are not digits, to teach the app by example (a star, an arrow, letters).
SYMBOL_TEMPLATES: dict[str, list[Stroke]] = {
    "cross": [_line((0.1, 0.1), (0.9, 0.9)), _line((0.9, 0.1), (0.1, 0.9))],
    "triangle": [_line((0.5, 0.05), (0.95, 0.9), (0.05, 0.9), (0.5, 0.05))],
    "star": [_line((0.5, 0.0), (0.65, 0.95), (0.0, 0.35), (1.0, 0.35), (0.35, 0.95), (0.5, 0.0))],
    "A": [_line((0.1, 0.95), (0.5, 0.05), (0.9, 0.95)), _line((0.28, 0.6), (0.72, 0.6))],
    "arrow": [_line((0.05, 0.5), (0.95, 0.5)), _line((0.65, 0.2), (0.95, 0.5), (0.65, 0.8))],
}


@dataclass(frozen=True, kw_only=True)
class DrawnDigit:
    """One drawing: ``rgba`` (280, 280, 4) uint8 as the canvas sends it, and its ``strokes`` in canvas pixels."""

    label: int
    source: str  # "strokes" or a font's file name
    rgba: np.ndarray
    strokes: list[Stroke]


def place_strokes(style: list[Stroke], generator: np.random.Generator, *, height: float | None = None) -> list[Stroke]:
    """A template's strokes in canvas pixels: sized, slanted, turned, placed off-centre and written unsteadily."""
    height = height if height is not None else generator.uniform(130, 230)
    width_factor = generator.uniform(0.75, 1.2)
    slant = generator.uniform(-0.3, 0.3)
    angle = math.radians(generator.uniform(-10, 10))
    margin = 10 + 0.5 * height
    centre = generator.uniform(margin, CANVAS_SIZE - margin, size=2)
    placed = []
    for stroke in style:
        points = np.array(stroke, dtype=float) - 0.5  # centre the unit box at 0
        points[:, 0] = points[:, 0] * width_factor - slant * points[:, 1]
        points = points @ np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
        wobble = np.cumsum(generator.normal(0.0, 0.004, size=points.shape), axis=0)  # a hand drifts slowly
        points = (points + wobble) * height + centre
        placed.append([(float(x), float(y)) for x, y in np.clip(points, 1, CANVAS_SIZE - 2)])
    return placed


def render_strokes(strokes: list[Stroke], *, pen_width: float) -> np.ndarray:
    """Strokes as the canvas renders them: ``(280, 280, 4) uint8``, white with round ends on opaque black."""
    scale = 4  # drawn 4x larger and reduced, for anti-aliased edges like the browser's
    alpha = Image.new("L", (CANVAS_SIZE * scale, CANVAS_SIZE * scale), 0)
    draw = ImageDraw.Draw(alpha)
    radius = pen_width * scale / 2
    for stroke in strokes:
        points = [(x * scale, y * scale) for x, y in stroke]
        draw.line(points, fill=255, width=round(pen_width * scale), joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    rgba = np.full((CANVAS_SIZE, CANVAS_SIZE, 4), 255, dtype=np.uint8)
    rgba[..., :3] = np.asarray(alpha.resize((CANVAS_SIZE, CANVAS_SIZE), Image.Resampling.BOX))[..., None]
    return rgba


def stroke_digits(per_digit: int, *, pen_width: float | tuple[float, float] = (12, 24), seed: int = 0):
    """``per_digit`` drawings of each digit, every style in turn, with a random pen width in ``pen_width``."""
    generator = np.random.default_rng(seed)
    drawings = []
    for label, styles in TEMPLATES.items():
        for number in range(per_digit):
            strokes = place_strokes(styles[number % len(styles)], generator)
            width = pen_width if np.isscalar(pen_width) else generator.uniform(*pen_width)
            drawings.append(
                DrawnDigit(
                    label=label, source="strokes", rgba=render_strokes(strokes, pen_width=width), strokes=strokes
                )
            )
    return drawings


def digit_fonts() -> list[Path]:
    """Font files that can set the ten digits: matplotlib's own, plus the system's DejaVu and Liberation."""
    import matplotlib

    candidates = sorted((Path(matplotlib.get_data_path()) / "fonts" / "ttf").glob("*.ttf"))
    candidates += sorted(Path("/usr/share/fonts/truetype").glob("*/*.ttf"))
    usable, seen = [], set()
    for path in candidates:
        if path.name in seen or not _sets_digits(path):
            continue
        seen.add(path.name)
        usable.append(path)
    return usable


def _sets_digits(path: Path) -> bool:
    """Symbol fonts map the digit keys to other signs: a real 0, 6, 8 and 9 enclose a hole, a 1 and a 7 do not."""
    from scipy import ndimage

    try:
        font = ImageFont.truetype(str(path), 64)
    except OSError:
        return False
    for digit, has_hole in (("0", True), ("6", True), ("8", True), ("9", True), ("1", False), ("7", False)):
        image = Image.new("L", (96, 96), 0)
        ImageDraw.Draw(image).text((16, 8), digit, fill=255, font=font)
        background_regions = ndimage.label(np.asarray(image) < 128)[1]
        if (background_regions > 1) != has_hole:
            return False
    return True


def font_digits(*, seed: int = 0) -> list[DrawnDigit]:
    """Every digit in every font of ``digit_fonts``, set large at a random place with a small random turn."""
    generator = np.random.default_rng(seed)
    drawings = []
    for path in digit_fonts():
        for label in range(10):
            size = int(generator.uniform(150, 210))
            font = ImageFont.truetype(str(path), size)
            alpha = Image.new("L", (CANVAS_SIZE, CANVAS_SIZE), 0)
            left, top, right, bottom = font.getbbox(str(label))
            x = generator.uniform(10, max(11, CANVAS_SIZE - 10 - (right - left))) - left
            y = generator.uniform(10, max(11, CANVAS_SIZE - 10 - (bottom - top))) - top
            ImageDraw.Draw(alpha).text((x, y), str(label), fill=255, font=font)
            alpha = alpha.rotate(generator.uniform(-8, 8), resample=Image.Resampling.BILINEAR)
            rgba = np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), dtype=np.uint8)
            rgba[..., :3] = 255
            rgba[..., 3] = np.asarray(alpha)
            drawings.append(DrawnDigit(label=label, source=path.stem, rgba=rgba, strokes=[]))
    return drawings


def glyph_style(source) -> list[Stroke]:
    """A Hershey glyph's pen strokes as a style for ``place_strokes``: in a unit box, x right and y down."""
    from siamese.data.glyphs import hershey_strokes

    strokes = hershey_strokes(source)
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = max(float((high - low).max()), 1e-6)
    centre = (low + high) / 2
    return [[(float(x), float(y)) for x, y in (stroke - centre) / scale + 0.5] for stroke in strokes if len(stroke) > 1]
