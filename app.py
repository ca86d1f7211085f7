"""Siamese Explorer: the home page, and the entry point (``streamlit run app.py``). No TensorFlow here."""

import streamlit as st

from explorer_ui import state
from explorer_ui.data_source import mnist
from explorer_ui.default_model import shared_model_description
from explorer_ui.page import PAGES, start_page
from siamese.data.mnist import MnistData

SIAMESE_DIAGRAM = """
digraph siamese {
    rankdir=TB; bgcolor="transparent";
    node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, color="#94a3b8"];
    a [label="image A", fillcolor="#e0e7ff"]; b [label="image B", fillcolor="#e0e7ff"];
    ta [label="network\\nCNN, MLP or ViT → 128 numbers", fillcolor="#c7d2fe"];
    tb [label="network\\n(the same weights)", fillcolor="#c7d2fe"];
    ea [label="embedding A", fillcolor="#f1f5f9"]; eb [label="embedding B", fillcolor="#f1f5f9"];
    d [label="distance\\nsmall = same digit", fillcolor="#cce3f0"];
    a -> ta -> ea; b -> tb -> eb; ea -> d; eb -> d;
    ta -> tb [style=dashed, dir=both, label=" shared ", fontsize=10, color="#4f46e5", constraint=false];
    {rank=same; ta; tb}
}
"""


def explain_embeddings() -> None:
    st.title("Siamese Explorer")
    st.markdown(
        "Watch a neural network learn to tell handwritten digits apart **without ever being told what a digit is**: "
        "it only sees pairs of images and learns whether they show the same digit."
    )
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("What is an embedding?")
        st.markdown(
            "An **embedding** turns an image into a list of numbers: a point in space. A good embedding puts "
            "images that mean the same thing close together and different things far apart, so *similar* "
            "becomes *near*. Search engines, face unlock and recommendations all work this way."
        )
        st.subheader("What does a Siamese network do?")
        st.markdown(
            "It feeds **two images through the same network** (two towers that share every weight) and measures "
            "the **distance** between the two embeddings. Training pulls pairs of the same digit together and "
            "pushes pairs of different digits at least a *margin* apart (the contrastive loss of Hadsell, "
            "Chopra and LeCun, 2006). Afterwards one tower alone embeds any image."
        )
    with right:
        st.graphviz_chart(SIAMESE_DIAGRAM)
        st.caption(
            "The classic recipe's network is an MLP (784 → 512 → 256 → 128 numbers); the app's shipped one is a "
            "small CNN of three convolutions; the Train page also offers a small Vision Transformer."
        )


def show_status(data: MnistData) -> None:
    status_data, status_model = st.columns(2)
    with status_data:
        st.markdown("**Data**")
        st.write(data.description)
        if data.source == "embedded":
            st.info(
                "Running offline on the 5,000-digit MNIST subset that ships with the app. "
                "Point `SIAMESE_MNIST` at a full `mnist.npz` for all 70,000 digits (see the README)."
            )
        for reason in data.skipped:
            st.caption(f"Skipped: {reason}")
    with status_model:
        st.markdown("**Model**")
        model = state.session_model()
        if model is not None:
            st.write(f"Using **{model.name}** from this session.")
        else:
            st.write(f"No model trained in this session yet, so every page uses {shared_model_description(data)}.")


def where_next() -> None:
    st.subheader("Where to go next")
    for number, link in enumerate(PAGES, start=1):
        # The link is short, so it never runs past a phone's edge; what the page is for goes below it.
        st.page_link(link.path, label=f"{number}. {link.label}", icon=link.icon)
        st.caption(link.what.capitalize() + ".")


def main() -> None:
    start_page("Home")
    # The explanations need no data, so they go on screen before MNIST is loaded (about a second in full).
    explain_embeddings()
    st.divider()
    show_status(mnist())
    where_next()


main()
