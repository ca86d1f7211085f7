"""The classic recipe (``siamese.config.CLASSIC``), written plainly, as the baseline every target is measured against.

Dense 784→512→256→128 (ReLU, ReLU, linear); Euclidean distance; contrastive
loss with margin 1; Adam with defaults; batch 32; 5 epochs; one positive and
one negative pair per training image, fixed once and materialised as pixel
arrays (as tutorials do); test pairs likewise; accuracy at distance 0.5.
Prints the time per epoch, the test pair accuracy after each epoch (so other
benchmarks can find the time to reach the final accuracy), 5-NN accuracy and
peak memory.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, ops  # noqa: E402

from bench.common import full_mnist, peak_memory_megabytes, report, rounded  # noqa: E402
from siamese.data.pairs import make_pairs  # noqa: E402
from siamese.evaluation.pair_metrics import best_threshold  # noqa: E402
from siamese.evaluation.retrieval import knn_accuracy  # noqa: E402

EPOCHS = 5


def classic_embedding_network() -> keras.Model:
    images = keras.Input(shape=(784,))
    x = layers.Dense(512, activation="relu")(images)
    x = layers.Dense(256, activation="relu")(x)
    return keras.Model(images, layers.Dense(128)(x))


def contrastive(labels, distances, margin=1.0):
    labels = ops.cast(labels, distances.dtype)
    return ops.mean(labels * ops.square(distances) + (1 - labels) * ops.square(ops.relu(margin - distances)))


def pair_arrays(images, labels, seed):
    pairs = make_pairs(labels, seed=seed)
    return images[pairs.left], images[pairs.right], pairs.labels.astype(np.float32)


def test_pair_accuracy(network, left, right, labels, threshold) -> float:
    left_embeddings = network.predict(left, verbose=0, batch_size=1024)
    distances = np.linalg.norm(left_embeddings - network.predict(right, verbose=0, batch_size=1024), axis=1)
    return float(np.mean((distances <= threshold) == (labels == 1)))


class EpochClock(keras.callbacks.Callback):
    """Training seconds per epoch (test evaluation excluded) and the test accuracy after each."""

    def __init__(self, network, test_pairs):
        super().__init__()
        self.network, self.test_pairs = network, test_pairs
        self.seconds, self.accuracy = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)
        self.accuracy.append(test_pair_accuracy(self.network, *self.test_pairs, threshold=0.5))


def main() -> None:
    data = full_mnist()
    x_train = data.x_train.reshape(-1, 784)
    x_test = data.x_test.reshape(-1, 784)
    keras.utils.set_random_seed(0)
    train_left, train_right, train_labels = pair_arrays(x_train, data.y_train, seed=0)
    test_pairs = pair_arrays(x_test, data.y_test, seed=1)

    network = classic_embedding_network()
    left, right = keras.Input(shape=(784,)), keras.Input(shape=(784,))
    distance = layers.Lambda(lambda pair: ops.sqrt(ops.maximum(ops.sum(ops.square(pair[0] - pair[1]), axis=1), 1e-9)))(
        [network(left), network(right)])  # fmt: skip
    siamese = keras.Model([left, right], distance)
    siamese.compile(optimizer=keras.optimizers.Adam(), loss=contrastive)
    clock = EpochClock(network, test_pairs)
    siamese.fit([train_left, train_right], train_labels, batch_size=32, epochs=EPOCHS, verbose=0, callbacks=[clock])

    train_distances = np.linalg.norm(
        network.predict(train_left[:20000], verbose=0, batch_size=1024)
        - network.predict(train_right[:20000], verbose=0, batch_size=1024), axis=1)  # fmt: skip
    threshold_on_train, _ = best_threshold(train_distances, train_labels[:20000])
    test_embeddings = network.predict(x_test, verbose=0, batch_size=1024)
    train_embeddings = network.predict(x_train, verbose=0, batch_size=1024)
    accuracy_threshold_from_train = test_pair_accuracy(network, *test_pairs, threshold=threshold_on_train)
    report(rounded({
        "training_seconds": sum(clock.seconds),
        "seconds_per_epoch": clock.seconds,
        "cumulative_seconds": list(np.cumsum(clock.seconds)),
        "test_pair_accuracy_per_epoch": clock.accuracy,
        "test_pair_accuracy": clock.accuracy[-1],
        "test_pair_accuracy_threshold_from_train": accuracy_threshold_from_train,
        "knn5_accuracy": knn_accuracy(test_embeddings, data.y_test, train_embeddings, data.y_train, k=5),
        "peak_memory_mb": peak_memory_megabytes(),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
