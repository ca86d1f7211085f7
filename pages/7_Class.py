"""Class: students join with a code and send drawings from the Draw page; the teacher's board shows the class.

The board refreshes itself every few seconds. Everything it shows is computed by
``siamese.class_report`` from the drawings the database holds.
"""

import numpy as np
import streamlit as st

from explorer_ui import state
from explorer_ui.caches import reference_index, reference_map
from explorer_ui.class_board import REFRESH_SECONDS, Board, board, class_store
from explorer_ui.default_model import active_model
from explorer_ui.evaluation_charts import accuracy_figure, confusion_figure
from explorer_ui.maps import as_xy
from explorer_ui.maps import reference_map as map_figure
from explorer_ui.page import page_setup
from explorer_ui.pictures import DIFFERENT_COLOUR, DIGIT_COLOURS, INK_COLOUR, digit_picture
from siamese.class_codes import display_code, normalise_code
from siamese.class_store import ClassRuleError, ClassStore, ClassStoreError
from siamese.conventions import NUM_CLASSES
from siamese.mnist import MnistData
from siamese.trained_model import TrainedModel

MISREAD_SHOWN = 24


def join(store: ClassStore) -> None:
    """A student types the class code once; it stays for the session."""
    st.subheader("Join a class")
    joined = state.class_code()
    if joined:
        info = store.class_info(joined)
        status = "open" if info and info.is_open else "closed"
        st.success(f"You are in class {display_code(joined)} ({status}). Send drawings from the Draw page.")
        st.button("Leave the class", on_click=state.join_class, args=(None,))
        return
    with st.form("join", border=False):
        typed = st.text_input("Class code", key=state.JOIN_CODE, max_chars=12, placeholder="ABC-DEF", width=240)
        if st.form_submit_button("Join"):
            try:
                code = normalise_code(typed)
                info = store.class_info(code)
                if info is None:
                    raise ClassRuleError("there is no class with that code")
                if not info.is_open:
                    raise ClassRuleError("that class is closed")
            except ValueError as error:
                st.error(f"Can't join: {error}.")
            else:
                state.join_class(code)
                st.rerun()


def teach(store: ClassStore) -> None:
    """Start a class (code and key shown), or open a board with its code and key; the page then shows the board."""
    st.subheader("Teach a class")
    with st.container(horizontal=True, gap="large"):
        if st.button("Start a class", type="primary"):
            code, key = store.start_class()
            state.remember_teacher_key(code, key)
            state.show_key_once(code, key)
            state.open_board(code)
            st.rerun()
        for code in state.taught_classes():
            st.button(f"Back to the board of {display_code(code)}", key=f"back_to_{code}", on_click=state.open_board,
                      args=(code,))  # fmt: skip
        with st.popover("Open a board on another device"):
            code_text = st.text_input("Class code", key="open_board_code", max_chars=12)
            key_text = st.text_input("Teacher key", key="open_board_key", type="password")
            if st.button("Open the board"):
                try:
                    code = normalise_code(code_text)
                except ValueError as error:
                    st.error(f"Can't open: {error}.")
                else:
                    if store.is_teacher(code, key_text):
                        state.remember_teacher_key(code, key_text.strip())
                        state.open_board(code)
                        st.rerun()
                    else:
                        st.error("Can't open: that teacher key does not open this class.")


def show_new_key(code: str) -> None:
    """A new class's teacher key, shown in the one session that started it."""
    new_key = state.key_to_show(code)
    if new_key:
        st.warning(
            f"Your teacher key, shown only this once: **{new_key}** · keep it to open this board on another device "
            "and to clear, delete, close or export. Only a hash of it is stored."
        )


@st.fragment(run_every=REFRESH_SECONDS)
def show_board(store: ClassStore, code: str, data: MnistData) -> None:
    """The projector view: refreshed every few seconds, without rerunning the rest of the page."""
    model = active_model(data)
    index = reference_index(model, data)
    info = store.class_info(code)
    st.markdown(f"# Class {display_code(code)}")
    st.caption(f"Students join on the Class page with this code, or with the link ending in /Class?class={code}.")
    if info is None:
        st.error("This class no longer exists.")
        return
    current = board(store, code, model, index)
    report = current.report
    with st.container(horizontal=True, gap="large"):
        st.metric("Drawings", f"{report.drawings:,}", width="content")
        st.metric("Students", f"{report.students:,}", width="content")
        accuracy = "–" if report.drawings == 0 else f"{report.accuracy:.0%}"
        st.metric(
            "Read right",
            accuracy,
            width="content",
            help="Drawings whose 5 nearest training digits vote for the digit meant.",
        )
        if report.most_different_digit is not None:
            ratio = report.strangeness[report.most_different_digit]
            st.metric(
                "Written most differently from MNIST",
                str(report.most_different_digit),
                help=f"Our drawings of it lie {ratio:.1f}× as far from MNIST's cluster of it as MNIST's own do.",
                width="content",
            )
        st.caption("open: students can send" if info.is_open else "closed: nothing more can be sent")
    if report.drawings == 0:
        st.info(f"Students: open the Class page, join with the code **{display_code(code)}**, then draw and send.")
        return
    with st.container(horizontal=True, gap="large"):
        with st.container(width=720):
            show_map(model, data, current)
        with st.container(width=520):
            show_accuracy(current)
    show_misread(current, code)
    show_references(current)


