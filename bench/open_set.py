"""Open-set naming as the New symbols page does it, on symbols no model was trained on.

Each episode teaches three evaluation-class symbols (Greek, Cyrillic and the held-out share of the
other families) with three drawings each, all from fonts of the class's first drawings; it then asks
about drawings of those symbols in *other* fonts (each should be named), about drawings of untaught
evaluation classes (each should be "none of these": a digit or a taught name is wrong) and about
drawn digits (pen-stroke digits in several styles, through the canvas's preprocessing, never trained
on: each should be read as its digit). The references are the offline 4,000 training digits, as the
app has them offline, and the rule is the model's own (``siamese.search.open_set``).

``--model DIR`` reads another model folder instead of the shipped one; its rule is fitted on the
calibration classes first if it has none.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from bench.common import report, rounded  # noqa: E402
from siamese.data.drawing import preprocess_drawing  # noqa: E402
from siamese.data.handwriting import stroke_digits  # noqa: E402
from siamese.data.mnist import load_embedded_mnist  # noqa: E402
from siamese.data.symbol_classes import Split  # noqa: E402
from siamese.data.symbol_corpus import load_symbol_corpus  # noqa: E402
from siamese.networks.models import embed  # noqa: E402
from siamese.search.neighbour_index import NeighbourIndex  # noqa: E402
from siamese.search.open_set import (  # noqa: E402
    OpenSetRule,
    calibrate_model,
    digit_centres,
    embed_known_shapes,
    identify,
)
from siamese.search.symbols import SymbolSet  # noqa: E402
from siamese.storage.model_folders import load_model  # noqa: E402
from siamese.storage.shipped_model import load_shipped_model  # noqa: E402

EPISODES = 300
TAUGHT, EXAMPLES, QUERIES, STRANGERS = 3, 3, 3, 3


def episode(unseen, generator):
    """(taught symbols, [(embedding row, truth name or None)]) for one page visit."""
    classes = generator.choice(len(unseen.classes), size=TAUGHT + STRANGERS, replace=False)
    symbols, asked = SymbolSet(), []
    for label in classes[:TAUGHT]:
        members = generator.permutation(np.flatnonzero(unseen.labels == label))
        examples = members[:EXAMPLES]
        for row in examples:
            symbols = symbols.add(f"#{label}", unseen.images[row])
        others = members[~np.isin(unseen.fonts[members], unseen.fonts[examples])]
        asked += [(row, f"#{label}") for row in others[:QUERIES]]
    for label in classes[TAUGHT:]:
        asked.append((generator.choice(np.flatnonzero(unseen.labels == label)), None))
    return symbols, asked


def main() -> None:
    model_folder = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else None
    model = load_model(model_folder) if model_folder else load_shipped_model()
    data = load_embedded_mnist()
    network, metric = model.embedding_network, model.config.metric
    corpus = load_symbol_corpus()
    known = embed_known_shapes(network, data, model.config, corpus.only(Split.BACKGROUND).images)
    if "open_set" in model.metrics:
        rule = OpenSetRule.from_dict(model.metrics["open_set"])
    else:
        rule = calibrate_model(network, data, model.config, corpus.only(Split.CALIBRATION), known=known)
    references = embed(network, data.x_train)
    index = NeighbourIndex(network, references, data.y_train, metric=metric)
    centres = digit_centres(references, data.y_train, metric=metric)
    unseen = corpus.only(Split.EVALUATION)
    unseen_embeddings = embed(network, unseen.images)
    generator = np.random.default_rng(0)
    named, rejected = [], []
    for _ in range(EPISODES):
        symbols, asked = episode(unseen, generator)
        examples = embed(network, symbols.images)
        for row, truth in asked:
            answer = identify(unseen_embeddings[row], symbols, examples, index, rule=rule, centres=centres, known=known)
            (named if truth else rejected).append(answer.symbol == truth if truth else answer.is_none_of_these)
    drawn = stroke_digits(20, seed=11)
    digit_inputs = np.stack([preprocess_drawing(digit.rgba, background="dark").centred for digit in drawn])
    read = [
        identify(
            embedding, SymbolSet(), np.zeros((0, embedding.size)), index, rule=rule, centres=centres, known=known
        ).digit
        == digit.label
        for embedding, digit in zip(embed(network, digit_inputs), drawn, strict=True)
    ]
    report(rounded({
        "rule": rule.to_dict(),
        "episodes": EPISODES,
        "taught_queries": len(named),
        "taught_named_right": float(np.mean(named)),
        "untaught_queries": len(rejected),
        "untaught_none_of_these": float(np.mean(rejected)),
        "drawn_digits": len(read),
        "drawn_digits_read_right": float(np.mean(read)),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
