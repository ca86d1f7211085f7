"""The one place that holds every training hyperparameter.

``TrainingConfig`` is frozen, validated on creation, saved as ``config.json``
beside the model and enough to rebuild it (``models.build_embedding_network``).
"""

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from siamese.augmentation import Augmentation
from siamese.conventions import METRICS, NUM_CLASSES

ARCHITECTURES = ("mlp", "cnn", "vit")
POOLINGS = ("flatten", "avg", "max", "attention")  # how the CNN turns its 7 x 7 feature maps into one vector
TOKEN_POOLINGS = ("cls", "mean")  # how the ViT turns its tokens into one vector
PATCH_SIZES = (2, 4, 7, 14)  # the ViT's square patches must tile the 28 x 28 picture
LOSSES = ("contrastive", "triplet", "cosine_bce", "infonce")
PAIR_MINING = ("fixed", "fresh", "online")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
LEARNING_RATE_SCHEDULES = ("constant", "cosine")
# In-batch triplets are scored all at once: (batch, batch, batch) numbers, 67 MB at 256.
MAX_TRIPLET_BATCH = 256
# Images of one class in a batch when training on symbols: hundreds of classes, each with partners;
# and the share of a batch's classes given to symbols, so the ten digits do not drown them out.
SYMBOL_EXAMPLES_PER_CLASS = 4
SYMBOL_SHARE = 0.5
# The largest value each augmentation setting accepts (beyond these a digit stops looking like itself).
AUGMENTATION_LIMITS = {"rotation": 45.0, "scale": 0.5, "shear": 1.0, "thickness": 1.0, "elastic": 4.0}


