"""The Draw page (``pages/5_Draw.py``): it renders, and "drawing → neighbours / verdict" works.

AppTest cannot draw on the real canvas (the custom component returns its default, no
image), so the blank canvas is tested as it comes. For the drawing path a stand-in
``streamlit_drawable_canvas`` module (put in ``sys.modules`` for one test) hands the page a
real test digit drawn as a canvas would send it: white strokes, alpha = ink, 10x size.
The same path is also checked one level down, as the page's contract with ``siamese``.
"""

import json
import sys
import types

import numpy as np
import pytest

import siamese.evaluation.projection
from explorer_ui.app_sessions import canvas_rgba
from explorer_ui.canvas import read_square
from siamese.conventions import predict_same
from siamese.data.drawing import MESSAGES, preprocess_drawing
from siamese.distances import paired_distances
from siamese.search.neighbour_index import NeighbourIndex
from tests.conftest import app_page

PAGE = "pages/5_Draw.py"
BLANK_HINT = "Draw a digit"
CANVAS_SIZE = 280

pytestmark = pytest.mark.slow


def _page(trained_model):
    at = app_page(PAGE)
    at.session_state["model"] = trained_model
    return at


def _as_canvas_drawing(digit: np.ndarray) -> np.ndarray:
    """A (28, 28) digit as the canvas sends it: (280, 280, 4), white ink on opaque black."""
    return canvas_rgba(digit)


def _map_traces(at) -> list[str]:
    return [trace.get("name") for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]


def _image_captions(at) -> list[str]:
    return [image.proto.imgs[0].caption for image in at.get("image")]


@pytest.fixture(scope="module")
def index(trained_model, embedded_data):
    """What ``explorer_ui.reference_index`` builds for the page."""
    return NeighbourIndex.build(
        trained_model.embedding_network,
        embedded_data.x_train,
        embedded_data.y_train,
        metric=trained_model.config.metric,
    )


@pytest.fixture
def canvas(monkeypatch):
    """A stand-in canvas component: ``canvas["draw_canvas"] = rgba`` is what that canvas returns."""
    drawings: dict[str, np.ndarray] = {}
    fake = types.ModuleType("streamlit_drawable_canvas")
    fake.st_canvas = lambda *, key, **_: types.SimpleNamespace(image_data=drawings.get(key.rsplit("-", 1)[0]))
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake)
    return drawings


@pytest.fixture(scope="module")
def recognised(index, embedded_data):
    """Two test digits of different labels that the model reads right after canvas preprocessing."""
    found = {}
    for digit, label in zip(embedded_data.x_test, embedded_data.y_test, strict=True):
        steps = read_square(_as_canvas_drawing(digit))
        if label not in found and index.query(steps.centred, k=5).predicted == label:
            found[int(label)] = digit
        if len(found) == 2:
            return list(found.items())
    pytest.fail("the test model recognises fewer than two test digits")


# ---------------------------------------------------------------- the page, real canvas (blank)
def test_blank_canvas_shows_the_hint_and_the_map(trained_model):
    at = _page(trained_model).run()

    assert not at.exception, [item.value for item in at.exception]
    assert not at.error
    assert any(BLANK_HINT in info.value for info in at.info), [info.value for info in at.info]
    assert at.radio(key="draw_mode").options == ["Find neighbours", "Compare two digits"]
    k = at.slider(key="draw_k")
    assert (k.value, k.min, k.max) == (5, 1, 10)
    assert "your drawing" not in _map_traces(at)  # the map of training digits, waiting for a star
    assert not at.metric  # no prediction without a drawing


def test_compare_mode_renders_with_a_hint_per_canvas(trained_model):
    at = _page(trained_model).run()
    at.radio(key="draw_mode").set_value("Compare two digits").run()

    assert not at.exception, [item.value for item in at.exception]
    assert not at.error
    assert sum(BLANK_HINT in info.value for info in at.info) == 2
    assert not at.metric  # no distance until both canvases hold a digit


def test_the_canvas_keeps_its_key_from_run_to_run_and_the_page_has_no_clear_button_of_its_own(
    trained_model, canvas, monkeypatch
):
    """Clear is the canvas's own button, in the browser: a rerun of the page must not replace the canvas
    (a new key is a new, empty component), or what the student is drawing at that moment is lost."""
    import streamlit_drawable_canvas

    keys = []
    shown = streamlit_drawable_canvas.st_canvas
    monkeypatch.setattr(streamlit_drawable_canvas, "st_canvas", lambda *, key, **kw: keys.append(key) or shown(key=key))
    at = _page(trained_model).run()
    at.slider(key="draw_k").set_value(3).run()
    at.radio(key="draw_mode").set_value("Compare two digits").run()

    assert not at.exception, [item.value for item in at.exception]
    assert keys == ["draw_canvas-0", "draw_canvas-0", "compare_a-0", "compare_b-0"]
    assert not [button.label for button in at.button if "clear" in button.label.lower()]


