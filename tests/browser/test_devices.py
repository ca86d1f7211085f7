"""Every classroom device: a portrait tablet and a phone with touch input, and strokes begun anywhere.

Each test opens its own browser context (a session of its own) on the shared offline server.
"""

import contextlib
import re

import numpy as np
import pytest

from explorer_ui.canvas import CANVAS_SIZE
from siamese.data.handwriting import TEMPLATES, place_strokes
from tests.browser.conftest import SCREENSHOTS
from tests.browser.pen import (
    clear_button,
    mouse_strokes,
    mouse_strokes_at,
    square_origin,
    strokes_in_pixels,
    touch_strokes,
    touch_strokes_at,
)
from tests.browser.test_app_in_chromium import (
    LOOP_ZERO,
    PAGES,
    VERTICAL_ONE,
    assert_no_errors,
    go_to,
    open_app,
    open_draw_page,
    predicted_digit,
    wait_until_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABLET, PHONE = (820, 1180), (390, 844)
BLANK_HINT = re.compile("Draw a digit from 0 to 9")

# Text that overflows its box (cut off with an ellipsis, or pushed out of view), as a list of
# "label: text" entries. Metric labels and values are checked, and every image caption must be
# wide enough for more than a word a line.
CUT_TEXT = """() => {
    const cut = [];
    for (const selector of ['[data-testid="stMetricValue"]', '[data-testid="stMetricLabel"]']) {
        for (const box of document.querySelectorAll(selector)) {
            for (const element of [box, ...box.querySelectorAll('*')]) {
                if (element.scrollWidth > element.clientWidth + 1) { cut.push(selector + ': ' + box.innerText); break; }
            }
            const right = box.getBoundingClientRect().right;
            if (right > window.innerWidth + 1) cut.push(selector + ' off screen: ' + box.innerText);
        }
    }
    for (const caption of document.querySelectorAll('[data-testid="stImageCaption"]')) {
        if (caption.innerText.includes(' ') && caption.clientWidth < 70) {
            cut.push('narrow caption: ' + caption.innerText);
        }
    }
    return cut;
}"""


def screenshot_full(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its own container, so the viewport is made as tall as the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    full = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": max(height, full)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.set_viewport_size({"width": width, "height": height})


def assert_whole_canvas_visible(page, canvas) -> None:
    box = canvas.bounding_box()
    assert box["width"] == pytest.approx(CANVAS_SIZE, abs=1), "the canvas is shown smaller than it draws"
    assert box["height"] == pytest.approx(CANVAS_SIZE, abs=1), "the canvas is not the drawing square alone"
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], f"canvas off screen: {box}"
    clipped = page.evaluate(
        """() => Array.from(document.querySelectorAll('*')).some(element => {
               const style = getComputedStyle(element);
               const canvas = element.querySelector && element.querySelector('canvas.upper-canvas');
               return canvas && style.overflowX !== 'visible' && element.scrollWidth > element.clientWidth + 1;
           })"""
    )
    assert not clipped, "a box around the canvas cuts part of it off (it scrolls sideways)"


def strokes_of(digit: int, style: int, seed: int) -> list:
    return place_strokes(TEMPLATES[digit][style], np.random.default_rng(seed), height=0.7 * CANVAS_SIZE)


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["tablet", "phone"])
def test_drawing_with_a_finger_shows_the_whole_canvas_and_the_answer(app_url, new_page, size):
    page = new_page(*size, touch=True)
    canvas = open_draw_page(page, app_url)
    assert page.locator('[data-testid="stSidebar"]:visible').count() == 0  # nothing takes width from the page
    assert_whole_canvas_visible(page, canvas)
    pen = page.locator('[data-testid="stSlider"]', has_text="Pen width")
    assert pen.locator('[data-testid="stSliderThumbValue"]').inner_text() == "24"  # MNIST-thick strokes
    # A 7 with a bar: two strokes, the second straight after the first.
    touch_strokes(page, canvas, strokes_of(7, 1, seed=21))
    assert predicted_digit(page) == "7"
    assert page.evaluate(CUT_TEXT) == []
    screenshot_full(page, f"draw_{'tablet' if size == TABLET else 'phone'}")
    assert_no_errors(page)


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["tablet", "phone"])
def test_no_metric_or_caption_is_cut_on_any_page(app_url, new_page, size):
    page = new_page(*size, touch=True)
    open_app(page, app_url)
    device = "tablet" if size == TABLET else "phone"
    for label in PAGES:
        go_to(page, label)
        assert page.evaluate(CUT_TEXT) == [], f"on {label}"
        screenshot_full(page, f"{re.sub(r'[^a-z]+', '_', label.lower()).strip('_')}_{device}")
    assert_no_errors(page)


def test_a_stroke_begun_at_any_edge_or_corner_of_the_square_is_drawn(app_url, new_page):
    """The canvas's toolbar once sat, invisible, over the top-right corner and took strokes begun there."""
    page = new_page(*TABLET, touch=True)
    canvas = open_draw_page(page, app_url)
    inset, far = 3, CANVAS_SIZE - 3
    starts = {
        "top left": (inset, inset),
        "top": (CANVAS_SIZE / 2, inset),
        "top right": (far, inset),
        "right": (far, CANVAS_SIZE / 2),
        "bottom right": (far, far),
        "bottom": (CANVAS_SIZE / 2, far),
        "bottom left": (inset, far),
        "left": (inset, CANVAS_SIZE / 2),
    }
    centre = np.array([CANVAS_SIZE / 2, CANVAS_SIZE / 2])
    for where, start in starts.items():
        # A 90-pixel stroke from the start towards the middle, by finger on odd ones and mouse on even ones.
        points = [
            tuple(np.array(start) + (centre - start) * t * 90 / np.linalg.norm(centre - start))
            for t in np.linspace(0, 1, 12)
        ]
        draw = touch_strokes if len(where) % 2 else mouse_strokes
        draw(page, canvas, [points])
        page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=30_000)
        wait_until_idle(page)
        assert page.get_by_text(BLANK_HINT).count() == 0, f"the stroke begun at the {where} was lost"
        clear_button(page).click()
        page.get_by_text(BLANK_HINT).first.wait_for(timeout=30_000)
        wait_until_idle(page)
    assert_no_errors(page)


