"""Server memory while many students train one after another: does the server give memory back?

Starts ``streamlit run app.py`` on the embedded data (as ``bench/load.py`` does),
then runs ``ROUNDS`` rounds. In each, ``SESSIONS_PER_ROUND`` tabs open the Train page
one after another, each trains ``TRAININGS_PER_SESSION`` times (the quick preset,
``EPOCHS`` epochs) and closes while one more training has just begun, as a student
might. Between rounds the server is left alone for longer
than Streamlit keeps a closed tab's session (``server.disconnectedSessionTTL``, 120 s
by default), so what a closed tab trained may be freed.

Prints the server's resident memory (VmRSS) at the start and after every round,
and the growth per training from the end of the first round to the end of the
last: what each training costs for the life of the server. Target: under 1 MB
(before the fix in ``siamese.training.trainer._nothing_kept_after_training`` and
``siamese.data.batches`` it was about 28 MB per training).
"""

import asyncio
import tempfile
import time

from bench.common import report
from explorer_ui.app_server import process_memory_megabytes, running_app
from explorer_ui.app_sessions import Training, digit_drawings, warm_up

ROUNDS = 3
SESSIONS_PER_ROUND = 6
TRAININGS_PER_SESSION = 3
EPOCHS = 4
SESSION_TTL_SECONDS = 120  # Streamlit's default server.disconnectedSessionTTL
TRAINING_TIMEOUT = 120.0


async def one_session(app) -> list[str]:
    """A tab that trains ``TRAININGS_PER_SESSION`` times in a row, then closes; returns its errors."""
    training = Training(app, epochs=EPOCHS)
    await training.start(time.perf_counter() + TRAINING_TIMEOUT * TRAININGS_PER_SESSION)
    # The tab starts the next run as soon as one ends: the one after the last is under way.
    while training.started_runs <= TRAININGS_PER_SESSION and not training.task.done():
        await asyncio.sleep(0.2)
    await training.stop()
    return training.errors


async def measure(app) -> dict:
    await warm_up(app, digit_drawings(1)[0])
    memory = [process_memory_megabytes(app.pid)["VmRSS"]]
    errors = []
    for round_number in range(ROUNDS):
        if round_number:
            await asyncio.sleep(SESSION_TTL_SECONDS + 20)
        for _ in range(SESSIONS_PER_ROUND):
            errors += await one_session(app)
        memory.append(process_memory_megabytes(app.pid)["VmRSS"])
    trainings_after_first_round = (ROUNDS - 1) * SESSIONS_PER_ROUND * TRAININGS_PER_SESSION
    return {
        "rounds": ROUNDS,
        "trainings_per_round": SESSIONS_PER_ROUND * TRAININGS_PER_SESSION,
        "epochs_per_training": EPOCHS,
        "memory_mb_at_start_and_after_each_round": [round(value) for value in memory],
        "growth_mb_per_training_after_the_first_round": round(
            (memory[-1] - memory[1]) / trainings_after_first_round, 2
        ),
        "errors": errors,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="siamese-memory-cache-") as cache, running_app(cache) as app:
        report(asyncio.run(measure(app)))


if __name__ == "__main__":
    main()
