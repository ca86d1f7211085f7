"""Train: pick hyperparameters, watch the loss fall and the clusters form, stop at any time."""

import streamlit as st

from explorer_ui import state
from explorer_ui.page import page_setup
from explorer_ui.pictures import patch_picture
from siamese.config import (
    ARCHITECTURES,
    LEARNING_RATE_SCHEDULES,
    LOSSES,
    OPTIMIZERS,
    PAIR_MINING,
    PATCH_SIZES,
    POOLINGS,
    PRESET_DESCRIPTIONS,
    PRESETS,
    TOKEN_POOLINGS,
    TrainingConfig,
    preset,
)
from siamese.conventions import METRICS
from siamese.mnist import MnistData

FIELDS = {  # config field -> (label, help)
    "architecture": (
        "Network",
        "mlp: the classic 784→512→256→D stack. cnn: a small convolutional network. vit: a small Vision "
        "Transformer that cuts the digit into patches and lets every patch attend to every other.",
    ),
    "pooling": (
        "CNN pooling",
        "How the CNN's 7×7 grid of features becomes one vector. flatten: keep every position. avg / max: the "
        "mean or the largest value over positions. attention: a learned score says which positions count.",
    ),
    "patch_size": ("ViT patch size (px)", "The ViT's patches: 4 cuts a digit into 7×7 = 49 patches."),
    "transformer_blocks": ("ViT blocks", "How many attention-and-MLP blocks the ViT stacks."),
    "token_pooling": (
        "ViT summary",
        "cls: a learned extra token gathers the picture. mean: the average of all the patch tokens.",
    ),
    "embedding_dim": ("Embedding size D", "How many numbers describe each digit."),
    "normalize_embeddings": (
        "Unit-length embeddings",
        "Scale every embedding to length 1 (points on a sphere).",
    ),
    "loss": (
        "Loss",
        "contrastive: pull same pairs together, push different pairs a margin apart. "
        "triplet: an anchor must be closer to a positive than to a negative by the margin. "
        "cosine_bce: classify pairs from their cosine similarity. "
        "infonce: pick each image's partners out of the whole batch (supervised InfoNCE, as in CLIP).",
    ),
    "margin": ("Margin", "How far apart different digits must be before the loss stops pushing them."),
    "temperature": ("Temperature", "InfoNCE only: lower makes the hardest negatives count more."),
    "metric": ("Distance", "How closeness is measured. cosine_bce needs cosine."),
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
    "augment_rotation": ("Random rotation (°)", "Turn each training image by up to this many degrees."),
    "augment_scale": ("Random resize", "Resize each training image by up to this share, e.g. 0.1 for ±10 %."),
    "augment_shear": ("Random slant", "Slant each training image, as a hand that leans; 0.3 is a strong lean."),
    "augment_thickness": ("Thicker / thinner", "The share of training images drawn a pixel thicker or thinner."),
    "augment_elastic": ("Wobble (px)", "Bend strokes by smooth random displacements of about this many pixels."),
    "batch_size": ("Batch size", "Images (or pairs) per step."),
    "epochs": ("Epochs", "Passes over the training digits."),
    "restore_best_weights": ("Keep the best epoch", "End with the epoch whose validation pairs were called best."),
    "held_out_digits": (
        "Hold out digits",
        "Digits training never shows. Afterwards Evaluate scores them apart: a learned distance can still "
        "tell apart digits it never saw, which a classifier cannot name.",
    ),
    "with_symbols": (
        "Also learn from symbols",
        "Train on over a thousand kinds of letters and signs besides the digits (never Greek or Cyrillic: "
        "those stay unseen). The distance learns what tells shapes apart, so it does better on digits and "
        "symbols it never saw. Needs online pairs; takes about one and a half times as long.",
    ),
    "symbol_share": (
        "Symbols' share of a batch",
        "With symbols: the share of each batch's classes that are symbols, so ten digits do not drown out a "
        "thousand kinds of symbol. 0: as the data comes.",
    ),
    "examples_per_class": (
        "Images per class in a batch",
        "Online pairs only: build each batch from this many images of each of its classes (0: random batches), "
        "so every image has partners of its own class. Learning from symbols uses 4.",
    ),
    "seed": ("Seed", "Same seed, same run."),
}
CHOICES = {
    "architecture": ARCHITECTURES,
    "pooling": POOLINGS,
    "patch_size": PATCH_SIZES,
    "token_pooling": TOKEN_POOLINGS,
    "loss": LOSSES,
    "metric": METRICS,
    "pair_mining": PAIR_MINING,
    "optimizer": OPTIMIZERS,
    "learning_rate_schedule": LEARNING_RATE_SCHEDULES,
}
CHECKBOXES = ("normalize_embeddings", "restore_best_weights", "with_symbols")
DECIMALS = (
    "margin",
    "temperature",
    "symbol_share",
    "learning_rate",
    "augment_rotation",
    "augment_scale",
    "augment_shear",
    "augment_thickness",
    "augment_elastic",
)
SETTING_COLUMNS = 4
CHART_WIDTH = 600  # the loss chart and the map side by side on a laptop, one above the other on a tablet


