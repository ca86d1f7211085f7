"""Every classroom device: a portrait tablet and a phone with touch input, and strokes begun anywhere.

Each test opens its own browser context (a session of its own) on the shared offline server.
"""

import re

import numpy as np
import pytest

from explorer_ui.canvas import CANVAS_SIZE
from tests.browser.conftest import SCREENSHOTS
from tests.browser.pen import mouse_strokes, strokes_in_pixels, touch_strokes
from tests.browser.test_app_in_chromium import (
    PAGES,
    assert_no_errors,
    go_to,
    open_app,
    open_draw_page,
    predicted_digit,
    wait_until_idle,
)
from tests.support.handwriting import TEMPLATES, place_strokes

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
    """The canvas's toolbar once sat over the top-right corner and took strokes begun there."""
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
        page.get_by_role("button", name="Clear").first.click()
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


HOVERED_TOOLBAR_OVERLAPS = """(canvas) => {
    const root = canvas.getRootNode();  // the component draws its toolbar in its own shadow root
    const toolbar = root.querySelector('.dc-toolbar').getBoundingClientRect();
    const square = canvas.getBoundingClientRect();
    return Array.from(document.querySelectorAll('[data-testid="stElementContainer"]'))
        .filter(element => element.innerText.trim() !== '' || element.querySelector('input, button, img, svg'))
        .map(element => [element, element.getBoundingClientRect()])
        .filter(([element, box]) => box.bottom <= square.top + 1 && box.bottom > toolbar.top + 1
            && box.right > toolbar.left && box.left < toolbar.right)
        .map(([element, box]) => element.innerText.trim().slice(0, 40) || element.className);
}"""


def test_the_hovered_toolbar_covers_nothing_above_the_canvas(app_url, new_page):
    """Hovered, the canvas's toolbar rises above the canvas; it once covered headings and the name field there."""
    page = new_page(1400, 1000)
    open_app(page, app_url)
    for label in ("New symbols", "Draw"):
        go_to(page, label)
        canvases = page.locator("canvas.upper-canvas")
        canvases.first.wait_for(timeout=120_000)
        for number in range(canvases.count()):
            canvas = canvases.nth(number)
            canvas.scroll_into_view_if_needed()
            canvas.hover()
            page.wait_for_timeout(400)  # the toolbar slides up
            assert canvas.evaluate(HOVERED_TOOLBAR_OVERLAPS) == [], f"canvas {number + 1} on {label}"
    assert_no_errors(page)
