"""The pre-trained models that ship inside the package, so the app answers with no training wait.

The shipped model is the CNN of ``RECIPE``, trained by the project's own ``train`` on the MNIST
training digits that are *not* in the embedded 5,000-digit subset (so that both MNIST's test set and
the embedded test split stay unseen) together with the background classes of the symbol corpus (so
that its distance works on shapes it never saw: ``symbol_classes``). Its ``metrics.json`` holds its
test figures, its one-shot figures on the evaluation symbols and its open-set rule (``open_set``).

Beside it ships the digits-only model (``DIGITS_ONLY_RECIPE``: the same CNN on the same digits and
nothing else), kept for one lesson: where each network puts shapes it never saw.

``siamese-explorer make-shipped-model --data mnist.npz [--digits-only]`` makes either again (seeded,
so the same weights up to the floating-point order of the CPU it runs on). Each folder holds the
usual model files and ``SHA256SUMS``; loading refuses files whose checksum does not match, in one
``ValueError``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
import json
from pathlib import Path
from typing import TYPE_CHECKING

from siamese.config import PRESETS, Loss, TrainingConfig
from siamese.conventions import METRICS_FILE, MODEL_FILES
from siamese.data.mnist import MnistData, load_embedded_mnist, without_embedded_subset

if TYPE_CHECKING:  # TensorFlow loads only when a model is loaded or made, not to read metrics.json
    from siamese.storage.trained_model import TrainedModel

NAME = "the shipped model"
DIGITS_ONLY_NAME = "the digits-only model"
CHECKSUM_FILE = "SHA256SUMS"
MAX_BYTES = 5 * 1024 * 1024

# Chosen for digits drawn on a canvas: the "best" preset's CNN, trained longer, with every kind of
# variation a hand adds that MNIST's own writers added less of (see BENCHMARKS.md).
DIGITS_ONLY_RECIPE = PRESETS["best"].replace(
    augment_rotation=12.0,
    augment_scale=0.12,
    augment_shear=0.25,
    augment_thickness=0.4,
    augment_elastic=0.8,
    epochs=12,
    seed=0,
)
# The same network and digits with the background symbols, in batches of four images a class, learnt
# with InfoNCE: each image is pulled to its own class against every other class in its batch at once,
# which is what lets the distance carry over to shapes it never saw (BENCHMARKS.md: 20-way 1-shot on
# unseen symbols 0.911 against contrastive's 0.786, with digits alike).
# Symbols enter batches in proportion to their drawings (no fixed share): a fixed half of every batch
# lifted the unseen symbols' one-shot accuracy by 0.01 but cost the digits' 5-NN its 0.995.
RECIPE = DIGITS_ONLY_RECIPE.including_symbols().replace(
    symbol_share=0.0,
    loss=Loss.INFONCE,
    temperature=0.1,
    epochs=15,
)


def shipped_folder(*, digits_only: bool = False) -> Path:
    """Where the package keeps the shipped model (or the digits-only one)."""
    folder = "digits_only_network" if digits_only else "shipped_network"
    return Path(str(importlib.resources.files("siamese.storage") / folder))


def load_shipped_model(folder: str | Path | None = None, *, lazy: bool = False) -> TrainedModel:
    """The shipped model, after checking every file against ``SHA256SUMS``.

    ``lazy`` leaves the network in its (checked) file until first used: no TensorFlow until then.

    Raises
    ------
    ValueError
        When a file is missing, altered or unreadable.
    """
    return _load_checked(Path(folder) if folder is not None else shipped_folder(), NAME, lazy=lazy)


def load_digits_only_model(*, lazy: bool = False) -> TrainedModel:
    """The digits-only model (``DIGITS_ONLY_RECIPE``), checked like the shipped one."""
    return _load_checked(shipped_folder(digits_only=True), DIGITS_ONLY_NAME, lazy=lazy)


def _load_checked(folder: Path, name: str, *, lazy: bool) -> TrainedModel:
    from siamese.storage.model_folders import load_model
    from siamese.storage.trained_model import ModelOrigin

    problem = check_files(folder)
    if problem:
        raise ValueError(problem)
    return load_model(folder, name=name, origin=ModelOrigin.SHIPPED, lazy=lazy)


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
    full_mnist: MnistData, folder: str | Path, *, recipe: TrainingConfig = RECIPE, callbacks=(), symbols=None
) -> TrainedModel:
    """Train ``recipe`` on full MNIST without the embedded subset (and the background symbols if it says so),
    then ``package_shipped_model`` it into ``folder``.

    ``symbols`` stands in for the packaged symbol corpus (``symbol_corpus.load_symbol_corpus``).
    """
    from siamese.data.symbol_corpus import load_symbol_corpus
    from siamese.storage.trained_model import ModelOrigin, TrainedModel
    from siamese.training.trainer import train

    full_mnist = _named(full_mnist)
    symbols = symbols if symbols is not None else load_symbol_corpus()
    result = train(recipe, without_embedded_subset(full_mnist), callbacks=callbacks, symbols=symbols)
    model = TrainedModel.from_result(result, name=NAME, origin=ModelOrigin.SHIPPED)
    return package_shipped_model(model, full_mnist, folder, symbols=symbols)


def package_shipped_model(model: TrainedModel, full_mnist: MnistData, folder: str | Path, *, symbols) -> TrainedModel:
    """Save a network trained as ``make_shipped_model`` trains, with its test figures on full MNIST and the
    embedded test split, its one-shot figures on the unseen symbols, its open-set rule and checksums."""
    from siamese.data.symbol_classes import Split
    from siamese.search.open_set import calibrate_model, embed_known_shapes
    from siamese.storage.model_folders import save_model
    from siamese.storage.trained_model import ModelOrigin

    full_mnist = _named(full_mnist)
    training_digits = without_embedded_subset(full_mnist)
    name = NAME if model.config.with_symbols else DIGITS_ONLY_NAME
    model = dataclasses.replace(model, name=name, origin=ModelOrigin.SHIPPED)
    calibration = symbols.only(Split.CALIBRATION)
    network = model.embedding_network
    known = embed_known_shapes(network, training_digits, model.config, symbols.only(Split.BACKGROUND).images)
    figures = {
        "data": training_digits.description,
        "full_mnist_test": _test_figures(model, full_mnist),
        "embedded_test": _test_figures(model, load_embedded_mnist()),
        "unseen_symbols": _one_shot_figures(model, symbols.only(Split.EVALUATION)),
        "open_set": calibrate_model(network, training_digits, model.config, calibration, known=known).to_dict(),
    }
    model = dataclasses.replace(model, metrics={**model.metrics, **figures})
    folder = save_model(model, folder)
    write_checksums(folder)
    size = sum((folder / file_name).stat().st_size for file_name in MODEL_FILES)
    if size > MAX_BYTES:
        raise ValueError(f"the shipped model takes {size / 2**20:.1f} MB; it must fit in {MAX_BYTES / 2**20:.0f} MB")
    return model


def _named(full_mnist: MnistData) -> MnistData:
    """Full MNIST named by what it is, not where this machine keeps it: the description goes into metrics.json."""
    if not full_mnist.is_full_mnist:
        raise ValueError("the shipped model is made from full MNIST (60,000 training and 10,000 test digits)")
    return dataclasses.replace(full_mnist, description="Full MNIST (60,000 train / 10,000 test digits)")


def write_checksums(folder: Path) -> None:
    lines = [f"{_sha256(Path(folder) / file_name)}  {file_name}\n" for file_name in MODEL_FILES]
    (Path(folder) / CHECKSUM_FILE).write_text("".join(lines))


def _test_figures(model: TrainedModel, data: MnistData) -> dict:
    from siamese.evaluation.scores import evaluate_model

    evaluation = evaluate_model(model.embedding_network, data, threshold=model.threshold, metric=model.config.metric)
    return {**evaluation.summary(), "references": len(data.y_train), "data": data.description}


def _one_shot_figures(model: TrainedModel, unseen) -> dict:
    """5- and 20-way 1-shot accuracy on symbol classes never trained on, queries in other fonts than supports."""
    from siamese.evaluation.few_shot import classes_with_styles, evaluate_few_shot
    from siamese.networks.models import embed

    embeddings = embed(model.embedding_network, unseen.images)
    classes = classes_with_styles(unseen.labels, unseen.fonts)
    figures = {"classes": len(classes)}
    for way in (5, 20):
        result = evaluate_few_shot(
            embeddings, unseen.labels, classes=classes, n_way=way, k_shot=1, episodes=2000,
            metric=model.config.metric, styles=unseen.fonts,
        )  # fmt: skip
        figures[f"{way}_way_1_shot"] = round(result.accuracy, 4)
    return figures


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
