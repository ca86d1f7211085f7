"""The small ViT against the CNN on full MNIST, in one run: time per epoch, 5-NN, precision@1, pair accuracy.

Trains the "best" preset's CNN, then the "vit" preset's Vision Transformer, each with
``bench.training.run`` (test pairs scored after every epoch, outside the training clock; 5-NN and
precision@1 of the test digits against the 60,000 training digits). Targets for the ViT: 5-NN
≥ 0.985 within 600 s of training on this machine. Then the quick path: the vit preset on the offline
4,000 digits, as the Train page runs it, timed whole (target under a minute), with its test figures.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.common import report  # noqa: E402
from bench.training import run  # noqa: E402
from siamese.config import preset  # noqa: E402
from siamese.data.mnist import load_embedded_mnist  # noqa: E402
from siamese.evaluation.scores import evaluate_model  # noqa: E402
from siamese.training.trainer import train  # noqa: E402

TARGET_KNN, TARGET_SECONDS = 0.985, 600.0


def _summary(figures: dict) -> dict:
    epochs = len(figures["training_seconds_per_epoch_cumulative"])
    return {
        "epochs": epochs,
        "training_seconds": figures["training_seconds"],
        "seconds_per_epoch": round(figures["training_seconds"] / max(epochs, 1), 1),
        "knn5_accuracy": figures["knn5_accuracy"],
        "precision_at_1": figures["precision_at_1"],
        "map_at_r": figures["map_at_r"],
        "test_pair_accuracy": figures["test_pair_accuracy"],
        "test_pair_accuracy_per_epoch": figures["test_pair_accuracy_per_epoch"],
    }


def _offline_quick_path() -> dict:
    data = load_embedded_mnist()
    config = preset("vit", train_size=len(data.y_train))
    started = time.perf_counter()
    result = train(config, data)
    seconds = time.perf_counter() - started
    figures = evaluate_model(result.embedding_network, data, threshold=result.threshold, metric=config.metric)
    return {
        "epochs": config.epochs,
        "seconds": round(seconds, 1),
        "test_pair_accuracy": round(figures.pair_accuracy, 4),
        "knn5_accuracy": round(figures.retrieval.knn_accuracy, 4),
    }


def main() -> None:
    cnn = _summary(run(preset("best")))
    vit = _summary(run(preset("vit")))
    offline = _offline_quick_path()
    report({
        "cnn": cnn,
        "vit": vit,
        "vit_offline": offline,
        "vit_offline_under_a_minute": offline["seconds"] < 60,
        "vit_seconds_per_epoch_over_cnn": round(vit["seconds_per_epoch"] / cnn["seconds_per_epoch"], 2),
        "vit_target_met": vit["knn5_accuracy"] >= TARGET_KNN and vit["training_seconds"] <= TARGET_SECONDS,
    })  # fmt: skip


if __name__ == "__main__":
    main()
