"""Retrieval scores, against hand-worked cases, the definition as a plain loop, and scikit-learn."""

from collections import Counter

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from siamese.evaluation import retrieval
from siamese.evaluation.retrieval import knn_accuracy, mean_average_precision_at_r, precision_at_1, retrieval_metrics


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
    monkeypatch.setattr(retrieval, "_MAX_NEIGHBOUR_LIST_ENTRIES", 100)
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
