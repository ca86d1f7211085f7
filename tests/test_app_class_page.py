"""The Class page in AppTest: joining, the teacher key, reloads, the teacher's confirmed actions, retention,
typed text shown as typed, a database that can't be used, and the Draw page going on without it."""

import os
import sqlite3
import sys
import time
import types

import numpy as np
import pytest
import streamlit

from explorer_ui import class_board
from explorer_ui.app_sessions import canvas_rgba
from siamese.classroom.store import ClassStore, sqlite_url
from tests.conftest import app_page

pytestmark = pytest.mark.slow
PAGE = "pages/7_Class.py"
DRAW_PAGE = "pages/5_Draw.py"
DAY = 86_400.0


@pytest.fixture
def database(monkeypatch, tmp_path):
    """A fresh class database for this test, and empty Streamlit caches around it."""
    path = tmp_path / "classes.sqlite"
    monkeypatch.setenv(class_board.DATABASE_FILE_VARIABLE, str(path))
    monkeypatch.delenv(class_board.DATABASE_URL_VARIABLE, raising=False)
    monkeypatch.delenv(class_board.RETENTION_VARIABLE, raising=False)
    streamlit.cache_resource.clear()
    yield path
    streamlit.cache_resource.clear()


@pytest.fixture
def canvas(monkeypatch):
    """A stand-in canvas component on the Draw page: ``canvas["draw_canvas"] = rgba`` is what it returns."""
    drawings: dict[str, np.ndarray] = {}
    fake = types.ModuleType("streamlit_drawable_canvas")
    fake.st_canvas = lambda *, key, **_: types.SimpleNamespace(image_data=drawings.get(key.rsplit("-", 1)[0]))
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake)
    return drawings


def _a_one() -> np.ndarray:
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 13:16] = 255
    return image


def _button(app, label: str):
    return next(button for button in app.button if button.label == label)


def _labels(app) -> list[str]:
    return [button.label for button in app.button]


def _everything_shown(app) -> str:
    """Every element of the page and of its open dialogs, as text (labels, values, captions, code)."""
    texts = []

    def walk(node):
        if getattr(node, "proto", None) is not None:
            texts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return "\n".join(texts)


def _join(app, code: str):
    app.text_input(key="join_code").set_value(code)
    _button(app, "Join").click()
    return app.run()


def _start_class(app):
    """Press "Start a class" and close the key's window; returns ``(code, key)``."""
    _button(app, "Start a class").click().run()
    code = app.session_state["new_class_key"][0]
    key = app.session_state["teacher_keys"][code]
    _button(app, "I have kept it: open the board").click().run()
    return code, key


def _stored_drawings(database) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM drawings").fetchone()[0]


def _board_heading(code: str) -> str:
    return f"# Class {code[:3]}-{code[3:]}"


def _headings(app) -> list[str]:
    return [block.value for block in app.markdown]


# ---------------------------------------------------------------- joining
def test_a_student_joins_with_the_code_typed_loosely(database):
    code, _ = ClassStore(sqlite_url(database)).start_class()
    app = _join(app_page(PAGE).run(), f" {code[:3].lower()} - {code[3:]} ")
    assert not app.exception and not app.error
    assert app.session_state["class_code"] == code
    assert any(f"You are in class {code[:3]}-{code[3:]} (open)" in message.value for message in app.success)
    assert app.query_params["class"] == code  # kept in the address, for a reload


@pytest.mark.parametrize(
    ("typed", "message"),
    [("ZZZZZZ", "there is no class with that code"), ("12", "a class code is 6 letters and digits, like ACD-234")],
)
def test_a_wrong_code_says_why_in_one_line(database, typed, message):
    ClassStore(sqlite_url(database))
    app = _join(app_page(PAGE).run(), typed)
    assert not app.exception
    assert [error.value for error in app.error] == [f"Can't join: {message}."]
    assert "class_code" not in app.session_state or app.session_state["class_code"] is None


def test_a_closed_class_cannot_be_joined(database):
    store = ClassStore(sqlite_url(database))
    code, key = store.start_class()
    store.close_class(code, key)
    app = _join(app_page(PAGE).run(), code)
    assert [error.value for error in app.error] == ["Can't join: that class is closed."]


