"""A trained model as everything downstream uses it: the network, its config, threshold and history.

``TrainedModel.from_result`` makes one from a finished ``train``; ``storage.load_model`` and
``storage.load_upload`` make one from files. Pages, the CLI and caches all take this one type.
"""

import enum
import uuid
from dataclasses import dataclass, field

import keras

from siamese.config import TrainingConfig
from siamese.training import TrainingHistory, TrainingResult


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
    """

    name: str
    embedding_network: keras.Model
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
            embedding_network=result.embedding_network,
            config=result.config,
            threshold=result.threshold,
            history=result.history,
            metrics=result.metrics(),
            origin=origin,
        )

    @property
    def embedding_dim(self) -> int:
        return int(self.embedding_network.output_shape[-1])
