"""Pair and retrieval scores, against hand-worked cases, plain loops and scikit-learn."""

from collections import Counter

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from siamese import evaluation
from siamese.conventions import DIFFERENT, SAME
from siamese.evaluation import (
    best_threshold,
    distance_histograms,
    hardest_mistakes,
    knn_accuracy,
    mean_average_precision_at_r,
    pair_accuracy,
    pair_error_table,
    precision_at_1,
    retrieval_metrics,
    roc_curve,
)


def random_pairs(seed, size=200):
    """Distances where same-digit pairs tend to be closer, with some overlap."""
    generator = np.random.default_rng(seed)
    labels = generator.integers(0, 2, size=size)
    distances = generator.gamma(2.0, 1.0, size=size) + np.where(labels == SAME, 0.0, 1.5)
    return distances.astype(np.float32), labels


def clustered_embeddings(seed, *, queries=60, references=150, classes=4, noise=1.0):
    """Labelled points around one centre per class, overlapping enough to make mistakes."""
    generator = np.random.default_rng(seed)
    centres = generator.standard_normal((classes, 5)) * 2.0
    query_labels = generator.integers(0, classes, size=queries)
    reference_labels = generator.integers(0, classes, size=references)
    query = centres[query_labels] + noise * generator.standard_normal((queries, 5))
    reference = centres[reference_labels] + noise * generator.standard_normal((references, 5))
    return query.astype(np.float32), query_labels, reference.astype(np.float32), reference_labels


def naive_average_precision_at_r(query, query_label, reference, reference_labels):
    """AP@R for one query, straight from the definition, neighbours ordered by (distance, index)."""
    distances = [float(np.linalg.norm(query - row)) for row in reference]
    order = sorted(range(len(reference)), key=lambda j: (distances[j], j))
    relevant = sum(1 for label in reference_labels if label == query_label)
    hits = 0
    total = 0.0
    for position, j in enumerate(order[:relevant], start=1):
        if reference_labels[j] == query_label:
            hits += 1
            total += hits / position
    return total / relevant


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


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_knn_accuracy_and_precision_at_1_match_sklearn_neighbours(metric):
    query, query_labels, reference, reference_labels = clustered_embeddings(6)
    neighbours = NearestNeighbors(n_neighbors=5, metric=metric, algorithm="brute").fit(reference)
    _, indices = neighbours.kneighbors(query)
    votes = [Counter(row) for row in reference_labels[indices].tolist()]
    expected_knn = np.mean(
        [
            # The winner: most votes, ties to the nearest of the tied labels.
            next(label for label in row if count[label] == max(count.values())) == truth
            for row, count, truth in zip(reference_labels[indices].tolist(), votes, query_labels, strict=True)
        ]
    )
    expected_precision = np.mean(reference_labels[indices[:, 0]] == query_labels)
    accuracy = knn_accuracy(query, query_labels, reference, reference_labels, k=5, metric=metric)
    precision = precision_at_1(query, query_labels, reference, reference_labels, metric=metric)
    assert accuracy == pytest.approx(expected_knn)
    assert precision == pytest.approx(expected_precision)
    assert 0.3 < accuracy < 1.0  # the data must allow mistakes for the comparison to mean much


def test_map_at_r_hand_case():
    # One query at 0 and six references on a line. Nearest first: 1.0 (label 0), 2.0 (1), 3.0 (0),
    # 4.0 (1), 5.0 (0), 6.0 (1). Label 0 has R = 3 references, so only the first 3 count:
    # relevant at positions 1 and 3, P(1) = 1/1, P(3) = 2/3, AP@R = (1 + 2/3) / 3 = 5/9.
    query = np.array([[0.0]])
    reference = np.array([[3.0], [1.0], [6.0], [2.0], [5.0], [4.0]])
    reference_labels = np.array([0, 0, 1, 1, 0, 1])
    result = mean_average_precision_at_r(query, np.array([0]), reference, reference_labels)
    assert result == pytest.approx(5 / 9)


