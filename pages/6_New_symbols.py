"""New symbols: teach the network symbols of your own from a few drawings each, with no retraining.

The network was only ever trained on digits. Its embedding of a new drawing is compared with the
embeddings of the student's own examples (and of the training digits): the nearest example names
it, or nothing does when even the nearest is farther than the model's same/different threshold.
Until something is drawn the page needs no network, so after a restart it shows while that loads.
"""

import numpy as np
import streamlit as st

from explorer_ui import state
from explorer_ui.caches import reference_index, reference_map
from explorer_ui.canvas import CANVAS_SIZE, DEFAULT_PEN_WIDTH, canvas_available, drawing_canvas
from explorer_ui.canvas import explain_status as explain_canvas
from explorer_ui.default_model import active_model, get_network_ready
from explorer_ui.formatting import format_distance, plain
from explorer_ui.maps import as_xy, symbol_traces
from explorer_ui.maps import reference_map as map_figure
from explorer_ui.page import page_setup
from explorer_ui.pictures import NEUTRAL_COLOUR, RIGHT_MARK, SAME_COLOUR, digit_grid, digit_picture
from siamese.mnist import MnistData
from siamese.symbols import MAX_EXAMPLES, MAX_NAME_LENGTH, MAX_SYMBOLS, SymbolSet, identify
from siamese.trained_model import TrainedModel

TEACH_CANVAS, ASK_CANVAS = "symbol_canvas", "symbol_query"
PANEL_WIDTH = 560
MAP_METHODS = ("PCA", "UMAP")
TEACH_HINT = "✏️ Draw your symbol in the black box, white on black."
ASK_HINT = "✏️ Draw one of your symbols (or a digit) again: the network says which it is."


def teach(symbols: SymbolSet) -> None:
    """A name, a canvas and a button that adds the drawing as one more example of that name."""
    st.subheader("1 · Teach a symbol")
    name = st.text_input(
        "Its name",
        max_chars=MAX_NAME_LENGTH,
        key=state.SYMBOL_NAME,
        placeholder="e.g. star, arrow, A, your initials",
    )
    steps = drawing_canvas(TEACH_CANVAS, stroke_width=DEFAULT_PEN_WIDTH)
    add = st.button(
        f"Add as “{plain(name.strip())}”" if name.strip() else "Add as an example",
        type="primary",
        disabled=steps is None or not steps.ok,
        key="add_symbol_example",
    )
    if steps is not None and not steps.ok:
        explain_canvas(steps, hint=TEACH_HINT)
    if add and steps is not None and steps.ok:
        try:
            state.use_symbols(symbols.add(name, steps.centred))
        except ValueError as error:
            st.error(f"That example can't be added: {error}.")
            return
        state.clear_canvas(TEACH_CANVAS)
        st.rerun()


def show_taught(symbols: SymbolSet) -> None:
    st.subheader("Your symbols")
    notice = state.pop_notice()
    if notice:
        st.success(notice)
    if not symbols.names:
        st.info(
            f"None yet. Draw up to {MAX_SYMBOLS} symbols of your own, one to {MAX_EXAMPLES} drawings of each: "
            "letters, arrows, a star, your initials. Then draw one of them again below."
        )
        return
    for name in symbols.names:
        examples = symbols.examples_of(name)
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            st.image(digit_grid(examples, columns=MAX_EXAMPLES), width=MAX_EXAMPLES * 58 + 2)
            st.markdown(f"**{plain(name)}** · {len(examples)} drawing{'s' if len(examples) > 1 else ''}")
            st.button(
                "Forget",
                key=f"forget-{symbols.names.index(name)}",
                on_click=forget,
                args=(name,),
                icon=":material/delete:",
            )


def forget(name: str) -> None:
    state.use_symbols(state.symbols().without(name))


def embed_symbols(model: TrainedModel, symbols: SymbolSet):
    """``(n, D) float32``: the embeddings of every example drawing."""
    if not len(symbols):  # nothing taught yet: no network needed
        return np.zeros((0, model.embedding_dim), dtype=np.float32)
    from siamese.models import embed  # TensorFlow: only once there are drawings

    return embed(model.embedding_network, symbols.images)


def ask(model: TrainedModel, symbols: SymbolSet, data: MnistData) -> None:
    """A canvas for a query, the answer, the nearest examples and where it all lands on a map."""
    st.subheader("2 · Draw one again: which is it?")
    answer = None
    examples = embed_symbols(model, symbols)  # once a run: for the answer and for the map
    with st.container(horizontal=True, gap="large"):
        with st.container(width=CANVAS_SIZE + 8):
            steps = drawing_canvas(ASK_CANVAS, stroke_width=DEFAULT_PEN_WIDTH)
        with st.container(width=PANEL_WIDTH):
            if steps is None or not steps.ok:
                explain_canvas(steps, hint=ASK_HINT)
            else:
                index = reference_index(model, data)
                query = index.embed(steps.centred)
                answer = identify(query, symbols, examples, index, threshold=model.threshold)
                show_answer(answer, symbols, data)
    show_map(model, data, symbols, examples, query=None if answer is None else query)


