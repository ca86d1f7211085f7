"""Cost of live embedding snapshots: the same training with and without them (full MNIST, default config)."""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from bench.common import full_mnist, report, rounded  # noqa: E402
from siamese.config import TrainingConfig  # noqa: E402
from siamese.training.snapshots import EmbeddingSnapshots  # noqa: E402
from siamese.training.trainer import train  # noqa: E402

SAMPLE = 600  # what the Train page shows


def timed(data, callbacks) -> float:
    started = time.perf_counter()
    train(TrainingConfig(epochs=3), data, callbacks=callbacks)
    return time.perf_counter() - started


def main() -> None:
    data = full_mnist()
    chosen = np.random.default_rng(0).choice(len(data.y_test), size=SAMPLE, replace=False)
    timed(data, [])  # warm-up: the first run pays for graph tracing
    plain = [timed(data, []) for _ in range(2)]
    with_snapshots = [timed(data, [EmbeddingSnapshots(data.x_test[chosen], data.y_test[chosen])]) for _ in range(2)]
    overhead = np.median(with_snapshots) / np.median(plain) - 1.0
    report(rounded({"plain_seconds": plain, "with_snapshots_seconds": with_snapshots, "overhead": float(overhead)}))


if __name__ == "__main__":
    main()
