"""The Embeddings page: maps of the model's and the raw pixels' test digits, retrieval scores, the export."""

import pytest

from tests.conftest import REPOSITORY, run_page_with_model

PAGE = str(REPOSITORY / "pages" / "4_Embeddings.py")


@pytest.fixture
def page(trained_entry):
    return run_page_with_model(PAGE, trained_entry)


def retrieval_table(app):
    tables = app.table
    assert len(tables) == 1, "the retrieval table is missing"
    return tables[0].value


def test_pca_maps_of_model_and_pixels_are_drawn(page):
    assert page.radio(key="projection_method").value == "PCA"
    assert len(page.get("plotly_chart")) == 2
    subheaders = " ".join(subheader.value for subheader in page.subheader)
    assert "Model embeddings" in subheaders and "Raw pixels" in subheaders


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
