"""Browser sessions without a browser: asyncio clients that speak Streamlit's websocket protocol.

Each ``Session`` opens ``/_stcore/stream`` as a browser tab does and exchanges the same protobufs
(``BackMsg`` up, ``ForwardMsg`` down): it opens a page, sends a drawing as the canvas component
sends it, clicks buttons, and reads what the run put on screen. The load test and the load
benchmark both drive the app with these.
"""

import asyncio
import base64
import io
import json
import random
import re
import time
import urllib.parse
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

import numpy as np

from explorer_ui.app_server import XSRF_COOKIE, App

THINK_SECONDS = (0.2, 1.0)  # a pause before each drawing, like a person drawing the next digit
QUERY_TIMEOUT = 30.0  # a query without an answer by then is an error
OPEN_TIMEOUT = 60.0  # connecting and the first run of a page
WARM_UP_TIMEOUT = 240.0  # the first Draw page trains the default model
PHASE_TIMEOUT = 120.0  # a whole phase; queries not done by then count as errors
TRAINING_EPOCHS = 400  # far more than a phase lasts; the training is stopped when the phase ends
TRAINING_RESTARTS = 5  # should a training finish early anyway, it is started again (at most this often)

CANVAS_SIZE = 280  # the canvas: the drawing square (explorer_ui.canvas)
CANVAS_KEY = "draw_canvas-0"  # canvas_key("draw_canvas") before any Clear
FINISHED = ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY")  # a whole run, or one st.fragment's
PREDICTION_LABEL = "The network says"  # the metric that shows the prediction
DIGITS_IN_POOL = 50
STROKE_WIDTH = 24  # the page's default pen width
FABRIC_VERSION = "7.4.0"  # what the installed canvas component's Fabric.js writes into its JSON

PROGRESS_TEXT = re.compile(r"Epoch (\d+)/(\d+) · batch (\d+)/(\d+)")  # the Train page's live progress bar


# ---------------------------------------------------------------- drawings
@dataclass(frozen=True)
class Drawing:
    """A test digit as the canvas sends it: the component's state as a JSON string."""

    label: int
    state_json: str