def show_map(model: TrainedModel, data: MnistData, current: Board) -> None:
    projection, labels = reference_map(model, data)
    placed = as_xy(projection.transform(current.embeddings))
    report, digits = current.report, current.drawings.digits
    traces = []
    for digit in range(NUM_CLASSES):
        ours = digits == digit
        if not np.any(ours):
            continue
        wrong = np.isin(np.flatnonzero(ours), report.misread)
        rim = {"color": np.where(wrong, DIFFERENT_COLOUR, INK_COLOUR).tolist(), "width": np.where(wrong, 3, 1).tolist()}
        traces.append(
            {
                "type": "scatter",
                "x": placed[ours, 0],
                "y": placed[ours, 1],
                "mode": "markers",
                "name": f"our {digit}s",
                "marker": {"symbol": "star", "size": 16, "color": DIGIT_COLOURS[digit], "line": rim},
                "hovertemplate": f"one of our {digit}s<extra></extra>",
            }
        )
    figure = map_figure(as_xy(projection.points), labels, extra_traces=tuple(traces))
    figure.update_layout(title={"text": "Our drawings (stars) among MNIST's training digits; red rims: misread"})
    st.plotly_chart(figure, key="class_map")


def show_accuracy(current: Board) -> None:
    report = current.report
    st.plotly_chart(accuracy_figure(report), key="class_accuracy")
    st.plotly_chart(confusion_figure(report), key="class_confusion")


def show_misread(current: Board, code: str) -> None:
    report, drawings = current.report, current.drawings
    st.subheader(f"Misread: {len(report.misread)} of {report.drawings}")
    if not len(report.misread):
        st.caption("The network reads every drawing of this class right.")
        return
    with st.container(horizontal=True, gap="small"):
        for position in report.misread[-MISREAD_SHOWN:][::-1]:
            nickname = drawings.nicknames[position]
            caption = (
                f"#{drawings.ids[position]} · meant {drawings.digits[position]}, read {report.predicted[position]}"
            )
            caption += f" · {nickname}" if nickname else ""  # st.image captions are plain text
            picture = digit_picture(drawings.images[position] / 255.0, frame=DIFFERENT_COLOUR, scale=3)
            st.image(picture, caption=caption, width=110)


def show_references(current: Board) -> None:
    st.subheader("Use our drawings as references")
    adaptation = current.adaptation
    st.caption(
        "Each drawing is read again with the other students' drawings added to the training digits (never its own "
        "writer's): the network learns nothing new, it only has our handwriting to compare with."
    )
    with st.container(horizontal=True, gap="large"):
        st.metric("Read right, MNIST alone", f"{adaptation.before:.0%}", width="content")
        st.metric(
            "… with our drawings too",
            f"{adaptation.after:.0%}",
            delta=f"{(adaptation.after - adaptation.before) * 100:+.0f} points",
            width="content",
        )


def teacher_actions(store: ClassStore, code: str) -> None:
    key = state.teacher_key(code)
    st.subheader("Teacher")
    with st.container(horizontal=True, gap="medium"):
        try:
            payload, table = store.export(code, key)
        except (ClassRuleError, ClassStoreError) as error:
            st.error(f"Can't export: {error}.")
        else:
            st.download_button("Export the drawings (.npz)", payload, file_name=f"class-{code}.npz")
            st.download_button("Export the list (.csv)", table, file_name=f"class-{code}.csv", mime="text/csv")
        if st.button("Clear the board", help="Deletes every drawing of this class."):
            act(lambda: st.toast(f"Cleared {store.clear(code, key)} drawings."))
        if st.button("Close the class", help="Students can no longer send; the board stays."):
            act(lambda: store.close_class(code, key))
        drawing = st.number_input("Drawing number", min_value=1, step=1, value=None, width=160, placeholder="number")
        if st.button("Delete it", disabled=drawing is None):
            act(lambda: st.toast("Deleted." if store.delete_drawing(code, key, int(drawing)) else "No such drawing."))


def act(action) -> None:
    try:
        action()
    except (ClassRuleError, ClassStoreError) as error:
        st.error(f"That didn't work: {error}.")


def main() -> None:
    data = page_setup("Class")
    st.title("Class board")
    store, problem = class_store()
    if store is None:
        st.error(problem)
        return
    code = state.value(state.BOARD_CODE)
    if not (code and state.teacher_key(code)):
        # Joining and teaching; once a board is open the page is the board alone, for the projector.
        with st.container(horizontal=True, gap="large"):
            with st.container(width=460):
                join(store)
            with st.container(width=640):
                teach(store)
        return
    st.button(
        "Leave the board",
        on_click=state.open_board,
        args=(None,),
        help="Back to joining or starting a class. This tab keeps the key: the board opens again in one click.",
    )
    show_new_key(code)
    show_board(store, code, data)
    st.divider()
    teacher_actions(store, code)


main()
