"""How long a class waits: the first Draw answer after a fresh offline start, and first views on full MNIST.

1. ``offline_first_answer``: a fresh install on the offline set (empty cache folder). The clock
   starts when ``streamlit run app.py`` is launched; a browser opens ``/Draw`` as soon as the
   server answers, draws a 1, and the clock stops when the prediction is on screen.
2. On full MNIST (``$SIAMESE_MNIST``), for Draw, Evaluate and Embeddings in turn, each in a new tab:
   from opening the page's URL to its main content on screen and the run finished.
   - ``fresh_server``: an empty cache folder; the first page pays for embedding 70,000 digits.
   - ``warm_server``: the same server again, new tabs (results kept in memory).
   - ``restarted_server``: for each page, a new server process on the same cache folder, that page
     its first (results read from disk; the network and TensorFlow load after the page has shown).
3. ``restarted_first_answer``: a new server on that cache, ``/Draw``, a 1 drawn the moment the
   canvas shows; from opening the URL to the prediction (this one waits for the network).
Targets: 1 within 10 s; fresh within 30 s; warm and restarted within 5 s.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPOSITORY, full_mnist_path, report, rounded
from explorer_ui.app_server import free_port, wait_until_healthy

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip
READY = {  # what shows that a page is there
    "Draw": "canvas.upper-canvas",
    "Evaluate": '[data-testid="stMetricValue"]',
    "Embeddings": '[data-testid="stTable"]',
}


def start_server(data: str, cache: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    environment = {**os.environ, "SIAMESE_MNIST": data, "SIAMESE_CACHE": str(cache), "TF_CPP_MIN_LOG_LEVEL": "2"}
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=REPOSITORY, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(url, server, poll_seconds=0.05)
    return server, url, started


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def idle(page, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.locator('[data-testid="stApp"][data-test-script-state="running"]').count() == 0:
            return
        page.wait_for_timeout(50)
    raise RuntimeError("the page was still running")


def view_seconds(browser, url: str, name: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(f"{url}/{name}")
    page.locator(READY[name]).first.wait_for(timeout=300_000)
    idle(page)
    seconds = time.perf_counter() - started
    context.close()
    return seconds


def draw_a_one(page) -> None:
    """A stroke down the middle of the Draw canvas, as soon as it is on screen."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=120_000)
    box = canvas.bounding_box()
    left, top = box["x"] + 140, box["y"] + 36 + 40
    page.mouse.move(left, top)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(left + step * 0.3, top + step * 10)
    page.mouse.up()
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=120_000)


def first_answer_seconds(browser) -> float:
    """From ``streamlit run`` on an empty cache folder to the first Draw answer."""
    cache = Path(tempfile.mkdtemp(prefix="siamese-first-answer-"))
    server, url, started = start_server("embedded", cache)
    try:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"{url}/Draw")
        draw_a_one(page)
        return time.perf_counter() - started
    finally:
        stop(server)


def restarted_answer_seconds(browser, data: str, cache: Path) -> float:
    """From opening ``/Draw`` on a just-started server (results on disk) to the answer to a 1 drawn at once."""
    server, url, _ = start_server(data, cache)
    try:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        started = time.perf_counter()
        page.goto(f"{url}/Draw")
        draw_a_one(page)
        return time.perf_counter() - started
    finally:
        stop(server)


def first_view_seconds(browser, data: str, cache: Path, name: str) -> float:
    """Page ``name`` as the first page of a new server."""
    server, url, _ = start_server(data, cache)
    try:
        return view_seconds(browser, url, name)
    finally:
        stop(server)


def page_views(browser, data: str, cache: Path) -> tuple[dict, dict]:
    server, url, _ = start_server(data, cache)
    try:
        first = {name: view_seconds(browser, url, name) for name in READY}
        again = {name: view_seconds(browser, url, name) for name in READY}
    finally:
        stop(server)
    return first, again


def main() -> None:
    from playwright.sync_api import sync_playwright

    path = full_mnist_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        values = {"offline_first_answer_seconds": first_answer_seconds(browser)}
        if path is None:
            values["full_mnist"] = "skipped: set SIAMESE_MNIST to an mnist.npz"
        else:
            cache = Path(tempfile.mkdtemp(prefix="siamese-first-views-"))
            values["fresh_server"], values["warm_server"] = page_views(browser, str(path), cache)
            values["restarted_server"] = {name: first_view_seconds(browser, str(path), cache, name) for name in READY}
            values["restarted_first_answer_seconds"] = restarted_answer_seconds(browser, str(path), cache)
        browser.close()
    report({key: rounded(value, 2) if isinstance(value, dict) else round(value, 2) if isinstance(value, float)
            else value for key, value in values.items()})  # fmt: skip


if __name__ == "__main__":
    main()
