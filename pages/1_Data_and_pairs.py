"""Data & pairs: browse the MNIST digits and see the positive / negative pairs a Siamese network learns from.

This page must open fast, so it imports nothing that pulls in TensorFlow (no siamese.models,
storage or training, and no model from explorer_ui).
"""

import numpy as np
import pandas as pd
import streamlit as st

from explorer_ui import state
from explorer_ui.page import page_setup
from explorer_ui.pictures import DIFFERENT_COLOUR, DIFFERENT_MARK, SAME_COLOUR, SAME_MARK, digit_grid, pair_picture
from siamese.conventions import DIFFERENT, NUM_CLASSES, SAME
from siamese.mnist import MnistData
from siamese.pairs import Pairs, make_pairs

EXAMPLES_SHOWN = 40
EXAMPLE_COLUMNS = 10
PAIRS_PER_KIND = 6  # six positive and six negative pairs: twelve in all
PAIR_WIDTH = 240  # four pairs a row on a laptop, three on a tablet, one on a phone
GRID_WIDTH = 600  # the grid of examples (10 digits of 58 px)
COUNTS_WIDTH = 460
ALL_DIGITS = "all"


def browse_digits(data: MnistData) -> None:
    """A digit picker, a grid of training examples of that digit and the count of every digit."""
    st.header("The digits")
    st.caption(
        "MNIST is a collection of handwritten digits, each a 28 × 28 grey picture with its true digit. "
        "The network only ever sees the pixels; the digit labels tell us which pictures belong together."
    )
    choice = st.radio("Show", [ALL_DIGITS, *range(NUM_CLASSES)], horizontal=True, key=state.BROWSE_DIGIT)
    with st.container(horizontal=True, gap="large"):
        with st.container(width=GRID_WIDTH):
            positions = data.first_train_examples(count=EXAMPLES_SHOWN, digit=None if choice == ALL_DIGITS else choice)
            if positions.size == 0:
                st.warning(f"There are no training pictures of the digit {choice} in this data set.")
            else:
                what = "digits of every kind" if choice == ALL_DIGITS else f"pictures of the digit {choice}"
                st.image(
                    digit_grid(data.x_train[positions], columns=EXAMPLE_COLUMNS),
                    caption=f"The first {positions.size} training {what}",
                )
        with st.container(width=COUNTS_WIDTH):
            show_class_counts(data)


def show_class_counts(data: MnistData) -> None:
    counts = pd.DataFrame(
        {
            "digit": [str(digit) for digit in range(NUM_CLASSES)],
            "pictures": data.train_counts(),
        }
    )
    st.bar_chart(counts, x="digit", y="pictures", height=260, color="#4f46e5")
    st.caption(
        f"Training pictures per digit ({len(data.y_train):,} in all). "
        "Roughly equal counts mean no digit dominates what the network learns."
    )


def show_pairs(data: MnistData) -> None:
    """Seed controls and a grid of positive and negative pairs made from the training labels."""
    st.header("Pairs: the network's lessons")
    st.markdown(
        "A **Siamese network** looks at two pictures at a time and learns to place pictures of the same "
        "digit close together and different digits far apart. Each lesson is a *pair* with a label: "
        f"**SAME = {SAME}** for a *positive* pair (the same digit) and **DIFFERENT = {DIFFERENT}** for a "
        "*negative* pair (two different digits)."
    )
    state.setdefault(state.PAIR_SEED, 0)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        seed = st.number_input("Random seed", min_value=0, max_value=2**31 - 1, step=1, key=state.PAIR_SEED, width=200)
        # The callback runs before the next rerun, so it may still change the seed widget's value.
        st.button("New pairs", on_click=next_seed)
    pairs = make_pairs(data.y_train, seed=int(seed))
    st.caption(
        f"Seed {int(seed)} gives {len(pairs):,} pairs: one positive and one negative pair for each training "
        "picture, shuffled. The same seed always gives the same pairs. Here are a few of them:"
    )
    # The first few positive and negative pairs, in the shuffled order, so both kinds show.
    draw_pair_grid(data, pairs, pairs.first_of_each_kind(PAIRS_PER_KIND))


def next_seed() -> None:
    state.set_value(state.PAIR_SEED, int(state.value(state.PAIR_SEED)) + 1)


def draw_pair_grid(data: MnistData, pairs: Pairs, positions: np.ndarray) -> None:
    with st.container(horizontal=True, gap="medium"):
        for position in positions:
            with st.container(width=PAIR_WIDTH):
                draw_pair(data, int(pairs.left[position]), int(pairs.right[position]), int(pairs.labels[position]))


def draw_pair(data: MnistData, left: int, right: int, label: int) -> None:
    """Both pictures side by side in a frame coloured by the pair's label, and the label in words."""
    is_same = label == SAME
    colour = SAME_COLOUR if is_same else DIFFERENT_COLOUR
    st.image(pair_picture(data.x_train[left], data.x_train[right], colour, dashed=not is_same))
    kind = (
        f":blue[**{SAME_MARK} positive · same digit**]"
        if is_same
        else f":orange[**{DIFFERENT_MARK} negative · different digits**]"
    )
    st.markdown(f"{kind}  \nlabel {label} · digits {data.y_train[left]} and {data.y_train[right]}")
    st.caption(f"training pictures #{left} and #{right}")


def main() -> None:
    data = page_setup("Data & pairs")
    st.title("Data & pairs")
    browse_digits(data)
    st.divider()
    show_pairs(data)


main()
