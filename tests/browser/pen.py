"""Drawing on the real canvas in Chromium: with the mouse, or with a finger through CDP touch events.

Points are canvas pixels of the drawing square (0..280 across and down), as
``tests.support.handwriting`` makes them; the canvas's toolbar band above the square is skipped.
"""

from explorer_ui.canvas import CANVAS_SIZE, TOOLBAR_BAND


def square_origin(canvas) -> tuple[float, float]:
    """The page position of the drawing square's top-left corner."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    return box["x"], box["y"] + TOOLBAR_BAND * box["height"] / (CANVAS_SIZE + TOOLBAR_BAND)


def mouse_strokes(page, canvas, strokes) -> None:
    """Each stroke pressed, moved through and released, one after another without pauses."""
    left, top = square_origin(canvas)
    for stroke in strokes:
        page.mouse.move(left + stroke[0][0], top + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(left + x, top + y, steps=2)
        page.mouse.up()


def touch_strokes(page, canvas, strokes) -> None:
    """Each stroke as a finger on a touch screen: touchStart, touchMoves, touchEnd (Chrome's CDP input)."""
    left, top = square_origin(canvas)
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


def strokes_in_pixels(fraction_strokes) -> list:
    """Strokes given as fractions (x, y) of the square, in its pixels."""
    return [[(x * CANVAS_SIZE, y * CANVAS_SIZE) for x, y in stroke] for stroke in fraction_strokes]
