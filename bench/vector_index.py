"""A million references: FAISS's HNSW graph against exact search, in recall@10, latency, build time and memory.

References: 1,000,000 embeddings (128-wide, cosine) that the shipped model makes of MNIST's 60,000
training digits, each changed at random about 17 times by the shipped model's own augmentation
(shifts, turns, resizing, slant, stroke width, wobble), so no two are alike. ``reference_vectors``
is the one source of the million; the first run takes a quarter of an hour on 2 cores and keeps
them (512 MB) in a ``.npy`` under the temporary folder, named by the model, data, count and seed.
Queries: the embeddings of the first 1,000 MNIST test digits, which no reference was made from.

For each index (``siamese.search.vector_index``): its build time, the growth of this process's resident
memory while building it, its size (FAISS's serialised index), and single-query latency (one
query per call, k = 10, after 20 warm-up queries): p50 and p95 over the 1,000 queries.

Recall@10 of an index is the share of each query's 10 exact neighbours (NumPy exact search over
the same million) that it returns. "Ties aside" also counts a neighbour no farther than the 10th
exact one plus ``TIE_TOLERANCE``: among a million tightly clustered references, a query's 10th and
11th neighbours can be closer together than float32 rounding, and then two exact searches differ.

HNSW is measured at its default settings and at other ``ef_search`` values of the same graph.
Targets: recall@10 >= 0.95 at >= 10x lower p50 than exact search (the faster of NumPy and FAISS flat).
"""

import gc
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from bench.common import full_mnist, percentile, report, rounded  # noqa: E402
from explorer_ui.app_server import process_memory_megabytes  # noqa: E402
from siamese.data.augmentation import augment  # noqa: E402
from siamese.search.vector_index import ExactIndex, FaissFlatIndex, FaissHnswIndex  # noqa: E402
from siamese.storage.result_cache import ResultCache  # noqa: E402
from siamese.storage.shipped_model import load_shipped_model  # noqa: E402

REFERENCES = 1_000_000
QUERIES = 1_000
K = 10
WARMUP = 20
SEED = 0
CHUNK = 10_000  # digits augmented and embedded at a time: about 300 MB of warp coordinates
EF_SEARCH_SWEEP = (16, 32, 64, 128, 256)
# About the float32 rounding of a cosine distance near 0: FAISS flat and NumPy measure the same pair
# up to 3e-7 apart here, while neighbours are typically 4e-6 apart.
TIE_TOLERANCE = 1e-6
CACHE = Path(tempfile.gettempdir()) / "siamese-explorer-bench"


def reference_images(data, augmentation, *, count: int, seed: int):
    """The million's images, ``(CHUNK, 28, 28) float32`` at a time: training digits in turn, each changed at random."""
    generator = np.random.default_rng(seed)
    for start in range(0, count, CHUNK):
        rows = np.arange(start, min(start + CHUNK, count)) % len(data.x_train)
        yield augment(data.x_train[rows], augmentation, generator)


def reference_vectors(model, data, *, count: int = REFERENCES, seed: int = SEED) -> np.ndarray:
    """``(count, D) float32``: the embeddings of ``reference_images``, made once and kept on disk."""
    key = f"references-{model.fingerprint[:12]}-{_data_fingerprint(data)}-{count}-{seed}"

    def compute() -> np.ndarray:
        vectors = np.empty((count, model.embedding_network.output_shape[-1]), dtype=np.float32)
        done = 0
        for images in reference_images(data, model.config.augmentation, count=count, seed=seed):
            vectors[done : done + len(images)] = _embed(model, images)
            done += len(images)
            if done % 100_000 == 0:
                print(f"embedded {done:,} of {count:,} references", file=sys.stderr, flush=True)
        return vectors

    return ResultCache(CACHE).array(key, compute)


def _embed(model, images: np.ndarray) -> np.ndarray:
    from siamese.networks.models import embed

    return embed(model.embedding_network, images)


def _data_fingerprint(data) -> str:
    digest = hashlib.sha256()
    for array in (data.y_train, data.x_train[::997]):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:12]


def resident_megabytes() -> float:
    return process_memory_megabytes(os.getpid())["VmRSS"]


def build(index, references: np.ndarray, metric: str) -> dict:
    """Build ``index`` over ``references``: its build time and this process's resident-memory growth."""
    gc.collect()
    memory_before, started = resident_megabytes(), time.perf_counter()
    index.build(references, metric=metric)
    seconds = time.perf_counter() - started
    return {"build_s": seconds, "memory_growth_mb": resident_megabytes() - memory_before}


