"""One training run of a session, as the Train, Evaluate and other pages keep it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from siamese.training.snapshots import snapshots_extent

if TYPE_CHECKING:  # TensorFlow loads with training, not when a page reads a record
    from siamese.storage.trained_model import TrainedModel
    from siamese.training.snapshots import Snapshot
    from siamese.training.trainer import TrainingResult


@dataclass(frozen=True, kw_only=True, eq=False)
class RunRecord:
    """One training run of this session: its result, the model it left (if usable) and its maps."""

    name: str
    result: TrainingResult
    model: TrainedModel | None
    snapshots: list[Snapshot]
    snapshot_labels: np.ndarray
    steps_per_epoch: int

    @property
    def fraction_done(self) -> float:
        planned = self.steps_per_epoch * self.result.config.epochs
        return min(len(self.result.history.batch_losses) / planned, 1.0)

    @property
    def snapshot_extent(self) -> float:
        """Half-width of square axes that hold every map of the run."""
        return snapshots_extent(self.snapshots)
