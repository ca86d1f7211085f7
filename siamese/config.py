"""The one place that holds every training hyperparameter.

``TrainingConfig`` is frozen, validated on creation, saved as ``config.json``
beside the model and enough to rebuild it (``models.build_embedding_network``).
"""

import dataclasses
import enum
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from siamese.conventions import METRICS, NUM_CLASSES
from siamese.data.augmentation import Augmentation

ARCHITECTURES = ("mlp", "cnn", "vit")
POOLINGS = ("flatten", "avg", "max", "attention")  # how the CNN turns its 7 x 7 feature maps into one vector
TOKEN_POOLINGS = ("cls", "mean")  # how the ViT turns its tokens into one vector
PATCH_SIZES = (2, 4, 7, 14)  # the ViT's square patches must tile the 28 x 28 picture


class Loss(enum.StrEnum):
    """The losses a network can be trained with; each value is the name ``config.json`` saves."""

    CONTRASTIVE = "contrastive"
    TRIPLET = "triplet"
    COSINE_BCE = "cosine_bce"
    INFONCE = "infonce"


LOSSES = tuple(loss.value for loss in Loss)
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


class Bound(enum.StrEnum):
    """What a number setting accepts, for the command line's checks (the config checks them all again)."""

    POSITIVE = "positive"
    NON_NEGATIVE = "non-negative"


