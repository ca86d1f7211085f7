"""Results every session shares, computed once per model (or data set) and kept by Streamlit.

A model's ``key`` stands for the model in each cache key, so nothing hashes a network or
millions of pixels on a rerun. Each function is one call into ``siamese``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from explorer_ui.data_source import cache_root, data_fingerprint, data_key
from explorer_ui.unseen_verdicts import Embedder
from siamese.data.mnist import MnistData

if TYPE_CHECKING:
    from siamese.data.symbol_corpus import SymbolCorpus
    from siamese.evaluation.projection import Projection
    from siamese.evaluation.retrieval import RetrievalMetrics
    from siamese.evaluation.scores import Evaluation
    from siamese.evaluation.unseen_digits import SeenUnseen
    from siamese.evaluation.unseen_shapes import Placement
    from siamese.search.neighbour_index import NeighbourIndex
    from siamese.search.open_set import OpenSetRule
    from siamese.storage.trained_model import TrainedModel

MAP_SAMPLE_SIZE = 2000  # reference digits on the Draw page's map
LESSON_CLASSES = 160  # evaluation symbol classes shown to both networks on the New symbols page
LESSON_DRAWINGS = 2
SAMPLE_SEED = 0
PROJECTOR_POINTS = 2000


def reference_embeddings(model: TrainedModel, data: MnistData) -> np.ndarray:
    """``(n_train, D) float32``: the training digits embedded by ``model`` (from disk when they are there).

    Needs no network when they are on disk, so a map of them shows while the network still loads.
    """
    return _reference_embeddings(model.key, model, data)


@st.cache_resource(max_entries=16, show_spinner="Embedding the training digits…")
def _reference_embeddings(model_key: str, _model: TrainedModel, _data: MnistData) -> np.ndarray:
    return _embeddings(_model, _data, "train")


def reference_index(model: TrainedModel, data: MnistData) -> NeighbourIndex:
    """The training digits embedded by ``model``, ready for nearest-neighbour queries (needs the network)."""
    return _reference_index(model.key, model, data)


@st.cache_resource(max_entries=16, show_spinner="Getting the network ready (a few seconds, once after the app starts)…")
def _reference_index(model_key: str, _model: TrainedModel, _data: MnistData) -> NeighbourIndex:
    from siamese.search.neighbour_index import NeighbourIndex

    embeddings = reference_embeddings(_model, _data)
    return NeighbourIndex(_model.embedding_network, embeddings, _data.y_train, metric=_model.config.metric)


def evaluation(model: TrainedModel, data: MnistData) -> Evaluation:
    """Test pairs, ROC, histograms and retrieval scores of ``model`` (raises ``ValueError`` if it can't)."""
    return _evaluation(model.key, model, data)


@st.cache_resource(max_entries=16, show_spinner="Evaluating the model on the test digits…")
def _evaluation(model_key: str, _model: TrainedModel, _data: MnistData) -> Evaluation:
    from siamese.evaluation.retrieval import RetrievalMetrics, retrieval_metrics
    from siamese.evaluation.scores import evaluate_embeddings

    # The training digits' embeddings are the ones Draw searches: one copy (and, for a model trained
    # in this session, one embedding of 60,000 digits) serves both pages.
    test, train = _embeddings(_model, _data, "test"), reference_embeddings(_model, _data)
    metric = _model.config.metric

    def retrieval() -> dict:
        return dataclasses.asdict(retrieval_metrics(test, _data.y_test, train, _data.y_train, k=5, metric=metric))

    figures = _on_disk(_model, _data, "retrieval-k5", retrieval)
    return evaluate_embeddings(
        test,
        _data.y_test,
        train,
        _data.y_train,
        threshold=_model.threshold,
        metric=metric,
        retrieval=RetrievalMetrics(**figures),
    )


def _embeddings(model: TrainedModel, data: MnistData, split: str) -> np.ndarray:
    """``(n, D) float32`` embeddings of ``data``'s "train" or "test" digits, from the disk cache when it has them."""
    images = data.x_train if split == "train" else data.x_test

    def compute() -> np.ndarray:
        return model.embed(images)  # TensorFlow: only when the disk does not have them

    if model.fingerprint is None:  # trained in this process: nothing on disk can be its result
        return compute()
    return _disk_cache().array(_disk_key(model, data, split), compute)


def _on_disk(model: TrainedModel, data: MnistData, name: str, compute) -> dict:
    if model.fingerprint is None:
        return compute()
    return _disk_cache().json_object(_disk_key(model, data, name), compute)


def arrays_on_disk(model: TrainedModel, data: MnistData, name: str, compute) -> dict[str, np.ndarray]:
    """``compute()``'s arrays for ``model`` and ``data``, from the disk cache when it has them (kept there
    after computing); a model trained in this process is always computed."""
    if model.fingerprint is None:
        return compute()
    return _disk_cache().arrays(_disk_key(model, data, name), compute)


def _disk_key(model: TrainedModel, data: MnistData, name: str) -> str:
    return f"{model.fingerprint[:16]}-{data_fingerprint(data)}-{name}"


def _disk_cache():
    from siamese.storage.result_cache import ResultCache

    return ResultCache(cache_root() / "results")


def evaluation_or_stop(model: TrainedModel, data: MnistData, *, failure: str) -> Evaluation:
    """``evaluation``, or "This model could not <failure>: <why>" on screen and the page ends there."""
    try:
        return evaluation(model, data)
    except ValueError as error:
        st.error(f"This model could not {failure}: {error}")
        st.stop()


def sample_positions(count: int, size: int) -> np.ndarray:
    """A seeded, sorted sample of ``size`` indices below ``count``: the same for every model and method."""
    if size >= count:
        return np.arange(count)
    return np.sort(np.random.default_rng(SAMPLE_SEED).choice(count, size, replace=False))


@dataclass(frozen=True, kw_only=True, eq=False)
class DigitMaps:
    """Maps of the same seeded sample of test digits: by the model's embeddings and by raw pixels.

    ``positions`` (n,) are the sampled test indices, ``digits`` (n,) their labels; both maps are
    ``(n, dimensions) float32``.
    """

    positions: np.ndarray
    digits: np.ndarray
    model_points: np.ndarray
    pixel_points: np.ndarray


def digit_maps(
    model: TrainedModel, evaluation_: Evaluation, data: MnistData, *, method: str, dimensions: int, size: int
) -> DigitMaps:
    """The Embeddings page's two maps (raises ``ValueError`` when the method cannot map the points)."""
    positions = sample_positions(len(data.y_test), size)
    model_points = _map_rows(
        f"model|{model.key}|{size}", method, model.config.metric, dimensions, evaluation_.test_embeddings[positions]
    )
    pixels = data.x_test[positions].reshape(len(positions), -1)
    pixel_points = _map_rows(f"pixels|{data_key(data)}|{size}", method, "euclidean", dimensions, pixels)
    return DigitMaps(
        positions=positions, digits=data.y_test[positions], model_points=model_points, pixel_points=pixel_points
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _map_rows(source_key: str, method: str, metric: str, dimensions: int, _rows: np.ndarray) -> np.ndarray:
    """``(n, dimensions) float32`` map of ``_rows``; ``source_key`` names the rows without hashing them."""
    from siamese.evaluation.projection import project

    return project(_rows, method=method, metric=metric, n_components=dimensions, seed=SAMPLE_SEED).points


def reference_map(model: TrainedModel, data: MnistData, *, method: str = "PCA") -> tuple[Projection, np.ndarray]:
    """A PCA or UMAP map of a seeded sample of the reference embeddings and the sample's digits. Once per model."""
    return _reference_map(model.key, method, model, data)


@st.cache_resource(max_entries=16, show_spinner="Drawing the map of the training digits…")
def _reference_map(
    model_key: str, method: str, _model: TrainedModel, _data: MnistData
) -> tuple[Projection, np.ndarray]:
    from siamese.evaluation.projection import project

    chosen = sample_positions(len(_data.y_train), MAP_SAMPLE_SIZE)
    embeddings = reference_embeddings(_model, _data)[chosen]
    components = min(2, embeddings.shape[1])
    projection = project(embeddings, method=method, metric=_model.config.metric, n_components=components)
    return projection, _data.y_train[chosen]


def pixel_retrieval(data: MnistData, *, k: int) -> RetrievalMetrics:
    """Retrieval scores of the raw pixels: slow on full MNIST, so kept on disk and in memory, per data set."""
    return _pixel_retrieval(data_key(data), k, data)


@st.cache_data(max_entries=4, show_spinner=False)
def _pixel_retrieval(data_name: str, k: int, _data: MnistData) -> RetrievalMetrics:
    from siamese.evaluation.retrieval import RetrievalMetrics, retrieval_metrics

    def compute() -> dict:
        figures = retrieval_metrics(
            _data.x_test.reshape(len(_data.x_test), -1),
            _data.y_test,
            _data.x_train.reshape(len(_data.x_train), -1),
            _data.y_train,
            k=k,
            metric="euclidean",
        )
        return dataclasses.asdict(figures)

    return RetrievalMetrics(**_disk_cache().json_object(f"pixels-{data_fingerprint(_data)}-retrieval-k{k}", compute))


def projector_point_count(data: MnistData) -> int:
    from siamese.evaluation.export import MAX_POINTS

    return min(PROJECTOR_POINTS, MAX_POINTS, len(data.y_test))


def projector_bytes(model: TrainedModel, evaluation_: Evaluation, data: MnistData) -> bytes:
    """The first test embeddings as a zip for TensorFlow's Embedding Projector."""
    return _projector_bytes(model.key, evaluation_, data)


@st.cache_data(max_entries=8, show_spinner="Packing the embeddings for the Projector…")
def _projector_bytes(model_key: str, _evaluation: Evaluation, _data: MnistData) -> bytes:
    from siamese.evaluation.export import projector_zip

    count = projector_point_count(_data)
    return projector_zip(_evaluation.test_embeddings[:count], _data.y_test[:count], _data.x_test[:count])


def model_zip(model: TrainedModel) -> bytes:
    """The model folder as a zip, for a download button."""
    return _model_zip(model.key, model)


@st.cache_data(max_entries=8, show_spinner="Packing the model…")
def _model_zip(model_key: str, _model: TrainedModel) -> bytes:
    from siamese.storage.model_folders import model_archive

    return model_archive(_model)


# ---------------------------------------------------------------- digits the model never saw


def seen_unseen(model: TrainedModel, data: MnistData, *, embedder: str) -> SeenUnseen:
    """Seen and unseen digits scored apart for ``model``'s held-out digits, by one embedder.

    "siamese" is the model itself; "pixels" the raw pixels (threshold chosen on seen validation
    pairs); "classifier" a softmax classifier trained on the seen digits (``classifier_baseline``,
    trained on first use: seconds for an MLP on the offline set).
    """
    return _seen_unseen(model.key, embedder, model, data)


@st.cache_resource(max_entries=16, show_spinner=False)
def _seen_unseen(model_key: str, embedder: str, _model: TrainedModel, _data: MnistData) -> SeenUnseen:
    from siamese.evaluation.unseen_digits import seen_unseen_figures

    test, train, threshold, metric = _embedder_view(embedder, _model, _data)
    return seen_unseen_figures(
        test,
        _data.y_test,
        train,
        _data.y_train,
        held_out=_model.config.held_out_digits,
        threshold=threshold,
        metric=metric,
    )


def _embedder_view(embedder: str, model: TrainedModel, data: MnistData):
    """``(test embeddings, train embeddings, threshold, metric)`` of one embedder."""
    from siamese.evaluation.unseen_digits import threshold_on_pairs
    from siamese.networks.models import embed
    from siamese.training.trainer import training_split

    if embedder == Embedder.SIAMESE:
        model_evaluation = evaluation(model, data)
        return model_evaluation.test_embeddings, model_evaluation.train_embeddings, model.threshold, model.config.metric
    if embedder == Embedder.PIXELS:
        _, _, x_validation, y_validation = training_split(model.config, data)
        threshold = threshold_on_pairs(x_validation.reshape(len(x_validation), -1), y_validation, metric="euclidean")
        return (
            data.x_test.reshape(len(data.x_test), -1),
            data.x_train.reshape(len(data.x_train), -1),
            threshold,
            "euclidean",
        )
    network, threshold = classifier_baseline(model, data)
    return embed(network, data.x_test), embed(network, data.x_train), threshold, model.config.metric


def classifier_baseline(model: TrainedModel, data: MnistData):
    """The softmax classifier of ``model``'s config, trained on its seen digits; once per model."""
    return _classifier_baseline(model.key, model, data)


@st.cache_resource(max_entries=8, show_spinner=False)
def _classifier_baseline(model_key: str, _model: TrainedModel, _data: MnistData):
    from siamese.evaluation.classifier_baseline import train_classifier_baseline

    return train_classifier_baseline(_model.config, _data)


# ---------------------------------------------------------------- N-way K-shot
def few_shot_accuracy(model: TrainedModel, data: MnistData, *, classes: tuple[int, ...], way: int, shot: int):
    """Mean accuracy of 1,000 seeded episodes of the test digits, with its 95 % interval."""
    return _few_shot_accuracy(model.key, classes, way, shot, model, data)


@st.cache_data(max_entries=64, show_spinner="Running 1,000 episodes…")
def _few_shot_accuracy(model_key: str, classes, way: int, shot: int, _model: TrainedModel, _data: MnistData):
    from siamese.evaluation.few_shot import evaluate_few_shot

    return evaluate_few_shot(
        evaluation(_model, _data).test_embeddings,
        _data.y_test,
        classes=classes,
        n_way=way,
        k_shot=shot,
        metric=_model.config.metric,
    )


def open_set_rule(model: TrainedModel, data: MnistData) -> OpenSetRule:
    """How ``model`` tells a taught symbol, a digit and "none of these" apart (``siamese.search.open_set``).

    Saved with the model when it was made with symbols (the shipped model); otherwise fitted once on the
    calibration symbols (seconds, once its known shapes are ready) and kept on disk for a saved model.
    """
    from siamese.search.open_set import OpenSetRule

    if "open_set" in model.metrics:
        return OpenSetRule.from_dict(model.metrics["open_set"])
    return _open_set_rule(model.key, model, data)


@st.cache_resource(max_entries=16, show_spinner="Fitting the rule for new symbols, on symbols this network never saw…")
def _open_set_rule(model_key: str, _model: TrainedModel, _data: MnistData) -> OpenSetRule:
    from explorer_ui.known_shapes import start as start_known_shapes
    from siamese.data.symbol_classes import Split
    from siamese.data.symbol_corpus import load_symbol_corpus
    from siamese.search.open_set import OpenSetRule, calibrate_model

    def compute() -> dict:
        calibration = load_symbol_corpus(cache_root(), splits=(Split.CALIBRATION,))
        known = start_known_shapes(_model, _data).result()  # under this function's own spinner
        return calibrate_model(_model.embedding_network, _data, _model.config, calibration, known=known).to_dict()

    return OpenSetRule.from_dict(_on_disk(_model, _data, "open-set-with-votes", compute))


def digit_centres(model: TrainedModel, data: MnistData) -> np.ndarray:
    """``(10, D)``: each digit's mean embedding among the training digits (no network needed)."""
    return _digit_centres(model.key, model, data)


@st.cache_resource(max_entries=16, show_spinner=False)
def _digit_centres(model_key: str, _model: TrainedModel, _data: MnistData) -> np.ndarray:
    from siamese.search.open_set import digit_centres as centres

    return centres(reference_embeddings(_model, _data), _data.y_train, metric=_model.config.metric)


def name_drawing(model: TrainedModel, data: MnistData, symbols, drawing: np.ndarray):
    """What the New symbols page answers for one centred drawing ``(28, 28)``: a taught symbol, a digit
    or none of these (``siamese.search.open_set.identify``), from the shared index, rule and centres."""
    from explorer_ui.known_shapes import known_shapes
    from siamese.search.open_set import identify

    index = reference_index(model, data)
    return identify(
        index.embed(drawing),
        symbols,
        model.embed(symbols.images),
        index,
        rule=open_set_rule(model, data),
        centres=digit_centres(model, data),
        known=known_shapes(model, data),
    )


@st.cache_resource(show_spinner=False)
def lesson_shapes() -> SymbolCorpus:
    """A few drawings of a spread of evaluation classes (no network ever trains on them): a second to draw."""
    from siamese.data.symbol_classes import Split, symbol_classes
    from siamese.data.symbol_corpus import make_symbol_corpus

    unseen = [symbol_class for symbol_class in symbol_classes() if symbol_class.split == Split.EVALUATION]
    chosen = tuple(unseen[:: max(1, len(unseen) // LESSON_CLASSES)][:LESSON_CLASSES])
    return make_symbol_corpus(chosen, per_class=LESSON_DRAWINGS, workers=1)


def unseen_placement(model: TrainedModel, data: MnistData) -> Placement:
    """Where ``model`` puts ``lesson_shapes`` among a sample of the training digits (needs the network)."""
    return _unseen_placement(model.key, model, data)


@st.cache_resource(max_entries=8, show_spinner="Showing the network shapes it never saw…")
def _unseen_placement(model_key: str, _model: TrainedModel, _data: MnistData) -> Placement:
    from siamese.evaluation.unseen_shapes import place_unseen

    chosen = sample_positions(len(_data.y_train), MAP_SAMPLE_SIZE)
    digits = reference_embeddings(_model, _data)[chosen]
    shapes = _model.embed(lesson_shapes().images)
    return place_unseen(digits, _data.y_train[chosen], shapes, metric=_model.config.metric)


@st.cache_resource(show_spinner="Drawing the symbol corpus (once; about a minute the first time, then from disk)…")
def symbol_corpus() -> SymbolCorpus:
    """The whole symbol corpus, shared by every session: from the cache folder, or drawn there once."""
    from siamese.data.symbol_corpus import load_symbol_corpus

    return load_symbol_corpus(cache_root())


@st.cache_data(max_entries=32, show_spinner=False)
def symbol_examples(family: str, count: int) -> SymbolCorpus:
    """The drawings the corpus makes of a family's first ``count`` classes (a fraction of a second, no corpus)."""
    from siamese.data.symbol_classes import symbol_classes
    from siamese.data.symbol_corpus import make_symbol_corpus

    classes = tuple(symbol_class for symbol_class in symbol_classes() if symbol_class.family == family)[:count]
    return make_symbol_corpus(classes, workers=1)
