"""2-D (or 3-D) maps of embeddings: ``project`` with PCA, t-SNE or UMAP, and Procrustes alignment.

A map must show what the model's distance sees. Cosine distance ignores an embedding's length,
so for ``metric="cosine"`` every row is scaled to unit length before it is mapped: the map shows
directions. ``project`` is the one way every page, snapshot and benchmark makes a map.
"""

import enum
from dataclasses import dataclass

import numpy as np
from scipy.linalg import orthogonal_procrustes
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from siamese.conventions import check_metric
from siamese.distances import normalize_rows

# Barnes-Hut t-SNE, scikit-learn's fast method, only works below 4 output dimensions.
_MAX_TSNE_COMPONENTS = 3


class Method(enum.StrEnum):
    """How a map is made; the value is what a user reads."""

    PCA = "PCA"  # keeps the directions of largest spread; new points can be placed on it
    TSNE = "t-SNE"  # keeps each point near its neighbours; cannot place new points
    UMAP = "UMAP"  # keeps neighbours, like t-SNE, and can place new points (umap-learn)


@dataclass(frozen=True, kw_only=True, eq=False)
class Projection:
    """A map of ``(n, d)`` rows as ``points`` ``(n, c) float32``.

    ``transform`` places new rows on the same map (PCA and UMAP maps; ``can_place_new_points`` says).
    """

    points: np.ndarray
    method: Method
    metric: str
    fitted: object | None = None  # the fitted scikit-learn PCA or umap-learn UMAP
    width: int = 0  # d, the width of the rows it was fitted on

    @property
    def can_place_new_points(self) -> bool:
        return self.fitted is not None

    def transform(self, new_rows: np.ndarray) -> np.ndarray:
        """``(m, d) -> (m, c) float32``: new rows placed on this map, prepared as the fitted ones were."""
        if self.fitted is None:
            raise ValueError(f"a {self.method} map cannot place new points; use PCA or UMAP")
        new_rows = np.atleast_2d(np.asarray(new_rows, dtype=np.float32))
        width = self.width
        if new_rows.ndim != 2 or new_rows.shape[1] != width:
            raise ValueError(f"new rows must be (m, {width}), got shape {new_rows.shape}")
        return self.fitted.transform(_prepared(new_rows, self.metric)).astype(np.float32)


def project(
    rows: np.ndarray,
    *,
    method: Method | str = Method.PCA,
    metric: str = "euclidean",
    n_components: int = 2,
    seed: int = 0,
) -> Projection:
    """Map ``(n, d)`` rows (embeddings, or raw pixels with ``metric="euclidean"``) to ``n_components``.

    Parameters
    ----------
    rows : (n, d) float array, finite
    method : ``Method.PCA`` or ``Method.TSNE`` (or their values, "PCA" and "t-SNE")
    metric : the distance the rows are compared by: "euclidean" or "cosine"
    n_components : 1 <= n_components <= min(n, d) for PCA, 1 to 3 for t-SNE
    seed : int

    Returns
    -------
    Projection
    """
    method = Method(method)
    rows = _prepared(_check_rows(rows), check_metric(metric))
    if method == Method.TSNE:
        return Projection(points=tsne(rows, n_components=n_components, seed=seed), method=method, metric=metric)
    if method == Method.UMAP:
        fitted = _umap(rows, n_components=n_components, seed=seed)
        points = fitted.embedding_.astype(np.float32)
        return Projection(points=points, method=method, metric=metric, fitted=fitted, width=rows.shape[1])
    largest = min(rows.shape)
    if not isinstance(n_components, (int, np.integer)) or not 1 <= n_components <= largest:
        raise ValueError(f"n_components must be between 1 and {largest} for rows of shape {rows.shape}")
    pca = PCA(n_components=n_components, random_state=seed)
    points = pca.fit_transform(rows).astype(np.float32)
    return Projection(points=points, method=method, metric=metric, fitted=pca, width=rows.shape[1])


