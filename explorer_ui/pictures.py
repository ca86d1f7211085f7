"""Digits as pictures for ``st.image``: enlarged, framed, paired and tiled; and the app's colours.

The colours stay apart for the one boy in twelve who can't tell red from green (``tests/explorer_ui/
test_colours.py`` checks them under simulated colour-vision deficiencies), and right and wrong are
never told by colour alone: a wrong call also has a dashed frame and ✗, a right one a solid frame and ✓.
"""

import functools

import numpy as np

# Blue and vermilion from Okabe and Ito's palette for colour-blind readers.
SAME_COLOUR = "#0072b2"  # blue, solid frame, ✓: a right call, or a same-digit pair
DIFFERENT_COLOUR = "#d55e00"  # vermilion, dashed frame, ✗: a wrong call, or a different-digit pair
RIGHT_MARK, WRONG_MARK = "✓", "✗"
SAME_MARK, DIFFERENT_MARK = "=", "≠"
NEUTRAL_COLOUR = "#64748b"
INK_COLOUR = "#0f172a"
ACCENT_COLOUR = "#4f46e5"
# One colour per digit: Petroff's ten-colour sequence (matplotlib's "petroff10"), picked to stay
# distinct under deuteranopia, protanopia and tritanopia, where the old category10 colours made
# 1 (orange) and 2 (green) all but identical.
DIGIT_COLOURS = (
    "#3f90da",
    "#ffa90e",
    "#bd1f01",
    "#94a4a2",
    "#832db6",
    "#a96b59",
    "#e76300",
    "#b9ac70",
    "#717581",
    "#92dadd",
)
PAGE_GREY = 0.945  # close to the theme's secondary background, around non-square pictures


def hex_to_rgb(colour: str) -> np.ndarray:
    """``"#rrggbb" -> (3,) float32 in [0, 1]``."""
    if len(colour) != 7 or not colour.startswith("#"):
        raise ValueError(f"colour must look like #rrggbb, got {colour!r}")
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float32) / 255.0


def tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white, ``amount`` of it (0: white, 1: the colour), as ``"#rrggbb"``."""
    mixed = 1.0 - amount * (1.0 - hex_to_rgb(colour))
    return "#" + "".join(f"{round(value * 255):02x}" for value in mixed)


def digit_picture(
    image: np.ndarray, *, frame: str | None = None, dashed: bool = False, scale: int = 3, border: int = 2
) -> np.ndarray:
    """``(h, w) float32 in [0, 1] -> (h * scale [+ 2 border], w * scale [+ 2 border], 3) uint8``.

    Each pixel becomes a ``scale`` x ``scale`` block (no blur); ``frame`` adds a coloured border,
    broken into dashes with white gaps when ``dashed`` (a wrong call: its shape says so, not only its colour).
    """
    grey = np.kron(np.clip(image, 0.0, 1.0), np.ones((scale, scale), dtype=np.float32))
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    if frame is not None:
        rgb = np.pad(rgb, ((border, border), (border, border), (0, 0)))
        edge, along = _frame(rgb.shape[:2], border=border)
        rgb[edge] = 1.0  # white, left between the dashes
        if dashed:
            dash, gap = max(3 * border, 6), max(3 * border // 2, 3)
            edge &= along % (dash + gap) < dash
        rgb[edge] = hex_to_rgb(frame)
    return np.rint(rgb * 255).astype(np.uint8)


def _frame(shape: tuple[int, int], *, border: int) -> tuple[np.ndarray, np.ndarray]:
    """``(h, w) bool`` of a ``border``-wide frame, and ``(h, w) int``: each pixel's position along its edge."""
    height, width = shape
    rows, columns = np.mgrid[:height, :width]
    top_or_bottom = (rows < border) | (rows >= height - border)
    return top_or_bottom | (columns < border) | (columns >= width - border), np.where(top_or_bottom, columns, rows)


def pair_picture(left_image: np.ndarray, right_image: np.ndarray, colour: str, *, dashed: bool = False) -> np.ndarray:
    """Two ``(28, 28)`` digits with a thin dark gap between them, enlarged, inside one coloured (dashed) frame."""
    gap = np.zeros((left_image.shape[0], 4), dtype=np.float32)
    return digit_picture(np.hstack([left_image, gap, right_image]), frame=colour, dashed=dashed, scale=3, border=5)


def patch_picture(image: np.ndarray, *, patch_size: int, scale: int = 7) -> np.ndarray:
    """``(28, 28)`` digit enlarged, with a line between every two ViT patches: ``(28 * scale, 28 * scale, 3)`` uint8."""
    rgb = digit_picture(image, scale=scale)
    lines = np.arange(0, image.shape[0] * scale + 1, patch_size * scale)
    colour = np.rint(hex_to_rgb(ACCENT_COLOUR) * 255).astype(np.uint8)
    for line in lines:
        rgb[max(line - 1, 0) : line + 1, :] = colour
        rgb[:, max(line - 1, 0) : line + 1] = colour
    return rgb


def digit_grid(images: np.ndarray, *, columns: int, scale: int = 2, gap: int = 2) -> np.ndarray:
    """``(n, 28, 28)`` digits as one ``(h, w)`` uint8 mosaic, ``columns`` wide, on a dark grey ground."""
    rows = -(-len(images) // columns)
    cell = 28 * scale + gap
    mosaic = np.full((rows * cell + gap, columns * cell + gap), 40, dtype=np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = gap + row * cell, gap + column * cell
        mosaic[top : top + 28 * scale, left : left + 28 * scale] = np.rint(
            np.kron(np.clip(image, 0, 1), np.ones((scale, scale))) * 255
        ).astype(np.uint8)
    return mosaic


def thumbnail(image: np.ndarray, *, size: int) -> np.ndarray:
    """A preprocessing step as a square, crisp ``(s, s) float32`` picture, ``s >= size``.

    Small steps are enlarged by whole pixels so they stay sharp; non-square ones sit on page grey.
    """
    height, width = image.shape
    if max(height, width) < size:
        factor = -(-size // max(height, width))
        image = np.kron(image, np.ones((factor, factor), dtype=np.float32))
        height, width = image.shape
    side = max(height, width)
    square = np.full((side, side), PAGE_GREY, dtype=np.float32)
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = image
    return np.clip(square, 0.0, 1.0)


@functools.cache  # drawn once per server, not on every run of every session
def app_icon():
    """The favicon, drawn here: an icon from a font or emoji CDN would need the internet."""
    from PIL import Image, ImageDraw

    icon = Image.new("RGB", (32, 32), ACCENT_COLOUR)
    draw = ImageDraw.Draw(icon)
    draw.ellipse((4, 8, 16, 24), outline="white", width=3)
    draw.ellipse((16, 8, 28, 24), outline="white", width=3)
    return icon
