"""The class board's server side: the shared database, the class in the page's address, each class's board.

The database is ``$SIAMESE_DATABASE_URL`` (any SQLAlchemy URL, e.g. PostgreSQL for several app
servers behind one load balancer), else the SQLite file ``$SIAMESE_DATABASE``, else
``classes.sqlite`` in the cache folder. A database that can't be used gives one line for the
Class page and leaves the rest of the app alone; it is tried again on the next page run. Closed
classes are deleted with their drawings ``$SIAMESE_CLASS_RETENTION_DAYS`` days after closing.

The page's address keeps a student's class and anonymous token (``?class=…&student=…``) and the
class whose board a teacher shows (``&board=…``, never the key), so a reload or a restarted
server finds the student in their class as the same student, and reopens the board with the key
in one step.

A board refresh reads the class's drawings, embeds only the drawings it has not embedded before
(kept per model and drawing id) and recomputes the figures only when the drawings changed.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from explorer_ui import state
from explorer_ui.data_source import cache_root
from explorer_ui.pictures import DIFFERENT_COLOUR, DIGIT_COLOURS, INK_COLOUR, NEUTRAL_COLOUR

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from siamese.classroom.report import Adaptation, ClassReport
    from siamese.classroom.store import ClassDrawings, ClassStore
    from siamese.search.neighbour_index import NeighbourIndex
    from siamese.storage.trained_model import TrainedModel

DATABASE_URL_VARIABLE = "SIAMESE_DATABASE_URL"
DATABASE_FILE_VARIABLE = "SIAMESE_DATABASE"
RETENTION_VARIABLE = "SIAMESE_CLASS_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30
FORGET_EVERY_SECONDS = 600  # how often a server looks for closed classes past their retention
REFRESH_SECONDS = 5
CLASS_PARAMETER, STUDENT_PARAMETER, BOARD_PARAMETER, PROJECTOR_PARAMETER = "class", "student", "board", "projector"
LINK_PARAMETERS = (CLASS_PARAMETER, STUDENT_PARAMETER, BOARD_PARAMETER, PROJECTOR_PARAMETER)


def database_url() -> str:
    from siamese.classroom.store import sqlite_url

    if os.environ.get(DATABASE_URL_VARIABLE):
        return os.environ[DATABASE_URL_VARIABLE]
    return sqlite_url(os.environ.get(DATABASE_FILE_VARIABLE) or cache_root() / "classes.sqlite")


def class_store() -> tuple[ClassStore | None, str]:
    """The server's class database, or ``None`` and one line saying why it can't be used.

    Every ``FORGET_EVERY_SECONDS`` it also deletes the classes closed longer ago than the retention.
    """
    from siamese.classroom.store import ClassStoreError

    try:
        store = _open_store(database_url())
    except ClassStoreError as error:
        return None, f"The class board is not available: {error}."
    _forget_expired_classes(store)
    return store, ""


def retention_days() -> tuple[float, str]:
    """Days a closed class is kept: ``$SIAMESE_CLASS_RETENTION_DAYS`` or 30, and a line if the setting is wrong."""
    text = os.environ.get(RETENTION_VARIABLE, "").strip()
    if not text:
        return float(DEFAULT_RETENTION_DAYS), ""
    try:
        days = float(text)
    except ValueError:
        days = math.nan
    if not (math.isfinite(days) and days > 0):
        return float(DEFAULT_RETENTION_DAYS), (
            f"{RETENTION_VARIABLE} is {text!r}, not a number of days above 0, so closed classes are kept "
            f"{DEFAULT_RETENTION_DAYS} days."
        )
    return days, ""


_forgotten_at: dict[str, float] = {}
_forgetting = threading.Lock()


def _forget_expired_classes(store: ClassStore) -> None:
    """Delete the classes closed more than the retention ago; at most once every few minutes per server."""
    from siamese.classroom.store import ClassStoreError

    with _forgetting:
        if time.monotonic() - _forgotten_at.get(store.url, -math.inf) < FORGET_EVERY_SECONDS:
            return
        _forgotten_at[store.url] = time.monotonic()
    days, _ = retention_days()
    with contextlib.suppress(ClassStoreError):  # read-only or locked: the page says so when it writes
        store.forget_closed_classes(closed_before=time.time() - days * 86_400)


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> ClassStore:
    """Opened once per server and URL; a failure is not kept, so the next run tries again."""
    from siamese.classroom.store import ClassStore

    return ClassStore(url)


@dataclass(frozen=True, kw_only=True, eq=False)
class Board:
    """What the board shows for one class: its drawings, their embeddings and the figures."""

    drawings: ClassDrawings
    embeddings: np.ndarray
    report: ClassReport
    adaptation: Adaptation


def board(store: ClassStore, code: str, model: TrainedModel, index: NeighbourIndex) -> Board:
    """The class's board now: new drawings embedded, figures recomputed only if the drawings changed."""
    from siamese.classroom.report import class_report, with_class_references

    drawings = store.drawings(code)
    cache = _board_cache(model.key)
    with cache.lock:
        fresh = [
            position for position, drawing_id in enumerate(drawings.ids) if int(drawing_id) not in cache.embeddings
        ]
        if fresh:
            images = (drawings.images[fresh] / 255.0).astype(np.float32)
            for position, embedding in zip(fresh, model.embed(images), strict=True):
                cache.embeddings[int(drawings.ids[position])] = embedding
        width = index.reference_embeddings.shape[1]
        embeddings = np.array([cache.embeddings[int(i)] for i in drawings.ids], dtype=np.float32).reshape(-1, width)
        signature = (code, tuple(drawings.ids.tolist()))
        if cache.figures.get(code, (None,))[0] != signature:
            report = class_report(embeddings, drawings.digits, drawings.students, index)
            adaptation = with_class_references(embeddings, drawings.digits, drawings.students, index)
            cache.figures[code] = (signature, report, adaptation)
        _, report, adaptation = cache.figures[code]
    return Board(drawings=drawings, embeddings=embeddings, report=report, adaptation=adaptation)


