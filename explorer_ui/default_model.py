"""The shared model: what every page uses until a session trains or uploads its own.

On MNIST (full or the embedded subset) it is the model that ships with the package, ready at
once. On other data, or if the shipped files are missing or altered, it is a default model
trained by the first session that needs it (with a progress bar; other sessions wait and share
it), saved under the cache folder and loaded from there after a restart. If that training fails,
every session waiting for it is told why and offered to try again; if the training session is
interrupted (a click, a closed tab), a waiting session takes the training over.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from explorer_ui import state
from explorer_ui.data_source import cache_root, data_fingerprint
from siamese.config import TrainingConfig, preset
from siamese.data.mnist import MnistData

if TYPE_CHECKING:
    from siamese.storage.trained_model import TrainedModel

DEFAULT_NAME = "the default model"
_LOG = logging.getLogger(__name__)


def default_config(data: MnistData) -> TrainingConfig:
    """The quick preset, with fewer epochs on bigger data: about the same number of steps either way."""
    return preset("quick", train_size=len(data.y_train))


def default_model_folder(data: MnistData) -> Path:
    """One folder per data set and default config, so a changed recipe is trained afresh."""
    config_hash = hashlib.sha256(str(sorted(default_config(data).to_dict().items())).encode()).hexdigest()[:8]
    return cache_root() / f"default-{data_fingerprint(data)}-{config_hash}"


def active_model(data: MnistData) -> TrainedModel:
    """The model this session trained or uploaded, else the shared model."""
    return state.session_model() or shared_model(data)


def shared_model(data: MnistData) -> TrainedModel:
    """The shipped model on MNIST; otherwise (or if it cannot be used, said on screen) the trained default."""
    if data.is_mnist:
        shipped, problem = _shipped_model()
        if shipped is not None:
            return shipped
        st.warning(f"The shipped model could not be used ({problem}), so a default model is trained instead.")
    return default_model(data)


def shared_model_if_ready(data: MnistData) -> TrainedModel | None:
    """The shared model when it is there at once: never trains, waits or says anything on screen."""
    if data.is_mnist and (shipped := shipped_model()) is not None:
        return shipped
    return _default_slot(data_fingerprint(data)).model


def shared_model_description(data: MnistData) -> str:
    """Which model a session without its own uses, and where it came from, without loading TensorFlow."""
    from siamese.storage.shipped_model import metrics_summary

    if data.is_mnist and _shipped_files_problem() is None:
        figures = metrics_summary().get("full_mnist_test", {})
        score = f"; 5-NN accuracy {figures['knn_accuracy']:.1%} on MNIST's test digits" if figures else ""
        return (
            "the shipped model (a CNN trained on 55,000 MNIST training digits, all but the offline subset's, "
            f"that ships with the app{score})"
        )
    return f"the default model, trained on this server's data ({default_model_status(data)})"


@st.cache_resource
def _shipped_files_problem() -> str | None:
    """Checked once per server: hashing the files on every page run would cost every session."""
    from siamese.storage.shipped_model import check_files

    return check_files()


@st.cache_resource(show_spinner=False)
def _shipped_model() -> tuple[TrainedModel | None, str]:
    """The shipped model once per server, or ``None`` and why not.

    Its network stays in its file until a page needs it or calls ``get_network_ready``: reading it
    imports TensorFlow (seconds), and a page can show its canvas, map or cached figures without it.
    """
    from siamese.storage.shipped_model import load_shipped_model

    try:
        return load_shipped_model(lazy=True), ""
    except ValueError as error:
        return None, str(error)


def digits_only_model() -> TrainedModel | None:
    """The digits-only network that ships beside the shipped model (for a lesson), or ``None`` if unusable."""
    model, _ = _digits_only_model()
    return model


@st.cache_resource(show_spinner=False)
def _digits_only_model() -> tuple[TrainedModel | None, str]:
    from siamese.storage.shipped_model import load_digits_only_model

    try:
        return load_digits_only_model(lazy=True), ""
    except ValueError as error:
        return None, str(error)


def shipped_model() -> TrainedModel | None:
    """The shipped model (digits and symbols), or ``None`` if its files are unusable."""
    model, _ = _shipped_model()
    return model


def get_network_ready(model: TrainedModel) -> None:
    """Call at the end of a page: reads a network still in its file in the background, while the
    visitor looks at the page, so that their first drawing or click seldom waits for it."""
    model.start_loading()


def default_model(data: MnistData) -> TrainedModel:
    """Load the default model from disk, or train it once (with a progress bar) if it isn't there.

    A failed training is said on the page with a button to try again (for this session and every
    session that was waiting for it), and the page stops there.
    """
    slot = _default_slot(data_fingerprint(data))
    while slot.model is None:
        if slot.failure is not None:
            _stop_with_failure(slot)
        if slot.lock.acquire(blocking=False):
            try:
                if slot.model is None and slot.failure is None:
                    slot.fraction_done = 0.0
                    slot.model = _load_or_train(data, slot)
            except Exception as error:  # any failure: said on every waiting page, not a traceback
                _LOG.exception("training the default model failed")
                slot.failure = f"{type(error).__name__}: {error}"
            finally:
                slot.lock.release()
        else:
            _wait_for(slot)
    return slot.model


def default_model_status(data: MnistData) -> str:
    """One line about the trained default model, without importing TensorFlow."""
    metrics_file = default_model_folder(data) / "metrics.json"
    if not metrics_file.exists():
        return "not trained yet: it is trained once, the first time a page needs it"
    try:
        metrics = json.loads(metrics_file.read_text())
        return f"ready (validation pair accuracy {metrics['validation_pair_accuracy']:.1%})"
    except (OSError, ValueError, KeyError, TypeError):
        return "its saved copy is unreadable and will be trained again"


class _DefaultSlot:
    """The one default model per server and data set, how far its training has got, and why it last failed."""

    def __init__(self):
        self.lock = threading.Lock()  # held by the session that loads or trains the model
        self.model: TrainedModel | None = None
        self.fraction_done = 0.0
        self.failure: str | None = None  # set when a training fails; cleared by "Try again"

    def retry(self) -> None:
        self.failure = None


@st.cache_resource
def _default_slot(fingerprint: str) -> _DefaultSlot:
    return _DefaultSlot()


def _wait_for(slot: _DefaultSlot) -> None:
    """Show another session's training progress until it ends: with a model, a failure, or an interruption."""
    bar = st.progress(0.0, text="Another session is training the default model; it will be shared with you…")
    while slot.model is None and slot.lock.locked():
        bar.progress(min(slot.fraction_done, 1.0), text=f"Default model: {slot.fraction_done:.0%} trained…")
        time.sleep(0.3)
    bar.empty()


