"""Evaluate a trained embedding network on the test set: pairs and retrieval.

Pairs are made from the test digits (one positive and one negative per image,
seeded); the same/different threshold comes from the validation split the
model was trained with, never from the test set. Retrieval uses the test digits
as queries and the training digits as references.
"""

from dataclasses import dataclass

import numpy as np

from siamese.data import MnistData
from siamese.distances import paired_distances
from siamese.evaluation import (
    DistanceHistograms,
    PairErrorTable,
    RetrievalMetrics,
    RocCurve,
    distance_histograms,
    pair_accuracy,
    pair_error_table,
    retrieval_metrics,
    roc_curve,
)
from siamese.models import embed
from siamese.pairs import Pairs, make_pairs


@dataclass(frozen=True)
class ModelEvaluation:
    """Everything the Evaluate page and ``siamese-explorer evaluate`` show.

    ``test_embeddings`` (n_test, D) and ``train_embeddings`` (n_train, D) are float32;
    ``distances`` (m,) float32 belong to ``pairs`` (indices into the test set).
    """

    pairs: Pairs
    distances: np.ndarray
    threshold: float
    metric: str
    pair_accuracy: float
    roc: RocCurve
    histograms: DistanceHistograms
    error_table: PairErrorTable
    retrieval: RetrievalMetrics
    test_embeddings: np.ndarray
    train_embeddings: np.ndarray

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
) -> ModelEvaluation:
    """Embed the train and test digits and compute every figure of ``ModelEvaluation``."""
    test_embeddings = embed(embedding_network, data.x_test)
    train_embeddings = embed(embedding_network, data.x_train)
    pairs = make_pairs(data.y_test, seed=seed)
    distances = paired_distances(test_embeddings[pairs.left], test_embeddings[pairs.right], metric)
    return ModelEvaluation(
        pairs=pairs,
        distances=distances,
        threshold=threshold,
        metric=metric,
        pair_accuracy=pair_accuracy(distances, pairs.labels, threshold=threshold),
        roc=roc_curve(distances, pairs.labels),
        histograms=distance_histograms(distances, pairs.labels),
        error_table=pair_error_table(
            distances, pairs.labels, data.y_test[pairs.left], data.y_test[pairs.right], threshold=threshold
        ),
        retrieval=retrieval_metrics(test_embeddings, data.y_test, train_embeddings, data.y_train, k=k, metric=metric),
        test_embeddings=test_embeddings,
        train_embeddings=train_embeddings,
    )
