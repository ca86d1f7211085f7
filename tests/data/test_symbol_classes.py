"""The saved symbol classes: Greek and Cyrillic only ever evaluation, a share of the rest held out too."""

import unicodedata
from collections import Counter

import numpy as np

from siamese.data.glyph_drawing import Variation, draw_glyph
from siamese.data.glyphs import EVALUATION_FAMILIES
from siamese.data.symbol_classes import (
    CALIBRATION_SHARE,
    EVALUATION_SHARE,
    LATIN_LOOKALIKES,
    Split,
    _chamfer,
    save_symbol_classes,
    symbol_classes,
)


def test_greek_and_cyrillic_are_evaluation_only_in_every_font():
    classes = symbol_classes()
    for symbol_class in classes:
        scripts = {unicodedata.name(source.character, "?").split()[0] for source in symbol_class.sources}
        if symbol_class.family in EVALUATION_FAMILIES or scripts & {"GREEK", "CYRILLIC"}:
            assert symbol_class.split == Split.EVALUATION, symbol_class.name
    greek = {symbol_class.name for symbol_class in classes if symbol_class.family == "greek"}
    cyrillic = {symbol_class.name for symbol_class in classes if symbol_class.family == "cyrillic"}
    assert {"Σ", "Ω", "Ψ", "λ", "Δ"} <= greek and {"Ж", "Я", "Ш"} <= cyrillic
    assert not (greek | cyrillic) & LATIN_LOOKALIKES  # an "Α" would be a Latin A, already trained on


def test_at_least_a_fifth_of_every_other_family_is_never_trained_on():
    classes = symbol_classes()
    by_family = Counter(symbol_class.family for symbol_class in classes)
    held = Counter(symbol_class.family for symbol_class in classes if symbol_class.split == Split.EVALUATION)
    calibration = Counter(symbol_class.family for symbol_class in classes if symbol_class.split == Split.CALIBRATION)
    others = [family for family in by_family if family not in EVALUATION_FAMILIES]
    assert sum(held[family] for family in others) >= 0.2 * sum(by_family[family] for family in others)
    for family in others:
        assert held[family] == max(1, round(EVALUATION_SHARE * by_family[family])), family
        assert calibration[family] == round(CALIBRATION_SHARE * by_family[family]), family
    assert sum(symbol_class.split == Split.BACKGROUND for symbol_class in classes) > 1000


def test_no_class_trained_on_is_drawn_like_a_greek_or_cyrillic_letter():
    """In a font that has both, every trained-on class's drawing is farther from Σ, Π, Δ than a drawing of Σ is
    from itself with another pen: no ∑, ∏ or ∆ sneaks in as a background sign."""
    classes = symbol_classes()
    background = {source.character for c in classes if c.split == Split.BACKGROUND for source in c.sources}
    assert not background & set("∑∏∆∇♆Ωµ")
    font = "outline/DejaVuSans"
    generator = np.random.default_rng(0)
    targets = [c for c in classes if c.name in ("Σ", "Π", "Δ")]
    target_drawings = [
        draw_glyph(source, Variation.none(), generator) for c in targets for source in c.sources if source.font == font
    ]
    trained = [
        draw_glyph(source, Variation.none(), generator)
        for c in classes
        if c.split == Split.BACKGROUND and c.family in ("mathematics", "canadian", "tifinagh")
        for source in c.sources
        if source.font == font
    ]
    drawings = np.stack(target_drawings + trained)
    distances = _chamfer(drawings, np.arange(len(target_drawings)), np.arange(len(target_drawings), len(drawings)))
    assert distances.min() > 0.15


def test_the_classes_file_survives_a_save_and_load(tmp_path):
    classes = symbol_classes()[:40]
    save_symbol_classes(list(classes), tmp_path / "classes.json")
    assert symbol_classes(tmp_path / "classes.json") == classes