def canvas_rgba(digit: np.ndarray, scale: int = CANVAS_SIZE // 28) -> np.ndarray:
    """A (28, 28) digit in [0, 1] as the canvas sends it: (280, 280, 4), white ink on opaque black."""
    ink = np.kron(np.clip(digit, 0.0, 1.0), np.ones((scale, scale), dtype=np.float32))
    rgba = np.full((CANVAS_SIZE, CANVAS_SIZE, 4), 255, dtype=np.uint8)
    rgba[..., :3] = np.rint(ink * 255).astype(np.uint8)[..., None]
    return rgba


def fabric_drawing(digit: np.ndarray, scale: int = CANVAS_SIZE // 28) -> dict:
    """A Fabric.js canvas JSON of about a real drawing's size: one freehand path through the ink.

    The Draw page reads only the PNG; this stands in for the ``raw`` part so a message
    weighs what the browser's does.
    """
    rows, columns = np.nonzero(digit > 0.5)
    centre = scale / 2
    points = [["L", float(c * scale + centre), float(r * scale + centre)] for r, c in zip(rows, columns, strict=True)]
    if points:
        points[0][0] = "M"
    left, top = (float(columns.min() * scale), float(rows.min() * scale)) if points else (0.0, 0.0)
    width = float((columns.max() - columns.min() + 1) * scale) if points else 0.0
    height = float((rows.max() - rows.min() + 1) * scale) if points else 0.0
    path = {
        "type": "Path", "version": FABRIC_VERSION, "originX": "left", "originY": "top",
        "left": left, "top": top, "width": width, "height": height, "fill": None,
        "stroke": "#ffffff", "strokeWidth": STROKE_WIDTH, "strokeLineCap": "round", "strokeLineJoin": "round",
        "scaleX": 1, "scaleY": 1, "angle": 0, "opacity": 1, "path": points,
    }  # fmt: skip
    return {"version": FABRIC_VERSION, "objects": [path], "background": "#000000"}


def canvas_state(digit: np.ndarray) -> str:
    """The canvas widget's ``json_value``, exactly in the component's shape.

    streamlit-drawable-canvas calls ``setStateValue("drawing", {raw, data})`` with the
    Fabric JSON and ``canvas.toDataURL({format: "png"})``; Streamlit's frontend merges
    that into the component's state object and sends it as the widget's JSON value.
    On the server ``st_canvas`` decodes the PNG data URL into ``image_data``.
    """
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(canvas_rgba(digit), mode="RGBA").save(buffer, format="PNG")
    data_url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return json.dumps({"drawing": {"raw": fabric_drawing(digit), "data": data_url}})


def digit_drawings(count: int = DIGITS_IN_POOL) -> list[Drawing]:
    """The first ``count`` test digits of the embedded MNIST set, ready to send."""
    from siamese.data.mnist import load_mnist

    data = load_mnist("embedded")
    return [Drawing(int(data.y_test[i]), canvas_state(data.x_test[i])) for i in range(count)]


# ---------------------------------------------------------------- one browser session
@dataclass
class Run:
    """What one script run sent back."""

    seconds: float = 0.0
    status: str = ""  # a ScriptFinishedStatus name, or "timeout" / "disconnected"
    exceptions: list[str] = field(default_factory=list)
    page_script_hash: str = ""
    pages: dict[str, str] = field(default_factory=dict)  # url pathname -> page name, as Streamlit knows them
    navigation_position: str = ""  # where Streamlit's own page list shows: "HIDDEN", "SIDEBAR" or "TOP"
    page_links: list[str] = field(default_factory=list)  # the labels of the page's links, in order
    headings: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)  # st.success / info / warning / error texts
    buttons: dict[str, str] = field(default_factory=dict)  # label -> widget id
    widget_ids: list[str] = field(default_factory=list)
    fragments: dict[str, str] = field(default_factory=dict)  # widget id -> the st.fragment it is in
    metrics: dict[str, str] = field(default_factory=dict)  # label -> body
    image_urls: list[str] = field(default_factory=list)  # media paths, fetched by the browser after they arrive
    elements: int = 0

    @property
    def ok(self) -> bool:
        return self.status in FINISHED and not self.exceptions

    @property
    def prediction(self) -> int | None:
        body = self.metrics.get(PREDICTION_LABEL, "")
        return int(body) if body.isdigit() else None

    def widget_id(self, suffix: str) -> str:
        """The id of the keyed widget whose key is ``suffix`` (ids end with ``-<key>``)."""
        matches = [widget for widget in self.widget_ids if widget.endswith(f"-{suffix}")]
        if len(matches) != 1:
            raise LookupError(f"expected one widget keyed {suffix!r}, found {len(matches)}")
        return matches[0]

    def describe(self) -> str:
        return f"{self.status}{' ' + '; '.join(self.exceptions) if self.exceptions else ''}"


class Session:
    """One browser tab: a websocket to the app speaking Streamlit's protobuf protocol."""

    def __init__(self, websocket, url: str):
        self.websocket = websocket
        self.url = url
        self.images_in_cache: set[str] = set()  # a browser fetches an image URL once
        self.page_script_hash = ""
        self.closed = False

    @classmethod
    async def open(cls, app: App, timeout: float = OPEN_TIMEOUT) -> "Session":
        from websockets.asyncio.client import connect

        # The browser offers ["streamlit", <XSRF token>, <session id to resume>]; the server
        # picks the first and checks the second against the XSRF cookie (it is needed only
        # for the login cookie, but a browser sends it, so this does too).
        websocket = await connect(
            app.stream_url,
            origin=app.url,
            subprotocols=["streamlit", app.xsrf] if app.xsrf else ["streamlit"],
            additional_headers={"Cookie": f"{XSRF_COOKIE}={app.xsrf}"} if app.xsrf else None,
            open_timeout=timeout,
            max_size=None,
            proxy=None,
        )
        return cls(websocket, app.url)

    async def close(self) -> None:
        self.closed = True
        await self.websocket.close()

    async def send_rerun(
        self, widget_states=(), *, page_name: str = "", query_string: str = "", fragment_id: str = ""
    ) -> float:
        """Ask for a script run, as the browser does on page load (``page_name``) or a widget change
        (``fragment_id``: the widget's ``st.fragment``, which then reruns alone)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ClientState

        state = ClientState(
            query_string=query_string,
            page_script_hash=self.page_script_hash,
            page_name=page_name,
            fragment_id=fragment_id,
        )
        state.widget_states.widgets.extend(widget_states)
        started = time.perf_counter()
        await self.websocket.send(BackMsg(rerun_script=state).SerializeToString())
        return started

    async def read_run(self, started: float, timeout: float, on_element: Callable | None = None) -> Run:
        """Read ForwardMsgs until the run finishes (a ``st.rerun`` inside it runs on), or time runs out."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.exceptions import ConnectionClosed

        run = Run()
        deadline = started + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                run.status = "timeout"
                break
            try:
                payload = await asyncio.wait_for(self.websocket.recv(), remaining)
            except TimeoutError:
                run.status = "timeout"
                break
            except ConnectionClosed:
                run.status = "disconnected"
                self.closed = True
                break
            message = ForwardMsg()
            message.ParseFromString(payload)
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                self._read_element(message.delta.new_element, run, on_element, message.delta.fragment_id)
            elif kind == "navigation":
                run.pages = {page.url_pathname: page.page_name for page in message.navigation.app_pages}
                run.navigation_position = type(message.navigation).Position.Name(message.navigation.position)
                run.page_script_hash = message.navigation.page_script_hash
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # st.rerun(): the next run follows by itself
                run.status = status
                break
        if run.status in FINISHED:
            await self._fetch_new_images(run)
        run.seconds = time.perf_counter() - started
        if run.page_script_hash:
            self.page_script_hash = run.page_script_hash  # the browser sends its page with every rerun
        return run

    async def _fetch_new_images(self, run: Run) -> None:
        """GET the run's images that this tab has not loaded yet, all at once, as the browser does."""
        new = list(dict.fromkeys(url for url in run.image_urls if url not in self.images_in_cache))
        answers = await asyncio.gather(*(http_get(self.url + url) for url in new), return_exceptions=True)
        for url, answer in zip(new, answers, strict=True):
            if answer == 200:
                self.images_in_cache.add(url)
            else:
                run.exceptions.append(f"image {url}: {answer!r}")

    @staticmethod
    def _read_element(element, run: Run, on_element, fragment_id: str) -> None:
        run.elements += 1
        kind = element.WhichOneof("type")
        if kind == "exception":
            run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "metric":
            run.metrics[element.metric.label] = element.metric.body
        elif kind == "button":
            run.buttons[element.button.label] = element.button.id
        elif kind == "imgs":
            run.image_urls.extend(image.url for image in element.imgs.imgs)
        elif kind == "page_link":
            run.page_links.append(element.page_link.label)
        elif kind == "heading":
            run.headings.append(element.heading.body)
        elif kind == "alert":
            run.alerts.append(element.alert.body)
        value = getattr(element, kind) if kind else None
        widget_id = getattr(value, "id", "") if kind not in ("exception", "metric") else ""
        if widget_id:
            run.widget_ids.append(widget_id)
            if fragment_id:
                run.fragments[widget_id] = fragment_id
        if on_element is not None:
            on_element(kind, value)

    async def rerun(
        self,
        widget_states=(),
        *,
        page_name: str = "",
        query_string: str = "",
        fragment_id: str = "",
        timeout: float = QUERY_TIMEOUT,
    ) -> Run:
        started = await self.send_rerun(
            widget_states, page_name=page_name, query_string=query_string, fragment_id=fragment_id
        )
        return await self.read_run(started, timeout)


async def http_get(url: str, timeout: float = QUERY_TIMEOUT) -> int:
    """The status code of a plain HTTP/1.1 GET, its body read to the end (one connection, as a browser's)."""
    address = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(address.hostname, address.port), timeout)
    try:
        request = f"GET {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode("ascii"))
        response = await asyncio.wait_for(reader.read(), timeout)  # to the end: the server closes
        return int(response.split(b" ", 2)[1])
    finally:
        writer.close()


