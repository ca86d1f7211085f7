"""The Class page in AppTest: joining, a database that can't be used, and the Draw page going on without it."""

import os

import numpy as np
import pytest
import streamlit

from explorer_ui import class_board
from siamese.class_store import ClassStore, sqlite_url
from tests.conftest import app_page

pytestmark = pytest.mark.slow
PAGE = "pages/7_Class.py"


@pytest.fixture
def database(monkeypatch, tmp_path):
    """A fresh class database for this test, and empty Streamlit caches around it."""
    path = tmp_path / "classes.sqlite"
    monkeypatch.setenv(class_board.DATABASE_FILE_VARIABLE, str(path))
    monkeypatch.delenv(class_board.DATABASE_URL_VARIABLE, raising=False)
    streamlit.cache_resource.clear()
    yield path
    streamlit.cache_resource.clear()


def _join(app, code: str):
    app.text_input(key="join_code").set_value(code)
    next(button for button in app.button if button.label == "Join").click()
    return app.run()


def test_a_student_joins_with_the_code_typed_loosely(database):
    code, _ = ClassStore(sqlite_url(database)).start_class()
    app = _join(app_page(PAGE).run(), f" {code[:3].lower()} - {code[3:]} ")
    assert not app.exception and not app.error
    assert app.session_state["class_code"] == code
    assert any(f"You are in class {code[:3]}-{code[3:]} (open)" in message.value for message in app.success)


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
    draw = app_page("pages/5_Draw.py").run()
    assert not draw.exception and not draw.error  # drawing needs no database


def test_a_join_link_joins_the_class(database):
    code, _ = ClassStore(sqlite_url(database)).start_class()
    app = app_page("pages/5_Draw.py")
    app.query_params["class"] = code.lower()
    app.run()
    assert not app.exception and app.session_state["class_code"] == code


def test_a_teacher_starts_a_class_and_sees_the_key_once(database):
    app = app_page(PAGE).run()
    next(button for button in app.button if button.label == "Start a class").click().run()
    assert not app.exception
    warning = next(warning.value for warning in app.warning if "shown only this once" in warning.value)
    code = app.session_state["board_code"]
    key = app.session_state["teacher_keys"][code]
    assert key in warning
    assert ClassStore(sqlite_url(database)).is_teacher(code, key)
    headings = [block.value for block in app.markdown]
    assert f"# Class {code[:3]}-{code[3:]}" in headings


def _labels(app) -> list[str]:
    return [button.label for button in app.button]


def test_an_open_board_is_the_whole_page_and_opens_again_in_one_click(database):
    app = app_page(PAGE).run()
    next(button for button in app.button if button.label == "Start a class").click().run()
    code = app.session_state["board_code"]
    assert "Start a class" not in _labels(app) and "Join" not in _labels(app)  # the projector sees the board only
    next(button for button in app.button if button.label == "Leave the board").click().run()
    assert not app.exception and "Start a class" in _labels(app)
    assert f"# Class {code[:3]}-{code[3:]}" not in [block.value for block in app.markdown]
    back = f"Back to the board of {code[:3]}-{code[3:]}"
    next(button for button in app.button if button.label == back).click().run()
    assert not app.exception and f"# Class {code[:3]}-{code[3:]}" in [block.value for block in app.markdown]


def test_the_board_shows_the_class_and_its_figures(database):
    store = ClassStore(sqlite_url(database))
    code, key = store.start_class()
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 13:16] = 255  # a 1, drawn by three students
    for number in range(3):
        store.add_drawing(code, student=f"s{number}", digit=1, image=image, nickname="<b>x</b>" if number else None)
    app = app_page(PAGE)
    app.session_state["board_code"], app.session_state["teacher_keys"] = code, {code: key}
    app.run()
    assert not app.exception and not app.error
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Drawings"] == "3" and metrics["Students"] == "3" and metrics["Read right"] == "100%"
