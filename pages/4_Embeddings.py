"""Embeddings: maps of where the model puts each test digit, beside the same map of the raw pixels.

Projections, retrieval scores and the Projector export all come from ``siamese``; this page caches them
and lays them out.
"""

from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explorer_ui import DIGIT_COLOURS, ModelEntry, active_model, digit_picture, model_evaluation_or_stop, page_setup
from siamese.conventions import NUM_CLASSES
from siamese.data import MnistData
from siamese.evaluation import RetrievalMetrics, retrieval_metrics
from siamese.export import MAX_POINTS, projector_zip
from siamese.model_evaluation import ModelEvaluation
from siamese.projection import fit_pca, tsne

PCA = "PCA"
TSNE = "t-SNE"
DIMENSIONS = {"2-D": 2, "3-D": 3}
SAMPLE_SIZES = (300, 500, 1000, 2000, 5000, 10000)
DEFAULT_SAMPLE_SIZE = 2000  # t-SNE on 2,000 points takes seconds; on 10,000 it takes minutes
SAMPLE_SEED = 0
METHOD_NOTES = {
    PCA: "PCA, which keeps the directions along which the dots spread most: faithful, but crowded.",
    TSNE: "t-SNE, which keeps each dot near its neighbours: clusters show well, but gaps between them mean little.",
}
PROJECTOR_POINTS = 2000
SHOWN_DIGIT_KEY = "shown_test_digit"
MODEL_CHART_KEY = "model_map"
PIXEL_CHART_KEY = "pixel_map"


# ---------------------------------------------------------------- cached computations
@st.cache_data(max_entries=64, show_spinner=False)
def projection(source_key: str, method: str, dimensions: int, sample_size: int, _features: np.ndarray):
    """``(n, dimensions) float32`` map of ``_features``.

    ``source_key`` names the model or data set and ``sample_size`` fixes the seeded sample, so together they
    stand for ``_features`` in the cache key without hashing it.
    """
    if method == TSNE:
        return tsne(_features, n_components=dimensions, seed=SAMPLE_SEED)
    return fit_pca(_features, n_components=dimensions, seed=SAMPLE_SEED).points


@st.cache_data(max_entries=4, show_spinner=False)
def pixel_retrieval(data_key: str, k: int, _data: MnistData) -> RetrievalMetrics:
    """Retrieval scores of the raw pixels: slow on full MNIST, so kept for the whole server, per data set."""
    return retrieval_metrics(
        _data.x_test.reshape(len(_data.x_test), -1),
        _data.y_test,
        _data.x_train.reshape(len(_data.x_train), -1),
        _data.y_train,
        k=k,
        metric="euclidean",
    )


@st.cache_data(max_entries=8, show_spinner="Packing the embeddings for the Projector…")
def projector_bytes(model_key: str, _evaluation: ModelEvaluation, _data: MnistData) -> bytes:
    count = min(PROJECTOR_POINTS, MAX_POINTS, len(_data.y_test))
    return projector_zip(_evaluation.test_embeddings[:count], _data.y_test[:count], _data.x_test[:count])


def data_key(data: MnistData) -> str:
    """Names the data set for caches, without hashing millions of pixels on every rerun."""
    return f"{data.source}|{data.description}|{data.x_train.shape}|{data.x_test.shape}"


def sample_positions(test_count: int, size: int) -> np.ndarray:
    """A seeded, sorted sample of test indices: the same points for every model and every method."""
    if size >= test_count:
        return np.arange(test_count)
    return np.sort(np.random.default_rng(SAMPLE_SEED).choice(test_count, size, replace=False))


# ---------------------------------------------------------------- controls
def map_controls(test_count: int) -> tuple[str, int, int]:
    method_column, dimension_column, size_column = st.columns([2, 1, 2])
    with method_column:
        method = st.radio(
            "Projection",
            [PCA, TSNE],
            horizontal=True,
            key="projection_method",
            help="PCA is fast and keeps the directions of largest spread; "
            "t-SNE is slower and keeps neighbours together.",
        )
    with dimension_column:
        dimensions = DIMENSIONS[st.radio("Dimensions", list(DIMENSIONS), horizontal=True, key="dimensions")]
    with size_column:
        sizes = [size for size in SAMPLE_SIZES if size < test_count] + [test_count]
        size = st.select_slider(
            "Test digits shown",
            options=sizes,
            value=min(DEFAULT_SAMPLE_SIZE, test_count) if DEFAULT_SAMPLE_SIZE in sizes else test_count,
            key="sample_size",
            help="A seeded sample of the test digits. t-SNE gets slow above a few thousand points.",
        )
    return method, dimensions, int(size)