def test_a_file_that_is_not_a_database_is_said_in_one_line_and_the_app_goes_on(database):
    junk = os.urandom(2048)
    database.write_bytes(junk)
    app = app_page(PAGE).run()
    assert not app.exception
    errors = [error.value for error in app.error]
    assert len(errors) == 1 and "is not a database (the file is left as it is)" in errors[0]
    assert database.read_bytes() == junk
    draw = app_page(DRAW_PAGE).run()
    assert not draw.exception and not draw.error  # drawing needs no database


def test_a_join_link_joins_the_class(database):
    code, _ = ClassStore(sqlite_url(database)).start_class()
    app = app_page(DRAW_PAGE)
    app.query_params["class"] = code.lower()
    app.run()
    assert not app.exception and app.session_state["class_code"] == code
    assert any(f"You joined class {code[:3]}-{code[3:]}" in message.value for message in app.success)
    assert app.query_params["class"] == code and app.query_params["student"] == app.session_state["student_id"]


def test_a_link_to_a_class_that_does_not_exist_says_so_and_joins_nothing(database):
    ClassStore(sqlite_url(database))
    app = app_page(DRAW_PAGE)
    app.query_params["class"] = "ZZZZZZ"
    app.run()
    assert not app.exception
    assert [warning.value for warning in app.warning] == [
        "There is no class ZZZ-ZZZ: check the code with your teacher (a class can also be deleted)."
    ]
    assert app.session_state["class_code"] is None if "class_code" in app.session_state else True
    assert "class" not in app.query_params


def test_a_link_to_a_closed_class_does_not_join_it(database):
    store = ClassStore(sqlite_url(database))
    code, key = store.start_class()
    store.close_class(code, key)
    app = app_page(DRAW_PAGE)
    app.query_params["class"] = code
    app.run()
    assert not app.exception and not app.success
    assert [warning.value for warning in app.warning] == [
        f"Class {code[:3]}-{code[3:]} is closed: it takes no more drawings, so you did not join it."
    ]
    assert "class_code" not in app.session_state or app.session_state["class_code"] is None


# ---------------------------------------------------------------- reloads and restarts
def _send(app, digit: int):
    app.button(key=f"send_{digit}").click().run()
    assert not app.exception, [item.value for item in app.exception]
    return app


def test_a_reloaded_student_is_still_in_the_class_as_the_same_student(database, canvas):
    store = ClassStore(sqlite_url(database))
    code, _ = store.start_class()
    canvas["draw_canvas"] = canvas_rgba(_a_one() / 255.0)
    first = app_page(DRAW_PAGE)
    first.query_params["class"] = code
    _send(first.run(), 1)
    address = dict(first.query_params)
    assert set(address) == {"class", "student"}

    time.sleep(1.1)  # one drawing a second per student
    reloaded = app_page(DRAW_PAGE)  # a new browser session with the same address, as after a reload
    for name, value in address.items():
        reloaded.query_params[name] = value
    reloaded.run()
    assert not reloaded.exception
    assert reloaded.session_state["class_code"] == code
    assert any("You are back in class" in info.value for info in reloaded.info)
    _send(reloaded, 1)
    assert [message.value for message in reloaded.success][-1] == "Sent to the board as a 1."
    info = store.class_info(code)
    assert (info.drawings, info.students) == (2, 1)  # one student, not two


def test_a_forged_student_token_in_the_address_is_not_used(database):
    code, _ = ClassStore(sqlite_url(database)).start_class()
    app = app_page(DRAW_PAGE)
    app.query_params["class"], app.query_params["student"] = code, "x' OR 1=1 --"
    app.run()
    assert app.session_state["class_code"] == code
    assert app.session_state["student_id"] != "x' OR 1=1 --" and len(app.session_state["student_id"]) == 32


def test_the_nickname_and_its_switch_survive_a_clear_of_the_canvas(database, canvas):
    code, _ = ClassStore(sqlite_url(database)).start_class()
    canvas["draw_canvas"] = canvas_rgba(_a_one() / 255.0)
    app = app_page(DRAW_PAGE)
    app.query_params["class"] = code
    app.run()
    app.checkbox(key="show_nickname").check().run()
    app.text_input(key="nickname").input("Ana").run()
    del canvas["draw_canvas"]  # Clear: the canvas is empty, the send buttons and nickname box are not drawn
    app.run()
    assert not app.checkbox
    canvas["draw_canvas"] = canvas_rgba(_a_one() / 255.0)  # the next drawing
    app.run()
    assert app.checkbox(key="show_nickname").value is True
    assert app.text_input(key="nickname").value == "Ana"