@dataclass(frozen=True, kw_only=True)
class TrainingConfig:
    """Hyperparameters of one training run.

    Attributes
    ----------
    architecture : "mlp" (784→512→256→D, the classic recipe), "cnn" (small conv net) or "vit" (a small
        Vision Transformer: patches of the picture as tokens, attention between them).
    pooling : the CNN's 7 x 7 maps to one vector: "flatten" (keeps where), "avg", "max", or "attention"
        (a learned score per position, softmax-normalised, weighting the average).
    patch_size : the ViT's patches, in pixels (2, 4, 7 or 14): 4 makes 49 tokens.
    transformer_blocks : the ViT's depth.
    token_pooling : the ViT's tokens to one vector: "cls" (a learned class token's output) or "mean".
    embedding_dim : D, the length of each embedding.
    normalize_embeddings : scale embeddings to unit length (L2) as the network's last step.
    loss : "contrastive" (Hadsell et al. 2006), "triplet", "cosine_bce" (cosine similarity with a
        learned scale and bias, binary cross-entropy), or "infonce" (supervised InfoNCE, as SupCon:
        every same-class image of the batch a positive, the rest negatives; needs online mining).
    margin : contrastive / triplet margin, in distance units.
    temperature : InfoNCE's temperature: logits are ``-distance / temperature``.
    metric : the distance between embeddings, "euclidean" or "cosine" (``cosine_bce`` needs cosine);
        used in training and afterwards for every search and score.
    pair_mining : "fixed" pairs made once, "fresh" pairs every epoch, or "online":
        every image embedded once per batch and all in-batch pairs scored.
    pairs_per_image : positive and negative pairs (or triplets) made per image.
    optimizer, learning_rate, batch_size, epochs : as in Keras.
    learning_rate_schedule : "constant", or "cosine": decays from ``learning_rate`` to 0 over all
        the planned steps (``epochs`` times the batches per epoch).
    augment_shift : shift each training image by a random number of pixels, up to this many in
        each direction (0: no shift). Validation and test images are never changed.
    augment_rotation : turn each training image by a random angle up to this many degrees either way.
    augment_scale : resize each training image by a random factor in ``1 ± augment_scale``.
    augment_shear : slant each training image by up to this much (horizontal pixels per pixel of height).
    augment_thickness : the share of training images drawn a pixel thicker or thinner.
    augment_elastic : wobble each training image by smooth random displacements of about this many pixels.
    validation_fraction : share of the training images held out for validation.
    restore_best_weights : end with the weights of the epoch with the best validation pair accuracy.
    held_out_digits : digits training never shows (no pair, triplet or batch holds one), to see how
        the learned distance does on digits it never saw. At least two digits must stay seen.
    with_symbols : also train on the background classes of the symbol corpus (``siamese.symbol_corpus``),
        hundreds of letters and signs besides the digits, so the distance learns what tells shapes apart
        in general; evaluation classes (Greek and Cyrillic among them) are never shown. Needs online mining.
    examples_per_class : online batches made of this many images of each class they hold (P x K batches),
        so every image has partners of its class even among hundreds of classes; 0: plain random batches.
    symbol_share : with symbols, the share of every batch's classes that are symbols (their drawings reused,
        newly changed each time, as often as that needs; an epoch is one pass over the digits); 0: the
        symbols come as often as the corpus holds them beside the digits.
    seed : seeds the split, the pairs, the weights and the shuffling.
    """

    architecture: Literal["mlp", "cnn", "vit"] = "mlp"
    pooling: Literal["flatten", "avg", "max", "attention"] = "flatten"
    patch_size: int = 4
    transformer_blocks: int = 4
    token_pooling: Literal["cls", "mean"] = "cls"
    embedding_dim: int = 128
    normalize_embeddings: bool = True
    loss: Literal["contrastive", "triplet", "cosine_bce", "infonce"] = "contrastive"
    margin: float = 1.0
    temperature: float = 0.1
    metric: Literal["euclidean", "cosine"] = "euclidean"
    pair_mining: Literal["fixed", "fresh", "online"] = "online"
    pairs_per_image: int = 1
    optimizer: Literal["adam", "sgd", "rmsprop"] = "adam"
    learning_rate: float = 3e-3
    batch_size: int = 128
    epochs: int = 15
    learning_rate_schedule: Literal["constant", "cosine"] = "constant"
    augment_shift: int = 0
    augment_rotation: float = 0.0
    augment_scale: float = 0.0
    augment_shear: float = 0.0
    augment_thickness: float = 0.0
    augment_elastic: float = 0.0
    validation_fraction: float = 0.1
    restore_best_weights: bool = True
    held_out_digits: tuple[int, ...] = ()
    with_symbols: bool = False
    examples_per_class: int = 0
    symbol_share: float = 0.0
    seed: int = 0

    def __post_init__(self):
        _check_choice("architecture", self.architecture, ARCHITECTURES)
        _check_choice("pooling", self.pooling, POOLINGS)
        _check_choice("token_pooling", self.token_pooling, TOKEN_POOLINGS)
        if self.patch_size not in PATCH_SIZES or isinstance(self.patch_size, bool):
            raise ValueError(
                f"patch_size must be one of {PATCH_SIZES} (it must tile 28 pixels), got {self.patch_size!r}"
            )
        _check_positive_int("transformer_blocks", self.transformer_blocks)
        if self.pooling != "flatten" and self.architecture != "cnn":
            raise ValueError(f"pooling {self.pooling!r} is for the CNN; the {self.architecture} has its own")
        _check_choice("loss", self.loss, LOSSES)
        _check_choice("metric", self.metric, METRICS)
        _check_choice("pair_mining", self.pair_mining, PAIR_MINING)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("learning_rate_schedule", self.learning_rate_schedule, LEARNING_RATE_SCHEDULES)
        _check_positive_int("embedding_dim", self.embedding_dim)
        _check_positive_int("pairs_per_image", self.pairs_per_image)
        _check_positive_int("batch_size", self.batch_size)
        _check_positive_int("epochs", self.epochs)
        _check_positive_number("margin", self.margin)
        _check_positive_number("temperature", self.temperature)
        _check_positive_number("learning_rate", self.learning_rate)
        shift = self.augment_shift
        if not isinstance(shift, int) or isinstance(shift, bool) or not 0 <= shift <= 8:
            raise ValueError(f"augment_shift must be an integer from 0 to 8 pixels, got {self.augment_shift!r}")
        for name, largest in AUGMENTATION_LIMITS.items():
            _check_number_in("augment_" + name, getattr(self, "augment_" + name), largest)
        fraction = self.validation_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 < fraction <= 0.5:
            raise ValueError(f"validation_fraction must be a number in (0, 0.5], got {fraction!r}")
        for name in ("normalize_embeddings", "restore_best_weights", "with_symbols"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        object.__setattr__(self, "held_out_digits", _checked_digits(self.held_out_digits))
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.loss == "triplet" and self.pair_mining == "online" and self.batch_size > MAX_TRIPLET_BATCH:
            raise ValueError(
                f"batch_size for the in-batch triplet loss must be at most {MAX_TRIPLET_BATCH} "
                "(every triplet of a batch is scored at once)"
            )
        if self.loss == "cosine_bce" and self.metric != "cosine":
            raise ValueError("loss 'cosine_bce' scores cosine similarity: set metric='cosine'")
        if self.loss == "infonce" and self.pair_mining != "online":
            raise ValueError("loss 'infonce' scores every image against the whole batch: set pair_mining='online'")
        self._check_class_batches()

    def _check_class_batches(self) -> None:
        share = self.symbol_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 <= share < 1.0:
            raise ValueError(f"symbol_share must be a number from 0 up to (not including) 1, got {share!r}")
        if share and not (self.with_symbols and self.examples_per_class):
            raise ValueError("symbol_share needs with_symbols and examples_per_class")
        per_class = self.examples_per_class
        if not isinstance(per_class, int) or isinstance(per_class, bool) or per_class < 0 or per_class == 1:
            raise ValueError(f"examples_per_class must be 0 (random batches) or at least 2, got {per_class!r}")
        if self.pair_mining != "online" and (per_class or self.with_symbols):
            raise ValueError(
                "with_symbols and examples_per_class need pair_mining='online' (all in-batch pairs scored)"
            )
        if per_class and self.batch_size % per_class:
            raise ValueError(f"batch_size {self.batch_size} must be a multiple of examples_per_class {per_class}")

    @property
    def augmentation(self) -> Augmentation:
        """The random changes made to training images."""
        return Augmentation(
            shift=self.augment_shift,
            rotation=float(self.augment_rotation),
            scale=float(self.augment_scale),
            shear=float(self.augment_shear),
            thickness=float(self.augment_thickness),
            elastic=float(self.augment_elastic),
        )

    def including_symbols(self) -> "TrainingConfig":
        """This config trained on the background symbols too: batches of ``SYMBOL_EXAMPLES_PER_CLASS`` images
        a class, ``SYMBOL_SHARE`` of their classes symbols."""
        return self.replace(
            with_symbols=True,
            pair_mining="online",
            examples_per_class=self.examples_per_class or SYMBOL_EXAMPLES_PER_CLASS,
            symbol_share=self.symbol_share or SYMBOL_SHARE,
        )

    def without_symbols(self) -> "TrainingConfig":
        """This config trained on the digits alone (to compare a run with symbols with its digits-only twin)."""
        return self.replace(with_symbols=False, examples_per_class=0, symbol_share=0.0)

    def replace(self, **changes) -> "TrainingConfig":
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainingConfig":
        """Rebuild a config; unknown keys raise ``ValueError`` rather than vanish."""
        values = dict(values)
        if "distance" in values and "metric" not in values:  # the field's name in earlier saved models
            values["metric"] = values.pop("distance")
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(unknown)}")
        return cls(**values)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "TrainingConfig":
        try:
            values = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{path} is not a readable config.json: {error}") from error
        if not isinstance(values, dict):
            raise ValueError(f"{path} must hold a JSON object")
        return cls.from_dict(values)


