"""Save and load model folders, zips and uploads, atomically and safely.

A model folder holds ``embedding.keras`` (input ``(n, 28, 28) float32 in [0, 1]``, output
``(n, D)``), ``config.json``, ``history.json`` and ``metrics.json``. Saving writes a complete new
folder under a temporary name and swaps it in with renames, so a crash mid-save leaves the
previous model loadable. Loading uses Keras' ``safe_mode=True``, which refuses Lambda layers and
other arbitrary code. Every problem with a file is a ``ValueError`` whose message a user can read.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from siamese.config import TrainingConfig
from siamese.conventions import CONFIG_FILE, HISTORY_FILE, METRICS_FILE, MODEL_FILE, MODEL_FILES
from siamese.data.mnist import MnistData
from siamese.storage.network_file import NetworkFile, load_embedding_network
from siamese.storage.trained_model import ModelOrigin, TrainedModel
from siamese.training.history import TrainingHistory

_BACKUP_SUFFIX = ".previous"


def save_model(model: TrainedModel, folder: str | Path) -> Path:
    """Write the four files into ``folder``, replacing an earlier model there only once all are written."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.saving-", dir=folder.parent))
    try:
        model.embedding_network.save(staging / MODEL_FILE)
        model.config.save(staging / CONFIG_FILE)
        (staging / HISTORY_FILE).write_text(json.dumps(model.history.to_dict()) + "\n")
        metrics = {**model.metrics, "threshold": model.threshold}
        (staging / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
        _swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def load_model(
    folder: str | Path, *, name: str | None = None, origin: ModelOrigin = ModelOrigin.SAVED, lazy: bool = False
) -> TrainedModel:
    """Load a model folder written by ``save_model``.

    ``lazy`` leaves the network in its file until first used (a ``NetworkFile``): no TensorFlow
    until then, and the file's own problems surface only then. For files already checked, such as
    the shipped model's.

    Raises
    ------
    ValueError
        When the folder or a file is missing, unreadable, unsafe or of the wrong shape.
    """
    folder = Path(folder)
    _recover(folder)
    if not folder.is_dir():
        raise ValueError(f"model folder {folder} does not exist")
    config = TrainingConfig.load(folder / CONFIG_FILE)
    network_file = NetworkFile(folder / MODEL_FILE, embedding_dim=config.embedding_dim)
    network = network_file if lazy else network_file.load()
    try:
        history = TrainingHistory.from_dict(_read_json(folder / HISTORY_FILE, default={}))
    except (TypeError, AttributeError, KeyError) as error:  # JSON of the wrong shape, e.g. edited by hand
        raise ValueError(f"{folder / HISTORY_FILE} is not a training history ({error})") from error
    metrics = _read_json(folder / METRICS_FILE, default={})
    if not isinstance(metrics, dict):
        raise ValueError(f"{folder / METRICS_FILE} must hold a JSON object")
    threshold = metrics.get("threshold", config.margin / 2)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise ValueError(f"{folder / METRICS_FILE} holds a threshold that is not a number: {threshold!r}")
    return TrainedModel(
        name=name or folder.name,
        network=network,
        config=config,
        threshold=float(threshold),
        history=history,
        metrics=metrics,
        origin=origin,
        fingerprint=hashlib.sha256((folder / MODEL_FILE).read_bytes()).hexdigest(),
    )


def model_archive(model: TrainedModel) -> bytes:
    """The model as the zip of a model folder (for a download button), readable by ``load_archive``."""
    with tempfile.TemporaryDirectory(prefix="siamese-archive-") as folder:
        saved = save_model(model, Path(folder) / "model")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for file_name in MODEL_FILES:
                archive.write(saved / file_name, arcname=file_name)
        return buffer.getvalue()


def load_archive(payload: bytes, *, name: str = "uploaded model") -> TrainedModel:
    """Load a zip made by ``model_archive``: only the four known file names are read, nothing else."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile as error:
        raise ValueError("the upload is not a zip archive of a model folder") from error
    with archive, tempfile.TemporaryDirectory(prefix="siamese-upload-") as folder:
        names = set(archive.namelist())
        for required in (MODEL_FILE, CONFIG_FILE):
            if required not in names:
                raise ValueError(f"the archive has no {required}; expected a folder saved by Siamese Explorer")
        for file_name in MODEL_FILES:
            if file_name in names:
                # Extract by known name only, so a crafted archive cannot write outside the folder.
                (Path(folder) / file_name).write_bytes(archive.read(file_name))
        return load_model(folder, name=name, origin=ModelOrigin.UPLOADED)


def load_upload(payload: bytes, file_name: str, *, data: MnistData) -> TrainedModel:
    """A model from an uploaded file: a ``.zip`` from ``model_archive`` or a bare ``.keras`` network.

    A bare network carries no training settings, so it is compared by Euclidean distance and its
    same/different threshold is chosen on the validation split of ``data``, as ``train`` would.

    Raises
    ------
    ValueError
        With a message that names ``file_name`` (never a temporary copy) and says what is wrong.
    """
    name = f"uploaded {file_name}"
    if file_name.lower().endswith(".zip"):
        return load_archive(payload, name=name)
    if not file_name.lower().endswith(".keras"):
        raise ValueError(f"{file_name} is neither a .zip of a model folder nor a .keras file")
    with tempfile.TemporaryDirectory(prefix="siamese-upload-") as folder:
        copy = Path(folder) / "upload.keras"
        copy.write_bytes(payload)
        try:
            network = load_embedding_network(copy)
        except ValueError as error:
            raise ValueError(str(error).replace(copy.name, file_name)) from error
    from siamese.training.trainer import choose_threshold

    config = TrainingConfig(embedding_dim=int(network.output_shape[-1]), normalize_embeddings=False)
    threshold, accuracy = choose_threshold(network, data, config)
    return TrainedModel(
        name=name,
        network=network,
        config=config,
        threshold=threshold,
        metrics={"validation_pair_accuracy": accuracy, "data": data.description},
        origin=ModelOrigin.UPLOADED,
    )


def _swap_in(staging: Path, folder: Path) -> None:
    """Rename ``staging`` to ``folder``; the old folder waits under a backup name until that succeeds."""
    backup = folder.with_name(folder.name + _BACKUP_SUFFIX)
    shutil.rmtree(backup, ignore_errors=True)
    if folder.exists():
        os.replace(folder, backup)
    os.replace(staging, folder)
    shutil.rmtree(backup, ignore_errors=True)


def _recover(folder: Path) -> None:
    """After a crash between the two renames only the backup exists: put it back."""
    backup = folder.with_name(folder.name + _BACKUP_SUFFIX)
    if not folder.exists() and backup.is_dir():
        os.replace(backup, folder)


def _read_json(path: Path, *, default):
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not readable JSON: {error}") from error
