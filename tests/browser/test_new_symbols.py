"""Teaching the app two symbols by drawing them, then drawing one again and getting its name back."""

import numpy as np
import pytest

from explorer_ui.canvas import CANVAS_SIZE
from tests.browser.pen import mouse_strokes
from tests.browser.test_app_in_chromium import assert_no_errors, go_to, open_app, wait_until_idle
from tests.browser.test_devices import screenshot_full
from tests.support.handwriting import SYMBOL_TEMPLATES, place_strokes

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _canvases(page):
    canvases = page.locator("canvas.upper-canvas")
    canvases.nth(1).wait_for(timeout=120_000)
    return canvases.nth(0), canvases.nth(1)


def test_two_symbols_taught_by_drawing_are_told_apart(app_url, new_page):
    page = new_page(1400, 1600)
    open_app(page, app_url)
    go_to(page, "New symbols")
    generator = np.random.default_rng(4)
    for name in ("cross", "triangle"):
        page.get_by_label("Its name").fill(name)
        page.get_by_label("Its name").press("Enter")
        wait_until_idle(page)
        for _ in range(3):
            teach, _ = _canvases(page)
            mouse_strokes(page, teach, place_strokes(SYMBOL_TEMPLATES[name], generator, height=0.7 * CANVAS_SIZE))
            add = page.get_by_role("button", name=f"Add as “{name}”")
            add.wait_for(timeout=30_000)
            page.wait_for_function("b => !b.disabled", arg=add.element_handle(), timeout=30_000)
            wait_until_idle(page)
            add.click()
            wait_until_idle(page)
    assert page.get_by_text("cross · 3 drawings").count() == 1
    assert page.get_by_text("triangle · 3 drawings").count() == 1
    _, ask = _canvases(page)
    mouse_strokes(page, ask, place_strokes(SYMBOL_TEMPLATES["cross"], generator, height=0.7 * CANVAS_SIZE))
    page.get_by_text("It's “cross”").wait_for(timeout=60_000)
    wait_until_idle(page)
    screenshot_full(page, "new_symbols")
    assert_no_errors(page)
