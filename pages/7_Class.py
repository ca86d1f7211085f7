"""Class: students join with a code and send drawings from the Draw page; the teacher's board shows the class.

A new class's teacher key is shown once, in a window of its own, before the board opens: the
board itself goes on the projector and never shows it. The board refreshes itself every few
seconds; everything it shows is computed by ``siamese.classroom.report`` from the drawings the
database holds. Its first screen (code, counts, map, per-digit accuracy) fits a 1366 x 768
projector; projector mode makes its text readable from the back of a room.
"""

import datetime
import functools

import streamlit as st

from explorer_ui import state
from explorer_ui.caches import reference_index, reference_map
from explorer_ui.class_board import (
    REFRESH_SECONDS,
    Board,
    board,
    board_chart,
    board_map_figure,
    class_store,
    export_file,
    leave_class,
    misread_caption,
    retention_days,
)
from explorer_ui.default_model import active_model
from explorer_ui.evaluation_charts import accuracy_figure, confusion_figure
from explorer_ui.page import page_setup
from explorer_ui.pictures import DIFFERENT_COLOUR, digit_picture
from siamese.classroom.codes import TYPED_CODE_LENGTH, display_code, normalise_code
from siamese.classroom.store import ClassInfo, ClassRuleError, ClassStore, ClassStoreError
from siamese.data.mnist import MnistData
from siamese.storage.trained_model import TrainedModel

MISREAD_SHOWN = 24
MAP_WIDTH, SIDE_WIDTH = 720, 420  # map and per-digit accuracy side by side at 1366 px; the table beside at 1920


# ---------------------------------------------------------------- joining and starting
def join(store: ClassStore) -> None:
    """A student types the class code once; it stays for the session (and in the page's address)."""
    st.subheader("Join a class")
    joined = state.class_code()
    if joined:
        info = store.class_info(joined)
        if info is None:
            st.warning(f"Class {display_code(joined)} no longer exists: your teacher deleted it.")
        else:
            status = "open" if info.is_open else "closed"
            st.success(f"You are in class {display_code(joined)} ({status}). Send drawings from the Draw page.")
        st.button("Leave the class", on_click=leave_class)
        return
    with st.form(state.JOIN_FORM, border=False):
        typed = st.text_input(
            "Class code", key=state.JOIN_CODE, max_chars=TYPED_CODE_LENGTH, placeholder="ABC-DEF", width=240
        )
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
    """Start a class (its key is shown once, then its board opens), or open a board with its code and key."""
    st.subheader("Teach a class")
    with st.container(horizontal=True, gap="large"):
        if st.button(
            "Start a class",
            type="primary",
            help="Start it before the projector is on: the teacher key is shown once, in a window of its own.",
        ):
            code, key = store.start_class()
            state.remember_teacher_key(code, key)
            state.show_key_once(code, key)
            st.rerun()
        for code in state.taught_classes():
            label = f"Back to the board of {display_code(code)}"
            st.button(label, key=state.back_to_board(code), on_click=state.open_board, args=(code,))
        with st.popover("Open a board on another device"):
            code_text = st.text_input("Class code", key=state.OPEN_BOARD_CODE, max_chars=TYPED_CODE_LENGTH)
            key_text = st.text_input("Teacher key", key=state.BOARD_KEY, type="password")
            if st.button("Open the board"):
                open_with_key(store, code_text, key_text)
    days, _ = retention_days()
    st.caption(
        f"A closed class and its drawings are deleted {days:g} days after closing; you can also delete a class at "
        "once from its board."
    )


def open_with_key(store: ClassStore, code_text: str, key_text: str) -> None:
    try:
        code = normalise_code(code_text)
    except ValueError as error:
        st.error(f"Can't open: {error}.")
        return
    if store.is_teacher(code, key_text):
        state.remember_teacher_key(code, key_text.strip())
        state.open_board(code)
        st.rerun()
    st.error("Can't open: that teacher key does not open this class.")


