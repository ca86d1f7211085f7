"""The "Data & pairs" page: renders on the embedded data, shows both kinds of pair, and stays TensorFlow-free."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPOSITORY, app_page

PAGE = "pages/1_Data_and_pairs.py"
POSITIVE = "positive · same digit"
NEGATIVE = "negative · different digits"


@pytest.fixture
def page():
    app = app_page(PAGE)
    app.run()
    assert not app.exception
    return app


def pair_captions(app) -> list[str]:
    """The "training pictures #a and #b" captions, one per pair shown."""
    return [caption.value for caption in app.caption if caption.value.startswith("training pictures #")]


def test_page_shows_both_kinds_of_pair_with_the_label_convention(page):
    text = " ".join(markdown.value for markdown in page.markdown)
    assert text.count(POSITIVE) == 6
    assert text.count(NEGATIVE) == 6
    assert "SAME = 1" in text and "DIFFERENT = 0" in text
    assert len(pair_captions(page)) == 12
    pictures = [caption for image in page.get("image") for caption in image.captions]
    assert len(pictures) == 1 + 12 + 8  # the digit grid, one picture per pair, eight symbol classes


def test_new_pairs_button_changes_the_pairs_shown(page):
    before = pair_captions(page)
    page.button[0].click().run()
    assert not page.exception
    assert page.number_input[0].value == 1
    after = pair_captions(page)
    assert len(after) == 12
    assert after != before
    text = " ".join(markdown.value for markdown in page.markdown)
    assert POSITIVE in text and NEGATIVE in text


def test_the_same_seed_gives_the_same_pairs(page):
    before = pair_captions(page)
    page.number_input[0].set_value(5).run()
    page.number_input[0].set_value(0).run()
    assert pair_captions(page) == before


def test_picking_a_digit_shows_only_that_digit(page):
    page.radio(key="browse_digit").set_value(7).run()
    assert not page.exception
    grid_captions = [caption for image in page.get("image") for caption in image.captions if caption]
    assert any("pictures of the digit 7" in caption for caption in grid_captions)


def test_the_symbol_corpus_shows_its_split_and_greek_is_never_trained_on(page):
    table = page.dataframe[0].value
    greek = table[table["family"] == "greek"].iloc[0]
    assert greek["background"] == 0 and greek["evaluation"] >= 20
    assert table["background"].sum() > 1000 and table["evaluation"].sum() > 0.2 * table.drop(greek.name)[
        ["background", "calibration", "evaluation"]
    ].sum(axis=None)
    captions = [caption for image in page.get("image") for caption in image.captions if "never trained on" in caption]
    assert len(captions) == 8 and any(caption.startswith("Σ · never trained on") for caption in captions)
    page.selectbox(key="symbol_family").set_value("latin").run()
    assert not page.exception
    latin = [caption for image in page.get("image") for caption in image.captions if "drawings from" in caption]
    assert any("trained on" in caption and "never" not in caption for caption in latin)


def test_page_does_not_import_tensorflow():
    """The page must open fast: rendering it in a fresh interpreter must not load TensorFlow or Keras."""
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"app = AppTest.from_file({str(REPOSITORY / 'app.py')!r}, default_timeout=120)\n"
        f"app.switch_page({PAGE!r}).run()\n"
        "assert app.title[0].value == 'Data & pairs', app.title\n"
        "assert not app.exception, app.exception\n"
        "heavy = sorted(name for name in ('tensorflow', 'keras') if name in sys.modules)\n"
        "assert not heavy, f'the page imported {heavy}'\n"
    )
    environment = {**os.environ, "SIAMESE_MNIST": "embedded"}
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
