"""The project's conventions, pinned in one place.

Every module that makes, scores or shows pairs imports these names instead of
repeating the numbers, and ``tests/test_conventions.py`` pins them.

- Pair labels: ``SAME = 1`` for two images of the same digit (a *positive* pair),
  ``DIFFERENT = 0`` for two different digits (a *negative* pair).
- Images: ``(n, 28, 28)`` float32 in [0, 1], ink bright (1.0) on a dark (0.0)
  background, exactly as MNIST stores them after dividing by 255.
- Distances: ``"euclidean"`` is the plain L2 distance between embeddings, in
  embedding units; ``"cosine"`` is ``1 - cosine similarity``, in [0, 2].
  Smaller always means more alike, so "same digit" is predicted when the
  distance is *at most* the threshold. ``distances`` computes them in NumPy and
  ``tensor_distances`` in Keras ops; both use ``EPSILON``.
"""

from typing import Literal

SAME = 1
DIFFERENT = 0

IMAGE_SIZE = 28
IMAGE_SHAPE = (IMAGE_SIZE, IMAGE_SIZE)
NUM_CLASSES = 10

Metric = Literal["euclidean", "cosine"]
METRICS: tuple[str, ...] = ("euclidean", "cosine")

# The files of a model folder: the network, its settings, its training history and its figures.
MODEL_FILE = "embedding.keras"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
MODEL_FILES = (MODEL_FILE, CONFIG_FILE, HISTORY_FILE, METRICS_FILE)

# The one small number of every distance: the floor under a norm before dividing by it, and under
# a squared distance before its square root (which keeps the gradient finite at zero distance).
EPSILON = 1e-12


def check_metric(metric: str) -> str:
    """Return ``metric`` if it is a known distance name, else raise ``ValueError``."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return metric


def predict_same(distances, threshold: float):
    """Same-digit call for each distance: ``True`` where ``distance <= threshold``."""
    return distances <= threshold
