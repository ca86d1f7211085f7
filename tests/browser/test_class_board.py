"""A teacher and two students, each in a browser of their own: a class on one board."""

import re

import numpy as np
import pytest

from explorer_ui.canvas import CANVAS_SIZE
from siamese.class_store import ClassStore, sqlite_url
from siamese.mnist import load_embedded_mnist
from tests.browser.pen import clear_button, mouse_strokes, touch_strokes
from tests.browser.test_app_in_chromium import assert_no_errors, go_to, open_app, predicted_digit, wait_until_idle
from tests.browser.test_devices import screenshot_full
from tests.support.handwriting import TEMPLATES, place_strokes

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _metric(page, label: str) -> str:
    return (
        page.locator('[data-testid="stMetric"]', has_text=label)
        .locator('[data-testid="stMetricValue"]')
        .first.inner_text()
    )


def _join(page, app_url: str, code: str) -> None:
    open_app(page, app_url)
    go_to(page, "Class")
    page.get_by_label("Class code").first.fill(code.lower())
    page.get_by_role("button", name="Join").click()
    page.get_by_text(re.compile(r"You are in class [A-Z0-9]{3}-[A-Z0-9]{3}")).wait_for(timeout=30_000)
    go_to(page, "Draw")


def _send(page, digit: int, strokes, *, touch: bool = False, nickname: str | None = None) -> None:
    clear_button(page).click()
    wait_until_idle(page)
    canvas = page.locator("canvas.upper-canvas").first
    (touch_strokes if touch else mouse_strokes)(page, canvas, strokes)
    predicted_digit(page)
    if nickname is not None:
        page.locator('[data-testid="stCheckbox"]', has_text="Show a nickname").locator("label").first.click()
        wait_until_idle(page)
        page.get_by_label("Nickname", exact=True).fill(nickname)
        page.get_by_label("Nickname", exact=True).press("Enter")
        wait_until_idle(page)
    page.get_by_role("button", name=str(digit), exact=True).click()
    wait_until_idle(page)


def test_a_teacher_and_two_students_share_one_board(app_server, new_page):
    teacher, first, second = new_page(1920, 1080), new_page(1400, 1500), new_page(820, 1180, touch=True)
    open_app(teacher, app_server.url)
    go_to(teacher, "Class")
    teacher.get_by_role("button", name="Start a class").click()
    heading = teacher.get_by_role("heading", name=re.compile(r"^Class [A-Z0-9]{3}-[A-Z0-9]{3}$"))
    heading.wait_for(timeout=60_000)
    code = heading.inner_text().split()[-1]
    assert teacher.get_by_text("shown only this once").count() == 1

    _join(first, app_server.url, code)
    generator = np.random.default_rng(8)
    _send(first, 1, place_strokes(TEMPLATES[1][0], generator, height=0.7 * CANVAS_SIZE))
    assert first.get_by_text("Sent to the board as a 1.").count() == 1

    _join(second, app_server.url, code)
    strokes = place_strokes(TEMPLATES[7][1], generator, height=0.7 * CANVAS_SIZE)
    _send(second, 7, strokes, touch=True, nickname="<b>Bo</b>")
    assert second.get_by_text("Sent to the board as a 7.").count() == 1
    _send(second, 7, place_strokes(TEMPLATES[7][0], generator, height=0.7 * CANVAS_SIZE), touch=True)
    assert second.get_by_text("one drawing a second").count() + second.get_by_text("Sent to the board").count() == 1

    # The board refreshes itself: no click on the teacher's page.
    teacher.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=\"stMetric\"]'))"
        ".some(m => m.innerText.includes('Students') && m.innerText.includes('2'))",
        timeout=30_000,
    )
    assert int(_metric(teacher, "Drawings")) >= 2
    assert teacher.locator("b", has_text="Bo").count() == 0  # a nickname is text, never HTML

    teacher.get_by_role("button", name="Close the class").click()
    wait_until_idle(teacher)
    _send(first, 1, place_strokes(TEMPLATES[1][0], generator, height=0.7 * CANVAS_SIZE))
    assert first.get_by_text("Not sent: your teacher has closed this class.").count() == 1
    for page in (teacher, first, second):
        assert_no_errors(page)


def test_the_board_with_a_few_dozen_drawings_fits_a_projector_and_a_laptop(app_server, new_page):
    store = ClassStore(sqlite_url(app_server.cache / "classes.sqlite"))
    code, key = store.start_class()
    data = load_embedded_mnist()
    for number in range(48):
        image = np.rint(data.x_test[number] * 255).astype(np.uint8)
        student, digit = f"student {number % 12}", int(data.y_test[number])
        store.add_drawing(code, student=student, digit=digit, image=image, now=1_000.0 + number)
    for width, height, name in ((1920, 1080, "class_board_projector"), (1366, 768, "class_board_laptop")):
        page = new_page(width, height)
        open_app(page, app_server.url)
        go_to(page, "Class")
        page.get_by_text("Open a board on another device").click()
        page.get_by_label("Class code").last.fill(code)
        page.get_by_label("Teacher key").fill(key)
        page.get_by_role("button", name="Open the board").click()
        page.get_by_role("heading", name=f"Class {code[:3]}-{code[3:]}").wait_for(timeout=60_000)
        wait_until_idle(page)
        assert _metric(page, "Drawings") == "48" and _metric(page, "Students") == "12"
        screenshot_full(page, name)
        assert_no_errors(page)
