"""The class board in Chromium: a lesson's walk (a teacher, students on a laptop, a tablet and a phone, a
server killed mid-class and restarted), two servers sharing one PostgreSQL, the board on a projector and
the students' screens. Screens are saved under ``artifacts/screenshots/``."""

import csv
import io
import re

import numpy as np
import pytest

from explorer_ui.app_server import free_port, start_app, stop_app, wait_until_healthy
from explorer_ui.canvas import CANVAS_SIZE
from siamese.classroom.store import ClassStore, sqlite_url
from siamese.data.handwriting import TEMPLATES, place_strokes
from siamese.data.mnist import load_embedded_mnist, load_npz
from tests.browser.pen import clear_button, mouse_strokes, touch_strokes
from tests.browser.test_app_in_chromium import assert_no_errors, go_to, open_app, predicted_digit, wait_until_idle
from tests.browser.test_devices import PHONE, TABLET, screenshot_full
from tests.conftest import postgres_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP, PROJECTOR, SMALL_PROJECTOR = (1280, 800), (1920, 1080), (1366, 768)
# What a student might type as a nickname, to see it shown as typed. The image points at a port
# nothing listens on: a request to it would be the teacher's browser fetching a student's link.
NICKNAMES = ("**bold**", "[a](http://e.x)", "<b>hi</b>", "www.e.x", "=1+2")
IMAGE_NICKNAME = "![](//127.0.0.1:9/x)"


# ---------------------------------------------------------------- servers that can be killed
class Server:
    """A ``streamlit run app.py`` that a test can kill with SIGKILL and start again on the same port."""

    def __init__(self, cache, log, *, database_url: str | None = None):
        self.cache, self.log, self.database_url = cache, log, database_url
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process = None

    def start(self) -> "Server":
        port = int(self.url.rsplit(":", 1)[1])
        self.process, _ = start_app(self.cache, log=self.log, port=port, database_url=self.database_url)
        wait_until_healthy(self.url, self.process)
        return self

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no clean-up of any kind
        self.process.wait(timeout=30)


@pytest.fixture
def servers(tmp_path, browser):
    """Factory of killable servers (the ``browser`` fixture first: without Chromium the test is skipped)."""
    started = []

    def make(*, cache=None, database_url=None) -> Server:
        server = Server(cache or tmp_path / "cache", tmp_path / f"server-{len(started)}.log", database_url=database_url)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        if server.process is not None:
            stop_app(server.process)


# ---------------------------------------------------------------- what a teacher and a student do
def _metric(page, label: str) -> str:
    return (
        page.locator('[data-testid="stMetric"]', has_text=label)
        .locator('[data-testid="stMetricValue"]')
        .first.inner_text()
    )


def _wait_for_metric(page, label: str, value: int, timeout: float = 40_000) -> None:
    """The board refreshes itself: wait, without a click, until the metric ``label`` reads ``value``."""
    page.wait_for_function(
        """([label, value]) => Array.from(document.querySelectorAll('[data-testid="stMetric"]')).some(m =>
               m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() === label &&
               m.querySelector('[data-testid="stMetricValue"]')?.innerText.trim() === value)""",
        arg=[label, str(value)],
        timeout=timeout,
    )


def _assert_no_errors(page) -> None:
    """``assert_no_errors``, after the two pings Streamlit's front end makes below a deep link's path
    (``/Class/_stcore/health``) before it tries the server's root: those answer 404 by design."""
    deep_link_pings = re.compile(r"^HTTP 404 .*/[^/]+/_stcore/(health|host-config)$")
    page.console_errors[:] = [error for error in page.console_errors if not deep_link_pings.search(error)]
    assert_no_errors(page)


def _visible_text(page) -> str:
    return page.evaluate("() => document.body.innerText")


