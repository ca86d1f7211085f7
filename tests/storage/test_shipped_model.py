"""The model that ships with the package: intact, honest about what it never saw, and good at it."""

import shutil

import numpy as np
import pytest

from siamese.conventions import MODEL_FILES
from siamese.data.mnist import load_embedded_mnist, without_embedded_subset
from siamese.evaluation.scores import evaluate_model
from siamese.storage.shipped_model import MAX_BYTES, RECIPE, load_shipped_model, shipped_folder
from siamese.storage.trained_model import ModelOrigin


@pytest.fixture(scope="module")
def shipped():
    return load_shipped_model()


def test_the_shipped_files_are_small_and_complete():
    folder = shipped_folder()
    assert sum((folder / name).stat().st_size for name in MODEL_FILES) <= MAX_BYTES
    assert (folder / "SHA256SUMS").is_file()


def test_it_loads_as_the_shipped_recipe(shipped):
    assert shipped.origin == ModelOrigin.SHIPPED and shipped.config == RECIPE
    assert shipped.fingerprint and 0.0 < shipped.threshold < 2.0


@pytest.mark.slow
def test_it_reads_the_embedded_test_digits(shipped):
    """The embedded subset was left out of its training, so its test split is unseen."""
    data = load_embedded_mnist()
    evaluation = evaluate_model(shipped.embedding_network, data, threshold=shipped.threshold, metric="cosine")
    assert evaluation.retrieval.knn_accuracy >= 0.99
    assert evaluation.pair_accuracy >= 0.98


@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_a_damaged_file_is_refused_in_one_line(tmp_path, damage):
    folder = tmp_path / "shipped"
    shutil.copytree(shipped_folder(), folder)
    if damage == "altered":
        payload = bytearray((folder / "embedding.keras").read_bytes())
        payload[len(payload) // 2] ^= 0xFF
        (folder / "embedding.keras").write_bytes(bytes(payload))
        message = "embedding.keras does not match its checksum"
    else:
        (folder / "config.json").unlink()
        message = "config.json is missing"
    with pytest.raises(ValueError, match=message):
        load_shipped_model(folder)


@pytest.mark.full_mnist
def test_its_training_digits_and_the_embedded_subset_are_disjoint(full_mnist):
    training = without_embedded_subset(full_mnist)
    embedded = load_embedded_mnist()
    assert len(training.y_train) == 55_000  # all 5,000 embedded digits come from MNIST's training set

    def rows(images):
        return {row.tobytes() for row in np.rint(images.reshape(len(images), -1) * 255).astype(np.uint8)}

    seen = rows(training.x_train)
    assert not seen & rows(embedded.x_train) and not seen & rows(embedded.x_test)
    assert len(rows(embedded.x_train) | rows(embedded.x_test)) == 5_000
