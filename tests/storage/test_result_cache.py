"""Results kept on disk: read back as written, computed again when damaged, never half written."""

import numpy as np
import pytest

from siamese.storage.result_cache import ResultCache, default_cache_folder


def test_arrays_and_objects_come_back_as_they_were_stored_and_are_not_computed_twice(tmp_path):
    cache, calls = ResultCache(tmp_path), []

    def compute():
        calls.append(1)
        return np.arange(6, dtype=np.float32).reshape(2, 3)

    first = cache.array("model-a-data-b-train", compute)
    again = cache.array("model-a-data-b-train", compute)
    np.testing.assert_array_equal(first, again)
    assert len(calls) == 1 and again.dtype == np.float32
    assert cache.json_object("figures", lambda: {"accuracy": 0.5}) == {"accuracy": 0.5}
    assert cache.json_object("figures", lambda: pytest.fail("computed again")) == {"accuracy": 0.5}
    stored = cache.arrays("several", lambda: {"images": np.ones((2, 2), np.uint8), "labels": np.array([3, 4])})
    back = ResultCache(tmp_path).arrays("several", lambda: pytest.fail("computed again"))
    assert set(back) == {"images", "labels"} and np.array_equal(back["labels"], stored["labels"])


def test_a_damaged_file_is_computed_again(tmp_path):
    cache = ResultCache(tmp_path)
    cache.array("embeddings", lambda: np.zeros(3))
    (tmp_path / "embeddings.npy").write_bytes(b"\\x93NUMPY half")
    np.testing.assert_array_equal(cache.array("embeddings", lambda: np.ones(3)), np.ones(3))
    (tmp_path / "figures.json").write_text("[1, 2")
    assert cache.json_object("figures", lambda: {"fresh": True}) == {"fresh": True}


def test_keys_are_plain_names_only(tmp_path):
    cache = ResultCache(tmp_path)
    for key in ("../escape", "a/b", "", "name with space"):
        with pytest.raises(ValueError, match="letters, digits"):
            cache.array(key, lambda: np.zeros(1))


def test_a_failed_write_leaves_no_file_and_the_value_still_comes_back(tmp_path, monkeypatch):
    cache = ResultCache(tmp_path)

    def broken_save(handle, value, **kwargs):
        handle.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", broken_save)
    np.testing.assert_array_equal(cache.array("big", lambda: np.ones(4)), np.ones(4))
    assert list(tmp_path.iterdir()) == []  # neither a half file nor a temporary one is left


def test_the_default_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SIAMESE_CACHE", str(tmp_path / "mine"))
    assert default_cache_folder() == tmp_path / "mine"
