"""Classroom-proof checks: what thirty students can do to the app, and what they see when they do it.

Each test asserts what a user sees (a clear message, never a traceback) and that nothing is
lost: the runs a session trained, the model it uses, the default model on disk, the training
slots of the server.

- Training settings through the Train page: impossible values, a batch larger than the data,
  a learning rate that makes the loss NaN, two runs in a row.
- Uploads on the Train page: corrupt, unsafe and mismatched ``.keras`` files and ``.zip`` folders
  (the bare-file cases of ``network_file.load_embedding_network`` are in ``test_storage.py``), and the upload
  settings of ``.streamlit/config.toml``.
- Durability: a garbage default-model cache is trained again; a restart loads it from disk.
- The training gate: queue positions, leaving the queue, a slot never leaked by an interruption.
- Page runs leave shared state alone: no Keras reset and no full garbage collection after each run.
- Security: no raw HTML, no pickles, Keras safe mode everywhere.
"""

import ast
import io
import json
import re
import threading
import time
import tomllib
import types
import zipfile

import keras
import numpy as np
import pytest
import streamlit
from keras.src.backend.common import global_state
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

import siamese.storage.shipped_model
import siamese.training.trainer
from explorer_ui import default_model, training_gate
from siamese.config import TrainingConfig, preset
from siamese.networks.models import build_embedding_network, embed
from siamese.storage import result_cache
from siamese.storage.model_folders import load_model, model_archive
from siamese.storage.trained_model import TrainedModel
from siamese.training.trainer import TrainingStatus
from tests.conftest import REPOSITORY, app_page

pytestmark = pytest.mark.slow

TRAIN_PAGE = "pages/2_Train.py"
EVALUATE_PAGE = "pages/3_Evaluate.py"
UI_SOURCES = [
    REPOSITORY / "app.py",
    *sorted((REPOSITORY / "explorer_ui").glob("*.py")),
    *sorted((REPOSITORY / "pages").glob("*.py")),
]
LIBRARY_SOURCES = sorted((REPOSITORY / "siamese").rglob("*.py"))


# Captured when the tests are collected, before any run of app.py replaces it.
STREAMLIT_CLEAN_UP = script_runner._clean_problem_modules


def _errors(at) -> list[str]:
    return [block.value for block in at.error]


def _button(at, label: str):
    return next(button for button in at.button if button.label == label)


def _train_page(**settings) -> AppTest:
    """The Train page after its first run, with ``settings`` (``TrainingConfig`` fields) filled in."""
    at = app_page(TRAIN_PAGE, timeout=180).run()
    assert not at.exception, [item.value for item in at.exception]
    for name, value in settings.items():
        at.session_state[f"train_{name}"] = value
    return at.run()


def _click_train(at) -> AppTest:
    _button(at, "Train").click().run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def _all_training_slots_free() -> bool:
    """Every slot of the server's training gate can be taken (and is given back at once)."""
    gate = training_gate._training_gate()
    taken = 0
    while taken < gate.slots and gate.semaphore.acquire(blocking=False):
        taken += 1
    for _ in range(taken):
        gate.semaphore.release()
    return taken == gate.slots and not gate.queue


# ---------------------------------------------------------------- 1. training settings on the Train page
@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("epochs", 0, "epochs must be a positive integer, got 0"),
        ("margin", 0.0, "margin must be a positive finite number, got 0.0"),
        ("margin", -1.0, "margin must be a positive finite number, got -1.0"),
        ("embedding_dim", 0, "embedding_dim must be a positive integer, got 0"),
    ],
)
def test_impossible_settings_explain_themselves_and_cannot_be_trained(field, value, expected):
    at = _train_page(**{field: value})

    assert not at.exception, [item.value for item in at.exception]
    assert [error for error in _errors(at) if expected in error], _errors(at)
    assert all(error.startswith("These settings can't be trained:") for error in _errors(at))
    assert _button(at, "Train").disabled
    assert "runs" not in at.session_state and "model" not in at.session_state


