"""Draw-query latency: preprocessing + embedding + exact search over 60,000 references, warm.

For the shipped CNN (the Draw page's model on MNIST) and an untrained default MLP. Baseline in
the same run: the same query answered the plain way, with ``model.predict`` and a full
``np.argsort`` of all distances.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from bench.common import full_mnist, percentile, report, rounded  # noqa: E402
from siamese.config import TrainingConfig  # noqa: E402
from siamese.data.drawing import preprocess_drawing  # noqa: E402
from siamese.networks.models import build_embedding_network  # noqa: E402
from siamese.search.neighbour_index import NeighbourIndex  # noqa: E402
from siamese.storage.shipped_model import load_shipped_model  # noqa: E402

QUERIES = 200


def canvas_from(image: np.ndarray) -> np.ndarray:
    """A 280×280 RGBA canvas like streamlit-drawable-canvas returns: the digit as stroke alpha."""
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[..., :3] = 255
    canvas[..., 3] = (np.kron(image, np.ones((10, 10))) * 255).astype(np.uint8)
    return canvas


def timed(function, canvases) -> list[float]:
    timings = []
    for canvas in canvases:
        started = time.perf_counter()
        function(canvas)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def latencies(network, metric: str, data, canvases) -> dict:
    index = NeighbourIndex.build(network, data.x_train, data.y_train, metric=metric)

    def project_query(canvas):
        return index.query(preprocess_drawing(canvas).centred, k=5)

    def plain_query(canvas):
        embedding = network.predict(preprocess_drawing(canvas).centred[None], verbose=0)
        distances = np.linalg.norm(index.reference_embeddings - embedding, axis=1)
        return np.argsort(distances)[:5]

    timed(project_query, canvases[:20])  # warm up
    timed(plain_query, canvases[:20])
    ours, plain = timed(project_query, canvases), timed(plain_query, canvases)
    return rounded({
        "p50_ms": percentile(ours, 0.5),
        "p95_ms": percentile(ours, 0.95),
        "plain_p50_ms": percentile(plain, 0.5),
        "plain_p95_ms": percentile(plain, 0.95),
        "speedup_p50": percentile(plain, 0.5) / percentile(ours, 0.5),
    }, 3)  # fmt: skip


def main() -> None:
    data = full_mnist()
    canvases = [canvas_from(image) for image in data.x_test[:QUERIES]]
    shipped = load_shipped_model()
    report({
        "references": len(data.y_train),
        "queries": QUERIES,
        "shipped_cnn": latencies(shipped.embedding_network, shipped.config.metric, data, canvases),
        "default_mlp": latencies(build_embedding_network(TrainingConfig()), "euclidean", data, canvases),
    })  # fmt: skip


if __name__ == "__main__":
    main()
