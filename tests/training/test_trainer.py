"""Real (small) training runs: learning, reporting, stopping, NaN handling."""

import gc
import math
import tracemalloc

import numpy as np
import pytest

from siamese.config import TrainingConfig, preset
from siamese.training.trainer import BatchProgress, StopRequest, TrainingCallback, TrainingStatus, train

pytestmark = pytest.mark.slow


class Recorder(TrainingCallback):
    def __init__(self, stop_after_batches=None, stop=None):
        self.events = []
        self.batches = []
        self.stop_after_batches = stop_after_batches
        self.stop = stop

    def on_train_begin(self, plan, embedding_network):
        self.events.append("begin")
        self.plan = plan

    def on_batch_end(self, progress):
        self.batches.append(progress)
        if self.stop_after_batches and len(self.batches) == self.stop_after_batches:
            self.stop.request()

    def on_epoch_end(self, record, embedding_network):
        self.events.append(f"epoch {record.epoch}")

    def on_train_end(self, result):
        self.events.append(f"end {result.status}")


def test_quick_preset_learns_well_above_chance_on_the_embedded_set(embedded_data):
    recorder = Recorder()
    result = train(preset("quick"), embedded_data, callbacks=[recorder])
    assert result.status == TrainingStatus.COMPLETED
    assert result.validation_pair_accuracy > 0.85  # chance is 0.5: pairs are balanced
    epochs = preset("quick").epochs
    assert recorder.events == ["begin", *[f"epoch {e}" for e in range(1, epochs + 1)], "end completed"]
    assert len(result.history.batch_losses) == epochs * recorder.plan.steps_per_epoch
    assert len(result.history.epochs) == epochs
    assert result.history.epochs[-1].train_loss < result.history.epochs[0].train_loss


def test_batch_progress_counts_up_to_the_whole_run(small_data):
    recorder = Recorder()
    train(TrainingConfig(epochs=2, batch_size=128), small_data, callbacks=[recorder])
    last = recorder.batches[-1]
    assert (last.epoch, last.batch) == (2, recorder.plan.steps_per_epoch)
    assert last.fraction_done == pytest.approx(1.0)
    assert last.seconds_left == pytest.approx(0.0)  # the bar ends at "about 0 s left"
    fractions = [progress.fraction_done for progress in recorder.batches]
    assert fractions == sorted(fractions) and len(set(fractions)) == len(fractions)


def test_time_left_extrapolates_the_time_per_batch_so_far():
    # Batch 5 of epoch 2 of 4, 10 batches an epoch: 15 of 40 batches took 30 s, so 25 more take 50 s.
    progress = BatchProgress(epoch=2, batch=5, epochs=4, steps_per_epoch=10, loss=0.3, elapsed_seconds=30.0)
    assert progress.fraction_done == pytest.approx(15 / 40)
    assert progress.seconds_left == pytest.approx(50.0)


@pytest.mark.parametrize(
    "changes",
    [
        {"pair_mining": "fixed", "batch_size": 64},
        {"pair_mining": "fresh", "loss": "triplet", "batch_size": 64},
        {"loss": "cosine_bce", "metric": "cosine"},
        {"loss": "triplet", "metric": "cosine", "normalize_embeddings": True},
        {"architecture": "cnn", "normalize_embeddings": True, "embedding_dim": 32},
        {"learning_rate_schedule": "cosine", "augment_shift": 2},
    ],
)
def test_every_loss_and_pair_mining_trains_above_chance(small_data, changes):
    result = train(TrainingConfig(epochs=2, **changes), small_data)
    assert result.status == TrainingStatus.COMPLETED
    assert result.validation_pair_accuracy > 0.6


def test_a_stop_request_ends_training_after_the_current_batch_and_keeps_the_model(small_data):
    stop = StopRequest()
    recorder = Recorder(stop_after_batches=3, stop=stop)
    result = train(TrainingConfig(epochs=5, batch_size=32), small_data, callbacks=[recorder], stop=stop)
    assert result.status == TrainingStatus.STOPPED
    assert len(result.history.batch_losses) == 3
    assert result.history.epochs == []
    assert "Stopped" in result.message
    assert np.isfinite(result.embedding_network.predict(small_data.x_test[:2], verbose=0)).all()


