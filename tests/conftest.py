"""Shared fixtures: the embedded MNIST subset, the full set when present, tiny configs."""

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The app under test uses the offline embedded set and a throw-away default-model cache.
os.environ.setdefault("SIAMESE_DATA", "embedded")
os.environ.setdefault("SIAMESE_CACHE", tempfile.mkdtemp(prefix="siamese-test-cache-"))

REPOSITORY = Path(__file__).resolve().parents[1]
FULL_MNIST = REPOSITORY.parent / "shared" / "data" / "mnist.npz"


@pytest.fixture(scope="session")
def embedded_data():
    from siamese.data import load_mnist

    return load_mnist("embedded")


@pytest.fixture(scope="session")
def full_mnist_path():
    if not FULL_MNIST.is_file():
        pytest.skip(f"full MNIST not found at {FULL_MNIST} (only the shared test data has it)")
    return FULL_MNIST


@pytest.fixture(scope="session")
def small_data(embedded_data):
    """1,500 training digits: enough to learn something in a second or two."""
    from siamese.data import MnistData

    return MnistData(
        embedded_data.x_train[:1500],
        embedded_data.y_train[:1500],
        embedded_data.x_test[:300],
        embedded_data.y_test[:300],
        source="embedded",
        description="a slice of the embedded set",
    )


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def write_mnist_npz(path: Path, *, train: int = 40, test: int = 20, **overrides) -> Path:
    """A small MNIST-shaped file with every digit present; ``overrides`` replace arrays by key."""
    generator = np.random.default_rng(1)
    arrays = {
        "x_train": generator.integers(0, 256, size=(train, 28, 28), dtype=np.uint8),
        "y_train": np.arange(train, dtype=np.uint8) % 10,
        "x_test": generator.integers(0, 256, size=(test, 28, 28), dtype=np.uint8),
        "y_test": np.arange(test, dtype=np.uint8) % 10,
    }
    arrays.update(overrides)
    arrays = {key: value for key, value in arrays.items() if value is not None}
    np.savez(path, **arrays)
    return path


@pytest.fixture(scope="session")
def trained_entry(embedded_data):
    """A small model trained on the embedded set, as the app keeps it in session state."""
    from explorer_ui import ModelEntry
    from siamese.config import TrainingConfig
    from siamese.training import train

    result = train(TrainingConfig(epochs=3, batch_size=128), embedded_data)
    return ModelEntry("a test model", result.embedding_network, result.config, result.threshold, result.history)


def run_page_with_model(page_file: Path | str, model_entry):
    """Run a page script in AppTest with ``model_entry`` as the session's model; it must render without error."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(page_file), default_timeout=120)
    app.session_state["model"] = model_entry
    app.run()
    assert not app.exception
    return app
