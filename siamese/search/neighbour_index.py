"""Answer "which training digits look like this one?" for a single drawn digit.

``NeighbourIndex`` holds the reference embeddings (the training digits) and the
embedding network, so a query is: one image → one embedding → search → k-NN vote.
This is the Draw page's hot path. The search is exact by default (a few milliseconds over 60,000
references); ``index=`` picks another ``siamese.search.vector_index`` kind, such as FAISS's HNSW graph for
millions of references.
"""

from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from siamese.conventions import IMAGE_SHAPE, check_metric
from siamese.networks.models import embed
from siamese.search.neighbour_search import knn_vote
from siamese.search.vector_index import IndexKind, build_index


@dataclass(frozen=True, kw_only=True)
class QueryResult:
    """The k nearest references of one query, nearest first.

    ``indices``, ``labels`` (k,) int64 and ``distances`` (k,) float32;
    ``embedding`` (D,) float32 is the query's own embedding.
    """

    predicted: int
    vote_share: float
    indices: np.ndarray
    labels: np.ndarray
    distances: np.ndarray
    embedding: np.ndarray


class NeighbourIndex:
    """Nearest-neighbour search over reference embeddings, with the network to embed queries.

    ``index`` is a ``siamese.search.vector_index.IndexKind``: "exact" (the default), "faiss-flat" or "faiss-hnsw".
    """

    def __init__(
        self,
        embedding_network,
        reference_embeddings: np.ndarray,
        reference_labels: np.ndarray,
        *,
        metric,
        index: str = IndexKind.EXACT,
    ):
        if len(reference_embeddings) != len(reference_labels):
            raise ValueError("reference_embeddings and reference_labels must have the same length")
        self.embedding_network = embedding_network
        self.reference_embeddings = np.ascontiguousarray(reference_embeddings, dtype=np.float32)
        self.reference_labels = np.asarray(reference_labels, dtype=np.int64)
        self.metric = check_metric(metric)
        self.vector_index = build_index(self.reference_embeddings, metric=self.metric, kind=index)
        self._embed_one = _compiled_inference(embedding_network)
        # Traced now, so the first student's first query does not wait for it (about 0.25 s for a CNN).
        self._embed_one(np.zeros((1, *IMAGE_SHAPE), dtype=np.float32))

    @classmethod
    def build(
        cls, embedding_network, images: np.ndarray, labels: np.ndarray, *, metric: str, index: str = IndexKind.EXACT
    ) -> "NeighbourIndex":
        """Embed ``images`` (n, 28, 28) float32 in [0, 1] as the references."""
        return cls(embedding_network, embed(embedding_network, images), labels, metric=metric, index=index)

    def embed(self, image: np.ndarray) -> np.ndarray:
        """One image's embedding: ``(28, 28) float32 in [0, 1] -> (D,) float32``."""
        image = np.asarray(image, dtype=np.float32)
        if image.shape != IMAGE_SHAPE:
            raise ValueError(f"a query image must be (28, 28), got {image.shape}")
        return self._embed_one(image[None])[0]

    def query(self, image: np.ndarray, *, k: int = 5) -> QueryResult:
        """The ``k`` nearest references of one ``(28, 28)`` image and their vote."""
        return self.neighbours_of(self.embed(image), k=k)

    def neighbours_of(self, embedding: np.ndarray, *, k: int = 5) -> QueryResult:
        """The ``k`` nearest references of one ``(D,)`` embedding and their vote."""
        embedding = np.asarray(embedding, dtype=np.float32)
        distances, indices = self.vector_index.search(embedding[None], k=k)
        labels = self.reference_labels[indices]
        predicted, share = knn_vote(labels, neighbour_distances=distances)
        return QueryResult(
            predicted=int(predicted[0]),
            vote_share=float(share[0]),
            indices=indices[0],
            labels=labels[0],
            distances=distances[0],
            embedding=embedding,
        )


def _compiled_inference(embedding_network):
    """``(1, 28, 28) -> (1, D)`` NumPy, as a traced graph on TensorFlow.

    A plain eager call of a Keras model costs several milliseconds of Python
    overhead per query; the traced function costs a fraction of that.
    """
    if keras.backend.backend() != "tensorflow":
        return lambda images: ops.convert_to_numpy(embedding_network(images, training=False))
    import tensorflow as tf

    signature = [tf.TensorSpec(shape=(None, *IMAGE_SHAPE), dtype=tf.float32)]
    traced = tf.function(lambda images: embedding_network(images, training=False), input_signature=signature)
    return lambda images: traced(images).numpy()