def _umap(x: np.ndarray, *, n_components: int, seed: int):
    """A fitted, seeded UMAP of the rows of ``x`` (15 neighbours, as umap-learn's default)."""
    if not isinstance(n_components, (int, np.integer)) or not 1 <= n_components <= 3:
        raise ValueError(f"n_components must be between 1 and 3, got {n_components!r}")
    if x.shape[0] < 4:
        raise ValueError(f"UMAP needs at least 4 rows to find neighbours, got {x.shape[0]}")
    import warnings

    from umap import UMAP

    with warnings.catch_warnings():  # "n_jobs overridden by setting random_state": seeded means one thread
        warnings.simplefilter("ignore", UserWarning)
        return UMAP(
            n_components=n_components, n_neighbors=min(15, x.shape[0] - 1), random_state=seed, init="spectral"
        ).fit(x)


def tsne(
    x: np.ndarray,
    *,
    n_components: int = 2,
    seed: int = 0,
    perplexity: float = 30.0,
    pca_components: int = 50,
    max_iter: int = 400,
) -> np.ndarray:
    """Seeded t-SNE of the rows of ``x``, initialised from PCA (``project`` calls it for ``Method.TSNE``).

    Rows wider than ``pca_components`` are first reduced by PCA to that many components (or to ``n``
    when there are fewer rows), which removes noise and speeds up the neighbour search. With the PCA
    start, 400 iterations give maps as trustworthy as scikit-learn's default 1,000 in under half the
    time (``bench/projections.py``).

    Parameters
    ----------
    x : (n, d) float array
    n_components : int, 1 to 3
    seed : int
    perplexity : float, 0 < perplexity < n
    pca_components : int, at least 1
    max_iter : int, at least 250 (scikit-learn's minimum)

    Returns
    -------
    (n, n_components) float32
    """
    x = _check_rows(x)
    if not isinstance(n_components, (int, np.integer)) or not 1 <= n_components <= _MAX_TSNE_COMPONENTS:
        raise ValueError(f"n_components must be between 1 and {_MAX_TSNE_COMPONENTS}, got {n_components!r}")
    if not 0 < perplexity < x.shape[0]:
        raise ValueError(f"perplexity must be above 0 and below the number of rows {x.shape[0]}, got {perplexity}")
    if not isinstance(pca_components, (int, np.integer)) or pca_components < 1:
        raise ValueError(f"pca_components must be a positive integer, got {pca_components!r}")
    if x.shape[1] > pca_components:
        x = PCA(n_components=min(pca_components, x.shape[0]), random_state=seed).fit_transform(x)
    embedding = TSNE(
        n_components=n_components,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        random_state=seed,
        max_iter=max_iter,
    )
    return embedding.fit_transform(x).astype(np.float32)


def align_to(reference_points: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Rotate, reflect and translate ``points`` onto ``reference_points`` (orthogonal Procrustes).

    No scaling, so distances within ``points`` are kept; row ``i`` of each is taken to be the same
    item. Used to stop a refitted PCA map from flipping or spinning between training epochs.

    Parameters
    ----------
    reference_points : (n, c) float array
    points : (n, c) float array

    Returns
    -------
    (n, c) float32, ``points`` moved to lie as close as possible (least squares) to ``reference_points``
    """
    reference_points = _check_rows(reference_points, name="reference_points")
    points = _check_rows(points, name="points")
    if points.shape != reference_points.shape:
        raise ValueError(f"points must have the shape of reference_points {reference_points.shape}, got {points.shape}")
    reference_centroid = reference_points.mean(axis=0)
    centred_points = points - points.mean(axis=0)
    rotation, _ = orthogonal_procrustes(centred_points, reference_points - reference_centroid)
    return (centred_points @ rotation + reference_centroid).astype(np.float32)


def _prepared(rows: np.ndarray, metric: str) -> np.ndarray:
    """Rows as the metric sees them: unit length for cosine, as they are for Euclidean."""
    return normalize_rows(rows) if metric == "cosine" else rows


def _check_rows(x: np.ndarray, *, name: str = "x") -> np.ndarray:
    """``x`` as a finite, non-empty ``(n, d) float64`` array, or ``ValueError``."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (n, d) array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x
