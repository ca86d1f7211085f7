"""Train a Siamese network with ``model.fit`` and report progress as it goes.

``train(config, data, callbacks=..., stop=...)`` is all a notebook, the CLI or
the app needs. Progress arrives through ``TrainingCallback`` objects: once per
batch (running loss, time left) and once per epoch (losses, validation pair
accuracy, the embedding network itself for live snapshots). A ``StopRequest``
set from another thread ends training after the current batch and keeps the
partly trained model and its history.
"""

import enum
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import keras
import numpy as np

from siamese.config import TrainingConfig
from siamese.data.batches import TrainingBatches, ValidationBatches
from siamese.data.mnist import MnistData, split_validation
from siamese.data.pairs import make_pairs
from siamese.data.symbol_corpus import SymbolCorpus
from siamese.distances import paired_distances
from siamese.evaluation.pair_metrics import best_threshold
from siamese.networks.losses import loss_for
from siamese.networks.models import build_embedding_network, build_training_model, embed
from siamese.training.history import EpochRecord, TrainingHistory
from siamese.training.tensorflow_internals import gradient_registry


class TrainingStatus(enum.StrEnum):
    """How a training run ended; the value is what ``metrics.json`` stores."""

    COMPLETED = "completed"
    STOPPED = "stopped"  # a stop request: the partly trained model is kept
    NAN_LOSS = "nan_loss"  # the loss became NaN: the last good epoch's weights are kept


@dataclass(frozen=True, kw_only=True)
class TrainingPlan:
    """What is about to happen, for progress bars; ``history`` fills in as training runs."""

    config: TrainingConfig
    epochs: int
    steps_per_epoch: int
    train_size: int
    validation_size: int
    history: "TrainingHistory"


@dataclass(frozen=True, kw_only=True)
class BatchProgress:
    """After one batch: ``epoch`` and ``batch`` count from 1; ``loss`` is the epoch's running mean."""

    epoch: int
    batch: int
    epochs: int
    steps_per_epoch: int
    loss: float
    elapsed_seconds: float

    @property
    def fraction_done(self) -> float:
        return ((self.epoch - 1) * self.steps_per_epoch + self.batch) / (self.epochs * self.steps_per_epoch)

    @property
    def seconds_left(self) -> float:
        return self.elapsed_seconds * (1.0 - self.fraction_done) / max(self.fraction_done, 1e-9)


@dataclass(kw_only=True)
class TrainingResult:
    """The trained embedding network and how training went.

    ``status`` says how it ended and ``message`` says it in a sentence. ``threshold`` is the
    same/different distance threshold chosen on the validation pairs.
    """

    embedding_network: keras.Model
    config: TrainingConfig
    history: TrainingHistory
    status: TrainingStatus
    message: str
    threshold: float
    validation_pair_accuracy: float
    seconds: float
    data_description: str = ""

    def metrics(self) -> dict:
        """The figures saved as ``metrics.json``."""
        return {
            "status": self.status.value,
            "threshold": self.threshold,
            "validation_pair_accuracy": self.validation_pair_accuracy,
            "epochs_completed": len(self.history.epochs),
            "training_seconds": self.seconds,
            "data": self.data_description,
        }


class TrainingCallback:
    """Override what you need; every method is called on the training thread."""

    def on_train_begin(self, plan: TrainingPlan, embedding_network: keras.Model) -> None:
        """Before the first batch (the network is still untrained)."""

    def on_batch_end(self, progress: BatchProgress) -> None:
        """After every batch."""

    def on_epoch_end(self, record: EpochRecord, embedding_network: keras.Model) -> None:
        """After every epoch, with validation figures."""

    def on_train_end(self, result: TrainingResult) -> None:
        """Once, whatever the outcome."""


class StopRequest:
    """Thread-safe flag: ``request()`` from anywhere, training stops after the current batch."""

    def __init__(self):
        self._event = threading.Event()

    def request(self) -> None:
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()


class _KerasBridge(keras.callbacks.Callback):
    """Forwards Keras' per-batch logs to our callbacks and ends ``fit`` on a stop or a NaN."""

    def __init__(self, run: "_Run"):
        super().__init__()
        self.run = run
        self.epoch = 0

    def on_train_batch_end(self, batch, logs=None):
        loss = float(logs["loss"])
        self.run.history.batch_losses.append(loss)
        self.run.history.batch_epochs.append(self.epoch)
        if not math.isfinite(loss):
            self.run.nan_at = (self.epoch, batch + 1)
            self.model.stop_training = True
            return
        progress = BatchProgress(
            epoch=self.epoch,
            batch=batch + 1,
            epochs=self.run.plan.epochs,
            steps_per_epoch=self.run.plan.steps_per_epoch,
            loss=loss,
            elapsed_seconds=self.run.elapsed(),
        )
        for callback in self.run.callbacks:
            callback.on_batch_end(progress)
        if self.run.stop.requested:
            self.model.stop_training = True


