"""Seen and unseen digits scored apart, against the plain scores of each group."""

import numpy as np
import pytest

from siamese.data.pairs import make_pairs
from siamese.distances import paired_distances
from siamese.evaluation.pair_metrics import pair_accuracy
from siamese.evaluation.retrieval import retrieval_metrics
from siamese.evaluation.unseen_digits import seen_unseen_figures, threshold_on_pairs


@pytest.fixture(scope="module")
def clusters():
    generator = np.random.default_rng(5)
    centres = generator.standard_normal((10, 6)) * 2.0
    test_labels, train_labels = np.repeat(np.arange(10), 20), np.repeat(np.arange(10), 40)
    test = (centres[test_labels] + generator.standard_normal((200, 6))).astype(np.float32)
    train = (centres[train_labels] + generator.standard_normal((400, 6))).astype(np.float32)
    return test, test_labels, train, train_labels


def test_each_group_is_scored_only_among_its_own_digits(clusters):
    test, test_labels, train, train_labels = clusters
    held_out = (5, 6, 7, 8, 9)
    figures = seen_unseen_figures(
        test, test_labels, train, train_labels, held_out=held_out, threshold=2.4, metric="euclidean", episodes=50
    )
    unseen_test, unseen_train = np.isin(test_labels, held_out), np.isin(train_labels, held_out)
    expected = retrieval_metrics(
        test[unseen_test], test_labels[unseen_test], train[unseen_train], train_labels[unseen_train], k=5
    )
    assert figures.unseen.knn_accuracy == pytest.approx(expected.knn_accuracy)
    assert figures.unseen.map_at_r == pytest.approx(expected.map_at_r)
    pairs = make_pairs(test_labels[unseen_test], seed=0)
    group = test[unseen_test]
    distances = paired_distances(group[pairs.left], group[pairs.right])
    assert figures.unseen.pair_accuracy == pytest.approx(pair_accuracy(distances, pairs.labels, threshold=2.4))
    assert figures.unseen.digits == held_out and figures.seen.digits == (0, 1, 2, 3, 4)
    assert figures.unseen.test_digits == 100 and figures.unseen.few_shot.n_way == 5
    assert 0.2 < figures.unseen.few_shot.accuracy <= 1.0


def test_a_group_of_one_digit_has_no_pairs_or_episodes(clusters):
    test, test_labels, train, train_labels = clusters
    figures = seen_unseen_figures(test, test_labels, train, train_labels, held_out=(3,), threshold=2.0, metric="cosine")
    assert figures.unseen.pair_accuracy is None and figures.unseen.few_shot is None
    assert figures.unseen.knn_accuracy == 1.0  # its only neighbours are its own digit
    assert figures.to_dict()["unseen"]["pair_accuracy"] is None
    with pytest.raises(ValueError, match="no digits were held out"):
        seen_unseen_figures(test, test_labels, train, train_labels, held_out=(), threshold=2.0, metric="cosine")


def test_a_threshold_is_the_best_one_on_the_given_pairs(clusters):
    test, test_labels, _, _ = clusters
    threshold = threshold_on_pairs(test, test_labels, metric="euclidean")
    pairs = make_pairs(test_labels, seed=0)
    distances = paired_distances(test[pairs.left], test[pairs.right])
    best = pair_accuracy(distances, pairs.labels, threshold=threshold)
    for other in np.linspace(0.5, 6, 23):
        assert pair_accuracy(distances, pairs.labels, threshold=float(other)) <= best + 1e-12