def show_answer(answer, symbols: SymbolSet, data: MnistData) -> None:
    nearest = answer.nearest[0]
    if answer.symbol is not None:
        st.markdown(f"### :blue[{RIGHT_MARK} It's “{plain(answer.symbol)}”]")
    elif answer.digit is not None:
        st.markdown(f"### It looks like the digit {answer.digit}")
    else:
        st.markdown("### None of these")
    st.caption(
        f"The nearest example is at distance {format_distance(nearest.distance)}; the model calls two drawings the "
        f"same when they are at most {format_distance(answer.threshold)} apart (its threshold for digits). "
        + (
            "Nearer than that is a match."
            if not answer.is_none_of_these
            else "Nothing is that near, so: none of these. If you meant one of your symbols, add this drawing to "
            "it above: a few drawings in different styles teach it more than one."
        )
    )
    st.markdown("**The nearest examples**")
    with st.container(horizontal=True, gap="small"):
        for neighbour in answer.nearest:
            image = symbols.images[neighbour.index] if neighbour.kind == "symbol" else data.x_train[neighbour.index]
            is_answer = neighbour is nearest and not answer.is_none_of_these
            label = f"“{neighbour.name}”" if neighbour.kind == "symbol" else f"digit {neighbour.name}"
            st.image(
                digit_picture(image, frame=SAME_COLOUR if is_answer else NEUTRAL_COLOUR, scale=2),
                caption=f"{RIGHT_MARK + ' ' if is_answer else ''}{label} · d = {format_distance(neighbour.distance)}",
                width=100,
            )


def show_map(model: TrainedModel, data: MnistData, symbols: SymbolSet, examples: np.ndarray, *, query) -> None:
    method = st.radio("Map", MAP_METHODS, horizontal=True, key=state.SYMBOL_MAP_METHOD)
    projection, labels = reference_map(model, data, method=method)
    extra = ()
    if len(symbols):
        placed = as_xy(projection.transform(examples))
        extra = symbol_traces(placed, symbols.labels, symbols.names)
    figure = map_figure(
        as_xy(projection.points),
        labels,
        query=None if query is None else as_xy(projection.transform(query)),
        held_out=model.config.held_out_digits,
        method=method,
        extra_traces=extra,
    )
    st.plotly_chart(figure, key="symbols_map")
    st.caption(
        "Dots are training digits; your symbols' drawings are the outlined shapes, placed by the same network "
        "that never saw them. Symbols that form their own tight group, away from the digits, are easy to tell apart."
    )


def keep(symbols: SymbolSet) -> None:
    st.subheader("3 · Keep your symbols")
    with st.container(horizontal=True, vertical_alignment="bottom", gap="large"):
        st.download_button(
            "Download them (.npz)",
            data=symbols.to_npz(),
            file_name="my-symbols.npz",
            mime="application/octet-stream",
            disabled=not len(symbols),
        )
        upload = st.file_uploader("Load symbols saved here before", type=["npz"], key="symbols_upload", width=420)
    if upload is None or not state.is_new_upload("symbols", upload.name, upload.size):
        return
    try:
        loaded = SymbolSet.from_npz(upload.getvalue())
    except ValueError as error:
        st.error(f"That file can't be used: {error}.")
        return
    state.use_symbols(loaded)
    state.remember_upload("symbols", upload.name, upload.size)
    state.notice_after_rerun(
        f"Loaded {len(loaded.names)} symbol{'s' if len(loaded.names) != 1 else ''} from {plain(upload.name)}."
    )
    st.rerun()  # the symbols are listed higher up the page


def main() -> None:
    data = page_setup("New symbols")
    st.title("Teach it new symbols")
    st.write(
        "The network learned a *distance* between digits. It was never shown a star or a letter, yet it can "
        "still say how alike two of them are. Teach it a symbol with a few drawings, then draw it again."
    )
    if not canvas_available():
        st.warning("The drawing canvas (streamlit-drawable-canvas) isn't available, so this page can't show it.")
        return
    model = active_model(data)
    symbols = state.symbols()
    with st.container(horizontal=True, gap="large"):
        with st.container(width=CANVAS_SIZE + 8):
            teach(symbols)
        with st.container(width=PANEL_WIDTH):
            show_taught(symbols)
    st.divider()
    ask(model, symbols, data)
    st.divider()
    keep(symbols)
    get_network_ready(model)


main()
