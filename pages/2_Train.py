"""Train: pick hyperparameters, watch the loss fall and the clusters form, stop at any time."""

import streamlit as st

from explorer_ui import state
from explorer_ui.page import page_setup
from explorer_ui.pictures import patch_picture
from siamese.config import PRESET_DESCRIPTIONS, PRESETS, SETTINGS, TrainingConfig, preset
from siamese.data.mnist import MnistData

SHOWN = [setting for setting in SETTINGS if setting.shown]  # label, help and choices: the config's own
SETTING_COLUMNS = 4
CHART_WIDTH = 600  # the loss chart and the map side by side on a laptop, one above the other on a tablet


def apply_preset(name: str, train_size: int) -> None:
    values = preset(name, train_size=train_size).to_dict()
    for setting in SHOWN:
        value = values[setting.name]
        state.set_value(state.train_field(setting.name), list(value) if isinstance(value, tuple) else value)


def setting_widget(column, setting) -> None:
    """The widget of one hyperparameter: its kind follows the setting's default and choices."""
    key, label, help_text = state.train_field(setting.name), setting.label, setting.help
    if setting.name == "held_out_digits":
        column.multiselect(label, list(range(10)), key=key, help=help_text, placeholder="none")
    elif setting.choices is not None:
        column.selectbox(label, setting.choices, key=key, help=help_text)
    elif isinstance(setting.default, bool):
        column.checkbox(label, key=key, help=help_text)
    elif isinstance(setting.default, float):
        column.number_input(label, key=key, help=help_text, format="%g", step=None)
    else:
        column.number_input(label, key=key, help=help_text, step=1)


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
        for place, setting in enumerate(SHOWN):
            setting_widget(columns[place % SETTING_COLUMNS], setting)
    values = {setting.name: state.value(state.train_field(setting.name)) for setting in SHOWN}
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
        f"{config.architecture.upper()} · D={config.embedding_dim} · {config.loss_with_setting} · "
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
    from siamese.training.trainer import TrainingStatus

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
    from siamese.networks.models import summary_text
    from siamese.storage.model_folders import load_upload
    from siamese.storage.trained_model import ModelOrigin

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
