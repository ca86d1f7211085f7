"""The open-set rule: a taught symbol, a digit, or none of these; and fitting its two limits."""

import functools

import numpy as np
import pytest

from siamese.distances import pairwise_distances
from siamese.search.neighbour_index import NeighbourIndex
from siamese.search.open_set import (
    OpenSetRule,
    _balanced_threshold,
    calibrate_open_set,
    digit_centres,
    identify,
    known_digit_rows,
    known_shapes,
    nearest_centre_distance,
)
from siamese.search.symbols import SymbolSet


def _drawing(row: int = 10) -> np.ndarray:
    image = np.zeros((28, 28), dtype=np.float32)
    image[row : row + 8, 10:18] = 1.0
    return image


def _index(embeddings, labels, metric="euclidean"):
    """A real index over given reference embeddings; its network (never used for these queries) is a stand-in."""
    import keras

    width = np.shape(embeddings)[1]
    network = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(width)])
    return NeighbourIndex(network, np.asarray(embeddings, np.float32), np.asarray(labels), metric=metric)


def test_centres_are_class_means_and_unit_length_for_cosine():
    embeddings = np.array([[0.0, 2.0], [0.0, 4.0], [3.0, 0.0]], dtype=np.float32)
    centres = digit_centres(embeddings, np.array([1, 1, 4]), metric="euclidean")
    np.testing.assert_allclose(centres[1], [0.0, 3.0])
    np.testing.assert_allclose(centres[4], [3.0, 0.0])
    assert np.isnan(centres[0]).all()
    np.testing.assert_allclose(digit_centres(embeddings, np.array([1, 1, 4]), metric="cosine")[1], [0.0, 1.0])
    assert nearest_centre_distance(np.array([[3.0, 4.0]]), centres, metric="euclidean")[0] == pytest.approx(
        min(np.hypot(3, 1), np.hypot(0, 4))
    )


def test_a_query_is_a_symbol_a_digit_or_none_of_these():
    digits = _index([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0]], [0, 0, 7])
    centres = digit_centres(digits.reference_embeddings, digits.reference_labels, metric="euclidean")
    symbols = SymbolSet().add("star", _drawing()).add("arrow", _drawing(row=3))
    examples = np.array([[5.0, 0.0], [0.0, 5.0]], dtype=np.float32)
    rule = OpenSetRule(symbol_threshold=1.0, digit_threshold=2.0, metric="euclidean", digit_votes=2)
    # Ten symbols the network learnt, in a row beside the digit 0.
    learnt = np.array([[1.5 + 0.05 * step, -0.5] for step in range(10)], dtype=np.float32)
    known = known_shapes(digits.reference_embeddings, np.full(3, "mnist"), learnt, metric="euclidean")

    def ask(*point):
        query = np.array(point, np.float32)
        return identify(query, symbols, examples, digits, rule=rule, centres=centres, known=known, k=3)

    star = ask(5.2, 0.1)
    assert star.symbol == "star" and star.digit is None and star.nearest[0].kind == "symbol"
    zero = ask(0.1, 0.2)
    assert zero.symbol is None and zero.digit == 0
    # Within the symbol limit of "arrow", but a training 0 lies nearer: a digit, not the symbol.
    near_both = ask(0.0, 4.2)
    assert near_both.nearest[0].kind == "symbol" and near_both.symbol == "arrow"
    closer_to_zero = ask(0.0, 1.9)
    assert closer_to_zero.symbol is None and closer_to_zero.digit == 0
    # Far from every example, and farther than 2.0 from both digit centres (0: (0, 0.5); 7: (10, 10)).
    lost = ask(5.0, 8.0)
    assert lost.is_none_of_these and lost.centre_distance == pytest.approx(np.hypot(5, 2))
    assert [n.distance for n in lost.nearest] == sorted(n.distance for n in lost.nearest)
    # Within the digit limit of the 0 (1.44 from its centre), but its ten nearest known shapes are all symbols.
    among_symbols = ask(1.2, -0.3)
    assert among_symbols.is_none_of_these and among_symbols.digit_votes == 0
    assert among_symbols.centre_distance < rule.digit_threshold
    assert zero.digit_votes == 2 and closer_to_zero.digit_votes == 2


def test_digit_votes_count_digits_among_the_nearest_known_shapes_like_a_sorted_loop():
    generator = np.random.default_rng(3)
    digits, learnt = generator.normal(size=(40, 4)), generator.normal(loc=0.5, size=(60, 4))
    sources = np.array(["mnist"] * 30 + ["font a"] * 10)
    known = known_shapes(digits, sources, learnt, metric="cosine")
    queries = generator.normal(size=(700, 4))  # more than one block of distances
    excluding = np.where(np.arange(700) % 2 == 0, "font a", "nothing")
    every = np.concatenate([digits, learnt])
    is_digit = [True] * 40 + [False] * 60
    expected = []
    for query, left_out in zip(queries, excluding, strict=True):
        distances = pairwise_distances(query[None], every, metric="cosine")[0]
        order = [row for row in np.argsort(distances) if row >= 40 or sources[row] != left_out]
        expected.append(sum(is_digit[row] for row in order[:7]))
    np.testing.assert_array_equal(known.digit_votes(queries, k=7, excluding=excluding), expected)
    assert len(known) == 100 and known.sources[-1] == "symbols"


