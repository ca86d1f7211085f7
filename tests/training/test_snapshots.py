"""Live maps during training: one per epoch, by the training's metric, aligned so they do not spin."""

import numpy as np

from siamese.config import TrainingConfig
from siamese.evaluation.projection import project
from siamese.networks.models import embed
from siamese.training.snapshots import EmbeddingSnapshots
from siamese.training.trainer import TrainingCallback, train


class _Networks(TrainingCallback):
    """Keeps the embeddings of ``images`` after every epoch, to recompute the maps independently."""

    def __init__(self, images):
        self.images, self.embeddings = images, []

    def on_train_begin(self, plan, embedding_network):
        self.embeddings.append(embed(embedding_network, self.images))

    def on_epoch_end(self, record, embedding_network):
        self.embeddings.append(embed(embedding_network, self.images))


def test_a_map_per_epoch_by_the_training_metric_each_aligned_to_the_last(small_data):
    images, labels = small_data.x_test[:120], small_data.y_test[:120]
    shown = []
    snapshots = EmbeddingSnapshots(images, labels, on_snapshot=shown.append)
    networks = _Networks(images)
    config = TrainingConfig(epochs=2, batch_size=128, metric="cosine", normalize_embeddings=False)
    train(config, small_data, callbacks=[networks, snapshots])

    assert [snapshot.epoch for snapshot in snapshots.snapshots] == [0, 1, 2]
    assert shown == snapshots.snapshots  # each one was handed to the page as it was made
    for snapshot, embeddings in zip(snapshots.snapshots, networks.embeddings, strict=True):
        fresh = project(embeddings, metric="cosine").points
        # The same map as a fresh cosine PCA, up to the rotation or reflection that aligned it: distances agree.
        aligned_distances = np.linalg.norm(snapshot.points[:, None] - snapshot.points[None], axis=-1)
        fresh_distances = np.linalg.norm(fresh[:, None] - fresh[None], axis=-1)
        np.testing.assert_allclose(aligned_distances, fresh_distances, atol=1e-3)
    # Aligned: an epoch's map sits closer to the last one than the same map unaligned would.
    last, now = snapshots.snapshots[1].points, snapshots.snapshots[2].points
    unaligned = project(networks.embeddings[2], metric="cosine").points
    assert np.linalg.norm(now - last) <= np.linalg.norm(unaligned - last) + 1e-6
    assert snapshots.extent() >= np.abs(np.concatenate([s.points for s in snapshots.snapshots])).max()


def test_a_network_that_outputs_nan_is_not_drawn(small_data):
    class Broken:
        output_shape = (None, 4)

        def __call__(self, images, training=False):
            return np.full((len(images), 4), np.nan, dtype=np.float32)

    snapshots = EmbeddingSnapshots(small_data.x_test[:10], small_data.y_test[:10])
    snapshots.on_epoch_end(type("Record", (), {"epoch": 1})(), Broken())
    assert snapshots.snapshots == [] and snapshots.extent() == 1.0
