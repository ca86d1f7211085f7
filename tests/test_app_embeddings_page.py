"""The Embeddings page: maps of the model's and the raw pixels' test digits, retrieval scores, the export."""

import base64
import json

import numpy as np
import pytest

from tests.conftest import run_page_with_model

PAGE = "pages/4_Embeddings.py"


@pytest.fixture
def page(trained_model):
    return run_page_with_model(PAGE, trained_model)


def retrieval_table(app):
    tables = app.table
    assert len(tables) == 1, "the retrieval table is missing"
    return tables[0].value


def _values(encoded) -> np.ndarray:
    """A Plotly spec array: a plain list, or ``{"dtype": ..., "bdata": base64}`` as Plotly 6 writes NumPy arrays."""
    if isinstance(encoded, dict):
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"])
    return np.asarray(encoded, dtype=float)


def _digit_clouds(chart) -> dict[str, np.ndarray]:
    """Each digit's points on a map, from the chart's Plotly spec: {"0": (n, 2), ...}."""
    traces = json.loads(chart.proto.spec)["data"]
    return {
        trace["name"]: np.column_stack([_values(trace["x"]), _values(trace["y"])])
        for trace in traces
        if trace["name"].isdigit()
    }


def _spread_ratio(clouds: dict[str, np.ndarray]) -> float:
    """Mean distance of a point to its digit's centre, over the mean distance to the centre of all points."""
    everything = np.concatenate(list(clouds.values()))
    within = np.concatenate([np.linalg.norm(points - points.mean(axis=0), axis=1) for points in clouds.values()])
    return float(within.mean() / np.linalg.norm(everything - everything.mean(axis=0), axis=1).mean())


def test_pca_maps_of_model_and_pixels_show_every_test_digit_and_the_model_separates_them(page):
    assert page.radio(key="projection_method").value == "PCA"
    subheaders = [subheader.value for subheader in page.subheader]
    assert subheaders[:2] == ["Model embeddings", "Raw pixels"]
    model_map, pixel_map = (_digit_clouds(chart) for chart in page.get("plotly_chart")[:2])
    for clouds in (model_map, pixel_map):
        assert sorted(clouds) == [str(digit) for digit in range(10)]
        assert sum(len(points) for points in clouds.values()) == 1000  # every test digit of the embedded set
    # What training buys, as a student sees it: tighter clouds of each colour on the model's map.
    assert _spread_ratio(model_map) < 0.8 * _spread_ratio(pixel_map)


def test_retrieval_table_compares_model_and_pixels(page):
    table = retrieval_table(page)
    assert list(table.index) == ["5-NN accuracy", "Precision@1", "MAP@R"]
    assert list(table.columns) == ["Model embeddings (euclidean)", "Raw pixels (euclidean)"]
    for column in table.columns:
        accuracy = float(table.loc["5-NN accuracy", column].rstrip("%"))
        assert 50 < accuracy <= 100  # both are far better than guessing one digit in ten


def test_projector_download_is_offered(page):
    buttons = page.get("download_button")
    assert len(buttons) == 1
    assert "1,000 test embeddings" in buttons[0].proto.label  # the embedded set has 1,000 test digits


def test_number_input_shows_the_chosen_test_digit(page, embedded_data):
    page.number_input(key="shown_test_digit").set_value(5).run()
    assert not page.exception
    captions = [caption for image in page.get("image") for caption in image.captions]
    assert f"test #5: a {embedded_data.y_test[5]}" in captions


def test_tsne_in_3d_on_a_small_sample(page):
    page.radio(key="projection_method").set_value("t-SNE")
    page.radio(key="dimensions").set_value("3-D")
    page.select_slider(key="sample_size").set_value(300).run()
    assert not page.exception
    assert not page.error
    assert len(page.get("plotly_chart")) == 2
    assert any("300 test pictures" in caption.value for caption in page.caption)
