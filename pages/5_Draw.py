"""Draw: draw a digit and see which training digits the network puts next to it.

Two modes: "Find neighbours" (one canvas → preprocessing steps, k-NN vote, the nearest
training digits and the digit's place on a PCA map) and "Compare two digits" (two
canvases → the distance between their embeddings against the model's threshold).
Layout, widgets and caching only; the work is done by ``siamese.drawing``,
``siamese.query``, ``siamese.distances`` and ``siamese.projection``.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer_ui import (
    DIFFERENT_COLOUR,
    DIGIT_COLOURS,
    SAME_COLOUR,
    active_model,
    digit_picture,
    page_setup,
    reference_index,
)
from siamese.conventions import predict_same
from siamese.distances import normalize_rows, paired_distances
from siamese.drawing import DrawingSteps, preprocess_drawing
from siamese.projection import fit_pca

CANVAS_SIZE = 280  # 10x MNIST's 28 px, so one canvas pixel is a tenth of an MNIST pixel
MAP_SAMPLE_SIZE = 2000
THUMBNAIL_SIZE = 112
PAGE_GREY = 0.945  # close to the theme's secondary background, around non-square steps
MODES = ("Find neighbours", "Compare two digits")
BLANK_HINT = "✏️ Draw a digit from 0 to 9 in the black box: white on black, like MNIST."

data = page_setup("Draw")

try:
    # The canvas component only imports inside a running Streamlit app (or AppTest).
    from streamlit_drawable_canvas import st_canvas
except Exception:  # any import failure means "no canvas": say so instead of a traceback
    st_canvas = None

st.title("✏️ Draw a digit")
st.write(
    "The network never saw your digit: it turns it into a point (an *embedding*) and looks for the "
    "training digits whose points lie closest."
)

model = active_model(data)
index = reference_index(model.key, model, data)


# ---------------------------------------------------------------- caches and small helpers
@st.cache_resource(max_entries=16, show_spinner="Drawing the map of the training digits…")
def training_map(model_key: str, _index, metric: str):
    """PCA of a fixed sample of the reference embeddings: (PcaMap, sample labels). Once per model."""
    sample = np.random.default_rng(0).permutation(len(_index.reference_labels))[:MAP_SAMPLE_SIZE]
    embeddings = _index.reference_embeddings[np.sort(sample)]
    if metric == "cosine":  # cosine only sees directions, so the map shows directions too
        embeddings = normalize_rows(embeddings)
    components = min(2, embeddings.shape[1])
    return fit_pca(embeddings, n_components=components), _index.reference_labels[np.sort(sample)]


def map_points(pca_map, embeddings: np.ndarray, metric: str) -> np.ndarray:
    """Place embeddings (n, D) on the training map as (n, 2) points (y = 0 for a 1-D map)."""
    embeddings = np.atleast_2d(embeddings)
    if metric == "cosine":
        embeddings = normalize_rows(embeddings)
    return _as_xy(pca_map.transform(embeddings))


def _as_xy(points: np.ndarray) -> np.ndarray:
    return points if points.shape[1] == 2 else np.column_stack([points[:, 0], np.zeros(len(points))])


def thumbnail(image: np.ndarray, size: int = THUMBNAIL_SIZE) -> np.ndarray:
    """A preprocessing step as a square, crisp picture: pixels enlarged, non-square shapes on grey."""
    height, width = image.shape
    if max(height, width) < size:  # enlarge small steps by whole pixels so they stay sharp
        factor = -(-size // max(height, width))
        image = np.kron(image, np.ones((factor, factor), dtype=np.float32))
        height, width = image.shape
    side = max(height, width)
    square = np.full((side, side), PAGE_GREY, dtype=np.float32)
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = image
    return np.clip(square, 0.0, 1.0)


def drawing_canvas(key: str, stroke_width: int):
    """One black MNIST-style canvas; returns its RGBA image, or None while nothing was sent."""
    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#ffffff",
        background_color="#000000",
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=key,
    )
    return result.image_data


def read_drawing(image) -> DrawingSteps | None:
    """Preprocess a canvas image; None when there is no image at all."""
    if image is None:
        return None
    try:
        return preprocess_drawing(image, background="dark")
    except ValueError:
        return None


def explain_status(steps: DrawingSteps | None) -> None:
    """The friendly message for a canvas that holds no usable digit yet."""
    if steps is None or steps.status == "empty":
        st.info(BLANK_HINT)
    elif steps.status == "too_small":
        st.info(steps.message)
    else:
        st.warning(steps.message)


def next_canvas(counter: str) -> None:
    """Clear a canvas by giving it a new key: a new key is a fresh, empty component."""
    st.session_state[counter] = st.session_state.get(counter, 0) + 1


def canvas_key(name: str) -> str:
    return f"{name}-{st.session_state.get(f'{name}_round', 0)}"


def clear_button(name: str, label: str = "Clear") -> None:
    st.button(label, key=f"{name}_clear", on_click=next_canvas, args=(f"{name}_round",), icon=":material/ink_eraser:")


# ---------------------------------------------------------------- sections
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
        column.image(thumbnail(image), caption=caption, width=THUMBNAIL_SIZE, clamp=True)
    st.caption(
        "Your drawing is cropped, shrunk to 20 pixels and centred in a 28×28 square, exactly how the "
        "MNIST digits were made, so it looks like the digits the network learned from."
    )


def show_prediction(result, k: int) -> None:
    votes = int(np.count_nonzero(result.labels == result.predicted))
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
            f"don't; d is their {model.config.metric} distance to your digit (smaller = more alike)."
        )


def map_trace(points: np.ndarray, *, name: str, marker: dict, hover: str, kind: str = "scatter") -> dict:
    """Markers at ``(n, 2)`` map points, as a trace dict.

    Dicts in one ``go.Figure`` call cost a third of the CPU of ``add_trace`` and
    ``update_layout``, which matters when thirty sessions redraw this map after every stroke.
    """
    return {
        "type": kind,
        "x": points[:, 0],
        "y": points[:, 1],
        "mode": "markers",
        "name": name,
        "marker": marker,
        "hovertemplate": f"{hover}<extra></extra>",
    }


def show_map(query_embedding=None, neighbour_indices=None, predicted=None) -> None:
    metric = model.config.metric
    pca_map, labels = training_map(model.key, index, metric)
    points = _as_xy(pca_map.points)
    traces = [
        map_trace(
            points[labels == digit],
            name=str(digit),
            marker={"color": DIGIT_COLOURS[digit], "size": 5, "opacity": 0.55},
            hover=f"a training {digit}",
            kind="scattergl",
        )
        for digit in range(10)
    ]
    outline = {"color": "#0f172a", "width": 2}
    if neighbour_indices is not None:
        near = map_points(pca_map, index.reference_embeddings[neighbour_indices], metric)
        ring = {"size": 13, "color": "rgba(0,0,0,0)", "line": outline}
        traces.append(map_trace(near, name="nearest", marker=ring, hover="one of the nearest training digits"))
    if query_embedding is not None:
        star = map_points(pca_map, query_embedding, metric)
        marker = {"symbol": "star", "size": 26, "color": DIGIT_COLOURS[predicted], "line": outline}
        traces.append(map_trace(star, name="your digit", marker=marker, hover="your digit"))
    layout = {
        "height": 460,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"title": {"text": "digit"}, "itemsizing": "constant"},
        "xaxis": {"title": {"text": "PCA 1"}, "showticklabels": False, "zeroline": False},
        "yaxis": {"title": {"text": "PCA 2"}, "showticklabels": False, "zeroline": False},
        "title": {"text": f"{len(labels):,} training digits, flattened to 2-D", "font": {"size": 14}},
    }
    figure = go.Figure(data=traces, layout=layout)
    st.plotly_chart(figure, key="draw_map")
    where = (
        "your digit is the star and its nearest neighbours are ringed"
        if query_embedding is not None
        else "draw a digit and it lands on this map as a star"
    )
    st.caption(
        "Each dot is a training digit placed by its embedding (flattened from "
        f"{index.reference_embeddings.shape[1]} numbers to 2 with PCA); {where}. Flattening squashes "
        "distances, so neighbours can look further apart here than they are to the network."
    )


def find_neighbours(stroke_width: int) -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        st.markdown("**Your digit**")
        image = drawing_canvas(canvas_key("draw_canvas"), stroke_width)
        clear_button("draw_canvas")
        k = st.slider("Neighbours to show (k)", 1, 10, 5, key="draw_k")
    steps = read_drawing(image)
    with right:
        if steps is None or not steps.ok:
            explain_status(steps)
            result = None
        else:
            result = index.query(steps.centred, k=k)
            show_steps(steps)
            show_prediction(result, k)
    if result is None:
        show_map()
    else:
        show_map(result.embedding, result.indices, result.predicted)


def compare_two(stroke_width: int) -> None:
    st.write("Draw one digit on each canvas. The network says *same digit* when their points are close enough.")
    columns = st.columns(2, gap="large")
    embeddings = []
    for column, name, title in zip(columns, ("compare_a", "compare_b"), ("First digit", "Second digit"), strict=True):
        with column:
            st.markdown(f"**{title}**")
            image = drawing_canvas(canvas_key(name), stroke_width)
            clear_button(name)
            drawn = read_drawing(image)
            if drawn is not None and drawn.ok:
                result = index.query(drawn.centred, k=5)  # its embedding is embed_query's
                picture, words = st.columns([1, 2])
                picture.image(digit_picture(drawn.centred, scale=3), caption="what the network sees")
                words.caption(f"Its nearest training digits say **{result.predicted}**.")
                embeddings.append(result.embedding)
            else:
                explain_status(drawn)
    if len(embeddings) < 2:
        return
    metric, threshold = model.config.metric, float(model.threshold)
    first, second = embeddings
    distance = float(paired_distances(first[None], second[None], metric=metric)[0])
    same = bool(predict_same(distance, threshold))
    st.divider()
    verdict, gauge = st.columns([1, 1], gap="large")
    with verdict:
        if same:
            st.markdown("### :green[Same digit]")
            relation = "at most"
        else:
            st.markdown("### :red[Different digits]")
            relation = "more than"
        st.metric(f"{metric.capitalize()} distance between the embeddings", f"{distance:.3f}")
        st.caption(
            f"The distance is {relation} the model's threshold of {threshold:.3f}, so the network calls them "
            f"{'the same digit' if same else 'different digits'}. The threshold is the distance that best "
            "separated same-digit from different-digit pairs of held-out validation digits."
        )
    with gauge:
        st.markdown("**Distance vs threshold**")
        st.plotly_chart(distance_gauge(distance, threshold, same), key="compare_gauge")
        st.caption(
            "The bar is the distance; the black line is the threshold. Up to the line (green) the network "
            "says *same digit*, past it (red) *different digits*."
        )


def distance_gauge(distance: float, threshold: float, same: bool) -> go.Figure:
    top = max(2.0 * threshold, 1.15 * distance, 1e-6)
    figure = go.Figure(
        go.Indicator(
            mode="gauge",
            value=distance,
            domain={"x": [0.0, 1.0], "y": [0.0, 1.0]},
            gauge={
                "shape": "bullet",
                "axis": {"range": [0, top]},
                "bar": {"color": SAME_COLOUR if same else DIFFERENT_COLOUR, "thickness": 0.45},
                "steps": [
                    {"range": [0, threshold], "color": "#dcfce7"},
                    {"range": [threshold, top], "color": "#fee2e2"},
                ],
                "threshold": {"line": {"color": "#0f172a", "width": 3}, "thickness": 0.9, "value": threshold},
            },
        )
    )
    figure.update_layout(height=110, margin={"l": 10, "r": 20, "t": 10, "b": 30})
    return figure


# ---------------------------------------------------------------- page
mode_column, pen_column = st.columns([2, 1])
mode = mode_column.radio("Mode", MODES, horizontal=True, key="draw_mode")
stroke_width = pen_column.slider("Pen width", 8, 36, 18, step=2, key="draw_stroke_width")

if st_canvas is None:
    st.warning("The drawing canvas (streamlit-drawable-canvas) isn't available, so this page can't show it.")
elif mode == MODES[0]:
    find_neighbours(stroke_width)
else:
    compare_two(stroke_width)
