"""A trained model as everything downstream uses it: the network, its config, threshold and history.

``TrainedModel.from_result`` makes one from a finished ``train``; ``storage.load_model`` and
``storage.load_upload`` make one from files. Pages, the CLI and caches all take this one type.
Importing this module imports no TensorFlow: a model loaded lazily has its network still in its
file (``NetworkFile``) until ``embedding_network`` is first asked for.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from siamese.config import TrainingConfig
from siamese.storage.network_file import NetworkFile
from siamese.training.history import TrainingHistory

if TYPE_CHECKING:
    import keras

    from siamese.training.trainer import TrainingResult


class ModelOrigin(enum.StrEnum):
    """Where a model came from, to tell the user."""

    TRAINED = "trained"  # trained in this session
    DEFAULT = "default"  # the server's default model, trained the first time a page needed it
    SHIPPED = "shipped"  # pre-trained, shipped with the package
    UPLOADED = "uploaded"  # a file the user uploaded
    SAVED = "saved"  # a model folder on disk


@dataclass(frozen=True, kw_only=True, eq=False)
class TrainedModel:
    """An embedding network ``(n, 28, 28) float32 in [0, 1] -> (n, D)`` ready to use.

    ``threshold`` is the same/different distance (in ``config.metric``) chosen on validation
    pairs; ``metrics`` are the figures saved beside it as ``metrics.json``; ``key`` is unique per
    model, for caches in memory. ``fingerprint`` (the SHA-256 of its saved network) names a model
    that was loaded from a file, for caches on disk; a model trained in this process has none.
    ``network`` is the Keras network, or the ``NetworkFile`` it is read from when first used.
    """

    name: str
    network: keras.Model | NetworkFile
    config: TrainingConfig
    threshold: float
    history: TrainingHistory = field(default_factory=TrainingHistory)
    metrics: dict = field(default_factory=dict)
    origin: ModelOrigin = ModelOrigin.SAVED
    fingerprint: str | None = None
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def from_result(cls, result: TrainingResult, *, name: str, origin: ModelOrigin = ModelOrigin.TRAINED):
        """The model a training run produced (possibly stopped early)."""
        return cls(
            name=name,
            network=result.embedding_network,
            config=result.config,
            threshold=result.threshold,
            history=result.history,
            metrics=result.metrics(),
            origin=origin,
        )

    @property
    def embedding_network(self) -> keras.Model:
        """The network ``(n, 28, 28) -> (n, D)``; read from its file now (waiting seconds) if it wasn't yet."""
        if isinstance(self.network, NetworkFile):
            return self.network.load()
        return self.network

    @property
    def network_ready(self) -> bool:
        """Whether ``embedding_network`` answers at once."""
        return not isinstance(self.network, NetworkFile) or self.network.loaded

    def start_loading(self) -> None:
        """Begin reading a network still in its file in the background, so it is ready when first needed."""
        if not self.network_ready:
            self.network.start_loading()

    @property
    def embedding_dim(self) -> int:
        return self.config.embedding_dim

    def embed(self, images: np.ndarray) -> np.ndarray:
        """``(n, 28, 28) float32 in [0, 1] -> (n, D) float32``; no network is read (or TensorFlow imported) for none."""
        if not len(images):
            return np.zeros((0, self.embedding_dim), dtype=np.float32)
        from siamese.networks.models import embed

        return embed(self.embedding_network, images)
