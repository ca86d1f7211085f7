"""Two models compared on the same test pairs, and their maps aligned, against plain loops and hand-made cases."""

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from siamese.conventions import SAME
from siamese.evaluation.model_comparison import (
    AgreementCounts,
    ModelComparison,
    ModelFigures,
    align_maps,
    compare_evaluations,
    side_by_side_maps,
)
from siamese.evaluation.scores import evaluate_embeddings


def clustered(generator, *, noise: float, width: int):
    """``(test, test_labels, train, train_labels)``: 300 test and 600 train digits around one centre per digit."""
    centres = generator.standard_normal((10, width)) * 2.0
    test_labels, train_labels = np.repeat(np.arange(10), 30), np.repeat(np.arange(10), 60)
    test = centres[test_labels] + noise * generator.standard_normal((300, width))
    train = centres[train_labels] + noise * generator.standard_normal((600, width))
    return test.astype(np.float32), test_labels, train.astype(np.float32), train_labels


@pytest.fixture(scope="module")
def two_evaluations():
    """A sharper and a noisier model of the same digits, each in its own metric and at its own threshold."""
    generator = np.random.default_rng(11)
    test, test_labels, train, train_labels = clustered(generator, noise=0.8, width=6)
    first = evaluate_embeddings(test, test_labels, train, train_labels, threshold=2.4, metric="euclidean")
    test, _, train, _ = clustered(generator, noise=1.3, width=4)
    second = evaluate_embeddings(test, test_labels, train, train_labels, threshold=0.35, metric="cosine")
    return first, second


def test_counts_and_disagreements_match_a_plain_loop(two_evaluations):
    first, second = two_evaluations
    comparison = compare_evaluations(first, second)
    tally = {"both": 0, "first": 0, "second": 0, "neither": 0}
    disagreements, winners = [], []
    for position, (label, first_distance, second_distance) in enumerate(
        zip(first.pairs.labels, first.distances, second.distances, strict=True)
    ):
        truth = label == SAME
        first_says, second_says = first_distance <= 2.4, second_distance <= 0.35
        first_right, second_right = first_says == truth, second_says == truth
        key = {(True, True): "both", (True, False): "first", (False, True): "second", (False, False): "neither"}
        tally[key[first_right, second_right]] += 1
        if first_says != second_says:
            disagreements.append(position)
            winners.append("first" if first_right else "second")
    assert comparison.counts == AgreementCounts(
        both_right=tally["both"],
        only_first_right=tally["first"],
        only_second_right=tally["second"],
        both_wrong=tally["neither"],
    )
    assert comparison.counts.total == len(first.pairs)
    assert comparison.disagreements.tolist() == disagreements
    assert comparison.disagreements.dtype == np.int64
    assert ["first" if right else "second" for right in comparison.first_is_right] == winners
    assert comparison.first_called_same.tolist() == [first.distances[p] <= 2.4 for p in disagreements]
    # The two noise levels give both kinds of disagreement, so the test above can fail either way.
    assert tally["first"] > 0 and tally["second"] > 0


def test_each_models_figures_are_its_own_evaluations(two_evaluations):
    first, second = two_evaluations
    comparison = compare_evaluations(first, second)
    for figures, evaluation in ((comparison.first, first), (comparison.second, second)):
        assert figures == ModelFigures(
            threshold=evaluation.threshold,
            metric=evaluation.metric,
            pair_accuracy=evaluation.pair_accuracy,
            roc_auc=evaluation.roc.auc,
            knn_accuracy=evaluation.retrieval.knn_accuracy,
            precision_at_1=evaluation.retrieval.precision_at_1,
            map_at_r=evaluation.retrieval.map_at_r,
            k=5,
        )
    assert comparison.first.roc_auc > comparison.second.roc_auc  # less noise: better at every threshold
    counts = comparison.counts
    assert comparison.first.pair_accuracy == pytest.approx((counts.both_right + counts.only_first_right) / counts.total)


def test_a_model_compared_with_itself_never_disagrees(two_evaluations):
    first, _ = two_evaluations
    comparison = compare_evaluations(first, first)
    assert comparison.disagreements.size == 0
    assert comparison.counts.only_first_right == comparison.counts.only_second_right == 0
    assert comparison.p_value == 1.0
    left, right = comparison.examples(per_side=6)
    assert left.size == right.size == 0


def test_evaluations_of_different_pairs_are_refused(two_evaluations):
    first, _ = two_evaluations
    generator = np.random.default_rng(3)
    test, test_labels, train, train_labels = clustered(generator, noise=1.0, width=6)
    reseeded = evaluate_embeddings(test, test_labels, train, train_labels, threshold=2.0, metric="euclidean", seed=1)
    with pytest.raises(ValueError, match="same test digits and pairs"):
        compare_evaluations(first, reseeded)


def test_examples_are_seeded_disagreements_won_by_each_side(two_evaluations):
    comparison = compare_evaluations(*two_evaluations)
    first_wins, second_wins = comparison.examples(per_side=4, seed=2)
    won_by_first = set(comparison.disagreements[comparison.first_is_right].tolist())
    won_by_second = set(comparison.disagreements[~comparison.first_is_right].tolist())
    assert set(first_wins.tolist()) <= won_by_first and set(second_wins.tolist()) <= won_by_second
    assert first_wins.size == min(4, len(won_by_first)) and second_wins.size == min(4, len(won_by_second))
    assert np.all(np.diff(first_wins) > 0) and np.all(np.diff(second_wins) > 0)
    again = comparison.examples(per_side=4, seed=2)
    assert [part.tolist() for part in again] == [first_wins.tolist(), second_wins.tolist()]
    everything = comparison.examples(per_side=10_000)
    assert sorted(everything[0].tolist() + everything[1].tolist()) == comparison.disagreements.tolist()
    with pytest.raises(ValueError, match="per_side"):
        comparison.examples(per_side=-1)