def test_the_teacher_key_is_shown_once_in_a_window_before_the_board_and_never_on_it(database):
    app = app_page(PAGE).run()
    _button(app, "Start a class").click().run()
    assert not app.exception
    code = app.session_state["new_class_key"][0]
    key = app.session_state["teacher_keys"][code]
    assert [block.value for block in app.code] == [key]  # in the window, with its copy icon
    assert _board_heading(code) not in _headings(app)  # the board is not open behind it
    _button(app, "I have kept it: open the board").click().run()
    assert _board_heading(code) in _headings(app)
    assert key not in _everything_shown(app) and ClassStore(sqlite_url(database)).is_teacher(code, key)
    _button(app, "Leave the board").click().run()
    _button(app, f"Back to the board of {code[:3]}-{code[3:]}").click().run()
    assert not app.exception and _board_heading(code) in _headings(app)
    assert key not in _everything_shown(app)
    assert all(key not in value for value in app.query_params.values())


def test_a_reloaded_board_opens_again_with_the_key_in_one_step(database):
    app = app_page(PAGE).run()
    code, key = _start_class(app)
    address = dict(app.query_params)
    assert address == {"board": code}  # the code only: the address is on the projector too

    reloaded = app_page(PAGE)
    for name, value in address.items():
        reloaded.query_params[name] = value
    reloaded.run()
    assert _board_heading(code) not in _headings(reloaded)
    reloaded.text_input(key="reopen_board_key").input(key)
    _button(reloaded, "Open the board").click().run()
    assert not reloaded.exception and _board_heading(code) in _headings(reloaded)


def test_a_wrong_key_does_not_reopen_the_board(database):
    code, key = ClassStore(sqlite_url(database)).start_class()
    app = app_page(PAGE)
    app.query_params["board"] = code
    app.run()
    app.text_input(key="reopen_board_key").input(key[:-1] + ("A" if key[-1] != "A" else "B"))
    _button(app, "Open the board").click().run()
    assert [error.value for error in app.error] == ["Can't open: that teacher key does not open this class."]
    assert _board_heading(code) not in _headings(app)


# ---------------------------------------------------------------- the board and the teacher's actions
def _board_of(database, drawings: int = 3, **nicknames):
    store = ClassStore(sqlite_url(database))
    code, key = store.start_class()
    for number in range(drawings):
        store.add_drawing(code, student=f"s{number}", digit=1, image=_a_one(), nickname=nicknames.get(f"s{number}"))
    app = app_page(PAGE)
    app.session_state["board_code"], app.session_state["teacher_keys"] = code, {code: key}
    return store, code, key, app.run()


def test_an_open_board_is_the_whole_page_and_opens_again_in_one_click(database):
    app = app_page(PAGE).run()
    code, _ = _start_class(app)
    assert "Start a class" not in _labels(app) and "Join" not in _labels(app)  # the projector sees the board only
    _button(app, "Leave the board").click().run()
    assert not app.exception and "Start a class" in _labels(app)
    assert _board_heading(code) not in _headings(app)
    _button(app, f"Back to the board of {code[:3]}-{code[3:]}").click().run()
    assert not app.exception and _board_heading(code) in _headings(app)


def test_the_board_shows_the_class_and_its_figures(database):
    _, _, _, app = _board_of(database, s1="<b>x</b>", s2="<b>x</b>")
    assert not app.exception and not app.error
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Drawings"] == "3" and metrics["Students"] == "3" and metrics["Read right"] == "100%"


