"""End-to-end: the real app in headless Chromium, driven as a student would drive it.

One server (offline data, fresh model cache) serves every test; each test opens
its own browser context, which Streamlit treats as a separate session. Screens
are saved under ``artifacts/screenshots/`` (git-ignored) for a person to look at.
"""

import io
import re
import time

import numpy as np
import pytest
from PIL import Image

from explorer_ui.app_server import process_cpu_seconds
from explorer_ui.pictures import DIFFERENT_COLOUR, RIGHT_MARK, SAME_COLOUR, WRONG_MARK, hex_to_rgb
from tests.browser.conftest import SCREENSHOTS
from tests.browser.pen import clear_button, mouse_strokes, strokes_in_pixels

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ["Data & pairs", "Train", "Evaluate", "Embeddings", "Draw", "New symbols", "Class"]
RIGHT_RGB, WRONG_RGB = hex_to_rgb(SAME_COLOUR) * 255, hex_to_rgb(DIFFERENT_COLOUR) * 255


def wait_until_idle(page, timeout: float = 180.0, quiet: float = 1.0) -> None:
    """Wait until the script has finished: the app reports a non-running script state for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    calm_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stApp"][data-test-script-state="running"]').count() > 0
        if running:
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= quiet:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the page was still running after {timeout:.0f} s")


def open_app(page, app_url: str) -> None:
    page.goto(app_url)
    page.get_by_role("heading", name="Siamese Explorer").wait_for(timeout=60_000)
    wait_until_idle(page)


def go_to(page, label: str) -> None:
    """Click the page's link in the navigation bar, as a user would (no URL typing), and wait for its title."""
    previous_title = page.locator("h1").first.inner_text()
    page.locator(".st-key-navigation").get_by_role("link", name=label, exact=True).click()
    page.wait_for_function(
        "previous => { const title = document.querySelector('h1'); return title && title.innerText !== previous; }",
        arg=previous_title,
        timeout=240_000,
    )
    wait_until_idle(page)


def model_status(page) -> str:
    """The status line under the navigation bar: "Data: … · Model: …"."""
    return page.locator('[data-testid="stCaptionContainer"]', has_text="Model:").first.inner_text()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def assert_no_errors(page) -> None:
    """No exception on screen, no console error, no failed request, and every picture on the page shown.

    One kind of failed request is harmless: strokes in quick succession start runs that replace each
    other, and Streamlit drops a replaced run's pictures, so the browser may still ask for one (404)
    just before the newer run's pictures arrive. Those are allowed when every picture now on the page
    has loaded; anything else fails.
    """
    assert page.locator('[data-testid="stException"]').count() == 0, "an exception box is on screen"
    replaced_pictures = re.compile(
        r"^HTTP 404 .*/media/|^Failed to load resource: .*404|^Client Error: Image source error - .*/media/"
    )
    errors = [error for error in page.console_errors if not replaced_pictures.search(error)]
    assert errors == [], f"browser console errors: {errors}"
    broken = page.evaluate(
        "() => Array.from(document.querySelectorAll('img')).filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.src)"
    )
    assert broken == [], f"pictures that did not load: {broken}"


def loss_points(page) -> int:
    """Points in the per-batch loss trace, read from the plotly figures on the page."""
    return page.evaluate(
        """() => Math.max(0, ...Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(plot =>
               (plot._fullData || []).filter(trace => (trace.name || '').startsWith('training loss (running'))
                                     .map(trace => trace._length)))"""
    )


def progress_value(page) -> float:
    bars = page.locator('[data-testid="stProgress"] [role="progressbar"]')
    return float(bars.last.get_attribute("aria-valuenow") or 0)


def set_number(page, label: str, value) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    page.wait_for_timeout(300)
    wait_until_idle(page)


def test_every_page_opens_without_an_exception_or_console_error(app_url, new_page):
    page = new_page()
    open_app(page, app_url)
    screenshot(page, "home")
    for label in PAGES:
        go_to(page, label)
        assert page.locator("h1").count() >= 1
        screenshot(page, re.sub(r"\W+", "_", label.lower()).strip("_"))
        assert_no_errors(page)


