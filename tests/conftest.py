"""Shared fixtures: the embedded MNIST subset, the full set when present, a small trained model."""

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# A full MNIST file named for the tests is remembered here; the app under test then uses the offline
# embedded set and a throw-away model cache.
GIVEN_MNIST = os.environ.get("SIAMESE_MNIST", "")
os.environ["SIAMESE_MNIST"] = "embedded"
os.environ.setdefault("SIAMESE_CACHE", tempfile.mkdtemp(prefix="siamese-test-cache-"))

REPOSITORY = Path(__file__).resolve().parents[1]
# The last place full MNIST is looked for: the shared test data beside this checkout.
SHARED_TEST_MNIST = REPOSITORY.parent / "shared" / "data" / "mnist.npz"


def find_full_mnist() -> Path | None:
    """Full MNIST for tests: ``$SIAMESE_MNIST`` as given, Keras' cache, the shared test data; ``None`` if absent."""
    from siamese.data.mnist import full_mnist_file

    # $SIAMESE_MNIST now says "embedded" for the app under test: the file named before is a candidate.
    return full_mnist_file(GIVEN_MNIST, SHARED_TEST_MNIST)


POSTGRES_VARIABLE = "SIAMESE_TEST_DATABASE_URL"


def postgres_url() -> str:
    """The test PostgreSQL database's URL; skips the test without one, and fails it on CI, which must have one."""
    url = os.environ.get(POSTGRES_VARIABLE)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test PostgreSQL: .ci/run sets {POSTGRES_VARIABLE}")
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_VARIABLE} (e.g. postgresql+psycopg://user@localhost/db)")
    return url


@pytest.fixture(scope="session")
def embedded_data():
    from siamese.data.mnist import load_mnist

    return load_mnist("embedded")


@pytest.fixture(scope="session")
def full_mnist_path():
    path = find_full_mnist()
    if path is None:
        pytest.skip("full MNIST not found: set SIAMESE_MNIST to an mnist.npz, or cache Keras' copy")
    return path


@pytest.fixture(scope="session")
def full_mnist(full_mnist_path):
    from siamese.data.mnist import load_npz

    return load_npz(full_mnist_path)


@pytest.fixture(scope="session")
def small_data(embedded_data):
    """1,500 training digits: enough to learn something in a second or two."""
    from siamese.data.mnist import MnistData

    return MnistData(
        x_train=embedded_data.x_train[:1500],
        y_train=embedded_data.y_train[:1500],
        x_test=embedded_data.x_test[:300],
        y_test=embedded_data.y_test[:300],
        source="embedded",
        description="a slice of the embedded set",
    )


@pytest.fixture(scope="session")
def small_symbol_corpus():
    """The corpus of a few packaged classes of each split (about 600 drawings, a second or two to draw)."""
    from siamese.data.symbol_classes import Split, symbol_classes
    from siamese.data.symbol_corpus import make_symbol_corpus

    classes = symbol_classes()
    chosen = []
    for split, count in ((Split.BACKGROUND, 16), (Split.CALIBRATION, 6), (Split.EVALUATION, 10)):
        members = [symbol_class for symbol_class in classes if symbol_class.split == split]
        chosen += members[:: max(1, len(members) // count)][:count]
    greek = [symbol_class for symbol_class in classes if symbol_class.family == "greek"][:3]
    return make_symbol_corpus(tuple(chosen + greek), workers=1)


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
def trained_model(embedded_data):
    """A small model trained on the embedded set, as the app keeps it in session state."""
    from siamese.config import TrainingConfig
    from siamese.storage.trained_model import TrainedModel
    from siamese.training.trainer import train

    result = train(TrainingConfig(epochs=3, batch_size=128), embedded_data)
    return TrainedModel.from_result(result, name="a test model")


def app_page(page: str, *, model=None, timeout: float = 120):
    """An AppTest session of the app opened at ``page`` (e.g. ``"pages/2_Train.py"``), not run yet.

    It starts from ``app.py`` and switches page, as a browser's session does, so the page runs
    inside the app (its navigation bar resolves every page). ``model`` becomes the session's model.
    """
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(REPOSITORY / "app.py"), default_timeout=timeout)
    app.switch_page(page)
    if model is not None:
        app.session_state["model"] = model
    return app


def run_page_with_model(page: str, model):
    """Run ``page`` in AppTest with ``model`` as the session's model; it must render without error."""
    app = app_page(page, model=model).run()
    assert not app.exception, [item.value for item in app.exception]
    return app
