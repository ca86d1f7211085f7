"""The drawing canvas: an MNIST-style black square, read back as ``siamese.drawing`` steps."""

from __future__ import annotations

import streamlit as st

from explorer_ui import state
from siamese.drawing import DrawingStatus, DrawingSteps, preprocess_drawing

CANVAS_SIZE = 280  # 10x MNIST's 28 px, so one canvas pixel is a tenth of an MNIST pixel
BLANK_HINT = "✏️ Draw a digit from 0 to 9 in the black box: white on black, like MNIST."


def canvas_available() -> bool:
    """The canvas component only imports inside a running Streamlit app (or AppTest)."""
    try:
        import streamlit_drawable_canvas  # noqa: F401
    except Exception:  # any import failure means "no canvas": the page says so instead of a traceback
        return False
    return True


def drawing_canvas(name: str, *, stroke_width: int) -> DrawingSteps | None:
    """One canvas, preprocessed like MNIST; ``None`` while the canvas has sent nothing."""
    from streamlit_drawable_canvas import st_canvas

    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#ffffff",
        background_color="#000000",
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=state.canvas(name),
    )
    if result.image_data is None:
        return None
    try:
        return preprocess_drawing(result.image_data, background="dark")
    except ValueError:
        return None


def clear_button(name: str, *, label: str = "Clear") -> None:
    """Empties canvas ``name`` (by giving it a new key: a new key is a fresh, empty component)."""
    st.button(label, key=f"{name}_clear", on_click=state.clear_canvas, args=(name,), icon=":material/ink_eraser:")


def explain_status(steps: DrawingSteps | None) -> None:
    """The friendly message for a canvas that holds no usable digit yet."""
    if steps is None or steps.status == DrawingStatus.EMPTY:
        st.info(BLANK_HINT)
    elif steps.status == DrawingStatus.TOO_SMALL:
        st.info(steps.message)
    else:
        st.warning(steps.message)
