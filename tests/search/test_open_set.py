"""The open-set rule: a taught symbol, a digit, or none of these; and fitting its two limits."""

import numpy as np
import pytest

from siamese.search.neighbour_index import NeighbourIndex
from siamese.search.open_set import (
    OpenSetRule,
    _balanced_threshold,
    calibrate_open_set,
    digit_centres,
    identify,
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
    rule = OpenSetRule(symbol_threshold=1.0, digit_threshold=2.0, metric="euclidean")

    def ask(*point):
        return identify(np.array(point, np.float32), symbols, examples, digits, rule=rule, centres=centres, k=3)

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
    rule = calibrate_open_set(
        symbols, symbol_labels, styles, digit_points, digit_labels,
        reference_embeddings=digit_points, reference_labels=digit_labels, metric="euclidean",
    )  # fmt: skip
    assert rule.taught_named_right == rule.untaught_rejected == 1.0
    # The digit limit keeps 99 % of the digits it was shown: the two farthest of 200 fall outside it.
    centres = digit_centres(digit_points, digit_labels, metric="euclidean")
    distances = np.sort(nearest_centre_distance(digit_points, centres, metric="euclidean"))
    assert distances[-3] <= rule.digit_threshold < distances[-1] and rule.digits_accepted >= 0.99
    assert 0.2 < rule.symbol_threshold < 10 and rule.metric == "euclidean"
    assert OpenSetRule.from_dict(rule.to_dict()).symbol_threshold == pytest.approx(rule.symbol_threshold)
