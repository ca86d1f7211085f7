"""Open-set rejection: symbols taught by example, and symbols never taught, read by the shipped model.

Taught: five letters set in three fonts each (the examples a student would draw), through the
canvas's preprocessing. Queries: the same five letters in every other font (each should be named),
and five other letters in every font (none should be named as a taught symbol; "none of these" or
a digit are both right). The references for "a digit" are the offline 4,000 training digits, as
on the page. Reported: how often a taught symbol is named right or wrongly rejected, and how often
an untaught one is rejected or wrongly named as a taught one.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from bench.common import report, rounded  # noqa: E402
from siamese.drawing import preprocess_drawing  # noqa: E402
from siamese.mnist import load_embedded_mnist  # noqa: E402
from siamese.models import embed  # noqa: E402
from siamese.neighbour_index import NeighbourIndex  # noqa: E402
from siamese.shipped_model import load_shipped_model  # noqa: E402
from siamese.symbols import SymbolSet, identify  # noqa: E402
from tests.support.handwriting import CANVAS_SIZE, digit_fonts  # noqa: E402

TAUGHT, UNTAUGHT = "AKRWX", "BEGMQ"
EXAMPLES_PER_SYMBOL = 3


def letter(text: str, font_path, generator) -> np.ndarray:
    font = ImageFont.truetype(str(font_path), int(generator.uniform(150, 200)))
    alpha = Image.new("L", (CANVAS_SIZE, CANVAS_SIZE), 0)
    left, top, right, bottom = font.getbbox(text)
    x = (CANVAS_SIZE - (right - left)) / 2 - left + generator.uniform(-20, 20)
    y = (CANVAS_SIZE - (bottom - top)) / 2 - top + generator.uniform(-20, 20)
    ImageDraw.Draw(alpha).text((x, y), text, fill=255, font=font)
    rgba = np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), dtype=np.uint8)
    rgba[..., :3], rgba[..., 3] = 255, np.asarray(alpha)
    return preprocess_drawing(rgba, background="dark").centred


def main() -> None:
    generator = np.random.default_rng(0)
    fonts = digit_fonts()
    model = load_shipped_model()
    data = load_embedded_mnist()
    index = NeighbourIndex(
        model.embedding_network, embed(model.embedding_network, data.x_train), data.y_train, metric=model.config.metric
    )
    symbols = SymbolSet()
    for name in TAUGHT:
        for font in fonts[:EXAMPLES_PER_SYMBOL]:
            symbols = symbols.add(name, letter(name, font, generator))
    symbol_embeddings = embed(model.embedding_network, symbols.images)

    def answers(names, font_list):
        for name in names:
            for font in font_list:
                query = index.embed(letter(name, font, generator))
                yield name, identify(query, symbols, symbol_embeddings, index, threshold=model.threshold)

    taught = list(answers(TAUGHT, fonts[EXAMPLES_PER_SYMBOL:]))
    untaught = list(answers(UNTAUGHT, fonts))
    report(rounded({
        "fonts": len(fonts),
        "taught_queries": len(taught),
        "taught_named_right": float(np.mean([answer.symbol == name for name, answer in taught])),
        "taught_wrongly_rejected": float(np.mean([answer.symbol is None for _, answer in taught])),
        "taught_named_as_another": float(np.mean([answer.symbol not in (None, name) for name, answer in taught])),
        "untaught_queries": len(untaught),
        "untaught_rejected": float(np.mean([answer.symbol is None for _, answer in untaught])),
        "untaught_answered_none_of_these": float(np.mean([answer.is_none_of_these for _, answer in untaught])),
        "untaught_wrongly_named": float(np.mean([answer.symbol is not None for _, answer in untaught])),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
