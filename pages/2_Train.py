"""Train: pick hyperparameters, watch the loss fall and the clusters form, stop at any time."""

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer_ui import DIGIT_COLOURS, ModelEntry, page_setup, training_gate
from siamese.config import (
    ARCHITECTURES,
    LEARNING_RATE_SCHEDULES,
    LOSSES,
    OPTIMIZERS,
    PAIR_MINING,
    PRESET_DESCRIPTIONS,
    PRESETS,
    TrainingConfig,
)

data = page_setup("Train")

# TensorFlow loads here, after the page frame is on screen.
from siamese.snapshots import EmbeddingSnapshots  # noqa: E402
from siamese.storage import archive_bytes, load_archive, load_embedding_network, save_result  # noqa: E402
from siamese.training import STOPPED, TrainingCallback, choose_threshold, train  # noqa: E402

REDRAW_SECONDS = 0.4  # chart redraws are also when a Stop click is noticed
SNAPSHOT_SIZE = 600

st.title("Train a Siamese network")
st.caption(
    "Each step shows the network a batch of digits, measures how far apart their embeddings are, and nudges "
    "the weights so that same-digit pairs move closer and different-digit pairs move apart."
)

FIELDS = {  # widget key -> (label, help)
    "architecture": ("Network", "mlp: the classic 784→512→256→D stack. cnn: a small convolutional network."),
    "embedding_dim": ("Embedding size D", "How many numbers describe each digit."),
    "normalize_embeddings": (
        "Unit-length embeddings",
        "Scale every embedding to length 1 (points on a sphere).",
    ),
    "loss": (
        "Loss",
        "contrastive: pull same pairs together, push different pairs a margin apart. "
        "triplet: an anchor must be closer to a positive than to a negative by the margin. "
        "cosine_bce: classify pairs from their cosine similarity.",
    ),
    "margin": ("Margin", "How far apart different digits must be before the loss stops pushing them."),
    "distance": ("Distance", "How closeness is measured. cosine_bce needs cosine."),
    "pair_mining": (
        "Pairs",
        "fixed: pairs made once. fresh: new pairs every epoch. "
        "online: every image embedded once per batch and all in-batch pairs scored (fastest).",
    ),
    "pairs_per_image": (
        "Pairs per image",
        "Positive and negative pairs made per training image (fixed/fresh).",
    ),
    "optimizer": ("Optimizer", "How the weights are updated."),
    "learning_rate": ("Learning rate", "Step size. Too high and the loss explodes to NaN."),
    "learning_rate_schedule": ("Learning-rate schedule", "constant, or cosine: glide down to 0 by the last step."),
    "augment_shift": ("Random shift (px)", "Move each training image by up to this many pixels: more variety."),
    "batch_size": ("Batch size", "Images (or pairs) per step."),
    "epochs": ("Epochs", "Passes over the training digits."),
    "restore_best_weights": ("Keep the best epoch", "End with the epoch of lowest validation loss."),
    "seed": ("Seed", "Same seed, same run."),
}


def _apply_preset(name: str) -> None:
    for key, value in PRESETS[name].to_dict().items():
        st.session_state[f"train_{key}"] = value


if "train_architecture" not in st.session_state:
    _apply_preset("quick")

# ---------------------------------------------------------------- settings
st.subheader("1 · Choose the settings")
preset_columns = st.columns(len(PRESETS))
for column, name in zip(preset_columns, PRESETS, strict=True):
    column.button(
        f"Preset: {name}",
        on_click=_apply_preset,
        args=(name,),
        width="stretch",
        help=PRESET_DESCRIPTIONS[name],
    )

with st.expander("All hyperparameters", expanded=False):
    columns = st.columns(4)
    choices = {
        "architecture": ARCHITECTURES,
        "loss": LOSSES,
        "distance": ("euclidean", "cosine"),
        "pair_mining": PAIR_MINING,
        "optimizer": OPTIMIZERS,
        "learning_rate_schedule": LEARNING_RATE_SCHEDULES,
    }
    for index, (name, (label, help_text)) in enumerate(FIELDS.items()):
        column = columns[index % 4]
        key = f"train_{name}"
        if name in choices:
            column.selectbox(label, choices[name], key=key, help=help_text)
        elif name in ("normalize_embeddings", "restore_best_weights"):
            column.checkbox(label, key=key, help=help_text)
        elif name in ("margin", "learning_rate"):
            column.number_input(label, key=key, help=help_text, format="%g", step=None)
        else:
            column.number_input(label, key=key, help=help_text, step=1)