class _BoardCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.embeddings: dict[int, np.ndarray] = {}
        self.figures: dict[str, tuple] = {}


@st.cache_resource(max_entries=8)
def _board_cache(model_key: str) -> _BoardCache:
    return _BoardCache()


# ---------------------------------------------------------------- the class in the page's address
def follow_link() -> None:
    """First thing on every page: follow a class link (or a reloaded page's address) once, then keep it there.

    ``?class=CODE`` joins the class if it exists and is open (and says so if not); with
    ``&student=TOKEN`` the session is that student again. ``&board=CODE`` asks for the teacher
    key of that board on the Class page. Then the address is written from the session: the class
    and student while joined, the board while it is open.
    """
    from siamese.classroom.codes import normalise_code

    given = {name: st.query_params[name] for name in LINK_PARAMETERS if name in st.query_params}
    followed = state.link()
    pending = False
    if given.get(CLASS_PARAMETER) and given[CLASS_PARAMETER] != followed.get(CLASS_PARAMETER):
        pending = not _join_from_link(given[CLASS_PARAMETER], given.get(STUDENT_PARAMETER))
    if given.get(BOARD_PARAMETER) and given[BOARD_PARAMETER] != followed.get(BOARD_PARAMETER):
        try:
            code = normalise_code(given[BOARD_PARAMETER])
        except ValueError:
            pass
        else:
            if given.get(PROJECTOR_PARAMETER):
                state.set_value(state.PROJECTOR_MODE, True)
                state.remember_widget(state.PROJECTOR_MODE)
            state.open_board(code) if state.teacher_key(code) else state.ask_to_reopen(code)
    if state.returned_to_class() and state.class_code():  # said on every page until the student's next send
        st.info(returned_line(state.class_code()))
    wanted = _link_of_session()
    if pending:  # keep the class in the address, to try again
        wanted.update({name: given[name] for name in (CLASS_PARAMETER, STUDENT_PARAMETER) if name in given})
    if wanted != given:
        for name in LINK_PARAMETERS:
            if name in st.query_params and name not in wanted:
                del st.query_params[name]
        st.query_params.update({name: value for name, value in wanted.items() if given.get(name) != value})
    state.remember_link(wanted)