def test_a_batch_larger_than_the_data_is_refused_with_a_message():
    at = _click_train(_train_page(batch_size=100_000, epochs=1))

    refusals = [error for error in _errors(at) if error.startswith("Training could not start:")]
    assert len(refusals) == 1, _errors(at)
    assert re.search(r"batch size 100000 is larger than the \d+ training images", refusals[0])
    assert "runs" not in at.session_state and "model" not in at.session_state
    assert not _button(at, "Train").disabled  # a smaller batch can be tried at once
    assert _all_training_slots_free()  # the refused run gave its slot back


def test_a_learning_rate_that_makes_the_loss_nan_is_explained_and_the_run_kept(embedded_data):
    at = _click_train(_train_page(learning_rate=1e12, optimizer="sgd", normalize_embeddings=False, epochs=2))

    nan_errors = [error for error in _errors(at) if "NaN" in error]
    assert nan_errors, _errors(at)
    assert "learning rate 1e+12" in nan_errors[0] and "too high" in nan_errors[0]
    runs = at.session_state["runs"]
    assert len(runs) == 1 and runs[0].result.status == TrainingStatus.NAN_LOSS
    assert runs[0].result.history.batch_losses and not np.isfinite(runs[0].result.history.batch_losses[-1])
    assert "NaN" in runs[0].result.message
    # The loss is NaN within the first epoch, so no epoch was learned: the run leaves no model and the
    # session keeps using the default, which still works.
    assert runs[0].result.history.epochs == [] and runs[0].model is None
    assert "nothing usable was learned" in runs[0].result.message
    assert "model" not in at.session_state
    assert np.isfinite(embed(runs[0].result.embedding_network, embedded_data.x_test[:50])).all()
    assert _all_training_slots_free()


def test_two_runs_in_a_row_are_both_kept_and_the_second_is_in_use():
    at = _click_train(_train_page(epochs=1))
    first_model = at.session_state["model"]
    _click_train(at)

    runs = at.session_state["runs"]
    assert [run.name.split(" · ")[0] for run in runs] == ["run 1", "run 2"]
    assert [run.result.status for run in runs] == ["completed", "completed"]
    assert all(len(run.result.history.epochs) == 1 for run in runs)
    assert runs[0].model is not None and runs[0].model.key == first_model.key  # the first run's model is kept
    assert at.session_state["model"].key == runs[1].model.key != first_model.key
    assert any(subheader.value == "3 · Compare your runs" for subheader in at.subheader)
    chooser = next(box for box in at.selectbox if box.label == "Model used by the other pages")
    assert chooser.value == runs[1].name
    assert _all_training_slots_free()


# ---------------------------------------------------------------- 2. uploads on the Train page
def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in files.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def _keras_bytes(network: keras.Model, folder, name: str) -> bytes:
    path = folder / name
    network.save(path)
    return path.read_bytes()


def _config_json(**values) -> bytes:
    return json.dumps(TrainingConfig(**values).to_dict()).encode()


@pytest.fixture(scope="module")
def upload_files(tmp_path_factory) -> dict[str, bytes]:
    """Every file a student might upload, by file name (the page goes by the name's ending)."""
    folder = tmp_path_factory.mktemp("uploads")
    random_bytes = np.random.default_rng(0).integers(0, 256, size=4096, dtype=np.uint8).tobytes()
    notes = _zip({"notes.txt": b"not a model"})
    eight = build_embedding_network(TrainingConfig(embedding_dim=8))
    eight_bytes = _keras_bytes(eight, folder, "eight.keras")

    images = keras.Input(shape=(28, 28))
    flat = keras.layers.Flatten()(images)
    with_lambda = keras.Model(images, keras.layers.Lambda(lambda x: x * 2.0)(keras.layers.Dense(8)(flat)))
    wide_images = keras.Input(shape=(32, 32))
    wide = keras.Model(wide_images, keras.layers.Dense(8)(keras.layers.Flatten()(wide_images)))

    good = TrainedModel(name="good", network=eight, config=TrainingConfig(embedding_dim=8), threshold=0.5)
    hand_edited = json.loads(_config_json(embedding_dim=8))
    hand_edited["validation_fraction"] = "0.1"  # a number typed in quotes
    return {
        "random.keras": random_bytes,
        "random.zip": random_bytes,
        "notes.zip": notes,
        "notes.keras": notes,
        "lambda.keras": _keras_bytes(with_lambda, folder, "lambda.keras"),
        "wide.zip": _zip(
            {
                "embedding.keras": _keras_bytes(wide, folder, "wide.keras"),
                "config.json": _config_json(embedding_dim=8),
            }
        ),
        "mismatched.zip": _zip({"embedding.keras": eight_bytes, "config.json": _config_json(embedding_dim=16)}),
        "no-config.zip": _zip({"embedding.keras": eight_bytes}),
        "hand-edited.zip": _zip({"embedding.keras": eight_bytes, "config.json": json.dumps(hand_edited).encode()}),
        "history-list.zip": _zip(
            {"embedding.keras": eight_bytes, "config.json": _config_json(embedding_dim=8), "history.json": b"[]"}
        ),
        "model.zip": model_archive(good),
        "bare.keras": eight_bytes,
    }


