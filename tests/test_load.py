"""The running app under a little load, through the browser's websocket protocol.

A small version of ``python -m bench load`` (which measures latency; nothing here is
timed): a real ``streamlit run app.py`` on a loopback port, sessions that open the
Draw page and send drawn test digits as the canvas component does, and a session
training on the Train page meanwhile. Every query must finish without an error and
show a prediction, and the predictions must mostly be right.
"""

import asyncio
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from explorer_ui.app_server import running_app
from explorer_ui.app_sessions import TRAINING_EPOCHS, digit_drawings, draw_phase, open_page, warm_up

pytestmark = pytest.mark.slow

SESSIONS = 5
QUERIES = 2


def run_in_own_loop(coroutine):
    """``asyncio.run`` on a worker thread: the browser tests' Playwright keeps a loop running on this one."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def drawings():
    return digit_drawings(20)


async def visit(app, page_name: str):
    session, run = await open_page(app, page_name)
    await session.close()
    return run


@pytest.fixture(scope="module")
def server_and_first_visit():
    """A fresh server whose first visitor opens the Data & pairs page straight from its URL."""
    cache = os.environ.get("SIAMESE_CACHE") or tempfile.mkdtemp(prefix="siamese-test-cache-")
    with running_app(cache) as running:
        yield running, run_in_own_loop(visit(running, "Data_and_pairs"))


@pytest.fixture(scope="module")
def app(server_and_first_visit, drawings):
    """The app with its default model ready (trained, or loaded from the test cache) after one query."""
    running, _ = server_and_first_visit
    first = run_in_own_loop(warm_up(running, drawings[0]))
    assert first.error == ""
    assert first.predicted == drawings[0].label, "the Draw page should name a clear test digit"
    return running


def test_the_first_visitor_of_a_page_url_gets_the_page_and_the_apps_navigation_bar(server_and_first_visit):
    # The very first run of a fresh server, straight from a page's URL: the page itself, with the app's
    # own bar of links at the top and Streamlit's sidebar list of file names switched off.
    _, first = server_and_first_visit

    assert first.ok, first.describe()
    assert first.headings[0] == "Data & pairs"
    assert first.page_links[:6] == ["Home", "Data & pairs", "Train", "Evaluate", "Embeddings", "Draw"]
    assert first.navigation_position == "HIDDEN"


def _check_answers(phase: dict, expected_queries: int) -> None:
    results, opens = phase["results"], phase["opens"]
    assert len(results) == expected_queries
    assert [query.error for query in opens + results if query.error] == []
    assert all(query.predicted is not None for query in results), "every query should show a prediction"
    correct = sum(query.predicted == query.label for query in results)
    assert correct >= 0.8 * len(results), f"only {correct} of {len(results)} drawn test digits read right"


def test_concurrent_sessions_all_get_their_predictions(app, drawings):
    phase = run_in_own_loop(draw_phase(app, drawings, sessions=SESSIONS, queries=QUERIES, seed=11, timeout=90))

    _check_answers(phase, SESSIONS * QUERIES)


def test_a_session_draws_while_another_trains(app, drawings):
    phase = run_in_own_loop(draw_phase(app, drawings, sessions=1, queries=QUERIES, trainings=1, seed=12, timeout=60))

    assert phase["trainings_running_at_start"] == [True], "the Train page's training should have started"
    assert phase["training_planned_epochs"] == [TRAINING_EPOCHS], "the epochs field should take the session's value"
    assert phase["training_errors"] == []
    _check_answers(phase, QUERIES)


async def _students_send(app, code, drawings, *, students: int, each: int):
    from explorer_ui.app_sessions import open_draw_page, send_to_board

    async def one(seed: int):
        session, _, canvas = await open_draw_page(app, query_string=f"class={code}")
        sent = []
        for number in range(each):
            await asyncio.sleep(1.1)  # the board takes one drawing a second per student
            sent.append(await send_to_board(session, canvas, drawings[(seed + number) % len(drawings)]))
        await session.close()
        return sent

    return [item for items in await asyncio.gather(*(one(seed) for seed in range(students))) for item in items]


def test_students_sending_at_once_are_each_acknowledged_and_stored_once(app, drawings):
    from siamese.classroom.store import ClassStore, sqlite_url

    store = ClassStore(sqlite_url(app.cache / "classes.sqlite"))
    code, _ = store.start_class()
    sent = run_in_own_loop(_students_send(app, code, drawings, students=3, each=2))

    assert [item.message for item in sent if not item.acknowledged] == []
    assert not any(item.reran_search for item in sent)  # a digit's press reruns the send buttons alone
    stored = store.drawings(code)
    assert len(stored) == len(sent) == 6 and len(set(stored.students.tolist())) == 3
    assert sorted(stored.digits.tolist()) == sorted(item.label for item in sent)
