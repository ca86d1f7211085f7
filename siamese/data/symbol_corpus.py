"""The symbol corpus: many drawings of every symbol class, in MNIST form, made offline and cached.

Each class gets ``drawings_for(class)`` drawings: its glyph sources (fonts) in turn, each drawn by
``glyph_drawing.draw_glyph`` with a seeded random ``Variation``, so a class with one font still has
many "hands" and a class with forty fonts has each of them. The same seed gives the same corpus.
It is kept in the cache folder (``result_cache``) as one ``.npz`` per version of the classes file and
the recipe, read back with ``allow_pickle=False``.

Labels index ``SymbolCorpus.classes``. ``NUM_CLASSES + label`` is a symbol's label beside the digits
0-9 in a training set that holds both (``symbol_label_offset``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamese.conventions import IMAGE_SHAPE, NUM_CLASSES
from siamese.data.glyph_drawing import Variation, draw_glyph
from siamese.data.glyphs import DIGIT_FAMILY, HERSHEY, glyph_sources
from siamese.data.symbol_classes import Split, SymbolClass, symbol_classes

MIN_DRAWINGS = 16  # a class drawn from one font still gets this many hands
DRAWINGS_PER_SOURCE = 2
MAX_DRAWINGS = 48
CORPUS_SEED = 0
RECIPE_VERSION = 2  # bump when the drawing recipe changes: cached corpora of other versions are not read


@dataclass(frozen=True, kw_only=True, eq=False)
class SymbolCorpus:
    """Drawings of symbol classes.

    Attributes
    ----------
    images : (n, 28, 28) float32 in [0, 1], MNIST form.
    labels : (n,) int64, indices into ``classes``.
    fonts : (n,) int64, indices into ``font_names``: the font each drawing was made from.
    classes : the classes, with their split.
    font_names : "hershey/<name>" or "outline/<name>".
    """

    images: np.ndarray
    labels: np.ndarray
    fonts: np.ndarray
    classes: tuple[SymbolClass, ...]
    font_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(symbol_class.name for symbol_class in self.classes)

    @property
    def splits(self) -> np.ndarray:
        """``(len(classes),)`` each class's ``Split`` value."""
        return np.array([symbol_class.split.value for symbol_class in self.classes])

    def only(self, *splits: Split) -> SymbolCorpus:
        """The drawings of the classes in ``splits``; labels renumbered ``0..k-1`` in class order."""
        keep = np.flatnonzero(np.isin(self.splits, [split.value for split in splits]))
        renumber = np.full(len(self.classes), -1, dtype=np.int64)
        renumber[keep] = np.arange(len(keep))
        chosen = renumber[self.labels] >= 0
        return SymbolCorpus(
            images=self.images[chosen],
            labels=renumber[self.labels[chosen]],
            fonts=self.fonts[chosen],
            classes=tuple(self.classes[index] for index in keep),
            font_names=self.font_names,
        )

    def counts(self) -> np.ndarray:
        """``(len(classes),) int64``: drawings per class."""
        return np.bincount(self.labels, minlength=len(self.classes))

    def drawings_of(self, label: int, *, count: int) -> np.ndarray:
        """``(<= count, 28, 28)``: the first drawings of class ``label``, one font after another."""
        return self.images[np.flatnonzero(self.labels == label)[:count]]


def symbol_label_offset() -> int:
    """Symbols follow the ten digits in a training set of both: class ``i`` gets label ``NUM_CLASSES + i``."""
    return NUM_CLASSES


def drawings_for(symbol_class: SymbolClass) -> int:
    return min(MAX_DRAWINGS, max(MIN_DRAWINGS, DRAWINGS_PER_SOURCE * len(symbol_class.sources)))


def family_table(classes: tuple[SymbolClass, ...]) -> list[dict]:
    """One row per family: its classes in each split, the drawings the corpus makes of them, their fonts."""
    rows = []
    for family in sorted({symbol_class.family for symbol_class in classes}):
        members = [symbol_class for symbol_class in classes if symbol_class.family == family]
        row = {"family": family}
        for split in Split:
            row[split.value] = sum(symbol_class.split == split for symbol_class in members)
        row["drawings"] = sum(drawings_for(symbol_class) for symbol_class in members)
        row["fonts"] = len({font for symbol_class in members for font in symbol_class.fonts})
        rows.append(row)
    return rows


