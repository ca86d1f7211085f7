"""Embedding networks and the Siamese training models built around them.

The embedding network maps ``(n, 28, 28) float32 in [0, 1]`` to ``(n, D)``; it
is the only part saved and used after training. Training wraps it in a model
whose towers share it: two towers for pairs, three for triplets, or one tower
whose outputs are compared all against all ("online" pair mining).
"""

import keras
import numpy as np
from keras import layers, ops

from siamese.config import Loss, TrainingConfig
from siamese.conventions import IMAGE_SHAPE
from siamese.networks.tensor_distances import distance_matrix, pair_distance


def build_embedding_network(config: TrainingConfig) -> keras.Model:
    """``(n, 28, 28) -> (n, config.embedding_dim)``, seeded by ``config.seed``."""
    keras.utils.set_random_seed(config.seed)
    images = keras.Input(shape=IMAGE_SHAPE, name="image")
    embeddings = layers.Dense(config.embedding_dim, name="embedding")(feature_layers(images, config))
    if config.normalize_embeddings:
        embeddings = layers.UnitNormalization(name="unit_length")(embeddings)
    return keras.Model(images, embeddings, name=f"{config.architecture}_embedding")


def feature_layers(images, config: TrainingConfig):
    """The body of ``config.architecture`` on ``images``: ``(n, 28, 28) -> (n, F)``, F = 256 (MLP, CNN) or 64 (ViT)."""
    if config.architecture == "mlp":
        return _mlp_features(images)
    if config.architecture == "cnn":
        return _cnn_features(images, pooling=config.pooling)
    return _vit_features(images, config)


def _mlp_features(images):
    x = layers.Flatten(name="pixels")(images)  # (n, 784)
    x = layers.Dense(512, activation="relu", name="dense_512")(x)
    return layers.Dense(256, activation="relu", name="dense_256")(x)


def _cnn_features(images, *, pooling: str):
    x = layers.Reshape((*IMAGE_SHAPE, 1), name="channel")(images)  # (n, 28, 28, 1)
    for filters in (32, 64):
        x = _conv_block(x, filters, name=str(filters))
        x = layers.MaxPooling2D(name=f"pool_{filters}")(x)  # 28 -> 14 -> 7
    # A third, cheap conv on the 7x7 maps: about 1.2x the cost, clearly better retrieval.
    x = _conv_block(x, 64, name="64_7x7")  # (n, 7, 7, 64)
    pooled = {
        "flatten": lambda: layers.Flatten(name="features")(x),  # (n, 3136): where each stroke is stays known
        "avg": lambda: layers.GlobalAveragePooling2D(name="average_pool")(x),  # (n, 64)
        "max": lambda: layers.GlobalMaxPooling2D(name="max_pool")(x),  # (n, 64)
        "attention": lambda: AttentionPooling(name="attention_pool")(x),  # (n, 64)
    }[pooling]()
    return layers.Dense(256, activation="relu", name="dense_256")(pooled)


# The small Vision Transformer's width, attention heads and MLP width: sized for 28 x 28 digits on a CPU.
VIT_WIDTH, VIT_HEADS, VIT_MLP = 64, 4, 128


def _vit_features(images, config: TrainingConfig):
    """Patches -> tokens (+ a CLS token) + learned positions -> transformer blocks -> one vector ``(n, 64)``."""
    patch = config.patch_size
    tokens = (IMAGE_SHAPE[0] // patch) ** 2
    x = layers.Reshape((*IMAGE_SHAPE, 1), name="channel")(images)
    # A strided convolution is the usual patch embedding: each patch x patch square becomes one token.
    x = layers.Conv2D(VIT_WIDTH, patch, strides=patch, name="patch_embedding")(x)  # (n, 28/p, 28/p, 64)
    x = layers.Reshape((tokens, VIT_WIDTH), name="tokens")(x)  # (n, tokens, 64)
    if config.token_pooling == "cls":
        x = ClassToken(name="class_token")(x)  # (n, 1 + tokens, 64)
    x = PositionEmbedding(name="positions")(x)
    for block in range(config.transformer_blocks):
        x = _transformer_block(x, name=f"block_{block + 1}")
    x = layers.LayerNormalization(epsilon=1e-6, name="final_norm")(x)
    if config.token_pooling == "cls":
        return layers.Flatten(name="class_output")(layers.Cropping1D((0, tokens), name="class_token_out")(x))
    return layers.GlobalAveragePooling1D(name="token_mean")(x)  # (n, 64)


def _transformer_block(x, *, name: str):
    """Pre-norm: ``x + attention(norm(x))``, then ``x + mlp(norm(x))``; ``(n, t, 64) -> (n, t, 64)``."""
    attended = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm_1")(x)
    attended = layers.MultiHeadAttention(VIT_HEADS, VIT_WIDTH // VIT_HEADS, name=f"{name}_attention")(
        attended, attended
    )
    x = layers.Add(name=f"{name}_residual_1")([x, attended])
    hidden = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm_2")(x)
    hidden = layers.Dense(VIT_MLP, activation="gelu", name=f"{name}_mlp_1")(hidden)
    hidden = layers.Dense(VIT_WIDTH, name=f"{name}_mlp_2")(hidden)
    return layers.Add(name=f"{name}_residual_2")([x, hidden])


@keras.saving.register_keras_serializable(package="siamese")
class AttentionPooling(layers.Layer):
    """``(n, h, w, c) -> (n, c)``: a learned score per position, softmax over the positions, the weighted mean.

    ``score = features · kernel + bias``; the network learns where in the picture to look.
    """

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="kernel")
        self.bias = self.add_weight(shape=(), initializer="zeros", name="bias")

    def call(self, features):
        channels = ops.shape(features)[-1]
        flat = ops.reshape(features, (ops.shape(features)[0], -1, channels))  # (n, h * w, c)
        weights = ops.softmax(ops.einsum("npc,c->np", flat, self.kernel) + self.bias, axis=-1)
        return ops.einsum("np,npc->nc", weights, flat)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


