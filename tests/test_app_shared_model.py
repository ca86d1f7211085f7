"""Which model a session without its own gets: the shipped one on MNIST, a trained default otherwise."""

import os
import shutil
import subprocess
import sys

import pytest
import streamlit

import siamese.storage.shipped_model
import siamese.training.trainer
from explorer_ui import default_model
from siamese.storage import result_cache
from tests.conftest import REPOSITORY, app_page

pytestmark = pytest.mark.slow


@pytest.fixture
def fresh_server(monkeypatch, tmp_path):
    """An empty cache folder and empty Streamlit caches: a server's first start."""
    monkeypatch.setenv(result_cache.CACHE_ENVIRONMENT_VARIABLE, str(tmp_path / "cache"))
    streamlit.cache_resource.clear()
    yield tmp_path
    streamlit.cache_resource.clear()


def _captions(app) -> str:
    return " ".join(str(caption.value) for caption in app.caption)


def test_on_the_offline_set_every_page_uses_the_shipped_model_at_once(fresh_server, monkeypatch):
    trainings = []
    monkeypatch.setattr(siamese.training.trainer, "train", lambda *a, **kw: trainings.append(1))
    app = app_page("pages/3_Evaluate.py").run()
    assert not app.exception and not app.warning
    assert trainings == []  # no training wait
    assert "**Model:** the shipped model (a CNN trained on 55,000 MNIST training digits" in _captions(app)
    accuracy = next(metric for metric in app.metric if metric.label == "5-NN accuracy")
    assert float(accuracy.value.rstrip("%")) >= 99.0


def test_a_damaged_shipped_model_is_said_and_a_default_model_is_trained(fresh_server, monkeypatch):
    folder = fresh_server / "shipped"
    shutil.copytree(siamese.storage.shipped_model.shipped_folder(), folder)
    payload = bytearray((folder / "embedding.keras").read_bytes())
    payload[len(payload) // 3] ^= 0xFF
    (folder / "embedding.keras").write_bytes(bytes(payload))
    intact = siamese.storage.shipped_model.shipped_folder  # the digits-only model beside it stays intact
    monkeypatch.setattr(
        siamese.storage.shipped_model,
        "shipped_folder",
        lambda *, digits_only=False: intact(digits_only=True) if digits_only else folder,
    )
    one_epoch = default_model.default_config  # the real recipe, one epoch: the test needs a model, not a good one
    monkeypatch.setattr(default_model, "default_config", lambda data: one_epoch(data).replace(epochs=1))

    app = app_page("pages/3_Evaluate.py").run()

    assert not app.exception
    assert [warning.value for warning in app.warning] == [
        "The shipped model could not be used (the shipped model's embedding.keras does not match its checksum), "
        "so a default model is trained instead."
    ]
    assert "**Model:** the default model, trained on this server's data" in _captions(app)
    assert "Test pair accuracy" in [metric.label for metric in app.metric]


RESTARTED_SERVER = """
import sys

from siamese.storage.trained_model import TrainedModel
from tests.conftest import REPOSITORY, app_page

asked = []
TrainedModel.start_loading = lambda model: asked.append(model.name)  # record the request, read nothing
shown_by = {"pages/3_Evaluate.py": "metric", "pages/4_Embeddings.py": "table", "pages/5_Draw.py": "plotly_chart"}
for page, shown in shown_by.items():
    app = app_page(page).run()
    assert not app.exception, [item.value for item in app.exception]
    assert app.get(shown), page + " showed nothing"
    assert "tensorflow" not in sys.modules, page + " imported TensorFlow"
print("asked for the network:", asked)
"""


def test_after_a_restart_the_pages_show_saved_results_before_tensorflow_loads(fresh_server):
    """A restarted server's first visitors see Evaluate, Embeddings and Draw at once: the results are on
    disk, and the network (seconds of TensorFlow import) is read only after Draw has shown."""
    app_page("pages/3_Evaluate.py").run()  # the server before the restart: puts the results on disk
    restarted = subprocess.run(
        [sys.executable, "-c", RESTARTED_SERVER],
        cwd=REPOSITORY,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    assert "asked for the network: ['the shipped model']" in restarted.stdout