def test_training_draws_a_live_chart_completes_the_bar_and_stop_keeps_the_partial_model(app_url, new_page):
    page = new_page()
    open_app(page, app_url)
    go_to(page, "Train")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"Epoch [3-9]/15")).first.wait_for(timeout=120_000)
    # The progress text is sent just before the chart, so give Plotly a moment to draw the chart too.
    deadline = time.monotonic() + 10
    while loss_points(page) == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    during = loss_points(page)
    page.get_by_text(re.compile(r"Trained 15 epochs")).first.wait_for(timeout=180_000)
    wait_until_idle(page)
    after = loss_points(page)
    assert during > 0 and after > during
    assert progress_value(page) == 100
    screenshot(page, "train_finished")

    page.get_by_text("All hyperparameters").click()
    set_number(page, "Epochs", 400)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"Epoch ([2-9]|\d\d+)/400")).first.wait_for(timeout=120_000)
    clicked = time.monotonic()
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text(re.compile("Stopped on request")).first.wait_for(timeout=30_000)
    assert time.monotonic() - clicked < 5.0
    wait_until_idle(page)
    assert page.get_by_text(re.compile("partly trained model is kept")).count() >= 1
    assert "Model: run 2" in model_status(page)  # the stopped run is the session's model now
    screenshot(page, "train_stopped")
    assert_no_errors(page)