# ---------------------------------------------------------------- the page, stand-in canvas
def test_a_drawn_digit_shows_steps_vote_neighbours_and_star(trained_model, canvas, recognised, monkeypatch):
    fits = []
    real_project = siamese.evaluation.projection.project
    monkeypatch.setattr(
        siamese.evaluation.projection, "project", lambda *a, **kw: fits.append(1) or real_project(*a, **kw)
    )
    (label, digit), _ = recognised
    canvas["draw_canvas"] = _as_canvas_drawing(digit)
    at = _page(trained_model).run()

    assert not at.exception, [item.value for item in at.exception]
    assert not at.info and not at.warning and not at.error
    assert at.metric[0].value == str(label)
    assert any(f"of 5 neighbours say {label}" in caption.value for caption in at.caption)
    captions = _image_captions(at)
    assert captions[-4] == "your ink" and captions[-1] == "centred in 28×28"  # the steps come last
    assert sum(" · d = " in caption for caption in captions) == 5
    assert {"your drawing", "nearest"} <= set(_map_traces(at))

    at.slider(key="draw_k").set_value(3).run()
    assert not at.exception, [item.value for item in at.exception]
    assert sum(" · d = " in caption for caption in _image_captions(at)) == 3
    assert len(fits) <= 1  # the map is fitted once per model, not once per stroke


@pytest.mark.parametrize(
    ("drawing", "status", "kind"),
    [
        ("dot", "too_small", "info"),
        ("full", "filled", "warning"),
    ],
)
def test_unusable_drawings_explain_themselves(trained_model, canvas, drawing, status, kind):
    rgba = np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), dtype=np.uint8)
    rgba[..., :3] = 255
    if drawing == "dot":
        rgba[140:144, 140:144, 3] = 255
    else:
        rgba[..., 3] = 255
        rgba[0, 0, 3] = 0  # a canvas's alpha varies: strokes on a transparent background
    canvas["draw_canvas"] = rgba
    at = _page(trained_model).run()

    assert not at.exception, [item.value for item in at.exception]
    assert not at.error and not at.metric
    assert [element.value for element in getattr(at, kind)] == [MESSAGES[status]]


@pytest.mark.parametrize("pair", ["same drawing", "different digits"])
def test_compare_shows_the_distance_and_the_verdict(trained_model, canvas, recognised, index, pair):
    (_, first), (_, other) = recognised
    second = first if pair == "same drawing" else other
    canvas["compare_a"], canvas["compare_b"] = _as_canvas_drawing(first), _as_canvas_drawing(second)
    at = _page(trained_model).run()
    at.radio(key="draw_mode").set_value("Compare two digits").run()

    embeddings = [index.embed(read_square(_as_canvas_drawing(d)).centred) for d in (first, second)]
    metric = trained_model.config.metric
    distance = paired_distances(embeddings[0][None], embeddings[1][None], metric=metric)[0]
    expected = "Same digit" if predict_same(distance, trained_model.threshold) else "Different digits"
    assert not at.exception, [item.value for item in at.exception]
    assert not at.info
    assert at.metric[0].value == f"{distance:.3f}"
    assert any(expected in block.value for block in at.markdown)
    if pair == "same drawing":
        assert expected == "Same digit" and distance == pytest.approx(0.0, abs=1e-5)


# ---------------------------------------------------------------- the contract with siamese
@pytest.mark.parametrize("background", ["transparent", "opaque black"])
def test_an_untouched_canvas_reads_as_empty(background):
    """The page shows its hint for "empty"; a black canvas may come back transparent or opaque."""
    blank = np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), dtype=np.uint8)
    if background == "opaque black":
        blank[..., 3] = 255
    assert preprocess_drawing(blank, background="dark").status == "empty"


def test_drawn_test_digits_are_recognised(index, embedded_data):
    """Canvas image → preprocess_drawing → NeighbourIndex.query → the digit's label, for most digits."""
    digits, labels = embedded_data.x_test[:30], embedded_data.y_test[:30]
    predicted = []
    for digit in digits:
        steps = read_square(_as_canvas_drawing(digit))
        assert steps.ok, steps.message
        result = index.query(steps.centred, k=5)
        assert len(result.labels) == 5
        assert np.all(np.diff(result.distances) >= 0)
        assert result.vote_share == pytest.approx(np.mean(result.labels == result.predicted))
        predicted.append(result.predicted)
    accuracy = np.mean(np.array(predicted) == labels)
    assert accuracy >= 0.8, f"only {accuracy:.0%} of drawn test digits recognised: {predicted} vs {list(labels)}"


def test_drawn_pairs_of_the_same_digit_are_closer(index, embedded_data, trained_model):
    """Compare mode's contract: embed both drawings, paired_distances, predict_same with the threshold."""
    digits, labels = embedded_data.x_test[:60], embedded_data.y_test[:60]
    embeddings = np.stack([index.embed(read_square(_as_canvas_drawing(d)).centred) for d in digits])
    first, second = np.triu_indices(len(digits), k=1)
    distances = paired_distances(embeddings[first], embeddings[second], metric=trained_model.config.metric)
    same_label = labels[first] == labels[second]
    assert distances[same_label].mean() < distances[~same_label].mean()
    assert np.mean(predict_same(distances, trained_model.threshold) == same_label) >= 0.8