def _check_choice(name: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _checked_digits(digits) -> tuple[int, ...]:
    """Held-out digits as a sorted tuple (a JSON list loads as a list), or ``ValueError``."""
    if isinstance(digits, (str, bytes)) or not hasattr(digits, "__iter__"):
        raise ValueError(f"held_out_digits must be a list of digits 0-9, got {digits!r}")
    digits = list(digits)
    if any(isinstance(digit, bool) or not isinstance(digit, int) or not 0 <= digit <= 9 for digit in digits):
        raise ValueError(f"held_out_digits must be digits from 0 to 9, got {digits!r}")
    digits = tuple(sorted(set(digits)))
    if len(digits) > NUM_CLASSES - 2:
        raise ValueError(
            f"held_out_digits leaves {NUM_CLASSES - len(digits)} digit(s) to train on; pairs of different digits "
            "need at least two"
        )
    return digits


def _check_number_in(name: str, value, largest: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= largest:
        raise ValueError(f"{name} must be a number from 0 to {largest:g}, got {value!r}")


def _check_positive_number(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


# The classic recipe, the baseline every benchmark compares with: the Siamese MNIST network as
# tutorials teach it. The MLP 784 -> 512 -> 256 -> 128 with ReLU, no unit-length embeddings,
# Euclidean distance and the contrastive loss with margin 1, trained on fixed pairs (one positive
# and one negative pair per training image, made once), batch 32, Adam at learning rate 1e-3,
# 5 epochs, keeping the last epoch's weights.
CLASSIC = TrainingConfig(
    architecture="mlp",
    normalize_embeddings=False,
    learning_rate=1e-3,
    loss="contrastive",
    margin=1.0,
    pair_mining="fixed",
    batch_size=32,
    epochs=5,
    restore_best_weights=False,
)

PRESETS: dict[str, TrainingConfig] = {
    # One-pixel shifts: on the offline 4,000 digits they lift test pair accuracy from 0.956 to 0.965.
    "quick": TrainingConfig(augment_shift=1),
    "classic": CLASSIC,
    # Tuned on full MNIST: test pair accuracy 0.995, 5-NN 0.994, precision@1 0.993, MAP@R 0.988
    # after 3 epochs, 146 s of training on a busy 2-core CPU (python -m bench.training best).
    "best": TrainingConfig(
        architecture="cnn",
        metric="cosine",
        margin=0.5,
        learning_rate=3e-3,
        learning_rate_schedule="cosine",
        augment_shift=2,
        batch_size=128,
        epochs=3,
    ),
}

# How many training digits each preset's epochs are meant for. On another amount, ``preset`` scales
# the epochs so that training takes about as many steps (between MIN_EPOCHS and MAX_EPOCHS): on the
# offline 4,000 digits the best preset's 3 epochs would be 84 steps, too few for its batch norm
# and learning-rate decay (test pair accuracy 0.946, against 0.990 after 15 epochs).
PRESET_TRAIN_SIZES: dict[str, int] = {"quick": 4_000, "best": 60_000}
MIN_EPOCHS, MAX_EPOCHS = 3, 15

PRESET_DESCRIPTIONS: dict[str, str] = {
    "quick": "Quick demo: the MLP with all in-batch pairs scored; seconds on the offline set.",
    "classic": "The classic recipe of Siamese MNIST tutorials: the MLP on fixed pairs, batch 32, contrastive loss.",
    "best": (
        "Best quality: a small CNN with in-batch pairs on cosine distance, images shifted up to 2 px, "
        "learning rate decayed to 0; 3 epochs (2-3 minutes on a laptop CPU) on full MNIST, 15 on the offline set."
    ),
}


def preset(name: str, *, train_size: int | None = None) -> TrainingConfig:
    """The named preset (``quick``, ``classic`` or ``best``), its epochs scaled to ``train_size`` digits.

    The classic recipe is never scaled: it is the fixed baseline.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    config = PRESETS[name]
    meant_for = PRESET_TRAIN_SIZES.get(name)
    if train_size is None or meant_for is None:
        return config
    epochs = round(config.epochs * meant_for / max(train_size, 1))
    return config.replace(epochs=min(max(epochs, MIN_EPOCHS), max(MAX_EPOCHS, config.epochs)))
