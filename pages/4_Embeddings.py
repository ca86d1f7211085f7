"""Embeddings: maps of where the model puts each test digit, beside the same map of the raw pixels.

Maps, retrieval scores and the Projector export all come from ``siamese`` through the shared caches;
this page lays them out.
"""

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from explorer_ui import state
from explorer_ui.caches import (
    digit_maps,
    evaluation_or_stop,
    pixel_retrieval,
    projector_bytes,
    projector_point_count,
)
from explorer_ui.default_model import active_model
from explorer_ui.maps import embedding_map_figure
from explorer_ui.page import page_setup
from explorer_ui.pictures import digit_picture
from siamese.data.mnist import MnistData
from siamese.evaluation.projection import Method
from siamese.evaluation.scores import Evaluation
from siamese.storage.trained_model import TrainedModel

DIMENSIONS = {"2-D": 2, "3-D": 3}
SAMPLE_SIZES = (300, 500, 1000, 2000, 5000, 10000)
MAP_WIDTH = 480  # both maps and the picture in one row on a laptop; one map a row on a tablet or phone
PICTURE_WIDTH = 190
DEFAULT_SAMPLE_SIZE = 2000  # t-SNE on 2,000 points takes seconds; on 10,000 it takes minutes
METHOD_NOTES = {
    Method.PCA: "PCA, which keeps the directions along which the dots spread most: faithful, but crowded.",
    Method.TSNE: (
        "t-SNE, which keeps each dot near its neighbours: clusters show well, but gaps between them mean little."
    ),
    Method.UMAP: (
        "UMAP, which keeps neighbours as t-SNE does and can also place new points, as the Draw page does with yours."
    ),
}


@dataclass(frozen=True, kw_only=True)
class MapSettings:
    method: Method
    dimensions: int
    size: int


def map_controls(test_count: int) -> MapSettings:
    with st.container(horizontal=True, gap="large", vertical_alignment="bottom"):
        method = st.radio(
            "Projection",
            [method.value for method in Method],
            horizontal=True,
            key=state.PROJECTION_METHOD,
            help="PCA is instant and keeps the directions of largest spread; t-SNE and UMAP take seconds and keep "
            "neighbours together (the first UMAP of a server also compiles it: up to half a minute).",
            width="content",
        )
        dimensions = DIMENSIONS[
            st.radio("Dimensions", list(DIMENSIONS), horizontal=True, key=state.DIMENSIONS, width="content")
        ]
        sizes = [size for size in SAMPLE_SIZES if size < test_count] + [test_count]
        size = st.select_slider(
            "Test digits shown",
            options=sizes,
            value=min(DEFAULT_SAMPLE_SIZE, test_count) if DEFAULT_SAMPLE_SIZE in sizes else test_count,
            key=state.SAMPLE_SIZE,
            help="A seeded sample of the test digits. t-SNE gets slow above a few thousand points.",
            width=320,
        )
    return MapSettings(method=Method(method), dimensions=dimensions, size=int(size))


def select_from_chart(chart_key: str) -> None:
    """Runs before the rerun, so it may still set the number input that names the shown digit."""
    points = state.value(chart_key)["selection"]["points"]
    if not points:
        return
    test_index = points[0].get("customdata")
    if isinstance(test_index, list):
        test_index = test_index[0]
    if test_index is not None:
        state.set_value(state.SHOWN_TEST_DIGIT, int(test_index))


def show_maps(model: TrainedModel, evaluation: Evaluation, data: MnistData, settings: MapSettings) -> None:
    message = (
        f"Running {settings.method} on {settings.size:,} points, twice (model and pixels)… "
        "this can take a little while."
    )
    try:
        with st.spinner(message, show_time=True):
            maps = digit_maps(
                model, evaluation, data, method=settings.method, dimensions=settings.dimensions, size=settings.size
            )
    except ValueError as error:
        st.error(f"{settings.method} could not map these points: {error}")
        return
    shown = int(state.value(state.SHOWN_TEST_DIGIT, 0))
    width = evaluation.test_embeddings.shape[1]
    panels = (
        (
            "Model embeddings",
            f"After training: {width} numbers per picture.",
            maps.model_points,
            state.MODEL_MAP_CHART,
        ),
        (
            "Raw pixels",
            "No training at all: the 784 pixel values of each picture.",
            maps.pixel_points,
            state.PIXEL_MAP_CHART,
        ),
    )
    with st.container(horizontal=True, gap="medium"):
        for title, caption, points, key in panels:
            with st.container(width=MAP_WIDTH):
                st.subheader(title)
                st.caption(caption)
                st.plotly_chart(
                    embedding_map_figure(
                        points,
                        digits=maps.digits,
                        positions=maps.positions,
                        method=settings.method,
                        shown=shown,
                        held_out=model.config.held_out_digits,
                    ),
                    key=key,
                    on_select=partial(select_from_chart, key),
                    selection_mode="points",
                )
        with st.container(width=PICTURE_WIDTH):
            show_digit(data, maps.positions)
    st.caption(
        f"Each dot is one of {settings.size:,} test pictures, coloured by its true digit, squeezed to "
        f"{settings.dimensions}-D by {METHOD_NOTES[settings.method]} Tight, separate colour clouds on the left "
        "are what training buys."
    )


def show_digit(data: MnistData, positions: np.ndarray) -> None:
    st.subheader("Picture")
    index = int(
        st.number_input(
            "Show test digit #", min_value=0, max_value=len(data.y_test) - 1, step=1, key=state.SHOWN_TEST_DIGIT
        )
    )
    st.image(digit_picture(data.x_test[index], scale=4), caption=f"test #{index}: a {data.y_test[index]}")
    if index in positions:
        st.caption("Ringed in both maps. Click a dot (2-D) to show another.")
    else:
        st.caption("Not among the dots shown. Click a dot (2-D) or pick another number.")


def show_retrieval(evaluation: Evaluation, data: MnistData) -> None:
    st.header("Finding look-alikes")
    st.caption(
        "For each test picture we look up the closest training pictures. Do they show the same digit? "
        "Compared here: distances between the model's embeddings and between raw pixels."
    )
    model_scores = evaluation.retrieval
    with st.spinner("Searching the raw pixels for nearest neighbours (once per data set; slow on full MNIST)…"):
        pixel_scores = pixel_retrieval(data, k=model_scores.k)
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


def show_export(model: TrainedModel, evaluation: Evaluation, data: MnistData) -> None:
    st.header("Explore in 3-D with the Embedding Projector")
    st.download_button(
        f"Download the first {projector_point_count(data):,} test embeddings (.zip)",
        data=partial(projector_bytes, model, evaluation, data),  # packed on the click, not every view
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
    evaluation = evaluation_or_stop(model, data, failure="embed the test digits")
    settings = map_controls(len(data.y_test))
    show_maps(model, evaluation, data, settings)
    st.divider()
    with st.container(horizontal=True, gap="large"):
        with st.container(width=640):
            show_retrieval(evaluation, data)
        with st.container(width=460):
            show_export(model, evaluation, data)


main()
