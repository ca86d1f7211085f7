"""New symbols taught by example, with no retraining: a student's own few drawings and their names.

A ``SymbolSet`` holds up to ``MAX_SYMBOLS`` symbols with up to ``MAX_EXAMPLES`` drawings each, as
MNIST inputs ``(28, 28) float32 in [0, 1]``; ``open_set.identify`` names a new drawing among them.

Sets travel as ``.npz`` files (arrays only, loaded with ``allow_pickle=False`` and checked).
"""

import io
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

from siamese.conventions import IMAGE_SHAPE

MAX_SYMBOLS = 5
MAX_EXAMPLES = 5
MAX_NAME_LENGTH = 24
_KEYS = ("names", "images", "labels")


def clean_name(text: str) -> str:
    """A symbol's name: plain text, spaces folded, at most 24 characters; ``ValueError`` if empty or too long."""
    if not isinstance(text, str):
        raise ValueError("a symbol's name must be text")
    name = re.sub(r"\s+", " ", text).strip()
    if not name:
        raise ValueError("give the symbol a name first")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"a symbol's name can have at most {MAX_NAME_LENGTH} characters; this one has {len(name)}")
    if any(not character.isprintable() for character in name):
        raise ValueError("a symbol's name must be printable text")
    return name


@dataclass(frozen=True, kw_only=True, eq=False)
class SymbolSet:
    """``names`` (s,), ``images`` (n, 28, 28) float32 and ``labels`` (n,) int64, each an index into ``names``."""

    names: tuple[str, ...] = ()
    images: np.ndarray = field(default_factory=lambda: np.zeros((0, *IMAGE_SHAPE), dtype=np.float32))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.labels)

    def examples_of(self, name: str) -> np.ndarray:
        """``(k, 28, 28)`` the drawings of ``name``."""
        return self.images[self.labels == self.names.index(name)]

    def add(self, name: str, image: np.ndarray) -> "SymbolSet":
        """A new set with ``image`` as one more drawing of ``name`` (a new symbol if the name is new)."""
        name = clean_name(name)
        image = _checked_image(image)
        names = self.names
        if name not in names:
            if len(names) >= MAX_SYMBOLS:
                raise ValueError(f"at most {MAX_SYMBOLS} symbols can be taught; remove one first")
            names = (*names, name)
        label = names.index(name)
        if int(np.count_nonzero(self.labels == label)) >= MAX_EXAMPLES:
            raise ValueError(f"“{name}” already has {MAX_EXAMPLES} drawings, the most a symbol can have")
        return SymbolSet(
            names=names,
            images=np.concatenate([self.images, image[None]]),
            labels=np.append(self.labels, label).astype(np.int64),
        )

    def without(self, name: str) -> "SymbolSet":
        """A new set without the symbol ``name`` and its drawings."""
        if name not in self.names:
            return self
        removed = self.names.index(name)
        keep = self.labels != removed
        labels = self.labels[keep]
        return SymbolSet(
            names=tuple(other for other in self.names if other != name),
            images=self.images[keep],
            labels=np.where(labels > removed, labels - 1, labels).astype(np.int64),
        )

    def to_npz(self) -> bytes:
        """The set as an ``.npz`` file: ``images`` uint8 0-255, ``labels`` int64, ``names`` as unicode text."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            names=np.array(self.names, dtype=f"<U{MAX_NAME_LENGTH}"),
            images=np.rint(self.images * 255).astype(np.uint8),
            labels=self.labels,
        )
        return buffer.getvalue()

    @classmethod
    def from_npz(cls, payload: bytes) -> "SymbolSet":
        """Read a file written by ``to_npz``; anything else is a ``ValueError`` saying what is wrong."""
        if not zipfile.is_zipfile(io.BytesIO(payload)):  # an .npz is a zip of .npy files
            raise ValueError("the file is not a .npz of symbols")
        try:
            with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
                missing = [key for key in _KEYS if key not in archive.files]
                if missing:
                    raise ValueError(f"the file has no {', '.join(missing)}: it is not a set of symbols")
                names, images, labels = (archive[key] for key in _KEYS)
        except (OSError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError("the file is not a .npz of symbols") from error
        except ValueError as error:
            if "pickle" in str(error).lower():
                raise ValueError("the file holds pickled objects, which are refused for safety") from error
            raise
        return cls._checked(names, images, labels)

    @classmethod
    def _checked(cls, names: np.ndarray, images: np.ndarray, labels: np.ndarray) -> "SymbolSet":
        if names.dtype.kind != "U" or names.ndim != 1:
            raise ValueError("the symbols' names must be a list of text")
        cleaned = tuple(clean_name(str(name)) for name in names)
        if len(cleaned) > MAX_SYMBOLS or len(set(cleaned)) != len(cleaned):
            raise ValueError(f"a set holds at most {MAX_SYMBOLS} symbols, each name once")
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
            raise ValueError(f"the drawings must be (n, 28, 28) uint8; they are {images.shape} {images.dtype}")
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError("there must be one whole-number label per drawing")
        if len(labels) and (labels.min() < 0 or labels.max() >= len(cleaned)):
            raise ValueError("a drawing's label names no symbol of the set")
        if len(labels) and np.bincount(labels, minlength=len(cleaned)).max() > MAX_EXAMPLES:
            raise ValueError(f"a symbol can have at most {MAX_EXAMPLES} drawings")
        return cls(names=cleaned, images=(images / 255.0).astype(np.float32), labels=labels.astype(np.int64))


def _checked_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    if image.shape != IMAGE_SHAPE or not np.isfinite(image).all() or image.min() < 0 or image.max() > 1:
        raise ValueError("a drawing must be a (28, 28) image with values in [0, 1]")
    if image.max() == 0:
        raise ValueError("the drawing is empty")
    return image
