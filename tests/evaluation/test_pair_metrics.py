"""Pair verification scores, against hand-worked cases, plain loops and scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from siamese.conventions import DIFFERENT, SAME
from siamese.evaluation.pair_metrics import (
    PairErrorTable,
    best_threshold,
    distance_histograms,
    hardest_mistakes,
    pair_accuracy,
    pair_error_table,
    roc_curve,
)


def random_pairs(seed, size=200):
    """Distances where same-digit pairs tend to be closer, with some overlap."""
    generator = np.random.default_rng(seed)
    labels = generator.integers(0, 2, size=size)
    distances = generator.gamma(2.0, 1.0, size=size) + np.where(labels == SAME, 0.0, 1.5)
    return distances.astype(np.float32), labels


def test_pair_accuracy_matches_a_loop_and_includes_the_threshold():
    distances, labels = random_pairs(0)
    expected = np.mean([(d <= 2.0) == (y == SAME) for d, y in zip(distances, labels, strict=True)])
    assert pair_accuracy(distances, labels, threshold=2.0) == pytest.approx(expected)
    # A distance equal to the threshold is called same.
    assert pair_accuracy(np.array([1.0, 1.0]), np.array([SAME, DIFFERENT]), threshold=1.0) == 0.5
    assert pair_accuracy(np.array([1.0, 1.0]), np.array([SAME, SAME]), threshold=1.0) == 1.0


def test_roc_curve_matches_sklearn_and_its_thresholds_are_distances():
    distances, labels = random_pairs(1)
    curve = roc_curve(distances, labels)
    assert curve.auc == pytest.approx(roc_auc_score(labels == SAME, -distances))
    assert curve.thresholds[0] == -np.inf
    assert np.all(np.diff(curve.thresholds) > 0)
    for threshold, false_positive_rate, true_positive_rate in zip(
        curve.thresholds, curve.false_positive_rate, curve.true_positive_rate, strict=True
    ):
        assert true_positive_rate == pytest.approx(np.mean(distances[labels == SAME] <= threshold))
        assert false_positive_rate == pytest.approx(np.mean(distances[labels == DIFFERENT] <= threshold))


def test_roc_curve_needs_both_labels():
    with pytest.raises(ValueError, match="both"):
        roc_curve(np.array([0.1, 0.2]), np.array([SAME, SAME]))


def test_best_threshold_hand_case_with_a_tie_in_accuracy():
    # Cuts: 0 same -> 3/6, after 0.1 -> 4/6, after 0.2 -> 5/6, after 0.3 -> 4/6, after 0.4 -> 5/6,
    # after 0.5 -> 4/6, all -> 3/6. Both 5/6 cuts tie; the smaller threshold, (0.2 + 0.3) / 2, wins.
    distances = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    labels = np.array([SAME, SAME, DIFFERENT, SAME, DIFFERENT, DIFFERENT])
    threshold, accuracy = best_threshold(distances, labels)
    assert threshold == pytest.approx(0.25)
    assert accuracy == pytest.approx(5 / 6)


def test_best_threshold_cannot_split_equal_distances():
    # Sorted: 0.1 S, 0.3 S, 0.3 D, 0.5 D, 0.7 D, 0.9 D. Splitting the two 0.3s would score 6/6, but
    # no threshold can; the best real cut is after 0.1 (5/6), tied with after 0.3 (5/6).
    distances = np.array([0.5, 0.1, 0.3, 0.3, 0.9, 0.7], dtype=np.float32)
    labels = np.array([DIFFERENT, SAME, SAME, DIFFERENT, DIFFERENT, DIFFERENT])
    threshold, accuracy = best_threshold(distances, labels)
    assert threshold == pytest.approx(0.2)
    assert accuracy == pytest.approx(5 / 6)
    assert pair_accuracy(distances, labels, threshold=threshold) == pytest.approx(accuracy)


def test_best_threshold_matches_brute_force():
    distances, labels = random_pairs(2, size=300)
    threshold, accuracy = best_threshold(distances, labels)
    candidates = np.concatenate(([-1.0], np.unique(distances)))
    brute_force = max(pair_accuracy(distances, labels, threshold=float(value)) for value in candidates)
    assert accuracy == pytest.approx(brute_force)
    assert pair_accuracy(distances, labels, threshold=threshold) == pytest.approx(accuracy)


def test_best_threshold_extremes_and_neighbouring_floats():
    distances = np.array([0.2, 0.4, 0.9])
    threshold, accuracy = best_threshold(distances, np.full(3, SAME))
    assert (threshold, accuracy) == (0.9, 1.0)
    threshold, accuracy = best_threshold(distances, np.full(3, DIFFERENT))
    assert threshold < 0.2 and accuracy == 1.0
    # No float32 lies strictly between these two, and their midpoint rounds (to even) onto the upper
    # one, so the threshold must be the lower one.
    lower = np.nextafter(np.float32(1.0), np.float32(2.0))
    neighbours = np.array([lower, np.nextafter(lower, np.float32(2.0))], dtype=np.float32)
    threshold, accuracy = best_threshold(neighbours, np.array([SAME, DIFFERENT]))
    assert accuracy == 1.0
    assert pair_accuracy(neighbours, np.array([SAME, DIFFERENT]), threshold=threshold) == 1.0


def test_distance_histograms_share_edges_and_match_numpy():
    distances = np.array([0.0, 0.5, 1.0, 1.5, 2.9, 3.0])
    labels = np.array([SAME, SAME, DIFFERENT, SAME, DIFFERENT, DIFFERENT])
    histograms = distance_histograms(distances, labels, bins=3)
    np.testing.assert_allclose(histograms.bin_edges, [0.0, 1.0, 2.0, 3.0])
    assert histograms.same_counts.tolist() == [2, 1, 0]
    assert histograms.different_counts.tolist() == [0, 1, 2]
    assert histograms.same_counts.dtype == np.int64

    distances, labels = random_pairs(3)
    histograms = distance_histograms(distances, labels, bins=40)
    assert histograms.bin_edges.shape == (41,)
    expected, _ = np.histogram(distances[labels == SAME], bins=40, range=(distances.min(), distances.max()))
    np.testing.assert_array_equal(histograms.same_counts, expected)
    assert histograms.same_counts.sum() + histograms.different_counts.sum() == distances.size


def test_pair_error_table_hand_case():
    distances = np.array([0.9, 0.1, 0.8, 0.2, 0.3])
    digits_left = np.array([3, 5, 7, 7, 2])
    digits_right = np.array([5, 3, 7, 7, 4])
    labels = (digits_left == digits_right).astype(int)
    table = pair_error_table(distances, labels, digits_left, digits_right, threshold=0.5)
    # (3,5) at 0.9 is right, (5,3) at 0.1 is wrong; (7,7) at 0.8 is wrong, at 0.2 right; (2,4) wrong.
    assert table.totals[3, 5] == table.totals[5, 3] == 2
    assert table.errors[3, 5] == table.errors[5, 3] == 1
    assert table.totals[7, 7] == 2 and table.errors[7, 7] == 1
    assert table.errors[2, 4] == table.errors[4, 2] == 1
    assert table.errors.sum() == 1 + 1 + 1 + 1 + 1  # off-diagonal mistakes sit in two cells


def test_pair_error_table_matches_a_loop():
    generator = np.random.default_rng(4)
    digits_left = generator.integers(0, 10, size=400)
    digits_right = np.where(generator.random(400) < 0.4, digits_left, generator.integers(0, 10, size=400))
    labels = (digits_left == digits_right).astype(int)
    distances = generator.random(400) + 0.3 * (1 - labels)
    table = pair_error_table(distances, labels, digits_left, digits_right, threshold=0.6)
    errors = np.zeros((10, 10), dtype=np.int64)
    totals = np.zeros((10, 10), dtype=np.int64)
    for distance, label, left, right in zip(distances, labels, digits_left, digits_right, strict=True):
        for row, column in {(left, right), (right, left)}:
            totals[row, column] += 1
            errors[row, column] += (distance <= 0.6) != (label == SAME)
    np.testing.assert_array_equal(table.errors, errors)
    np.testing.assert_array_equal(table.totals, totals)
    np.testing.assert_array_equal(table.errors, table.errors.T)


def test_pair_error_table_rejects_inconsistent_or_bad_digits():
    distances = np.array([0.1, 0.2])
    with pytest.raises(ValueError, match="disagree"):
        pair_error_table(distances, np.array([SAME, SAME]), np.array([1, 2]), np.array([1, 3]), threshold=0.5)
    with pytest.raises(ValueError, match="digits"):
        pair_error_table(distances, np.array([SAME, SAME]), np.array([1, 10]), np.array([1, 10]), threshold=0.5)
    with pytest.raises(ValueError):
        pair_error_table(distances, np.array([SAME, SAME]), np.array([1]), np.array([1]), threshold=0.5)


def test_hardest_mistakes_hand_case():
    distances = np.array([0.9, 0.2, 0.7, 0.1, 0.45, 0.3, 0.6, 0.8])
    labels = np.array([SAME, SAME, SAME, DIFFERENT, DIFFERENT, DIFFERENT, DIFFERENT, SAME])
    farthest_same, closest_different = hardest_mistakes(distances, labels, threshold=0.5, count=2)
    # Same pairs called different: 0 (0.9), 7 (0.8), 2 (0.7). Different pairs called same: 3, 5, 4.
    assert farthest_same.tolist() == [0, 7]
    assert closest_different.tolist() == [3, 5]
    farthest_same, closest_different = hardest_mistakes(distances, labels, threshold=0.5)
    assert farthest_same.tolist() == [0, 7, 2]
    assert closest_different.tolist() == [3, 5, 4]
    assert farthest_same.dtype == np.int64
    none_same, none_different = hardest_mistakes(distances, labels, threshold=0.5 - 1.0, count=3)
    assert none_different.tolist() == [] and none_same.tolist() == [0, 7, 2]


@pytest.mark.parametrize(
    ("distances", "labels"),
    [
        (np.array([0.1, 0.2]), np.array([SAME])),
        (np.array([[0.1, 0.2]]), np.array([[SAME, SAME]])),
        (np.array([]), np.array([])),
        (np.array([0.1, 0.2]), np.array([SAME, 2])),
        (np.array([0.1, np.nan]), np.array([SAME, SAME])),
    ],
)
def test_pair_functions_reject_bad_input(distances, labels):
    with pytest.raises(ValueError):
        pair_accuracy(distances, labels, threshold=0.5)
    with pytest.raises(ValueError):
        best_threshold(distances, labels)
    with pytest.raises(ValueError):
        distance_histograms(distances, labels)


def test_bad_counts_and_thresholds_are_rejected():
    distances, labels = random_pairs(5, size=10)
    with pytest.raises(ValueError, match="threshold"):
        pair_accuracy(distances, labels, threshold=np.nan)
    with pytest.raises(ValueError, match="threshold"):
        hardest_mistakes(distances, labels, threshold=None)
    with pytest.raises(ValueError, match="bins"):
        distance_histograms(distances, labels, bins=0)
    with pytest.raises(ValueError, match="count"):
        hardest_mistakes(distances, labels, threshold=1.0, count=0)


def test_error_rate_divides_errors_by_totals_and_leaves_missing_pairs_blank():
    errors = np.zeros((10, 10), dtype=np.int64)
    totals = np.zeros((10, 10), dtype=np.int64)
    errors[3, 5] = errors[5, 3] = 1
    totals[3, 5] = totals[5, 3] = 4
    totals[0, 0] = 2
    rate = PairErrorTable(errors=errors, totals=totals).error_rate
    assert rate[3, 5] == 0.25 and rate[5, 3] == 0.25 and rate[0, 0] == 0.0
    assert np.isnan(rate[1, 2])  # no (1, 2) pairs at all: unknown, not 0 %
