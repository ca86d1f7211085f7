"""The disk cache's keys: one model's results never stand in for another model's, or for other data."""

import dataclasses

import numpy as np
import pytest

from explorer_ui import caches
from siamese.config import TrainingConfig
from siamese.storage.trained_model import TrainedModel


def _model(fingerprint):
    return TrainedModel(name="m", network=object(), config=TrainingConfig(), threshold=0.5, fingerprint=fingerprint)


def _data(embedded_data, shift: int = 0):
    return dataclasses.replace(embedded_data, y_train=np.roll(embedded_data.y_train, shift))


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SIAMESE_CACHE", str(tmp_path))
    return tmp_path


def test_each_model_and_data_set_has_its_own_results(cache_folder, embedded_data):
    first, second = _model("a" * 64), _model("b" * 64)
    data, other_data = _data(embedded_data), _data(embedded_data, shift=1)
    keys = {
        caches._disk_key(model, some_data, name)
        for model in (first, second)
        for some_data in (data, other_data)
        for name in ("retrieval-k5", "test")
    }
    assert len(keys) == 8
    assert caches._on_disk(first, data, "figures", lambda: {"model": "first"}) == {"model": "first"}
    assert caches._on_disk(second, data, "figures", lambda: {"model": "second"}) == {"model": "second"}
    assert caches._on_disk(first, other_data, "figures", lambda: {"data": "other"}) == {"data": "other"}
    assert caches._on_disk(first, data, "figures", lambda: pytest.fail("computed again")) == {"model": "first"}
    assert len(list((cache_folder / "results").glob("*.json"))) == 3


def test_a_model_trained_in_this_process_never_reads_the_disk(cache_folder, embedded_data):
    trained = _model(None)  # no saved file, so nothing on disk can be its result
    calls = []
    for _ in range(2):
        caches._on_disk(trained, _data(embedded_data), "figures", lambda: calls.append(1) or {"n": len(calls)})
    assert len(calls) == 2 and not (cache_folder / "results").exists()
