"""The drawing canvas: an MNIST-style black square, read back as ``siamese.drawing`` steps.

streamlit-drawable-canvas lays its (invisible until hovered) toolbar over the top 30 pixels of the
canvas's right-hand side, so a stroke begun there went to the toolbar and was lost: students
begin 5s and 7s exactly there. The canvas is therefore ``TOOLBAR_BAND`` pixels taller than the
drawing square, and that top band is painted in the page's colour: the toolbar sits over the
band, the whole black square is free for drawing, and only the square is read. When the canvas is
hovered the toolbar shows and moves up, 42 px above the canvas, where it covered the bottom of the
element above (a heading, the symbol's name field): ``TOOLBAR_CLEARANCE`` keeps that space empty.
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from explorer_ui import state
from siamese.drawing import DrawingStatus, DrawingSteps, preprocess_drawing

CANVAS_SIZE = 280  # the drawing square: 10x MNIST's 28 px, so a canvas pixel is a tenth of an MNIST pixel
TOOLBAR_BAND = 36  # pixels above the square for the component's toolbar (it reaches 31 px down)
# Empty pixels above the canvas, besides the two 16 px gaps around this spacer: 44 px in all for
# the hovered toolbar, which rises 42 px above the canvas.
TOOLBAR_CLEARANCE = 12
# MNIST's strokes are 2.0 px wide on average (siamese.drawing.stroke_width over 5,000 training
# digits); a digit drawn 200 px tall with a 24 px pen measures 2.0 px after preprocessing, where
# the earlier 18 px pen gave 1.6 px (bench/drawn_digits.py).
DEFAULT_PEN_WIDTH = 24
PEN_WIDTHS = (10, 40)
PAGE_COLOUR = (255, 255, 255)  # the theme's background (.streamlit/config.toml)
BLANK_HINT = "✏️ Draw a digit from 0 to 9 in the black box: white on black, like MNIST."


def canvas_available() -> bool:
    """The canvas component only imports inside a running Streamlit app (or AppTest)."""
    try:
        import streamlit_drawable_canvas  # noqa: F401
    except Exception:  # any import failure means "no canvas": the page says so instead of a traceback
        return False
    return True


@functools.cache
def _background():
    """The page-coloured toolbar band above the black drawing square, as the canvas's background image."""
    from PIL import Image

    picture = Image.new("RGB", (CANVAS_SIZE, CANVAS_SIZE + TOOLBAR_BAND), (0, 0, 0))
    picture.paste(PAGE_COLOUR, (0, 0, CANVAS_SIZE, TOOLBAR_BAND))
    return picture


def drawing_canvas(name: str, *, stroke_width: int) -> DrawingSteps | None:
    """One canvas, preprocessed like MNIST; ``None`` while the canvas has sent nothing."""
    from streamlit_drawable_canvas import st_canvas

    st.space(TOOLBAR_CLEARANCE)
    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#ffffff",
        background_image=_background(),
        height=CANVAS_SIZE + TOOLBAR_BAND,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=state.canvas(name),
    )
    if result.image_data is None:
        return None
    return read_square(result.image_data, pen_width=stroke_width)


def read_square(canvas_image: np.ndarray, *, pen_width: float = DEFAULT_PEN_WIDTH) -> DrawingSteps | None:
    """The drawing square of a ``(316, 280, 4)`` canvas image (the band cut off), preprocessed like MNIST.

    A tap leaves a round blot one pen width across, so ink that reaches no further than one and a
    half pen widths is a dot, not a digit.
    """
    square = np.asarray(canvas_image)[-CANVAS_SIZE:]
    try:
        return preprocess_drawing(
            square, background="dark", min_extent_fraction=min(1.5 * pen_width / CANVAS_SIZE, 1.0)
        )
    except ValueError:
        return None


def clear_button(name: str, *, label: str = "Clear") -> None:
    """Empties canvas ``name`` (by giving it a new key: a new key is a fresh, empty component)."""
    st.button(label, key=f"{name}_clear", on_click=state.clear_canvas, args=(name,), icon=":material/ink_eraser:")


def explain_status(steps: DrawingSteps | None, *, hint: str = BLANK_HINT) -> None:
    """The friendly message for a canvas that holds no usable drawing yet (``hint`` while it is empty)."""
    if steps is None or steps.status == DrawingStatus.EMPTY:
        st.info(hint)
    elif steps.status == DrawingStatus.TOO_SMALL:
        st.info(steps.message)
    else:
        st.warning(steps.message)