def test_typed_nicknames_are_shown_as_plain_text_under_the_misread_drawings(database):
    store = ClassStore(sqlite_url(database))
    code, key = store.start_class()
    typed = ["**bold**", "[a](http://e.x)", "![](//e.x/x)", "<b>hi</b>", "_x_ `y` #z", "www.e.x"]
    for number, nickname in enumerate(typed):
        store.add_drawing(code, student=f"s{number}", digit=7, image=_a_one(), nickname=nickname)  # a 1 meant as 7
    app = app_page(PAGE)
    app.session_state["board_code"], app.session_state["teacher_keys"] = code, {code: key}
    app.run()
    captions = [image.proto.imgs[0].caption for image in app.get("image")]
    assert len(captions) == len(typed) and all(caption.startswith("✗ #") for caption in captions)
    assert all(", read 1" in caption and " · " not in caption.split("read")[-1] for caption in captions)
    # st.text: never parsed as Markdown or HTML; the browser test checks what is drawn.
    assert [element.value for element in app.text] == typed[::-1]  # newest first


def test_clear_asks_first(database):
    store, code, _, app = _board_of(database)
    _button(app, "Clear the board…").click().run()
    assert any("This deletes all 3 drawings" in block.value for block in app.markdown)
    assert store.class_info(code).drawings == 3  # nothing yet
    _button(app, "Cancel").click().run()
    assert store.class_info(code).drawings == 3
    _button(app, "Clear the board…").click().run()
    _button(app, "Clear the board").click().run()
    assert not app.exception and store.class_info(code).drawings == 0
    assert [toast.value for toast in app.toast] == ["Cleared 3 drawings."]


def test_close_asks_first_and_a_closed_class_is_reopened(database):
    store, code, _, app = _board_of(database)
    _button(app, "Close the class…").click().run()
    assert store.class_info(code).is_open
    _button(app, "Close the class").click().run()
    assert not app.exception and not store.class_info(code).is_open
    assert any(caption.value == "Closed: nothing more can be sent" for caption in app.caption)
    assert any("will be deleted on" in caption.value for caption in app.caption)
    _button(app, "Reopen the class").click().run()
    assert not app.exception and store.class_info(code).is_open
    assert "Close the class…" in _labels(app)


def test_delete_this_class_now_asks_first_and_deletes_it_with_its_drawings(database):
    store, code, _, app = _board_of(database)
    _button(app, "Delete this class now…").click().run()
    _button(app, "Cancel").click().run()
    assert store.class_info(code).drawings == 3
    _button(app, "Delete this class now…").click().run()
    _button(app, "Delete the class").click().run()
    assert not app.exception and store.class_info(code) is None
    assert "Start a class" in _labels(app) and f"Back to the board of {code[:3]}-{code[3:]}" not in _labels(app)
    assert [toast.value for toast in app.toast] == [f"Class {code[:3]}-{code[3:]} and its 3 drawings are deleted."]


def test_projector_mode_drops_the_navigation_and_writes_the_counts_large(database):
    _, code, _, app = _board_of(database)
    assert app.get("page_link")
    app.toggle(key="projector_mode").set_value(True).run()
    assert not app.exception
    assert not app.get("page_link")  # the room sees the board alone
    assert {"## 3 drawings", "## 3 students", "## 100% read right"} <= {block.value for block in app.markdown}
    assert app.query_params["projector"] == "on" and app.query_params["board"] == code


# ---------------------------------------------------------------- retention
def test_closed_classes_are_deleted_after_the_retention_setting(database, monkeypatch):
    monkeypatch.setenv(class_board.RETENTION_VARIABLE, "2")
    store = ClassStore(sqlite_url(database))
    (old, old_key), (recent, recent_key), (still_open, _) = (store.start_class() for _ in range(3))
    for code in (old, recent, still_open):
        store.add_drawing(code, student="s", digit=1, image=_a_one())
    store.close_class(old, old_key, now=time.time() - 3 * DAY)
    store.close_class(recent, recent_key, now=time.time() - 1 * DAY)
    app = app_page(PAGE).run()
    assert not app.exception
    assert store.class_info(old) is None and _stored_drawings(database) == 2
    assert store.class_info(recent) is not None and store.class_info(still_open) is not None
    assert any("deleted 2 days after closing" in caption.value for caption in app.caption)


def test_a_retention_setting_that_is_not_a_number_is_said_once(database, monkeypatch):
    monkeypatch.setenv(class_board.RETENTION_VARIABLE, "forever")
    app = app_page(PAGE).run()
    assert not app.exception
    assert [warning.value for warning in app.warning] == [
        "SIAMESE_CLASS_RETENTION_DAYS is 'forever', not a number of days above 0, so closed classes are kept 30 days."
    ]
