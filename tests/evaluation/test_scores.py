"""A model's evaluation on the test digits, and its calls at any threshold, against plain loops."""

import numpy as np
import pytest

from siamese.conventions import SAME
from siamese.distances import paired_distances
from siamese.evaluation.pair_metrics import pair_accuracy
from siamese.evaluation.retrieval import retrieval_metrics
from siamese.evaluation.scores import evaluate_embeddings, evaluate_model


@pytest.fixture(scope="module")
def clustered():
    """Embeddings of 300 test and 600 train digits around one centre per digit, noisy enough for mistakes."""
    generator = np.random.default_rng(4)
    centres = generator.standard_normal((10, 6)) * 2.0
    test_labels, train_labels = np.repeat(np.arange(10), 30), np.repeat(np.arange(10), 60)
    test = centres[test_labels] + generator.standard_normal((300, 6))
    train = centres[train_labels] + generator.standard_normal((600, 6))
    return test.astype(np.float32), test_labels, train.astype(np.float32), train_labels


@pytest.fixture(scope="module")
def evaluation(clustered):
    test, test_labels, train, train_labels = clustered
    return evaluate_embeddings(test, test_labels, train, train_labels, threshold=2.5, metric="euclidean")


def test_pairs_distances_and_scores_are_the_plain_ones(evaluation, clustered):
    test, test_labels, train, train_labels = clustered
    pairs = evaluation.pairs
    np.testing.assert_array_equal(pairs.labels == SAME, test_labels[pairs.left] == test_labels[pairs.right])
    np.testing.assert_allclose(evaluation.distances, paired_distances(test[pairs.left], test[pairs.right]))
    assert evaluation.pair_accuracy == pytest.approx(pair_accuracy(evaluation.distances, pairs.labels, threshold=2.5))
    assert evaluation.retrieval == retrieval_metrics(test, test_labels, train, train_labels, k=5)
    assert 0.6 < evaluation.pair_accuracy < 1.0


@pytest.mark.parametrize("threshold", [0.0, 1.7, 2.5, 4.0, 100.0])
def test_calls_at_a_threshold_match_a_loop(evaluation, threshold):
    calls = evaluation.at_threshold(threshold)
    truth = evaluation.pairs.labels == SAME
    loop_same = [distance <= threshold for distance in evaluation.distances]
    assert calls.called_same.tolist() == loop_same
    assert calls.is_wrong.tolist() == [said != real for said, real in zip(loop_same, truth, strict=True)]
    assert calls.accuracy == pytest.approx(np.mean(np.array(loop_same) == truth))
    assert calls.true_positive_rate == pytest.approx(np.mean(np.array(loop_same)[truth]))
    assert calls.false_positive_rate == pytest.approx(np.mean(np.array(loop_same)[~truth]))
    # Each wrong pair counts once in its cell and once in its mirror, the diagonal once.
    left = evaluation.test_labels[evaluation.pairs.left][calls.is_wrong]
    right = evaluation.test_labels[evaluation.pairs.right][calls.is_wrong]
    assert calls.error_table.errors.sum() == 2 * np.count_nonzero(left != right) + np.count_nonzero(left == right)
    assert calls.wrong_among(np.arange(10)) == int(np.count_nonzero(calls.is_wrong[:10]))


def test_the_pair_sample_shows_some_mistakes_and_stays_put(evaluation):
    positions = evaluation.sample_pairs(count=24, mistakes=8)
    assert positions.size == 24 and np.unique(positions).size == 24
    assert evaluation.calls.wrong_among(positions) == min(8, int(evaluation.calls.is_wrong.sum()))
    np.testing.assert_array_equal(evaluation.sample_pairs(count=24, mistakes=8), positions)


def test_the_hardest_mistakes_are_the_worst_wrong_calls(evaluation):
    farthest_same, closest_different = evaluation.hardest_mistakes(2.5, count=3)
    same = evaluation.pairs.labels == SAME
    missed = np.flatnonzero(same & (evaluation.distances > 2.5))
    assert set(farthest_same) == set(missed[np.argsort(-evaluation.distances[missed])[:3]])
    assert all(not same[position] and evaluation.distances[position] <= 2.5 for position in closest_different)


def test_a_model_is_evaluated_on_its_own_embeddings(trained_model, embedded_data):
    evaluation = evaluate_model(
        trained_model.embedding_network,
        embedded_data,
        threshold=trained_model.threshold,
        metric=trained_model.config.metric,
    )
    assert evaluation.test_embeddings.shape == (1000, trained_model.config.embedding_dim)
    assert evaluation.train_embeddings.shape == (4000, trained_model.config.embedding_dim)
    summary = evaluation.summary()
    assert summary["pair_accuracy"] > 0.85 and summary["knn_accuracy"] > 0.85
    assert summary["test_pairs"] == 2000 and summary["metric"] == trained_model.config.metric
