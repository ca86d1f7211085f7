"""2-D (or 3-D) maps of embeddings: PCA that new points can be placed on, t-SNE, and Procrustes alignment."""

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

# Barnes-Hut t-SNE, scikit-learn's fast method, only works below 4 output dimensions.
_MAX_TSNE_COMPONENTS = 3


@dataclass(frozen=True, eq=False)
class PcaMap:
    """A fitted PCA and the points it made from the data it was fitted on.

    Attributes
    ----------
    pca : sklearn.decomposition.PCA
    points : (n, c) float32
    """

    pca: PCA
    points: np.ndarray

    def transform(self, new_x: np.ndarray) -> np.ndarray:
        """Place new rows on this map.

        Parameters
        ----------
        new_x : (m, d) float array, ``d`` as in the fitted data

        Returns
        -------
        (m, c) float32
        """
        new_x = np.asarray(new_x, dtype=np.float32)
        width = self.pca.n_features_in_
        if new_x.ndim != 2 or new_x.shape[1] != width:
            raise ValueError(f"new_x must be (m, {width}), got shape {new_x.shape}")
        return self.pca.transform(new_x).astype(np.float32)


def fit_pca(x: np.ndarray, *, n_components: int = 2, seed: int = 0) -> PcaMap:
    """Fit a PCA on the rows of ``x``.

    Parameters
    ----------
    x : (n, d) float array
    n_components : int, 1 <= n_components <= min(n, d)
    seed : int, for scikit-learn's randomized solver on large inputs

    Returns
    -------
    PcaMap with ``points`` (n, n_components) float32
    """
    x = _check_rows(x)
    largest = min(x.shape)
    if not isinstance(n_components, (int, np.integer)) or not 1 <= n_components <= largest:
        raise ValueError(f"n_components must be between 1 and {largest} for x of shape {x.shape}, got {n_components!r}")
    pca = PCA(n_components=n_components, random_state=seed)
    points = pca.fit_transform(x).astype(np.float32)
    return PcaMap(pca=pca, points=points)


def tsne(
    x: np.ndarray,
    *,
    n_components: int = 2,
    seed: int = 0,
    perplexity: float = 30.0,
    pca_components: int = 50,
    max_iter: int = 400,
) -> np.ndarray:
    """Seeded t-SNE of the rows of ``x``, initialised from PCA.

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
    # The best orthogonal map is U V^T from the SVD of the cross-covariance (Schoenemann, 1966).
    left, _, right_transposed = np.linalg.svd(centred_points.T @ (reference_points - reference_centroid))
    rotation = left @ right_transposed
    return (centred_points @ rotation + reference_centroid).astype(np.float32)


def _check_rows(x: np.ndarray, *, name: str = "x") -> np.ndarray:
    """``x`` as a finite, non-empty ``(n, d) float64`` array, or ``ValueError``."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (n, d) array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x