def _start_class(teacher, url: str) -> tuple[str, str]:
    """Start a class: the key is read from its window, which is closed with Escape; the board opens."""
    open_app(teacher, url)
    go_to(teacher, "Class")
    teacher.get_by_role("button", name="Start a class").click()
    dialog = teacher.get_by_role("dialog")
    dialog.wait_for(timeout=30_000)
    key = dialog.locator('[data-testid="stCode"] code').inner_text().strip()
    code = re.search(r"Class ([A-Z0-9]{3})-([A-Z0-9]{3}) is open", dialog.inner_text()).expand(r"\1\2")
    assert teacher.get_by_role("heading", name=f"Class {code[:3]}-{code[3:]}").count() == 0  # no board behind it
    size = teacher.viewport_size
    teacher.screenshot(path=str(_screenshot_path(f"class_key_window_{size['width']}x{size['height']}")))
    teacher.keyboard.press("Escape")
    _board_heading(teacher, code).wait_for(timeout=60_000)
    wait_until_idle(teacher)
    return code, key


def _board_heading(page, code: str):
    return page.get_by_role("heading", name=f"Class {code[:3]}-{code[3:]}", exact=True)


def _reopen_board(teacher, code: str, key: str) -> None:
    """After a reload or a restart: the page asks for the key once, and the board is back."""
    teacher.get_by_text(f"Open the board of class {code[:3]}-{code[3:]} again").wait_for(timeout=60_000)
    teacher.get_by_label("Teacher key", exact=True).fill(key)
    teacher.get_by_role("button", name="Open the board").first.click()
    _board_heading(teacher, code).wait_for(timeout=60_000)
    wait_until_idle(teacher)


def _join_typed(page, url: str, code: str) -> None:
    open_app(page, url)
    go_to(page, "Class")
    page.get_by_label("Class code").first.fill(code.lower())
    page.get_by_role("button", name="Join").click()
    page.get_by_text(re.compile(r"You are in class [A-Z0-9]{3}-[A-Z0-9]{3}")).wait_for(timeout=30_000)
    go_to(page, "Draw")


def _join_by_link(page, url: str, code: str, path: str = "Draw") -> None:
    page.goto(f"{url}/{path}?class={code}")
    page.get_by_text(f"You joined class {code[:3]}-{code[3:]}").first.wait_for(timeout=120_000)
    wait_until_idle(page)
    if path != "Draw":
        go_to(page, "Draw")


def _strokes(digit: int, seed: int):
    return place_strokes(TEMPLATES[digit][0], np.random.default_rng(seed), height=0.7 * CANVAS_SIZE)


def _send(page, digit: int, strokes, *, touch: bool = False, nickname: str | None = None) -> str:
    """Draw ``strokes`` after Clear and send the drawing as ``digit``; returns the page's answer to the send."""
    _clear(page)
    canvas = page.locator("canvas.upper-canvas").first
    (touch_strokes if touch else mouse_strokes)(page, canvas, strokes)
    predicted_digit(page)
    if nickname is not None:
        page.locator('[data-testid="stCheckbox"]', has_text="Show a nickname").locator("label").first.click()
        wait_until_idle(page)
        page.get_by_label("Nickname", exact=True).fill(nickname)
        page.get_by_label("Nickname", exact=True).press("Enter")
        wait_until_idle(page)
    page.get_by_role("button", name=str(digit), exact=True).click()
    wait_until_idle(page)
    answer = page.locator('[data-testid="stAlert"]', has_text=re.compile("Sent to the board|Not sent")).last
    return answer.inner_text().strip()


def _clear(page) -> None:
    """Clear the canvas and wait for the new one (a new canvas element) to settle."""
    clear_button(page).click()
    wait_until_idle(page)
    page.locator("canvas.upper-canvas").first.wait_for()
    page.wait_for_timeout(500)


def _add_misread(store: ClassStore, code: str, nicknames) -> None:
    """Drawings by other students, each meant as a digit it is not (so it is misread), with a nickname."""
    data = load_embedded_mnist()
    for number, nickname in enumerate(nicknames):
        image = np.rint(data.x_test[number] * 255).astype(np.uint8)
        wrong = (int(data.y_test[number]) + 5) % 10
        store.add_drawing(code, student=f"other {number}", digit=wrong, image=image, nickname=nickname)


def _download(page, label: str, folder) -> bytes:
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=label).click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path.read_bytes()