@pytest.fixture(scope="module")
def session_model():
    """The model a student trained before uploading: an upload that fails must leave it in use."""
    config = TrainingConfig(embedding_dim=8)
    return TrainedModel(
        name="run 1 · mlp · contrastive (this session)",
        network=build_embedding_network(config),
        config=config,
        threshold=0.5,
    )


def _upload(name: str, payload: bytes, model) -> AppTest:
    at = app_page(TRAIN_PAGE, timeout=180)
    at.session_state["model"] = model
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    at.file_uploader[0].set_value((name, payload, "application/octet-stream")).run()
    assert not at.exception, [item.value for item in at.exception]
    return at


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("random.keras", "random.keras is not a Keras model file"),
        ("random.zip", "the upload is not a zip archive of a model folder"),
        ("notes.zip", "the archive has no embedding.keras"),
        ("notes.keras", "notes.keras could not be loaded safely"),
        ("lambda.keras", "lambda.keras could not be loaded safely"),
        ("wide.zip", "the model's input must be (n, 28, 28) images; it is (None, 32, 32)"),
        ("mismatched.zip", "the model outputs 8 numbers per image, the config says 16"),
        ("no-config.zip", "the archive has no config.json"),
        ("hand-edited.zip", "validation_fraction must be a number in (0, 0.5], got '0.1'"),
        ("history-list.zip", "history.json is not a training history"),
    ],
)
def test_an_unusable_upload_is_refused_with_a_message_and_the_model_kept(upload_files, session_model, name, expected):
    at = _upload(name, upload_files[name], session_model)

    refusals = [error for error in _errors(at) if error.startswith("That file can't be used:")]
    assert len(refusals) == 1, _errors(at)
    assert expected in refusals[0]
    assert not at.success
    assert at.session_state["model"].key == session_model.key  # nothing lost


@pytest.mark.parametrize("name", ["model.zip", "bare.keras"])
def test_a_good_upload_is_used_on_every_page(upload_files, session_model, name):
    at = _upload(name, upload_files[name], session_model)

    assert not at.error, _errors(at)
    assert [block.value for block in at.success] == [f"Now using uploaded {name} on every page."]
    model = at.session_state["model"]
    assert model.origin == "uploaded" and model.config.embedding_dim == 8
    assert np.isfinite(model.threshold)


def test_the_server_caps_uploads_and_keeps_its_protections():
    settings = tomllib.loads((REPOSITORY / ".streamlit" / "config.toml").read_text())
    server = settings["server"]
    assert isinstance(server.get("maxUploadSize"), int) and 1 <= server["maxUploadSize"] <= 100  # MB; default 200
    assert server.get("enableXsrfProtection") is True
    assert server.get("address") == "127.0.0.1"