@dataclass
class _Run:
    """The mutable state of one ``train`` call."""

    plan: TrainingPlan
    callbacks: tuple
    stop: StopRequest
    started: float = field(default_factory=time.perf_counter)
    history: TrainingHistory = field(default_factory=TrainingHistory)
    nan_at: tuple[int, int] | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def train(
    config: TrainingConfig,
    data: MnistData,
    *,
    callbacks=(),
    stop: StopRequest | None = None,
    symbols: SymbolCorpus | None = None,
) -> TrainingResult:
    """Train an embedding network on ``data.x_train`` as ``config`` says.

    With ``config.with_symbols`` the background classes of ``symbols`` (default: the packaged corpus,
    ``symbol_corpus.load_symbol_corpus``) are trained on too, labelled after the digits.

    Raises
    ------
    ValueError
        When the data cannot support the config (e.g. a batch larger than the training set).
    """
    x_fit, y_fit, x_validation, y_validation = training_split(config, data)
    if config.with_symbols:
        x_fit, y_fit = with_background_symbols(x_fit, y_fit, symbols)
    _check_sizes(config, len(y_fit))
    embedding_network = build_embedding_network(config)
    model = build_training_model(embedding_network, config)
    steps_per_epoch = len(TrainingBatches(x_fit, y_fit, config, epoch=1))
    model.compile(optimizer=_optimizer(config, total_steps=config.epochs * steps_per_epoch), loss=loss_for(config))
    validation_pairs = make_pairs(y_validation, seed=config.seed + 1)
    validation_data = ValidationBatches(x_validation, y_validation, validation_pairs, config)
    history = TrainingHistory()
    plan = TrainingPlan(
        config=config,
        epochs=config.epochs,
        steps_per_epoch=steps_per_epoch,
        train_size=len(y_fit),
        validation_size=len(y_validation),
        history=history,
    )
    run = _Run(plan, tuple(callbacks), stop or StopRequest(), history=history)
    bridge = _KerasBridge(run)
    for callback in run.callbacks:
        callback.on_train_begin(plan, embedding_network)

    good_weights = model.get_weights()
    best = ((-math.inf, -math.inf), good_weights)  # (validation pair accuracy, -validation loss), weights
    with _nothing_kept_after_training(validation_data):
        for epoch in range(1, config.epochs + 1):
            bridge.epoch = epoch
            epoch_started = time.perf_counter()
            batches = TrainingBatches(x_fit, y_fit, config, epoch=epoch)
            try:
                fit_history = model.fit(batches, epochs=1, verbose=0, callbacks=[bridge])
            finally:
                batches.release()
            if run.nan_at or run.stop.requested:
                break
            threshold, accuracy = _validation_threshold(embedding_network, x_validation, validation_pairs, config)
            record = EpochRecord(
                epoch=epoch,
                train_loss=float(fit_history.history["loss"][-1]),
                validation_loss=float(model.evaluate(validation_data, verbose=0)),
                validation_pair_accuracy=accuracy,
                threshold=threshold,
                seconds=time.perf_counter() - epoch_started,
            )
            if not math.isfinite(record.validation_loss):
                run.nan_at = (epoch, steps_per_epoch)
                break
            run.history.epochs.append(record)
            good_weights = model.get_weights()
            # The best epoch is the one whose same/different calls are best: the figure the user is shown.
            # The loss breaks ties, and a triplet loss can fall while the pair calls get worse.
            score = (record.validation_pair_accuracy, -record.validation_loss)
            if score > best[0]:
                best = (score, good_weights)
            for callback in run.callbacks:
                callback.on_epoch_end(record, embedding_network)
            if run.stop.requested:
                break

    status, message = _outcome(run, config)
    if status == TrainingStatus.NAN_LOSS:
        model.set_weights(good_weights)
    elif config.restore_best_weights and run.history.epochs and best[1] is not good_weights:
        model.set_weights(best[1])
    threshold, accuracy = _validation_threshold(embedding_network, x_validation, validation_pairs, config)
    result = TrainingResult(
        embedding_network=embedding_network,
        config=config,
        history=run.history,
        status=status,
        message=message,
        threshold=threshold,
        validation_pair_accuracy=accuracy,
        seconds=run.elapsed(),
        data_description=data.description,
    )
    for callback in run.callbacks:
        callback.on_train_end(result)
    return result