def _config_from_widgets() -> TrainingConfig | None:
    values = {name: st.session_state[f"train_{name}"] for name in FIELDS}
    values["validation_fraction"] = PRESETS["quick"].validation_fraction
    try:
        return TrainingConfig(**values)
    except (TypeError, ValueError) as error:
        st.error(f"These settings can't be trained: {error}.")
        return None


config = _config_from_widgets()
if config is not None:
    st.caption(
        f"{config.architecture.upper()} · D={config.embedding_dim} · {config.loss} (margin {config.margin:g}) · "
        f"{config.distance} · {config.pair_mining} pairs · {config.optimizer} lr {config.learning_rate:g} · "
        f"batch {config.batch_size} · {config.epochs} epochs · on {data.description}"
    )


# ---------------------------------------------------------------- live view
@dataclass
class RunRecord:
    """One training run of this session, kept for comparison."""

    name: str
    config: TrainingConfig
    history: object
    status: str
    message: str
    threshold: float
    validation_pair_accuracy: float
    entry: ModelEntry | None = None
    snapshots: list = field(default_factory=list)
    steps_per_epoch: int = 1

    @property
    def fraction_done(self) -> float:
        return min(len(self.history.batch_losses) / (self.steps_per_epoch * self.config.epochs), 1.0)


def loss_figure(history, steps_per_epoch: int, epochs: int) -> go.Figure:
    figure = go.Figure()
    if history.batch_losses:
        x = np.arange(1, len(history.batch_losses) + 1) / steps_per_epoch
        figure.add_scatter(
            x=x,
            y=history.batch_losses,
            name="training loss (running, per batch)",
            line={"color": "#94a3b8", "width": 1.5},
        )
    if history.epochs:
        epochs_done = [record.epoch for record in history.epochs]
        figure.add_scatter(
            x=epochs_done,
            y=[r.train_loss for r in history.epochs],
            name="training loss (epoch)",
            mode="lines+markers",
            line={"color": "#4f46e5"},
        )
        figure.add_scatter(
            x=epochs_done,
            y=[r.validation_loss for r in history.epochs],
            name="validation loss",
            mode="lines+markers",
            line={"color": "#f59e0b"},
        )
        figure.add_scatter(
            x=epochs_done,
            y=[r.validation_pair_accuracy for r in history.epochs],
            name="validation pair accuracy",
            mode="lines+markers",
            yaxis="y2",
            line={"color": "#16a34a", "dash": "dot"},
        )
    figure.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "x": 0, "y": -0.25, "yanchor": "top"},
        xaxis={"title": {"text": "epoch", "standoff": 4}, "range": [0, epochs]},
        yaxis={"title": "loss", "rangemode": "tozero"},
        yaxis2={
            "title": "pair accuracy",
            "overlaying": "y",
            "side": "right",
            "range": [0.5, 1.0],
            "tickformat": ".0%",
            "dtick": 0.1,
            "showgrid": False,
        },
        title="Loss and accuracy",
    )
    return figure


def snapshot_figure(snapshot, labels: np.ndarray, extent: float) -> go.Figure:
    figure = go.Figure()
    for digit in range(10):
        chosen = labels == digit
        figure.add_scatter(
            x=snapshot.points[chosen, 0],
            y=snapshot.points[chosen, 1],
            mode="markers",
            name=str(digit),
            marker={"color": DIGIT_COLOURS[digit], "size": 5},
        )
    figure.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title=f"Embedding space after epoch {snapshot.epoch}",
        xaxis={"range": [-extent, extent], "showticklabels": False, "title": "PCA 1"},
        yaxis={"range": [-extent, extent], "showticklabels": False, "title": "PCA 2", "scaleanchor": "x"},
        legend={"title": "digit"},
    )
    return figure


