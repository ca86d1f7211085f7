"""The teacher's exports: an MNIST-style .npz that loads back, and a CSV that no spreadsheet runs as formulas."""

import csv
import io

import numpy as np
import pytest

from siamese.classroom.export import class_csv, class_npz, spreadsheet_safe
from siamese.classroom.store import ClassStore, sqlite_url
from siamese.data.mnist import load_npz


def _drawing(seed: int = 0) -> np.ndarray:
    image = np.zeros((28, 28), dtype=np.uint8)
    image[6:22, 12 + seed % 4 : 16 + seed % 4] = 255
    return image


@pytest.fixture
def class_with(tmp_path):
    """A class whose drawings carry the given nicknames, one drawing each; returns its drawings."""
    store = ClassStore(sqlite_url(tmp_path / "classes.sqlite"))

    def make(nicknames):
        code, _ = store.start_class()
        for number, nickname in enumerate(nicknames):
            store.add_drawing(code, student=f"s{number}", digit=number % 10, image=_drawing(number), nickname=nickname)
        return store.drawings(code)

    return make


def test_the_npz_loads_back_as_an_mnist_file_with_the_readings(class_with, tmp_path):
    drawings = class_with([None] * 12)
    predicted = (np.arange(12) + 1) % 10
    path = tmp_path / "class.npz"
    path.write_bytes(class_npz(drawings, predicted))
    data = load_npz(path)
    assert data.x_train.shape == (12, 28, 28) and data.y_train.tolist() == [n % 10 for n in range(12)]
    np.testing.assert_array_equal(data.x_train, drawings.images / 255.0)  # read back in [0, 1]
    with np.load(path, allow_pickle=False) as stored:
        assert stored["predictions"].tolist() == predicted.tolist()
        assert stored["drawing_ids"].tolist() == drawings.ids.tolist()


def test_the_csv_has_a_row_per_drawing_with_the_network_s_reading(class_with):
    drawings = class_with(["Ana", None, "Bo"])
    rows = list(csv.reader(io.StringIO(class_csv(drawings, np.array([0, 7, 2])))))
    assert rows[0] == ["drawing", "digit", "predicted", "nickname", "sent_at"]
    assert [row[:4] for row in rows[1:]] == [
        [str(drawings.ids[0]), "0", "0", "Ana"],
        [str(drawings.ids[1]), "1", "7", ""],
        [str(drawings.ids[2]), "2", "2", "Bo"],
    ]


@pytest.mark.parametrize(
    "typed",
    ["=1+2", '=HYPERLINK("http://e.x","hi")', "+1", "-1+2", "@SUM(A1)", "=cmd|' /C calc'!A0"],
)
def test_a_formula_typed_as_a_nickname_is_exported_as_text(class_with, typed):
    drawings = class_with([typed[:24]])
    rows = list(csv.reader(io.StringIO(class_csv(drawings, np.array([0])))))
    assert rows[1][3] == "'" + typed[:24]  # a spreadsheet shows it as typed and runs nothing


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised_and_plain_text_is_kept(start):
    assert spreadsheet_safe(f"{start}A1") == f"'{start}A1"
    for text in ("Ana", "a=b", "Bo-1", "", " =x", "'=x"):
        assert spreadsheet_safe(text) == text  # only a cell that begins with a formula sign is changed


def test_readings_must_match_the_drawings(class_with):
    drawings = class_with([None, None])
    with pytest.raises(ValueError, match="one digit per drawing"):
        class_csv(drawings, np.array([1]))
    with pytest.raises(ValueError, match="digits 0 to 9"):
        class_npz(drawings, np.array([-1, 3]))  # "not read" is not a reading