def _setting(default, *, label: str, help: str, flag: str | None = None, bound: Bound | None = None, shown=True):
    """A hyperparameter with its one description: ``label`` and ``help``, read by the Train page and the CLI.

    ``flag`` is its command-line flag when not ``--`` and the field's name; ``bound`` says which numbers it
    takes; ``shown`` is False for a setting the Train page does not offer.
    """
    metadata = {"label": label, "help": help, "flag": flag, "bound": bound, "shown": shown}
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True, kw_only=True)
class TrainingConfig:
    """Hyperparameters of one training run; each field's meaning is its ``label`` and ``help`` (``SETTINGS``)."""

    architecture: Literal["mlp", "cnn", "vit"] = _setting(
        "mlp",
        label="Network",
        help="mlp: the classic 784→512→256→D stack. cnn: a small convolutional network. vit: a small Vision "
        "Transformer that cuts the digit into patches and lets every patch attend to every other.",
        flag="--arch",
    )
    pooling: Literal["flatten", "avg", "max", "attention"] = _setting(
        "flatten",
        label="CNN pooling",
        help="How the CNN's 7×7 grid of features becomes one vector. flatten: keep every position. avg / max: the "
        "mean or the largest value over positions. attention: a learned score, softmax-normalised over the "
        "positions, weights their average.",
    )
    patch_size: int = _setting(4, label="ViT patch size (px)", help="The ViT's patches: 4 cuts a digit into 49.")
    transformer_blocks: int = _setting(
        4, label="ViT blocks", help="How many attention-and-MLP blocks the ViT stacks.", bound=Bound.POSITIVE
    )
    token_pooling: Literal["cls", "mean"] = _setting(
        "cls",
        label="ViT summary",
        help="cls: a learned extra token gathers the picture. mean: the average of all the patch tokens.",
    )
    embedding_dim: int = _setting(
        128, label="Embedding size D", help="How many numbers describe each picture.", bound=Bound.POSITIVE
    )
    normalize_embeddings: bool = _setting(
        True,
        label="Unit-length embeddings",
        help="Scale every embedding to length 1 (points on a sphere) as the network's last step.",
        flag="--normalize",
    )
    loss: Literal["contrastive", "triplet", "cosine_bce", "infonce"] = _setting(
        "contrastive",
        label="Loss",
        help="contrastive (Hadsell et al. 2006): pull same pairs together, push different pairs a margin apart. "
        "triplet: an anchor must be closer to a positive than to a negative by the margin. cosine_bce: classify "
        "pairs from their cosine similarity (a learned scale and bias). infonce: pick each image's partners out "
        "of the whole batch (supervised InfoNCE, as SupCon; online pairs).",
    )
    margin: float = _setting(
        1.0,
        label="Margin",
        help="Contrastive and triplet: how far apart (in distance units) different classes must be before the "
        "loss stops pushing them.",
        bound=Bound.POSITIVE,
    )
    temperature: float = _setting(
        0.1,
        label="Temperature",
        help="InfoNCE: logits are -distance / temperature; lower makes the hardest negatives count more.",
        bound=Bound.POSITIVE,
    )
    metric: Literal["euclidean", "cosine"] = _setting(
        "euclidean",
        label="Distance",
        help="How closeness is measured, in training and afterwards by every search and score. cosine_bce needs "
        "cosine.",
    )
    pair_mining: Literal["fixed", "fresh", "online"] = _setting(
        "online",
        label="Pairs",
        help="fixed: pairs made once. fresh: new pairs every epoch. online: every image embedded once per batch "
        "and all in-batch pairs scored (fastest).",
    )
    pairs_per_image: int = _setting(
        1,
        label="Pairs per image",
        help="Positive and negative pairs (or triplets) made per training image (fixed and fresh pairs).",
        bound=Bound.POSITIVE,
    )
    optimizer: Literal["adam", "sgd", "rmsprop"] = _setting("adam", label="Optimizer", help="How weights are updated.")
    learning_rate: float = _setting(
        3e-3, label="Learning rate", help="Step size. Too high and the loss explodes to NaN.", bound=Bound.POSITIVE
    )
    batch_size: int = _setting(128, label="Batch size", help="Images (or pairs) per step.", bound=Bound.POSITIVE)
    epochs: int = _setting(15, label="Epochs", help="Passes over the training digits.", bound=Bound.POSITIVE)
    learning_rate_schedule: Literal["constant", "cosine"] = _setting(
        "constant",
        label="Learning-rate schedule",
        help="constant, or cosine: glide from the learning rate down to 0 by the last planned step.",
    )
    augment_shift: int = _setting(
        0,
        label="Random shift (px)",
        help="Move each training image by up to this many pixels each way (validation and test images never change).",
        bound=Bound.NON_NEGATIVE,
    )
    augment_rotation: float = _setting(
        0.0, label="Random rotation (°)", help="Turn each training image by up to this many degrees either way.",
        bound=Bound.NON_NEGATIVE,
    )  # fmt: skip
    augment_scale: float = _setting(
        0.0, label="Random resize", help="Resize each training image by up to this share, e.g. 0.1 for ±10 %.",
        bound=Bound.NON_NEGATIVE,
    )  # fmt: skip
    augment_shear: float = _setting(
        0.0, label="Random slant", help="Slant each training image by up to this many pixels per pixel of height, "
        "as a hand that leans; 0.3 is a strong lean.", bound=Bound.NON_NEGATIVE,
    )  # fmt: skip
    augment_thickness: float = _setting(
        0.0, label="Thicker / thinner", help="The share of training images drawn a pixel thicker or thinner.",
        bound=Bound.NON_NEGATIVE,
    )  # fmt: skip
    augment_elastic: float = _setting(
        0.0, label="Wobble (px)", help="Bend strokes by smooth random displacements of about this many pixels.",
        bound=Bound.NON_NEGATIVE,
    )  # fmt: skip
    validation_fraction: float = _setting(
        0.1, label="Validation share", help="The share of the training images held out for validation.", shown=False
    )
    restore_best_weights: bool = _setting(
        True,
        label="Keep the best epoch",
        help="End with the weights of the epoch whose validation pairs were called best (the highest validation "
        "pair accuracy); off: the last epoch's.",
    )
    held_out_digits: tuple[int, ...] = _setting(
        (),
        label="Hold out digits",
        help="Digits training never shows (no pair, triplet or batch holds one). Evaluate then scores them apart: "
        "a learned distance can still tell apart digits it never saw, which a classifier cannot name. At least "
        "two digits stay seen.",
        flag="--hold-out",
    )
    with_symbols: bool = _setting(
        False,
        label="Also learn from symbols",
        help="Train on over a thousand kinds of letters and signs besides the digits (never Greek or Cyrillic: "
        "those stay unseen). The distance learns what tells shapes apart, so it does better on digits and symbols "
        "it never saw. Online pairs; takes about one and a half times as long.",
    )
    examples_per_class: int = _setting(
        0,
        label="Images per class in a batch",
        help="Online pairs: make each batch of this many images of each of its classes (0: random batches), so "
        "every image has partners of its class even among hundreds of classes. Learning from symbols uses 4.",
        bound=Bound.NON_NEGATIVE,
    )
    symbol_share: float = _setting(
        0.0,
        label="Symbols' share of a batch",
        help="With symbols: the share of each batch's classes that are symbols (their drawings reused, changed "
        "anew each time), so ten digits do not drown out a thousand kinds of symbol; an epoch is one pass over "
        "the digits. 0: as the data comes.",
        bound=Bound.NON_NEGATIVE,
    )
    seed: int = _setting(
        0, label="Seed", help="Seeds the split, the pairs, the weights and the shuffling: same seed, same run.",
        bound=Bound.NON_NEGATIVE,
    )  # fmt: skip

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
        if self.loss == Loss.TRIPLET and self.pair_mining == "online" and self.batch_size > MAX_TRIPLET_BATCH:
            raise ValueError(
                f"batch_size for the in-batch triplet loss must be at most {MAX_TRIPLET_BATCH} "
                "(every triplet of a batch is scored at once)"
            )
        if self.loss == Loss.COSINE_BCE and self.metric != "cosine":
            raise ValueError("loss 'cosine_bce' scores cosine similarity: set metric='cosine'")
        if self.loss == Loss.INFONCE and self.pair_mining != "online":
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
    def loss_with_setting(self) -> str:
        """The loss and the one setting it uses: "contrastive (margin 1)", "infonce (temperature 0.1)"."""
        if self.loss in (Loss.CONTRASTIVE, Loss.TRIPLET):
            return f"{self.loss} (margin {self.margin:g})"
        if self.loss == Loss.INFONCE:
            return f"{self.loss} (temperature {self.temperature:g})"
        return f"{self.loss} (learned scale and bias)"

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


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One hyperparameter as the Train page and the CLI show it."""

    name: str
    label: str
    help: str
    flag: str
    default: object
    choices: tuple | None
    bound: Bound | None
    shown: bool


def _choices(name: str):
    return {
        "architecture": ARCHITECTURES,
        "pooling": POOLINGS,
        "patch_size": PATCH_SIZES,
        "token_pooling": TOKEN_POOLINGS,
        "loss": LOSSES,
        "metric": METRICS,
        "pair_mining": PAIR_MINING,
        "optimizer": OPTIMIZERS,
        "learning_rate_schedule": LEARNING_RATE_SCHEDULES,
    }.get(name)


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(
        name=field.name,
        label=field.metadata["label"],
        help=field.metadata["help"],
        flag=field.metadata["flag"] or "--" + field.name.replace("_", "-"),
        default=field.default,
        choices=_choices(field.name),
        bound=field.metadata["bound"],
        shown=field.metadata["shown"],
    )
    for field in dataclasses.fields(TrainingConfig)
)


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
    loss=Loss.CONTRASTIVE.value,
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
    # A small Vision Transformer: 7×7 patches (16 tokens, so attention stays cheap on a CPU), the mean of
    # the tokens as the summary, InfoNCE on cosine distance, a third of the CNN's learning rate, shifts
    # of up to 2 px. On the offline 4,000 digits it trails the CNN (test pair accuracy about 0.90 against
    # 0.98): without convolutions' built-in sense of neighbouring pixels a transformer needs more data.
    # python -m bench vit measures it on full MNIST against the CNN (BENCHMARKS.md).
    "vit": TrainingConfig(
        architecture="vit",
        patch_size=7,
        token_pooling="mean",
        metric="cosine",
        loss=Loss.INFONCE.value,
        temperature=0.1,
        learning_rate=1e-3,
        learning_rate_schedule="cosine",
        augment_shift=2,
        epochs=18,
    ),
}

# How many training digits each preset's epochs are meant for. On another amount, ``preset`` scales
# the epochs so that training takes about as many steps (between MIN_EPOCHS and MAX_EPOCHS): on the
# offline 4,000 digits the best preset's 3 epochs would be 84 steps, too few for its batch norm
# and learning-rate decay (test pair accuracy 0.946, against 0.990 after 15 epochs).
PRESET_TRAIN_SIZES: dict[str, int] = {"quick": 4_000, "best": 60_000, "vit": 60_000}
MIN_EPOCHS, MAX_EPOCHS = 3, 15

PRESET_DESCRIPTIONS: dict[str, str] = {
    "quick": "Quick demo: the MLP with all in-batch pairs scored; seconds on the offline set.",
    "classic": "The classic recipe of Siamese MNIST tutorials: the MLP on fixed pairs, batch 32, contrastive loss.",
    "best": (
        "Best quality: a small CNN with in-batch pairs on cosine distance, images shifted up to 2 px, "
        "learning rate decayed to 0; 3 epochs (2-3 minutes on a laptop CPU) on full MNIST, 15 on the offline set."
    ),
    "vit": (
        "A small Vision Transformer: the digit cut into 16 patches of 7×7 pixels, 4 attention blocks, InfoNCE on "
        "cosine distance; 18 epochs (about 9 minutes on a laptop CPU) on full MNIST. On the offline set it trails "
        "the CNN: a transformer needs more data."
    ),
}


def preset(name: str, *, train_size: int | None = None) -> TrainingConfig:
    """The named preset (``quick``, ``classic``, ``best`` or ``vit``), its epochs scaled to ``train_size`` digits.

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
