"""Positive / negative pairs and triplets of image indices, seeded and vectorised.

Labels follow ``conventions``: ``SAME`` (1) for a positive pair, ``DIFFERENT`` (0)
for a negative one. Pairs are indices into an image array, so 120,000 pairs of
60,000 images cost two int64 arrays, not 750 MB of copied pixels.
"""

from dataclasses import dataclass

import numpy as np

from siamese.conventions import DIFFERENT, SAME


@dataclass(frozen=True, kw_only=True)
class Pairs:
    """``left[i]`` and ``right[i]`` index one pair; ``labels[i]`` is SAME or DIFFERENT. All (m,)."""

    left: np.ndarray
    right: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def first_of_each_kind(self, count: int) -> np.ndarray:
        """Positions ``(<= 2 * count,) int64`` of the first ``count`` SAME and ``count`` DIFFERENT pairs, in order."""
        positives = np.flatnonzero(self.labels == SAME)[:count]
        negatives = np.flatnonzero(self.labels == DIFFERENT)[:count]
        return np.sort(np.concatenate([positives, negatives]))


@dataclass(frozen=True, kw_only=True)
class Triplets:
    """``anchor[i]`` shares its digit with ``positive[i]`` and not with ``negative[i]``. All (m,) int64."""

    anchor: np.ndarray
    positive: np.ndarray
    negative: np.ndarray

    def __len__(self) -> int:
        return len(self.anchor)


class _ClassIndex:
    """Image indices grouped by digit, for drawing random members of a class in one call."""

    def __init__(self, labels: np.ndarray):
        labels = _checked_labels(labels)
        self.order = np.argsort(labels, kind="stable")  # image indices sorted by digit
        self.counts = np.bincount(labels, minlength=10)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]])
        self.position = np.empty_like(self.order)  # where each image sits inside ``order``
        self.position[self.order] = np.arange(len(labels))
        self.labels = labels

    def other_member(self, images: np.ndarray, generator: np.random.Generator) -> np.ndarray:
        """For each image index, a different random image of the same digit."""
        digit = self.labels[images]
        offset = generator.integers(0, self.counts[digit] - 1)  # one fewer: skip the image itself
        own_offset = self.position[images] - self.starts[digit]
        offset = offset + (offset >= own_offset)
        return self.order[self.starts[digit] + offset]

    def member_of_other_digit(self, images: np.ndarray, generator: np.random.Generator) -> np.ndarray:
        """For each image index, a random image of another digit (the digit drawn uniformly)."""
        present = np.flatnonzero(self.counts)
        digit_rank = np.searchsorted(present, self.labels[images])
        other_rank = (digit_rank + generator.integers(1, len(present), size=len(images))) % len(present)
        other_digit = present[other_rank]
        offset = generator.integers(0, self.counts[other_digit])
        return self.order[self.starts[other_digit] + offset]


def _checked_labels(labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got shape {labels.shape}, dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError("labels must be digits 0–9")
    counts = np.bincount(labels, minlength=10)
    if np.count_nonzero(counts) < 2:
        raise ValueError("pairs need images of at least two different digits")
    if np.any(counts == 1):
        raise ValueError(f"every digit present needs at least two images; digit {int(np.argmax(counts == 1))} has one")
    return labels.astype(np.int64)


def make_pairs(labels: np.ndarray, *, pairs_per_image: int = 1, seed: int = 0) -> Pairs:
    """One positive and one negative pair per image, ``pairs_per_image`` times, shuffled.

    Parameters
    ----------
    labels : (n,) int digit of each image.
    pairs_per_image : how many positive (and as many negative) pairs start at each image.
    seed : the same seed gives the same pairs.

    Returns
    -------
    Pairs of length ``2 * n * pairs_per_image``, half SAME and half DIFFERENT.
    """
    if pairs_per_image < 1:
        raise ValueError(f"pairs_per_image must be at least 1, got {pairs_per_image}")
    index = _ClassIndex(labels)
    generator = np.random.default_rng(seed)
    anchors = np.tile(np.arange(len(index.labels)), pairs_per_image)
    positives = index.other_member(anchors, generator)
    negatives = index.member_of_other_digit(anchors, generator)
    left = np.concatenate([anchors, anchors])
    right = np.concatenate([positives, negatives])
    pair_labels = np.concatenate([np.full(len(anchors), SAME), np.full(len(anchors), DIFFERENT)])
    order = generator.permutation(len(left))
    return Pairs(left=left[order], right=right[order], labels=pair_labels[order].astype(np.int64))


def make_triplets(labels: np.ndarray, *, triplets_per_image: int = 1, seed: int = 0) -> Triplets:
    """For each image (``triplets_per_image`` times), a positive and a negative partner, shuffled.

    Returns
    -------
    Triplets of length ``n * triplets_per_image``.
    """
    if triplets_per_image < 1:
        raise ValueError(f"triplets_per_image must be at least 1, got {triplets_per_image}")
    index = _ClassIndex(labels)
    generator = np.random.default_rng(seed)
    anchors = generator.permutation(np.tile(np.arange(len(index.labels)), triplets_per_image))
    return Triplets(
        anchor=anchors,
        positive=index.other_member(anchors, generator),
        negative=index.member_of_other_digit(anchors, generator),
    )
