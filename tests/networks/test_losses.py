"""Each loss against a plain NumPy reference on small hand-made inputs."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from siamese.networks.losses import (
    ContrastiveLoss,
    InBatchBinaryCrossentropy,
    InBatchContrastiveLoss,
    InBatchInfoNCELoss,
    InBatchTripletLoss,
    TripletLoss,
)
from siamese.networks.models import CosineLogit


def _numpy(tensor):
    return ops.convert_to_numpy(tensor)


def test_contrastive_loss_matches_the_formula_on_a_hand_computed_case():
    # same pair at d=0.5 costs 0.25; different pair at d=0.25 with margin 1 costs 0.75² = 0.5625;
    # a different pair beyond the margin costs nothing. Mean = (0.25 + 0.5625 + 0) / 3.
    labels = np.array([1.0, 0.0, 0.0])
    distances = np.array([0.5, 0.25, 1.7], dtype=np.float32)
    assert float(ContrastiveLoss(margin=1.0)(labels, distances)) == pytest.approx((0.25 + 0.5625) / 3)


def test_contrastive_loss_matches_numpy_on_random_pairs(rng):
    labels = rng.integers(0, 2, size=50).astype(np.float32)
    distances = rng.uniform(0, 2, size=50).astype(np.float32)
    margin = 1.3
    expected = np.mean(labels * distances**2 + (1 - labels) * np.maximum(margin - distances, 0) ** 2)
    assert float(ContrastiveLoss(margin=margin)(labels, distances)) == pytest.approx(expected, rel=1e-5)


def test_triplet_loss_matches_numpy(rng):
    distances = rng.uniform(0, 2, size=(40, 2)).astype(np.float32)
    expected = np.mean(np.maximum(distances[:, 0] - distances[:, 1] + 0.5, 0))
    assert float(TripletLoss(margin=0.5)(np.zeros(40), distances)) == pytest.approx(expected, rel=1e-5)


def _naive_in_batch(labels, matrix, pair_term):
    """Per anchor: mean of pair_term over same-digit partners, same over the others, averaged."""
    losses = []
    for i in range(len(labels)):
        same = [pair_term(matrix[i, j], True) for j in range(len(labels)) if j != i and labels[j] == labels[i]]
        other = [pair_term(matrix[i, j], False) for j in range(len(labels)) if labels[j] != labels[i]]
        losses.append(0.5 * ((np.mean(same) if same else 0.0) + (np.mean(other) if other else 0.0)))
    return np.mean(losses)


@pytest.fixture
def batch(rng):
    labels = np.array([0, 0, 1, 1, 1, 2, 3, 3])
    matrix = rng.uniform(0.05, 2.0, size=(8, 8)).astype(np.float32)
    matrix = (matrix + matrix.T) / 2
    np.fill_diagonal(matrix, 0.0)
    return labels, matrix


def test_in_batch_contrastive_matches_a_loop_over_every_pair(batch):
    labels, matrix = batch
    margin = 1.0

    def term(distance, same):
        return distance**2 if same else max(margin - distance, 0) ** 2

    expected = _naive_in_batch(labels, matrix, term)
    assert float(InBatchContrastiveLoss(margin)(labels, matrix)) == pytest.approx(expected, rel=1e-5)


def test_in_batch_bce_matches_a_loop_over_every_pair(batch):
    labels, logits = batch
    logits = (logits - 1.0) * 4

    def term(logit, same):
        probability = 1 / (1 + np.exp(-logit))
        return -np.log(probability) if same else -np.log(1 - probability)

    expected = _naive_in_batch(labels, logits, term)
    assert float(InBatchBinaryCrossentropy()(labels, logits)) == pytest.approx(expected, rel=1e-4)


def test_in_batch_triplet_averages_every_triplet_that_breaks_the_margin(batch):
    labels, matrix = batch
    margin = 0.4
    losses = []
    for a in range(len(labels)):
        broken = []
        for p in range(len(labels)):
            for n in range(len(labels)):
                if p != a and labels[p] == labels[a] and labels[n] != labels[a]:
                    term = matrix[a, p] - matrix[a, n] + margin
                    if term > 0:
                        broken.append(term)
        losses.append(np.mean(broken) if broken else 0.0)  # an anchor with no positive, or all met: 0
    assert float(InBatchTripletLoss(margin)(labels, matrix)) == pytest.approx(np.mean(losses), rel=1e-5)


def test_in_batch_triplets_are_capped_at_a_batch_size_that_fits_in_memory():
    from siamese.config import MAX_TRIPLET_BATCH, TrainingConfig

    TrainingConfig(loss="triplet", batch_size=MAX_TRIPLET_BATCH)
    with pytest.raises(ValueError, match=f"at most {MAX_TRIPLET_BATCH}"):
        TrainingConfig(loss="triplet", batch_size=MAX_TRIPLET_BATCH + 1)
    TrainingConfig(loss="triplet", pair_mining="fixed", batch_size=4 * MAX_TRIPLET_BATCH)  # pairs scale linearly


def test_cosine_logit_starts_at_scale_ten_and_bias_minus_five():
    layer = CosineLogit()
    distances = np.array([0.0, 0.5, 1.0], dtype=np.float32)
    # similarity 1 → 10 - 5 = 5; similarity 0.5 → 0; similarity 0 → -5
    assert np.allclose(_numpy(layer(distances)), [5.0, 0.0, -5.0])
    assert len(layer.trainable_weights) == 2


def test_pair_bce_on_logits_matches_numpy():
    labels = np.array([1.0, 0.0, 1.0])
    logits = np.array([2.0, -1.0, -0.5], dtype=np.float32)
    probability = 1 / (1 + np.exp(-logits))
    expected = -np.mean(labels * np.log(probability) + (1 - labels) * np.log(1 - probability))
    loss = keras.losses.BinaryCrossentropy(from_logits=True)(labels, logits)
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def _infonce_loop(labels, distances, temperature):
    """Supervised InfoNCE written out with plain loops: per anchor, the mean over positives of -log softmax."""
    n = len(labels)
    losses = []
    for anchor in range(n):
        others = [a for a in range(n) if a != anchor]
        normaliser = sum(math.exp(-distances[anchor][a] / temperature) for a in others)
        positives = [p for p in others if labels[p] == labels[anchor]]
        if not positives:
            losses.append(0.0)
            continue
        terms = [-math.log(math.exp(-distances[anchor][p] / temperature) / normaliser) for p in positives]
        losses.append(sum(terms) / len(terms))
    return losses


@pytest.mark.parametrize("temperature", [0.05, 0.1, 1.0])
def test_infonce_matches_a_plain_loop(temperature):
    generator = np.random.default_rng(3)
    labels = np.array([0, 0, 1, 2, 1, 0, 3])  # class 3 has no positive: it adds nothing
    points = generator.normal(size=(len(labels), 4))
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1).astype(np.float32)
    loss = InBatchInfoNCELoss(temperature)
    per_anchor = ops.convert_to_numpy(loss.call(ops.convert_to_tensor(labels), ops.convert_to_tensor(distances)))
    np.testing.assert_allclose(per_anchor, _infonce_loop(labels, distances, temperature), rtol=1e-4, atol=1e-5)
    assert per_anchor[-1] == 0.0


def test_infonce_falls_as_classes_pull_together():
    labels = np.array([0, 0, 1, 1])
    apart = np.array([[0, 1.5, 0.2, 0.2], [1.5, 0, 0.2, 0.2], [0.2, 0.2, 0, 1.5], [0.2, 0.2, 1.5, 0]], np.float32)
    together = np.array([[0, 0.1, 1.5, 1.5], [0.1, 0, 1.5, 1.5], [1.5, 1.5, 0, 0.1], [1.5, 1.5, 0.1, 0]], np.float32)
    loss = InBatchInfoNCELoss(0.1)
    assert float(loss(labels, together)) < 0.01 < float(loss(labels, apart))
