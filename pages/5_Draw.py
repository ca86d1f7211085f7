"""Draw: draw a digit and see which training digits the network puts next to it.

Two modes: "Find neighbours" (one canvas → preprocessing steps, k-NN vote, the nearest training
digits and the digit's place on a PCA map) and "Compare two digits" (two canvases → the distance
between their embeddings against the model's threshold). The canvas and the map of the training
digits need no network, so after a restart they show while the network still loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from explorer_ui import state
from explorer_ui.caches import reference_embeddings, reference_index, reference_map
from explorer_ui.canvas import (
    CANVAS_SIZE,
    DEFAULT_PEN_WIDTH,
    PEN_WIDTHS,
    canvas_available,
    drawing_canvas,
    explain_status,
)
from explorer_ui.default_model import active_model, get_network_ready
from explorer_ui.evaluation_charts import distance_gauge
from explorer_ui.formatting import format_distance
from explorer_ui.maps import drawing_map_figure
from explorer_ui.page import page_setup
from explorer_ui.pictures import (
    DIFFERENT_COLOUR,
    DIFFERENT_MARK,
    RIGHT_MARK,
    SAME_COLOUR,
    SAME_MARK,
    WRONG_MARK,
    digit_picture,
    thumbnail,
)
from siamese.classroom.codes import display_code
from siamese.classroom.store import MAX_NICKNAME_LENGTH
from siamese.conventions import predict_same
from siamese.data.drawing import DrawingSteps
from siamese.data.mnist import MnistData
from siamese.distances import paired_distances
from siamese.storage.trained_model import TrainedModel

if TYPE_CHECKING:  # TensorFlow waits until a drawing needs the network
    from siamese.search.neighbour_index import QueryResult

THUMBNAIL_SIZE = 112
STEP_WIDTH = 132  # each preprocessing picture with its caption
NEIGHBOUR_WIDTH = 96  # each neighbour with "7 · d = 0.123" under it
RESULTS_WIDTH = 640  # beside the canvas on a wide screen; below it on a tablet or phone
MODES = ("Find neighbours", "Compare two digits")
MAP_METHODS = ("PCA", "UMAP")
DRAW_CANVAS, FIRST_CANVAS, SECOND_CANVAS = "draw_canvas", "compare_a", "compare_b"


def show_steps(steps: DrawingSteps) -> None:
    st.markdown("**What the network is shown**")
    pictures = [
        (steps.ink, "your ink"),
        (steps.cropped, f"cropped to the ink ({steps.cropped.shape[1]}×{steps.cropped.shape[0]})"),
        (steps.boxed, f"scaled into a 20 px box ({steps.boxed.shape[1]}×{steps.boxed.shape[0]})"),
        (steps.centred, "centred in 28×28"),
    ]
    with st.container(horizontal=True, gap="small"):
        for image, caption in pictures:
            with st.container(width=STEP_WIDTH, horizontal_alignment="center"):
                st.image(thumbnail(image, size=THUMBNAIL_SIZE), caption=caption, width=THUMBNAIL_SIZE, clamp=True)
    st.caption(
        "Your drawing is cropped, shrunk to 20 pixels and centred in a 28×28 square, exactly how the "
        "MNIST digits were made, so it looks like the digits the network learned from."
    )


def show_answer(result: QueryResult) -> None:
    k = len(result.labels)
    votes = round(result.vote_share * k)
    with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
        st.metric("The network says", str(result.predicted), width="content")
        st.caption(f"{votes} of {k} neighbour{'s' if k != 1 else ''} say {result.predicted}")


def show_prediction(result: QueryResult, data: MnistData, *, metric: str) -> None:
    k = len(result.labels)
    st.markdown(f"**The {k} nearest training digit{'s' if k != 1 else ''}**")
    with st.container(horizontal=True, gap="small"):
        for reference, label, distance in zip(result.indices, result.labels, result.distances, strict=True):
            agrees = label == result.predicted
            st.image(
                digit_picture(
                    data.x_train[reference],
                    frame=SAME_COLOUR if agrees else DIFFERENT_COLOUR,
                    dashed=not agrees,
                    scale=2,
                ),
                caption=f"{RIGHT_MARK if agrees else WRONG_MARK} {label} · d = {format_distance(distance)}",
                width=NEIGHBOUR_WIDTH,
            )
    st.caption(
        f"The prediction is a vote among these neighbours: {RIGHT_MARK} (solid blue frame) agrees with it, "
        f"{WRONG_MARK} (dashed orange frame) doesn't; d is their {metric} distance to your digit "
        "(smaller = more alike)."
    )


@st.fragment
def send_to_board(code: str, steps: DrawingSteps) -> None:
    """Ten buttons: send this drawing to the class board as the digit meant; said only once it is stored.

    A fragment: pressing a digit reruns these buttons alone, not the search, pictures and map above,
    which halves what a class sending drawings costs the server.
    """
    from explorer_ui.class_board import class_store
    from siamese.classroom.store import ClassRuleError, ClassStoreError

    st.markdown(f"**Send it to the class board ({display_code(code)}): which digit did you mean?**")
    chosen = None
    with st.container(horizontal=True, gap="small"):
        for digit in range(10):
            if st.button(str(digit), key=state.send_button(digit), width=44):
                chosen = digit
    # Kept for the session: this fragment is not drawn while the canvas is empty, which would reset them.
    state.keep_widget(state.SHOW_NICKNAME, False)
    state.keep_widget(state.NICKNAME, "")
    with st.container(horizontal=True, vertical_alignment="center"):
        named = st.checkbox(
            "Show a nickname",
            key=state.SHOW_NICKNAME,
            help="Off: your drawings are anonymous.",
            on_change=state.remember_widget,
            args=(state.SHOW_NICKNAME,),
        )
        nickname = st.text_input(
            "Nickname",
            key=state.NICKNAME,
            max_chars=MAX_NICKNAME_LENGTH,
            disabled=not named,
            width=220,
            on_change=state.remember_widget,
            args=(state.NICKNAME,),
        )
    if chosen is None:
        return
    store, problem = class_store()
    if store is None:
        st.error(problem)
        return
    try:
        store.add_drawing(
            code, student=state.student_id(), digit=chosen, image=steps.centred, nickname=nickname if named else None
        )
    except (ClassRuleError, ClassStoreError) as error:
        st.error(f"Not sent: {error}.")
    else:
        state.note_return_to_class(False)
        st.success(f"Sent to the board as a {chosen}.")


def show_map(model: TrainedModel, data: MnistData, result: QueryResult | None) -> None:
    method = st.radio(
        "Map",
        MAP_METHODS,
        horizontal=True,
        key=state.DRAW_MAP_METHOD,
        help="PCA is instant. UMAP keeps neighbours together and still places your digit; the first UMAP map of a "
        "model takes seconds (up to half a minute more the first time on a server, to compile it), then it is kept.",
    )
    projection, labels = reference_map(model, data, method=method)
    references = None if result is None else reference_embeddings(model, data)
    figure = drawing_map_figure(
        projection, labels, result=result, references=references, held_out=model.config.held_out_digits, method=method
    )
    st.plotly_chart(figure, key=state.DRAW_MAP_CHART)
    where = (
        "draw a digit and it lands on this map as a star"
        if result is None
        else "your digit is the star and its nearest neighbours are ringed"
    )
    st.caption(
        "Each dot is a training digit placed by its embedding (flattened from "
        f"{model.embedding_dim} numbers to 2 with {method}); {where}. Flattening squashes "
        "distances, so neighbours can look further apart here than they are to the network."
    )


def find_neighbours(model: TrainedModel, data: MnistData, *, stroke_width: int) -> None:
    result = None
    with st.container(horizontal=True, gap="large"):
        with st.container(width=CANVAS_SIZE + 8):
            st.markdown("**Your digit**")
            steps = drawing_canvas(DRAW_CANVAS, stroke_width=stroke_width)
            k = st.slider("Neighbours to show (k)", 1, 10, 5, key=state.NEIGHBOUR_COUNT)
        with st.container(width=RESULTS_WIDTH):
            if steps is None or not steps.ok:
                explain_status(steps)
            else:
                result = reference_index(model, data).query(steps.centred, k=k)
                show_answer(result)
                if state.class_code():  # right under the answer: on a laptop, in view without scrolling
                    send_to_board(state.class_code(), steps)
                show_prediction(result, data, metric=model.config.metric)
                show_steps(steps)
    show_map(model, data, result)


def compare_two(model: TrainedModel, data: MnistData, *, stroke_width: int) -> None:
    st.write("Draw one digit on each canvas. The network says *same digit* when their points are close enough.")
    embeddings = []
    with st.container(horizontal=True, gap="large"):
        for name, title in ((FIRST_CANVAS, "First digit"), (SECOND_CANVAS, "Second digit")):
            with st.container(width=CANVAS_SIZE + 8):
                st.markdown(f"**{title}**")
                drawn = drawing_canvas(name, stroke_width=stroke_width)
                if drawn is not None and drawn.ok:
                    index = reference_index(model, data)
                    embedding = index.embed(drawn.centred)
                    predicted = index.neighbours_of(embedding).predicted
                    with st.container(horizontal=True, vertical_alignment="center"):
                        st.image(digit_picture(drawn.centred, scale=3), caption="what the network sees", width=96)
                        st.caption(f"Its nearest training digits say **{predicted}**.")
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
    with st.container(horizontal=True, gap="large"):
        show_distance(metric, distance, threshold, same)
        show_gauge(distance, threshold, same)


def show_distance(metric: str, distance: float, threshold: float, same: bool) -> None:
    with st.container(width=420):
        st.markdown(f"### :blue[{SAME_MARK} Same digit]" if same else f"### :orange[{DIFFERENT_MARK} Different digits]")
        st.metric(f"{metric.capitalize()} distance between the embeddings", f"{distance:.3f}")
        st.caption(
            f"The distance is {'at most' if same else 'more than'} the model's threshold of {threshold:.3f}, so "
            f"the network calls them {'the same digit' if same else 'different digits'}. The threshold is the "
            "distance that best separated same-digit from different-digit pairs of held-out validation digits."
        )


def show_gauge(distance: float, threshold: float, same: bool) -> None:
    with st.container(width=420):
        st.markdown("**Distance vs threshold**")
        st.plotly_chart(distance_gauge(distance, threshold=threshold, same=same), key=state.COMPARE_GAUGE_CHART)
        st.caption(
            "The bar is the distance; the black line is the threshold. Up to the line (blue, “= same”) the "
            "network says *same digit*, past it (orange, “≠ different”) *different digits*."
        )


def main() -> None:
    data = page_setup("Draw")
    st.title("✏️ Draw a digit")
    st.write(
        "The network never saw your digit: it turns it into a point (an *embedding*) and looks for the "
        "training digits whose points lie closest."
    )
    model = active_model(data)
    with st.container(horizontal=True, gap="large", vertical_alignment="bottom"):
        mode = st.radio("Mode", MODES, horizontal=True, key=state.DRAW_MODE, width="content")
        stroke_width = st.slider(
            "Pen width",
            *PEN_WIDTHS,
            DEFAULT_PEN_WIDTH,
            step=2,
            key=state.PEN_WIDTH,
            width=260,
            help="The default draws strokes as thick as MNIST's once your digit is shrunk to 28 × 28.",
        )
    if not canvas_available():
        st.warning("The drawing canvas (streamlit-drawable-canvas) isn't available, so this page can't show it.")
    elif mode == MODES[0]:
        find_neighbours(model, data, stroke_width=stroke_width)
    else:
        compare_two(model, data, stroke_width=stroke_width)
    get_network_ready(model)


main()
