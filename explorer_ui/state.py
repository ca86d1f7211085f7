"""Session state: the one module that names its keys.

Values a page keeps for the session (its model, its training runs, the last upload) are read and
written through the functions here; widgets get their ``key=`` from the constants here, so two
pages never spell the same key two ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:  # keeps TensorFlow out of pages that only read these names
    from explorer_ui.run_record import RunRecord
    from siamese.search.symbols import SymbolSet
    from siamese.storage.trained_model import TrainedModel

_MODEL = "model"
_RUNS = "runs"
_UPLOAD = "uploaded_name"
_SYMBOLS = "symbols"
_CLASS_CODE = "class_code"
_STUDENT = "student_id"
_TEACHER_KEYS = "teacher_keys"
_NEW_KEY = "new_class_key"
_NOTICE = "notice"
_KEPT = "kept-"  # a widget's value kept for the runs in which the widget is not drawn
_LINK = "class_link"  # the class, student and board last written to (or followed from) the page's address
_REOPEN = "board_to_reopen"  # a board the address names but whose key this session does not hold
_SHOWN_BOARDS = "shown_boards"
_CONFIRM = "action_to_confirm"
_RETURNED = "returned_to_class"

# Widget keys, page by page.
BROWSE_DIGIT = "browse_digit"
SYMBOL_FAMILY = "symbol_family"
PAIR_SEED = "pair_seed"
MODEL_CHOOSER = "model_chooser"
PROJECTION_METHOD = "projection_method"
DIMENSIONS = "dimensions"
SAMPLE_SIZE = "sample_size"
SHOWN_TEST_DIGIT = "shown_test_digit"
MODEL_MAP_CHART = "model_map"
PIXEL_MAP_CHART = "pixel_map"
DRAW_MODE = "draw_mode"
PEN_WIDTH = "draw_stroke_width"
NEIGHBOUR_COUNT = "draw_k"
DRAW_MAP_METHOD = "draw_map_method"
SYMBOL_NAME = "symbol_name"
JOIN_FORM = "join"
JOIN_CODE = "join_code"
REOPEN_FORM = "reopen"
CLASS_MAP_CHART = "class_map"
CLASS_ACCURACY_CHART = "class_accuracy"
CLASS_CONFUSION_CHART = "class_confusion"
BOARD_CODE = "board_code"
OPEN_BOARD_CODE = "open_board_code"
BOARD_KEY = "board_key"
REOPEN_KEY = "reopen_board_key"
PROJECTOR_MODE = "projector_mode"
LEAVE_BOARD = "leave_board"
REJOIN = "rejoin_class"
DRAWING_TO_DELETE = "drawing_to_delete"
SHOW_NICKNAME = "show_nickname"
NICKNAME = "nickname"
USE_CLASS_REFERENCES = "use_class_references"
EPISODE_CLASSES = "episode_classes"
EPISODE_WAY = "episode_way"
EPISODE_SHOT = "episode_shot"
RETRY_DEFAULT_MODEL = "retry_default_model"
_EPISODE_NUMBER = "episode_number"
COMPARE_FIRST = "compare_first"
COMPARE_SECOND = "compare_second"
COMPARE_MAP_METHOD = "compare_map_method"
NAVIGATION = "navigation"
DRAW_MAP_CHART = "draw_map"
COMPARE_GAUGE_CHART = "compare_gauge"
HISTOGRAM_CHART = "histograms"
ROC_CHART = "roc"
ERROR_CHART = "errors"
COMPARE_ROC_CHART = "roc_ab"
ADD_SYMBOL = "add_symbol_example"
SYMBOLS_UPLOAD = "symbols_upload"


def send_button(digit: int) -> str:
    """The Draw page's button that sends a drawing to the class board as ``digit``."""
    return f"send_{digit}"


def forget_symbol_button(number: int) -> str:
    return f"forget-{number}"


def placement_chart(model_name: str) -> str:
    """The New symbols page's map of where ``model_name`` puts shapes it never saw."""
    return f"placement_{model_name}"


def compare_map_chart(letter: str) -> str:
    return f"map_{letter}"


def train_classifier_button(model_key: str) -> str:
    return f"train_classifier_{model_key}"