def test_map_at_r_matches_the_definition_and_perfect_clusters_score_one():
    query, query_labels, reference, reference_labels = clustered_embeddings(7)
    expected = np.mean(
        [
            naive_average_precision_at_r(row, label, reference, reference_labels)
            for row, label in zip(query, query_labels, strict=True)
        ]
    )
    result = mean_average_precision_at_r(query, query_labels, reference, reference_labels)
    assert result == pytest.approx(expected)
    assert 0.2 < result < 0.95
    query, query_labels, reference, reference_labels = clustered_embeddings(7, noise=0.01)
    assert mean_average_precision_at_r(query, query_labels, reference, reference_labels) == pytest.approx(1.0)


def test_map_at_r_chunking_does_not_change_the_answer(monkeypatch):
    query, query_labels, reference, reference_labels = clustered_embeddings(8)
    whole = mean_average_precision_at_r(query, query_labels, reference, reference_labels)
    # Lists of at most 100 entries: a few queries per chunk.
    monkeypatch.setattr(evaluation, "_MAX_NEIGHBOUR_LIST_ENTRIES", 100)
    assert mean_average_precision_at_r(query, query_labels, reference, reference_labels) == pytest.approx(whole)


def test_retrieval_metrics_agree_with_the_single_metrics():
    query, query_labels, reference, reference_labels = clustered_embeddings(9, classes=6)
    # k = 40 is more than R for some labels, so the shared list must be max(R, k) long.
    for k in (1, 5, 40):
        metrics = retrieval_metrics(query, query_labels, reference, reference_labels, k=k, metric="cosine")
        assert metrics.k == k
        assert metrics.knn_accuracy == pytest.approx(
            knn_accuracy(query, query_labels, reference, reference_labels, k=k, metric="cosine")
        )
        assert metrics.precision_at_1 == pytest.approx(
            precision_at_1(query, query_labels, reference, reference_labels, metric="cosine")
        )
        assert metrics.map_at_r == pytest.approx(
            mean_average_precision_at_r(query, query_labels, reference, reference_labels, metric="cosine")
        )


def test_retrieval_functions_reject_bad_input():
    query, query_labels, reference, reference_labels = clustered_embeddings(10)
    with pytest.raises(ValueError, match="no reference"):
        mean_average_precision_at_r(query, query_labels + 100, reference, reference_labels)
    with pytest.raises(ValueError, match="k must"):
        retrieval_metrics(query, query_labels, reference, reference_labels, k=len(reference) + 1)
    with pytest.raises(ValueError, match="k must"):
        knn_accuracy(query, query_labels, reference, reference_labels, k=0)
    with pytest.raises(ValueError, match="query_labels"):
        precision_at_1(query, query_labels[:-1], reference, reference_labels)
    with pytest.raises(ValueError, match="reference_labels"):
        knn_accuracy(query, query_labels, reference, reference_labels.astype(float))
    with pytest.raises(ValueError, match="metric"):
        precision_at_1(query, query_labels, reference, reference_labels, metric="hamming")
    with pytest.raises(ValueError):
        precision_at_1(query[:, :3], query_labels, reference, reference_labels)


def test_error_rate_divides_errors_by_totals_and_leaves_missing_pairs_blank():
    from siamese.evaluation import PairErrorTable

    errors = np.zeros((10, 10), dtype=np.int64)
    totals = np.zeros((10, 10), dtype=np.int64)
    errors[3, 5] = errors[5, 3] = 1
    totals[3, 5] = totals[5, 3] = 4
    totals[0, 0] = 2
    rate = PairErrorTable(errors=errors, totals=totals).error_rate
    assert rate[3, 5] == 0.25 and rate[5, 3] == 0.25 and rate[0, 0] == 0.0
    assert np.isnan(rate[1, 2])  # no (1, 2) pairs at all: unknown, not 0 %
