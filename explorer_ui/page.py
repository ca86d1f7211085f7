"""What every page does first: page settings, the navigation bar, the data set and the model in use.

The app uses Streamlit's own ``pages/`` layout: each file in ``pages/`` is a page, ``app.py`` is
the home page, and a deep link to any page runs that page's file. Streamlit's sidebar navigation
is switched off (``client.showSidebarNavigation`` in ``.streamlit/config.toml``) because the app
draws its own bar of links at the top of every page, which wraps onto more rows on a narrow
screen instead of a sidebar taking a third of a tablet's width.
"""

from dataclasses import dataclass

import streamlit as st

from explorer_ui import state
from explorer_ui.class_board import follow_link
from explorer_ui.data_source import mnist
from explorer_ui.pictures import app_icon
from explorer_ui.streamlit_internals import keep_keras_state_between_runs
from siamese.data.mnist import MnistData


@dataclass(frozen=True, kw_only=True)
class PageLink:
    path: str
    label: str
    icon: str
    what: str


HOME = PageLink(path="app.py", label="Home", icon=":material/home:", what="what embeddings and Siamese networks are")
PAGES = (
    PageLink(
        path="pages/1_Data_and_pairs.py",
        label="Data & pairs",
        icon=":material/grid_view:",
        what="look at the digits and the pairs the network learns from",
    ),
    PageLink(
        path="pages/2_Train.py",
        label="Train",
        icon=":material/model_training:",
        what="train a network and watch the loss fall and the clusters form",
    ),
    PageLink(
        path="pages/3_Evaluate.py",
        label="Evaluate",
        icon=":material/fact_check:",
        what="see which pairs it gets right and wrong, and why",
    ),
    PageLink(
        path="pages/4_Embeddings.py",
        label="Embeddings",
        icon=":material/scatter_plot:",
        what="explore the embedding space in 2-D and 3-D",
    ),
    PageLink(
        path="pages/5_Draw.py",
        label="Draw",
        icon=":material/draw:",
        what="draw a digit and find its nearest neighbours",
    ),
    PageLink(
        path="pages/6_New_symbols.py",
        label="New symbols",
        icon=":material/interests:",
        what="teach it symbols of your own from a few drawings, with no retraining",
    ),
    PageLink(
        path="pages/7_Class.py",
        label="Class",
        icon=":material/groups:",
        what="join your class, or show the class's own drawings on one board",
    ),
)


def page_setup(title: str, *, navigation: bool = True, status: bool = True) -> MnistData:
    """Set up the page, draw the navigation bar, load the data and say which data and model are in use.

    A class board on a projector leaves out the navigation bar (``navigation=False``) and the
    data and model line (``status=False``): the room sees the board alone.
    """
    start_page(title, navigation=navigation)
    data = mnist()
    if status:
        status_line(data)
    return data


def start_page(title: str, *, navigation: bool = True) -> None:
    """Page settings, the navigation bar and the class in the page's address, before the data is loaded."""
    keep_keras_state_between_runs()
    # Material icons in links are drawn from the app's own bundled font; the favicon is drawn here,
    # since Streamlit would fetch a material-icon favicon from the internet.
    st.set_page_config(page_title=f"{title} · Siamese Explorer", page_icon=app_icon(), layout="wide")
    if navigation:
        navigation_bar()
    follow_link()


def navigation_bar() -> None:
    with st.container(horizontal=True, gap="small", key=state.NAVIGATION):
        for link in (HOME, *PAGES):
            st.page_link(link.path, label=link.label, icon=link.icon, width="content")


def status_line(data: MnistData) -> None:
    """One caption naming the data set and this session's model (no TensorFlow needed)."""
    from explorer_ui.default_model import shared_model_description

    model = state.session_model()
    model_name = f"{model.name}" if model is not None else shared_model_description(data)
    st.caption(f"**Data:** {data.description} · **Model:** {model_name}")
    if data.source == "embedded":
        st.caption("Offline mode: no full MNIST was found, so the app uses the 5,000 real digits that ship with it.")
