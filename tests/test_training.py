"""Real (small) training runs: learning, reporting, stopping, NaN handling."""

import gc
import math
import tracemalloc

import numpy as np
import pytest

from siamese.config import TrainingConfig, preset
from siamese.training import COMPLETED, NAN_LOSS, STOPPED, StopRequest, TrainingCallback, train

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
    assert result.status == COMPLETED
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
    assert all(b.seconds_left >= 0 for b in recorder.batches)


@pytest.mark.parametrize(
    "changes",
    [
        {"pair_mining": "fixed", "batch_size": 64},
        {"pair_mining": "fresh", "loss": "triplet", "batch_size": 64},
        {"loss": "cosine_bce", "distance": "cosine"},
        {"loss": "triplet", "distance": "cosine", "normalize_embeddings": True},
        {"architecture": "cnn", "normalize_embeddings": True, "embedding_dim": 32},
        {"learning_rate_schedule": "cosine", "augment_shift": 2},
    ],
)
def test_every_loss_and_pair_mining_trains_above_chance(small_data, changes):
    result = train(TrainingConfig(epochs=2, **changes), small_data)
    assert result.status == COMPLETED
    assert result.validation_pair_accuracy > 0.6


def test_a_stop_request_ends_training_after_the_current_batch_and_keeps_the_model(small_data):
    stop = StopRequest()
    recorder = Recorder(stop_after_batches=3, stop=stop)
    result = train(TrainingConfig(epochs=5, batch_size=32), small_data, callbacks=[recorder], stop=stop)
    assert result.status == STOPPED
    assert len(result.history.batch_losses) == 3
    assert result.history.epochs == []
    assert "Stopped" in result.message
    assert np.isfinite(result.embedding_network.predict(small_data.x_test[:2], verbose=0)).all()


def test_a_nan_loss_stops_with_a_clear_message_and_finite_weights(small_data):
    # Unit-length embeddings bound the loss, so the blow-up needs the raw (unnormalised) outputs.
    config = TrainingConfig(epochs=3, learning_rate=1e12, optimizer="sgd", batch_size=64, normalize_embeddings=False)
    result = train(config, small_data)
    assert result.status == NAN_LOSS
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
    from siamese.training import TrainingHistory

    result = train(TrainingConfig(epochs=1, batch_size=128), small_data)
    again = TrainingHistory.from_dict(result.history.to_dict())
    assert again == result.history
    assert math.isfinite(again.epochs[0].validation_loss)


def test_cosine_schedule_decays_the_learning_rate_to_zero_over_the_planned_steps():
    from siamese.training import _optimizer

    optimizer = _optimizer(TrainingConfig(learning_rate=0.01, learning_rate_schedule="cosine"), total_steps=10)
    rates = []
    for step in (0, 5, 10):
        optimizer.iterations.assign(step)
        rates.append(float(optimizer.learning_rate))
    assert rates == pytest.approx([0.01, 0.005, 0.0], abs=1e-6)
    constant = _optimizer(TrainingConfig(learning_rate=0.01), total_steps=10)
    constant.iterations.assign(10)
    assert float(constant.learning_rate) == pytest.approx(0.01)


@pytest.mark.parametrize("pair_mining", ["online", "fixed"])
def test_augment_shift_moves_training_images_only_and_repeatably(pair_mining):
    from siamese.datasets import TrainingBatches, ValidationBatches
    from siamese.pairs import make_pairs

    generator = np.random.default_rng(0)
    images = np.zeros((64, 28, 28), dtype=np.float32)
    images[:, 8:20, 8:20] = generator.uniform(0.1, 1.0, size=(64, 12, 12))  # a 2 px shift keeps every pixel
    labels = np.repeat(np.arange(8), 8)
    plain_config = TrainingConfig(pair_mining=pair_mining, batch_size=16)
    shifted_config = plain_config.replace(augment_shift=2)
    plain = TrainingBatches(images, labels, plain_config, epoch=1)
    shifted = TrainingBatches(images, labels, shifted_config, epoch=1)
    (x_plain, y_plain), (x_shifted, y_shifted) = plain[0], shifted[0]
    x_plain = x_plain if isinstance(x_plain, tuple) else (x_plain,)
    x_shifted = x_shifted if isinstance(x_shifted, tuple) else (x_shifted,)
    np.testing.assert_array_equal(y_shifted, y_plain)
    for before, after in zip(x_plain, x_shifted, strict=True):
        assert after.shape == before.shape and after.dtype == before.dtype
        np.testing.assert_allclose(after.sum(axis=(1, 2)), before.sum(axis=(1, 2)), rtol=1e-5)
        assert not np.array_equal(after, before)
        for one_before, one_after in zip(before, after, strict=True):
            rows, columns = np.nonzero(one_after)
            top, left = rows.min() - 8, columns.min() - 8
            assert abs(top) <= 2 and abs(left) <= 2
            np.testing.assert_array_equal(np.roll(one_before, (top, left), axis=(0, 1)), one_after)
    again = TrainingBatches(images, labels, shifted_config, epoch=1)[0][0]
    np.testing.assert_array_equal(again if isinstance(again, tuple) else (again,), x_shifted)
    pairs = make_pairs(labels, seed=1)
    validation_plain = ValidationBatches(images, labels, pairs, plain_config)[0][0]
    validation_shifted = ValidationBatches(images, labels, pairs, shifted_config)[0][0]
    np.testing.assert_array_equal(validation_shifted, validation_plain)


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
        assert result.status == COMPLETED
        del result
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert _live_traced_graphs() == graphs_before
    # The training split alone is 80 % of the images; a few hundred kB of small objects may stay.
    limit = 0.1 * small_data.x_train.nbytes
    assert kept < limit, f"{kept / 1e6:.1f} MB kept after the training (limit {limit / 1e6:.1f} MB)"
