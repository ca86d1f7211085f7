"""InfoNCE against the contrastive and triplet losses, on the CNN, at equal training time on full MNIST.

Each loss trains the "best" preset's CNN (in-batch pairs, cosine distance, learning rate decayed to 0,
shifts of up to 2 px) with its own usual setting: contrastive with margin 0.5, triplet with margin 0.2
and batch-all triplets, InfoNCE with temperature 0.1. One epoch of each is timed first; each then
trains from scratch for as many whole epochs as fit in ``--seconds`` (default 300) of training, so
every loss gets the same time, not the same number of steps. Reported: 5-NN accuracy and precision@1
of the test digits against the 60,000 training digits, test pair accuracy, the epochs and seconds.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.common import full_mnist, report  # noqa: E402
from siamese.config import preset  # noqa: E402
from siamese.evaluation.scores import evaluate_model  # noqa: E402
from siamese.training.trainer import train  # noqa: E402

LOSSES = {
    "contrastive": {"loss": "contrastive", "margin": 0.5},
    "triplet": {"loss": "triplet", "margin": 0.2},
    "infonce": {"loss": "infonce", "temperature": 0.1},
}


def main() -> None:
    budget = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 300.0
    data = full_mnist()
    values = {"budget_seconds": budget}
    for name, settings in LOSSES.items():
        config = preset("best").replace(**settings)
        started = time.perf_counter()
        train(config.replace(epochs=1), data)
        epoch_seconds = time.perf_counter() - started
        epochs = max(1, int(budget // epoch_seconds))
        started = time.perf_counter()
        result = train(config.replace(epochs=epochs), data)
        seconds = time.perf_counter() - started
        figures = evaluate_model(result.embedding_network, data, threshold=result.threshold, metric=config.metric)
        values[name] = {
            "epochs": epochs,
            "training_seconds": round(seconds, 1),
            "knn_accuracy": round(figures.retrieval.knn_accuracy, 4),
            "precision_at_1": round(figures.retrieval.precision_at_1, 4),
            "test_pair_accuracy": round(figures.pair_accuracy, 4),
        }
    best = max(LOSSES, key=lambda name: values[name]["knn_accuracy"])
    values["best_by_5nn"] = best
    report(values)


if __name__ == "__main__":
    main()