class LiveView(TrainingCallback):
    """Draws progress, the loss chart and the embedding map while ``train`` runs.

    A Stop click, a page switch or a closed tab reach this script as an exception
    raised by Streamlit at our next element update. We catch it there, ask the
    trainer to stop after the current batch (so the partial model and history are
    kept), and re-raise it once ``train`` has returned.
    """

    def __init__(self, stop, sample_labels):
        self.stop = stop
        self.sample_labels = sample_labels
        self.interruption: BaseException | None = None
        self.last_draw = 0.0
        self.progress_bar = st.progress(0.0, text="Starting…")
        chart_column, map_column = st.columns(2)
        self.loss_slot = chart_column.empty()
        self.map_slot = map_column.empty()
        self.snapshots: EmbeddingSnapshots | None = None
        self.redraws = 0
        self.fraction_done = 0.0

    def _draw(self, action) -> None:
        if self.interruption is not None:
            return
        try:
            action()
        except Exception:
            raise
        except BaseException as interruption:  # Streamlit's rerun / stop requests
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
        fraction = 1.0 if result.status == "completed" else self.fraction_done
        self._draw(lambda: self.progress_bar.progress(fraction, text=result.message))
        self._draw(self._draw_loss)

    def _draw_loss(self):
        # Every redraw needs its own key: Streamlit refuses two identical charts in one run.
        self.redraws += 1
        figure = loss_figure(self.history, self.plan.steps_per_epoch, self.plan.epochs)
        self.loss_slot.plotly_chart(figure, width="stretch", key=f"live_loss_{self.redraws}")

    def show_snapshot(self, snapshot):
        def draw():
            self.redraws += 1
            figure = snapshot_figure(snapshot, self.sample_labels, self.snapshots.extent())
            self.map_slot.plotly_chart(figure, width="stretch", key=f"live_map_{self.redraws}")

        self._draw(draw)


