"""Two models side by side on the Evaluate page, on a laptop and on a portrait tablet with touch input.

A session trains a short run, then picks it and the digits-only shipped model; the disagreement grid's
frames must be in the colour of the model its caption marks right, and the two maps must sit side by
side on a laptop and one above the other on a tablet. Screens are saved under ``artifacts/screenshots/``.
"""

import io
import re

import numpy as np
import pytest
from PIL import Image

from explorer_ui.comparison_charts import MODEL_COLOURS
from explorer_ui.pictures import hex_to_rgb
from tests.browser.test_app_in_chromium import assert_no_errors, go_to, open_app, set_number, wait_until_idle
from tests.browser.test_devices import CUT_TEXT, TABLET, screenshot_full

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = (1400, 1000)
CAPTION = re.compile(r"^\d & \d · A: (?:same|different) ([✓✗]) · B: (?:same|different) ([✓✗])$")
FRAMES = {letter: hex_to_rgb(colour) * 255 for letter, colour in MODEL_COLOURS.items()}


def train_a_short_run(page, touch: bool) -> None:
    go_to(page, "Train")
    expander = page.get_by_text("All hyperparameters")
    expander.tap() if touch else expander.click()
    set_number(page, "Epochs", 3)
    button = page.get_by_role("button", name="Train", exact=True)
    button.tap() if touch else button.click()
    page.get_by_text(re.compile(r"Trained 3 epochs")).first.wait_for(timeout=180_000)
    wait_until_idle(page)


def pick(page, label: str, option: str, touch: bool) -> None:
    """Open the picker ``label`` and choose ``option``, by tap or click as the device does."""
    box = page.get_by_role("combobox", name=label)
    box.scroll_into_view_if_needed()
    box.tap() if touch else box.click()
    choice = page.get_by_role("option", name=option, exact=True)
    choice.tap() if touch else choice.click()
    page.wait_for_timeout(500)
    wait_until_idle(page, timeout=300)


def picked(page, label: str) -> str:
    return page.get_by_role("combobox", name=label).input_value()


def frame_letter(image) -> str | None:
    """Which model's colour frames a pair picture: "A", "B", or None."""
    pixels = np.asarray(Image.open(io.BytesIO(image.screenshot())).convert("RGB"), dtype=float)
    height, width = pixels.shape[:2]
    band = np.concatenate([pixels[2, width // 5 : -width // 5], pixels[height // 4 : -height // 4, 2]])
    for letter, colour in FRAMES.items():
        if np.mean(np.linalg.norm(band - colour, axis=1) < 40) > 0.8:
            return letter
    return None


def disagreement_frames(page) -> list[tuple[str, str | None]]:
    """``(the letter the caption marks ✓, the letter of the frame's colour)`` for every disagreement shown."""
    found = []
    for picture in page.locator('[data-testid="stImage"]').all():
        caption = picture.locator('[data-testid="stImageCaption"]')
        match = CAPTION.match(caption.inner_text().strip()) if caption.count() else None
        if match is None:
            continue
        marked_right = "A" if match.group(1) == "✓" else "B"
        assert match.group(2) == ("✗" if marked_right == "A" else "✓"), "exactly one model is right"
        image = picture.locator("img")
        image.scroll_into_view_if_needed()
        found.append((marked_right, frame_letter(image)))
    return found


@pytest.mark.parametrize("size", [LAPTOP, TABLET], ids=["laptop", "tablet"])
def test_two_models_side_by_side(app_url, new_page, size):
    touch = size == TABLET
    page = new_page(*size, touch=touch)
    open_app(page, app_url)
    train_a_short_run(page, touch)
    go_to(page, "Evaluate")
    page.get_by_role("heading", name="Compare two models").scroll_into_view_if_needed()
    wait_until_idle(page, timeout=300)
    assert re.search(r"Run 1 .*\(this session\)", picked(page, "Model A")), "the page's model is A"
    pick(page, "Model B", "The digits-only model (shipped)", touch)
    assert picked(page, "Model B") == "The digits-only model (shipped)"

    table = page.locator('[data-testid="stDataFrame"]').last
    assert table.is_visible()
    frames = disagreement_frames(page)
    assert frames, "no disagreement is shown: a three-epoch run and a shipped CNN always differ somewhere"
    assert all(marked == framed for marked, framed in frames), frames
    assert "B" in {marked for marked, _ in frames}  # the shipped CNN is right somewhere the short run is not

    page.get_by_role("heading", name="Where each model puts the same digits").scroll_into_view_if_needed()
    wait_until_idle(page)
    maps = [page.locator(f".st-key-map_{letter}") for letter in ("A", "B")]
    boxes = [map_.bounding_box() for map_ in maps]
    assert all(box and box["width"] > 300 for box in boxes), boxes
    assert all(box["x"] + box["width"] <= size[0] + 1 for box in boxes), "a map runs off the screen"
    if touch:  # one above the other
        assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1
    else:  # side by side
        assert abs(boxes[0]["y"] - boxes[1]["y"]) < 5 and boxes[1]["x"] >= boxes[0]["x"] + boxes[0]["width"] - 1
    assert page.evaluate(CUT_TEXT) == []
    device = "tablet" if touch else "laptop"
    screenshot_full(page, f"evaluate_compare_{device}")
    assert_no_errors(page)
