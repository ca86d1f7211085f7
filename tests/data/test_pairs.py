import numpy as np
import pytest

from siamese.conventions import DIFFERENT, SAME
from siamese.data.pairs import make_pairs, make_triplets


@pytest.fixture
def digits():
    return np.random.default_rng(5).integers(0, 10, size=600)


def test_pairs_are_balanced_and_never_pair_an_image_with_itself(digits):
    pairs = make_pairs(digits, pairs_per_image=3, seed=1)
    assert len(pairs) == 2 * 3 * len(digits)
    assert np.sum(pairs.labels == SAME) == np.sum(pairs.labels == DIFFERENT)
    assert np.all(pairs.left != pairs.right)


def test_every_image_starts_one_positive_and_one_negative_pair(digits):
    pairs = make_pairs(digits, seed=2)
    for label in (SAME, DIFFERENT):
        counts = np.bincount(pairs.left[pairs.labels == label], minlength=len(digits))
        assert np.all(counts == 1)


def test_labels_match_the_digits(digits):
    pairs = make_pairs(digits, seed=3)
    assert np.array_equal(pairs.labels == SAME, digits[pairs.left] == digits[pairs.right])


def test_negatives_spread_over_all_other_digits(digits):
    pairs = make_pairs(digits, pairs_per_image=20, seed=4)
    negative = pairs.labels == DIFFERENT
    partner_digits = digits[pairs.right[negative]][digits[pairs.left[negative]] == 3]
    assert set(np.unique(partner_digits)) == set(range(10)) - {3}


def test_same_seed_same_pairs_other_seed_other_pairs(digits):
    first, again, other = make_pairs(digits, seed=9), make_pairs(digits, seed=9), make_pairs(digits, seed=10)
    assert np.array_equal(first.left, again.left) and np.array_equal(first.right, again.right)
    assert not np.array_equal(first.right, other.right)


def test_triplets_hold_an_anchor_a_positive_and_a_negative(digits):
    triplets = make_triplets(digits, triplets_per_image=2, seed=0)
    assert len(triplets) == 2 * len(digits)
    assert np.all(digits[triplets.anchor] == digits[triplets.positive])
    assert np.all(digits[triplets.anchor] != digits[triplets.negative])
    assert np.all(triplets.anchor != triplets.positive)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.zeros(10, dtype=int), "two different digits"),
        (np.array([0, 0, 1]), "digit 1 has one"),
        (np.array([0.0, 1.0]), "integer"),
        (np.array([0, 12, 12, 0]), "0–9"),
    ],
)
def test_labels_that_cannot_make_pairs_are_refused(labels, message):
    with pytest.raises(ValueError, match=message):
        make_pairs(labels)


def test_full_mnist_pairs(full_mnist_path):
    labels = np.load(full_mnist_path, allow_pickle=False)["y_train"]
    pairs = make_pairs(labels, seed=0)
    assert len(pairs) == 120_000
    assert np.array_equal(pairs.labels == SAME, labels[pairs.left] == labels[pairs.right])