def test_a_drawing_is_digit_like_when_digits_are_as_common_near_it_as_overall():
    def needed(digits, symbols):
        return known_shapes(np.ones((digits, 2)), np.full(digits, "mnist"), np.ones((symbols, 2)), metric="cosine")

    assert needed(1, 3).votes_needed() == 3  # a quarter are digits: 10 * 0.25 = 2.5, so 3 of 10
    assert needed(1, 9).votes_needed() == 1 and needed(1, 9).votes_needed(k=20) == 2
    assert needed(1, 1).votes_needed() == 5 and needed(9, 0).votes_needed() == 10


def test_known_digits_are_at_most_so_many_of_each_digit():
    labels = np.r_[np.zeros(50, int), np.ones(3, int), np.full(20, 7)]
    rows = known_digit_rows(labels, each=10)
    assert np.bincount(labels[rows], minlength=10).tolist() == [10, 3, 0, 0, 0, 0, 0, 10, 0, 0]
    assert len(set(rows.tolist())) == len(rows) and np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(rows, known_digit_rows(labels, each=10))  # seeded


def test_the_balanced_threshold_maximises_the_mean_of_both_rates():
    accept = np.array([0.1, 0.2, 0.3, 0.9, np.inf])
    reject = np.array([0.25, 0.5, 0.6, 0.7])
    threshold, accepted, rejected = _balanced_threshold(accept=accept, reject=reject)
    best = max(
        (np.mean(accept <= t) + np.mean(reject > t), t) for t in np.unique(np.concatenate([accept[:-1], reject]))
    )
    assert accepted + rejected == pytest.approx(best[0])
    assert np.mean(accept <= threshold) == pytest.approx(accepted) and np.mean(reject > threshold) == rejected


def test_calibration_separates_what_it_was_shown():
    """Symbols of a class sit in tight groups far from the digits: every taught query is named, every untaught
    one rejected, every digit accepted."""
    generator = np.random.default_rng(0)
    centres = generator.normal(size=(12, 8)) * 10
    symbol_labels = np.repeat(np.arange(12), 6)
    symbols = centres[symbol_labels] + generator.normal(scale=0.1, size=(72, 8))
    styles = np.tile(np.arange(6), 12)
    digit_labels = np.repeat(np.arange(10), 20)
    digit_points = np.eye(10, 8)[digit_labels % 8] * 40 + generator.normal(scale=0.2, size=(200, 8))
    learnt = generator.normal(size=(300, 8)) * 10  # symbols the network learnt: none among the digits
    known = known_shapes(digit_points, np.full(200, "mnist"), learnt, metric="euclidean")
    rule = calibrate_open_set(
        symbols, symbol_labels, styles, digit_points, digit_labels,
        reference_embeddings=digit_points, reference_labels=digit_labels, known=known, metric="euclidean",
    )  # fmt: skip
    assert rule.taught_named_right == rule.untaught_rejected == 1.0
    # The digit limit keeps 99 % of the digits it was shown: the two farthest of 200 fall outside it.
    centres = digit_centres(digit_points, digit_labels, metric="euclidean")
    distances = np.sort(nearest_centre_distance(digit_points, centres, metric="euclidean"))
    assert distances[-3] <= rule.digit_threshold < distances[-1] and rule.digits_accepted >= 0.99
    assert 0.2 < rule.symbol_threshold < 10 and rule.metric == "euclidean"
    assert OpenSetRule.from_dict(rule.to_dict()).symbol_threshold == pytest.approx(rule.symbol_threshold)


def test_a_drawn_digit_is_voted_on_without_its_own_font():
    """Digits of one font that lie among learnt symbols: their own font's known digits would vote for them."""
    generator = np.random.default_rng(1)
    mnist = np.repeat(np.eye(10, 8) * 20, 10, axis=0) + generator.normal(scale=0.1, size=(100, 8))
    mnist_labels = np.repeat(np.arange(10), 10)
    font = np.full((10, 8), 3.0) + generator.normal(scale=0.05, size=(10, 8))  # all near one another
    learnt = np.full((30, 8), 3.0) + generator.normal(scale=0.3, size=(30, 8))
    sources = np.r_[np.full(100, "mnist"), np.full(10, "font")]
    known = known_shapes(np.r_[mnist, font], sources, learnt, metric="euclidean")
    unseen = generator.normal(size=(30, 8)) * 10
    calibrate = functools.partial(
        calibrate_open_set, unseen, np.arange(30) % 6, np.arange(30) // 6, font, np.arange(10),
        reference_embeddings=mnist, reference_labels=mnist_labels, known=known, metric="euclidean",
    )  # fmt: skip
    # Counting their own font, nine of ten pass (the digit limit keeps 99 %: the farthest falls outside it).
    assert calibrate(digit_sources=np.full(10, "elsewhere")).digits_accepted == 0.9
    assert calibrate(digit_sources=np.full(10, "font")).digits_accepted == 0.0