def reopen(store: ClassStore, code: str) -> None:
    """The address named this board (a reload, a restart): one step, the key, opens it again."""
    with st.form(state.REOPEN_FORM, border=True, width=640):
        st.markdown(f"**Open the board of class {display_code(code)} again**")
        key_text = st.text_input(
            "Teacher key", key=state.REOPEN_KEY, type="password", help="The key shown when you started the class."
        )
        with st.container(horizontal=True):
            if st.form_submit_button("Open the board", type="primary"):
                open_with_key(store, code, key_text)
            if st.form_submit_button("Not now"):
                state.ask_to_reopen(None)
                st.rerun()


@st.dialog("Your teacher key", width="medium", on_dismiss=state.key_seen)
def show_key(code: str, key: str) -> None:
    """The one time a teacher key is shown: here, before the board opens, never on the board."""
    st.write(
        f"Class **{display_code(code)}** is open. Keep its teacher key: you need it to open the board again "
        "after a reload or on another device, and to export, clear, close or delete the class. It is shown "
        "only this once (the copy icon copies it), and the app keeps only a hash of it."
    )
    st.code(key, language=None)
    if st.button("I have kept it: open the board", type="primary"):
        state.key_seen()
        st.rerun()


# ---------------------------------------------------------------- the board
@st.fragment(run_every=REFRESH_SECONDS)
def show_board(store: ClassStore, code: str, data: MnistData, *, projector: bool) -> None:
    """The projector view: refreshed every few seconds, without rerunning the rest of the page."""
    if state.kept_value(state.PROJECTOR_MODE, False) != projector:
        st.rerun()  # the navigation bar comes or goes with projector mode: the whole page is drawn again
    model = active_model(data)
    index = reference_index(model, data)
    try:
        info = store.class_info(code)
        current = board(store, code, model, index) if info is not None else None
    except ClassRuleError:
        info = current = None  # deleted between the two reads
    except ClassStoreError as error:
        st.error(f"The class board is not available: {error}.")
        return
    header(code, info, current, projector=projector)
    if info is None or current is None:
        st.error("This class no longer exists: it was deleted, or forgotten some time after it was closed.")
        return
    state.shown_board(code).current = current
    report = current.report
    if report.drawings == 0:
        st.info(f"Students: open the Class page, join with the code {display_code(code)}, then draw and send.")
        return
    with st.container(horizontal=True, gap="small"):
        with st.container(width=MAP_WIDTH):
            show_map(model, data, current, projector=projector)
        with st.container(width=SIDE_WIDTH):
            st.plotly_chart(board_chart(accuracy_figure(report), projector=projector), key=state.CLASS_ACCURACY_CHART)
        with st.container(width=SIDE_WIDTH):
            st.plotly_chart(board_chart(confusion_figure(report), projector=projector), key=state.CLASS_CONFUSION_CHART)
    show_misread(current, projector=projector)
    show_references(current)


def header(code: str, info: ClassInfo | None, current: Board | None, *, projector: bool) -> None:
    """The board's first lines: the code and how to join, the counts, and the teacher's two switches."""
    shown = display_code(code)
    closed = info is not None and not info.is_open
    with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
        with st.container(width="content", gap=None):
            st.markdown(f"# Class {shown}")
            if closed:
                join_line = "Closed: nothing more can be sent"
            else:
                join_line = f"Join: the Class page, code {shown}" + ("" if projector else f", or /Class?class={code}")
            if projector:
                st.markdown(f"#### {join_line}")
            else:
                st.caption(join_line)
        if current is not None and not projector:
            for label, value, explained in counts(current):
                st.metric(label, value, width="content", help=explained)
        board_switches()
    if current is not None and projector:  # a line of its own, as large as a heading
        with st.container(horizontal=True, gap="medium"):
            for label, value, _ in counts(current):
                st.markdown(f"## {value} {label.lower()}" if label[0] in "DSR" else f"## {label}: {value}")


def board_switches() -> None:
    with st.container(width="content", gap="small"):
        state.keep_widget(state.PROJECTOR_MODE, False)
        st.toggle(
            "Projector mode",
            key=state.PROJECTOR_MODE,
            on_change=state.remember_widget,
            args=(state.PROJECTOR_MODE,),
            help="Larger text and marks, for the back of the room; the navigation bar is hidden.",
        )
        if st.button("Leave the board", key=state.LEAVE_BOARD, help="The board opens again in one click."):
            state.open_board(None)
            st.rerun()


