"""The small ViT against the CNN on full MNIST, in one run: time per epoch, 5-NN, precision@1, pair accuracy.

Trains the "best" preset's CNN, then the "vit" preset's Vision Transformer, each with
``bench.training.run`` (test pairs scored after every epoch, outside the training clock; 5-NN and
precision@1 of the test digits against the 60,000 training digits). Targets for the ViT: 5-NN
≥ 0.985 within 600 s of training on this machine.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.common import report  # noqa: E402
from bench.training import run  # noqa: E402
from siamese.config import preset  # noqa: E402

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


def main() -> None:
    cnn = _summary(run(preset("best")))
    vit = _summary(run(preset("vit")))
    report({
        "cnn": cnn,
        "vit": vit,
        "vit_seconds_per_epoch_over_cnn": round(vit["seconds_per_epoch"] / cnn["seconds_per_epoch"], 2),
        "vit_target_met": vit["knn5_accuracy"] >= TARGET_KNN and vit["training_seconds"] <= TARGET_SECONDS,
    })  # fmt: skip


if __name__ == "__main__":
    main()
