"""The drawing canvas: a black 280 x 280 square, MNIST-style, read back as ``siamese.data.drawing`` steps.

The whole canvas is the drawing square, and every stroke in it counts. Under it sit its own Undo
and Clear buttons: they are streamlit-drawable-canvas's toolbar, restyled by ``_TOOLBAR_STYLE``.
As the component ships it (0.13), that toolbar floats invisibly over the top right of the
canvas until hovered, and strokes begun there went to its buttons.

Clear works in the browser, on the same canvas. A Clear button that reruns the script and gives
the canvas a new key (a new, empty component) loses strokes: until the rerun's answer arrives (a
tenth of a second, longer on a busy server) the old drawing stays on screen and a stroke goes
onto it and is thrown away with it; then for a few frames there is no canvas at all while the new
one is built (everything below it jumps up by its height and back), so a stroke or tap lands on
whatever moved there. The component's own reset empties the canvas at once and sends the empty
drawing, so a stroke made straight after Clear is kept. A new key (``state.clear_canvas``) is
still how a page empties a canvas itself, e.g. once a drawing was added as an example.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from pathlib import Path

import numpy as np
import streamlit as st

from explorer_ui import state
from siamese.data.drawing import DrawingStatus, DrawingSteps, preprocess_drawing

CANVAS_SIZE = 280  # the drawing square: 10x MNIST's 28 px, so a canvas pixel is a tenth of an MNIST pixel
# MNIST's strokes are 2.0 px wide on average (siamese.data.drawing.stroke_width over 5,000 training
# digits); a digit drawn 200 px tall with a 24 px pen measures 2.0 px after preprocessing, where
# the earlier 18 px pen gave 1.6 px (bench/drawn_digits.py).
DEFAULT_PEN_WIDTH = 24
PEN_WIDTHS = (10, 40)
BLANK_HINT = "✏️ Draw a digit from 0 to 9 in the black box: white on black, like MNIST."
CLEAR_LABEL = "Reset canvas & history"  # the component's name for its Clear button (shown as "Clear")
UNDO_LABEL = "Undo"

# The canvas component as streamlit-drawable-canvas registers it, and the parts of it restyled here.
COMPONENT_NAME = "streamlit-drawable-canvas.streamlit_drawable_canvas"
COMPONENT_HTML = '<div class="canvas-root"></div>'
COMPONENT_JS = "index-*.js"
COMPONENT_CSS = "index-*.css"
# Appended to the component's own style sheet (its shadow root is out of the page's CSS's reach):
# the toolbar becomes a row of two buttons under the canvas, in the page's button style, always shown.
_TOOLBAR_STYLE = f"""
.dc-toolbar, .dc-toolbar[data-pinned=true], .dc-toolbar:hover, .dc-toolbar:focus-within,
.dc-root:hover > .dc-toolbar {{
  position: static; opacity: 1; top: auto; transition: none; padding: 0.5rem 0 0; justify-content: flex-start;
}}
.dc-toolbar-card {{
  background: none; box-shadow: none; padding: 0; gap: 0.5rem; color: var(--st-text-color, #31333f);
}}
.dc-toolbar-separator, .dc-toolbar-contextual,
.dc-icon-button:not([title="{UNDO_LABEL}"]):not([title="{CLEAR_LABEL}"]) {{ display: none !important; }}
.dc-icon-button {{
  gap: 0.5rem; min-height: 2.5rem; padding: 0.25rem 0.75rem; font-family: var(--st-font, sans-serif);
  font-size: var(--st-base-font-size, 1rem); line-height: 1.6; background: var(--st-background-color, #fff);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: var(--st-button-radius, 0.5rem);
}}
.dc-icon-button svg {{ width: 1rem; height: 1rem; }}
.dc-icon-button:hover:not(:disabled) {{
  background: var(--st-background-color, #fff); border-color: var(--st-primary-color, #4f46e5);
  color: var(--st-primary-color, #4f46e5);
}}
.dc-icon-button[title="{UNDO_LABEL}"]::after {{ content: "Undo"; }}
.dc-icon-button[title="{CLEAR_LABEL}"]::after {{ content: "Clear"; }}
"""
_LOG = logging.getLogger(__name__)


def canvas_available() -> bool:
    """The canvas component only imports inside a running Streamlit app (or AppTest)."""
    try:
        import streamlit_drawable_canvas  # noqa: F401
    except Exception:  # any import failure means "no canvas": the page says so instead of a traceback
        return False
    return True


def component_folder() -> Path | None:
    """Where streamlit-drawable-canvas is installed, found without importing it; ``None`` if it is not."""
    spec = importlib.util.find_spec("streamlit_drawable_canvas")
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def component_style_sheet() -> str | None:
    """The component's own CSS file, as shipped; ``None`` if it is not where 0.13 keeps it."""
    folder = component_folder()
    sheets = list((folder / "frontend" / "build").glob(COMPONENT_CSS)) if folder is not None else []
    return sheets[0].read_text(encoding="utf-8") if len(sheets) == 1 else None


@functools.cache  # once per server: registering again would log that the definition changed
def _restyle_toolbar() -> None:
    """Register the component again under its own name with ``_TOOLBAR_STYLE`` added to its CSS.

    Streamlit uses the last definition registered under a name (and logs once that it replaced
    one); the component's script and markup stay the package's own files.
    """
    sheet = component_style_sheet()
    if sheet is None:
        _LOG.warning("streamlit-drawable-canvas's style sheet was not found; its toolbar keeps its own look")
        return
    try:
        st.components.v2.component(
            COMPONENT_NAME, html=COMPONENT_HTML, js=COMPONENT_JS, css=sheet + _TOOLBAR_STYLE, isolate_styles=True
        )
    except Exception:  # the canvas still draws, with the toolbar as the package shows it
        _LOG.exception("streamlit-drawable-canvas could not be restyled; its toolbar keeps its own look")


def drawing_canvas(name: str, *, stroke_width: int) -> DrawingSteps | None:
    """One canvas with its Undo and Clear buttons, preprocessed like MNIST; ``None`` while it has sent nothing."""
    from streamlit_drawable_canvas import st_canvas

    _restyle_toolbar()
    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#ffffff",
        background_color="#000000",  # part of the drawing (no image to load): the PNG is what is seen
        height=CANVAS_SIZE,
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
    """A ``(280, 280, 4)`` canvas image (white ink on black), preprocessed like MNIST.

    A tap leaves a round blot one pen width across, so ink that reaches no further than one and a
    half pen widths is a dot, not a digit.
    """
    try:
        return preprocess_drawing(
            np.asarray(canvas_image),
            background="dark",
            min_extent_fraction=min(1.5 * pen_width / CANVAS_SIZE, 1.0),
        )
    except ValueError:
        return None


def explain_status(steps: DrawingSteps | None, *, hint: str = BLANK_HINT) -> None:
    """The friendly message for a canvas that holds no usable drawing yet (``hint`` while it is empty)."""
    if steps is None or steps.status == DrawingStatus.EMPTY:
        st.info(hint)
    elif steps.status == DrawingStatus.TOO_SMALL:
        st.info(steps.message)
    else:
        st.warning(steps.message)