def counts(current: Board) -> list[tuple[str, str, str | None]]:
    """``(label, value, explanation)`` of each count the board shows."""
    report = current.report
    accuracy = "–" if report.drawings == 0 else f"{report.accuracy:.0%}"
    figures = [
        ("Drawings", f"{report.drawings:,}", None),
        ("Students", f"{report.students:,}", None),
        ("Read right", accuracy, "Drawings whose 5 nearest training digits vote for the digit meant."),
    ]
    if report.most_different_digit is not None:
        figures.append(
            (
                "Most unlike MNIST",
                str(report.most_different_digit),
                "The digit the class writes most differently from MNIST's writers: our drawings of it lie "
                "farthest (relatively) from MNIST's cluster of it.",
            )
        )
    return figures


def show_map(model: TrainedModel, data: MnistData, current: Board, *, projector: bool) -> None:
    projection, labels = reference_map(model, data)
    figure = board_map_figure(projection, labels, current, projector=projector)
    st.plotly_chart(figure, key=state.CLASS_MAP_CHART)


def show_misread(current: Board, *, projector: bool) -> None:
    report, drawings = current.report, current.drawings
    st.subheader(f"Misread: {len(report.misread)} of {report.drawings}")
    if not len(report.misread):
        st.caption("The network reads every drawing of this class right.")
        return
    scale, width = (5, 160) if projector else (3, 110)
    with st.container(horizontal=True, gap="small"):
        for position in report.misread[-MISREAD_SHOWN:][::-1]:
            picture = digit_picture(drawings.images[position] / 255.0, frame=DIFFERENT_COLOUR, scale=scale)
            with st.container(width=width, gap=None):
                caption = misread_caption(
                    int(drawings.ids[position]), int(drawings.digits[position]), int(report.predicted[position])
                )
                st.image(picture, caption=None if projector else caption, width=width)
                if projector:  # a heading's size: a caption is too small for the back of the room
                    st.markdown(f"#### {caption}")
                if drawings.nicknames[position]:
                    st.text(drawings.nicknames[position])  # plain text: Markdown, HTML and links show as typed


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


# ---------------------------------------------------------------- the teacher's actions, below the board
def teacher_actions(store: ClassStore, code: str) -> None:
    key = state.teacher_key(code)
    info = store.class_info(code)
    if info is None:
        return
    st.subheader("Teacher")
    shown = state.shown_board(code)
    with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
        # The files are made when clicked, from what the board shows then: never a stale copy.
        for kind, label in (("npz", "Export the drawings (.npz)"), ("csv", "Export the list (.csv)")):
            st.download_button(
                label,
                functools.partial(export_file, store, code, key, shown, kind=kind),
                file_name=f"class-{code}.{kind}",
                mime="text/csv" if kind == "csv" else "application/octet-stream",
                on_click="ignore",
            )
        confirm_first("Clear the board…", "clear", "Deletes every drawing of this class, after you confirm.")
        if info.is_open:
            confirm_first(
                "Close the class…", "close", "Students can no longer send; the board stays; you can reopen it."
            )
        elif st.button("Reopen the class", help="Students can send again."):
            act(lambda: store.reopen_class(code, key), f"Class {display_code(code)} is open again.")
            st.rerun()
        confirm_first("Delete this class now…", "delete", "Deletes the class and its drawings, after you confirm.")
        drawing = st.number_input(
            "Drawing number",
            min_value=1,
            step=1,
            value=None,
            width=160,
            placeholder="number",
            key=state.DRAWING_TO_DELETE,
        )
        if st.button("Delete it", disabled=drawing is None):
            act(lambda: st.toast("Deleted." if store.delete_drawing(code, key, int(drawing)) else "No such drawing."))
    st.caption(retention_note(info))
    confirm = {"clear": confirm_clear, "close": confirm_close, "delete": confirm_delete}.get(state.action_to_confirm())
    if confirm is not None:
        confirm(store, code, key)


