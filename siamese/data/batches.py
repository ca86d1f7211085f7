"""Batches for ``model.fit``: pairs, triplets or plain labelled images, gathered on the fly.

Pairs are kept as indices and their pixels gathered per batch, so memory stays
at one copy of the images whatever ``pairs_per_image`` is.
"""

import math

import keras
import numpy as np

from siamese.config import Loss, TrainingConfig
from siamese.conventions import NUM_CLASSES
from siamese.data.augmentation import augment
from siamese.data.pairs import Pairs, make_pairs, make_triplets


def _epoch_seed(config: TrainingConfig, epoch: int) -> int:
    """Fixed pairs reuse the run's seed; fresh pairs and shuffles change with the epoch."""
    return config.seed * 10_007 + epoch


class _GatheredBatches(keras.utils.PyDataset):
    """Batches whose pixels are gathered from ``images`` by the index arrays in ``towers``."""

    def __init__(self, images: np.ndarray, towers: tuple, targets: np.ndarray, *, batch_size: int, full_only: bool):
        super().__init__()
        self.images = images
        self.towers = towers
        self.targets = targets
        self.batch_size = batch_size
        self.full_only = full_only

    def release(self) -> None:
        """Let go of the images and indices; the batches are empty afterwards.

        On TensorFlow, Keras reads a PyDataset through ``tf.data.Dataset.from_generator``,
        which keeps a reference to it for the life of the process
        (tensorflow/tensorflow#123269). Without this, every finished training would keep
        its copy of the training images: 150 MB on full MNIST.
        """
        # New empty arrays, not [:0] slices: a slice is a view that keeps the whole buffer alive.
        self.images = np.empty((0, *self.images.shape[1:]), dtype=self.images.dtype)
        self.towers = tuple(np.empty(0, dtype=tower.dtype) for tower in self.towers)
        self.targets = np.empty(0, dtype=self.targets.dtype)

    def __len__(self) -> int:
        batches = len(self.targets) / self.batch_size
        return math.floor(batches) if self.full_only else math.ceil(batches)

    def __getitem__(self, index: int):
        batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
        inputs = tuple(self.images[tower[batch]] for tower in self.towers)
        return (inputs[0] if len(inputs) == 1 else inputs), self.targets[batch]