def live_chart(kind: str, redraw: int) -> str:
    """A live training chart (``kind`` "loss" or "map"), new at each redraw so the old one is replaced."""
    return f"live_{kind}_{redraw}"


def back_to_board(code: str) -> str:
    """The Class page's button that opens the board of ``code`` again."""
    return f"back_to_{code}"


def train_field(name: str) -> str:
    """The widget key of one ``TrainingConfig`` field on the Train page."""
    return f"train_{name}"


def threshold_slider(model_key: str) -> str:
    """The Evaluate page's threshold slider; a new model gets a new slider at its own threshold."""
    return f"threshold-{model_key}"


def compare_with_classifier(model_key: str) -> str:
    """Set once the student asked to train the classifier baseline for this model."""
    return f"compare_classifier-{model_key}"


def episode_number() -> int:
    """Which seeded few-shot episode the Evaluate page shows; "New episode" moves to the next."""
    return int(st.session_state.get(_EPISODE_NUMBER, 0))


def next_episode() -> None:
    st.session_state[_EPISODE_NUMBER] = episode_number() + 1


def canvas(name: str) -> str:
    """The key of a drawing canvas; it changes when the page empties the canvas itself (a new key, a new canvas).

    The canvas's own Clear button empties it in the browser and keeps its key.
    """
    return f"{name}-{st.session_state.get(_canvas_round(name), 0)}"


def clear_canvas(name: str) -> None:
    st.session_state[_canvas_round(name)] = st.session_state.get(_canvas_round(name), 0) + 1


def _canvas_round(name: str) -> str:
    return f"{name}_round"


def session_model() -> TrainedModel | None:
    """The model this session trained, chose or uploaded; ``None`` means the shared default."""
    return st.session_state.get(_MODEL)


def use_model(model: TrainedModel) -> None:
    """Make ``model`` the one every page of this session uses."""
    st.session_state[_MODEL] = model


def runs() -> list[RunRecord]:
    """This session's training runs, oldest first."""
    return list(st.session_state.get(_RUNS, []))


def add_run(run: RunRecord) -> None:
    st.session_state.setdefault(_RUNS, []).append(run)


def is_new_upload(kind: str, name: str, size: int) -> bool:
    """False when this exact file was already loaded into ``kind`` (a rerun keeps the uploader's file)."""
    return st.session_state.get(f"{_UPLOAD}-{kind}") != (name, size)


def remember_upload(kind: str, name: str, size: int) -> None:
    st.session_state[f"{_UPLOAD}-{kind}"] = (name, size)


def notice_after_rerun(message: str) -> None:
    """A success message for the next run of the page (a rerun clears what this run showed)."""
    st.session_state[_NOTICE] = message


def pop_notice() -> str | None:
    return st.session_state.pop(_NOTICE, None)


def symbols() -> SymbolSet:
    """The symbols this student taught (kept for the session only; downloadable as a file)."""
    from siamese.search.symbols import SymbolSet

    return st.session_state.get(_SYMBOLS) or SymbolSet()


def use_symbols(symbol_set: SymbolSet) -> None:
    st.session_state[_SYMBOLS] = symbol_set


def value(key: str, default: Any = None) -> Any:
    """A widget's current value, before the widget is drawn in this run."""
    return st.session_state.get(key, default)


def set_value(key: str, new_value: Any) -> None:
    """Set a widget's value; only allowed before the widget is drawn (e.g. in a callback)."""
    st.session_state[key] = new_value


def setdefault(key: str, default: Any) -> Any:
    return st.session_state.setdefault(key, default)


def has(key: str) -> bool:
    return key in st.session_state


def keep_widget(key: str, default: Any) -> None:
    """Give the widget ``key`` its kept value; call before drawing it.

    Streamlit drops a widget's value after a run that does not draw it (the nickname box is not
    drawn while the canvas is empty), so such widgets pass ``remember_widget`` as their on_change.
    """
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(_KEPT + key, default)


def remember_widget(key: str) -> None:
    st.session_state[_KEPT + key] = st.session_state[key]


def kept_value(key: str, default: Any = None) -> Any:
    """A kept widget's value, whether or not the widget is drawn in this run."""
    return st.session_state.get(key, st.session_state.get(_KEPT + key, default))