@pytest.mark.parametrize(
    ("only_first", "only_second", "expected"),
    [
        (0, 5, 2 * 0.5**5),  # the most uneven split of five: both tails, 1/32 each
        (5, 0, 2 * 0.5**5),
        (1, 1, 1.0),
        (2, 8, 2 * (1 + 10 + 45) / 2**10),  # P(X <= 2) + P(X >= 8) for X ~ Binomial(10, 1/2)
    ],
)
def test_the_p_value_is_mcnemars_exact_test(only_first, only_second, expected):
    comparison = ModelComparison(
        first=None,
        second=None,
        counts=AgreementCounts(both_right=90, only_first_right=only_first, only_second_right=only_second, both_wrong=3),
        disagreements=np.zeros(0, dtype=np.int64),
        first_called_same=np.zeros(0, dtype=bool),
        first_is_right=np.zeros(0, dtype=bool),
    )
    assert comparison.p_value == pytest.approx(expected)


def random_orthogonal(generator, size):
    matrix, _ = np.linalg.qr(generator.standard_normal((size, size)))
    return matrix


def test_a_turned_mirrored_stretched_and_moved_map_is_put_back_on_the_first():
    generator = np.random.default_rng(5)
    first = generator.standard_normal((50, 2)) * np.array([3.0, 1.0])
    mirror_and_turn = np.array([[1.0, 0.0], [0.0, -1.0]]) @ random_orthogonal(generator, 2)
    second = 4.0 * first @ mirror_and_turn + np.array([10.0, -3.0])
    maps = align_maps(first, second)
    assert maps.first_points.dtype == maps.second_points.dtype == np.float32
    np.testing.assert_allclose(maps.second_points, maps.first_points, atol=1e-5)
    assert maps.mismatch_after == pytest.approx(0.0, abs=1e-5)
    assert maps.mismatch_before > 0.5
    assert maps.extent == pytest.approx(1.05 * np.abs(maps.first_points).max(), rel=1e-4)  # both maps fit, just
    # Both maps are centred, with a root-mean-square distance of 1 from the centre.
    for points in (maps.first_points, maps.second_points):
        np.testing.assert_allclose(points.mean(axis=0), 0.0, atol=1e-6)
        assert np.sqrt(np.mean(np.sum(points.astype(np.float64) ** 2, axis=1))) == pytest.approx(1.0, rel=1e-5)


def test_aligning_reduces_the_mismatch_and_keeps_the_second_maps_distances():
    generator = np.random.default_rng(8)
    first = generator.standard_normal((200, 2))
    second = (first + 0.4 * generator.standard_normal((200, 2))) @ random_orthogonal(generator, 2) * 7.0
    maps = align_maps(first, second)
    assert maps.mismatch_after < maps.mismatch_before
    # Only one scale factor for the whole map: every distance within it keeps its ratio to the others.
    ratios = pdist(maps.second_points) / pdist(second)
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-4)
    np.testing.assert_allclose(pdist(maps.first_points) / pdist(first), pdist(maps.first_points)[0] / pdist(first)[0],
                               rtol=1e-4)  # fmt: skip
    # The mismatch is the plain root-mean-square distance between each item's two places.
    gaps = [np.linalg.norm(a - b) for a, b in zip(maps.first_points, maps.second_points, strict=True)]
    assert maps.mismatch_after == pytest.approx(np.sqrt(np.mean(np.square(gaps))), rel=1e-5)


def test_maps_of_different_items_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        align_maps(np.ones((5, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        align_maps(np.full((5, 2), np.nan), np.ones((5, 2)))


def test_side_by_side_maps_of_a_turned_embedding_coincide():
    """A model whose embeddings are another's turned and scaled sees the same digits the same way."""
    generator = np.random.default_rng(9)
    test, *_ = clustered(generator, noise=0.7, width=8)
    turned = 3.0 * test @ random_orthogonal(generator, 8) + 5.0
    maps = side_by_side_maps(test, turned, first_metric="euclidean", second_metric="euclidean")
    assert maps.first_points.shape == maps.second_points.shape == (300, 2)
    np.testing.assert_allclose(maps.second_points, maps.first_points, atol=1e-4)
    unrelated = generator.standard_normal((300, 8))
    other = side_by_side_maps(test, unrelated, first_metric="euclidean", second_metric="cosine")
    assert other.mismatch_after > 0.5 and other.mismatch_after <= other.mismatch_before


def test_a_one_number_embedding_gets_a_flat_second_axis():
    generator = np.random.default_rng(10)
    test, *_ = clustered(generator, noise=0.7, width=3)
    maps = side_by_side_maps(test, test[:, :1], first_metric="euclidean", second_metric="euclidean")
    assert maps.second_points.shape == (300, 2)
    assert np.linalg.matrix_rank(maps.second_points.astype(np.float64), tol=1e-4) == 1  # a line, turned