def _stop_with_failure(slot: _DefaultSlot) -> None:
    st.error(
        f"The default model could not be trained ({slot.failure}). Nothing was saved; "
        "you can try again, or ask whoever runs the server to look at its log."
    )
    st.button("Try again", key=state.RETRY_DEFAULT_MODEL, on_click=slot.retry, icon=":material/refresh:")
    st.stop()
    raise RuntimeError(slot.failure)  # reached only outside a Streamlit run, where st.stop() returns


def _load_or_train(data: MnistData, slot: _DefaultSlot) -> TrainedModel:
    from siamese.storage.model_folders import load_model, save_model
    from siamese.storage.trained_model import ModelOrigin, TrainedModel

    folder = default_model_folder(data)
    try:
        return load_model(folder, name=DEFAULT_NAME, origin=ModelOrigin.DEFAULT)
    except ValueError:
        pass  # missing or corrupt: train it again
    result = _train_with_progress(default_config(data), data, slot=slot)
    model = TrainedModel.from_result(result, name=DEFAULT_NAME, origin=ModelOrigin.DEFAULT)
    save_model(model, folder)
    return model


def _train_with_progress(config: TrainingConfig, data: MnistData, *, slot: _DefaultSlot):
    """Train with a plain progress bar (the Train page has its own view)."""
    from siamese.training.trainer import TrainingCallback, train

    label = "Training the default model (once per server)"
    bar = st.progress(0.0, text=label)

    class _Bar(TrainingCallback):
        def on_batch_end(self, progress):
            slot.fraction_done = progress.fraction_done
            bar.progress(progress.fraction_done, text=f"{label}: epoch {progress.epoch}/{progress.epochs}")

    result = train(config, data, callbacks=[_Bar()])
    bar.empty()
    return result