def json_widget(widget_id: str, value: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, json_value=value)


def int_widget(widget_id: str, value: int):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, int_value=value)


def click(widget_id: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, trigger_value=True)


# ---------------------------------------------------------------- draw queries
@dataclass
class Query:
    """One drawing sent and its answer."""

    label: int
    seconds: float
    error: str = ""  # empty when the query worked
    predicted: int | None = None


async def open_page(
    app: App, page_name: str, timeout: float = OPEN_TIMEOUT, *, query_string: str = ""
) -> tuple[Session, Run]:
    """Open a tab straight on a page (as at ``/<page_name>?<query_string>``); returns the session and its first run."""
    session = await Session.open(app, timeout)
    return session, await session.rerun(page_name=page_name, query_string=query_string, timeout=timeout)


async def open_draw_page(
    app: App, timeout: float = OPEN_TIMEOUT, *, query_string: str = ""
) -> tuple[Session, Run, str]:
    """Open a tab on the Draw page (as at ``/Draw``); returns the session, its first run and the canvas id."""
    session, first = await open_page(app, "Draw", timeout, query_string=query_string)
    canvas = first.widget_id(CANVAS_KEY) if first.ok else ""
    return session, first, canvas


async def draw(session: Session, canvas: str, drawing: Drawing, timeout: float = QUERY_TIMEOUT) -> Query:
    """Send one drawing on the canvas and wait for the page's answer."""
    run = await session.rerun([json_widget(canvas, drawing.state_json)], timeout=timeout)
    return Query(drawing.label, run.seconds, "" if run.ok else run.describe(), run.prediction)


