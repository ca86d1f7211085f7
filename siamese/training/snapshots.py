"""Live pictures of the embedding space while training runs.

``EmbeddingSnapshots`` is a ``TrainingCallback``: before training and after
every epoch it embeds a fixed sample of validation-like digits and maps
them to 2-D with ``projection.project`` (PCA, by the training's own metric).
Each new map is rotated onto the previous one (orthogonal Procrustes), so the
picture does not flip or spin between epochs and students see the clusters
form rather than the axes jump.
"""

from dataclasses import dataclass

import numpy as np

from siamese.evaluation.projection import Method, align_to, project
from siamese.networks.models import embed
from siamese.training.trainer import TrainingCallback


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """``points`` (n, 2) float32: the sample's 2-D positions after ``epoch`` epochs (0 = untrained)."""

    epoch: int
    points: np.ndarray


class EmbeddingSnapshots(TrainingCallback):
    """Collects one ``Snapshot`` per epoch of ``images`` (n, 28, 28) float32; ``labels`` (n,) colour them."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, *, on_snapshot=None):
        self.images = np.asarray(images, dtype=np.float32)
        self.labels = np.asarray(labels)
        self.snapshots: list[Snapshot] = []
        self.on_snapshot = on_snapshot
        self.metric = "euclidean"

    def _take(self, epoch: int, embedding_network) -> None:
        embeddings = embed(embedding_network, self.images)
        if not np.isfinite(embeddings).all():
            return
        points = project(embeddings, method=Method.PCA, metric=self.metric, n_components=2).points
        if self.snapshots:
            points = align_to(self.snapshots[-1].points, points)
        snapshot = Snapshot(epoch=epoch, points=points)
        self.snapshots.append(snapshot)
        if self.on_snapshot is not None:
            self.on_snapshot(snapshot)

    def on_train_begin(self, plan, embedding_network) -> None:
        self.metric = plan.config.metric
        self._take(0, embedding_network)

    def on_epoch_end(self, record, embedding_network) -> None:
        self._take(record.epoch, embedding_network)

    def extent(self) -> float:
        """Half-width of a square that holds every snapshot so far, for fixed plot axes."""
        return snapshots_extent(self.snapshots)


def snapshots_extent(snapshots: list[Snapshot]) -> float:
    """Half-width of a square that holds every one of ``snapshots`` (with a 5 % border); 1 for none."""
    if not snapshots:
        return 1.0
    return float(max(np.abs(snapshot.points).max() for snapshot in snapshots)) * 1.05
