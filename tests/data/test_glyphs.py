"""Glyph sources: every font maps its positions to the characters it really draws."""

import unicodedata

import numpy as np

from siamese.data.glyph_drawing import Variation, draw_glyph
from siamese.data.glyphs import EVALUATION_FAMILIES, HERSHEY, OUTLINE, GlyphSource, glyph_sources, hershey_strokes


def _script(character: str) -> str:
    return unicodedata.name(character, "?").split()[0]


def test_every_source_is_drawable_and_names_its_script():
    sources = glyph_sources()
    assert len(sources) > 10_000
    assert {source.kind for source in sources} == {HERSHEY, OUTLINE}
    for source in sources:
        if source.family == "greek":
            assert _script(source.character) == "GREEK", source
        elif source.family == "cyrillic":
            assert _script(source.character) == "CYRILLIC", source
        else:
            assert _script(source.character) not in ("GREEK", "CYRILLIC"), source


def test_hershey_greek_and_cyrillic_fonts_draw_what_their_maps_say():
    """Spot checks read off the fonts' glyph tables: the Symbol-like 'greek' font puts Σ at 'S', Φ at 'F'."""
    sources = {(source.font, source.code): source.character for source in glyph_sources()}
    assert sources[("hershey/greek", ord("S"))] == "Σ" and sources[("hershey/greek", ord("F"))] == "Φ"
    assert sources[("hershey/greeks", ord("S"))] == "Τ" and sources[("hershey/greekc", ord("W"))] == "Ψ"
    assert sources[("hershey/cyrillic", ord("H"))] == "Ж" and sources[("hershey/cyrilc_1", ord("G"))] == "Ж"
    assert sources[("hershey/japanese", 65)] == "あ" and sources[("hershey/astrology", 64)] == "♈"


def test_a_drawing_is_an_mnist_input_and_repeats_with_its_seed():
    source = GlyphSource(character="Ж", family="cyrillic", font="hershey/cyrillic", code=ord("H"))
    first = draw_glyph(source, Variation(), np.random.default_rng(5))
    again = draw_glyph(source, Variation(), np.random.default_rng(5))
    other = draw_glyph(source, Variation(), np.random.default_rng(6))
    assert first.shape == (28, 28) and first.dtype == np.float32 and first.min() >= 0 and first.max() <= 1
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    rows, cols = np.nonzero(first > 0.2)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 in (19, 20, 21)  # scaled into MNIST's 20-pixel box, as the canvas is


def test_a_plain_drawing_keeps_the_glyphs_shape():
    """Σ's strokes (font units) and its drawing agree: ink at the top and bottom bars, none at the right middle."""
    source = GlyphSource(character="Σ", family="greek", font="hershey/greek", code=ord("S"))
    strokes = hershey_strokes(source)
    assert len(strokes) >= 1 and all(stroke.shape[1] == 2 for stroke in strokes)
    drawing = draw_glyph(source, Variation.none(), np.random.default_rng(0))
    rows = np.flatnonzero(drawing.max(axis=1) > 0.3)
    top, bottom = rows[0], rows[-1]
    assert drawing[top, 8:20].mean() > 0.3 and drawing[bottom, 8:20].mean() > 0.3
    assert drawing[(top + bottom) // 2, 18:].max() < 0.3


def test_an_outline_glyph_draws_like_a_stroke_glyph_of_the_same_letter():
    """DejaVu's printed Ж and the Hershey font's pen-drawn Ж are nearer to each other than to a printed Ш."""
    plain = Variation.none()
    hershey = draw_glyph(
        GlyphSource(character="Ж", family="cyrillic", font="hershey/cyrilc_1", code=ord("G")), plain,
        np.random.default_rng(0),
    )  # fmt: skip
    printed = [
        draw_glyph(GlyphSource(character=c, family="cyrillic", font="outline/DejaVuSans", code=ord(c)), plain,
                   np.random.default_rng(0))
        for c in "ЖШ"
    ]  # fmt: skip
    assert np.linalg.norm(hershey - printed[0]) < np.linalg.norm(hershey - printed[1])
    assert all(family in EVALUATION_FAMILIES for family in ("greek", "cyrillic"))
