"""Siamese Explorer: the entry point, with the home page. Opens fast: no TensorFlow here."""

import streamlit as st

from explorer_ui import (
    configure_page,
    default_model_status,
    keep_keras_state_between_runs,
    load_data_with_status,
    route_through_entrypoint,
)

PAGES = [
    (
        "pages/1_Data_and_pairs.py",
        "Data & pairs",
        ":material/grid_view:",
        "look at the digits and the pairs the network learns from",
    ),
    (
        "pages/2_Train.py",
        "Train",
        ":material/model_training:",
        "train a network and watch the loss fall and the clusters form",
    ),
    ("pages/3_Evaluate.py", "Evaluate", ":material/fact_check:", "see which pairs it gets right and wrong, and why"),
    ("pages/4_Embeddings.py", "Embeddings", ":material/scatter_plot:", "explore the embedding space in 2-D and 3-D"),
    ("pages/5_Draw.py", "Draw", ":material/draw:", "draw a digit and find its nearest neighbours"),
]


def home() -> None:
    # The explanations need no data, so they go on screen before MNIST is loaded (about a second in full).
    configure_page("Home")

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
        st.graphviz_chart(
            """
            digraph siamese {
                rankdir=TB; bgcolor="transparent";
                node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, color="#94a3b8"];
                a [label="image A", fillcolor="#e0e7ff"]; b [label="image B", fillcolor="#e0e7ff"];
                ta [label="network\\n784 → 512 → 256 → 128", fillcolor="#c7d2fe"];
                tb [label="network\\n(the same weights)", fillcolor="#c7d2fe"];
                ea [label="embedding A", fillcolor="#f1f5f9"]; eb [label="embedding B", fillcolor="#f1f5f9"];
                d [label="distance\\nsmall = same digit", fillcolor="#dcfce7"];
                a -> ta -> ea; b -> tb -> eb; ea -> d; eb -> d;
                ta -> tb [style=dashed, dir=both, label=" shared ", fontsize=10, color="#4f46e5", constraint=false];
                {rank=same; ta; tb}
            }
            """
        )

    st.divider()
    data = load_data_with_status()
    status_data, status_model = st.columns(2)
    with status_data:
        st.markdown("**Data**")
        st.write(data.description)
        if data.source == "embedded":
            st.info(
                "Running offline on the 5,000-digit MNIST subset that ships with the app. "
                "Point `SIAMESE_DATA` at a full `mnist.npz` for all 70,000 digits (see the README)."
            )
        for reason in data.skipped:
            st.caption(f"Skipped: {reason}")
    with status_model:
        st.markdown("**Model**")
        model = st.session_state.get("model")
        if model is not None:
            st.write(f"Using **{model.name}** from this session.")
        else:
            st.write(f"No model trained in this session yet; the shared default model is {default_model_status(data)}.")

    st.subheader("Where to go next")
    for number, (path, label, icon, what) in enumerate(PAGES, start=1):
        st.page_link(path, label=f"{number}. {label}: {what}", icon=icon)


keep_keras_state_between_runs()
route_through_entrypoint()
navigation = st.navigation(
    # No page icons: Streamlit would fetch a material icon from the internet for the favicon.
    [st.Page(home, title="Home", default=True)] + [st.Page(path, title=label) for path, label, _, _ in PAGES]
)
navigation.run()
