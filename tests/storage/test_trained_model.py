"""A trained model as the app uses it: its network read only when needed, and one way to embed pictures."""

import subprocess
import sys

import numpy as np

from siamese.networks.models import embed
from tests.conftest import REPOSITORY


def test_embed_is_the_networks_own_embedding(trained_model, small_data):
    images = small_data.x_test[:7]
    np.testing.assert_array_equal(trained_model.embed(images), embed(trained_model.embedding_network, images))
    assert trained_model.embed(images[:0]).shape == (0, trained_model.embedding_dim)


def test_embedding_no_pictures_reads_no_network():
    """A lazily loaded model answers an empty batch without importing TensorFlow."""
    script = (
        "import sys, numpy as np\n"
        "from siamese.storage.shipped_model import load_shipped_model\n"
        "model = load_shipped_model(lazy=True)\n"
        "assert model.embed(np.zeros((0, 28, 28), np.float32)).shape == (0, model.embedding_dim)\n"
        "assert 'tensorflow' not in sys.modules and not model.network_ready\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
