"""The quick-demo preset on the embedded 5,000-digit set: wall time and validation pair accuracy.

Baseline in the same run: the classic recipe (the "classic" preset) on the same data.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.common import report, rounded  # noqa: E402
from siamese.config import preset  # noqa: E402
from siamese.data.mnist import load_mnist  # noqa: E402
from siamese.training.trainer import train  # noqa: E402


def timed_run(name: str, data) -> tuple[float, float]:
    started = time.perf_counter()
    result = train(preset(name), data)
    return time.perf_counter() - started, result.validation_pair_accuracy


def main() -> None:
    data = load_mnist("embedded")
    quick_seconds, quick_accuracy = timed_run("quick", data)
    classic_seconds, classic_accuracy = timed_run("classic", data)
    report(rounded({
        "quick_seconds": quick_seconds,
        "quick_validation_pair_accuracy": quick_accuracy,
        "classic_seconds": classic_seconds,
        "classic_validation_pair_accuracy": classic_accuracy,
        "time_ratio_quick_over_classic": quick_seconds / classic_seconds,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