def _snapshot_sample(size: int) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, seeded sample of test digits: the same points every epoch and every run."""
    chosen = np.random.default_rng(0).choice(len(data.y_test), size=min(size, len(data.y_test)), replace=False)
    return data.x_test[chosen], data.y_test[chosen]


def run_training(config: TrainingConfig) -> None:
    from siamese.training import StopRequest

    stop = StopRequest()
    images, labels = _snapshot_sample(SNAPSHOT_SIZE)
    view = LiveView(stop, labels)
    snapshots = EmbeddingSnapshots(images, labels, on_snapshot=view.show_snapshot)
    view.snapshots = snapshots

    with training_gate():
        try:
            result = train(config, data, callbacks=[view, snapshots], stop=stop)
        except ValueError as error:
            st.error(f"Training could not start: {error}")
            return
    _record(result, snapshots, view.plan.steps_per_epoch)
    if view.interruption is not None:
        raise view.interruption
    st.rerun()  # redraw the page once, with the finished run in the results section below


def _record(result, snapshots, steps_per_epoch: int) -> None:
    runs = st.session_state.setdefault("runs", [])
    name = f"run {len(runs) + 1} · {result.config.architecture} · {result.config.loss}"
    usable = result.history.epochs or result.status == STOPPED
    entry = None
    if usable:
        entry = ModelEntry(
            f"{name} (this session)",
            result.embedding_network,
            result.config,
            result.threshold,
            result.history,
            origin="trained",
        )
        st.session_state["model"] = entry
    runs.append(
        RunRecord(
            name,
            result.config,
            result.history,
            result.status,
            result.message,
            result.threshold,
            result.validation_pair_accuracy,
            entry,
            snapshots.snapshots,
            steps_per_epoch,
        )
    )


# ---------------------------------------------------------------- train / stop
st.subheader("2 · Train")
train_column, stop_column, _ = st.columns([1, 1, 4])
start = train_column.button("Train", type="primary", disabled=config is None, width="stretch")
stop_column.button("Stop", width="stretch", help="Ends training after the current batch; keeps the model.")
if start and config is not None:
    run_training(config)


def show_latest(latest: RunRecord) -> None:
    st.progress(latest.fraction_done, text=f"{latest.name}: {latest.message}")
    if latest.status == STOPPED:
        st.warning(f"{latest.name}: {latest.message} The partly trained model is kept and in use.")
    elif latest.status != "completed":
        st.error(f"{latest.name}: {latest.message}")
    if latest.history.epochs:
        st.metric(
            "Validation pair accuracy",
            f"{latest.validation_pair_accuracy:.1%}",
            help=f"Same/different calls on held-out pairs at distance threshold {latest.threshold:.3f}.",
        )
    chart_column, map_column = st.columns(2)
    figure = loss_figure(latest.history, latest.steps_per_epoch, latest.config.epochs)
    chart_column.plotly_chart(figure, width="stretch")
    if latest.snapshots:
        labels = _snapshot_sample(SNAPSHOT_SIZE)[1]
        extent = max(float(np.abs(s.points).max()) for s in latest.snapshots) * 1.05
        shown = map_column.select_slider(
            "Embedding space after epoch",
            [s.epoch for s in latest.snapshots],
            value=latest.snapshots[-1].epoch,
        )
        snapshot = next(s for s in latest.snapshots if s.epoch == shown)
        map_column.plotly_chart(snapshot_figure(snapshot, labels, extent), width="stretch")


runs = st.session_state.get("runs", [])
if runs:
    show_latest(runs[-1])
else:
    st.info("Press **Train** to start. The quick preset trains in seconds on the offline digits.")

# ---------------------------------------------------------------- compare runs
if len(runs) > 1:
    st.subheader("3 · Compare your runs")
    comparison = go.Figure()
    for number, run in enumerate(runs):
        if run.history.epochs:
            epochs_done = [record.epoch for record in run.history.epochs]
            accuracy = [record.validation_pair_accuracy for record in run.history.epochs]
            comparison.add_scatter(
                x=epochs_done,
                y=accuracy,
                mode="lines+markers",
                name=run.name,
                line={"color": DIGIT_COLOURS[number % 10]},
            )
    comparison.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title="Validation pair accuracy",
        xaxis={"title": "epoch"},
        yaxis={"title": "pair accuracy"},
    )
    st.plotly_chart(comparison, width="stretch")
    table = [
        {
            "run": run.name,
            "status": run.status,
            "epochs": len(run.history.epochs),
            "validation pair accuracy": round(run.validation_pair_accuracy, 4),
            "loss": run.config.loss,
            "network": run.config.architecture,
            "learning rate": run.config.learning_rate,
            "batch": run.config.batch_size,
        }
        for run in runs
    ]
    st.dataframe(table, hide_index=True, width="stretch")
    usable = [run for run in runs if run.entry is not None]
    if usable:
        names = [run.name for run in usable]
        current = st.session_state.get("model")
        index = next((i for i, run in enumerate(usable) if run.entry is current), len(usable) - 1)
        chosen = st.selectbox("Model used by the other pages", names, index=index)
        st.session_state["model"] = usable[names.index(chosen)].entry

# ---------------------------------------------------------------- keep the model
st.subheader("Keep this model")
model = st.session_state.get("model")
if model is not None and model.origin == "trained":
    summary_lines: list[str] = []
    model.embedding_network.summary(print_fn=summary_lines.append)
    with st.expander("Model summary"):
        st.code("\n".join(summary_lines), language=None)


@st.cache_data(max_entries=8, show_spinner="Packing the model…")
def _model_zip(model_key: str, _model: ModelEntry) -> bytes:
    from siamese.training import TrainingResult

    result = TrainingResult(
        _model.embedding_network,
        _model.config,
        _model.history,
        "completed",
        "",
        _model.threshold,
        float("nan"),
        0.0,
        data.description,
    )
    with tempfile.TemporaryDirectory() as folder:
        return archive_bytes(save_result(result, f"{folder}/model"))


if model is not None and model.history is not None:
    st.download_button(
        "Download the model (.zip)",
        _model_zip(model.key, model),
        file_name="siamese-model.zip",
        mime="application/zip",
        help="embedding.keras with config.json, history.json and "
        "metrics.json. Load it again below, or with `siamese-explorer evaluate --model`.",
    )

upload = st.file_uploader(
    "Use a saved model: a .zip downloaded here, or a bare .keras embedding network", type=["zip", "keras"]
)
if upload is not None and st.session_state.get("uploaded_name") != (upload.name, upload.size):
    try:
        if upload.name.endswith(".zip"):
            saved = load_archive(upload.getvalue())
            entry = ModelEntry(
                f"uploaded {upload.name}",
                saved.embedding_network,
                saved.config,
                saved.threshold,
                saved.history,
                origin="uploaded",
            )
        else:
            with tempfile.NamedTemporaryFile(suffix=".keras") as handle:
                handle.write(upload.getvalue())
                handle.flush()
                try:
                    network = load_embedding_network(handle.name)
                except ValueError as error:  # name the student's file, not the temporary copy
                    raise ValueError(str(error).replace(Path(handle.name).name, upload.name)) from error
            uploaded_config = TrainingConfig(embedding_dim=int(network.output_shape[-1]), normalize_embeddings=False)
            threshold, _ = choose_threshold(network, data, uploaded_config)
            entry = ModelEntry(f"uploaded {upload.name}", network, uploaded_config, threshold, None, origin="uploaded")
    except ValueError as error:
        st.error(f"That file can't be used: {error}")
    else:
        st.session_state["model"] = entry
        st.session_state["uploaded_name"] = (upload.name, upload.size)
        st.success(f"Now using {entry.name} on every page.")