def make_symbol_corpus(
    classes: tuple[SymbolClass, ...] | None = None,
    *,
    seed: int = CORPUS_SEED,
    variation: Variation | None = None,
    workers: int | None = None,
    per_class: int | None = None,
) -> SymbolCorpus:
    """Draw every class (``symbol_classes()`` unless given): ``drawings_for`` drawings each, seeded per class.

    ``workers`` processes share the classes (default: one per CPU core); the result does not depend on it.
    ``per_class`` draws only that many of each class (the first ones of the full corpus's).
    """
    classes = symbol_classes() if classes is None else tuple(classes)
    variation = variation or Variation()
    font_names = tuple(sorted({source.font for symbol_class in classes for source in symbol_class.sources}))
    workers = max(1, min(workers or os.cpu_count() or 1, len(classes) // 50 or 1))
    labels = list(range(len(classes)))
    if workers == 1:
        chunk = [(label, classes[label]) for label in labels]
        parts = [_draw_classes(chunk, seed, variation, font_names, per_class=per_class)]
    else:
        chunks = [labels[start::workers] for start in range(workers)]
        parts = _draw_in_processes(classes, chunks, seed, variation, per_class=per_class)
    images, labels, fonts = (np.concatenate([part[number] for part in parts]) for number in range(3))
    order = np.argsort(labels, kind="stable")  # class by class, as one process would have drawn them
    return SymbolCorpus(
        images=images[order], labels=labels[order], fonts=fonts[order], classes=classes, font_names=font_names
    )


def _draw_in_processes(classes, chunks: list[list[int]], seed: int, variation: Variation, *, per_class=None):
    """Each chunk of class numbers drawn by ``python -m siamese.data.symbol_corpus`` in a fresh interpreter.

    A plain subprocess, not multiprocessing: that would start by re-importing the caller's main
    module (a script, the Streamlit server), and forking a process that runs TensorFlow's threads
    is not safe. The job and the drawings travel through files in a temporary folder.
    """
    font_names = tuple(sorted({source.font for symbol_class in classes for source in symbol_class.sources}))
    with tempfile.TemporaryDirectory(prefix="siamese-symbols-") as folder:
        processes = []
        for number, chunk in enumerate(chunks):
            job = Path(folder) / f"job-{number}.json"
            job.write_text(json.dumps({
                "fonts": list(font_names),
                "classes": [[label, classes[label].to_dict(list(font_names))] for label in chunk],
                "seed": seed,
                "per_class": per_class,
                "variation": dataclasses.asdict(variation),
            }))  # fmt: skip
            command = [sys.executable, "-m", "siamese.data.symbol_corpus", str(job), str(job.with_suffix(".npz"))]
            processes.append(subprocess.Popen(command, stderr=subprocess.PIPE))
        parts = []
        for number, process in enumerate(processes):
            _, errors = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"drawing symbols failed in a worker: {errors.decode(errors='replace')[-500:]}")
            with np.load(Path(folder) / f"job-{number}.npz", allow_pickle=False) as drawn:
                parts.append((drawn["images"], drawn["labels"], drawn["fonts"]))
    return parts


def _run_job(job_path: str, out_path: str) -> None:
    """A worker of ``_draw_in_processes``: draw the job's classes and save them."""
    job = json.loads(Path(job_path).read_text())
    fonts = job["fonts"]
    chunk = [(label, SymbolClass.from_dict(values, fonts)) for label, values in job["classes"]]
    values = job["variation"]
    variation = Variation(**{**values, "pen": tuple(values["pen"])})
    drawn = _draw_classes(chunk, job["seed"], variation, tuple(fonts), per_class=job["per_class"])
    np.savez(out_path, **dict(zip(("images", "labels", "fonts"), drawn, strict=True)))


def _fonts_in_turn(sources):
    """The sources reordered so that each font comes once before any comes twice (a "c" and a "C" of a font)."""
    seen: dict[str, int] = {}
    ranked = []
    for position, source in enumerate(sources):
        seen[source.font] = seen.get(source.font, -1) + 1
        ranked.append((seen[source.font], position, source))
    return [source for _, _, source in sorted(ranked, key=lambda item: item[:2])]


def _draw_classes(chunk, seed: int, variation: Variation, font_names: tuple[str, ...], *, per_class=None):
    """``(images (n, 28, 28), labels (n,), fonts (n,))`` for ``chunk``: ``(label, class)`` pairs."""
    font_index = {name: number for number, name in enumerate(font_names)}
    images, labels, fonts = [np.zeros((0, *IMAGE_SHAPE), dtype=np.float32)], [], []
    for label, symbol_class in chunk:
        generator = np.random.default_rng([seed, label])  # per class: the same drawings in any order
        sources = _fonts_in_turn(symbol_class.sources)
        for number in range(min(per_class or MAX_DRAWINGS, drawings_for(symbol_class))):
            source = sources[number % len(sources)]
            images.append(draw_glyph(source, variation, generator)[None])
            labels.append(label)
            fonts.append(font_index[source.font])
    return np.concatenate(images), np.array(labels, dtype=np.int64), np.array(fonts, dtype=np.int64)


def drawn_font_digits(
    *, drawings_per_font: int = 2, seed: int = CORPUS_SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Digits drawn from the Hershey fonts' own digits, like the symbols.

    Returns ``(n, 28, 28) float32`` images, ``(n,) int64`` digits and ``(n,) str`` the font of each.
    Drawn digits, not MNIST's, for telling a drawn digit from a symbol (``open_set``). Only the
    pen-stroke fonts: the outline fonts' digits are left to benchmarks of reading digits.
    """
    sources = [source for source in glyph_sources() if source.family == DIGIT_FAMILY and source.kind == HERSHEY]
    generator = np.random.default_rng([seed, len(sources)])
    images = [draw_glyph(source, Variation(), generator) for source in sources for _ in range(drawings_per_font)]
    labels = [int(source.character) for source in sources for _ in range(drawings_per_font)]
    fonts = [source.font for source in sources for _ in range(drawings_per_font)]
    return np.stack(images), np.array(labels, dtype=np.int64), np.array(fonts)


def load_symbol_corpus(
    cache_folder: str | os.PathLike | None = None, *, splits: tuple[Split, ...] | None = None
) -> SymbolCorpus:
    """The packaged classes' corpus, read from ``cache_folder`` (default ``default_cache_folder()``) or made there.

    ``splits`` keeps to the classes of those splits (a corpus of its own, cached apart: the calibration
    classes alone take seconds to draw, the whole corpus about a minute). A cached file that cannot be
    read is made again; one that cannot be written only costs the time.
    """
    from siamese.storage.result_cache import ResultCache, default_cache_folder

    classes = symbol_classes()
    if splits is not None:
        classes = tuple(symbol_class for symbol_class in classes if symbol_class.split in splits)
    folder = Path(cache_folder) if cache_folder is not None else default_cache_folder()
    made: list[SymbolCorpus] = []

    def make() -> dict[str, np.ndarray]:
        made.append(make_symbol_corpus(classes))
        return _as_arrays(made[0])

    arrays = ResultCache(folder / "symbols").arrays(f"corpus-{corpus_key(classes)}", make)
    if made:
        return made[0]
    return SymbolCorpus(
        images=arrays["images"].astype(np.float32) / np.float32(255.0),
        labels=arrays["labels"].astype(np.int64),
        fonts=arrays["fonts"].astype(np.int64),
        classes=classes,
        font_names=tuple(str(name) for name in arrays["font_names"]),
    )


def corpus_key(classes: tuple[SymbolClass, ...]) -> str:
    """Names a corpus by its classes, its recipe and its seed."""
    fonts = sorted({source.font for symbol_class in classes for source in symbol_class.sources})
    document = json.dumps([symbol_class.to_dict(fonts) for symbol_class in classes], sort_keys=True)
    digest = hashlib.sha256(f"{document}|{RECIPE_VERSION}|{CORPUS_SEED}".encode()).hexdigest()
    return digest[:16]


def _as_arrays(corpus: SymbolCorpus) -> dict[str, np.ndarray]:
    return {
        "images": np.rint(corpus.images * 255).astype(np.uint8),
        "labels": corpus.labels,
        "fonts": corpus.fonts,
        "font_names": np.array(corpus.font_names),
    }


if __name__ == "__main__":
    _run_job(*sys.argv[1:3])
