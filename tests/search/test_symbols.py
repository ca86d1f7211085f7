"""Symbols taught by example: the set's rules, its files (good and bad), and identifying a query."""

import io

import numpy as np
import pytest

from siamese.search.symbols import MAX_EXAMPLES, MAX_SYMBOLS, SymbolSet, clean_name


def _drawing(value: float = 1.0, row: int = 10) -> np.ndarray:
    image = np.zeros((28, 28), dtype=np.float32)
    image[row : row + 8, 10:18] = value
    return image


def test_names_are_plain_text_of_at_most_24_characters():
    assert clean_name("  star\t\n  of  David ") == "star of David"
    assert clean_name("<script>alert(1)</script>"[:24]) == "<script>alert(1)</script"  # kept as text, never HTML
    with pytest.raises(ValueError, match="at most 24"):
        clean_name("x" * 10_000)
    with pytest.raises(ValueError, match="name first"):
        clean_name("   ")


def test_a_set_grows_by_drawings_within_its_limits_and_forgets_a_symbol():
    symbols = SymbolSet()
    for number in range(MAX_SYMBOLS):
        symbols = symbols.add(f"symbol {number}", _drawing())
    assert symbols.names == tuple(f"symbol {number}" for number in range(MAX_SYMBOLS)) and len(symbols) == 5
    with pytest.raises(ValueError, match="at most 5 symbols"):
        symbols.add("one too many", _drawing())
    for _ in range(MAX_EXAMPLES - 1):
        symbols = symbols.add("symbol 2", _drawing(0.5))
    with pytest.raises(ValueError, match="already has 5 drawings"):
        symbols.add("symbol 2", _drawing())
    fewer = symbols.without("symbol 1")
    assert fewer.names == ("symbol 0", "symbol 2", "symbol 3", "symbol 4")
    assert len(fewer.examples_of("symbol 2")) == 5 and len(fewer) == len(symbols) - 1
    assert fewer.labels.max() == 3
    with pytest.raises(ValueError, match="empty"):
        SymbolSet().add("blank", np.zeros((28, 28)))


def test_a_set_survives_its_own_file():
    symbols = SymbolSet().add("arrow", _drawing(1.0)).add("arrow", _drawing(0.4)).add("star ☆", _drawing(row=2))
    again = SymbolSet.from_npz(symbols.to_npz())
    assert again.names == symbols.names
    np.testing.assert_array_equal(again.labels, symbols.labels)
    np.testing.assert_allclose(again.images, symbols.images, atol=1 / 255)


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _set_file(names=("a",), count=1, *, shape=(28, 28), labels=None, **others) -> bytes:
    """A symbols file with ``count`` blank drawings, every part replaceable."""
    arrays = {
        "names": np.array(names),
        "images": np.zeros((count, *shape), np.uint8),
        "labels": np.zeros(count, int) if labels is None else labels,
    }
    return _npz(**{**arrays, **others})


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not a zip", "not a .npz"),
        (_npz(names=np.array(["a"]), images=np.zeros((1, 28, 28), np.uint8)), "has no labels"),
        (_set_file(names=np.array([None], dtype=object)), "pickled"),
        (_set_file(shape=(27, 28)), r"\(n, 28, 28\)"),
        (_set_file(labels=np.array([3])), "names no symbol"),
        (_set_file(names=("x" * 30,)), "at most 24"),
        (_set_file(names=("a", "a"), count=0), "each name once"),
        (_set_file(count=6), "at most 5 drawings"),
    ],
    ids=["not npz", "missing key", "pickle", "shape", "label", "long name", "twice", "too many"],
)
def test_a_bad_file_is_refused_in_one_sentence(payload, message):
    with pytest.raises(ValueError, match=message):
        SymbolSet.from_npz(payload)