def frame_colours(page) -> tuple[int, int]:
    """How many pair pictures in the grid have a solid blue frame and how many a dashed orange one.

    Each must also say so in its caption, with ✓ or ✗.
    """
    solid = dashed = 0
    right, wrong = grid_counts(page)
    page.wait_for_function(
        "count => { const images = Array.from(document.querySelectorAll('[data-testid=\"stImage\"] img'));"
        " return images.length >= count && images.every(image => image.complete && image.naturalWidth > 0); }",
        arg=right + wrong,
    )
    pictures = page.locator('[data-testid="stImage"]').all()[: right + wrong]  # the grid comes first
    for picture in pictures:
        pixels = np.asarray(Image.open(io.BytesIO(picture.locator("img").screenshot())).convert("RGB"), dtype=float)
        height, width = pixels.shape[:2]
        # A band just inside the edge, away from the rounded corners.
        band = np.concatenate([pixels[2, width // 5 : -width // 5], pixels[height // 4 : -height // 4, 2]])
        share = {
            name: np.mean(np.linalg.norm(band - rgb, axis=1) < 40)
            for name, rgb in (("right", RIGHT_RGB), ("wrong", WRONG_RGB), ("white", np.full(3, 255.0)))
        }
        caption = picture.locator('[data-testid="stImageCaption"]').inner_text()
        if share["right"] > 0.8 and caption.startswith(RIGHT_MARK):
            solid += 1
        elif share["wrong"] > 0.4 and share["white"] > 0.15 and caption.startswith(WRONG_MARK):
            dashed += 1
    return solid, dashed


def grid_counts(page) -> tuple[int, int]:
    text = page.get_by_text(re.compile(r"In this grid: \d+ right, \d+ wrong")).first.inner_text()
    right, wrong = re.search(r"(\d+) right, (\d+) wrong", text).groups()
    return int(right), int(wrong)


def test_evaluate_grid_shows_right_and_wrong_pairs_and_the_threshold_recolours_them(app_url, new_page):
    page = new_page(height=2400)
    open_app(page, app_url)
    go_to(page, "Evaluate")
    solid, dashed = frame_colours(page)
    right, wrong = grid_counts(page)
    assert solid > 0 and dashed > 0, f"frames: {solid} solid ✓, {dashed} dashed ✗; text: {right} right, {wrong} wrong"
    assert (solid, dashed) == (right, wrong)
    screenshot(page, "evaluate_grid")
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("Home")  # threshold 0: every pair is called "different"
    page.wait_for_timeout(500)
    wait_until_idle(page)
    assert grid_counts(page) != (right, wrong)
    assert frame_colours(page) == grid_counts(page)
    assert_no_errors(page)


def draw_stroke(page, canvas, points) -> None:
    """Draw one stroke with the mouse through ``points`` given as fractions (x, y) of the drawing square."""
    mouse_strokes(page, canvas, strokes_in_pixels([points]))


VERTICAL_ONE = [(0.5, 0.15), (0.505, 0.5), (0.51, 0.85)]
LOOP_ZERO = [(0.5 + 0.22 * np.sin(t), 0.5 - 0.33 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 42)]


def predicted_digit(page) -> str:
    value = page.locator('[data-testid="stMetricValue"]').first
    value.wait_for(timeout=60_000)
    wait_until_idle(page)
    return value.inner_text().strip()


def open_draw_page(page, app_url: str):
    open_app(page, app_url)
    go_to(page, "Draw")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(state="visible", timeout=240_000)
    wait_until_idle(page)
    return canvas


def clear_canvas(page) -> None:
    clear_button(page).click()
    page.locator('[data-testid="stMetricValue"]').first.wait_for(state="detached", timeout=30_000)
    wait_until_idle(page)


def test_drawing_a_one_and_a_zero_finds_them_and_clearing_brings_back_the_hint(app_url, new_page):
    page = new_page(height=1900)
    canvas = open_draw_page(page, app_url)
    assert page.get_by_text(re.compile("Draw a digit from 0 to 9")).count() >= 1
    draw_stroke(page, canvas, VERTICAL_ONE)
    assert predicted_digit(page) == "1"
    assert page.locator('[data-testid="stImage"]').count() >= 4 + 5  # the four steps and five neighbours
    screenshot(page, "draw_one")
    clear_canvas(page)
    assert page.get_by_text(re.compile("Draw a digit from 0 to 9")).count() >= 1
    draw_stroke(page, canvas, LOOP_ZERO)
    assert predicted_digit(page) == "0"
    screenshot(page, "draw_zero")
    clear_canvas(page)
    assert page.get_by_text(re.compile("Draw a digit from 0 to 9")).count() >= 1
    assert_no_errors(page)


def test_one_session_trains_while_another_draws_and_neither_sees_the_other_model(app_url, new_page):
    trainer, drawer = new_page(), new_page(height=1900)
    open_app(trainer, app_url)
    go_to(trainer, "Train")
    canvas = open_draw_page(drawer, app_url)
    trainer.get_by_role("button", name="Train", exact=True).click()
    trainer.get_by_text(re.compile(r"Epoch \d+/15")).first.wait_for(timeout=60_000)
    draw_stroke(drawer, canvas, VERTICAL_ONE)  # while the other session trains
    assert predicted_digit(drawer) == "1"
    trainer.get_by_text(re.compile(r"Trained 15 epochs")).first.wait_for(timeout=240_000)
    wait_until_idle(trainer)
    assert "Model: run 1" in model_status(trainer)
    go_to(drawer, "Data & pairs")  # a fresh run of the drawer's session, which must still use the shared model
    assert "Model: the shipped model" in model_status(drawer)
    assert_no_errors(trainer)
    assert_no_errors(drawer)


def start_long_training(page, app_url: str) -> None:
    open_app(page, app_url)
    go_to(page, "Train")
    page.get_by_text("All hyperparameters").click()
    set_number(page, "Epochs", 400)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"Epoch \d+/400")).first.wait_for(timeout=120_000)


def test_switching_page_mid_training_keeps_the_partial_run(app_url, new_page):
    page = new_page()
    start_long_training(page, app_url)
    go_to(page, "Data & pairs")
    assert "Model: run 1" in model_status(page)  # the partial model is in use
    go_to(page, "Train")
    assert page.get_by_text(re.compile("Stopped on request")).count() >= 1
    assert page.get_by_text(re.compile("partly trained model is kept")).count() >= 1
    assert_no_errors(page)


def test_closing_the_tab_mid_training_stops_the_training(app_server, new_page):
    app_url, pid = app_server.url, app_server.pid
    page = new_page()
    start_long_training(page, app_url)
    before = process_cpu_seconds(pid)
    time.sleep(3)
    assert process_cpu_seconds(pid) - before > 1.0  # training keeps a core busy
    page.context.close()
    time.sleep(4)  # the server notices the closed connection and the trainer stops after its batch
    before = process_cpu_seconds(pid)
    time.sleep(3)
    assert process_cpu_seconds(pid) - before < 0.6
