"""New symbols: teach the network symbols of your own from a few drawings each, with no retraining.

A new drawing's embedding is compared with the embeddings of the student's own examples, of the
training digits and of the shapes the network learnt, and ``siamese.search.open_set`` names it: a taught
symbol, a digit, or none of these. Then two shipped networks show where they put shapes they never saw:
the digits-only one squeezes them onto its digits, the one trained on hundreds of symbol classes gives
them places of their own. Until something is drawn the page needs no network, so after a restart it
shows while that loads; the learnt shapes are embedded in the background meanwhile.
"""

import streamlit as st

from explorer_ui import state
from explorer_ui.caches import name_drawing, unseen_placement
from explorer_ui.canvas import CANVAS_SIZE, DEFAULT_PEN_WIDTH, canvas_available, drawing_canvas
from explorer_ui.canvas import explain_status as explain_canvas
from explorer_ui.default_model import active_model, digits_only_model, get_network_ready, shipped_model
from explorer_ui.formatting import format_distance, plain
from explorer_ui.known_shapes import start as start_known_shapes
from explorer_ui.maps import placement_figure
from explorer_ui.page import page_setup
from explorer_ui.pictures import NEUTRAL_COLOUR, RIGHT_MARK, SAME_COLOUR, digit_grid, digit_picture
from siamese.data.drawing import DrawingSteps
from siamese.data.mnist import MnistData
from siamese.search.open_set import VOTE_NEIGHBOURS
from siamese.search.symbols import MAX_EXAMPLES, MAX_NAME_LENGTH, MAX_SYMBOLS, SymbolSet
from siamese.storage.trained_model import TrainedModel

TEACH_CANVAS, ASK_CANVAS = "symbol_canvas", "symbol_query"
PANEL_WIDTH = 560
TEACH_HINT = "✏️ Draw your symbol in the black box, white on black."
ASK_HINT = "✏️ Draw one of your symbols (or a digit) again: the network says which it is."


def teach(symbols: SymbolSet) -> DrawingSteps | None:
    """A name, a canvas and a button that adds the drawing as one more example of that name; returns the drawing."""
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
        key=state.ADD_SYMBOL,
    )
    if steps is not None and not steps.ok:
        explain_canvas(steps, hint=TEACH_HINT)
    if add and steps is not None and steps.ok:
        try:
            state.use_symbols(symbols.add(name, steps.centred))
        except ValueError as error:
            st.error(f"That example can't be added: {error}.")
            return steps
        state.clear_canvas(TEACH_CANVAS)
        st.rerun()
    return steps


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
                key=state.forget_symbol_button(symbols.names.index(name)),
                on_click=forget,
                args=(name,),
                icon=":material/delete:",
            )


def forget(name: str) -> None:
    state.use_symbols(state.symbols().without(name))


def ask(model: TrainedModel, symbols: SymbolSet, data: MnistData) -> DrawingSteps | None:
    """A canvas for a query, the answer and the nearest examples; returns the drawing asked about."""
    st.subheader("2 · Draw one again: which is it?")
    with st.container(horizontal=True, gap="large"):
        with st.container(width=CANVAS_SIZE + 8):
            steps = drawing_canvas(ASK_CANVAS, stroke_width=DEFAULT_PEN_WIDTH)
        with st.container(width=PANEL_WIDTH):
            if steps is None or not steps.ok:
                explain_canvas(steps, hint=ASK_HINT)
                return None
            show_answer(name_drawing(model, data, symbols, steps.centred), symbols, data)
    return steps


