"""Shared pieces of the benchmarks: the full MNIST file, timing, memory and JSON output."""

import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from email.message import Message
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


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(
    url: str, process: subprocess.Popen, *, timeout: float = 90.0, poll_seconds: float = 0.1
) -> Message:
    """Wait for a Streamlit server's ``/_stcore/health`` to answer "ok"; return that answer's headers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Streamlit server exited with code {process.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return response.headers
        except OSError:
            pass
        time.sleep(poll_seconds)
    raise RuntimeError(f"the Streamlit server at {url} did not become healthy within {timeout:.0f} s")


def process_memory_megabytes(pid: int) -> dict[str, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory of a process, from /proc."""
    memory = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            memory[name] = int(value.split()[0]) / 1024
    return memory


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
