"""The neighbour index behind the Draw page: its traced inference and its answers, against plain calls."""

import numpy as np
import pytest

from siamese.config import TrainingConfig
from siamese.networks.models import build_embedding_network, embed
from siamese.search.neighbour_index import NeighbourIndex
from siamese.search.neighbour_search import nearest_neighbours


@pytest.fixture(scope="module")
def network():
    return build_embedding_network(TrainingConfig(embedding_dim=16, seed=3))


@pytest.fixture(scope="module")
def index(network, embedded_data):
    return NeighbourIndex.build(network, embedded_data.x_train[:500], embedded_data.y_train[:500], metric="cosine")


def test_the_traced_embedding_of_one_image_matches_embed(index, network, embedded_data):
    for image in embedded_data.x_test[:5]:
        np.testing.assert_allclose(index.embed(image), embed(network, image[None])[0], atol=1e-5)


def test_a_query_is_the_plain_search_and_a_majority_vote(index, embedded_data):
    image = embedded_data.x_test[7]
    result = index.query(image, k=7)
    distances, indices = nearest_neighbours(index.embed(image)[None], index.reference_embeddings, k=7, metric="cosine")
    np.testing.assert_array_equal(result.indices, indices[0])
    np.testing.assert_allclose(result.distances, distances[0])
    np.testing.assert_array_equal(result.labels, index.reference_labels[indices[0]])
    counts = np.bincount(result.labels, minlength=10)
    assert counts[result.predicted] == counts.max()
    assert result.vote_share == pytest.approx(counts.max() / 7)


def test_neighbours_of_an_embedding_answer_like_a_query_of_its_image(index, embedded_data):
    image = embedded_data.x_test[3]
    by_image, by_embedding = index.query(image, k=5), index.neighbours_of(index.embed(image), k=5)
    np.testing.assert_array_equal(by_image.indices, by_embedding.indices)
    assert by_image.predicted == by_embedding.predicted


@pytest.mark.parametrize("kind", ["faiss-flat", "faiss-hnsw"])
def test_a_faiss_index_answers_like_the_exact_one(kind, index, network, embedded_data):
    faiss_index = NeighbourIndex(
        network, index.reference_embeddings, index.reference_labels, metric="cosine", index=kind
    )
    for image in embedded_data.x_test[:10]:
        exact, found = index.query(image, k=5), faiss_index.query(image, k=5)
        np.testing.assert_array_equal(found.indices, exact.indices)
        np.testing.assert_allclose(found.distances, exact.distances, atol=1e-6)
        assert (found.predicted, found.vote_share) == (exact.predicted, exact.vote_share)


def test_bad_queries_are_refused(index, network):
    with pytest.raises(ValueError, match=r"\(28, 28\)"):
        index.embed(np.zeros((28, 27), dtype=np.float32))
    with pytest.raises(ValueError, match="same length"):
        NeighbourIndex(network, np.zeros((3, 16)), np.zeros(2, dtype=int), metric="euclidean")
    with pytest.raises(ValueError, match="metric"):
        NeighbourIndex(network, np.zeros((3, 16)), np.zeros(3, dtype=int), metric="manhattan")
    with pytest.raises(ValueError, match="index must be one of exact, faiss-flat, faiss-hnsw"):
        NeighbourIndex(network, np.zeros((3, 16)), np.zeros(3, dtype=int), metric="cosine", index="annoy")