def _misread_count(page) -> int:
    heading = page.get_by_role("heading", name=re.compile(r"^Misread: \d+ of \d+$")).first.inner_text()
    return int(heading.split()[1])


# ---------------------------------------------------------------- the lesson
def test_a_class_walk_with_a_server_killed_mid_class(servers, new_page, tmp_path):
    server = servers()
    store = ClassStore(sqlite_url(server.cache / "classes.sqlite"))
    teacher = new_page(*SMALL_PROJECTOR)
    fetched = []
    teacher.on("request", lambda request: fetched.append(request.url))
    code, key = _start_class(teacher, server.url)
    assert key not in _visible_text(teacher) and key not in teacher.url  # never on the projected board
    assert f"board={code}" in teacher.url

    laptop, tablet, phone = new_page(*LAPTOP), new_page(*TABLET, touch=True), new_page(*PHONE, touch=True)
    _join_typed(laptop, server.url, code)
    _join_by_link(tablet, server.url, code, path="Class")
    _join_by_link(phone, server.url, code)
    assert _send(laptop, 1, _strokes(1, 1)) == "Sent to the board as a 1."
    # A 7 sent as a 1: misread on the board, with a nickname that is Markdown for an image.
    assert _send(tablet, 1, _strokes(7, 2), touch=True, nickname=IMAGE_NICKNAME) == "Sent to the board as a 1."
    assert _send(phone, 4, _strokes(4, 3), touch=True) == "Sent to the board as a 4."
    _add_misread(store, code, NICKNAMES)
    total = 3 + len(NICKNAMES)

    # The board (opened before any drawing) refreshes itself; nicknames show as typed, nothing is fetched.
    _wait_for_metric(teacher, "Drawings", total)
    assert _metric(teacher, "Students") == str(total)
    for nickname in (*NICKNAMES, IMAGE_NICKNAME):
        shown = teacher.locator('[data-testid="stText"]', has_text=nickname).first
        assert shown.inner_text() == nickname
    typed_in = teacher.locator('[data-testid="stText"], [data-testid="stImageCaption"]')
    assert typed_in.locator("a, strong, b, em, img").count() == 0
    assert teacher.locator('img[src*="127.0.0.1:9"], a[href*="e.x"]').count() == 0
    assert not [url for url in fetched if "127.0.0.1:9/" in url or "e.x" in url]

    # The first click exports what the board shows, with the network's readings.
    table = list(csv.DictReader(io.StringIO(_download(teacher, "Export the list (.csv)", tmp_path).decode())))
    assert len(table) == total
    assert all(row["predicted"] in list("0123456789") for row in table)
    assert sum(row["predicted"] != row["digit"] for row in table) == _misread_count(teacher)
    assert {row["nickname"] for row in table} >= {"'=1+2", IMAGE_NICKNAME}  # a formula is exported as text
    (tmp_path / "class.npz").write_bytes(_download(teacher, "Export the drawings (.npz)", tmp_path))
    assert load_npz(tmp_path / "class.npz").x_train.shape == (total, 28, 28)

    # kill -9 mid-class, then a restart on the same port: nothing acknowledged is lost.
    acknowledged = set(store.drawings(code).ids.tolist())
    _clear(laptop)
    mouse_strokes(laptop, laptop.locator("canvas.upper-canvas").first, _strokes(3, 4))
    server.kill()
    laptop.wait_for_timeout(2_000)
    server.start()
    assert acknowledged <= set(store.drawings(code).ids.tolist())

    # The open laptop tab reconnects by itself, to a new session of the restarted server; its next click
    # (here Clear) runs the page, which finds the class and the student in the address and says so.
    # The tablet reloads instead. Both are the students they were.
    laptop.wait_for_timeout(10_000)
    for page in (laptop, phone):
        clear_button(page).click()
        page.get_by_text("You are back in class").first.wait_for(timeout=60_000)
    tablet.reload()
    tablet.get_by_text("You are back in class").first.wait_for(timeout=120_000)
    for page in (laptop, tablet, phone, teacher):
        page.console_errors.clear()  # the refused reconnections while the server was down
    assert _send(laptop, 3, _strokes(3, 5)) == "Sent to the board as a 3."
    assert _send(tablet, 7, _strokes(7, 6), touch=True) == "Sent to the board as a 7."
    # The board's tab reconnects too, to a new session: one step, the key, opens it again.
    _reopen_board(teacher, code, key)
    _wait_for_metric(teacher, "Drawings", total + 2)
    assert _metric(teacher, "Students") == str(total)  # no student counted twice

    # Close asks first, a closed class takes nothing, and its teacher reopens it.
    teacher.get_by_role("button", name="Close the class…").click()
    teacher.get_by_role("dialog").get_by_role("button", name="Close the class").click()
    teacher.get_by_text("Closed: nothing more can be sent").wait_for(timeout=30_000)
    assert _send(phone, 4, _strokes(4, 7), touch=True) == "Not sent: your teacher has closed this class."
    teacher.get_by_role("button", name="Reopen the class").click()
    wait_until_idle(teacher)
    assert _send(phone, 4, _strokes(4, 8), touch=True) == "Sent to the board as a 4."
    _wait_for_metric(teacher, "Drawings", total + 3)
    assert key not in _visible_text(teacher) and key not in teacher.url
    for page in (teacher, laptop, tablet, phone):
        _assert_no_errors(page)


