"""New symbols in Chromium: teach symbols by drawing them, then ask about them, about others, and about digits.

The symbols are evaluation classes of the symbol corpus (never trained on), chosen by a seeded draw.
Each taught symbol is one the pen-stroke Hershey fonts draw in at least two fonts: it is taught with
three drawings in one font and asked about in its other fonts. Untaught symbols are drawn from the
other evaluation classes that a pen-stroke font draws; digits are drawn with pen-stroke templates. All
are drawn stroke by stroke on the real canvas with the mouse.
"""

import random

import numpy as np
import pytest

from explorer_ui.canvas import CANVAS_SIZE
from explorer_ui.pictures import RIGHT_MARK
from siamese.data.glyphs import HERSHEY
from siamese.data.handwriting import TEMPLATES, glyph_style, place_strokes
from siamese.data.symbol_classes import Split, symbol_classes
from tests.browser.pen import clear_button, mouse_strokes
from tests.browser.test_app_in_chromium import assert_no_errors, go_to, open_app, wait_until_idle
from tests.browser.test_devices import screenshot_full

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TAUGHT, EXAMPLES, QUERIES_EACH, UNTAUGHT, DIGITS_EACH = 3, 3, 4, 12, 2
# The answer is a Markdown heading (h3), so its tick and colour come with it.
ANSWER = 'h3:has-text("It\'s “"), h3:has-text("It looks like"), h3:has-text("None of these")'


def _hershey_fonts(symbol_class) -> dict[str, list]:
    fonts: dict[str, list] = {}
    for source in symbol_class.sources:
        if source.kind == HERSHEY:
            fonts.setdefault(source.font, []).append(source)
    return fonts


def _chosen_symbols():
    """Seeded: three symbols to teach (with a font to teach in and others to ask in), twelve never taught."""
    drawable = [c for c in symbol_classes() if c.split == Split.EVALUATION and _hershey_fonts(c)]
    taught = random.Random(2026).sample([c for c in drawable if len(_hershey_fonts(c)) >= 2], TAUGHT)
    untaught = random.Random(2027).sample([c for c in drawable if c not in taught], UNTAUGHT)
    return taught, untaught


def _canvases(page):
    canvases = page.locator("canvas.upper-canvas")
    canvases.nth(1).wait_for(timeout=120_000)
    return canvases.nth(0), canvases.nth(1)


def _draw(page, canvas, style, generator) -> None:
    mouse_strokes(page, canvas, place_strokes(style, generator, height=0.6 * CANVAS_SIZE))


def _ask(page, style, generator) -> str:
    """Draw on the asking canvas, read the answer, clear the canvas; the answer's heading text."""
    _, ask = _canvases(page)
    _draw(page, ask, style, generator)
    try:
        page.locator(ANSWER).first.wait_for(timeout=90_000)
    except Exception:
        screenshot_full(page, "new_symbols_without_an_answer")  # what the page showed instead
        raise
    wait_until_idle(page, quiet=0.5)  # the last stroke's answer, not the first's
    answer = page.locator(ANSWER).first.inner_text().removeprefix(RIGHT_MARK).strip()
    clear_button(page, 1).click()
    # Clear empties the canvas in the browser: the next drawing may start as soon as the answer is gone.
    page.locator(ANSWER).first.wait_for(state="detached", timeout=60_000)
    return answer


def _teach(page, name: str, style_sources, generator) -> None:
    page.get_by_label("Its name").fill(name)
    page.get_by_label("Its name").press("Enter")
    wait_until_idle(page)
    for number in range(EXAMPLES):
        teach, _ = _canvases(page)
        _draw(page, teach, glyph_style(style_sources[number % len(style_sources)]), generator)
        add = page.get_by_role("button", name=f"Add as “{name}”")
        add.wait_for(timeout=30_000)
        page.wait_for_function("b => !b.disabled", arg=add.element_handle(), timeout=30_000)
        wait_until_idle(page)
        add.click()
        wait_until_idle(page)
    assert page.get_by_text(f"{name} · {EXAMPLES} drawings").count() == 1


def test_taught_symbols_are_named_untaught_ones_are_none_of_these_and_digits_stay_digits(app_url, new_page):
    page = new_page(1400, 1600)
    open_app(page, app_url)
    go_to(page, "New symbols")
    generator = np.random.default_rng(4)
    taught, untaught = _chosen_symbols()
    asks = []  # (style, right answer)
    for number, symbol_class in enumerate(taught):
        fonts = _hershey_fonts(symbol_class)
        teach_font, *ask_fonts = sorted(fonts)
        name = f"symbol {number + 1}"
        _teach(page, name, fonts[teach_font], generator)
        ask_sources = [source for font in ask_fonts for source in fonts[font]]
        asks += [(glyph_style(ask_sources[q % len(ask_sources)]), f"It's “{name}”") for q in range(QUERIES_EACH)]
    for symbol_class in untaught:
        source = next(iter(_hershey_fonts(symbol_class).values()))[0]
        asks.append((glyph_style(source), "None of these"))
    for digit, styles in TEMPLATES.items():
        asks += [(styles[q % len(styles)], f"It looks like the digit {digit}") for q in range(DIGITS_EACH)]
    answers = [(_ask(page, style, generator), truth) for style, truth in asks]
    screenshot_full(page, "new_symbols")
    kinds = {
        "taught": [(a, t) for a, t in answers if t.startswith("It's")],
        "untaught": [(a, t) for a, t in answers if t == "None of these"],
        "digits": [(a, t) for a, t in answers if t.startswith("It looks like")],
    }
    rates = {kind: np.mean([a == t for a, t in pairs]) for kind, pairs in kinds.items()}
    wrong = [(a, t) for a, t in answers if a != t]
    print({kind: f"{sum(a == t for a, t in pairs)} of {len(pairs)}" for kind, pairs in kinds.items()}, wrong)
    assert rates["taught"] >= 0.90, (rates, wrong)
    assert rates["untaught"] >= 0.80, (rates, wrong)
    assert rates["digits"] >= 0.95, (rates, wrong)
    assert_no_errors(page)