def test_a_nan_loss_stops_with_a_clear_message_and_finite_weights(small_data):
    # Unit-length embeddings bound the loss, so the blow-up needs the raw (unnormalised) outputs.
    config = TrainingConfig(epochs=3, learning_rate=1e12, optimizer="sgd", batch_size=64, normalize_embeddings=False)
    result = train(config, small_data)
    assert result.status == TrainingStatus.NAN_LOSS
    assert "NaN" in result.message and "learning rate" in result.message
    for weights in result.embedding_network.get_weights():
        assert np.isfinite(weights).all()


def test_a_batch_larger_than_the_data_is_refused_before_training(small_data):
    with pytest.raises(ValueError, match="larger than the 1350 training images"):
        train(TrainingConfig(batch_size=5000), small_data)


def test_best_weights_are_restored(small_data):
    result = train(TrainingConfig(epochs=3, restore_best_weights=True, batch_size=128), small_data)
    best = min(result.history.epochs, key=lambda record: record.validation_loss)
    # The threshold is re-chosen on the restored weights; it matches the best epoch's.
    assert result.threshold == pytest.approx(best.threshold, rel=1e-4)
    assert result.validation_pair_accuracy == pytest.approx(best.validation_pair_accuracy)


def test_history_roundtrips_through_a_dict(small_data):
    from siamese.training.history import TrainingHistory

    result = train(TrainingConfig(epochs=1, batch_size=128), small_data)
    again = TrainingHistory.from_dict(result.history.to_dict())
    assert again == result.history
    assert math.isfinite(again.epochs[0].validation_loss)


def test_cosine_schedule_decays_the_learning_rate_to_zero_over_the_planned_steps():
    from siamese.training.trainer import _optimizer

    optimizer = _optimizer(TrainingConfig(learning_rate=0.01, learning_rate_schedule="cosine"), total_steps=10)
    rates = []
    for step in (0, 5, 10):
        optimizer.iterations.assign(step)
        rates.append(float(optimizer.learning_rate))
    assert rates == pytest.approx([0.01, 0.005, 0.0], abs=1e-6)
    constant = _optimizer(TrainingConfig(learning_rate=0.01), total_steps=10)
    constant.iterations.assign(10)
    assert float(constant.learning_rate) == pytest.approx(0.01)


def _live_traced_graphs() -> int:
    from tensorflow.python.framework.func_graph import FuncGraph

    gc.collect()
    return sum(isinstance(candidate, FuncGraph) for candidate in gc.get_objects())


@pytest.mark.parametrize("pair_mining", ["online", "fresh"])
def test_a_finished_training_leaves_no_memory_behind(small_data, pair_mining):
    """A server trains again and again: TensorFlow must not keep each training's graph and images.

    Without ``_nothing_kept_after_training`` and ``release`` every training kept its traced
    step (in TensorFlow's gradient registry) and its copy of the training images (through
    ``from_generator``) for the life of the process: 25 MB per training on 4,000 digits.
    """
    config = TrainingConfig(epochs=2, batch_size=128, pair_mining=pair_mining)
    train(config, small_data)  # the first training fills caches that are meant to stay
    graphs_before = _live_traced_graphs()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = train(config, small_data)
        assert result.status == TrainingStatus.COMPLETED
        del result
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert _live_traced_graphs() == graphs_before
    # The training split alone is 80 % of the images; a few hundred kB of small objects may stay.
    limit = 0.1 * small_data.x_train.nbytes
    assert kept < limit, f"{kept / 1e6:.1f} MB kept after the training (limit {limit / 1e6:.1f} MB)"


def test_choose_threshold_finds_the_threshold_train_reported(small_data):
    """An uploaded copy of a trained network gets its threshold from the same validation pairs ``train`` used."""
    from siamese.training.trainer import choose_threshold

    config = TrainingConfig(epochs=1, batch_size=128, seed=5)
    result = train(config, small_data)
    threshold, accuracy = choose_threshold(result.embedding_network, small_data, config)
    assert threshold == pytest.approx(result.threshold)
    assert accuracy == pytest.approx(result.validation_pair_accuracy)
    other_threshold, _ = choose_threshold(result.embedding_network, small_data, config.replace(seed=6))
    assert other_threshold != pytest.approx(result.threshold, abs=1e-7)  # another split, other pairs