async def draw_session(
    app: App, drawings: list[Drawing], queries: int, rng: random.Random, results: list, opens: list
) -> None:
    """One tab: open the Draw page, then ``queries`` drawings with a think time before each."""
    try:
        session, first, canvas = await open_draw_page(app)
    except Exception as error:  # refused or failed handshake: every query of this tab fails
        opens.append(Query(-1, 0.0, f"connect: {error!r}"))
        results.extend(Query(-1, 0.0, "not sent: no connection") for _ in range(queries))
        return
    opens.append(Query(-1, first.seconds, "" if canvas else f"open: {first.describe()}"))
    try:
        for _ in range(queries):
            if session.closed or not canvas:
                results.append(Query(-1, 0.0, "not sent: page not usable"))
                continue
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))
            query = await draw(session, canvas, rng.choice(drawings))
            results.append(query)
            if query.error == "timeout":
                # The run goes on; wait for its end (unmeasured) so the next answer read is the next query's.
                late = await session.read_run(time.perf_counter(), QUERY_TIMEOUT)
                canvas = canvas if late.ok else ""
    finally:
        await session.close()


# ---------------------------------------------------------------- trainings
class Training:
    """A tab on the Train page that keeps a training running (the quick preset, many epochs)."""

    def __init__(self, app: App, epochs: int = TRAINING_EPOCHS):
        self.app, self.epochs = app, epochs
        self.session: Session | None = None
        self.task: asyncio.Task | None = None
        self.progress_updates = 0  # "Epoch i/n · batch …" progress bars seen: the training is running
        self.epochs_done = 0.0  # from the latest progress bar
        self.planned_epochs = 0  # the "n" of "Epoch i/n": the epochs widget took our value
        self.started_runs = 0
        self.errors: list[str] = []
        self.stopping = False

    def _count_progress(self, kind, value) -> None:
        found = PROGRESS_TEXT.match(value.text) if kind == "progress" else None
        if found:
            epoch, self.planned_epochs, batch, steps = (int(number) for number in found.groups())
            self.progress_updates += 1
            self.epochs_done = epoch - 1 + batch / steps

    async def start(self, deadline: float) -> None:
        self.session = await Session.open(self.app)
        page = await self.session.rerun(page_name="Train", timeout=OPEN_TIMEOUT)
        if not page.ok or "Train" not in page.buttons:
            raise RuntimeError(f"the Train page did not open: {page.describe()}")
        epochs_id, train_id = page.widget_id("train_epochs"), page.buttons["Train"]
        self.task = asyncio.create_task(self._keep_training(epochs_id, train_id, deadline))

    async def _keep_training(self, epochs_id: str, train_id: str, deadline: float) -> None:
        while not self.stopping and self.started_runs <= TRAINING_RESTARTS:
            self.started_runs += 1
            started = await self.session.send_rerun([int_widget(epochs_id, self.epochs), click(train_id)])
            run = await self.session.read_run(started, deadline - started, on_element=self._count_progress)
            if self.stopping:
                return
            if not run.ok:
                if run.status != "timeout":
                    self.errors.append(run.describe())
                return

    async def wait_until_running(self, timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while self.progress_updates == 0 and time.perf_counter() < deadline:
            if self.task is not None and self.task.done():
                return False
            await asyncio.sleep(0.2)
        return self.progress_updates > 0

    async def stop(self) -> None:
        """Close the tab: Streamlit stops the script at its next element update; training ends after the batch."""
        self.stopping = True
        if self.session is not None:
            await self.session.close()
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 10)
            except (TimeoutError, asyncio.CancelledError):
                self.task.cancel()


