"""The symbol corpus: seeded drawings of every class, cached on disk, split by class."""

import numpy as np
import pytest

from siamese.data.symbol_classes import Split, symbol_classes
from siamese.data.symbol_corpus import (
    MAX_DRAWINGS,
    MIN_DRAWINGS,
    corpus_key,
    drawings_for,
    drawn_font_digits,
    family_table,
    load_symbol_corpus,
    make_symbol_corpus,
    symbol_label_offset,
)


def test_each_class_is_drawn_from_each_of_its_fonts_in_turn(small_symbol_corpus):
    corpus = small_symbol_corpus
    assert corpus.images.shape == (len(corpus), 28, 28) and corpus.images.dtype == np.float32
    counts = corpus.counts()
    for label, symbol_class in enumerate(corpus.classes):
        assert counts[label] == drawings_for(symbol_class)
        assert MIN_DRAWINGS <= counts[label] <= MAX_DRAWINGS
        fonts = {corpus.font_names[font] for font in corpus.fonts[corpus.labels == label]}
        assert fonts <= set(symbol_class.fonts)
        assert len(fonts) == min(len(symbol_class.fonts), counts[label])  # each font before any font twice
    assert (corpus.images.reshape(len(corpus), -1).max(axis=1) > 0.5).all()  # every drawing has ink


def test_the_same_seed_draws_the_same_corpus_with_any_number_of_workers(small_symbol_corpus):
    classes = small_symbol_corpus.classes[:8]
    alone = make_symbol_corpus(classes, workers=1)
    shared = make_symbol_corpus(classes, workers=2)
    np.testing.assert_array_equal(alone.images, shared.images)
    np.testing.assert_array_equal(alone.labels, shared.labels)
    reseeded = make_symbol_corpus(classes, workers=1, seed=1)
    assert not np.array_equal(alone.images, reseeded.images)


def test_only_keeps_a_split_and_renumbers_its_classes(small_symbol_corpus):
    evaluation = small_symbol_corpus.only(Split.EVALUATION)
    assert {c.split for c in evaluation.classes} == {Split.EVALUATION}
    assert sorted(np.unique(evaluation.labels)) == list(range(len(evaluation.classes)))
    for label, symbol_class in enumerate(evaluation.classes):
        original = small_symbol_corpus.classes.index(symbol_class)
        np.testing.assert_array_equal(
            evaluation.images[evaluation.labels == label],
            small_symbol_corpus.images[small_symbol_corpus.labels == original],
        )
    assert symbol_label_offset() == 10


def test_the_cached_corpus_is_read_back_as_made(tmp_path, monkeypatch, small_symbol_corpus):
    classes = small_symbol_corpus.classes[:5]
    monkeypatch.setattr("siamese.data.symbol_corpus.symbol_classes", lambda: classes)
    made = load_symbol_corpus(tmp_path)
    files = list((tmp_path / "symbols").glob("corpus-*.npz"))
    assert len(files) == 1 and corpus_key(classes) in files[0].name
    monkeypatch.setattr("siamese.data.symbol_corpus.make_symbol_corpus", lambda *a, **k: pytest.fail("drawn again"))
    read = load_symbol_corpus(tmp_path)
    np.testing.assert_allclose(read.images, made.images, atol=0.5 / 255)
    np.testing.assert_array_equal(read.labels, made.labels)
    assert read.font_names == made.font_names


def test_a_damaged_cache_file_is_drawn_again(tmp_path, monkeypatch, small_symbol_corpus):
    classes = small_symbol_corpus.classes[:3]
    monkeypatch.setattr("siamese.data.symbol_corpus.symbol_classes", lambda: classes)
    (tmp_path / "symbols").mkdir()
    (tmp_path / "symbols" / f"corpus-{corpus_key(classes)}.npz").write_bytes(b"half a file")
    assert len(load_symbol_corpus(tmp_path)) == sum(drawings_for(c) for c in classes)


def test_the_family_table_counts_classes_by_split():
    classes = symbol_classes()
    rows = {row["family"]: row for row in family_table(classes)}
    assert rows["greek"]["evaluation"] == sum(c.family == "greek" for c in classes)
    assert rows["greek"]["background"] == rows["greek"]["calibration"] == 0
    assert sum(row["drawings"] for row in rows.values()) == sum(drawings_for(c) for c in classes)


def test_drawn_font_digits_are_labelled_digits_from_the_pen_fonts():
    images, labels, fonts = drawn_font_digits(drawings_per_font=1)
    assert images.shape == (len(labels), 28, 28) and set(labels.tolist()) == set(range(10))
    # One drawing of each digit per font: every font draws all ten.
    assert all(sorted(labels[fonts == font].tolist()) == list(range(10)) for font in set(fonts.tolist()))