def show_answer(answer, symbols: SymbolSet, data: MnistData) -> None:
    nearest = answer.nearest[0]
    if answer.symbol is not None:
        st.markdown(f"### :blue[{RIGHT_MARK} It's “{plain(answer.symbol)}”]")
    elif answer.digit is not None:
        st.markdown(f"### It looks like the digit {answer.digit}")
    else:
        st.markdown("### None of these")
    rule = answer.rule
    st.caption(
        f"How it decides: your nearest drawing names it if it lies within {format_distance(rule.symbol_threshold)} "
        f"and nearer than any training digit; otherwise it is a digit if it lies within "
        f"{format_distance(rule.digit_threshold)} of that digit's centre and at least {rule.digit_votes} of the "
        f"{VOTE_NEIGHBOURS} shapes it learnt that lie nearest are digits, not symbols; otherwise none of these. The "
        "limits were set on symbols this network never saw. "
        f"Here the nearest example is at {format_distance(nearest.distance)}, the nearest digit centre at "
        f"{format_distance(answer.centre_distance)}, and {answer.digit_votes} of its {VOTE_NEIGHBOURS} nearest "
        "learnt shapes are digits."
        + (
            " If you meant one of your symbols, add this drawing to it above: a few drawings in different styles "
            "teach it more than one."
            if answer.is_none_of_these
            else ""
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


def why_it_works(data: MnistData, symbols: SymbolSet, steps: DrawingSteps | None) -> None:
    """The same shapes shown to a digits-only network and to one trained on hundreds of symbol classes."""
    st.subheader("3 · Why a learned distance works on shapes it never saw")
    networks = [model for model in (digits_only_model(), shipped_model()) if model is not None]
    if len(networks) < 2:
        st.info("This lesson needs the two networks that ship with the app, and their files can't be read.")
        return
    with st.container(horizontal=True, gap="large"):
        for model in networks:
            with st.container(width=PANEL_WIDTH):
                show_placement(model, data, symbols, steps)
    st.caption(
        "Trained on ten digits alone, a network only learns what tells those ten apart, so anything else lands on "
        "one of them; trained on over a thousand kinds of shape, it learns what makes shapes differ, so a shape it "
        "never saw gets a place of its own. Grey crosses are Greek, Cyrillic and other symbols neither network "
        "was ever shown; your symbols are the outlined shapes and your last drawing the star."
    )


def show_placement(model: TrainedModel, data: MnistData, symbols: SymbolSet, steps: DrawingSteps | None) -> None:
    placement = unseen_placement(model, data)
    trained_on = "symbols and digits" if model.config.with_symbols else "digits only"
    figure = placement_figure(
        placement,
        title=f"{model.name.capitalize()}: trained on {trained_on}",
        symbols=symbols,
        symbol_embeddings=model.embed(symbols.images),
        drawing_embedding=model.embed(steps.centred[None]) if steps is not None and steps.ok else None,
    )
    st.plotly_chart(figure, key=state.placement_chart(model.name))
    share = placement.share_within(model.threshold)
    st.metric(
        "Unseen shapes it calls “the same as a digit”",
        f"{share:.0%}",
        help=f"Of {len(placement.distances)} drawings of symbols it never saw, the share within its threshold "
        f"({format_distance(model.threshold)}) of some digit's centre.",
    )


def keep(symbols: SymbolSet) -> None:
    st.subheader("4 · Keep your symbols")
    with st.container(horizontal=True, vertical_alignment="bottom", gap="large"):
        st.download_button(
            "Download them (.npz)",
            data=symbols.to_npz(),
            file_name="my-symbols.npz",
            mime="application/octet-stream",
            disabled=not len(symbols),
        )
        upload = st.file_uploader("Load symbols saved here before", type=["npz"], key=state.SYMBOLS_UPLOAD, width=420)
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
            drawing = teach(symbols)
        with st.container(width=PANEL_WIDTH):
            show_taught(symbols)
    st.divider()
    steps = ask(model, symbols, data)
    st.divider()
    why_it_works(data, symbols, steps)
    st.divider()
    keep(symbols)
    get_network_ready(model)
    if drawing is not None or steps is not None:  # a student drawing: the rule's learnt shapes are made meanwhile
        start_known_shapes(model, data)


main()
