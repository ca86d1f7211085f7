"""The shared default model: what every page uses until a session trains or uploads its own.

It is trained by the first session that needs it (with a progress bar; other sessions wait and
share it), saved under the cache folder and loaded from there after a restart.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from explorer_ui import state
from explorer_ui.data_source import cache_root, data_fingerprint
from siamese.config import PRESETS, TrainingConfig
from siamese.mnist import MnistData

if TYPE_CHECKING:
    from siamese.trained_model import TrainedModel

DEFAULT_NAME = "the default model"


def default_config(data: MnistData) -> TrainingConfig:
    """The quick preset, with fewer epochs on bigger data: about the same number of steps either way."""
    epochs = max(3, min(PRESETS["quick"].epochs, -(-60_000 // len(data.y_train))))
    return PRESETS["quick"].replace(epochs=epochs)


def default_model_folder(data: MnistData) -> Path:
    """One folder per data set and default config, so a changed recipe is trained afresh."""
    config_hash = hashlib.sha256(str(sorted(default_config(data).to_dict().items())).encode()).hexdigest()[:8]
    return cache_root() / f"default-{data_fingerprint(data)}-{config_hash}"


def active_model(data: MnistData) -> TrainedModel:
    """The model this session trained or uploaded, else the shared default model."""
    return state.session_model() or default_model(data)


def default_model(data: MnistData) -> TrainedModel:
    """Load the default model from disk, or train it once (with a progress bar) if it isn't there."""
    slot = _default_slot(data_fingerprint(data))
    if slot.model is not None:
        return slot.model
    if slot.lock.acquire(blocking=False):
        try:
            if slot.model is None:
                slot.model = _load_or_train(data, slot)
        finally:
            slot.lock.release()
        return slot.model
    return _wait_for(slot)


def default_model_status(data: MnistData) -> str:
    """One line about the default model, without importing TensorFlow."""
    metrics_file = default_model_folder(data) / "metrics.json"
    if not metrics_file.exists():
        return "not trained yet: it is trained once, the first time a page needs it"
    try:
        metrics = json.loads(metrics_file.read_text())
        return f"ready (validation pair accuracy {metrics['validation_pair_accuracy']:.1%})"
    except (OSError, ValueError, KeyError, TypeError):
        return "its saved copy is unreadable and will be trained again"


class _DefaultSlot:
    """The one default model per server and data set, and how far its training has got."""

    def __init__(self):
        self.lock = threading.Lock()
        self.model: TrainedModel | None = None
        self.fraction_done = 0.0


@st.cache_resource
def _default_slot(fingerprint: str) -> _DefaultSlot:
    return _DefaultSlot()


def _wait_for(slot: _DefaultSlot) -> TrainedModel:
    bar = st.progress(0.0, text="Another session is training the default model; it will be shared with you…")
    while slot.model is None:
        bar.progress(min(slot.fraction_done, 1.0), text=f"Default model: {slot.fraction_done:.0%} trained…")
        time.sleep(0.3)
    bar.empty()
    return slot.model


def _load_or_train(data: MnistData, slot: _DefaultSlot) -> TrainedModel:
    from siamese.storage import load_model, save_model
    from siamese.trained_model import ModelOrigin, TrainedModel

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
    from siamese.training import TrainingCallback, train

    label = "Training the default model (once per server)"
    bar = st.progress(0.0, text=label)

    class _Bar(TrainingCallback):
        def on_batch_end(self, progress):
            slot.fraction_done = progress.fraction_done
            bar.progress(progress.fraction_done, text=f"{label}: epoch {progress.epoch}/{progress.epochs}")

    result = train(config, data, callbacks=[_Bar()])
    bar.empty()
    return result
