"""Draw: draw a digit and see which training digits the network puts next to it.

Two modes: "Find neighbours" (one canvas → preprocessing steps, k-NN vote, the nearest training
digits and the digit's place on a PCA map) and "Compare two digits" (two canvases → the distance
between their embeddings against the model's threshold).
"""

import streamlit as st

from explorer_ui import state
from explorer_ui.caches import reference_index, reference_map
from explorer_ui.canvas import canvas_available, clear_button, drawing_canvas, explain_status
from explorer_ui.default_model import active_model
from explorer_ui.evaluation_charts import distance_gauge
from explorer_ui.maps import as_xy
from explorer_ui.maps import reference_map as map_figure
from explorer_ui.page import page_setup
from explorer_ui.pictures import DIFFERENT_COLOUR, SAME_COLOUR, digit_picture, thumbnail
from siamese.conventions import predict_same
from siamese.distances import paired_distances
from siamese.drawing import DrawingSteps
from siamese.mnist import MnistData
from siamese.neighbour_index import NeighbourIndex, QueryResult
from siamese.trained_model import TrainedModel

THUMBNAIL_SIZE = 112
MODES = ("Find neighbours", "Compare two digits")
DRAW_CANVAS, FIRST_CANVAS, SECOND_CANVAS = "draw_canvas", "compare_a", "compare_b"


def show_steps(steps: DrawingSteps) -> None:
    st.markdown("**What the network is shown**")
    columns = st.columns(4)
    pictures = [
        (steps.ink, "your ink"),
        (steps.cropped, f"cropped to the ink ({steps.cropped.shape[1]}×{steps.cropped.shape[0]})"),
        (steps.boxed, f"scaled into a 20 px box ({steps.boxed.shape[1]}×{steps.boxed.shape[0]})"),
        (steps.centred, "centred in 28×28"),
    ]
    for column, (image, caption) in zip(columns, pictures, strict=True):
        column.image(thumbnail(image, size=THUMBNAIL_SIZE), caption=caption, width=THUMBNAIL_SIZE, clamp=True)
    st.caption(
        "Your drawing is cropped, shrunk to 20 pixels and centred in a 28×28 square, exactly how the "
        "MNIST digits were made, so it looks like the digits the network learned from."
    )


def show_prediction(result: QueryResult, data: MnistData, *, metric: str) -> None:
    k = len(result.labels)
    votes = round(result.vote_share * k)
    guess, neighbours = st.columns([1, 4])
    guess.metric("The network says", str(result.predicted))
    guess.caption(f"{votes} of {k} neighbour{'s' if k != 1 else ''} say {result.predicted}")
    with neighbours:
        st.markdown(f"**The {k} nearest training digit{'s' if k != 1 else ''}**")
        columns = st.columns(k)
        for column, reference, label, distance in zip(
            columns, result.indices, result.labels, result.distances, strict=True
        ):
            frame = SAME_COLOUR if label == result.predicted else DIFFERENT_COLOUR
            column.image(
                digit_picture(data.x_train[reference], frame=frame, scale=2),
                caption=f"{label} · d = {distance:.3f}",
            )
        st.caption(
            "The prediction is a vote among these neighbours: green ones agree with it, red ones "
            f"don't; d is their {metric} distance to your digit (smaller = more alike)."
        )


def show_map(model: TrainedModel, index: NeighbourIndex, result: QueryResult | None) -> None:
    projection, labels = reference_map(model, index)
    if result is None:
        figure = map_figure(as_xy(projection.points), labels)
        where = "draw a digit and it lands on this map as a star"
    else:
        figure = map_figure(
            as_xy(projection.points),
            labels,
            neighbours=as_xy(projection.transform(index.reference_embeddings[result.indices])),
            query=as_xy(projection.transform(result.embedding)),
            query_digit=result.predicted,
        )
        where = "your digit is the star and its nearest neighbours are ringed"
    st.plotly_chart(figure, key="draw_map")
    st.caption(
        "Each dot is a training digit placed by its embedding (flattened from "
        f"{index.reference_embeddings.shape[1]} numbers to 2 with PCA); {where}. Flattening squashes "
        "distances, so neighbours can look further apart here than they are to the network."
    )


