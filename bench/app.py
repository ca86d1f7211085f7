"""The app as a server: time until the home page answers, and peak memory with full MNIST loaded.

Starts ``streamlit run app.py`` on full MNIST with a default model already in
the cache (trained here first, in another process, as a teacher would before
class), opens the home page in headless Chromium, then the Draw page, which
loads the default model and embeds the 60,000 reference digits. Baseline in
the same run: how long importing TensorFlow alone takes, which the home page
avoids.
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import REPOSITORY, full_mnist, full_mnist_path, report, rounded
from explorer_ui.app_server import free_port, process_memory_megabytes, wait_until_healthy

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]  # fmt: skip


def prepare_default_model(cache: Path) -> None:
    """Train and save the default model exactly as the app would, in a separate process."""
    script = (
        "from explorer_ui.default_model import DEFAULT_NAME, default_config, default_model_folder\n"
        "from siamese.data.mnist import load_npz\nfrom siamese.storage.model_folders import save_model\n"
        "from siamese.storage.trained_model import TrainedModel\nfrom siamese.training.trainer import train\n"
        f"data = load_npz({str(full_mnist_path())!r})\n"
        "result = train(default_config(data), data)\n"
        "save_model(TrainedModel.from_result(result, name=DEFAULT_NAME), default_model_folder(data))\n"
    )
    environment = {**os.environ, "SIAMESE_CACHE": str(cache), "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, env=environment, check=True)


def tensorflow_import_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    from playwright.sync_api import sync_playwright

    full_mnist()  # exits with a "skipped" line when the file is absent
    cache = Path(tempfile.mkdtemp(prefix="siamese-bench-cache-"))
    prepare_default_model(cache)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "SIAMESE_MNIST": str(full_mnist_path()), "SIAMESE_CACHE": str(cache)}
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=REPOSITORY, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            page = browser.new_page()
            wait_until_healthy(url, server, poll_seconds=0.05)
            healthy = time.perf_counter() - started
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
            home_html = time.perf_counter() - started
            page.goto(url)
            page.get_by_role("heading", name="Siamese Explorer").wait_for(timeout=120_000)
            home = time.perf_counter() - started
            page.get_by_text("Where to go next").wait_for(timeout=120_000)
            home_with_data = time.perf_counter() - started
            page.locator(".st-key-navigation").get_by_role("link", name="Draw", exact=True).click()
            page.locator("canvas.upper-canvas").first.wait_for(timeout=300_000)
            page.wait_for_function(
                "() => document.querySelector('[data-testid=stApp]').dataset.testScriptState !== 'running'",
                timeout=300_000,
            )
            draw_ready = time.perf_counter() - started
            browser.close()
        memory = process_memory_megabytes(server.pid)["VmHWM"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(rounded({
        "server_healthy_seconds": healthy,
        "home_html_seconds": home_html,
        "home_page_seconds": home,
        "home_page_with_data_status_seconds": home_with_data,
        "draw_page_ready_seconds": draw_ready,
        "server_peak_memory_mb": memory,
        "tensorflow_import_seconds": tensorflow_import_seconds(),
    }, 3))  # fmt: skip


if __name__ == "__main__":
    main()
