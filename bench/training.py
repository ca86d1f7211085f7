"""Training speed and quality on full MNIST, with the test set evaluated after every epoch.

``python -m bench.training default`` trains ``TrainingConfig()`` (the project's
default); ``best`` trains the "best" preset within its time budget. After each
epoch the test pair accuracy is measured at the threshold chosen on the
validation split (never on test), outside the training clock, so the time to
reach any accuracy can be read off.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.common import full_mnist, peak_memory_megabytes, report, rounded  # noqa: E402
from siamese.config import TrainingConfig, preset  # noqa: E402
from siamese.data.pairs import make_pairs  # noqa: E402
from siamese.distances import paired_distances  # noqa: E402
from siamese.evaluation.pair_metrics import pair_accuracy  # noqa: E402
from siamese.evaluation.retrieval import retrieval_metrics  # noqa: E402
from siamese.networks.models import embed  # noqa: E402
from siamese.training.trainer import TrainingCallback, train  # noqa: E402


class TestAccuracyPerEpoch(TrainingCallback):
    """Test pair accuracy after each epoch; the time it takes is subtracted from the training clock."""

    def __init__(self, data, metric: str):
        self.data, self.metric = data, metric
        self.pairs = make_pairs(data.y_test, seed=1)
        self.accuracy, self.training_seconds = [], []
        self.excluded = 0.0

    def on_train_begin(self, plan, embedding_network):
        self.started = time.perf_counter()

    def on_epoch_end(self, record, embedding_network):
        measured = time.perf_counter()
        embeddings = embed(embedding_network, self.data.x_test)
        distances = paired_distances(embeddings[self.pairs.left], embeddings[self.pairs.right], metric=self.metric)
        self.accuracy.append(pair_accuracy(distances, self.pairs.labels, threshold=record.threshold))
        self.training_seconds.append(measured - self.started - self.excluded)
        self.excluded += time.perf_counter() - measured


def run(config: TrainingConfig) -> dict:
    data = full_mnist()
    clock = TestAccuracyPerEpoch(data, config.metric)
    result = train(config, data, callbacks=[clock])
    test_embeddings = embed(result.embedding_network, data.x_test)
    train_embeddings = embed(result.embedding_network, data.x_train)
    retrieval = retrieval_metrics(
        test_embeddings, data.y_test, train_embeddings, data.y_train, k=5, metric=config.metric
    )
    return rounded({
        "config": config.to_dict(),
        "training_seconds_per_epoch_cumulative": clock.training_seconds,
        "test_pair_accuracy_per_epoch": clock.accuracy,
        "training_seconds": clock.training_seconds[-1] if clock.training_seconds else 0.0,
        "test_pair_accuracy": clock.accuracy[-1] if clock.accuracy else 0.0,
        "threshold_from_validation": result.threshold,
        "knn5_accuracy": retrieval.knn_accuracy,
        "precision_at_1": retrieval.precision_at_1,
        "map_at_r": retrieval.map_at_r,
        "peak_memory_mb": peak_memory_megabytes(),
    })  # fmt: skip


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "default"
    config = TrainingConfig() if name == "default" else preset(name)
    overrides = dict(argument.split("=", 1) for argument in sys.argv[2:])
    if overrides:
        typed = {key: type(getattr(config, key))(value) if not isinstance(getattr(config, key), bool)
                 else value == "True" for key, value in overrides.items()}  # fmt: skip
        config = config.replace(**typed)
    report({"name": name, **run(config)})


if __name__ == "__main__":
    main()
