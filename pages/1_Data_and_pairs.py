"""Data & pairs: browse the MNIST digits and see the positive / negative pairs a Siamese network learns from.

This page must open fast, so it imports nothing that pulls in TensorFlow (no siamese.networks.models,
storage or training, and no model from explorer_ui).
"""

import numpy as np
import pandas as pd
import streamlit as st

from explorer_ui import state
from explorer_ui.caches import symbol_examples
from explorer_ui.page import page_setup
from explorer_ui.pictures import DIFFERENT_COLOUR, DIFFERENT_MARK, SAME_COLOUR, SAME_MARK, digit_grid, pair_picture
from siamese.conventions import DIFFERENT, NUM_CLASSES, SAME
from siamese.data.mnist import MnistData
from siamese.data.pairs import Pairs, make_pairs
from siamese.data.symbol_classes import Split, symbol_classes
from siamese.data.symbol_corpus import drawings_for, family_table

EXAMPLES_SHOWN = 40
EXAMPLE_COLUMNS = 10
PAIRS_PER_KIND = 6  # six positive and six negative pairs: twelve in all
PAIR_WIDTH = 240  # four pairs a row on a laptop, three on a tablet, one on a phone
GRID_WIDTH = 600  # the grid of examples (10 digits of 58 px)
COUNTS_WIDTH = 460
ALL_DIGITS = "all"
SYMBOL_CLASSES_SHOWN = 8
SYMBOL_DRAWINGS_SHOWN = 12
SPLIT_WORDS = {
    Split.BACKGROUND: "trained on",
    Split.CALIBRATION: "never trained on (fits the open-set rule)",
    Split.EVALUATION: "never trained on (evaluation)",
}


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


def show_symbols() -> None:
    """The symbol corpus: how many classes of each family, the split, and drawings of a family's classes."""
    st.header("Symbols beyond the digits")
    st.caption(
        "Besides MNIST, the network can learn from a corpus of symbols: letters, kana, signs and shapes from the "
        "pen-stroke Hershey fonts and the printed fonts that ship with the app, each drawn many times with a "
        "wobbly hand, a random pen, small turns and bends, then put into MNIST's 28 × 28 form. The classes are "
        "split once and for all: **background** classes are trained on; **calibration** and **evaluation** "
        "classes never are. Every Greek and Cyrillic letter is an evaluation class, so when the app says a "
        'network "never saw" a Σ, it never did.'
    )
    classes = symbol_classes()
    table = pd.DataFrame(family_table(classes))
    with st.container(horizontal=True, gap="large"):
        with st.container(width=COUNTS_WIDTH + 120):
            st.dataframe(table, hide_index=True, height=320)
            background = sum(symbol_class.split == Split.BACKGROUND for symbol_class in classes)
            st.caption(
                f"{len(classes):,} classes and {table['drawings'].sum():,} drawings in all; "
                f"{background:,} classes are trained on."
            )
        with st.container(width=GRID_WIDTH + 40):
            show_symbol_family(table["family"].tolist())


def show_symbol_family(families: list[str]) -> None:
    family = st.selectbox("Family", families, index=families.index("greek"), key=state.SYMBOL_FAMILY, width=240)
    examples = symbol_examples(family, SYMBOL_CLASSES_SHOWN)
    for label, symbol_class in enumerate(examples.classes):
        st.image(
            digit_grid(examples.drawings_of(label, count=SYMBOL_DRAWINGS_SHOWN), columns=SYMBOL_DRAWINGS_SHOWN),
            caption=f"{symbol_class.name} · {SPLIT_WORDS[symbol_class.split]} · "
            f"{drawings_for(symbol_class)} drawings from {len(symbol_class.fonts)} font(s)",
        )
    members = sum(symbol_class.family == family for symbol_class in symbol_classes())
    if members > SYMBOL_CLASSES_SHOWN:
        st.caption(f"The first {SYMBOL_CLASSES_SHOWN} of this family's {members} classes.")


def main() -> None:
    data = page_setup("Data & pairs")
    st.title("Data & pairs")
    browse_digits(data)
    st.divider()
    show_pairs(data)
    st.divider()
    show_symbols()


main()
