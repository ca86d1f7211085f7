"""The Evaluate page: headline metrics, a threshold slider that recolours test pairs, and the figures."""

import re

import pytest

from tests.conftest import run_page_with_model

PAGE = "pages/3_Evaluate.py"
COUNTS = re.compile(r"In this grid: (\d+) right, (\d+) wrong\.")
ACCURACY = re.compile(r"at threshold ([\d.]+): \*\*([\d.]+)% right")


@pytest.fixture
def page(trained_model):
    return run_page_with_model(PAGE, trained_model)


def grid_counts(app) -> tuple[int, int]:
    texts = [markdown.value for markdown in app.markdown if COUNTS.search(markdown.value)]
    assert len(texts) == 1, "the right / wrong counts line is missing"
    right, wrong = COUNTS.search(texts[0]).groups()
    return int(right), int(wrong)


def shown_accuracy(app) -> float:
    text = next(markdown.value for markdown in app.markdown if ACCURACY.search(markdown.value))
    return float(ACCURACY.search(text).group(2))


def test_headline_metrics_are_shown(page):
    metrics = {metric.label: metric.value for metric in page.metric[:5]}
    assert list(metrics) == ["Test pair accuracy", "ROC AUC", "5-NN accuracy", "Precision@1", "MAP@R"]
    # A model trained for three epochs is far better than guessing (50 % of pairs, 10 % of digits).
    assert float(metrics["Test pair accuracy"].rstrip("%")) > 70
    assert float(metrics["ROC AUC"]) > 0.8
    assert float(metrics["5-NN accuracy"].rstrip("%")) > 50


def test_figures_are_drawn(page):
    # Histograms, ROC curve, error table; then the comparison with a shipped model: ROC curves and two maps.
    assert len(page.get("plotly_chart")) == 3 + 3
    subheaders = " ".join(subheader.value for subheader in page.subheader)
    assert "ROC curve (AUC 0." in subheaders
    assert "hardest mistakes" in subheaders
    # 24 pairs in the grid, up to 6 + 6 hardest mistakes, a 5-way 1-shot episode (5 examples, 1 query), and up
    # to 6 + 6 pairs the two compared models disagree on.
    assert 24 + 6 < len(page.get("image")) <= 24 + 12 + 6 + 12


def test_grid_shows_right_and_wrong_calls_at_the_model_threshold(page, trained_model):
    assert page.slider[0].value == pytest.approx(trained_model.threshold, abs=1e-6)
    right, wrong = grid_counts(page)
    assert right + wrong == 24
    assert right > 0 and wrong > 0


def test_moving_the_threshold_changes_the_calls(page):
    before_counts, before_accuracy = grid_counts(page), shown_accuracy(page)
    # At 0 every pair is called "different": exactly the different-digit pairs are right, half of all.
    page.slider[0].set_value(0.0).run()
    assert not page.exception
    right, wrong = grid_counts(page)
    assert (right, wrong) != before_counts
    assert shown_accuracy(page) == pytest.approx(50.0, abs=0.1)
    assert shown_accuracy(page) < before_accuracy
    captions = [caption for image in page.get("image") for caption in image.captions]
    grid_captions = [caption for caption in captions if caption.endswith(("same", "different"))]
    assert right == sum(caption.endswith("different") for caption in grid_captions)
    # Right and wrong are said with a mark too, not only by the frame's colour.
    assert all(caption.startswith("✓" if caption.endswith("different") else "✗") for caption in grid_captions)


def _query_position(captions: list[str]) -> int:
    """Where the one-shot query's picture is: captioned "✓ the query" or "✗ the query"."""
    (position,) = [number for number, caption in enumerate(captions) if caption in ("✓ the query", "✗ the query")]
    return position


def test_a_one_shot_episode_is_drawn_and_a_new_one_replaces_it(page):
    def episode():
        captions = [caption for image in page.get("image") for caption in image.captions]
        start = _query_position(captions) - 5
        return captions[start : start + 6]

    first = episode()
    assert len(first) == 6 and all(" · d = " in caption for caption in first[:5])
    accuracy = next(metric for metric in page.metric if metric.label.startswith("Accuracy over 1,000 episodes"))
    assert "5-way 1-shot, all digits" in accuracy.label and 20 < float(accuracy.value.rstrip("%")) <= 100
    next(button for button in page.button if button.label == "New episode").click().run()
    assert not page.exception
    assert episode() != first
    page.slider(key="episode_shot").set_value(3).run()
    captions = [caption for image in page.get("image") for caption in image.captions]
    supports = captions[_query_position(captions) - 16 : _query_position(captions)]
    # 5 digits x 3 examples just before the query; the picture before them is a hardest mistake.
    assert [" · d = " in caption and caption[0].isdigit() for caption in supports[1:]] == [True] * 15


@pytest.fixture(scope="module")
def held_out_twins(embedded_data, small_symbol_corpus):
    """Two runs holding out 5-9, alike but for the symbols, as a session would have them."""
    from explorer_ui.run_record import RunRecord
    from siamese.config import TrainingConfig
    from siamese.storage.trained_model import TrainedModel
    from siamese.training.trainer import train

    config = TrainingConfig(epochs=2, held_out_digits=(5, 6, 7, 8, 9))
    runs = []
    for name, settings in (("digits only", config), ("with symbols", config.including_symbols())):
        result = train(settings, embedded_data, symbols=small_symbol_corpus)
        model = TrainedModel.from_result(result, name=name)
        runs.append(RunRecord(name=name, result=result, model=model, snapshots=[], snapshot_labels=[],
                              steps_per_epoch=1))  # fmt: skip
    return runs


@pytest.mark.slow
def test_the_unseen_verdict_sets_a_run_with_symbols_beside_its_digits_only_twin(held_out_twins):
    from tests.conftest import app_page

    digits_only, with_symbols = held_out_twins
    app = app_page(PAGE, model=with_symbols.model)
    app.session_state["runs"] = [digits_only, with_symbols]
    app.run()
    assert not app.exception
    table = next(frame.value for frame in app.dataframe if "Raw pixels · unseen" in frame.value.columns)
    assert "The same, digits only · unseen" in table.columns
    verdict = next(caption.value for caption in app.caption if caption.value.startswith("5-way 1-shot on the digits"))
    assert re.search(r"([\d.]+)% with the symbols, ([\d.]+)% on digits alone, ([\d.]+)% for raw pixels", verdict)
    shown = re.search(r"([\d.]+)% with the symbols, ([\d.]+)% on digits alone", verdict).groups()
    assert table.loc["5-way 1-shot", "This model (learned distance) · unseen"] == f"{shown[0]}%"
    assert table.loc["5-way 1-shot", "The same, digits only · unseen"] == f"{shown[1]}%"
    alone = app_page(PAGE, model=digits_only.model)
    alone.session_state["runs"] = [digits_only]
    alone.run()
    assert any("train the same settings again with “Also learn from symbols”" in c.value for c in alone.caption)
