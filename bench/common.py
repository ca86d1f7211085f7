"""Shared pieces of the benchmarks: the full MNIST file, timing, memory and JSON output."""

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
FULL_MNIST = Path(os.environ.get("SIAMESE_BENCH_MNIST", REPOSITORY.parent / "shared" / "data" / "mnist.npz"))


def full_mnist():
    """Full MNIST from ``../shared/data/mnist.npz``, or exit with a JSON "skipped" line when absent."""
    from siamese.data import load_npz

    if not FULL_MNIST.is_file():
        report({"skipped": f"full MNIST not found at {FULL_MNIST}"})
        sys.exit(0)
    return load_npz(FULL_MNIST)


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
