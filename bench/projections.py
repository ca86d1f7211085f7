"""Projection speed: PCA of 10,000 embeddings; t-SNE and UMAP of 5,000 against scikit-learn's default TSNE.

Inputs are real embeddings: a quick model trained for one epoch on full MNIST.
Trustworthiness (10 neighbours) checks that the faster maps keep neighbours as faithfully.
UMAP is timed twice: its first fit in a process also compiles it (numba).
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from sklearn.manifold import TSNE, trustworthiness  # noqa: E402

from bench.common import full_mnist, median_seconds, report, rounded  # noqa: E402
from siamese.config import TrainingConfig  # noqa: E402
from siamese.evaluation.projection import Method, project, tsne  # noqa: E402
from siamese.networks.models import embed  # noqa: E402
from siamese.training.trainer import train  # noqa: E402


def main() -> None:
    data = full_mnist()
    network = train(TrainingConfig(epochs=1), data).embedding_network
    embeddings = embed(network, data.x_test)  # (10000, 128)
    pca_seconds, _ = median_seconds(lambda: project(embeddings, n_components=2), repeats=5)

    sample = embeddings[:5000]
    started = time.perf_counter()
    reference = TSNE(n_components=2, random_state=0).fit_transform(sample)
    sklearn_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ours = tsne(sample, n_components=2, seed=0)
    our_seconds = time.perf_counter() - started
    started = time.perf_counter()
    umap_points = project(sample, method=Method.UMAP).points
    umap_first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    project(sample, method=Method.UMAP)
    umap_seconds = time.perf_counter() - started
    report(rounded({
        "umap_5000_first_seconds": umap_first_seconds,
        "umap_5000_seconds": umap_seconds,
        "umap_trustworthiness": trustworthiness(sample, umap_points, n_neighbors=10),
        "pca_10000_seconds": pca_seconds,
        "tsne_5000_seconds": our_seconds,
        "sklearn_tsne_5000_seconds": sklearn_seconds,
        "tsne_speedup": sklearn_seconds / our_seconds,
        "trustworthiness": trustworthiness(sample, ours, n_neighbors=10),
        "sklearn_trustworthiness": trustworthiness(sample, reference, n_neighbors=10),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
