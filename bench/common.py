"""Shared pieces of the benchmarks: the full MNIST file, timing, memory and JSON output.

The app server they start comes from ``explorer_ui.app_server``, shared with the tests.
"""

import json
import resource
import statistics
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def full_mnist_path() -> Path | None:
    """Full MNIST for benchmarks: ``$SIAMESE_MNIST``, else Keras' cached copy; ``None`` when neither exists."""
    from siamese.data.mnist import full_mnist_file

    return full_mnist_file()


def full_mnist():
    """Full MNIST (see ``full_mnist_path``), or exit with a JSON "skipped" line when it is absent."""
    from siamese.data.mnist import load_npz

    path = full_mnist_path()
    if path is None:
        report({"skipped": "full MNIST not found: set SIAMESE_MNIST to an mnist.npz"})
        sys.exit(0)
    return load_npz(path)


def peak_memory_megabytes() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_seconds(function, *, repeats: int, warmup: int = 1) -> tuple[float, list[float]]:
    for _ in range(warmup):
        function()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(round(share * (len(ordered) - 1))), len(ordered) - 1)]


def report(values: dict) -> None:
    print(json.dumps({"benchmark": Path(sys.argv[0]).stem, **values}), flush=True)


def rounded(values: dict, digits: int = 4) -> dict:
    return {key: round(value, digits) if isinstance(value, float) else value for key, value in values.items()}