def _digit_coded(data):
    """``data`` with each training image's digit written into its corner pixel, to read batches back."""
    import dataclasses

    images = data.x_train.copy()
    images[:, 0, 0] = (data.y_train + 1) / 10.0
    return dataclasses.replace(data, x_train=images)


@pytest.mark.parametrize(
    "changes",
    [{"pair_mining": "online"}, {"pair_mining": "fixed"}, {"pair_mining": "fresh", "loss": "triplet"}],
    ids=["online", "fixed pairs", "triplets"],
)
def test_no_batch_of_a_whole_epoch_holds_a_held_out_digit(small_data, monkeypatch, changes):
    import siamese.training.trainer
    from siamese.data.batches import TrainingBatches, ValidationBatches

    seen_digits, batches_read = set(), []

    def record(towers):
        for tower in towers if isinstance(towers, tuple) else (towers,):
            seen_digits.update((np.rint(tower[:, 0, 0] * 10) - 1).astype(int).tolist())

    class Recording(TrainingBatches):
        def __getitem__(self, index):
            inputs, targets = super().__getitem__(index)
            batches_read.append(index)
            record(inputs)
            return inputs, targets

    class RecordingValidation(ValidationBatches):
        def __getitem__(self, index):
            inputs, targets = super().__getitem__(index)
            record(inputs)
            return inputs, targets

    monkeypatch.setattr(siamese.training.trainer, "TrainingBatches", Recording)
    monkeypatch.setattr(siamese.training.trainer, "ValidationBatches", RecordingValidation)
    recorder = Recorder()
    config = TrainingConfig(epochs=1, batch_size=64, held_out_digits=(5, 6, 7, 8, 9), **changes)
    result = train(config, _digit_coded(small_data), callbacks=[recorder])

    assert result.status == TrainingStatus.COMPLETED
    assert len(set(batches_read)) == recorder.plan.steps_per_epoch  # the whole epoch was read
    assert seen_digits == {0, 1, 2, 3, 4}
    assert recorder.plan.train_size == pytest.approx(0.9 * np.isin(small_data.y_train, range(5)).sum(), abs=2)


def test_symbols_never_trained_on_reach_no_batch_over_a_full_epoch(small_data, small_symbol_corpus):
    """Every image of an epoch's batches is a digit or a background symbol: no evaluation (Greek, Cyrillic) or
    calibration drawing, pixel for pixel, and every label maps back to a background class."""
    from siamese.data.batches import TrainingBatches
    from siamese.data.symbol_classes import Split
    from siamese.training.trainer import training_split, with_background_symbols

    config = TrainingConfig(batch_size=32).including_symbols()
    x_fit, y_fit, _, _ = training_split(config, small_data)
    images, labels = with_background_symbols(x_fit, y_fit, small_symbol_corpus)
    withheld = small_symbol_corpus.only(Split.EVALUATION, Split.CALIBRATION)
    assert any(c.family == "greek" for c in withheld.classes)
    withheld_pixels = {image.tobytes() for image in withheld.images}
    background = small_symbol_corpus.only(Split.BACKGROUND)
    batches = TrainingBatches(images, labels, config, epoch=1)
    reached = set()
    for number in range(len(batches)):
        inputs, targets = batches[number]
        assert not {image.tobytes() for image in inputs} & withheld_pixels
        symbols = targets[targets >= 10] - 10
        assert symbols.max(initial=0) < len(background.classes)
        reached |= set(symbols.tolist())
    assert reached == set(range(len(background.classes)))  # each background class is trained on


def test_a_network_trains_on_digits_and_symbols_together(small_data, small_symbol_corpus):
    config = TrainingConfig(epochs=1, batch_size=32, embedding_dim=16).including_symbols()
    result = train(config, small_data, symbols=small_symbol_corpus)
    assert result.status == TrainingStatus.COMPLETED and result.validation_pair_accuracy > 0.6
    assert result.embedding_network.output_shape == (None, 16)
    steps = len(result.history.batch_losses)
    assert steps > len(small_data.y_train) * 0.9 // 32  # the symbols add batches to the digits'
