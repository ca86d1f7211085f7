"""The drawing canvas: its default pen draws MNIST-thick strokes, the whole square is read, and the
parts of streamlit-drawable-canvas that ``explorer_ui.canvas`` restyles are still there."""

import numpy as np
import pytest

from explorer_ui import canvas as canvas_module
from explorer_ui.canvas import CANVAS_SIZE, DEFAULT_PEN_WIDTH, read_square
from siamese.data.drawing import preprocess_drawing, stroke_width
from siamese.data.handwriting import TEMPLATES, place_strokes, render_strokes


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


def test_ink_anywhere_in_the_square_is_read_up_to_its_very_edges():
    canvas = np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), dtype=np.uint8)
    canvas[..., 3] = 255  # opaque black, as the canvas sends it
    canvas[0:200, 130:150, :3] = 255  # a "1" from the top edge down
    canvas[260:280, 0:30, :3] = 255  # and a mark in the bottom-left corner
    steps = read_square(canvas)
    assert steps.ok and steps.ink.shape == (CANVAS_SIZE, CANVAS_SIZE)
    assert steps.cropped.shape == (CANVAS_SIZE, 150)  # from row 0 to row 279, column 0 to 149


@pytest.mark.parametrize("pen_width", [12, 24, 40])
def test_a_tap_is_a_dot_and_a_short_line_is_a_digit(pen_width):
    tap = render_strokes([[(140.0, 140.0), (141.0, 140.0)]], pen_width=pen_width)
    line = render_strokes([[(140.0, 100.0), (140.0, 100.0 + 2 * pen_width)]], pen_width=pen_width)
    assert read_square(tap, pen_width=pen_width).status == "too_small"
    assert read_square(line, pen_width=pen_width).ok


def test_the_component_still_has_the_parts_its_restyled_toolbar_relies_on():
    """streamlit-drawable-canvas 0.13's registration, style sheet and buttons, as ``explorer_ui.canvas`` uses them.

    Read from its files: the package itself imports only inside a running app.
    """
    folder = canvas_module.component_folder()
    registration = (folder / "__init__.py").read_text(encoding="utf-8")
    for part in (canvas_module.COMPONENT_NAME, canvas_module.COMPONENT_HTML, canvas_module.COMPONENT_JS):
        assert part in registration, part
    assert "background_color: str" in registration and "isolate_styles=True" in registration
    sheet = canvas_module.component_style_sheet()
    assert sheet is not None and ".dc-toolbar{" in sheet and ".dc-icon-button{" in sheet
    (script,) = (folder / "frontend" / "build").glob(canvas_module.COMPONENT_JS)
    source = script.read_text(encoding="utf-8")
    for name in (canvas_module.CLEAR_LABEL, canvas_module.UNDO_LABEL, "dc-toolbar", "dc-toolbar-contextual"):
        assert f'"{name}"' in source, name
    # Its reset empties the canvas in the browser and sends the empty drawing at once.
    assert "onReset:" in source and "h.history.reset(c)" in source