def test_two_servers_share_one_board_on_postgresql(servers, new_page, tmp_path):
    database_url = postgres_url()
    first = servers(database_url=database_url)
    second = servers(database_url=database_url, cache=first.cache)
    teacher = new_page(*PROJECTOR)
    code, key = _start_class(teacher, first.url)
    on_first, on_second = new_page(*LAPTOP), new_page(*TABLET, touch=True)
    _join_by_link(on_first, first.url, code)
    _join_by_link(on_second, second.url, code)
    assert _send(on_first, 1, _strokes(1, 11)) == "Sent to the board as a 1."
    assert _send(on_second, 7, _strokes(7, 12), touch=True) == "Sent to the board as a 7."
    _wait_for_metric(teacher, "Drawings", 2)
    assert _metric(teacher, "Students") == "2"

    # The second server is killed; the load balancer sends its student to the first, same address.
    address = on_second.url.split("?", 1)[1]
    second.kill()
    on_second.goto(f"{first.url}/Draw?{address}")
    on_second.get_by_text("You are back in class").first.wait_for(timeout=120_000)
    on_second.console_errors.clear()
    assert _send(on_second, 7, _strokes(7, 13), touch=True) == "Sent to the board as a 7."
    _wait_for_metric(teacher, "Drawings", 3)
    assert _metric(teacher, "Students") == "2"

    # Restarted, the second server opens the same board with the key.
    second.start()
    other = new_page(*SMALL_PROJECTOR)
    other.goto(f"{second.url}/Class?board={code}")
    _reopen_board(other, code, key)
    _wait_for_metric(other, "Drawings", 3)
    for page in (teacher, on_first, on_second, other):
        _assert_no_errors(page)


# ---------------------------------------------------------------- the projector and the students' screens
FIRST_SCREEN = """() => {
    const box = element => element.getBoundingClientRect();
    const inView = element => { const b = box(element); return b.top >= 0 && b.bottom <= innerHeight + 1 &&
                                                             b.left >= 0 && b.right <= innerWidth + 1; };
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
    const counts = Array.from(document.querySelectorAll('[data-testid="stMetric"], h2'))
        .filter(element => /drawings|students|read right/i.test(element.innerText)).slice(0, 3);
    const legend = plots[0].querySelector('.legend'), frame = legend.querySelector('.bg');
    const hidden = Array.from(legend.querySelectorAll('.traces')).filter(item => {
        const b = box(item), f = box(frame);
        return b.top < f.top - 1 || b.bottom > f.bottom + 1 || b.right > f.right + 1 || b.bottom > innerHeight + 1;
    }).map(item => item.textContent);
    const font = element => parseFloat(getComputedStyle(element).fontSize);
    return {
        code: inView(document.querySelector('h1')),
        counts: counts.length >= 3 && counts.every(inView),
        map: inView(plots[0]), accuracy: inView(plots[1]),
        scrolled: document.querySelector('[data-testid="stMain"]').scrollTop,
        legendItems: legend.querySelectorAll('.traces').length, hiddenLegendItems: hidden,
        codeFont: font(document.querySelector('h1')),
        countFont: Math.min(...counts.map(element => font(element.matches('h2') ? element
                                                         : element.querySelector('[data-testid="stMetricLabel"]')))),
        tickFont: Math.min(...Array.from(plots[1].querySelectorAll('.xtick text, .ytick text')).map(font)),
        legendFont: Math.min(...Array.from(legend.querySelectorAll('.legendtext')).map(font)),
        mapBottom: Math.round(box(plots[0]).bottom),
    };
}"""


