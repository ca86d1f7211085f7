"""The Draw page (``pages/5_Draw.py``): it renders, and its "drawing → neighbours" path works.

AppTest cannot draw on the canvas (the custom component returns its default, no image),
so the page tests cover the blank canvas; the drawing path is checked one level down,
with real test digits drawn as a canvas would send them (white strokes, alpha = ink).
"""

import numpy as np
import pytest

from siamese.conventions import predict_same
from siamese.distances import paired_distances
from siamese.drawing import preprocess_drawing
from siamese.query import NeighbourIndex
from tests.conftest import REPOSITORY

PAGE = str(REPOSITORY / "pages" / "5_Draw.py")
BLANK_HINT = "Draw a digit"
CANVAS_SCALE = 10  # the page's canvas is 280x280: ten canvas pixels per MNIST pixel

pytestmark = pytest.mark.slow


def _page(trained_entry):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["model"] = trained_entry
    return at


def _as_canvas_drawing(digit: np.ndarray) -> np.ndarray:
    """A (28, 28) digit as the canvas sends it: (280, 280, 4) uint8, white strokes, alpha = ink."""
    ink = np.kron(digit, np.ones((CANVAS_SCALE, CANVAS_SCALE), dtype=np.float32))
    rgba = np.zeros((*ink.shape, 4), dtype=np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = np.rint(ink * 255).astype(np.uint8)
    return rgba


@pytest.fixture(scope="module")
def index(trained_entry, embedded_data):
    """What ``explorer_ui.reference_index`` builds for the page."""
    return NeighbourIndex.build(
        trained_entry.embedding_network,
        embedded_data.x_train,
        embedded_data.y_train,
        metric=trained_entry.config.metric,
    )


def test_blank_canvas_shows_the_hint_and_the_map(trained_entry):
    at = _page(trained_entry).run()

    assert not at.exception, [item.value for item in at.exception]
    assert not at.error
    assert any(BLANK_HINT in info.value for info in at.info), [info.value for info in at.info]
    assert at.radio(key="draw_mode").options == ["Find neighbours", "Compare two digits"]
    assert at.slider(key="draw_k").value == 5
    assert (at.slider(key="draw_k").min, at.slider(key="draw_k").max) == (1, 10)
    assert len(at.get("plotly_chart")) == 1  # the map of training digits, waiting for a star
    assert not at.metric  # no prediction without a drawing


def test_compare_mode_renders_with_a_hint_per_canvas(trained_entry):
    at = _page(trained_entry).run()
    at.radio(key="draw_mode").set_value("Compare two digits").run()

    assert not at.exception, [item.value for item in at.exception]
    assert not at.error
    assert sum(BLANK_HINT in info.value for info in at.info) == 2
    assert not at.metric  # no distance until both canvases hold a digit


def test_clear_button_keeps_the_page_working(trained_entry):
    at = _page(trained_entry).run()
    at.button(key="draw_canvas_clear").click().run()

    assert not at.exception, [item.value for item in at.exception]
    assert at.session_state["draw_canvas_round"] == 1
    assert any(BLANK_HINT in info.value for info in at.info)


@pytest.mark.parametrize("background", ["transparent", "opaque black"])
def test_an_untouched_canvas_reads_as_empty(background):
    """The page shows its hint for "empty"; a black canvas may come back transparent or opaque."""
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    if background == "opaque black":
        canvas[..., 3] = 255
    assert preprocess_drawing(canvas, background="dark").status == "empty"


def test_a_drawn_test_digit_is_recognised(index, embedded_data):
    """The page's contract: canvas image → preprocess_drawing → NeighbourIndex.query → its label."""
    digits, labels = embedded_data.x_test[:30], embedded_data.y_test[:30]
    predicted = []
    for digit in digits:
        steps = preprocess_drawing(_as_canvas_drawing(digit), background="dark")
        assert steps.ok, steps.message
        assert steps.centred.shape == (28, 28)
        result = index.query(steps.centred, k=5)
        assert len(result.labels) == 5
        assert np.all(np.diff(result.distances) >= 0)
        assert result.vote_share == pytest.approx(np.mean(result.labels == result.predicted))
        predicted.append(result.predicted)
    accuracy = np.mean(np.array(predicted) == labels)
    assert accuracy >= 0.8, f"only {accuracy:.0%} of drawn test digits recognised: {predicted} vs {list(labels)}"


def test_compare_same_digits_are_closer_than_different_ones(index, embedded_data, trained_entry):
    """Compare mode's contract: embed_query both drawings, paired_distances, predict_same."""
    digits, labels = embedded_data.x_test[:60], embedded_data.y_test[:60]
    embeddings = np.stack(
        [index.embed_query(preprocess_drawing(_as_canvas_drawing(d), background="dark").centred) for d in digits]
    )
    first, second = np.triu_indices(len(digits), k=1)
    distances = paired_distances(embeddings[first], embeddings[second], metric=trained_entry.config.metric)
    same_label = labels[first] == labels[second]
    assert distances[same_label].mean() < distances[~same_label].mean()
    calls = predict_same(distances, trained_entry.threshold)
    assert np.mean(calls == same_label) >= 0.8
    # The same drawing twice is the same digit, whatever the threshold.
    assert predict_same(paired_distances(embeddings[:1], embeddings[:1], metric=trained_entry.config.metric), 0.0)[0]
