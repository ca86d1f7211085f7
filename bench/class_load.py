"""The class board under a class: 30 students send 10 drawings each while the board refreshes itself.

Starts ``streamlit run app.py`` (offline data, a fresh cache and class database) and a class. A
teacher's headless Chromium opens the board, which refreshes itself every 5 s as on a projector.
Thirty student sessions (Streamlit's websocket protocol, as in ``bench/load.py``) join through the
join link and each send 10 drawings (a real test digit drawn as the canvas sends it, then the
digit's button), a little over a second apart (the board takes one a second per student). Five
other sessions meanwhile only draw on the Draw page.

Reported: rows in the database against drawings acknowledged (0 lost, 0 doubled), p50/p95 from
pressing the digit to "Sent to the board", the drawing-only sessions' p95, and, in this process,
the server-side cost of one board refresh of 1,000 drawings (embedding them and computing every
figure, and a refresh when nothing changed). Targets: p95 <= 2 s; a refresh <= 2 s; Draw queries
within bench/load.py's targets.
"""

import asyncio
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import percentile, report, rounded
from explorer_ui.app_server import App, running_app
from explorer_ui.app_sessions import digit_drawings, draw_phase, open_draw_page, send_to_board, warm_up
from siamese.classroom.store import ClassStore, sqlite_url

STUDENTS = 30
DRAWINGS_PER_STUDENT = 10
SECONDS_BETWEEN = 1.15  # the board takes one drawing a second per student
DRAW_ONLY_SESSIONS = 5
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip


async def student(app: App, code: str, drawings, seed: int) -> list:
    generator = np.random.default_rng(seed)
    session, first, canvas = await open_draw_page(app, query_string=f"class={code}")
    sent = []
    try:
        for number in range(DRAWINGS_PER_STUDENT):
            await asyncio.sleep(SECONDS_BETWEEN + generator.uniform(0, 0.3))
            sent.append(await send_to_board(session, canvas, drawings[(seed * 7 + number) % len(drawings)]))
    finally:
        await session.close()
    return sent


async def class_storm(app: App, code: str, drawings) -> dict:
    started = time.perf_counter()
    students = [student(app, code, drawings, seed) for seed in range(STUDENTS)]
    drawing_only = draw_phase(app, drawings, sessions=DRAW_ONLY_SESSIONS, queries=6, seed=99, timeout=240)
    results = await asyncio.gather(asyncio.gather(*students), drawing_only)
    sent = [item for items in results[0] for item in items]
    acknowledged = [item.seconds for item in sent if item.acknowledged]
    draws = [query.seconds for query in results[1]["results"] if not query.error]
    return {
        "sent": len(sent),
        "acknowledged": len(acknowledged),
        "refused": sorted({item.message for item in sent if not item.acknowledged})[:5],
        "ack_p50_ms": percentile(acknowledged, 0.5) * 1000 if acknowledged else None,
        "ack_p95_ms": percentile(acknowledged, 0.95) * 1000 if acknowledged else None,
        "draw_only_p95_ms": percentile(draws, 0.95) * 1000 if draws else None,
        "draw_only_errors": sum(1 for query in results[1]["results"] if query.error),
        "seconds": time.perf_counter() - started,
    }


def refresh_cost(cache: Path) -> dict:
    """One board refresh of 1,000 drawings, measured in this process: what the server does per refresh."""
    from siamese.classroom.report import class_report, with_class_references
    from siamese.data.mnist import load_embedded_mnist
    from siamese.networks.models import embed
    from siamese.search.neighbour_index import NeighbourIndex
    from siamese.storage.shipped_model import load_shipped_model

    store = ClassStore(sqlite_url(cache / "refresh.sqlite"))
    code, _ = store.start_class()
    data = load_embedded_mnist()
    for number in range(1000):
        image = np.rint(data.x_test[number] * 255).astype(np.uint8)
        store.add_drawing(code, student=f"s{number % 30}", digit=int(data.y_test[number]), image=image, now=number)
    model = load_shipped_model()
    index = NeighbourIndex(model.embedding_network, embed(model.embedding_network, data.x_train), data.y_train,
                           metric=model.config.metric)  # fmt: skip
    started = time.process_time()
    drawings = store.drawings(code)
    embeddings = embed(model.embedding_network, (drawings.images / 255.0).astype(np.float32))
    figures = class_report(embeddings, drawings.digits, drawings.students, index)
    with_class_references(embeddings, drawings.digits, drawings.students, index)
    first = time.process_time() - started
    started = time.process_time()
    store.drawings(code)  # an unchanged board: the page reads the drawings, and the figures are kept
    unchanged = time.process_time() - started
    return {"refresh_1000_cpu_seconds": first, "unchanged_refresh_cpu_seconds": unchanged, "accuracy": figures.accuracy}


def in_own_loop(coroutine):
    """``asyncio.run`` on a worker thread: Playwright's own loop is running on this one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


def main() -> None:
    from playwright.sync_api import sync_playwright

    drawings = digit_drawings()
    with tempfile.TemporaryDirectory(prefix="siamese-class-load-") as folder, running_app(folder) as app:
        store = ClassStore(sqlite_url(Path(folder) / "classes.sqlite"))
        code, key = store.start_class()
        in_own_loop(warm_up(app, drawings[0]))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            board = browser.new_page(viewport={"width": 1920, "height": 1080})
            board.goto(f"{app.url}/Class")
            board.get_by_text("Open a board on another device").click()
            board.get_by_label("Class code").last.fill(code)
            board.get_by_label("Teacher key").fill(key)
            board.get_by_role("button", name="Open the board").click()
            board.get_by_role("heading", name=f"Class {code[:3]}-{code[3:]}").wait_for(timeout=120_000)
            storm = in_own_loop(class_storm(app, code, drawings))
            stored = store.drawings(code)
            board.wait_for_timeout(6_000)  # one more refresh of the board, with everything in
            shown = board.locator('[data-testid="stMetric"]', has_text="Drawings").first.inner_text()
            browser.close()
        values = {
            **storm,
            "rows_in_database": len(stored),
            "lost": max(0, storm["acknowledged"] - len(stored)),  # acknowledged but not in the database
            "doubled": max(0, len(stored) - storm["acknowledged"]),  # in the database more often than sent
            "board_shows": shown.split()[-1],
            **refresh_cost(Path(folder)),
            "cpu_cores": os.cpu_count(),
        }
    report(rounded(values, 3))


if __name__ == "__main__":
    main()
