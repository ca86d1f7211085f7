"""What a training run recorded, batch by batch and epoch by epoch, as saved in ``history.json``.

Apart from ``training`` so that a saved model's history reads without importing TensorFlow.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class EpochRecord:
    """One finished epoch; the accuracy is at the threshold that is best on the validation pairs."""

    epoch: int
    train_loss: float
    validation_loss: float
    validation_pair_accuracy: float
    threshold: float
    seconds: float


@dataclass
class TrainingHistory:
    """Everything recorded during a run; ``batch_losses[i]`` is the running epoch loss after step ``i + 1``."""

    batch_losses: list[float] = field(default_factory=list)
    batch_epochs: list[int] = field(default_factory=list)
    epochs: list[EpochRecord] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "batch_losses": self.batch_losses,
            "batch_epochs": self.batch_epochs,
            "epochs": [record.__dict__ for record in self.epochs],
        }

    @classmethod
    def from_dict(cls, values: dict) -> "TrainingHistory":
        return cls(
            batch_losses=[float(loss) for loss in values.get("batch_losses", [])],
            batch_epochs=[int(epoch) for epoch in values.get("batch_epochs", [])],
            epochs=[EpochRecord(**record) for record in values.get("epochs", [])],
        )