def confirm_first(label: str, action: str, explained: str) -> None:
    """A button that opens the confirmation window of ``action`` (kept open across runs until answered)."""
    st.button(label, on_click=state.ask_to_confirm, args=(action,), help=explained)


def retention_note(info: ClassInfo) -> str:
    days, problem = retention_days()
    if info.is_open:
        note = f"Once you close the class, it and its drawings are deleted {days:g} days later unless you reopen it."
    else:
        when = datetime.datetime.fromtimestamp(info.closed_at + days * 86_400).strftime("%d %B %Y, %H:%M")
        note = f"Closed: the class and its drawings will be deleted on {when} unless you reopen it."
    return f"{note} {problem}".strip()


@st.dialog("Clear the board?", on_dismiss=state.forget_action_to_confirm)
def confirm_clear(store: ClassStore, code: str, key: str) -> None:
    info = store.class_info(code)
    count = info.drawings if info else 0
    st.write(f"This deletes all {count:,} drawings of class {display_code(code)} for good. Students can go on sending.")
    confirm_or_cancel("Clear the board", lambda: f"Cleared {store.clear(code, key):,} drawings.")


@st.dialog("Close the class?", on_dismiss=state.forget_action_to_confirm)
def confirm_close(store: ClassStore, code: str, key: str) -> None:
    days, _ = retention_days()
    st.write(
        f"Students can no longer send drawings to class {display_code(code)}. The board stays, and you can reopen "
        f"the class; {days:g} days after closing it is deleted with its drawings."
    )
    confirm_or_cancel("Close the class", lambda: store.close_class(code, key) or "The class is closed.")


@st.dialog("Delete this class now?", on_dismiss=state.forget_action_to_confirm)
def confirm_delete(store: ClassStore, code: str, key: str) -> None:
    info = store.class_info(code)
    count = info.drawings if info else 0
    st.write(
        f"This deletes class {display_code(code)} and its {count:,} drawings for good: the board, the code and "
        "the key stop working. Export first if you want to keep the drawings."
    )

    def delete() -> str:
        deleted = store.delete_class(code, key)
        state.forget_class(code)
        return f"Class {display_code(code)} and its {deleted:,} drawings are deleted."

    confirm_or_cancel("Delete the class", delete)


def confirm_or_cancel(label: str, action) -> None:
    """The dialog's two buttons: ``action`` returns the line to show after it is done."""
    with st.container(horizontal=True):
        if st.button(label, type="primary"):
            try:
                state.notice_after_rerun(action())
            except (ClassRuleError, ClassStoreError) as error:
                st.error(f"That didn't work: {error}.")
                return
            state.forget_action_to_confirm()
            st.rerun()
        if st.button("Cancel"):
            state.forget_action_to_confirm()
            st.rerun()


def act(action, done: str | None = None) -> None:
    try:
        action()
    except (ClassRuleError, ClassStoreError) as error:
        st.error(f"That didn't work: {error}.")
    else:
        if done:
            st.toast(done)


# ---------------------------------------------------------------- the page
def lobby(store: ClassStore) -> None:
    """Joining and teaching; once a board is open the page is the board alone, for the projector."""
    st.title("Class board")
    _, problem = retention_days()
    if problem:
        st.warning(problem)
    new_key = state.key_to_show()
    if new_key:
        show_key(*new_key)
    if state.board_to_reopen():
        reopen(store, state.board_to_reopen())
    with st.container(horizontal=True, gap="large"):
        with st.container(width=460):
            join(store)
        with st.container(width=640):
            teach(store)


def main() -> None:
    code = state.open_board_code()
    projector = code is not None and state.kept_value(state.PROJECTOR_MODE, False)
    data = page_setup("Class", navigation=not projector, status=code is None)
    store, problem = class_store()
    if store is None:
        st.title("Class board")
        st.error(problem)
        return
    notice = state.pop_notice()
    if notice:
        st.toast(notice)
    code = state.open_board_code()  # the address may have named one
    if code is None:
        lobby(store)
        return
    show_board(store, code, data, projector=projector)
    st.divider()
    teacher_actions(store, code)


main()
