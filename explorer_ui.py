"""Shared Streamlit helpers for every page: data, models, caches and small widgets.

Pages hold layout; this module holds what several pages share. TensorFlow is
imported only inside the functions that need a network, so the home page and
the data page open without it.
"""

import functools
import hashlib
import os
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from siamese.config import PRESETS, TrainingConfig
from siamese.data import MnistData, load_mnist

DATA_ENVIRONMENT_VARIABLE = "SIAMESE_DATA"
CACHE_ENVIRONMENT_VARIABLE = "SIAMESE_CACHE"
SAME_COLOUR = "#16a34a"  # green: a right call, or a same-digit pair
DIFFERENT_COLOUR = "#dc2626"  # red: a wrong call, or a different-digit pair
DIGIT_COLOURS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


@functools.cache  # drawn once per server, not on every run of every session
def app_icon():
    """The favicon, drawn here: an icon from a font or emoji CDN would need the internet."""
    from PIL import Image, ImageDraw

    icon = Image.new("RGB", (32, 32), "#4f46e5")
    draw = ImageDraw.Draw(icon)
    draw.ellipse((4, 8, 16, 24), outline="white", width=3)
    draw.ellipse((16, 8, 28, 24), outline="white", width=3)
    return icon


def page_setup(title: str) -> MnistData:
    """Configure the page, load the data and show the data source and model in the sidebar."""
    route_through_entrypoint()  # so app.py, which sets up every run, runs first
    configure_page(title)
    return load_data_with_status()


def route_through_entrypoint() -> None:
    """Run every page through ``app.py``'s ``st.navigation``, even a deep link opened first.

    The brief fixes the folder name ``pages/``, which Streamlit also reads as its legacy
    multipage layout until some session has called ``st.navigation``. A server whose first
    visitor opens ``/Draw`` directly would run that page without the entrypoint (another
    sidebar, and none of ``app.py``'s set-up). Switching the legacy mode off and rerunning
    puts this run, and every later one, through ``app.py``.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def keep_keras_state_between_runs() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit does that for apps that build a new model on every run. Here models live in
    caches and trainings run in other sessions' threads, and the call is harmful: a full
    ``gc.collect()`` per run (about 0.25 s of one core with TensorFlow loaded, so 30 sessions
    drawing queue behind it), TensorFlow's kernel cache emptied before the next query, and
    Keras's global state reset under a training running in another session.
    """
    from streamlit.runtime.scriptrunner import script_runner

    script_runner._clean_problem_modules = _keep_module_state


def _keep_module_state() -> None:
    """Replaces Streamlit's per-run clean-up of Keras (and of pyplot, which the app never imports)."""


def configure_page(title: str) -> None:
    st.set_page_config(page_title=f"{title} · Siamese Explorer", page_icon=app_icon(), layout="wide")


def load_data_with_status() -> MnistData:
    """The server's data set, named in the sidebar with the model this session uses."""
    data = mnist()
    with st.sidebar:
        st.caption(f"**Data:** {data.description}")
        if data.source == "embedded":
            st.caption(
                "Offline mode: no full MNIST was found, so the app uses the 5,000 real digits that ship with it."
            )
        model = st.session_state.get("model")
        st.caption(f"**Model:** {model.name if model else 'the default model (shared by everyone)'}")
    return data


@st.cache_resource(show_spinner="Loading MNIST…")
def mnist() -> MnistData:
    """The data set for this server: ``$SIAMESE_DATA`` (auto, keras, embedded or a path), default auto."""
    return load_mnist(os.environ.get(DATA_ENVIRONMENT_VARIABLE, "auto"))


def cache_root() -> Path:
    """Where the default model lives between restarts: ``$SIAMESE_CACHE`` or ``~/.cache/siamese-explorer``."""
    return Path(os.environ.get(CACHE_ENVIRONMENT_VARIABLE) or Path.home() / ".cache" / "siamese-explorer")


def data_fingerprint(data: MnistData) -> str:
    """Short hash of the training labels and sizes: different data, different default model."""
    digest = hashlib.sha256(data.y_train.tobytes() + str(data.x_train.shape).encode()).hexdigest()
    return digest[:12]


@dataclass
class ModelEntry:
    """A model a page can use. ``key`` is unique per model, for caches."""

    name: str
    embedding_network: object
    config: TrainingConfig
    threshold: float
    history: object = None
    origin: str = "trained"
    key: str = field(default_factory=lambda: uuid.uuid4().hex)