@keras.saving.register_keras_serializable(package="siamese")
class ClassToken(layers.Layer):
    """``(n, t, d) -> (n, 1 + t, d)``: a learned token put in front, whose output summarises the picture."""

    def build(self, input_shape):
        self.token = self.add_weight(shape=(1, 1, input_shape[-1]), initializer="zeros", name="token")

    def call(self, tokens):
        batch = ops.shape(tokens)[0]
        return ops.concatenate([ops.broadcast_to(self.token, (batch, 1, ops.shape(tokens)[-1])), tokens], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None if input_shape[1] is None else input_shape[1] + 1, input_shape[2])


@keras.saving.register_keras_serializable(package="siamese")
class PositionEmbedding(layers.Layer):
    """``(n, t, d) -> (n, t, d)``: a learned vector added to each token, so attention knows where it lies."""

    def build(self, input_shape):
        initializer = keras.initializers.RandomNormal(stddev=0.02)
        self.positions = self.add_weight(shape=tuple(input_shape[1:]), initializer=initializer, name="positions")

    def call(self, tokens):
        return tokens + self.positions


def _conv_block(x, filters: int, *, name: str):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv_{name}")(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"batch_norm_{name}")(x)
    return layers.ReLU(name=f"relu_{name}")(x)


@keras.saving.register_keras_serializable(package="siamese")
class PairDistance(layers.Layer):
    """``[(n, D), (n, D)] -> (n,)`` distance between the two towers' embeddings."""

    def __init__(self, metric: str = "euclidean", **kwargs):
        super().__init__(**kwargs)
        self.metric = metric

    def call(self, inputs):
        left, right = inputs
        return pair_distance(left, right, self.metric)

    def get_config(self):
        return {**super().get_config(), "metric": self.metric}


@keras.saving.register_keras_serializable(package="siamese")
class DistanceMatrix(layers.Layer):
    """``(n, D) -> (n, n)`` distances between every two embeddings of a batch."""

    def __init__(self, metric: str = "euclidean", **kwargs):
        super().__init__(**kwargs)
        self.metric = metric

    def call(self, embeddings):
        return distance_matrix(embeddings, self.metric)

    def get_config(self):
        return {**super().get_config(), "metric": self.metric}


@keras.saving.register_keras_serializable(package="siamese")
class CosineLogit(layers.Layer):
    """Cosine distance ``d`` to a same-digit logit ``scale * (1 - d) + bias``, scale and bias learned."""

    def build(self, input_shape):
        # Starting at scale 10, bias -5 puts the decision at cosine similarity 0.5.
        self.scale = self.add_weight(shape=(), initializer=keras.initializers.Constant(10.0), name="scale")
        self.bias = self.add_weight(shape=(), initializer=keras.initializers.Constant(-5.0), name="bias")

    def call(self, distances):
        return self.scale * (1.0 - distances) + self.bias


def build_training_model(embedding_network: keras.Model, config: TrainingConfig) -> keras.Model:
    """The Siamese model that ``model.fit`` trains; every tower is ``embedding_network``."""
    if config.pair_mining == "online":
        images = keras.Input(shape=IMAGE_SHAPE, name="image")
        outputs = DistanceMatrix(config.metric, name="distances")(embedding_network(images))
        inputs = images
    elif config.loss == Loss.TRIPLET:
        inputs = [keras.Input(shape=IMAGE_SHAPE, name=name) for name in ("anchor", "positive", "negative")]
        anchor, positive, negative = (embedding_network(tower) for tower in inputs)
        positive_distance = PairDistance(config.metric, name="positive_distance")([anchor, positive])
        negative_distance = PairDistance(config.metric, name="negative_distance")([anchor, negative])
        outputs = layers.Concatenate(name="distances")(
            [ops.expand_dims(positive_distance, -1), ops.expand_dims(negative_distance, -1)]
        )
    else:
        inputs = [keras.Input(shape=IMAGE_SHAPE, name=name) for name in ("left", "right")]
        outputs = PairDistance(config.metric, name="distance")([embedding_network(tower) for tower in inputs])
    if config.loss == Loss.COSINE_BCE:
        outputs = CosineLogit(name="same_digit_logit")(outputs)
    return keras.Model(inputs, outputs, name="siamese")


def embed(embedding_network: keras.Model, images: np.ndarray, *, batch_size: int = 512) -> np.ndarray:
    """``(n, 28, 28) float32 in [0, 1] -> (n, D) float32``, in inference mode.

    Batches of 512: a CNN's first feature maps for 2,048 images take 200 MB, and a server holds
    its peak memory for good.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"images must have shape (n, 28, 28), got {images.shape}")
    if len(images) == 0:
        return np.zeros((0, embedding_network.output_shape[-1]), dtype=np.float32)
    batches = [
        ops.convert_to_numpy(embedding_network(images[start : start + batch_size], training=False))
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(batches).astype(np.float32)


def summary_text(embedding_network: keras.Model) -> str:
    """Keras' layer-by-layer summary of the network, as one string."""
    lines: list[str] = []
    embedding_network.summary(print_fn=lines.append)
    return "\n".join(lines)