def apply_preset(name: str, train_size: int) -> None:
    for field, value in preset(name, train_size=train_size).to_dict().items():
        if field in FIELDS:
            state.set_value(state.train_field(field), list(value) if isinstance(value, tuple) else value)


def settings_form(data: MnistData) -> TrainingConfig | None:
    """Preset buttons and a widget per hyperparameter; the config they make, or ``None`` after a message."""
    if not state.has(state.train_field("architecture")):
        apply_preset("quick", len(data.y_train))
    st.subheader("1 · Choose the settings")
    with st.container(horizontal=True):
        for name in PRESETS:
            st.button(
                f"Preset: {name}",
                on_click=apply_preset,
                args=(name, len(data.y_train)),
                help=PRESET_DESCRIPTIONS[name],
            )
    with st.expander("All hyperparameters", expanded=False):
        columns = st.columns(SETTING_COLUMNS)
        for place, (field, (label, help_text)) in enumerate(FIELDS.items()):
            column, key = columns[place % SETTING_COLUMNS], state.train_field(field)
            if field == "held_out_digits":
                column.multiselect(label, list(range(10)), key=key, help=help_text, placeholder="none")
            elif field in CHOICES:
                column.selectbox(label, CHOICES[field], key=key, help=help_text)
            elif field in CHECKBOXES:
                column.checkbox(label, key=key, help=help_text)
            elif field in DECIMALS:
                column.number_input(label, key=key, help=help_text, format="%g", step=None)
            else:
                column.number_input(label, key=key, help=help_text, step=1)
    values = {field: state.value(state.train_field(field)) for field in FIELDS}
    try:
        config = TrainingConfig(**values, validation_fraction=PRESETS["quick"].validation_fraction)
    except (TypeError, ValueError) as error:
        st.error(f"These settings can't be trained: {error}.")
        return None
    return config.including_symbols() if config.with_symbols else config


