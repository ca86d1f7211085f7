"""Losses in Keras ops, for pairs and for all pairs inside a batch.

Pair losses take ``y_true`` = pair labels (``SAME`` = 1) and ``y_pred`` = one
distance (or logit) per pair. In-batch losses take ``y_true`` = digit labels
``(n,)`` and ``y_pred`` = the ``(n, n)`` matrix of distances (or logits) between
every two images of the batch, so each image is embedded once per step. The distances come from ``tensor_distances``.
"""

import keras
from keras import ops

from siamese.config import Loss


def contrastive_terms(distances, same, margin: float):
    """Hadsell et al. (2006): ``d²`` for same-digit pairs, ``max(margin - d, 0)²`` for the others."""
    return same * ops.square(distances) + (1.0 - same) * ops.square(ops.relu(margin - distances))


@keras.saving.register_keras_serializable(package="siamese")
class ContrastiveLoss(keras.losses.Loss):
    """Mean contrastive loss over pairs: ``y_true`` (n,) SAME/DIFFERENT, ``y_pred`` (n,) distances."""

    def __init__(self, margin: float = 1.0, name: str = "contrastive", **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        same = ops.cast(ops.reshape(y_true, ops.shape(y_pred)), y_pred.dtype)
        return contrastive_terms(y_pred, same, self.margin)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@keras.saving.register_keras_serializable(package="siamese")
class TripletLoss(keras.losses.Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)``; ``y_pred`` (n, 2) holds ``[d(a, p), d(a, n)]``, ``y_true`` is unused."""

    def __init__(self, margin: float = 1.0, name: str = "triplet", **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        return ops.relu(y_pred[:, 0] - y_pred[:, 1] + self.margin)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


def _same_digit_masks(labels, dtype):
    """``(n,) -> (same, different)``, both ``(n, n)``; an image is never paired with itself."""
    labels = ops.reshape(labels, (-1,))
    equal = ops.cast(ops.equal(labels[:, None], labels[None, :]), dtype)
    not_self = 1.0 - ops.eye(ops.shape(labels)[0], dtype=dtype)
    return equal * not_self, (1.0 - equal)


def _balanced_mean(terms, same, different):
    """Per anchor: the mean over its same-digit pairs and over its different-digit pairs, averaged.

    Balancing matters because a batch of 10 digits holds about nine times more
    different-digit pairs than same-digit ones.
    """
    same_mean = ops.sum(terms * same, axis=1) / ops.maximum(ops.sum(same, axis=1), 1.0)
    different_mean = ops.sum(terms * different, axis=1) / ops.maximum(ops.sum(different, axis=1), 1.0)
    return 0.5 * (same_mean + different_mean)


@keras.saving.register_keras_serializable(package="siamese")
class InBatchContrastiveLoss(keras.losses.Loss):
    """Contrastive loss over every pair in the batch: ``y_true`` (n,) digits, ``y_pred`` (n, n) distances."""

    def __init__(self, margin: float = 1.0, name: str = "in_batch_contrastive", **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        same, different = _same_digit_masks(y_true, y_pred.dtype)
        return _balanced_mean(contrastive_terms(y_pred, same, self.margin), same, different)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@keras.saving.register_keras_serializable(package="siamese")
class InBatchTripletLoss(keras.losses.Loss):
    """Batch-all triplet loss (Hermans et al. 2017): every (anchor, positive, negative) of the batch.

    Each anchor's loss is the mean of ``max(d(a, p) - d(a, n) + margin, 0)`` over its triplets that
    still break the margin, so easy triplets do not dilute the hard ones. The batch-hard variant
    (each anchor's farthest positive against its closest negative) was tried and learned less on the
    offline 4,000 digits: with random batches nearly every anchor broke the margin, so the margin
    stopped mattering (runs with margins 0.3, 0.5 and 1 were identical) and pair accuracy stayed
    near 0.89. ``y_true`` (n,) digits, ``y_pred`` (n, n) distances; memory grows as n³, hence
    ``config.MAX_TRIPLET_BATCH``.
    """

    def __init__(self, margin: float = 1.0, name: str = "in_batch_triplet", **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        same, different = _same_digit_masks(y_true, y_pred.dtype)
        # terms[a, p, n] = d(a, p) - d(a, n) + margin, kept only where p shares a's digit and n does not.
        terms = ops.relu(y_pred[:, :, None] - y_pred[:, None, :] + self.margin)
        terms = terms * (same[:, :, None] * different[:, None, :])
        breaking = ops.cast(terms > 0.0, y_pred.dtype)
        return ops.sum(terms, axis=(1, 2)) / ops.maximum(ops.sum(breaking, axis=(1, 2)), 1.0)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@keras.saving.register_keras_serializable(package="siamese")
class InBatchBinaryCrossentropy(keras.losses.Loss):
    """Balanced binary cross-entropy over every pair: ``y_true`` (n,) digits, ``y_pred`` (n, n) logits."""

    def __init__(self, name: str = "in_batch_bce", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        same, different = _same_digit_masks(y_true, y_pred.dtype)
        terms = ops.binary_crossentropy(same, y_pred, from_logits=True)
        return _balanced_mean(terms, same, different)


@keras.saving.register_keras_serializable(package="siamese")
class InBatchInfoNCELoss(keras.losses.Loss):
    """Supervised InfoNCE (Khosla et al. 2020, "SupCon"; CLIP's loss with labels): ``y_true`` (n,) classes,
    ``y_pred`` (n, n) distances.

    Each image is scored against every other image of the batch by ``-distance / temperature`` (for the
    cosine distance, the cosine similarity over the temperature, up to a constant a softmax ignores).
    For an anchor, each image of its class is a positive to pick out of all the others:
    ``-mean over positives p of log(exp(logit_p) / sum over a != anchor of exp(logit_a))``; anchors with
    no positive in the batch add nothing. A lower temperature weighs the hardest negatives more.
    """

    def __init__(self, temperature: float = 0.1, name: str = "in_batch_infonce", **kwargs):
        super().__init__(name=name, **kwargs)
        self.temperature = temperature

    def call(self, y_true, y_pred):
        same, _ = _same_digit_masks(y_true, y_pred.dtype)
        others = 1.0 - ops.eye(ops.shape(y_pred)[0], dtype=y_pred.dtype)
        logits = -y_pred / self.temperature
        logits = logits - ops.max(logits, axis=1, keepdims=True)  # a stable softmax: same ratios
        log_normaliser = ops.log(ops.sum(ops.exp(logits) * others, axis=1, keepdims=True))
        positives = ops.sum(same, axis=1)
        mean_log_probability = ops.sum((logits - log_normaliser) * same, axis=1) / ops.maximum(positives, 1.0)
        return -mean_log_probability * ops.cast(positives > 0, y_pred.dtype)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}


def loss_for(config) -> keras.losses.Loss:
    """The loss that ``models.build_training_model(config)`` is trained with."""
    online = config.pair_mining == "online"
    if config.loss == Loss.CONTRASTIVE:
        return InBatchContrastiveLoss(config.margin) if online else ContrastiveLoss(config.margin)
    if config.loss == Loss.TRIPLET:
        return InBatchTripletLoss(config.margin) if online else TripletLoss(config.margin)
    if config.loss == Loss.INFONCE:
        return InBatchInfoNCELoss(config.temperature)
    return InBatchBinaryCrossentropy() if online else keras.losses.BinaryCrossentropy(from_logits=True)