# ---------------------------------------------------------------- 3. durability of the default model
@pytest.fixture
def fresh_cache(monkeypatch, tmp_path):
    """An empty ``$SIAMESE_CACHE`` and an empty ``st.cache_resource``: a server's first start.

    Without the shipped model (its folder is empty here), as on data that is not MNIST, the pages
    use a default model that the server trains and keeps.
    """
    monkeypatch.setenv(result_cache.CACHE_ENVIRONMENT_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.setattr(
        siamese.storage.shipped_model, "shipped_folder", lambda *, digits_only=False: tmp_path / "no-shipped-model"
    )
    # One epoch instead of the default's fifteen keeps this test quick; folder names follow the config.
    quick_default = preset("quick").replace(epochs=1)
    monkeypatch.setattr(default_model, "default_config", lambda data: quick_default)
    streamlit.cache_resource.clear()
    yield tmp_path / "cache"
    streamlit.cache_resource.clear()  # later tests must not share this one-epoch default model


def _evaluate_page() -> AppTest:
    at = app_page(EVALUATE_PAGE, timeout=300).run()
    assert not at.exception, [item.value for item in at.exception]
    assert not at.error, _errors(at)
    assert "Test pair accuracy" in [metric.label for metric in at.metric]
    return at


def test_a_garbage_default_model_is_trained_again_and_a_restart_loads_it_from_disk(
    fresh_cache, embedded_data, monkeypatch
):
    folder = default_model.default_model_folder(embedded_data)
    folder.mkdir(parents=True)
    junk = np.random.default_rng(1).integers(0, 256, size=2048, dtype=np.uint8).tobytes()
    (folder / "embedding.keras").write_bytes(junk)
    (folder / "config.json").write_bytes(junk)
    trainings = []
    real_train = siamese.training.trainer.train
    monkeypatch.setattr(siamese.training.trainer, "train", lambda *a, **kw: trainings.append(1) or real_train(*a, **kw))

    _evaluate_page()  # the saved copy is garbage: the page trains the default model again

    assert len(trainings) == 1
    saved = load_model(folder)
    assert saved.config == default_model.default_config(embedded_data)
    modified = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}

    def no_training(*args, **kwargs):
        raise AssertionError("a restart trained the default model again instead of loading it")

    monkeypatch.setattr(siamese.training.trainer, "train", no_training)
    streamlit.cache_resource.clear()  # a server restart: nothing in memory, the folder on disk
    _evaluate_page()

    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == modified


# ---------------------------------------------------------------- 4. the training gate
class _Interrupted(BaseException):
    """Stands in for Streamlit's stop / rerun exceptions, raised at a session's next element update."""


class _Session:
    """One browser session waiting for a training slot in its own thread, as the Train page does."""

    def __init__(self, name: str):
        self.name = name
        self.notices: list[str | None] = []  # what the session's notice showed; None: cleared
        self.interrupt = threading.Event()  # a Stop click or a page switch
        self.entered = threading.Event()
        self.interrupted = threading.Event()
        self.finish = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        try:
            with training_gate.training_gate():
                self.entered.set()
                self.finish.wait(timeout=30)
        except _Interrupted:
            self.interrupted.set()

    def show(self, text: str | None) -> None:
        if self.interrupt.is_set():
            raise _Interrupted
        self.notices.append(text)

    @property
    def queue_position(self) -> int | None:
        shown = [text for text in self.notices if text is not None]
        found = re.search(r"You are number (\d+) in the queue", shown[-1]) if shown else None
        return int(found.group(1)) if found else None


class _Notice:
    def __init__(self, session: _Session):
        self.session = session

    def info(self, text: str) -> None:
        self.session.show(text)

    def empty(self) -> None:
        self.session.show(None)


@pytest.fixture
def sessions(monkeypatch):
    """Start sessions by name; they share a one-slot gate and show their notices to the test."""
    gate = training_gate.TrainingGate(1)
    started: dict[str, _Session] = {}
    monkeypatch.setattr(training_gate, "_training_gate", lambda: gate)
    fake_streamlit = types.SimpleNamespace(empty=lambda: _Notice(started[threading.current_thread().name]))
    monkeypatch.setattr(training_gate, "st", fake_streamlit)

    def start(name: str, *, interrupted: bool = False) -> _Session:
        session = _Session(name)
        if interrupted:
            session.interrupt.set()
        started[name] = session
        session.thread.start()
        return session

    yield gate, start
    for session in started.values():
        session.finish.set()
        session.thread.join(timeout=5)