def class_code() -> str | None:
    """The class this student joined (typed once, kept for the session and in the page's address)."""
    return st.session_state.get(_CLASS_CODE)


def join_class(code: str | None) -> None:
    st.session_state[_CLASS_CODE] = code


def student_id() -> str:
    """A random name for this browser session, so the board counts students without knowing who they are."""
    from siamese.classroom.codes import new_student_token

    return st.session_state.setdefault(_STUDENT, new_student_token())


def has_student_id() -> bool:
    return _STUDENT in st.session_state


def use_student_id(token: str) -> None:
    """Be the student ``token`` again (a reload or a restarted server: the token comes from the address)."""
    st.session_state[_STUDENT] = token


def returned_to_class() -> bool:
    """True from a reload's (or restarted server's) return to the class until the student's next send."""
    return bool(st.session_state.get(_RETURNED))


def note_return_to_class(returned: bool) -> None:
    st.session_state[_RETURNED] = returned


def teacher_key(code: str) -> str | None:
    """The teacher key this session opened the board of class ``code`` with."""
    return st.session_state.get(_TEACHER_KEYS, {}).get(code)


def remember_teacher_key(code: str, key: str) -> None:
    st.session_state.setdefault(_TEACHER_KEYS, {})[code] = key


def forget_class(code: str) -> None:
    """A deleted class: its key, board and new-key notice go from this session."""
    st.session_state.get(_TEACHER_KEYS, {}).pop(code, None)
    st.session_state.get(_SHOWN_BOARDS, {}).pop(code, None)
    if st.session_state.get(BOARD_CODE) == code:
        st.session_state[BOARD_CODE] = None
    if class_code() == code:
        join_class(None)


def taught_classes() -> list[str]:
    """The classes whose teacher key this session holds, oldest first."""
    return list(st.session_state.get(_TEACHER_KEYS, {}))


def open_board(code: str | None) -> None:
    """Show the board of class ``code`` (whose key this session holds), or none."""
    st.session_state[BOARD_CODE] = code
    if code is not None and st.session_state.get(_REOPEN) == code:
        del st.session_state[_REOPEN]


def open_board_code() -> str | None:
    """The class whose board this session shows, if it holds its key."""
    code = st.session_state.get(BOARD_CODE)
    return code if code and teacher_key(code) else None


@dataclass(eq=False)
class ShownBoard:
    """What a session's board of one class showed at its last refresh: a ``class_board.Board`` (``None`` before)."""

    current: Any = None


def shown_board(code: str) -> ShownBoard:
    """A holder of what the board of ``code`` showed last (``.current``), kept for the session.

    A download's data is made when the teacher clicks, outside any run of the page; the holder is
    what lets it hold exactly what the board showed then.
    """
    return st.session_state.setdefault(_SHOWN_BOARDS, {}).setdefault(code, ShownBoard())


def show_key_once(code: str, key: str) -> None:
    """The new class's teacher key, shown once in a window of its own before its board opens."""
    st.session_state[_NEW_KEY] = (code, key)


def key_to_show() -> tuple[str, str] | None:
    """``(code, key)`` of a new class whose key the teacher has not yet seen, or ``None``."""
    return st.session_state.get(_NEW_KEY)


def key_seen() -> None:
    """The teacher closed the key's window: it is never shown again, and the class's board opens."""
    shown = st.session_state.pop(_NEW_KEY, None)
    if shown:
        open_board(shown[0])


def ask_to_confirm(action: str) -> None:
    """A teacher action ("clear", "close", "delete") waiting for its confirmation window."""
    st.session_state[_CONFIRM] = action


def action_to_confirm() -> str | None:
    return st.session_state.get(_CONFIRM)


def forget_action_to_confirm() -> None:
    st.session_state.pop(_CONFIRM, None)


def board_to_reopen() -> str | None:
    """A class whose board the page's address names (a reload) but whose key this session lacks."""
    return st.session_state.get(_REOPEN)


def ask_to_reopen(code: str | None) -> None:
    st.session_state[_REOPEN] = code


def link() -> dict[str, str]:
    """The class, student and board this session last wrote to the page's address (or followed from it)."""
    return dict(st.session_state.get(_LINK, {}))


def remember_link(parameters: dict[str, str]) -> None:
    st.session_state[_LINK] = dict(parameters)