def select_from_chart(chart_key: str) -> None:
    """Runs before the rerun, so it may still set the number input that names the shown digit."""
    points = st.session_state[chart_key]["selection"]["points"]
    if not points:
        return
    test_index = points[0].get("customdata")
    if isinstance(test_index, list):
        test_index = test_index[0]
    if test_index is not None:
        st.session_state[SHOWN_DIGIT_KEY] = int(test_index)


# ---------------------------------------------------------------- figures
def map_figure(points: np.ndarray, positions: np.ndarray, data: MnistData, method: str, shown: int) -> go.Figure:
    """One trace per digit (so the legend lists digits) and a ring around the digit shown on the right."""
    digits = data.y_test[positions]
    three_d = points.shape[1] == 3
    figure = go.Figure()
    for digit in range(NUM_CLASSES):
        in_digit = digits == digit
        if not np.any(in_digit):
            continue
        figure.add_trace(
            scatter_trace(
                points[in_digit],
                three_d,
                name=str(digit),
                marker={"color": DIGIT_COLOURS[digit], "size": 3 if three_d else 5, "opacity": 0.75},
                customdata=positions[in_digit],
                hovertext=[f"digit {digit} · test #{index}" for index in positions[in_digit]],
            )
        )
    ring = np.flatnonzero(positions == shown)
    if ring.size:
        figure.add_trace(
            scatter_trace(
                points[ring],
                three_d,
                name=f"#{shown}",
                showlegend=False,
                marker={
                    "color": "#0f172a",
                    "size": 10 if three_d else 18,
                    "symbol": "circle-open",
                    "line": {"width": 3},
                },
                customdata=[shown],
                hovertext=[f"shown: test #{shown}"],
            )
        )
    axis_names = [f"{method} {number}" for number in range(1, points.shape[1] + 1)]
    figure.update_layout(
        height=480,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        legend={"title": "digit", "itemsizing": "constant"},
        clickmode="event+select",
    )
    if three_d:
        # The numbers on projection axes mean nothing to a student, and in 3-D they crowd the small scene.
        figure.update_scenes(
            xaxis={"title": axis_names[0], "showticklabels": False},
            yaxis={"title": axis_names[1], "showticklabels": False},
            zaxis={"title": axis_names[2], "showticklabels": False},
        )
    else:
        figure.update_xaxes(title=axis_names[0], showticklabels=False)
        figure.update_yaxes(title=axis_names[1], showticklabels=False)
    return figure


def scatter_trace(points: np.ndarray, three_d: bool, **style):
    if three_d:
        return go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], mode="markers", hoverinfo="text", **style)
    return go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", hoverinfo="text", **style)


# ---------------------------------------------------------------- sections
def project_both(model: ModelEntry, evaluation: ModelEvaluation, data: MnistData, settings, positions):
    """The model's and the raw pixels' maps of the sampled test digits, or ``None`` after an error message."""
    method, dimensions, size = settings
    message = f"Running {method} on {size:,} points, twice (model and pixels)… this can take a little while."
    try:
        with st.spinner(message, show_time=True):
            model_points = projection(
                f"model|{model.key}", method, dimensions, size, evaluation.test_embeddings[positions]
            )
            pixel_points = projection(
                f"pixels|{data_key(data)}", method, dimensions, size, data.x_test[positions].reshape(size, -1)
            )
    except ValueError as error:
        st.error(f"{method} could not map these points: {error}")
        return None
    return model_points, pixel_points


