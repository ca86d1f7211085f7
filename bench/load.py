"""Load test: concurrent sessions drawing digits on one running app, through the browser's own protocol.

Starts ``streamlit run app.py`` on a free loopback port (embedded MNIST, a fresh
default-model cache), then talks to it the way the browser does: a websocket to
``/_stcore/stream`` carrying protobufs (``BackMsg`` up, ``ForwardMsg`` down).
No browser and no AppTest: each session is a small asyncio client.

* Warm-up (not measured): one session opens the Draw page, which trains the
  shared default model once, and sends one drawing; its answer must name the digit.
* Baseline ``single_session``: one session alone sends 8 drawings, one after another.
* Phase ``no_training``: 30 sessions open the Draw page and each sends 4
  drawings (a real MNIST test digit, 10x enlarged to the 280x280 canvas, sent as
  the canvas component sends it) with a short random think time in between.
* Phase ``two_trainings``: the same while 2 other sessions train on the Train
  page (the quick preset with many more epochs, stopped when the phase ends).

Latency of a query is the time from sending its rerun to the run's
``script_finished`` and the images it shows loaded (each tab GETs the image URLs
it has not loaded before, all at once, as a browser does). An error is an
exception element, a run that finishes other than successfully, an image that
does not load, a closed connection, or no finish within 30 s. Prints one
JSON line: per phase the queries, errors, latency percentiles, how many answers
named the drawn digit, the server's CPU time per query (phases without training),
its memory and ``uptime`` before and after; the server's peak memory (VmHWM).
The load generator shares the machine's cores with the server (about 3 ms of
CPU per query, against the server's hundreds).
Targets: p95 <= 2 s without training, <= 4 s with 2 trainings.
"""

import asyncio
import os
import statistics
import subprocess
import tempfile
import time

from bench.common import percentile, report, rounded
from explorer_ui.app_server import App, process_cpu_seconds, process_memory_megabytes, running_app
from explorer_ui.app_sessions import Drawing, digit_drawings, draw_phase, warm_up

SESSIONS = 30
QUERIES_PER_SESSION = 4  # 5 would take the whole run past 4 minutes on 2 busy cores
TRAININGS = 2
TARGET_P95_MS = {"no_training": 2000, "two_trainings": 4000}


# ---------------------------------------------------------------- the server
def uptime() -> str:
    completed = subprocess.run(["uptime"], capture_output=True, text=True, timeout=10)
    return completed.stdout.strip() or " ".join(f"{load:.2f}" for load in os.getloadavg())


def summarize(phase: dict) -> dict:
    """Counts and latency percentiles (ms) of a phase's queries; errors listed (at most 5 kinds)."""
    results, opens = phase["results"], phase["opens"]
    answered = [query for query in results if not query.error]
    latencies = [query.seconds * 1000 for query in answered]
    open_ms = [query.seconds * 1000 for query in opens if not query.error]
    errors = [query.error for query in results if query.error]
    open_errors = [query.error for query in opens if query.error]
    summary = {
        "queries": len(results),
        "errors": len(errors),
        "page_open_errors": len(open_errors),
        "p50_ms": percentile(latencies, 0.5) if latencies else None,
        "p95_ms": percentile(latencies, 0.95) if latencies else None,
        "max_ms": max(latencies) if latencies else None,
        "mean_ms": statistics.fmean(latencies) if latencies else None,
        "with_prediction": sum(query.predicted is not None for query in answered),
        "correct": sum(query.predicted == query.label for query in answered),
        "page_open_p95_ms": percentile(open_ms, 0.95) if open_ms else None,
        "queries_per_second": len(answered) / phase["seconds"],
        "phase_seconds": phase["seconds"],
    }
    if phase["trainings_running_at_start"]:
        summary["trainings_running_at_start"] = sum(phase["trainings_running_at_start"])
        summary["trainings_still_running_at_end"] = sum(phase["trainings_still_running_at_end"])
        summary["training_epochs_during"] = [round(epochs, 2) for epochs in phase["training_epochs_during"]]
        summary["training_planned_epochs"] = phase["training_planned_epochs"]
        summary["training_restarts"] = sum(phase["training_restarts"])
        summary["training_errors"] = len(phase["training_errors"])
    kinds = sorted(set(errors + open_errors + phase["training_errors"]))
    if kinds:
        summary["error_kinds"] = kinds[:5]
    return rounded(summary, 1)


async def measure(app: App, drawings: list[Drawing], *, sessions: int, queries: int, trainings: int) -> dict:
    """Warm-up, then the phases in order: a lone session (the baseline), the load, the load with trainings."""
    warm = await warm_up(app, drawings[0])
    if warm.error or warm.predicted is None:
        raise RuntimeError(f"warm-up query failed: {warm.error or 'no prediction on the page'}")
    values = {"warm_up_query": {"label": warm.label, "predicted": warm.predicted, "ms": round(warm.seconds * 1000)}}
    phases = (
        ("single_session", 1, 2 * queries, 0),
        ("no_training", sessions, queries, 0),
        ("two_trainings", sessions, queries, trainings),
    )
    for seed, (name, session_count, query_count, training_count) in enumerate(phases):
        before, cpu_before = uptime(), process_cpu_seconds(app.pid)
        phase = await draw_phase(
            app, drawings, sessions=session_count, queries=query_count, trainings=training_count, seed=seed
        )
        summary = summarize(phase)
        if not training_count:  # with trainings, the server's CPU time is mostly theirs
            answered = max(summary["queries"] - summary["errors"], 1)
            summary["server_cpu_ms_per_query"] = round((process_cpu_seconds(app.pid) - cpu_before) * 1000 / answered)
        values[name] = {
            **summary,
            "server_memory_mb": rounded(process_memory_megabytes(app.pid), 1),
            "uptime_before": before,
            "uptime_after": uptime(),
        }
    return values


def main() -> None:
    drawings = digit_drawings()
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="siamese-load-cache-") as cache,
        running_app(cache, max_trainings=TRAININGS) as app,
    ):
        values = asyncio.run(
            measure(app, drawings, sessions=SESSIONS, queries=QUERIES_PER_SESSION, trainings=TRAININGS)
        )
        memory = process_memory_megabytes(app.pid)
    report({
        "sessions": SESSIONS,
        "queries_per_session": QUERIES_PER_SESSION,
        "trainings": TRAININGS,
        "targets_met": {
            name: values[name]["errors"] == values[name]["page_open_errors"] == 0
            and (values[name]["p95_ms"] or float("inf")) <= target
            for name, target in TARGET_P95_MS.items()
        },
        **values,
        "server_peak_memory_mb": round(memory["VmHWM"], 1),
        "cpu_cores": os.cpu_count(),
        "total_seconds": round(time.monotonic() - started, 1),
    })  # fmt: skip


if __name__ == "__main__":
    main()