def _eventually(condition, *, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_waiting_sessions_see_their_place_in_the_queue_and_enter_in_order(sessions):
    gate, start = sessions
    first = start("first")
    assert first.entered.wait(5)
    second = start("second")
    assert _eventually(lambda: second.queue_position == 1)
    third = start("third")
    assert _eventually(lambda: third.queue_position == 2)
    fourth = start("fourth")
    assert _eventually(lambda: fourth.queue_position == 3)
    assert "All 1 training slots on this server are busy" in second.notices[-1]

    third.interrupt.set()  # Stop pressed while waiting: the session leaves the queue
    assert third.interrupted.wait(5)
    assert _eventually(lambda: fourth.queue_position == 2)
    assert len(gate.queue) == 2
    assert not second.entered.is_set()  # the slot is still held

    first.finish.set()  # the first training ends: the head of the queue goes in, nobody else
    assert second.entered.wait(5)
    assert second.notices[-1] is None  # its waiting notice is cleared
    assert _eventually(lambda: fourth.queue_position == 1)
    assert not fourth.entered.is_set() and not third.entered.is_set()

    second.finish.set()
    assert fourth.entered.wait(5)
    fourth.finish.set()
    fourth.thread.join(5)
    assert not gate.queue and gate.semaphore.acquire(blocking=False)


def test_an_interruption_as_the_slot_is_taken_does_not_keep_the_slot(sessions):
    """The Stop click can arrive at the very update that clears the waiting notice, just after the slot is taken."""
    gate, start = sessions
    session = start("unlucky", interrupted=True)
    session.thread.join(5)

    assert session.interrupted.is_set() and not session.entered.is_set()
    assert not gate.queue
    assert gate.semaphore.acquire(blocking=False), "the interrupted session kept the only training slot"


# ---------------------------------------------------------------- 5. page runs and shared state
def test_a_page_run_does_not_reset_keras_under_other_sessions(monkeypatch):
    """Streamlit calls ``keras.backend.clear_session()`` after every run unless the app says otherwise.

    That resets Keras's state for every thread (a training in another session included),
    empties TensorFlow's kernel cache and runs a full garbage collection: it made each
    Draw query cost 0.6 s of CPU instead of 0.06 s.
    """
    assert STREAMLIT_CLEAN_UP.__module__ == script_runner.__name__, "expected Streamlit's own clean-up"
    monkeypatch.setattr(script_runner, "_clean_problem_modules", STREAMLIT_CLEAN_UP)
    global_state.set_global_attribute("another_sessions_training", "running")

    at = AppTest.from_file(str(REPOSITORY / "app.py"), default_timeout=60).run()

    assert not at.exception
    assert global_state.get_global_attribute("another_sessions_training") == "running"
    global_state.set_global_attribute("another_sessions_training", None)


def test_the_server_does_not_collect_all_garbage_after_every_run():
    # With TensorFlow loaded a full collection costs about 0.25 s of CPU: thirty sessions queue behind it.
    settings = tomllib.loads((REPOSITORY / ".streamlit" / "config.toml").read_text())
    assert settings["runner"].get("postScriptGC") is False


# ---------------------------------------------------------------- 6. security
def _calls(paths) -> list[tuple[str, ast.Call]]:
    """Every call in ``paths`` as (dotted function name, node)."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call):
                found.append((ast.unparse(node.func), node))
    return found


def _keyword(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value.value if isinstance(keyword.value, ast.Constant) else keyword.value
    return "missing"


def test_the_pages_never_render_raw_html():
    assert len(UI_SOURCES) >= 7
    for path in UI_SOURCES:
        assert not re.search(r"unsafe_allow_html\s*=\s*True", path.read_text()), path.name
        assert "st.html(" not in path.read_text() and "components.html(" not in path.read_text(), path.name


def test_numpy_files_are_loaded_without_pickles():
    loads = [call for name, call in _calls(LIBRARY_SOURCES) if name in ("np.load", "numpy.load")]
    assert loads, "no np.load call found: the check would be empty"
    assert all(_keyword(call, "allow_pickle") is False for call in loads)


def test_keras_models_are_loaded_in_safe_mode():
    loads = [call for name, call in _calls(LIBRARY_SOURCES + UI_SOURCES) if name.endswith("load_model")]
    keras_loads = [call for call in loads if ast.unparse(call.func).startswith(("keras.", "tf.keras."))]
    assert keras_loads, "no keras load_model call found: the check would be empty"
    assert all(_keyword(call, "safe_mode") is True for call in keras_loads)
    sources = "".join(path.read_text() for path in LIBRARY_SOURCES + UI_SOURCES)
    assert "enable_unsafe_deserialization" not in sources
    assert "from keras.saving import load_model" not in sources  # the only route is the checked one