def show_maps(model: ModelEntry, evaluation: ModelEvaluation, data: MnistData, settings) -> None:
    method, dimensions, size = settings
    positions = sample_positions(len(data.y_test), size)
    maps = project_both(model, evaluation, data, settings, positions)
    if maps is None:
        return
    shown = int(st.session_state.get(SHOWN_DIGIT_KEY, 0))
    model_column, pixel_column, digit_column = st.columns([5, 5, 2], gap="medium")
    width = evaluation.test_embeddings.shape[1]
    model_caption = f"After training: {width} numbers per picture."
    pixel_caption = "No training at all: the 784 pixel values of each picture."
    panels = (
        (model_column, "Model embeddings", model_caption, maps[0], MODEL_CHART_KEY),
        (pixel_column, "Raw pixels", pixel_caption, maps[1], PIXEL_CHART_KEY),
    )
    for column, title, caption, points, key in panels:
        with column:
            st.subheader(title)
            st.caption(caption)
            st.plotly_chart(
                map_figure(points, positions, data, method, shown),
                key=key,
                on_select=partial(select_from_chart, key),
                selection_mode="points",
            )
    with digit_column:
        show_digit(data, positions)
    st.caption(
        f"Each dot is one of {size:,} test pictures, coloured by its true digit, squeezed to {dimensions}-D "
        f"by {METHOD_NOTES[method]} Tight, separate colour clouds on the left are what training buys."
    )


def show_digit(data: MnistData, positions: np.ndarray) -> None:
    st.subheader("Picture")
    index = st.number_input(
        "Show test digit #", min_value=0, max_value=len(data.y_test) - 1, step=1, key=SHOWN_DIGIT_KEY
    )
    st.image(
        digit_picture(data.x_test[int(index)], scale=4), caption=f"test #{int(index)}: a {data.y_test[int(index)]}"
    )
    if int(index) in positions:
        st.caption("Ringed in both maps. Click a dot (2-D) to show another.")
    else:
        st.caption("Not among the dots shown. Click a dot (2-D) or pick another number.")


def show_retrieval(evaluation: ModelEvaluation, data: MnistData) -> None:
    st.header("Finding look-alikes")
    st.caption(
        "For each test picture we look up the closest training pictures. Do they show the same digit? "
        "Compared here: distances between the model's embeddings and between raw pixels."
    )
    model_scores = evaluation.retrieval
    with st.spinner("Searching the raw pixels for nearest neighbours (once per data set; slow on full MNIST)…"):
        pixel_scores = pixel_retrieval(data_key(data), model_scores.k, data)
    rows = {
        f"{model_scores.k}-NN accuracy": lambda scores: f"{scores.knn_accuracy:.1%}",
        "Precision@1": lambda scores: f"{scores.precision_at_1:.1%}",
        "MAP@R": lambda scores: f"{scores.map_at_r:.3f}",
    }
    table = pd.DataFrame(
        {
            f"Model embeddings ({evaluation.metric})": [show(model_scores) for show in rows.values()],
            "Raw pixels (euclidean)": [show(pixel_scores) for show in rows.values()],
        },
        index=list(rows),
    )
    st.table(table)
    st.caption(
        f"k-NN accuracy: the majority digit among the {model_scores.k} closest training pictures is right. "
        "Precision@1: the single closest one is right. MAP@R: how well *all* pictures of the right digit "
        "come first (1.0 is perfect)."
    )


def show_export(model: ModelEntry, evaluation: ModelEvaluation, data: MnistData) -> None:
    st.header("Explore in 3-D with the Embedding Projector")
    count = min(PROJECTOR_POINTS, MAX_POINTS, len(data.y_test))
    st.download_button(
        f"Download the first {count:,} test embeddings (.zip)",
        data=projector_bytes(model.key, evaluation, data),
        file_name="siamese-embeddings-projector.zip",
        mime="application/zip",
        icon="⬇️",
    )
    st.caption(
        "Unzip it, open projector.tensorflow.org, press *Load* and choose vectors.tsv and metadata.tsv. "
        "TensorBoard, pointed at the folder, also shows each point as its picture."
    )


def main() -> None:
    data = page_setup("Embeddings")
    st.title("Embeddings")
    st.caption(
        "The model turns every picture into a list of numbers, its *embedding*. To look at them we squeeze "
        "them down to 2 or 3 numbers per picture and draw one dot each."
    )
    model = active_model(data)
    evaluation = model_evaluation_or_stop(model, data, failure="embed the test digits")
    settings = map_controls(len(data.y_test))
    show_maps(model, evaluation, data, settings)
    st.divider()
    retrieval_column, export_column = st.columns([3, 2], gap="large")
    with retrieval_column:
        show_retrieval(evaluation, data)
    with export_column:
        show_export(model, evaluation, data)


main()