def show_patches(config: TrainingConfig, data: MnistData) -> None:
    """What a ViT sees: a training digit cut into its patches, each a token."""
    tokens = (28 // config.patch_size) ** 2
    with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
        st.image(patch_picture(data.x_train[0], patch_size=config.patch_size), width=196)
        st.caption(
            f"What the ViT sees: the digit cut into {tokens} patches of {config.patch_size}×{config.patch_size} "
            "pixels. Each becomes a token (a vector), with a learned vector added for where it lies; "
            f"{config.transformer_blocks} attention blocks then let every patch look at every other, and "
            + ("a learned class token gathers them into one vector." if config.token_pooling == "cls"
               else "the average of the tokens is the picture's vector.")
        )  # fmt: skip


def describe(config: TrainingConfig, data: MnistData) -> None:
    held_out = (
        f" · never shown the digits {', '.join(map(str, config.held_out_digits))}" if config.held_out_digits else ""
    )
    held_out += " · with the symbols" if config.with_symbols else ""
    st.caption(
        f"{config.architecture.upper()} · D={config.embedding_dim} · {config.loss} (margin {config.margin:g}) · "
        f"{config.metric} · {config.pair_mining} pairs · {config.optimizer} lr {config.learning_rate:g} · "
        f"batch {config.batch_size} · {config.epochs} epochs · on {data.description}{held_out}"
    )


def train_and_stop_buttons(config: TrainingConfig | None, data: MnistData) -> None:
    st.subheader("2 · Train")
    with st.container(horizontal=True):
        start = st.button("Train", type="primary", disabled=config is None, width=140)
        st.button("Stop", width=140, help="Ends training after the current batch; keeps the model.")
    if start and config is not None:
        from explorer_ui.live_training import run_training  # TensorFlow loads here, after the page is on screen

        if run_training(config, data) is not None:
            st.rerun()  # redraw the page once, with the finished run in the results below


def show_latest(run) -> None:
    """The last run's outcome, its loss chart and its maps epoch by epoch."""
    from explorer_ui.maps import snapshot_figure
    from explorer_ui.training_charts import loss_figure
    from siamese.training import TrainingStatus

    result = run.result
    st.progress(run.fraction_done, text=f"{run.name}: {result.message}")
    if result.status == TrainingStatus.STOPPED:
        st.warning(f"{run.name}: {result.message} The partly trained model is kept and in use.")
    elif result.status != TrainingStatus.COMPLETED:
        st.error(f"{run.name}: {result.message}")
    if result.history.epochs:
        st.metric(
            "Validation pair accuracy",
            f"{result.validation_pair_accuracy:.1%}",
            help=f"Same/different calls on held-out pairs at distance threshold {result.threshold:.3f}.",
        )
    with st.container(horizontal=True, gap="large"):
        with st.container(width=CHART_WIDTH):
            figure = loss_figure(result.history, steps_per_epoch=run.steps_per_epoch, epochs=result.config.epochs)
            st.plotly_chart(figure, width="stretch")
        if run.snapshots:
            with st.container(width=CHART_WIDTH):
                epochs = [snapshot.epoch for snapshot in run.snapshots]
                shown = st.select_slider("Embedding space after epoch", epochs, value=epochs[-1])
                snapshot = run.snapshots[epochs.index(shown)]
                figure = snapshot_figure(
                    snapshot, run.snapshot_labels, extent=run.snapshot_extent, held_out=result.config.held_out_digits
                )
                st.plotly_chart(figure, width="stretch")


def compare_runs(runs: list) -> None:
    """Every run's validation accuracy, a table of their settings, and which one the other pages use."""
    from explorer_ui.training_charts import comparison_figure

    st.subheader("3 · Compare your runs")
    st.plotly_chart(comparison_figure([(run.name, run.result.history) for run in runs]), width="stretch")
    table = [
        {
            "run": run.name,
            "status": run.result.status.value,
            "epochs": len(run.result.history.epochs),
            "validation pair accuracy": round(run.result.validation_pair_accuracy, 4),
            "loss": run.result.config.loss,
            "network": run.result.config.architecture,
            "learning rate": run.result.config.learning_rate,
            "batch": run.result.config.batch_size,
        }
        for run in runs
    ]
    st.dataframe(table, hide_index=True, width="stretch")
    usable = [run for run in runs if run.model is not None]
    if usable:
        names = [run.name for run in usable]
        current = state.session_model()
        chosen = next((place for place, run in enumerate(usable) if run.model is current), len(usable) - 1)
        picked = st.selectbox("Model used by the other pages", names, index=chosen, key=state.MODEL_CHOOSER)
        state.use_model(usable[names.index(picked)].model)


def keep_the_model(data: MnistData) -> None:
    """The model's summary, a download of it, and an upload of a saved one."""
    from explorer_ui.caches import model_zip
    from siamese.models import summary_text
    from siamese.storage import load_upload
    from siamese.trained_model import ModelOrigin

    st.subheader("Keep this model")
    model = state.session_model()
    if model is not None and model.origin == ModelOrigin.TRAINED:
        with st.expander("Model summary"):
            st.code(summary_text(model.embedding_network), language=None)
    if model is not None:
        st.download_button(
            "Download the model (.zip)",
            model_zip(model),
            file_name="siamese-model.zip",
            mime="application/zip",
            help="embedding.keras with config.json, history.json and "
            "metrics.json. Load it again below, or with `siamese-explorer evaluate --model`.",
        )
    upload = st.file_uploader(
        "Use a saved model: a .zip downloaded here, or a bare .keras embedding network", type=["zip", "keras"]
    )
    if upload is None or not state.is_new_upload("model", upload.name, upload.size):
        return
    try:
        uploaded = load_upload(upload.getvalue(), upload.name, data=data)
    except ValueError as error:
        st.error(f"That file can't be used: {error}")
        return
    state.use_model(uploaded)
    state.remember_upload("model", upload.name, upload.size)
    st.success(f"Now using {uploaded.name} on every page.")


def main() -> None:
    data = page_setup("Train")
    st.title("Train a Siamese network")
    st.caption(
        "Each step shows the network a batch of digits, measures how far apart their embeddings are, and nudges "
        "the weights so that same-digit pairs move closer and different-digit pairs move apart."
    )
    config = settings_form(data)
    if config is not None:
        describe(config, data)
        if config.architecture == "vit":
            show_patches(config, data)
    train_and_stop_buttons(config, data)
    runs = state.runs()
    if runs:
        show_latest(runs[-1])
    else:
        st.info("Press **Train** to start. The quick preset trains in seconds on the offline digits.")
    if len(runs) > 1:
        compare_runs(runs)
    keep_the_model(data)


main()
