"""The Draw page's canvas: its default pen draws MNIST-thick strokes, and only the drawing square is read."""

import numpy as np
import pytest

from explorer_ui.canvas import CANVAS_SIZE, DEFAULT_PEN_WIDTH, TOOLBAR_BAND, read_square
from siamese.drawing import preprocess_drawing, stroke_width
from tests.support.handwriting import TEMPLATES, place_strokes, render_strokes


def test_the_default_pen_draws_strokes_as_thick_as_mnists(embedded_data):
    mnist = np.mean([stroke_width(image) for image in embedded_data.x_train[:2000]])
    generator = np.random.default_rng(3)
    drawn = []
    for styles in TEMPLATES.values():
        for style in styles:
            # A digit about 70 % of the square's height, as students draw them.
            strokes = place_strokes(style, generator, height=0.7 * CANVAS_SIZE)
            steps = preprocess_drawing(render_strokes(strokes, pen_width=DEFAULT_PEN_WIDTH), background="dark")
            drawn.append(stroke_width(steps.centred))
    assert np.mean(drawn) == pytest.approx(mnist, rel=0.15)


def test_only_the_square_below_the_toolbar_band_is_read():
    canvas = np.zeros((TOOLBAR_BAND + CANVAS_SIZE, CANVAS_SIZE, 4), dtype=np.uint8)
    canvas[..., :3] = 255
    canvas[:TOOLBAR_BAND, :, 3] = 255  # ink in the band (a stroke run up off the square) is not read
    canvas[TOOLBAR_BAND + 40 : TOOLBAR_BAND + 240, 130:150, 3] = 255  # a "1" in the square
    steps = read_square(canvas)
    assert steps.ok and steps.ink.shape == (CANVAS_SIZE, CANVAS_SIZE)
    assert steps.cropped.shape == (200, 20)


@pytest.mark.parametrize("pen_width", [12, 24, 40])
def test_a_tap_is_a_dot_and_a_short_line_is_a_digit(pen_width):
    tap = render_strokes([[(140.0, 140.0), (141.0, 140.0)]], pen_width=pen_width)
    line = render_strokes([[(140.0, 100.0), (140.0, 100.0 + 2 * pen_width)]], pen_width=pen_width)
    band = np.zeros((TOOLBAR_BAND, CANVAS_SIZE, 4), dtype=np.uint8)
    assert read_square(np.concatenate([band, tap]), pen_width=pen_width).status == "too_small"
    assert read_square(np.concatenate([band, line]), pen_width=pen_width).ok
