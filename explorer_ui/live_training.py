"""A training run with a live view: progress bar, loss chart and embedding map, redrawn as it trains.

``run_training`` is what the Train page's button calls. A Stop click, a page switch or a closed tab
reach the running script as Streamlit's interruption at the next element update; the view catches
it there, asks the trainer to stop after the current batch (so the partial model and history are
kept), records the run and re-raises the interruption once ``train`` has returned.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from explorer_ui import state
from explorer_ui.caches import sample_positions, symbol_corpus
from explorer_ui.maps import snapshot_figure
from explorer_ui.run_record import RunRecord
from explorer_ui.streamlit_internals import ScriptInterruption
from explorer_ui.training_charts import loss_figure
from explorer_ui.training_gate import training_gate
from siamese.config import TrainingConfig
from siamese.data.mnist import MnistData
from siamese.storage.trained_model import ModelOrigin, TrainedModel
from siamese.training.snapshots import EmbeddingSnapshots, Snapshot
from siamese.training.trainer import StopRequest, TrainingCallback, TrainingResult, TrainingStatus, train

REDRAW_SECONDS = 0.4  # chart redraws are also when a Stop click is noticed
SNAPSHOT_SIZE = 600
CHART_WIDTH = 600  # the live loss chart and map side by side on a laptop, one above the other on a tablet


def snapshot_sample(data: MnistData) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, seeded sample of test digits ``(n, 28, 28)``, ``(n,)``: the same points every epoch and run."""
    chosen = sample_positions(len(data.y_test), SNAPSHOT_SIZE)
    return data.x_test[chosen], data.y_test[chosen]


def run_training(config: TrainingConfig, data: MnistData) -> RunRecord | None:
    """Train with the live view, once a training slot is free; record the run and use its model.

    Returns ``None`` after an on-screen message when training could not start.
    """
    symbols = symbol_corpus() if config.with_symbols else None  # drawn once per server, with a spinner
    stop = StopRequest()
    images, labels = snapshot_sample(data)
    view = _LiveView(stop, labels)
    snapshots = EmbeddingSnapshots(images, labels, on_snapshot=view.show_snapshot)
    view.snapshots = snapshots
    with training_gate():
        try:
            result = train(config, data, callbacks=[view, snapshots], stop=stop, symbols=symbols)
        except ValueError as error:
            st.error(f"Training could not start: {error}")
            return None
    run = _record(result, snapshots.snapshots, labels, view.plan.steps_per_epoch)
    if view.interruption is not None:
        raise view.interruption
    return run


def _record(result: TrainingResult, snapshots: list[Snapshot], labels: np.ndarray, steps_per_epoch: int) -> RunRecord:
    name = f"run {len(state.runs()) + 1} · {result.config.architecture} · {result.config.loss}"
    usable = result.history.epochs or result.status == TrainingStatus.STOPPED
    model = None
    if usable:
        model = TrainedModel.from_result(result, name=f"{name} (this session)", origin=ModelOrigin.TRAINED)
        state.use_model(model)
    run = RunRecord(
        name=name,
        result=result,
        model=model,
        snapshots=snapshots,
        snapshot_labels=labels,
        steps_per_epoch=steps_per_epoch,
    )
    state.add_run(run)
    return run


class _LiveView(TrainingCallback):
    """Draws progress, the loss chart and the embedding map while ``train`` runs."""

    def __init__(self, stop: StopRequest, sample_labels: np.ndarray):
        self.stop = stop
        self.sample_labels = sample_labels
        self.interruption: ScriptInterruption | None = None
        self.last_draw = 0.0
        self.progress_bar = st.progress(0.0, text="Starting…")
        with st.container(horizontal=True, gap="large"):
            self.loss_slot = st.container(width=CHART_WIDTH).empty()
            self.map_slot = st.container(width=CHART_WIDTH).empty()
        self.snapshots: EmbeddingSnapshots | None = None
        self.redraws = 0
        self.fraction_done = 0.0

    def _draw(self, action) -> None:
        if self.interruption is not None:
            return
        try:
            action()
        except ScriptInterruption as interruption:  # Streamlit's rerun / stop requests, nothing else
            self.interruption = interruption
            self.stop.request()

    def on_train_begin(self, plan, embedding_network):
        self.plan, self.history = plan, plan.history

    def on_batch_end(self, progress):
        if time.monotonic() - self.last_draw < REDRAW_SECONDS:
            return
        self.last_draw = time.monotonic()
        self.fraction_done = min(progress.fraction_done, 1.0)
        text = (
            f"Epoch {progress.epoch}/{progress.epochs} · batch {progress.batch}/{progress.steps_per_epoch} · "
            f"loss {progress.loss:.4f} · about {progress.seconds_left:.0f} s left"
        )
        self._draw(lambda: self.progress_bar.progress(self.fraction_done, text=text))
        self._draw(self._draw_loss)

    def on_epoch_end(self, record, embedding_network):
        self._draw(self._draw_loss)

    def on_train_end(self, result):
        fraction = 1.0 if result.status == TrainingStatus.COMPLETED else self.fraction_done
        self._draw(lambda: self.progress_bar.progress(fraction, text=result.message))
        self._draw(self._draw_loss)

    def _draw_loss(self):
        # Every redraw needs its own key: Streamlit refuses two identical charts in one run.
        self.redraws += 1
        figure = loss_figure(self.history, steps_per_epoch=self.plan.steps_per_epoch, epochs=self.plan.epochs)
        self.loss_slot.plotly_chart(figure, width="stretch", key=state.live_chart("loss", self.redraws))

    def show_snapshot(self, snapshot: Snapshot):
        def draw():
            self.redraws += 1
            figure = snapshot_figure(
                snapshot, self.sample_labels, extent=self.snapshots.extent(), held_out=self.plan.config.held_out_digits
            )
            self.map_slot.plotly_chart(figure, width="stretch", key=state.live_chart("map", self.redraws))

        self._draw(draw)
