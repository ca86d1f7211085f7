"""Saving and loading model folders: round trips, atomicity, safe mode, shape checks."""

import os
import zipfile

import keras
import numpy as np
import pytest

from siamese.config import TrainingConfig
from siamese.networks.models import build_embedding_network, embed
from siamese.storage import model_folders as storage
from siamese.storage.model_folders import load_archive, load_model, load_upload, model_archive, save_model
from siamese.storage.network_file import load_embedding_network
from siamese.storage.trained_model import ModelOrigin, TrainedModel
from siamese.training.trainer import train


@pytest.fixture(scope="module")
def trained(small_data):
    result = train(TrainingConfig(epochs=1, embedding_dim=16, batch_size=128), small_data)
    return TrainedModel.from_result(result, name="small")


def test_a_saved_model_reloads_with_identical_embeddings(trained, small_data, tmp_path):
    folder = save_model(trained, tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "embedding.keras",
        "history.json",
        "metrics.json",
    ]
    loaded = load_model(folder)
    assert loaded.config == trained.config
    assert loaded.history == trained.history
    assert loaded.threshold == pytest.approx(trained.threshold)
    assert loaded.metrics["validation_pair_accuracy"] == pytest.approx(trained.metrics["validation_pair_accuracy"])
    assert loaded.origin == ModelOrigin.SAVED and loaded.key != trained.key
    before = embed(trained.embedding_network, small_data.x_test)
    assert np.array_equal(embed(loaded.embedding_network, small_data.x_test), before)


def _save_empty_model(folder, embedding_dim):
    config = TrainingConfig(embedding_dim=embedding_dim)
    model = TrainedModel(name="empty", network=build_embedding_network(config), config=config, threshold=0.5)
    return save_model(model, folder)


def test_a_crash_during_save_leaves_the_previous_model_loadable(tmp_path, monkeypatch):
    folder = _save_empty_model(tmp_path / "model", 8)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(TrainingConfig, "save", crash)
    with pytest.raises(OSError):
        _save_empty_model(folder, 12)
    monkeypatch.undo()
    assert load_model(folder).config.embedding_dim == 8
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no half-written leftovers


def test_a_crash_between_the_renames_is_recovered_on_load(tmp_path, monkeypatch):
    folder = _save_empty_model(tmp_path / "model", 8)
    real_replace = os.replace
    calls = []

    def replace_then_die(source, target):
        calls.append(target)
        if len(calls) == 2:  # the old folder is already moved aside; the new one never arrives
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(storage.os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt):
        _save_empty_model(folder, 12)
    monkeypatch.undo()
    assert not folder.exists()
    assert load_model(folder).config.embedding_dim == 8


def test_a_missing_folder_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_model(tmp_path / "nothing")


def test_a_corrupt_keras_file_is_refused(tmp_path):
    (tmp_path / "broken.keras").write_bytes(b"PK\x03\x04 definitely not a model")
    with pytest.raises(ValueError):
        load_embedding_network(tmp_path / "broken.keras")
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(ValueError, match="not a Keras model file"):
        load_embedding_network(tmp_path / "text.keras")


def test_a_lambda_layer_is_refused_by_safe_mode(tmp_path):
    images = keras.Input(shape=(28, 28))
    flat = keras.layers.Flatten()(images)
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(keras.layers.Dense(4)(flat))
    keras.Model(images, outputs).save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="could not be loaded safely"):
        load_embedding_network(tmp_path / "lambda.keras")


def test_wrong_input_shape_or_embedding_size_is_refused(tmp_path):
    images = keras.Input(shape=(32, 32))
    keras.Model(images, keras.layers.Dense(4)(keras.layers.Flatten()(images))).save(tmp_path / "wide.keras")
    with pytest.raises(ValueError, match=r"input must be \(n, 28, 28\)"):
        load_embedding_network(tmp_path / "wide.keras")
    network = build_embedding_network(TrainingConfig(embedding_dim=8))
    network.save(tmp_path / "eight.keras")
    with pytest.raises(ValueError, match="outputs 8 numbers per image, the config says 16"):
        load_embedding_network(tmp_path / "eight.keras", embedding_dim=16)


def test_the_saved_file_is_a_plain_keras_archive(trained, tmp_path):
    folder = save_model(trained, tmp_path / "model")
    with zipfile.ZipFile(folder / "embedding.keras") as archive:
        assert "config.json" in archive.namelist()
    reloaded = keras.saving.load_model(folder / "embedding.keras", safe_mode=True, compile=False)
    assert reloaded.output_shape == (None, 16)


def test_a_model_archive_loads_back_as_the_same_model(trained, small_data):
    loaded = load_archive(model_archive(trained), name="uploaded copy")
    assert loaded.name == "uploaded copy" and loaded.origin == ModelOrigin.UPLOADED
    assert loaded.config == trained.config and loaded.threshold == pytest.approx(trained.threshold)
    before = embed(trained.embedding_network, small_data.x_test[:20])
    assert np.array_equal(embed(loaded.embedding_network, small_data.x_test[:20]), before)


def test_an_uploaded_zip_or_bare_keras_file_becomes_a_model(trained, small_data, tmp_path):
    from_zip = load_upload(model_archive(trained), "mine.zip", data=small_data)
    assert from_zip.name == "uploaded mine.zip" and from_zip.config == trained.config
    trained.embedding_network.save(tmp_path / "bare.keras")
    bare = load_upload((tmp_path / "bare.keras").read_bytes(), "bare.keras", data=small_data)
    # A bare network has no config: it is compared by Euclidean distance, with a threshold chosen on validation.
    assert bare.config.embedding_dim == 16 and bare.config.metric == "euclidean"
    assert bare.threshold > 0.0 and bare.metrics["validation_pair_accuracy"] > 0.6


def test_a_bad_upload_names_the_students_file_not_a_temporary_copy(small_data):
    with pytest.raises(ValueError, match=r"^my digits\.keras is not a Keras model file"):
        load_upload(b"hello", "my digits.keras", data=small_data)
    with pytest.raises(ValueError, match="not a zip archive"):
        load_upload(b"hello", "model.zip", data=small_data)
    with pytest.raises(ValueError, match="neither a .zip"):
        load_upload(b"hello", "notes.txt", data=small_data)


def test_a_lazily_loaded_model_reads_its_network_only_when_used(trained, small_data, tmp_path):
    folder = save_model(trained, tmp_path / "model")
    eager, lazy = load_model(folder), load_model(folder, lazy=True)
    assert not lazy.network_ready and eager.network_ready
    assert lazy.fingerprint == eager.fingerprint and lazy.embedding_dim == eager.embedding_dim == 16
    assert lazy.threshold == eager.threshold and lazy.config == eager.config
    assert np.array_equal(
        embed(lazy.embedding_network, small_data.x_test), embed(eager.embedding_network, small_data.x_test)
    )
    assert lazy.network_ready


def test_a_lazily_loaded_model_with_a_damaged_network_says_so_when_used(trained, tmp_path):
    folder = save_model(trained, tmp_path / "model")
    (folder / "embedding.keras").write_bytes(b"damaged")
    model = load_model(folder, lazy=True)  # its settings are fine: the damage shows on first use
    with pytest.raises(ValueError, match="embedding.keras is not a Keras model file"):
        embed(model.embedding_network, np.zeros((1, 28, 28), np.float32))