@contextmanager
def _nothing_kept_after_training(validation_data: ValidationBatches):
    """Undo what TensorFlow keeps of a training for the life of the process.

    - Each trace of Keras's train step registers a ``CustomGradient-<n>`` function for the
      optimizer's gradient all-reduce in TensorFlow's global gradient registry, which is
      never emptied, and that function holds the whole traced step: about 12 MB per MLP
      training (tensorflow/tensorflow#80895). It is only looked up to differentiate through
      an optimizer update, which nothing does, so the ones registered meanwhile are dropped
      (another session's training, if one ran meanwhile, has no use for its ones either).
    - The validation batches are released (see ``release``).
    """
    registry = gradient_registry()
    registered_before = set(registry)
    try:
        yield
    finally:
        validation_data.release()
        for name in set(registry) - registered_before:
            if name.startswith("CustomGradient-"):
                registry.pop(name, None)


def _check_sizes(config: TrainingConfig, train_size: int) -> None:
    if config.batch_size > train_size:
        raise ValueError(
            f"batch size {config.batch_size} is larger than the {train_size} training images; choose a smaller one"
        )


def _optimizer(config: TrainingConfig, *, total_steps: int) -> keras.optimizers.Optimizer:
    optimizers = {
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
    }
    learning_rate = config.learning_rate
    if config.learning_rate_schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=max(total_steps, 1))
    return optimizers[config.optimizer](learning_rate=learning_rate)


def training_split(config: TrainingConfig, data: MnistData) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_fit, y_fit, x_validation, y_validation)``: the seeded validation split, held-out digits removed from both.

    Training and threshold choice only ever see these, so no pair, triplet or batch holds a held-out digit.
    """
    x_fit, y_fit, x_validation, y_validation = split_validation(
        data.x_train, data.y_train, fraction=config.validation_fraction, seed=config.seed
    )
    if config.held_out_digits:
        keep_fit = ~np.isin(y_fit, config.held_out_digits)
        keep_validation = ~np.isin(y_validation, config.held_out_digits)
        x_fit, y_fit = x_fit[keep_fit], y_fit[keep_fit]
        x_validation, y_validation = x_validation[keep_validation], y_validation[keep_validation]
    return x_fit, y_fit, x_validation, y_validation


def with_background_symbols(
    x_fit: np.ndarray, y_fit: np.ndarray, symbols: SymbolCorpus | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The training digits and the corpus's background symbols, labelled ``symbol_label_offset() + class``.

    Only ``Split.BACKGROUND`` classes: evaluation and calibration classes never reach a batch.
    """
    from siamese.data.symbol_classes import Split
    from siamese.data.symbol_corpus import load_symbol_corpus, symbol_label_offset

    background = (symbols if symbols is not None else load_symbol_corpus()).only(Split.BACKGROUND)
    images = np.concatenate([x_fit, background.images.astype(x_fit.dtype, copy=False)])
    return images, np.concatenate([y_fit, background.labels + symbol_label_offset()])


def choose_threshold(embedding_network, data: MnistData, config: TrainingConfig) -> tuple[float, float]:
    """The best same/different threshold on the validation split ``config`` defines, and its accuracy.

    For models trained elsewhere (an uploaded ``.keras``): the same split and pairs ``train`` uses.
    """
    _, _, x_validation, y_validation = training_split(config, data)
    pairs = make_pairs(y_validation, seed=config.seed + 1)
    return _validation_threshold(embedding_network, x_validation, pairs, config)


def _validation_threshold(embedding_network, x_validation, pairs, config) -> tuple[float, float]:
    """The distance threshold that best separates the validation pairs, and its accuracy."""
    embeddings = embed(embedding_network, x_validation)
    if not np.isfinite(embeddings).all():
        return math.nan, math.nan
    distances = paired_distances(embeddings[pairs.left], embeddings[pairs.right], metric=config.metric)
    threshold, accuracy = best_threshold(distances, pairs.labels)
    return float(threshold), float(accuracy)


def _outcome(run: _Run, config: TrainingConfig) -> tuple[TrainingStatus, str]:
    done = len(run.history.epochs)
    if run.nan_at:
        epoch, batch = run.nan_at
        kept = (
            f"Kept the weights from the last good epoch ({done} completed)."
            if done
            else "No epoch finished before that, so nothing usable was learned."
        )
        return TrainingStatus.NAN_LOSS, (
            f"The loss became NaN at epoch {epoch}, batch {batch}: the learning rate {config.learning_rate:g} "
            f"is probably too high. {kept}"
        )
    if run.stop.requested:
        return (
            TrainingStatus.STOPPED,
            f"Stopped on request after {len(run.history.batch_losses)} batches ({done} full epochs).",
        )
    return TrainingStatus.COMPLETED, f"Trained {done} epochs in {run.elapsed():.1f} s."
