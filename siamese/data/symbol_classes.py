"""Which glyphs become symbol classes, and the fixed split of those classes.

A *class* is one shape: a character, or several characters that are drawn alike once put into
MNIST's 20-pixel box (a "c" is a small "C"; Cyrillic "Г" is Greek "Γ"). Glyphs are left out when a
model could not tell them apart from something it must tell them from:

- shapes of a digit ("O", "l", "З", "б", ...): the digits are MNIST's, and a symbol class like a
  digit would teach the network to split a digit's own cluster;
- Greek and Cyrillic letters drawn like Latin ones ("Α", "Н", "р", ...): Latin letters are trained
  on, so those would not be unseen;
- glyphs that are lines or dots once scaled (dashes, bars, brackets): they are a "1" or a blob;
- any other glyph drawn like a Greek or Cyrillic letter ("∑", "∏", "⍺", Armenian "Օ", ...), found
  by comparing every drawing with every Greek and Cyrillic drawing.

The split, made once (``make_symbol_classes``) and saved in the package (``symbol_classes.json``):

- ``evaluation``: every Greek and Cyrillic class, and a seeded ``EVALUATION_SHARE`` of the others.
  Never trained on, in any font: one-shot figures and "unseen" lessons use only these.
- ``calibration``: a seeded ``CALIBRATION_SHARE`` of the others, also never trained on; the open-set
  threshold for symbols is fitted on them, so it is fitted on classes the network never saw.
- ``background``: the rest, trained on together with the digits.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib.resources
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from siamese.data.glyphs import DIGIT_FAMILY, EVALUATION_FAMILIES, GlyphSource, glyph_sources

CLASSES_FILE = "symbol_classes.json"
EVALUATION_SHARE = 0.25  # of the classes other than Greek and Cyrillic, per family
CALIBRATION_SHARE = 0.1
SPLIT_SEED = 17
# Lowercase letters that are their capital drawn smaller: one shape once scaled to MNIST's box.
CASE_MERGES = {
    **dict(zip("copsuvwxz", "COPSUVWXZ", strict=True)),
    **dict(zip("πψθ", "ΠΨΘ", strict=True)),
    **dict(zip("гджийлпфцчшщъыьэюя", "ГДЖИЙЛПФЦЧШЩЪЫЬЭЮЯ", strict=True)),
}
# Cyrillic capitals drawn exactly as Greek ones.
CROSS_SCRIPT_MERGES = {"Г": "Γ", "П": "Π", "Ф": "Φ"}
# Greek and Cyrillic letters drawn like a Latin letter.
LATIN_LOOKALIKES = frozenset("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧικνοριυχАВЕКМНОРСТУХавекмнорстух")
# Letters drawn like a digit.
DIGIT_LOOKALIKES = frozenset("OoIlgqЗзбΟο")
# Signs drawn like a Greek or Cyrillic letter that the automatic comparison can miss (a Neptune is a Ψ).
GREEK_LIKE_SIGNS = frozenset("♆☊☋µ℧Ω∆∇∑∏∐∂∈∊∋∍∝ƛƩƱȣ")
# The automatic checks, on drawings in MNIST form (28 x 28). A glyph whose ink spans fewer pixels than
# MIN_INK_SPAN across or down, or lies along one straight line, is a line or a dot. Two classes are drawn
# alike when, in a font that has both, their drawings lie within LOOKALIKE_CHAMFER of each other (the
# chamfer distance: the mean distance in pixels from one's ink to the other's, the larger way round;
# an "A" and a Greek "Α" in one font: 0.0; a "C" and a "c": 0.5; an "n" and a "u": 0.4; an "r" and a
# "Γ": 0.2); with no font in common, a stricter LOOKALIKE_ACROSS_FONTS between the nearest drawings.
# Greek and Cyrillic letters give way only when drawn the same (IDENTICAL_CHAMFER): those merely like a
# Latin letter are named in LATIN_LOOKALIKES, and a "Γ" stays a fair test even though an "r" is trained on.
MIN_INK_SPAN = 8
MAX_LINE_THINNESS = 0.06
LOOKALIKE_CHAMFER = 0.3
IDENTICAL_CHAMFER = 0.12
LOOKALIKE_ACROSS_FONTS = 0.15


class Split(enum.StrEnum):
    BACKGROUND = "background"  # trained on
    CALIBRATION = "calibration"  # never trained on: fits the open-set threshold
    EVALUATION = "evaluation"  # never trained on: one-shot and "unseen" figures


@dataclass(frozen=True, kw_only=True)
class SymbolClass:
    """One shape: its ``name`` (a character), ``family``, ``split`` and the glyphs that draw it."""

    name: str
    family: str
    split: Split
    sources: tuple[GlyphSource, ...]

    @property
    def fonts(self) -> tuple[str, ...]:
        return tuple(sorted({source.font for source in self.sources}))

    def to_dict(self, fonts: list[str]) -> dict:
        """As saved: each source is ``[character, index into fonts, code]``."""
        return {
            "name": self.name,
            "family": self.family,
            "split": self.split.value,
            "sources": [[source.character, fonts.index(source.font), source.code] for source in self.sources],
        }

    @classmethod
    def from_dict(cls, values: dict, fonts: list[str]) -> SymbolClass:
        family = values["family"]
        sources = tuple(
            GlyphSource(character=character, family=family, font=fonts[font], code=int(code))
            for character, font, code in values["sources"]
        )
        return cls(name=values["name"], family=family, split=Split(values["split"]), sources=sources)


def symbol_classes(path: str | Path | None = None) -> tuple[SymbolClass, ...]:
    """The saved classes and their split (the package's ``symbol_classes.json`` unless ``path`` is given)."""
    return _load(str(path) if path is not None else None)


@functools.cache
def _load(path: str | None) -> tuple[SymbolClass, ...]:
    text = Path(path).read_text() if path else (importlib.resources.files("siamese.data") / CLASSES_FILE).read_text()
    document = json.loads(text)
    return tuple(SymbolClass.from_dict(values, document["fonts"]) for values in document["classes"])


def save_symbol_classes(classes: list[SymbolClass], path: str | Path) -> None:
    """One class a line, sources as ``[character, font number, code]``: readable diffs, a small file."""
    fonts = sorted({source.font for symbol_class in classes for source in symbol_class.sources})
    lines = [
        json.dumps(symbol_class.to_dict(fonts), ensure_ascii=False, separators=(",", ":")) for symbol_class in classes
    ]
    about = "Symbol classes and their split; made by siamese.data.symbol_classes.make_symbol_classes."
    header = json.dumps({"about": about, "fonts": fonts}, separators=(",", ":"))[:-1]
    Path(path).write_text(header + ',"classes":[\n' + ",\n".join(lines) + "\n]}\n")


def make_symbol_classes(*, seed: int = SPLIT_SEED) -> list[SymbolClass]:
    """Choose the classes from every candidate glyph and split them; see the module's notes."""
    from siamese.data.glyph_drawing import Variation, draw_glyph

    generator = np.random.default_rng(0)
    sources = glyph_sources()
    drawings = np.stack([draw_glyph(source, Variation.none(), generator) for source in sources])
    kept = [index for index, drawing in enumerate(drawings) if _is_shape(drawing)]
    groups = _group(sources, kept)
    groups = _without_lookalikes(groups, sources, drawings)
    return _split(groups, sources, seed=seed)


def _is_shape(drawing: np.ndarray) -> bool:
    """Not a line or a dot: the ink spans ``MIN_INK_SPAN`` pixels both ways and does not lie along one line."""
    rows, cols = np.nonzero(drawing > 0.35)
    if rows.size < 2 or np.ptp(rows) + 1 < MIN_INK_SPAN or np.ptp(cols) + 1 < MIN_INK_SPAN:
        return False
    spread = np.linalg.eigvalsh(np.cov(np.stack([rows, cols]).astype(np.float64)))  # ascending
    return spread[0] > MAX_LINE_THINNESS * spread[1]


def _group(sources: list[GlyphSource], kept: list[int]) -> dict[str, list[int]]:
    """Source indices by class name, after the curated merges and drops."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index in kept:
        source = sources[index]
        character = source.character
        if source.family == DIGIT_FAMILY or character in DIGIT_LOOKALIKES:  # digits stand by in ``drawings``
            continue
        if source.family in EVALUATION_FAMILIES and character in LATIN_LOOKALIKES:
            continue
        if source.family not in EVALUATION_FAMILIES and character in GREEK_LIKE_SIGNS:
            continue
        name = CASE_MERGES.get(character, character)
        groups[CROSS_SCRIPT_MERGES.get(name, name)].append(index)
    return groups


# Who gives way to whom: a class drawn like a class of an earlier tier is dropped. Digits come first
# (they are MNIST's), then Latin letters (trained on), then Greek and Cyrillic (never trained on, so
# nothing trained on may look like them), then everything else.
TIERS = ((DIGIT_FAMILY,), ("latin",), EVALUATION_FAMILIES)


def _tier(family: str) -> int:
    return next((number for number, families in enumerate(TIERS) if family in families), len(TIERS))


def _without_lookalikes(groups: dict[str, list[int]], sources, drawings: np.ndarray) -> dict[str, list[int]]:
    """Drop each class drawn like a class of an earlier tier (``_lookalike``), tier by tier."""
    digits: dict[str, list[int]] = defaultdict(list)
    for index, source in enumerate(sources):
        if source.family == DIGIT_FAMILY and _is_shape(drawings[index]):
            digits[source.character].append(index)
    kept = dict(groups)
    for tier in range(1, len(TIERS) + 1):
        earlier = {
            **digits,
            **{name: members for name, members in kept.items() if _tier(_family(members, sources)) < tier},
        }
        names = [name for name, members in kept.items() if _tier(_family(members, sources)) == tier]
        if not names:
            continue
        rows = np.array(sorted({index for name in names for index in kept[name]}))
        columns = np.array(sorted({index for members in earlier.values() for index in members}))
        distances = _chamfer(drawings, rows, columns)
        row_of, column_of = {int(i): n for n, i in enumerate(rows)}, {int(i): n for n, i in enumerate(columns)}
        limit = IDENTICAL_CHAMFER if tier == TIERS.index(EVALUATION_FAMILIES) else LOOKALIKE_CHAMFER
        for name in names:
            mine = {sources[i].font: row_of[i] for i in kept[name]}
            if any(
                _lookalike(distances, mine, {sources[i].font: column_of[i] for i in members}, limit=limit)
                for members in earlier.values()
            ):
                del kept[name]
    return kept


def _family(members: list[int], sources) -> str:
    return sources[members[0]].family


def _lookalike(distances: np.ndarray, mine: dict[str, int], theirs: dict[str, int], *, limit: float) -> bool:
    """Drawn alike: in the fonts both have, the median chamfer distance is under ``limit``;
    with no font in common, most of mine have one of theirs within ``LOOKALIKE_ACROSS_FONTS``."""
    shared = mine.keys() & theirs.keys()
    if shared:
        return float(np.median([distances[mine[font], theirs[font]] for font in shared])) < limit
    nearest = distances[np.ix_(list(mine.values()), list(theirs.values()))].min(axis=1)
    return float(np.median(nearest)) < LOOKALIKE_ACROSS_FONTS


def _chamfer(drawings: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``(len(rows), len(columns))`` symmetric chamfer distances, in pixels, between drawings."""
    ink = (drawings > 0.35).reshape(len(drawings), -1).astype(np.float32)
    reach = np.stack([ndimage.distance_transform_edt(~(drawing > 0.35)) for drawing in drawings])
    reach = reach.reshape(len(drawings), -1).astype(np.float32)
    counts = np.maximum(ink.sum(axis=1), 1.0)
    forward = (ink[rows] @ reach[columns].T) / counts[rows, None]
    backward = (reach[rows] @ ink[columns].T) / counts[None, columns]
    return np.maximum(forward, backward)


def _split(groups: dict[str, list[int]], sources, *, seed: int) -> list[SymbolClass]:
    """Greek and Cyrillic to evaluation; of every other family, a seeded share to evaluation and calibration."""
    generator = np.random.default_rng(seed)
    by_family: dict[str, list[str]] = defaultdict(list)
    for name, members in groups.items():
        by_family[sources[members[0]].family].append(name)
    splits: dict[str, Split] = {}
    for family in sorted(by_family):
        names = sorted(by_family[family])
        if family in EVALUATION_FAMILIES:
            splits.update(dict.fromkeys(names, Split.EVALUATION))
            continue
        order = generator.permutation(len(names))
        evaluation_count = max(1, round(EVALUATION_SHARE * len(names)))
        calibration_count = round(CALIBRATION_SHARE * len(names))
        for rank, position in enumerate(order):
            if rank < evaluation_count:
                splits[names[position]] = Split.EVALUATION
            elif rank < evaluation_count + calibration_count:
                splits[names[position]] = Split.CALIBRATION
            else:
                splits[names[position]] = Split.BACKGROUND
    classes = []
    for name, members in groups.items():
        family = sources[members[0]].family
        members_sources = tuple(dataclasses.replace(sources[index], family=family) for index in members)
        classes.append(SymbolClass(name=name, family=family, split=splits[name], sources=members_sources))
    return sorted(classes, key=lambda symbol_class: (symbol_class.family, symbol_class.name))
