"""The comparison a Siamese network must win: a plain softmax classifier whose last hidden layer is an embedding.

It has the same body as the Siamese network of a config (MLP or CNN) and a hidden layer of the
same width D, followed by one softmax output per *seen* class. It is trained with cross-entropy on
the very training images the Siamese network saw (``training.training_split``: held-out digits
removed; with ``config.with_symbols``, the background symbols too, one output per symbol class), with
the same augmentation, epochs, batches and batch size. Afterwards the D numbers of its
hidden layer are used as the embedding, compared by the config's metric.
"""

import keras
import numpy as np
from keras import layers

from siamese.config import TrainingConfig
from siamese.conventions import IMAGE_SHAPE
from siamese.data.batches import TrainingBatches
from siamese.data.mnist import MnistData
from siamese.data.symbol_corpus import SymbolCorpus
from siamese.evaluation.unseen_digits import threshold_on_pairs
from siamese.networks.models import feature_layers


class _ClassBatches(keras.utils.PyDataset):
    """Online batches ``(images, labels)`` with each label turned into the index of its softmax output."""

    def __init__(self, batches: TrainingBatches, output_of_label: np.ndarray):
        super().__init__()
        self.batches, self.output_of_label = batches, output_of_label

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int):
        images, labels = self.batches[index]
        return images, self.output_of_label[labels]


def train_classifier_baseline(
    config: TrainingConfig, data: MnistData, *, symbols: SymbolCorpus | None = None
) -> tuple[keras.Model, float]:
    """The classifier's embedding network ``(n, 28, 28) -> (n, D)`` and its same/different threshold.

    The threshold is chosen on pairs of the seen validation digits, as the Siamese network's is.
    ``symbols`` stands in for the packaged symbol corpus when ``config.with_symbols``.
    """
    from siamese.training.trainer import training_split, with_background_symbols

    config = config.replace(pair_mining="online")  # one image at a time, with its class
    x_fit, y_fit, x_validation, y_validation = training_split(config, data)
    if config.with_symbols:
        x_fit, y_fit = with_background_symbols(x_fit, y_fit, symbols)
    seen = np.unique(y_fit)
    output_of_label = np.full(int(seen.max()) + 1, -1, dtype=np.int64)
    output_of_label[seen] = np.arange(len(seen))
    keras.utils.set_random_seed(config.seed)
    images = keras.Input(shape=IMAGE_SHAPE, name="image")
    hidden = layers.Dense(config.embedding_dim, activation="relu", name="embedding")(feature_layers(images, config))
    logits = layers.Dense(len(seen), name="class_logits")(hidden)
    classifier = keras.Model(images, logits, name=f"{config.architecture}_classifier")
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    for epoch in range(1, config.epochs + 1):
        batches = TrainingBatches(x_fit, y_fit, config, epoch=epoch)
        try:
            classifier.fit(_ClassBatches(batches, output_of_label), epochs=1, verbose=0)
        finally:
            batches.release()
    embedding_network = keras.Model(images, hidden, name=f"{config.architecture}_classifier_embedding")
    from siamese.networks.models import embed

    threshold = threshold_on_pairs(embed(embedding_network, x_validation), y_validation, metric=config.metric)
    return embedding_network, threshold
