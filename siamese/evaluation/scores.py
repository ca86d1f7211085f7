"""Evaluate a trained embedding network on the test digits: pairs at a threshold, and retrieval.

Pairs are made from the test digits (one positive and one negative per image, seeded); the
same/different threshold comes from the validation split the model was trained with, never from
the test set. Retrieval uses the test digits as queries and the training digits as references.
``Evaluation.at_threshold(t)`` re-reads the same pairs at any other threshold, for a slider.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from siamese.conventions import SAME, predict_same
from siamese.data.mnist import MnistData
from siamese.data.pairs import Pairs, make_pairs
from siamese.distances import paired_distances
from siamese.evaluation.pair_metrics import (
    DistanceHistograms,
    PairErrorTable,
    RocCurve,
    distance_histograms,
    hardest_mistakes,
    pair_error_table,
    roc_curve,
)
from siamese.evaluation.retrieval import RetrievalMetrics, retrieval_metrics


@dataclass(frozen=True, kw_only=True, eq=False)
class ThresholdCalls:
    """The model's same/different call on every test pair at one ``threshold``.

    Attributes
    ----------
    called_same : (m,) bool, the call for each pair of ``Evaluation.pairs``
    is_wrong : (m,) bool, the call disagrees with the truth
    accuracy : share of pairs called right
    true_positive_rate : share of same-digit pairs called same
    false_positive_rate : share of different-digit pairs called same
    error_table : wrong calls per digit pair
    """

    threshold: float
    called_same: np.ndarray
    is_wrong: np.ndarray
    accuracy: float
    true_positive_rate: float
    false_positive_rate: float
    error_table: PairErrorTable

    def wrong_among(self, positions: np.ndarray) -> int:
        """How many of the pairs at ``positions`` are called wrong."""
        return int(np.count_nonzero(self.is_wrong[positions]))


@dataclass(frozen=True, kw_only=True, eq=False)
class Evaluation:
    """Everything the Evaluate page and ``siamese-explorer evaluate`` show.

    ``test_embeddings`` (n_test, D) and ``train_embeddings`` (n_train, D) are float32;
    ``distances`` (m,) float32 belong to ``pairs`` (indices into the test set, whose digits are
    ``test_labels`` (n_test,) int64). ``calls`` holds the calls at the model's own ``threshold``.
    """

    pairs: Pairs
    distances: np.ndarray
    test_labels: np.ndarray
    threshold: float
    metric: str
    roc: RocCurve
    histograms: DistanceHistograms
    retrieval: RetrievalMetrics
    test_embeddings: np.ndarray
    train_embeddings: np.ndarray

    @cached_property
    def calls(self) -> ThresholdCalls:
        return self.at_threshold(self.threshold)

    @property
    def pair_accuracy(self) -> float:
        """Test pair accuracy at the model's own threshold."""
        return self.calls.accuracy

    def at_threshold(self, threshold: float) -> ThresholdCalls:
        """The calls, rates and error table at another ``threshold`` (a distance)."""
        called_same = predict_same(self.distances, threshold)
        is_same = self.pairs.labels == SAME
        is_wrong = called_same != is_same
        table = pair_error_table(
            self.distances,
            self.pairs.labels,
            self.test_labels[self.pairs.left],
            self.test_labels[self.pairs.right],
            threshold=threshold,
        )
        return ThresholdCalls(
            threshold=float(threshold),
            called_same=called_same,
            is_wrong=is_wrong,
            accuracy=float(np.mean(~is_wrong)),
            true_positive_rate=float(np.mean(called_same[is_same])),
            false_positive_rate=float(np.mean(called_same[~is_same])),
            error_table=table,
        )

    def hardest_mistakes(self, threshold: float, *, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Pair positions ``(farthest_same, closest_different)`` of the worst wrong calls, worst first."""
        return hardest_mistakes(self.distances, self.pairs.labels, threshold=threshold, count=count)

    def sample_pairs(self, *, count: int, mistakes: int, seed: int = 0) -> np.ndarray:
        """``(<= count,) int64`` seeded pair positions: up to ``mistakes`` called wrong, the rest right.

        Chosen at the model's own threshold, so the same pairs stay on screen while a slider recolours them.
        """
        generator = np.random.default_rng(seed)
        is_wrong = self.calls.is_wrong
        wrong, right = np.flatnonzero(is_wrong), np.flatnonzero(~is_wrong)
        wrong_count = min(mistakes, wrong.size)
        right_count = min(count - wrong_count, right.size)
        chosen = np.concatenate(
            [generator.choice(wrong, wrong_count, replace=False), generator.choice(right, right_count, replace=False)]
        )
        return generator.permutation(chosen).astype(np.int64)

    def distance_quantile(self, share: float) -> float:
        """The distance below which ``share`` of the test pairs lie (for a slider's range)."""
        return float(np.quantile(self.distances, share))

    def summary(self) -> dict:
        """The headline figures, as printed by the CLI."""
        return {
            "pair_accuracy": round(self.pair_accuracy, 4),
            "threshold": round(self.threshold, 4),
            "roc_auc": round(self.roc.auc, 4),
            "knn_accuracy": round(self.retrieval.knn_accuracy, 4),
            "precision_at_1": round(self.retrieval.precision_at_1, 4),
            "map_at_r": round(self.retrieval.map_at_r, 4),
            "k": self.retrieval.k,
            "metric": self.metric,
            "test_pairs": len(self.pairs),
        }


def evaluate_model(
    embedding_network, data: MnistData, *, threshold: float, metric: str, k: int = 5, seed: int = 0
) -> Evaluation:
    """Embed the train and test digits and compute every figure of ``Evaluation``."""
    from siamese.networks.models import embed  # here, so that evaluating saved embeddings needs no TensorFlow

    test_embeddings = embed(embedding_network, data.x_test)
    train_embeddings = embed(embedding_network, data.x_train)
    return evaluate_embeddings(
        test_embeddings, data.y_test, train_embeddings, data.y_train, threshold=threshold, metric=metric, k=k, seed=seed
    )


def evaluate_embeddings(
    test_embeddings: np.ndarray,
    test_labels: np.ndarray,
    train_embeddings: np.ndarray,
    train_labels: np.ndarray,
    *,
    threshold: float,
    metric: str,
    k: int = 5,
    seed: int = 0,
    retrieval: RetrievalMetrics | None = None,
) -> Evaluation:
    """``evaluate_model`` for embeddings already computed: ``(n_test, D)`` and ``(n_train, D)`` float32.

    ``retrieval``, when given, is taken as the retrieval scores of these embeddings (they are the
    slow part: a search of every test digit among all training digits), e.g. from a disk cache.
    """
    test_labels = np.asarray(test_labels, dtype=np.int64)
    pairs = make_pairs(test_labels, seed=seed)
    distances = paired_distances(test_embeddings[pairs.left], test_embeddings[pairs.right], metric=metric)
    return Evaluation(
        pairs=pairs,
        distances=distances,
        test_labels=test_labels,
        threshold=float(threshold),
        metric=metric,
        roc=roc_curve(distances, pairs.labels),
        histograms=distance_histograms(distances, pairs.labels),
        retrieval=retrieval
        or retrieval_metrics(test_embeddings, test_labels, train_embeddings, train_labels, k=k, metric=metric),
        test_embeddings=test_embeddings,
        train_embeddings=train_embeddings,
    )