def single_queries(index, queries: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], list[float]]:
    """Each query searched alone: its ``(q, K)`` distances and indices, and the milliseconds each took."""
    for query in queries[:WARMUP]:
        index.search(query[None], k=K)
    distances, indices = np.empty((len(queries), K), dtype=np.float32), np.empty((len(queries), K), dtype=np.int64)
    milliseconds = []
    for row, query in enumerate(queries):
        started = time.perf_counter()
        row_distances, row_indices = index.search(query[None], k=K)
        milliseconds.append((time.perf_counter() - started) * 1000)
        distances[row], indices[row] = row_distances[0], row_indices[0]
    return (distances, indices), milliseconds


def recall_figures(found: tuple[np.ndarray, np.ndarray], exact: tuple[np.ndarray, np.ndarray]) -> dict:
    """Recall@K of ``(distances, indices)`` found against the exact ones: by index, and ties aside."""
    (found_distances, found_indices), (true_distances, true_indices) = found, exact
    shared = [len(set(a) & set(b)) for a, b in zip(found_indices, true_indices, strict=True)]
    near_enough = found_distances <= true_distances[:, -1:] + TIE_TOLERANCE
    return {"recall_at_10": float(np.mean(shared)) / K, "recall_at_10_ties_aside": float(near_enough.mean())}


def latency(milliseconds: list[float]) -> dict:
    return {"p50_ms": percentile(milliseconds, 0.5), "p95_ms": percentile(milliseconds, 0.95)}


def faiss_size_megabytes(index) -> float:
    import faiss

    return faiss.serialize_index(index.faiss_index).nbytes / 2**20


def main() -> None:
    import faiss

    from siamese.networks.models import embed

    data = full_mnist()
    model = load_shipped_model()
    metric = model.config.metric
    started = time.perf_counter()
    references = reference_vectors(model, data)
    references_seconds = time.perf_counter() - started
    queries = embed(model.embedding_network, data.x_test[:QUERIES])

    exact = ExactIndex()
    exact_figures = build(exact, references, metric)
    neighbours, exact_ms = single_queries(exact, queries)
    exact_figures.update(latency(exact_ms))
    del exact

    flat = FaissFlatIndex()
    flat_figures = build(flat, references, metric)
    found, flat_ms = single_queries(flat, queries)
    flat_figures.update(latency(flat_ms), **recall_figures(found, neighbours), index_mb=faiss_size_megabytes(flat))
    del flat

    hnsw = FaissHnswIndex()
    hnsw_figures = build(hnsw, references, metric)
    hnsw_figures.update(
        neighbours=hnsw.neighbours,
        ef_construction=hnsw.ef_construction,
        ef_search=hnsw.ef_search,
        index_mb=faiss_size_megabytes(hnsw),
    )
    fastest_exact_p50 = min(exact_figures["p50_ms"], flat_figures["p50_ms"])
    sweep = []
    for ef_search in sorted({*EF_SEARCH_SWEEP, hnsw_figures["ef_search"]}):
        hnsw.ef_search = ef_search
        found, milliseconds = single_queries(hnsw, queries)
        figures = {"ef_search": ef_search, **recall_figures(found, neighbours), **latency(milliseconds)}
        figures["speedup_p50"] = fastest_exact_p50 / figures["p50_ms"]
        sweep.append(rounded(figures))
        if ef_search == hnsw_figures["ef_search"]:
            hnsw_figures.update({key: value for key, value in figures.items() if key != "ef_search"})

    report({
        "references": len(references),
        "dimension": references.shape[1],
        "metric": metric,
        "queries": len(queries),
        "k": K,
        "faiss_threads": faiss.omp_get_max_threads(),
        "references_s": round(references_seconds, 1),  # made and embedded, or read from the cache
        "exact_numpy": rounded(exact_figures, 3),
        "faiss_flat": rounded(flat_figures, 4),
        "faiss_hnsw": rounded(hnsw_figures, 4),
        "hnsw_ef_search_sweep": sweep,
        "targets_met": hnsw_figures["recall_at_10"] >= 0.95 and hnsw_figures["speedup_p50"] >= 10,
        "peak_memory_mb": round(process_memory_megabytes(os.getpid())["VmHWM"], 1),
    })  # fmt: skip


if __name__ == "__main__":
    main()