def _link_of_session() -> dict[str, str]:
    link = {}
    if state.class_code():
        link[CLASS_PARAMETER], link[STUDENT_PARAMETER] = state.class_code(), state.student_id()
    board_code = state.open_board_code() or state.board_to_reopen()
    if board_code:
        link[BOARD_PARAMETER] = board_code
        if state.kept_value(state.PROJECTOR_MODE, False):
            link[PROJECTOR_PARAMETER] = "on"
    return link


def _join_from_link(text: str, token: str | None) -> bool:
    """Join the class a link names, saying what happened; ``False`` when the database can't tell now."""
    from siamese.classroom.codes import display_code, normalise_code, student_token
    from siamese.classroom.store import ClassStoreError

    try:
        code = normalise_code(text)
    except ValueError:
        st.warning("That link holds no class code: type the code your teacher shows on the Class page.")
        return True
    shown = display_code(code)
    store, problem = class_store()
    try:
        info = store.class_info(code) if store is not None else None
    except ClassStoreError as error:
        store, problem = None, f"The class board is not available: {error}."
    if store is None:
        st.error(f"Can't rejoin class {shown} yet. {problem}")
        st.button(f"Rejoin class {shown}", key=state.REJOIN, type="primary")
        return False
    if info is None:
        st.warning(f"There is no class {shown}: check the code with your teacher (a class can also be deleted).")
        return True
    if not info.is_open:
        st.warning(f"Class {shown} is closed: it takes no more drawings, so you did not join it.")
        return True
    returning = student_token(token) is not None and not state.has_student_id()
    if returning:
        state.use_student_id(student_token(token))
    state.join_class(code)
    state.note_return_to_class(returning)
    if not returning:
        st.success(f"You joined class {shown}: draw a digit on the Draw page and send it to the board.")
    return True


def returned_line(code: str) -> str:
    from siamese.classroom.codes import display_code

    return (
        f"You are back in class {display_code(code)} as the same student: the page was reloaded or the app "
        "restarted. What you sent before is on the board."
    )


def leave_class() -> None:
    state.join_class(None)


# ---------------------------------------------------------------- what the board shows, and its exports
def export_file(store: ClassStore, code: str, key: str, shown: state.ShownBoard, *, kind: str) -> bytes | str:
    """The class set as the board showed it when the teacher clicked: ``kind`` "npz" or "csv".

    Made at the click (a download's data is a callable), so it holds every drawing the board
    shows then, each with the network's reading the board shows.
    """
    from siamese.classroom.export import class_csv, class_npz
    from siamese.classroom.store import ClassRuleError

    if not store.is_teacher(code, key):
        raise ClassRuleError("that teacher key does not open this class")
    current = shown.current
    if current is None:
        raise ClassRuleError("the board has not been shown yet")
    write = class_npz if kind == "npz" else class_csv
    return write(current.drawings, current.report.predicted)


def misread_caption(drawing_id: int, meant: int, read: int) -> str:
    """A misread drawing's caption: a ✗ (not only the red frame), its number, what was meant and what was read."""
    return f"✗ #{drawing_id} · meant {meant}, read {read}"


def board_map_figure(projection, labels: np.ndarray, current: Board, *, projector: bool) -> go.Figure:
    """``class_map_figure`` of a board: the training digits of ``projection`` and the class's drawings placed on it."""
    from explorer_ui.maps import as_xy

    placed = as_xy(projection.transform(current.embeddings))
    digits, misread = current.drawings.digits, current.report.misread
    return class_map_figure(as_xy(projection.points), labels, placed, digits, misread, projector=projector)