# ---------------------------------------------------------------- phases
async def warm_up(app: App, drawing: Drawing, timeout: float = WARM_UP_TIMEOUT) -> Query:
    """One tab opens the Draw page (training the default model once) and sends one drawing."""
    session, first, canvas = await open_draw_page(app, timeout)
    try:
        if not canvas:
            raise RuntimeError(f"the Draw page did not open: {first.describe()}")
        return await draw(session, canvas, drawing, timeout)
    finally:
        await session.close()


async def draw_phase(
    app: App,
    drawings: list[Drawing],
    *,
    sessions: int,
    queries: int,
    trainings: int = 0,
    seed: int = 0,
    timeout: float = PHASE_TIMEOUT,
) -> dict:
    """``sessions`` tabs drawing at once (starting within a second), ``trainings`` tabs training meanwhile."""
    started = time.perf_counter()
    deadline = started + timeout
    training_tabs = [Training(app) for _ in range(trainings)]
    results: list[Query] = []
    opens: list[Query] = []
    try:
        for training in training_tabs:
            await training.start(deadline + 30)
        running = [await training.wait_until_running(min(60.0, timeout)) for training in training_tabs]
        epochs_before = [training.epochs_done for training in training_tabs]
        rngs = [random.Random(seed * 1000 + number) for number in range(sessions)]

        async def staggered(number: int) -> None:
            await asyncio.sleep(rngs[number].uniform(0.0, 1.0))
            await draw_session(app, drawings, queries, rngs[number], results, opens)

        with suppress(TimeoutError):  # what did not finish counts below as errors
            await asyncio.wait_for(asyncio.gather(*(staggered(n) for n in range(sessions))), timeout)
        epochs_during = [t.epochs_done - before for t, before in zip(training_tabs, epochs_before, strict=True)]
        trainings_alive = [not (t.task is None or t.task.done()) for t in training_tabs]
    finally:
        for training in training_tabs:
            await training.stop()
    missing = sessions * queries - len(results)
    results.extend(Query(-1, 0.0, "not done before the phase timeout") for _ in range(missing))
    return {
        "results": results,
        "opens": opens,
        "seconds": time.perf_counter() - started,
        "trainings_running_at_start": running,
        "training_epochs_during": epochs_during,
        "training_planned_epochs": [training.planned_epochs for training in training_tabs],
        "trainings_still_running_at_end": trainings_alive,
        "training_restarts": [max(t.started_runs - 1, 0) for t in training_tabs],
        "training_errors": [error for t in training_tabs for error in t.errors],
    }


# ---------------------------------------------------------------- sending drawings to a class board
@dataclass
class Sent:
    """One drawing sent to the board: how long until the page said it was stored, and what it said."""

    label: int
    seconds: float
    acknowledged: bool
    message: str
    reran_search: bool = False  # the press reran the whole page (search, pictures, map), not its buttons alone


async def send_to_board(session: Session, canvas: str, drawing: Drawing, timeout: float = QUERY_TIMEOUT) -> Sent:
    """Draw, then press the digit's button, as a student does; the clock runs from the press to the answer."""
    answer = await session.rerun([json_widget(canvas, drawing.state_json)], timeout=timeout)
    if not answer.ok:
        return Sent(drawing.label, 0.0, False, answer.describe())
    button = answer.widget_id(f"send_{drawing.label}")
    pressed = [json_widget(canvas, drawing.state_json), click(button)]
    run = await session.rerun(pressed, fragment_id=answer.fragments.get(button, ""), timeout=timeout)
    said = next((text for text in run.alerts if text.startswith(("Sent to the board", "Not sent"))), run.describe())
    return Sent(drawing.label, run.seconds, said.startswith("Sent to the board"), said, PREDICTION_LABEL in run.metrics)