# ---------------------------------------------------------------- default model
def default_config(data: MnistData) -> TrainingConfig:
    """The quick preset, with fewer epochs on bigger data: about the same number of steps either way."""
    epochs = max(3, min(PRESETS["quick"].epochs, -(-60_000 // len(data.y_train))))
    return PRESETS["quick"].replace(epochs=epochs)


class DefaultModelSlot:
    """The one default model per server: trained by the first session that needs it, then shared."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entry: ModelEntry | None = None
        self.fraction_done = 0.0


@st.cache_resource
def _default_slot(fingerprint: str) -> DefaultModelSlot:
    return DefaultModelSlot()


def default_model_folder(data: MnistData) -> Path:
    """One folder per data set and default config, so a changed recipe is trained afresh."""
    config_hash = hashlib.sha256(str(sorted(default_config(data).to_dict().items())).encode()).hexdigest()[:8]
    return cache_root() / f"default-{data_fingerprint(data)}-{config_hash}"


def default_model(data: MnistData) -> ModelEntry:
    """Load the default model from disk, or train it once (with a progress bar) if it isn't there."""
    slot = _default_slot(data_fingerprint(data))
    if slot.entry is not None:
        return slot.entry
    if slot.lock.acquire(blocking=False):
        try:
            if slot.entry is None:
                slot.entry = _load_or_train_default(data, slot)
        finally:
            slot.lock.release()
        return slot.entry
    return _wait_for_default(slot)


def _wait_for_default(slot: DefaultModelSlot) -> ModelEntry:
    bar = st.progress(0.0, text="Another session is training the default model; it will be shared with you…")
    while slot.entry is None:
        bar.progress(min(slot.fraction_done, 1.0), text=f"Default model: {slot.fraction_done:.0%} trained…")
        time.sleep(0.3)
    bar.empty()
    return slot.entry


def _load_or_train_default(data: MnistData, slot: DefaultModelSlot) -> ModelEntry:
    from siamese.storage import load_model, save_result

    folder = default_model_folder(data)
    try:
        saved = load_model(folder)
        return ModelEntry(
            "the default model",
            saved.embedding_network,
            saved.config,
            saved.threshold,
            saved.history,
            origin="default",
        )
    except ValueError:
        pass  # missing or corrupt: train it again
    result = train_with_progress(
        default_config(data), data, label="Training the default model (once per server)", slot=slot
    )
    save_result(result, folder)
    return ModelEntry(
        "the default model",
        result.embedding_network,
        result.config,
        result.threshold,
        result.history,
        origin="default",
    )


def train_with_progress(config: TrainingConfig, data: MnistData, *, label: str, slot=None):
    """Train with a plain progress bar (for the default model; the Train page has its own view)."""
    from siamese.training import TrainingCallback, train

    bar = st.progress(0.0, text=label)

    class _Bar(TrainingCallback):
        def on_batch_end(self, progress):
            if slot is not None:
                slot.fraction_done = progress.fraction_done
            bar.progress(progress.fraction_done, text=f"{label}: epoch {progress.epoch}/{progress.epochs}")

    result = train(config, data, callbacks=[_Bar()])
    bar.empty()
    return result


def active_model(data: MnistData) -> ModelEntry:
    """The model this session trained or uploaded, else the shared default model."""
    return st.session_state.get("model") or default_model(data)


def default_model_status(data: MnistData) -> str:
    """One line about the default model, without importing TensorFlow."""
    import json

    metrics_file = default_model_folder(data) / "metrics.json"
    if not metrics_file.exists():
        return "not trained yet: it is trained once, the first time a page needs it"
    try:
        metrics = json.loads(metrics_file.read_text())
        return f"ready (validation pair accuracy {metrics['validation_pair_accuracy']:.1%})"
    except (OSError, ValueError, KeyError, TypeError):
        return "its saved copy is unreadable and will be trained again"


# ---------------------------------------------------------------- training slots
MAX_TRAININGS_VARIABLE = "SIAMESE_MAX_TRAININGS"


class TrainingGate:
    """At most ``slots`` trainings at once on this server; the others queue in arrival order."""

    def __init__(self, slots: int):
        self.slots = slots
        self.semaphore = threading.Semaphore(slots)
        self.lock = threading.Lock()
        self.queue: list[object] = []

    def position(self, ticket: object) -> int:
        with self.lock:
            return self.queue.index(ticket) + 1

    def leave(self, ticket: object) -> None:
        with self.lock:
            if ticket in self.queue:
                self.queue.remove(ticket)


@st.cache_resource
def _training_gate() -> TrainingGate:
    slots = int(os.environ.get(MAX_TRAININGS_VARIABLE) or os.cpu_count() or 2)
    return TrainingGate(max(slots, 1))


@contextmanager
def training_gate():
    """Hold a training slot for the ``with`` block, showing the queue position while waiting.

    Waiting ends early when the user presses any button: Streamlit's rerun
    interrupts the loop below at its next element update, and ``finally``
    takes the session out of the queue.
    """
    gate = _training_gate()
    ticket = object()
    with gate.lock:
        gate.queue.append(ticket)
    notice = st.empty()
    try:
        while not (gate.position(ticket) == 1 and gate.semaphore.acquire(timeout=0.5)):
            notice.info(
                f"All {gate.slots} training slots on this server are busy. You are number {gate.position(ticket)} "
                "in the queue; training starts by itself. Press Stop to leave the queue."
            )
            time.sleep(0.2)
    finally:
        gate.leave(ticket)
    try:
        notice.empty()  # an element update, so a Stop can arrive here too: the slot is already ours
        yield
    finally:
        gate.semaphore.release()


# ---------------------------------------------------------------- shared caches
@st.cache_resource(max_entries=16, show_spinner="Embedding the training digits…")
def reference_index(model_key: str, _model: ModelEntry, _data: MnistData):
    """The training digits embedded by this model, ready for nearest-neighbour queries."""
    from siamese.query import NeighbourIndex

    return NeighbourIndex.build(_model.embedding_network, _data.x_train, _data.y_train, metric=_model.config.metric)


@st.cache_resource(max_entries=16, show_spinner="Evaluating the model on the test digits…")
def model_evaluation(model_key: str, _model: ModelEntry, _data: MnistData):
    """Test pairs, ROC, histograms, error table and retrieval metrics for this model."""
    from siamese.model_evaluation import evaluate_model

    return evaluate_model(_model.embedding_network, _data, threshold=_model.threshold, metric=_model.config.metric)


def model_evaluation_or_stop(model: ModelEntry, data: MnistData, *, failure: str):
    """``model_evaluation``, or "This model could not <failure>: <why>" on screen and the page ends there."""
    try:
        return model_evaluation(model.key, model, data)
    except ValueError as error:
        st.error(f"This model could not {failure}: {error}")
        st.stop()


# ---------------------------------------------------------------- pictures
def hex_to_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float32) / 255.0


def digit_picture(image: np.ndarray, *, frame: str | None = None, scale: int = 3, border: int = 2) -> np.ndarray:
    """``(28, 28) float32 in [0, 1] -> (h, w, 3) uint8``, enlarged, with an optional coloured frame."""
    grey = np.kron(np.clip(image, 0.0, 1.0), np.ones((scale, scale), dtype=np.float32))
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    if frame is not None:
        rgb = np.pad(rgb, ((border, border), (border, border), (0, 0)))
        colour = hex_to_rgb(frame)
        rgb[:border], rgb[-border:], rgb[:, :border], rgb[:, -border:] = colour, colour, colour, colour
    return (rgb * 255).astype(np.uint8)


def pair_picture(left_image: np.ndarray, right_image: np.ndarray, colour: str) -> np.ndarray:
    """Two ``(28, 28)`` digits with a thin dark gap between them, enlarged, inside one coloured frame."""
    gap = np.zeros((left_image.shape[0], 4), dtype=np.float32)
    return digit_picture(np.hstack([left_image, gap, right_image]), frame=colour, scale=3, border=5)


def digit_grid(images: np.ndarray, *, columns: int, scale: int = 2, gap: int = 2) -> np.ndarray:
    """``(n, 28, 28)`` digits as one ``(h, w)`` uint8 mosaic, ``columns`` wide."""
    rows = -(-len(images) // columns)
    cell = 28 * scale + gap
    mosaic = np.full((rows * cell + gap, columns * cell + gap), 40, dtype=np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = gap + row * cell, gap + column * cell
        mosaic[top : top + 28 * scale, left : left + 28 * scale] = (
            np.kron(np.clip(image, 0, 1), np.ones((scale, scale))) * 255
        ).astype(np.uint8)
    return mosaic