def class_map_figure(
    points: np.ndarray,
    labels: np.ndarray,
    placed: np.ndarray,
    digits: np.ndarray,
    misread: np.ndarray,
    *,
    projector: bool,
) -> go.Figure:
    """The training digits' map (``(n, 2)`` ``points``) with the class's drawings on it.

    ``placed`` (m, 2) are the drawings' places and ``digits`` (m,) the digits meant: each is a
    star in its digit's colour; the ``misread`` ones (positions) also get a red ✗ over the star,
    a shape as well as a colour. Two legend entries explain star and ✗; none is hidden.
    """
    from explorer_ui.maps import reference_map_figure

    scale = 1.4 if projector else 1.0
    wrong = np.zeros(len(digits), dtype=bool)
    wrong[np.asarray(misread, dtype=np.int64)] = True
    star = {"symbol": "star", "size": 16 * scale, "line": {"color": INK_COLOUR, "width": 1}}
    cross = {"symbol": "x-thin", "size": 20 * scale, "line": {"color": DIFFERENT_COLOUR, "width": 3 * scale}}
    traces = [
        _points(placed[digits == digit], name=f"our {digit}s", hover=f"one of our {digit}s",
                marker={**star, "color": DIGIT_COLOURS[digit]}, legend=False)
        for digit in np.unique(digits)
    ]  # fmt: skip
    traces.append(_points(placed[wrong], name="misread", hover="misread", marker=cross, legend=False))
    traces.append(_points(np.empty((0, 2)), name="our drawings", hover="", marker={**star, "color": NEUTRAL_COLOUR}))
    traces.append(_points(np.empty((0, 2)), name="misread", hover="", marker=cross))
    figure = reference_map_figure(points, labels, extra_traces=tuple(traces))
    figure.update_layout(title={"text": "Our drawings (stars) among the training digits"})
    return board_chart(figure, projector=projector)


def board_chart(figure: go.Figure, *, projector: bool) -> go.Figure:
    """A board chart at the board's height, its text readable from the back of the room in projector mode."""
    font = {"size": 20 if projector else 13}
    figure.update_layout(
        height=PROJECTOR_CHART_HEIGHT if projector else BOARD_CHART_HEIGHT,
        font=font,
        title={"font": {"size": font["size"] + 2}},
        # 12 entries (ten digits, our drawings, misread) stand in the chart's height without scrolling.
        legend={"font": {"size": 16 if projector else 13}, "title": {"text": ""}, "itemsizing": "constant"},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    # Streamlit's chart theme sets axis fonts of its own: set them too.
    figure.update_xaxes(tickfont=font, title={"font": font})
    figure.update_yaxes(tickfont=font, title={"font": font})
    figure.update_traces(textfont=font, constraintext="none", cliponaxis=False, selector={"type": "bar"})
    figure.update_traces(textfont=font, selector={"type": "heatmap"})
    if projector and any(trace.type == "bar" for trace in figure.data):
        # "100" fits over a bar in large type, "100%" does not: the bar chart's axis says they are percent.
        figure.for_each_trace(lambda bar: bar.update(text=[str(t).rstrip("%") for t in bar.text]), {"type": "bar"})
        figure.update_layout(bargap=0.1, yaxis={"title": {"text": "read right (%)"}})
    return figure


BOARD_CHART_HEIGHT, PROJECTOR_CHART_HEIGHT = 470, 400  # the map and the charts beside it fill a 768 px screen


def _points(points: np.ndarray, *, name: str, hover: str, marker: dict, legend: bool = True) -> dict:
    return {
        "type": "scatter",
        "x": points[:, 0] if len(points) else [None],
        "y": points[:, 1] if len(points) else [None],
        "mode": "markers",
        "name": name,
        "marker": marker,
        "showlegend": legend,
        "hovertemplate": f"{hover}<extra></extra>",
    }
