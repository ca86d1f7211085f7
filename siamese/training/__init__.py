"""Training: ``train`` with callbacks and a stop request, what a run recorded, and live snapshots.

``trainer`` runs ``model.fit`` (TensorFlow); ``history`` holds a run's losses and figures and needs no
TensorFlow; ``snapshots`` maps a fixed sample after every epoch; ``tensorflow_internals`` is the one
private TensorFlow registry training must clean.
"""

from siamese.public import names_in, public_face

__all__, __getattr__, __dir__ = public_face(__name__, {
    **names_in("trainer", "train", "TrainingCallback", "TrainingResult", "TrainingStatus", "StopRequest",
               "BatchProgress", "TrainingPlan", "training_split", "choose_threshold"),
    **names_in("history", "TrainingHistory", "EpochRecord"),
    **names_in("snapshots", "EmbeddingSnapshots", "Snapshot"),
})  # fmt: skip
