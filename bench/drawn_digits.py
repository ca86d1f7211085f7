"""Reading handwriting that is not MNIST: drawn pen strokes and font digits, through the canvas's preprocessing.

The set (``siamese/data/handwriting.py``, never trained on): 30 stroke drawings of each digit in
several styles, random size, place, slant, turn, pen width and wobble, rendered as the canvas
renders them; and each digit set in every font the machine has. Every drawing goes through
``preprocess_drawing`` and is read by a 5-NN vote among the training digits, as the Draw page does.

Models: the shipped model, and each preset trained on full MNIST in this run (``--no-presets``
skips those). ``--model DIR`` reads another model folder instead of the shipped one. References
are full MNIST's 60,000 training digits; the shipped model is also read against the embedded
4,000 (the offline app). Prints accuracy per source and per digit, and stroke widths: MNIST's
mean, and the drawings' after preprocessing at the Draw page's default pen width.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from bench.common import full_mnist, report, rounded  # noqa: E402
from siamese.config import preset  # noqa: E402
from siamese.data.drawing import preprocess_drawing, stroke_width  # noqa: E402
from siamese.data.handwriting import font_digits, render_strokes, stroke_digits  # noqa: E402
from siamese.data.mnist import load_embedded_mnist  # noqa: E402
from siamese.networks.models import embed  # noqa: E402
from siamese.search.neighbour_index import NeighbourIndex  # noqa: E402
from siamese.storage.model_folders import load_model  # noqa: E402
from siamese.storage.shipped_model import load_shipped_model  # noqa: E402
from siamese.storage.trained_model import TrainedModel  # noqa: E402
from siamese.training.trainer import train  # noqa: E402

STROKES_PER_DIGIT = 30
DEFAULT_PEN_WIDTH = 24  # explorer_ui.canvas.DEFAULT_PEN_WIDTH


def drawings():
    """(sources (n,), labels (n,), MNIST inputs (n, 28, 28)) of the whole benchmark set."""
    drawn = stroke_digits(STROKES_PER_DIGIT, seed=7) + font_digits(seed=7)
    inputs = np.stack([preprocess_drawing(digit.rgba, background="dark").centred for digit in drawn])
    sources = np.array(["strokes" if digit.source == "strokes" else "fonts" for digit in drawn])
    return sources, np.array([digit.label for digit in drawn]), inputs


def read(model: TrainedModel, references, inputs: np.ndarray, labels: np.ndarray, sources: np.ndarray) -> dict:
    index = NeighbourIndex(
        model.embedding_network,
        embed(model.embedding_network, references.x_train),
        references.y_train,
        metric=model.config.metric,
    )
    predicted = np.array(
        [index.neighbours_of(embedding, k=5).predicted for embedding in embed(model.embedding_network, inputs)]
    )
    right = predicted == labels
    figures = {"accuracy": float(right.mean())}
    for source in ("strokes", "fonts"):
        figures[f"{source}_accuracy"] = float(right[sources == source].mean())
    figures["per_digit"] = {str(digit): round(float(right[labels == digit].mean()), 3) for digit in range(10)}
    return figures


def stroke_widths(data) -> dict:
    mnist = np.mean([stroke_width(image) for image in data.x_train[:5000]])
    drawn = [
        stroke_width(
            preprocess_drawing(render_strokes(digit.strokes, pen_width=DEFAULT_PEN_WIDTH), background="dark").centred
        )
        for digit in stroke_digits(10, seed=8)
    ]
    return {"mnist_mean_stroke_width": float(mnist), "drawn_mean_stroke_width_at_default_pen": float(np.mean(drawn))}


def main() -> None:
    data = full_mnist()
    embedded = load_embedded_mnist()
    sources, labels, inputs = drawings()
    values = {
        "drawings": int(len(labels)),
        "strokes": int((sources == "strokes").sum()),
        "fonts": int((sources == "fonts").sum()),
    }
    values.update(stroke_widths(data))
    model_folder = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else None
    shipped = load_model(model_folder) if model_folder else load_shipped_model()
    values["shipped"] = read(shipped, data, inputs, labels, sources)
    values["shipped_against_embedded_references"] = read(shipped, embedded, inputs, labels, sources)
    if "--no-presets" not in sys.argv:
        for name in ("quick", "classic", "best"):
            started = time.perf_counter()
            result = train(preset(name, train_size=len(data.y_train)), data)
            model = TrainedModel.from_result(result, name=name)
            values[name] = {
                **read(model, data, inputs, labels, sources),
                "training_seconds": time.perf_counter() - started,
            }
    report(rounded(values))


if __name__ == "__main__":
    main()
