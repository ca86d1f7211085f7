"""Browser fixtures: the real Streamlit server and Debian's headless Chromium.

Outside CI the browser tests skip (with the reason) when Chromium or Playwright
is missing; in CI (``CI`` set) a missing browser is a failure, since ``.ci/run``
installs it.
"""

import os
import shutil
from pathlib import Path

import pytest

from explorer_ui.app_server import running_app
from tests.conftest import REPOSITORY

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPOSITORY / "artifacts" / "screenshots"


def _require_browser():
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if missing and os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI, but these are missing: {', '.join(missing)}")
    if missing:
        pytest.skip(f"browser tests need {', '.join(missing)}")


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """``streamlit run app.py`` on a free loopback port, on the offline data, with a fresh model cache."""
    _require_browser()
    work = tmp_path_factory.mktemp("server")
    try:
        with running_app(work / "cache", log=work / "server.log") as app:
            yield app
    finally:
        if SCREENSHOTS.parent.exists():
            shutil.copy(work / "server.log", SCREENSHOTS.parent / "server.log")


@pytest.fixture(scope="session")
def app_url(app_server):
    return app_server.url


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class ConsoleErrors(list):
    """Console errors and failed requests seen by one page."""


@pytest.fixture
def new_page(browser):
    """Factory: a fresh browser context (a separate Streamlit session) with console errors recorded."""
    contexts = []

    def make(width: int = 1400, height: int = 1500, *, touch: bool = False):
        # A touch screen: taps and strokes arrive as touch events, and a phone lays the page out as a phone.
        context = browser.new_context(
            viewport={"width": width, "height": height}, has_touch=touch, is_mobile=touch and width < 600
        )
        contexts.append(context)
        page = context.new_page()
        page.console_errors = ConsoleErrors()
        page.on(
            "console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None
        )
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        page.on("response", lambda response: page.console_errors.append(f"HTTP {response.status} {response.url}")
                if response.status >= 400 else None)  # fmt: skip
        return page

    yield make
    for context in contexts:
        context.close()
