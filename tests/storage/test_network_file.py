"""A network left in its file: read on first use, once, by whichever thread asks first."""

import threading

import numpy as np
import pytest

from siamese.config import TrainingConfig
from siamese.networks.models import build_embedding_network, embed
from siamese.storage.network_file import NetworkFile


@pytest.fixture(scope="module")
def saved_network(tmp_path_factory):
    network = build_embedding_network(TrainingConfig(embedding_dim=8))
    path = tmp_path_factory.mktemp("network") / "embedding.keras"
    network.save(path)
    return network, path


def test_nothing_is_read_until_the_network_is_asked_for(saved_network):
    _, path = saved_network
    assert not NetworkFile(path, embedding_dim=8).loaded


def test_the_read_network_embeds_like_the_saved_one(saved_network, embedded_data):
    network, path = saved_network
    network_file = NetworkFile(path, embedding_dim=8)
    images = embedded_data.x_test[:16]
    assert np.array_equal(embed(network_file.load(), images), embed(network, images))
    assert network_file.loaded
    assert network_file.load() is network_file.load()


def test_threads_asking_at_once_get_one_network(saved_network):
    _, path = saved_network
    network_file = NetworkFile(path, embedding_dim=8)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(network_file.load())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 6 and all(answer is answers[0] for answer in answers)


def test_loading_in_the_background_starts_one_reader(saved_network):
    _, path = saved_network
    network_file = NetworkFile(path, embedding_dim=8)
    reader = network_file.start_loading()
    assert network_file.start_loading() is reader
    reader.join(timeout=120)
    assert network_file.loaded


def test_a_bad_file_is_a_value_error_for_each_caller_not_for_the_background_reader(tmp_path):
    path = tmp_path / "embedding.keras"
    path.write_bytes(b"not a zip")
    network_file = NetworkFile(path, embedding_dim=8)
    network_file.start_loading().join(timeout=60)  # the reader's failure is not raised in its thread
    assert not network_file.loaded
    for _ in range(2):
        with pytest.raises(ValueError, match="embedding.keras is not a Keras model file"):
            network_file.load()


def test_a_network_of_another_width_than_its_config_is_refused(saved_network):
    _, path = saved_network
    with pytest.raises(ValueError, match="outputs 8 numbers per image, the config says 16"):
        NetworkFile(path, embedding_dim=16).load()


def test_starting_the_background_read_never_waits_for_a_read_in_progress(monkeypatch, tmp_path):
    """A second session's page asks for the background read while the first session's query reads the
    file: the page must go on at once, not wait seconds for TensorFlow."""
    import siamese.storage.network_file

    reading, finish = threading.Event(), threading.Event()
    network = object()

    def slow_read(path, *, embedding_dim):
        reading.set()
        assert finish.wait(timeout=30)
        return network

    monkeypatch.setattr(siamese.storage.network_file, "load_embedding_network", slow_read)
    network_file = NetworkFile(tmp_path / "embedding.keras", embedding_dim=8)
    answers = []
    query = threading.Thread(target=lambda: answers.append(network_file.load()), daemon=True)
    query.start()
    assert reading.wait(timeout=10)

    page = threading.Thread(target=network_file.start_loading, daemon=True)
    page.start()
    page.join(timeout=2)
    still_waiting = page.is_alive()
    finish.set()
    assert not still_waiting, "start_loading waited for the read in progress"

    query.join(timeout=10)
    network_file.start_loading().join(timeout=10)
    assert answers == [network] and network_file.load() is network


def test_a_saved_vit_loads_in_a_fresh_process(tmp_path):
    """The ViT's own layers are found by name when a new process reads the file, in Keras' safe mode."""
    import subprocess
    import sys

    from siamese.config import TrainingConfig
    from siamese.networks.models import build_embedding_network
    from tests.conftest import REPOSITORY

    build_embedding_network(TrainingConfig(architecture="vit", embedding_dim=8)).save(tmp_path / "vit.keras")
    script = (
        "from siamese.storage.network_file import load_embedding_network\n"
        f"network = load_embedding_network({str(tmp_path / 'vit.keras')!r}, embedding_dim=8)\n"
        "assert network.get_layer('class_token') is not None\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True, timeout=180
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
