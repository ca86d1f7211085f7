"""What the class board shows about a class's own handwriting, computed from the drawings' embeddings.

- How the network reads the class: each drawing's 5-NN vote among the training digits, the
  accuracy per digit, a confusion table (the digit meant against the digit read) and the misread.
- Which digit the class writes most differently from MNIST: per digit, the mean distance of the
  class's drawings to the centre of MNIST's training digits of that digit, divided by the mean
  distance of MNIST's own digits to it (1 = as typical as MNIST's writers, 2 = twice as far).
- What the class's drawings add as references (few-shot adaptation, no retraining): each drawing
  read again with the other students' drawings added to the training digits, so a drawing is never
  helped by its own writer; the accuracy before and after.
"""

from dataclasses import dataclass

import numpy as np

from siamese.conventions import NUM_CLASSES
from siamese.distances import normalize_rows, pairwise_distances
from siamese.search.neighbour_search import knn_vote, nearest_neighbours


@dataclass(frozen=True, kw_only=True, eq=False)
class ClassReport:
    """The board's figures for ``drawings`` drawings by ``students`` students (arrays per digit are (10,))."""

    drawings: int
    students: int
    predicted: np.ndarray
    accuracy: float
    per_digit_count: np.ndarray
    per_digit_accuracy: np.ndarray
    confusion: np.ndarray
    misread: np.ndarray
    strangeness: np.ndarray

    @property
    def most_different_digit(self) -> int | None:
        """The digit whose class drawings lie farthest (relatively) from MNIST's cluster, or ``None``."""
        if np.all(np.isnan(self.strangeness)):
            return None
        return int(np.nanargmax(self.strangeness))


@dataclass(frozen=True, kw_only=True)
class Adaptation:
    """Accuracy of the class's drawings before and after adding the other students' drawings as references."""

    before: float
    after: float
    evaluated: int


def class_report(embeddings: np.ndarray, digits: np.ndarray, students: np.ndarray, index, *, k: int = 5) -> ClassReport:
    """The figures of a class: ``embeddings`` (n, D) of its drawings, the ``digits`` (n,) meant, ``students`` (n,)."""
    digits = np.asarray(digits, dtype=np.int64)
    if len(embeddings) == 0:
        return _empty_report()
    predicted = _mnist_votes(embeddings, index, k=k)
    right = predicted == digits
    counts = np.bincount(digits, minlength=NUM_CLASSES)
    right_counts = np.bincount(digits[right], minlength=NUM_CLASSES)
    per_digit = np.full(NUM_CLASSES, np.nan)
    np.divide(right_counts, counts, out=per_digit, where=counts > 0)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(confusion, (digits, predicted), 1)
    return ClassReport(
        drawings=len(digits),
        students=len(set(np.asarray(students).tolist())),
        predicted=predicted,
        accuracy=float(right.mean()),
        per_digit_count=counts,
        per_digit_accuracy=per_digit,
        confusion=confusion,
        misread=np.flatnonzero(~right),
        strangeness=_strangeness(embeddings, digits, index),
    )


def with_class_references(
    embeddings: np.ndarray, digits: np.ndarray, students: np.ndarray, index, *, k: int = 5
) -> Adaptation:
    """Read each drawing among the training digits plus the *other* students' drawings (see the module)."""
    digits, students = np.asarray(digits, dtype=np.int64), np.asarray(students)
    if len(digits) == 0:
        return Adaptation(before=float("nan"), after=float("nan"), evaluated=0)
    mnist_distances, mnist_indices = nearest_neighbours(
        embeddings, index.reference_embeddings, k=min(k, len(index.reference_labels)), metric=index.metric
    )
    mnist_labels = index.reference_labels[mnist_indices]
    before, _ = knn_vote(mnist_labels, neighbour_distances=mnist_distances)
    class_distances = pairwise_distances(embeddings, embeddings, metric=index.metric)
    class_distances[students[:, None] == students[None, :]] = np.inf  # never one's own drawings
    distances = np.concatenate([mnist_distances, class_distances], axis=1)
    labels = np.concatenate([mnist_labels, np.broadcast_to(digits, class_distances.shape)], axis=1)
    nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]
    after, _ = knn_vote(
        np.take_along_axis(labels, nearest, axis=1), neighbour_distances=np.take_along_axis(distances, nearest, axis=1)
    )
    return Adaptation(
        before=float(np.mean(before == digits)), after=float(np.mean(after == digits)), evaluated=len(digits)
    )


def _mnist_votes(embeddings: np.ndarray, index, *, k: int) -> np.ndarray:
    distances, indices = nearest_neighbours(
        embeddings, index.reference_embeddings, k=min(k, len(index.reference_labels)), metric=index.metric
    )
    predicted, _ = knn_vote(index.reference_labels[indices], neighbour_distances=distances)
    return predicted


def _strangeness(embeddings: np.ndarray, digits: np.ndarray, index) -> np.ndarray:
    """Per digit: the class's mean distance to MNIST's centre of that digit over MNIST's own mean distance."""
    references, labels = index.reference_embeddings, index.reference_labels
    if index.metric == "cosine":
        references = normalize_rows(references)
    ratio = np.full(NUM_CLASSES, np.nan)
    for digit in np.unique(digits):
        members = references[labels == digit]
        if len(members) == 0:
            continue
        centre = members.mean(axis=0, keepdims=True)
        typical = float(pairwise_distances(members, centre, metric=index.metric).mean())
        ours = float(pairwise_distances(embeddings[digits == digit], centre, metric=index.metric).mean())
        ratio[digit] = ours / max(typical, 1e-12)
    return ratio


def _empty_report() -> ClassReport:
    return ClassReport(
        drawings=0,
        students=0,
        predicted=np.zeros(0, dtype=np.int64),
        accuracy=float("nan"),
        per_digit_count=np.zeros(NUM_CLASSES, dtype=np.int64),
        per_digit_accuracy=np.full(NUM_CLASSES, np.nan),
        confusion=np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64),
        misread=np.zeros(0, dtype=np.int64),
        strangeness=np.full(NUM_CLASSES, np.nan),
    )
