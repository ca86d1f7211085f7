"""What a learned distance buys on digits never seen in training: digits 5-9 held out on full MNIST.

For the MLP (quick preset) and the CNN (best preset), each with its epochs scaled to the seen
digits: the Siamese network, a softmax classifier of the same network trained on the same seen
digits (its last hidden layer as the embedding), and raw pixels, all scored by
``siamese.evaluation.unseen_digits`` in one run: pair accuracy, 5-NN accuracy, precision@1, MAP@R and 5-way
1-shot accuracy (1,000 episodes, 95 % interval), for the seen and for the unseen digits apart.
Then the same CNN trained with the background symbols too (``train --hold-out 5,6,7,8,9
--with-symbols``), and its classifier on the same digits and symbols.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.common import full_mnist, report  # noqa: E402
from siamese.config import preset  # noqa: E402
from siamese.evaluation.classifier_baseline import train_classifier_baseline  # noqa: E402
from siamese.evaluation.unseen_digits import seen_unseen_figures, threshold_on_pairs  # noqa: E402
from siamese.networks.models import embed  # noqa: E402
from siamese.training.trainer import train, training_split  # noqa: E402

HELD_OUT = (5, 6, 7, 8, 9)
RUNS = (("mlp", "quick", False), ("cnn", "best", False), ("cnn_with_symbols", "best", True))  # key, preset, symbols


def figures(test, train_rows, data, *, threshold, metric) -> dict:
    return seen_unseen_figures(
        test, data.y_test, train_rows, data.y_train, held_out=HELD_OUT, threshold=threshold, metric=metric
    ).to_dict()


def main() -> None:
    data = full_mnist()
    values = {"held_out_digits": list(HELD_OUT)}
    for key, name, with_symbols in RUNS:
        seen_count = int(sum(label not in HELD_OUT for label in data.y_train))
        config = preset(name, train_size=seen_count).replace(held_out_digits=HELD_OUT)
        config = config.including_symbols() if with_symbols else config
        started = time.perf_counter()
        result = train(config, data)
        siamese_seconds = time.perf_counter() - started
        network = result.embedding_network
        started = time.perf_counter()
        classifier, classifier_threshold = train_classifier_baseline(config, data)
        classifier_seconds = time.perf_counter() - started
        values[key] = {
            "preset": name,
            "epochs": config.epochs,
            "siamese_training_seconds": round(siamese_seconds, 1),
            "classifier_training_seconds": round(classifier_seconds, 1),
            "siamese": figures(
                embed(network, data.x_test), embed(network, data.x_train), data,
                threshold=result.threshold, metric=config.metric,
            ),
            "classifier": figures(
                embed(classifier, data.x_test), embed(classifier, data.x_train), data,
                threshold=classifier_threshold, metric=config.metric,
            ),
        }  # fmt: skip
    _, _, x_validation, y_validation = training_split(preset("quick").replace(held_out_digits=HELD_OUT), data)
    pixel_threshold = threshold_on_pairs(x_validation.reshape(len(x_validation), -1), y_validation, metric="euclidean")
    values["pixels"] = figures(
        data.x_test.reshape(len(data.x_test), -1), data.x_train.reshape(len(data.x_train), -1), data,
        threshold=pixel_threshold, metric="euclidean",
    )  # fmt: skip
    report(values)


if __name__ == "__main__":
    main()