@pytest.mark.parametrize(
    ("digit", "style"),
    [(4, 0), (4, 1), (7, 1), (5, 1)],
    ids=["closed 4", "open 4", "7 with a bar", "5 in two strokes"],
)
def test_a_digit_of_several_quick_strokes_is_read(app_url, new_page, digit, style):
    page = new_page(1400, 1500)
    canvas = open_draw_page(page, app_url)
    mouse_strokes(page, canvas, strokes_of(digit, style, seed=digit * 10 + style))
    assert predicted_digit(page) == str(digit)
    assert_no_errors(page)


def test_a_tap_is_a_dot_not_a_digit(app_url, new_page):
    """A tap leaves a blot one pen width across: the page asks for a whole digit instead of guessing one."""
    page = new_page(*PHONE, touch=True)
    canvas = open_draw_page(page, app_url)
    touch_strokes(page, canvas, strokes_in_pixels([[(0.5, 0.5), (0.505, 0.5)]]))
    page.get_by_text("That's just a dot").first.wait_for(timeout=30_000)
    assert_no_errors(page)


WHAT_COVERS_THE_SQUARE = """(canvas) => {
    const root = canvas.getRootNode();  // the component draws in its own shadow root
    const square = canvas.getBoundingClientRect();
    const toolbar = root.querySelector('.dc-toolbar').getBoundingClientRect();
    const problems = [];
    if (toolbar.top < square.bottom - 0.5) problems.push('the buttons reach into the square');
    for (const [x, y] of [[0.01, 0.01], [0.5, 0.01], [0.99, 0.01], [0.99, 0.5], [0.99, 0.99], [0.5, 0.99],
                          [0.01, 0.99], [0.01, 0.5], [0.5, 0.5], [0.85, 0.06]]) {
        const hit = root.elementFromPoint(square.left + x * square.width, square.top + y * square.height);
        if (hit !== canvas) problems.push(`${hit && hit.className} at ${x}, ${y}`);
    }
    const shown = Array.from(root.querySelectorAll('.dc-toolbar button'))
        .filter(button => button.getBoundingClientRect().width > 0).map(button => button.title);
    return {problems, shown};
}"""


def test_the_canvas_is_the_black_square_alone_with_undo_and_clear_under_it(app_url, new_page):
    """No band above the square, no toolbar over it, hovered or not: every point of the square draws."""
    page = new_page(1400, 1000)
    open_app(page, app_url)
    for label in ("New symbols", "Draw"):
        go_to(page, label)
        canvases = page.locator("canvas.upper-canvas")
        canvases.first.wait_for(timeout=120_000)
        for number in range(canvases.count()):
            canvas = canvases.nth(number)
            canvas.scroll_into_view_if_needed()  # points off screen hit nothing
            assert_whole_canvas_visible(page, canvas)
            for hovered in (False, True):
                if hovered:
                    canvas.hover()
                    page.wait_for_timeout(400)  # the component's own toolbar used to slide in on hover
                found = canvas.evaluate(WHAT_COVERS_THE_SQUARE)
                assert found["problems"] == [], f"canvas {number + 1} on {label}, hovered: {hovered}"
                assert found["shown"] == ["Undo", "Reset canvas & history"]
    assert_no_errors(page)


ROUNDS = 12  # drawings per input kind, each made the moment Clear is pressed
METRIC_SHOWS = """digit => {
    const value = document.querySelector('[data-testid="stMetricValue"]');
    return value !== null && value.innerText.trim() === digit;
}"""


def digit_read(page, expected: str) -> str:
    """The prediction on screen once it shows ``expected`` (or after 30 s without): "nothing" if there is none.

    Not "once the page is idle": on a fresh server TensorFlow's import in the background can hold up a
    run for seconds, and the page looks idle before the drawing's run has even begun.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(METRIC_SHOWS, arg=expected, timeout=30_000)
    wait_until_idle(page)
    shown = page.locator('[data-testid="stMetricValue"]')
    return shown.first.inner_text().strip() if shown.count() else "nothing"


@pytest.mark.parametrize("touch", [False, True], ids=["mouse", "touch"])
def test_a_digit_drawn_the_moment_clear_is_pressed_is_read_every_time(app_url, new_page, touch):
    """Clear empties the canvas in the browser, on the same canvas: nothing to wait for before drawing again.

    When Clear reran the script to mount a new canvas, strokes made before the new one was built were lost.
    A one and a zero take turns, so a drawing that was lost shows as the hint or as the previous digit.
    """
    page = new_page(*TABLET, touch=True) if touch else new_page(1400, 1000)
    canvas = open_draw_page(page, app_url)
    origin = square_origin(canvas)
    draw = touch_strokes_at if touch else mouse_strokes_at
    clear = clear_button(page)
    drawn, read = [], []
    for number in range(ROUNDS):
        digit, stroke = ("1", VERTICAL_ONE) if number % 2 == 0 else ("0", LOOP_ZERO)
        if number:
            clear.tap() if touch else clear.click()
        draw(page, origin, strokes_in_pixels([stroke]))  # straight away: no wait for the page or the canvas
        drawn.append(digit)
        read.append(digit_read(page, digit))
    assert read == drawn
    assert_no_errors(page)
