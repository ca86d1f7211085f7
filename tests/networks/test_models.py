import numpy as np
import pytest

from siamese.config import TrainingConfig
from siamese.networks.models import build_embedding_network, build_training_model, embed


@pytest.mark.parametrize("architecture", ["mlp", "cnn"])
def test_embedding_network_maps_images_to_vectors(architecture, rng):
    network = build_embedding_network(TrainingConfig(architecture=architecture, embedding_dim=16))
    images = rng.uniform(size=(3, 28, 28)).astype(np.float32)
    assert embed(network, images).shape == (3, 16)


def test_mlp_is_the_classic_784_512_256_d_stack():
    network = build_embedding_network(TrainingConfig(architecture="mlp", embedding_dim=128))
    dense_widths = [layer.units for layer in network.layers if hasattr(layer, "units")]
    assert dense_widths == [512, 256, 128]
    assert network.count_params() == 784 * 512 + 512 + 512 * 256 + 256 + 256 * 128 + 128


def test_normalised_embeddings_have_unit_length(rng):
    network = build_embedding_network(TrainingConfig(normalize_embeddings=True, embedding_dim=8))
    lengths = np.linalg.norm(embed(network, rng.uniform(size=(5, 28, 28))), axis=1)
    assert np.allclose(lengths, 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("changes", "towers"),
    [({"pair_mining": "fixed"}, 2), ({"pair_mining": "fixed", "loss": "triplet"}, 3), ({}, 1)],
)
def test_every_tower_shares_one_embedding_network(changes, towers):
    config = TrainingConfig(**changes)
    network = build_embedding_network(config)
    model = build_training_model(network, config)
    assert len(model.inputs) == towers
    # Shared weights: the Siamese model owns no weights beyond the one embedding network.
    assert model.count_params() == network.count_params()


def test_cosine_bce_model_adds_only_a_learned_scale_and_bias():
    config = TrainingConfig(loss="cosine_bce", metric="cosine", pair_mining="fixed")
    network = build_embedding_network(config)
    assert build_training_model(network, config).count_params() == network.count_params() + 2


def test_pair_model_outputs_the_distance_between_the_two_embeddings(rng):
    config = TrainingConfig(pair_mining="fixed", embedding_dim=8)
    network = build_embedding_network(config)
    model = build_training_model(network, config)
    left, right = rng.uniform(size=(4, 28, 28)), rng.uniform(size=(4, 28, 28))
    expected = np.linalg.norm(embed(network, left) - embed(network, right), axis=1)
    assert np.allclose(np.asarray(model([left, right])), expected, atol=1e-4)


def test_embed_in_batches_equals_one_call(rng):
    network = build_embedding_network(TrainingConfig(embedding_dim=8))
    images = rng.uniform(size=(10, 28, 28)).astype(np.float32)
    assert np.allclose(embed(network, images, batch_size=3), embed(network, images), atol=1e-6)


def test_embed_refuses_wrong_shapes():
    network = build_embedding_network(TrainingConfig(embedding_dim=8))
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        embed(network, np.zeros((2, 784)))


def test_same_seed_builds_the_same_weights():
    first = build_embedding_network(TrainingConfig(seed=4)).get_weights()
    second = build_embedding_network(TrainingConfig(seed=4)).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def _layer_outputs(network, *names):
    import keras

    return keras.Model(network.inputs, [network.get_layer(name).output for name in names])


@pytest.mark.parametrize(("pooling", "layer", "reference"), [
    ("avg", "average_pool", lambda maps: maps.mean(axis=(1, 2))),
    ("max", "max_pool", lambda maps: maps.max(axis=(1, 2))),
])  # fmt: skip
def test_cnn_pooling_matches_numpy(pooling, layer, reference, rng):
    network = build_embedding_network(TrainingConfig(architecture="cnn", pooling=pooling, embedding_dim=8))
    maps, pooled = _layer_outputs(network, "relu_64_7x7", layer)(rng.uniform(size=(3, 28, 28)).astype(np.float32))
    assert maps.shape == (3, 7, 7, 64) and pooled.shape == (3, 64)
    np.testing.assert_allclose(np.asarray(pooled), reference(np.asarray(maps)), rtol=1e-5, atol=1e-6)


def test_attention_pooling_is_a_softmax_weighted_mean_of_positions(rng):
    from siamese.networks.models import AttentionPooling

    features = rng.normal(size=(2, 3, 3, 4)).astype(np.float32)
    layer = AttentionPooling()
    layer.build(features.shape)
    kernel, bias = rng.normal(size=4).astype(np.float32), np.float32(0.3)
    layer.set_weights([kernel, bias])
    expected = np.zeros((2, 4))
    for n in range(2):
        positions = features[n].reshape(-1, 4)
        scores = positions @ kernel + bias
        weights = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
        expected[n] = sum(weight * row for weight, row in zip(weights, positions, strict=True))
    np.testing.assert_allclose(np.asarray(layer(features)), expected, rtol=1e-5, atol=1e-6)
    network = build_embedding_network(TrainingConfig(architecture="cnn", pooling="attention", embedding_dim=8))
    assert network.get_layer("attention_pool").output.shape == (None, 64)


@pytest.mark.parametrize(("token_pooling", "tokens"), [("cls", 1 + 49), ("mean", 49)])
def test_vit_turns_patches_into_tokens_and_knows_where_they_lie(token_pooling, tokens, rng, tmp_path):
    import keras

    config = TrainingConfig(architecture="vit", token_pooling=token_pooling, embedding_dim=16)
    network = build_embedding_network(config)
    assert network.get_layer("positions").output.shape == (None, tokens, 64)
    images = rng.uniform(size=(2, 28, 28)).astype(np.float32)
    # Swapping two patches changes the embedding: the learned positions tell the tokens apart.
    swapped = images.copy()
    swapped[:, :4, :4], swapped[:, 24:, 24:] = images[:, 24:, 24:], images[:, :4, :4]
    network.get_layer("positions").set_weights([rng.normal(size=(tokens, 64)).astype(np.float32)])
    assert not np.allclose(embed(network, images), embed(network, swapped), atol=1e-4)
    network.save(tmp_path / "vit.keras")
    loaded = keras.models.load_model(tmp_path / "vit.keras", safe_mode=True)
    np.testing.assert_allclose(embed(loaded, images), embed(network, images), atol=1e-6)


def test_pooling_and_patches_are_checked():
    with pytest.raises(ValueError, match="pooling 'avg' is for the CNN"):
        TrainingConfig(architecture="vit", pooling="avg")
    with pytest.raises(ValueError, match="patch_size"):
        TrainingConfig(architecture="vit", patch_size=5)
