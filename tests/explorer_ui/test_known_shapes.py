"""The New symbols page's known shapes: made once per model and data in the background, kept on disk."""

import dataclasses

import numpy as np
import pytest

from explorer_ui import known_shapes
from siamese.data.symbol_classes import Split
from siamese.search.open_set import KNOWN_DIGITS_EACH


@pytest.fixture
def fresh(tmp_path, monkeypatch, small_symbol_corpus):
    """An empty cache folder and no shapes in memory; the symbol corpus is the small one."""
    monkeypatch.setenv("SIAMESE_CACHE", str(tmp_path))
    monkeypatch.setattr(known_shapes, "_MADE", type(known_shapes._MADE)())
    monkeypatch.setattr("siamese.data.symbol_corpus.load_symbol_corpus", lambda *args, **kwargs: small_symbol_corpus)
    return tmp_path


def test_the_known_shapes_are_the_digits_and_the_symbols_the_network_learnt(
    fresh, trained_model, embedded_data, small_symbol_corpus
):
    model = dataclasses.replace(trained_model, fingerprint="f" * 64)
    shapes = known_shapes.known_shapes(model, embedded_data)
    digits = np.bincount(embedded_data.y_train).clip(max=KNOWN_DIGITS_EACH).sum()
    drawn = np.count_nonzero(~np.isin(shapes.sources, ["mnist", "symbols"]))
    learnt = len(small_symbol_corpus.only(Split.BACKGROUND))
    assert np.count_nonzero(shapes.sources == "mnist") == digits and drawn > 100
    assert shapes.is_digit.sum() == digits + drawn and (~shapes.is_digit).sum() == learnt
    assert shapes.embeddings.shape == (len(shapes), model.embedding_dim) and shapes.metric == model.config.metric
    # The same object for every later call, and from disk for a new server process.
    assert known_shapes.known_shapes(model, embedded_data) is shapes
    known_shapes._MADE.clear()
    again = known_shapes.known_shapes(dataclasses.replace(model, network=None), embedded_data)  # no network to use
    np.testing.assert_array_equal(again.embeddings, shapes.embeddings)
    np.testing.assert_array_equal(again.sources, shapes.sources)


def test_a_failure_is_raised_once_and_then_tried_again(fresh, trained_model, embedded_data, monkeypatch):
    calls = []

    def failing_once(model, data):
        calls.append(model.key)
        if len(calls) == 1:
            raise OSError("disk full")
        return "made"

    monkeypatch.setattr(known_shapes, "_make", failing_once)
    with pytest.raises(OSError, match="disk full"):
        known_shapes.known_shapes(trained_model, embedded_data)
    assert known_shapes.known_shapes(trained_model, embedded_data) == "made" and len(calls) == 2
    assert known_shapes.start(trained_model, embedded_data).result() == "made" and len(calls) == 2
