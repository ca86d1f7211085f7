"""Nearest-neighbour search behind one small protocol: exact NumPy search, or a FAISS index.

An index is made with its settings, ``build(references, metric=)`` once, then ``search(queries, k=)``
as often as needed. Three kinds (``IndexKind``):

- ``"exact"``: ``siamese.search.neighbour_search`` in NumPy, the search every other kind is checked against.
  Over the 60,000 training digits one query takes a few milliseconds, so the app uses it.
- ``"faiss-flat"``: FAISS's exhaustive search. The same neighbours, in FAISS's compiled loops.
- ``"faiss-hnsw"``: FAISS's HNSW graph (Malkov & Yashunin, 2016). Approximate: it walks a graph of
  near neighbours instead of measuring every reference, so a query over a million references takes
  a fraction of a millisecond and misses a few of the true neighbours (``BENCHMARKS.md``).

Whatever the kind, distances and order follow ``conventions``: FAISS only finds the candidates
(squared L2, or inner products of unit-length vectors for cosine), then their distances are computed
again by ``siamese.distances`` and ordered like exact search, by distance, ties to the lower index.
FAISS is imported when a FAISS index is built, so code that never builds one never loads it.
"""

from enum import StrEnum
from typing import Protocol, Self

import numpy as np

from siamese.conventions import check_metric
from siamese.distances import normalize_rows, paired_distances
from siamese.search.neighbour_search import nearest_neighbours


class IndexKind(StrEnum):
    """How an index searches: every distance in NumPy or FAISS, or FAISS's approximate graph."""

    EXACT = "exact"
    FAISS_FLAT = "faiss-flat"
    FAISS_HNSW = "faiss-hnsw"


INDEX_KINDS: tuple[str, ...] = tuple(kind.value for kind in IndexKind)

# HNSW settings for 128-wide embeddings, chosen with bench/vector_index.py over a million references
# (BENCHMARKS.md): recall@10 0.996 at over 500x lower latency than exact search, built in about 2 minutes.
HNSW_NEIGHBOURS = 16  # M: graph edges per vector (twice that on the bottom layer); 32 gained < 0.002 recall
HNSW_EF_CONSTRUCTION = 40  # candidates kept while inserting; 80 gained < 0.002 recall for a 1.6x slower build
HNSW_EF_SEARCH = 64  # candidates kept while searching (at least k): 32 found 0.989 of the neighbours, 64 0.996


class VectorIndex(Protocol):
    """What every index offers; ``size`` and ``dimension`` are 0 until it is built."""

    metric: str
    size: int
    dimension: int

    def build(self, references: np.ndarray, *, metric: str) -> Self: ...

    def search(self, queries: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]: ...


def make_index(kind: str = IndexKind.EXACT) -> VectorIndex:
    """An empty index of ``kind`` ("exact", "faiss-flat" or "faiss-hnsw") with its default settings."""
    if kind not in INDEX_KINDS:
        raise ValueError(f"index must be one of {', '.join(INDEX_KINDS)}; got {kind!r}")
    classes = {IndexKind.EXACT: ExactIndex, IndexKind.FAISS_FLAT: FaissFlatIndex, IndexKind.FAISS_HNSW: FaissHnswIndex}
    return classes[IndexKind(kind)]()


def build_index(references: np.ndarray, *, metric: str, kind: str = IndexKind.EXACT) -> VectorIndex:
    """``make_index(kind).build(references, metric=metric)``: references (n, D) float32."""
    return make_index(kind).build(references, metric=metric)


class _Index:
    """Input checks shared by every kind."""

    metric = "euclidean"
    size = 0
    dimension = 0

    def _checked_references(self, references: np.ndarray, *, metric: str) -> np.ndarray:
        self.metric = check_metric(metric)
        references = _checked_rows(references, name="references")
        self.size, self.dimension = references.shape
        return references

    def _checked_queries(self, queries: np.ndarray, *, k: int) -> np.ndarray:
        if self.size == 0:
            raise RuntimeError(f"{type(self).__name__}.search needs build(references, metric=...) first")
        queries = _checked_rows(queries, name="queries")
        if queries.shape[1] != self.dimension:
            raise ValueError(f"queries must have {self.dimension} columns like the references, got {queries.shape}")
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= self.size:
            raise ValueError(f"k must be between 1 and {self.size} (the number of references), got {k}")
        return queries


