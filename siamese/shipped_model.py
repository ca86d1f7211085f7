"""The pre-trained model that ships inside the package, so the app can read digits with no training wait.

It is the CNN of ``RECIPE``, trained by the project's own ``train`` on the MNIST training digits
that are *not* in the embedded 5,000-digit subset, so that both MNIST's test set and the embedded
test split stay unseen. ``siamese-explorer make-shipped-model --data mnist.npz`` makes it again
(seeded, so the same weights up to the floating-point order of the CPU it runs on).

The folder holds the usual model files and ``SHA256SUMS``; ``load_shipped_model`` refuses files
whose checksum does not match, in one ``ValueError``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
import json
from pathlib import Path
from typing import TYPE_CHECKING

from siamese.config import PRESETS, TrainingConfig
from siamese.conventions import METRICS_FILE, MODEL_FILES
from siamese.mnist import MnistData, load_embedded_mnist, without_embedded_subset

if TYPE_CHECKING:  # TensorFlow loads only when a model is loaded or made, not to read metrics.json
    from siamese.trained_model import TrainedModel

NAME = "the shipped model"
CHECKSUM_FILE = "SHA256SUMS"
MAX_BYTES = 5 * 1024 * 1024

# Chosen for digits drawn on a canvas: the "best" preset's CNN, trained longer, with every kind of
# variation a hand adds that MNIST's own writers added less of (see BENCHMARKS.md).
RECIPE = PRESETS["best"].replace(
    augment_rotation=12.0,
    augment_scale=0.12,
    augment_shear=0.25,
    augment_thickness=0.4,
    augment_elastic=0.8,
    epochs=12,
    seed=0,
)


def shipped_folder() -> Path:
    """Where the package keeps the shipped model."""
    return Path(str(importlib.resources.files("siamese") / "shipped_model"))


def load_shipped_model(folder: str | Path | None = None, *, lazy: bool = False) -> TrainedModel:
    """The shipped model, after checking every file against ``SHA256SUMS``.

    ``lazy`` leaves the network in its (checked) file until first used: no TensorFlow until then.

    Raises
    ------
    ValueError
        When a file is missing, altered or unreadable.
    """
    from siamese.storage import load_model
    from siamese.trained_model import ModelOrigin

    folder = Path(folder) if folder is not None else shipped_folder()
    problem = check_files(folder)
    if problem:
        raise ValueError(problem)
    return load_model(folder, name=NAME, origin=ModelOrigin.SHIPPED, lazy=lazy)


def check_files(folder: str | Path | None = None) -> str | None:
    """What is wrong with the shipped files (missing, or not matching ``SHA256SUMS``), or ``None``; no TensorFlow."""
    folder = Path(folder) if folder is not None else shipped_folder()
    try:
        expected = _read_checksums(folder)
    except ValueError as error:
        return str(error)
    for file_name in MODEL_FILES:
        path = folder / file_name
        if not path.is_file():
            return f"the shipped model's {file_name} is missing"
        if _sha256(path) != expected.get(file_name):
            return f"the shipped model's {file_name} does not match its checksum"
    return None


def make_shipped_model(
    full_mnist: MnistData, folder: str | Path, *, recipe: TrainingConfig = RECIPE, callbacks=()
) -> TrainedModel:
    """Train ``recipe`` on full MNIST without the embedded subset; save it with its test figures and checksums."""
    from siamese.storage import save_model
    from siamese.trained_model import ModelOrigin, TrainedModel
    from siamese.training import train

    if not full_mnist.is_full_mnist:
        raise ValueError("the shipped model is made from full MNIST (60,000 training and 10,000 test digits)")
    # Named by what it is, not where this machine keeps it: the description is saved in metrics.json.
    full_mnist = dataclasses.replace(full_mnist, description="Full MNIST (60,000 train / 10,000 test digits)")
    result = train(recipe, without_embedded_subset(full_mnist), callbacks=callbacks)
    model = TrainedModel.from_result(result, name=NAME, origin=ModelOrigin.SHIPPED)
    embedded = load_embedded_mnist()
    figures = {
        "full_mnist_test": _test_figures(model, full_mnist),
        "embedded_test": _test_figures(model, embedded),
    }
    model = dataclasses.replace(model, metrics={**model.metrics, **figures})
    folder = save_model(model, folder)
    write_checksums(folder)
    size = sum((folder / file_name).stat().st_size for file_name in MODEL_FILES)
    if size > MAX_BYTES:
        raise ValueError(f"the shipped model takes {size / 2**20:.1f} MB; it must fit in {MAX_BYTES / 2**20:.0f} MB")
    return model


def write_checksums(folder: Path) -> None:
    lines = [f"{_sha256(Path(folder) / file_name)}  {file_name}\n" for file_name in MODEL_FILES]
    (Path(folder) / CHECKSUM_FILE).write_text("".join(lines))


def _test_figures(model: TrainedModel, data: MnistData) -> dict:
    from siamese.evaluation import evaluate_model

    evaluation = evaluate_model(model.embedding_network, data, threshold=model.threshold, metric=model.config.metric)
    return {**evaluation.summary(), "references": len(data.y_train), "data": data.description}


def _read_checksums(folder: Path) -> dict[str, str]:
    try:
        text = (folder / CHECKSUM_FILE).read_text()
    except OSError as error:
        raise ValueError(f"the shipped model has no readable {CHECKSUM_FILE} ({error})") from error
    checksums = {}
    for line in text.splitlines():
        digest, _, file_name = line.partition("  ")
        checksums[file_name.strip()] = digest.strip()
    return checksums


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def metrics_summary(folder: Path | None = None) -> dict:
    """The shipped ``metrics.json`` (without loading TensorFlow); empty when it cannot be read."""
    try:
        return json.loads(((Path(folder) if folder else shipped_folder()) / METRICS_FILE).read_text())
    except (OSError, ValueError):
        return {}
