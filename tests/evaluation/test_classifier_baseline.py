"""The classifier baseline: trained on the seen digits only, its hidden layer embeds every digit."""

import numpy as np
import pytest

from siamese.config import TrainingConfig
from siamese.evaluation.classifier_baseline import train_classifier_baseline
from siamese.evaluation.retrieval import retrieval_metrics
from siamese.networks.models import embed

pytestmark = pytest.mark.slow


def test_its_hidden_layer_is_an_embedding_that_finds_seen_digits(small_data):
    config = TrainingConfig(epochs=3, embedding_dim=32, held_out_digits=(7, 8, 9))
    network, threshold = train_classifier_baseline(config, small_data)
    assert network.output_shape == (None, 32)
    seen = ~np.isin(small_data.y_test, (7, 8, 9))
    test = embed(network, small_data.x_test[seen])
    train_seen = ~np.isin(small_data.y_train, (7, 8, 9))
    train = embed(network, small_data.x_train[train_seen])
    scores = retrieval_metrics(test, small_data.y_test[seen], train, small_data.y_train[train_seen], k=5)
    assert scores.knn_accuracy > 0.85
    assert threshold > 0