class TrainingBatches(_GatheredBatches):
    """One epoch of training batches; only full batches, so in-batch losses see ``batch_size`` images.

    - online: ``(images (b, 28, 28), digits (b,))``
    - pairs: ``((left, right), pair labels (b,))``
    - triplets: ``((anchor, positive, negative), zeros (b,))``
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, config: TrainingConfig, *, epoch: int):
        generator = np.random.default_rng(_epoch_seed(config, epoch))
        pair_seed = config.seed if config.pair_mining == "fixed" else _epoch_seed(config, epoch)
        if config.pair_mining == "online":
            if config.symbol_share and np.any(labels >= NUM_CLASSES):
                order = shared_order(
                    labels,
                    per_class=config.examples_per_class,
                    batch_size=config.batch_size,
                    symbol_share=config.symbol_share,
                    generator=generator,
                )
            elif config.examples_per_class:
                order = class_balanced_order(labels, per_class=config.examples_per_class, generator=generator)
            else:
                order = generator.permutation(len(labels))
            towers, targets = (order,), labels[order]
        elif config.loss == Loss.TRIPLET:
            triplets = make_triplets(labels, triplets_per_image=config.pairs_per_image, seed=pair_seed)
            order = generator.permutation(len(triplets))
            towers = (triplets.anchor[order], triplets.positive[order], triplets.negative[order])
            targets = np.zeros(len(triplets), dtype=np.float32)
        else:
            pairs = make_pairs(labels, pairs_per_image=config.pairs_per_image, seed=pair_seed)
            order = generator.permutation(len(pairs))
            towers, targets = (pairs.left[order], pairs.right[order]), pairs.labels[order].astype(np.float32)
        super().__init__(images, towers, targets, batch_size=config.batch_size, full_only=True)
        self.augmentation = config.augmentation
        self.augmentation_seed = _epoch_seed(config, epoch)

    def __getitem__(self, index: int):
        inputs, targets = super().__getitem__(index)
        if not self.augmentation.is_identity:
            # Seeded by epoch and batch, so a batch is the same whenever and however often it is asked for.
            generator = np.random.default_rng([self.augmentation_seed, index])
            if isinstance(inputs, tuple):
                inputs = tuple(augment(tower, self.augmentation, generator) for tower in inputs)
            else:
                inputs = augment(inputs, self.augmentation, generator)
        return inputs, targets


def class_balanced_order(labels: np.ndarray, *, per_class: int, generator: np.random.Generator) -> np.ndarray:
    """An epoch's image order in runs of ``per_class`` images of one class, the runs shuffled.

    Cut into batches (a multiple of ``per_class``), every image has ``per_class - 1`` partners of its
    class in its batch, however many classes there are; a class's images that do not fill a last run
    wait for another epoch. ``labels`` (n,) int -> ``(m,) int64`` indices, ``m <= n``, each at most once.
    """
    shuffled = generator.permutation(len(labels))
    grouped = shuffled[np.argsort(labels[shuffled], kind="stable")]  # by class, shuffled within
    sorted_labels = labels[grouped]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    ends = np.r_[starts[1:], len(grouped)]
    runs = [
        grouped[start : start + (end - start) // per_class * per_class].reshape(-1, per_class)
        for start, end in zip(starts, ends, strict=True)
    ]
    runs = np.concatenate(runs) if runs else np.zeros((0, per_class), dtype=np.int64)
    return runs[generator.permutation(len(runs))].reshape(-1).astype(np.int64)


def shared_order(
    labels: np.ndarray, *, per_class: int, batch_size: int, symbol_share: float, generator: np.random.Generator
) -> np.ndarray:
    """An epoch's order in which every batch gives ``symbol_share`` of its runs to symbols (labels >= 10).

    The digits set the epoch's length: each digit image at most once, in runs of ``per_class``
    (``class_balanced_order``); the symbols' runs are reused, freshly shuffled, as often as the share
    needs, so hundreds of symbol classes are not drowned out by ten large digit classes.
    ``labels`` (n,) int -> ``(batches * batch_size,) int64`` indices.
    """
    runs_per_batch = batch_size // per_class
    symbol_runs_per_batch = min(max(round(symbol_share * runs_per_batch), 1), runs_per_batch - 1)
    digit_runs_per_batch = runs_per_batch - symbol_runs_per_batch
    is_symbol = labels >= NUM_CLASSES
    digits, symbols = np.flatnonzero(~is_symbol), np.flatnonzero(is_symbol)
    digit_runs = digits[class_balanced_order(labels[digits], per_class=per_class, generator=generator)]
    batches = len(digit_runs) // (digit_runs_per_batch * per_class)
    needed = batches * symbol_runs_per_batch * per_class
    symbol_runs = [np.zeros(0, dtype=np.int64)]
    while sum(len(part) for part in symbol_runs) < needed:
        symbol_runs.append(symbols[class_balanced_order(labels[symbols], per_class=per_class, generator=generator)])
    digit_part = digit_runs[: batches * digit_runs_per_batch * per_class].reshape(batches, -1)
    symbol_part = np.concatenate(symbol_runs)[:needed].reshape(batches, -1)
    return np.concatenate([digit_part, symbol_part], axis=1).reshape(-1).astype(np.int64)


class ValidationBatches(_GatheredBatches):
    """Validation data in the shape the training model expects, fixed for the whole run."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, pairs: Pairs, config: TrainingConfig):
        if config.pair_mining == "online":
            towers, targets = (np.arange(len(labels)),), labels
        elif config.loss == Loss.TRIPLET:
            triplets = make_triplets(labels, seed=config.seed + 1)
            towers = (triplets.anchor, triplets.positive, triplets.negative)
            targets = np.zeros(len(triplets), dtype=np.float32)
        else:
            towers, targets = (pairs.left, pairs.right), pairs.labels.astype(np.float32)
        super().__init__(images, towers, targets, batch_size=config.batch_size, full_only=False)