def test_the_board_fits_the_first_screen_of_a_projector_in_both_modes(app_server, new_page):
    store = ClassStore(sqlite_url(app_server.cache / "classes.sqlite"))
    code, key = store.start_class()
    data = load_embedded_mnist()
    for number in range(48):
        image = np.rint(data.x_test[number] * 255).astype(np.uint8)
        digit = int(data.y_test[number]) if number % 7 else (int(data.y_test[number]) + 1) % 10  # some misread
        store.add_drawing(code, student=f"student {number % 12}", digit=digit, image=image, now=1_000.0 + number)
    measured = {}
    for width, height in (SMALL_PROJECTOR, PROJECTOR):
        for projector in (False, True):
            page = new_page(width, height)
            page.goto(f"{app_server.url}/Class?board={code}" + ("&projector=on" if projector else ""))
            _reopen_board(page, code, key)
            page.wait_for_selector(".js-plotly-plot .legend", timeout=60_000)
            page.wait_for_timeout(1_000)
            name = f"class_board_{width}x{height}" + ("_projector" if projector else "")
            screen = page.evaluate(FIRST_SCREEN)
            measured[name] = screen
            page.screenshot(path=str(_screenshot_path(name)))
            assert screen["code"] and screen["counts"] and screen["map"] and screen["accuracy"], (name, screen)
            assert screen["scrolled"] == 0 and screen["legendItems"] == 12 and screen["hiddenLegendItems"] == [], (
                name,
                screen,
            )
            assert page.get_by_role("link", name="Draw").count() == (0 if projector else 1)
            if projector:  # readable from the back of the room: larger than the usual board's text
                assert screen["codeFont"] >= 40 and screen["countFont"] >= 32, screen
                assert screen["tickFont"] >= 18 and screen["legendFont"] >= 16, screen
            else:
                assert screen["tickFont"] < 18
            _assert_no_errors(page)
    print(measured)


def _screenshot_path(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


@pytest.mark.parametrize(
    ("size", "touch"), [(LAPTOP, False), (TABLET, True), (PHONE, True)], ids=["laptop", "tablet", "phone"]
)
def test_a_student_s_class_and_draw_pages_with_the_send_row(app_server, new_page, size, touch):
    code, _ = ClassStore(sqlite_url(app_server.cache / "classes.sqlite")).start_class()
    page = new_page(*size, touch=touch)
    _join_by_link(page, app_server.url, code, path="Class")
    name = f"{size[0]}x{size[1]}"
    go_to(page, "Class")
    screenshot_full(page, f"class_student_{name}")
    go_to(page, "Draw")
    canvas = page.locator("canvas.upper-canvas").first
    (touch_strokes if touch else mouse_strokes)(page, canvas, _strokes(2, 21))
    predicted_digit(page)
    buttons = [page.get_by_role("button", name=str(digit), exact=True).bounding_box() for digit in range(10)]
    if size == LAPTOP:  # the canvas just drawn on and all ten send buttons are in view together: no scrolling
        square = canvas.bounding_box()
        assert square["y"] >= 0 and square["y"] + square["height"] <= size[1] + 1, square
        assert all(box["y"] >= 0 and box["y"] + box["height"] <= size[1] for box in buttons), buttons
        page.screenshot(path=str(_screenshot_path(f"draw_send_row_{name}")))
    screenshot_full(page, f"draw_send_row_{name}_full")
    _assert_no_errors(page)