def find_neighbours(model: TrainedModel, index: NeighbourIndex, data: MnistData, *, stroke_width: int) -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        st.markdown("**Your digit**")
        steps = drawing_canvas(DRAW_CANVAS, stroke_width=stroke_width)
        clear_button(DRAW_CANVAS)
        k = st.slider("Neighbours to show (k)", 1, 10, 5, key=state.NEIGHBOUR_COUNT)
    result = None
    with right:
        if steps is None or not steps.ok:
            explain_status(steps)
        else:
            result = index.query(steps.centred, k=k)
            show_steps(steps)
            show_prediction(result, data, metric=model.config.metric)
    show_map(model, index, result)


def compare_two(model: TrainedModel, index: NeighbourIndex, *, stroke_width: int) -> None:
    st.write("Draw one digit on each canvas. The network says *same digit* when their points are close enough.")
    columns = st.columns(2, gap="large")
    embeddings = []
    for column, name, title in zip(
        columns, (FIRST_CANVAS, SECOND_CANVAS), ("First digit", "Second digit"), strict=True
    ):
        with column:
            st.markdown(f"**{title}**")
            drawn = drawing_canvas(name, stroke_width=stroke_width)
            clear_button(name)
            if drawn is not None and drawn.ok:
                picture, words = st.columns([1, 2])
                picture.image(digit_picture(drawn.centred, scale=3), caption="what the network sees")
                embedding = index.embed(drawn.centred)
                words.caption(f"Its nearest training digits say **{index.neighbours_of(embedding).predicted}**.")
                embeddings.append(embedding)
            else:
                explain_status(drawn)
    if len(embeddings) == 2:
        show_verdict(model, embeddings)


def show_verdict(model: TrainedModel, embeddings: list) -> None:
    metric, threshold = model.config.metric, float(model.threshold)
    distance = float(paired_distances(embeddings[0][None], embeddings[1][None], metric=metric)[0])
    same = bool(predict_same(distance, threshold))
    st.divider()
    verdict, gauge = st.columns([1, 1], gap="large")
    with verdict:
        st.markdown("### :green[Same digit]" if same else "### :red[Different digits]")
        st.metric(f"{metric.capitalize()} distance between the embeddings", f"{distance:.3f}")
        st.caption(
            f"The distance is {'at most' if same else 'more than'} the model's threshold of {threshold:.3f}, so "
            f"the network calls them {'the same digit' if same else 'different digits'}. The threshold is the "
            "distance that best separated same-digit from different-digit pairs of held-out validation digits."
        )
    with gauge:
        st.markdown("**Distance vs threshold**")
        st.plotly_chart(distance_gauge(distance, threshold=threshold, same=same), key="compare_gauge")
        st.caption(
            "The bar is the distance; the black line is the threshold. Up to the line (green) the network "
            "says *same digit*, past it (red) *different digits*."
        )


def main() -> None:
    data = page_setup("Draw")
    st.title("✏️ Draw a digit")
    st.write(
        "The network never saw your digit: it turns it into a point (an *embedding*) and looks for the "
        "training digits whose points lie closest."
    )
    model = active_model(data)
    index = reference_index(model, data)
    mode_column, pen_column = st.columns([2, 1])
    mode = mode_column.radio("Mode", MODES, horizontal=True, key=state.DRAW_MODE)
    stroke_width = pen_column.slider("Pen width", 8, 36, 18, step=2, key=state.PEN_WIDTH)
    if not canvas_available():
        st.warning("The drawing canvas (streamlit-drawable-canvas) isn't available, so this page can't show it.")
    elif mode == MODES[0]:
        find_neighbours(model, index, data, stroke_width=stroke_width)
    else:
        compare_two(model, index, stroke_width=stroke_width)


main()