class ExactIndex(_Index):
    """Every distance measured in NumPy (``siamese.search.neighbour_search.nearest_neighbours``)."""

    def build(self, references: np.ndarray, *, metric: str) -> Self:
        """Keep ``references`` (n, D) float32 (not copied when already float32 and contiguous)."""
        self.references = self._checked_references(references, metric=metric)
        return self

    def search(self, queries: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest references of each query row.

        Parameters
        ----------
        queries : (q, D) float array
        k : int, ``1 <= k <= n``

        Returns
        -------
        distances : (q, k) float32, increasing along each row
        indices : (q, k) int64, reference rows; equal distances in increasing index order
        """
        queries = self._checked_queries(queries, k=k)
        return nearest_neighbours(queries, self.references, k=k, metric=self.metric)


class _FaissIndex(_Index):
    """A FAISS index that finds candidates, whose distances ``siamese.distances`` then measures.

    ``faiss_index`` is the FAISS object itself once built, for a closer look (``faiss.serialize_index``).
    """

    def build(self, references: np.ndarray, *, metric: str) -> Self:
        """Copy ``references`` (n, D) float32 into a new FAISS index (unit length first for cosine)."""
        import faiss

        references = self._checked_references(references, metric=metric)
        faiss_metric = faiss.METRIC_INNER_PRODUCT if metric == "cosine" else faiss.METRIC_L2
        self.faiss_index = self._new_faiss_index(self.dimension, faiss_metric)
        self.faiss_index.add(self._as_stored(references))
        return self

    def search(self, queries: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest references FAISS finds for each query row.

        Parameters
        ----------
        queries : (q, D) float array
        k : int, ``1 <= k <= n``

        Returns
        -------
        distances : (q, k) float32, increasing along each row, measured by ``siamese.distances``
        indices : (q, k) int64, reference rows; equal distances in increasing index order
        """
        queries = self._checked_queries(queries, k=k)
        _, indices = self.faiss_index.search(self._as_stored(queries), k, **self._search_settings(k))
        if np.any(indices < 0):  # FAISS pads with -1 when it found fewer than k
            raise RuntimeError(f"{type(self).__name__} found fewer than k={k} neighbours for some queries")
        candidates = self.faiss_index.reconstruct_batch(indices.ravel())
        distances = paired_distances(np.repeat(queries, k, axis=0), candidates, metric=self.metric)
        distances = distances.reshape(indices.shape)
        order = np.lexsort((indices, distances))  # by distance, then index, along each row
        return np.take_along_axis(distances, order, axis=1), np.take_along_axis(indices, order, axis=1)

    def _as_stored(self, rows: np.ndarray) -> np.ndarray:
        """Rows as FAISS stores and searches them: unit length for cosine, whose inner product is then 1 - distance."""
        rows = normalize_rows(rows) if self.metric == "cosine" else rows
        return np.ascontiguousarray(rows, dtype=np.float32)

    def _new_faiss_index(self, dimension: int, faiss_metric):
        raise NotImplementedError

    def _search_settings(self, k: int) -> dict:
        return {}


class FaissFlatIndex(_FaissIndex):
    """FAISS's exhaustive search (``IndexFlat``): exact, the same neighbours as ``ExactIndex``."""

    def _new_faiss_index(self, dimension: int, faiss_metric):
        import faiss

        return faiss.IndexFlat(dimension, faiss_metric)


class FaissHnswIndex(_FaissIndex):
    """FAISS's HNSW graph (``IndexHNSWFlat``): approximate, far faster than exact over many references.

    Parameters
    ----------
    neighbours : int
        ``M``, edges per vector in the graph; more gives better recall, more memory and a slower build.
    ef_construction : int
        Candidates kept while inserting a vector; more gives a better graph and a slower build.
    ef_search : int
        Candidates kept while searching (at least ``k`` are); more gives better recall and slower queries.
        It can be changed after the build.
    """

    def __init__(
        self,
        *,
        neighbours: int = HNSW_NEIGHBOURS,
        ef_construction: int = HNSW_EF_CONSTRUCTION,
        ef_search: int = HNSW_EF_SEARCH,
    ):
        for name, value in (("neighbours", neighbours), ("ef_construction", ef_construction)):
            _check_setting(name, value, smallest=2)
        _check_setting("ef_search", ef_search, smallest=1)
        self.neighbours = neighbours
        self.ef_construction = ef_construction
        self.ef_search = ef_search

    def _new_faiss_index(self, dimension: int, faiss_metric):
        import faiss

        index = faiss.IndexHNSWFlat(dimension, self.neighbours, faiss_metric)
        index.hnsw.efConstruction = self.ef_construction
        return index

    def _search_settings(self, k: int) -> dict:
        import faiss

        _check_setting("ef_search", self.ef_search, smallest=1)
        return {"params": faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k))}


def _check_setting(name: str, value, *, smallest: int) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < smallest:
        raise ValueError(f"{name} must be an integer of at least {smallest}, got {value!r}")


def _checked_rows(rows: np.ndarray, *, name: str) -> np.ndarray:
    """``rows`` as a non-empty, finite ``(n, D) float32`` array, or ``ValueError``."""
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim != 2 or rows.shape[0] == 0 or rows.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (n, D) array, got shape {rows.shape}")
    if not np.isfinite(rows).all():
        raise ValueError(f"{name} contains NaN, infinite or too large values")
    return np.ascontiguousarray(rows)
