"""The New symbols page in AppTest: symbols loaded from a file, bad files refused, names shown as typed."""

import numpy as np
import pytest

from explorer_ui import known_shapes
from siamese.search.symbols import SymbolSet
from tests.conftest import app_page

pytestmark = pytest.mark.slow
PAGE = "pages/6_New_symbols.py"


def _drawing(row: int) -> np.ndarray:
    image = np.zeros((28, 28), dtype=np.float32)
    image[row : row + 10, 8:20] = 1.0
    return image


def _upload(app, name: str, payload: bytes):
    uploader = next(widget for widget in app.get("file_uploader") if widget.proto.label.startswith("Load symbols"))
    uploader.set_value((name, payload, "application/octet-stream"))
    return app.run()


def test_a_saved_set_loads_and_its_names_are_shown_as_typed():
    symbols = SymbolSet().add("**<b>bold</b>**", _drawing(2)).add("star", _drawing(12))
    app = app_page(PAGE).run()
    app = _upload(app, "mine.npz", symbols.to_npz())
    assert not app.exception and not app.error
    assert app.session_state["symbols"].names == ("**<b>bold</b>**", "star")
    assert [success.value for success in app.success] == [r"Loaded 2 symbols from mine\.npz."]
    shown = " ".join(block.value for block in app.markdown)
    assert r"\*\*\<b\>bold\</b\>\*\*" in shown  # escaped: Markdown shows the characters, never bold or HTML
    # Nothing was drawn, so the open-set rule's known shapes (a minute of work) were not begun.
    assert not known_shapes._MADE


@pytest.mark.parametrize(
    ("payload", "message"),
    [(b"hello", "not a .npz of symbols"), (np.zeros(3).tobytes(), "not a .npz of symbols")],
)
def test_a_bad_file_is_refused_in_one_line_and_the_symbols_kept(payload, message):
    app = app_page(PAGE)
    app.session_state["symbols"] = SymbolSet().add("kept", _drawing(5))
    app.run()
    app = _upload(app, "bad.npz", payload)
    assert not app.exception
    assert [error.value for error in app.error] == [f"That file can't be used: the file is {message}."]
    assert app.session_state["symbols"].names == ("kept",)
