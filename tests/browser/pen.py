"""Drawing on the real canvas in Chromium: with the mouse, or with a finger through CDP touch events.

Points are canvas pixels (0..280 across and down: the whole canvas is the drawing square), as
``siamese.data.handwriting`` makes them.
"""

from explorer_ui.canvas import CANVAS_SIZE, CLEAR_LABEL


def square_origin(canvas) -> tuple[float, float]:
    """The page position of the canvas's top-left corner."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    return box["x"], box["y"]


def mouse_strokes(page, canvas, strokes) -> None:
    """Each stroke pressed, moved through and released, one after another without pauses."""
    left, top = square_origin(canvas)
    mouse_strokes_at(page, (left, top), strokes)


def mouse_strokes_at(page, origin: tuple[float, float], strokes) -> None:
    """``mouse_strokes`` at a known canvas position: no waiting for the canvas element first."""
    left, top = origin
    for stroke in strokes:
        page.mouse.move(left + stroke[0][0], top + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(left + x, top + y, steps=2)
        page.mouse.up()


def touch_strokes(page, canvas, strokes) -> None:
    """Each stroke as a finger on a touch screen: touchStart, touchMoves, touchEnd (Chrome's CDP input)."""
    touch_strokes_at(page, square_origin(canvas), strokes)


def touch_strokes_at(page, origin: tuple[float, float], strokes) -> None:
    """``touch_strokes`` at a known canvas position: no waiting for the canvas element first."""
    left, top = origin
    session = page.context.new_cdp_session(page)
    try:
        for stroke in strokes:
            points = [{"x": left + x, "y": top + y} for x, y in stroke]
            session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
            for point in points[1:]:
                session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
            session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        session.detach()


def clear_button(page, number: int = 0):
    """The Clear button under canvas ``number`` (in page order): the canvas component's own reset."""
    return page.get_by_role("button", name=CLEAR_LABEL).nth(number)


def strokes_in_pixels(fraction_strokes) -> list:
    """Strokes given as fractions (x, y) of the square, in its pixels."""
    return [[(x * CANVAS_SIZE, y * CANVAS_SIZE) for x, y in stroke] for stroke in fraction_strokes]
