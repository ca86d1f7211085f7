"""Where the symbols beyond digits come from: single-stroke Hershey fonts and the outline fonts matplotlib ships.

A *glyph source* is one font's drawing of one character. Two kinds of font are used, and nothing is
downloaded:

- the 32 Hershey fonts of the ``hershey-fonts`` package (MIT): pen strokes, like a drawing on the canvas.
  Latin letters in 18 styles (sans, serif, script, gothic, italic), Greek (4 fonts), Cyrillic (2),
  Japanese kana and kanji, astrology, mathematics, music, weather and map markers. Most fonts put
  their glyphs at ASCII positions, so each font's positions are mapped here to the characters they draw.
- the outline fonts that ship inside matplotlib (DejaVu Sans, Sans Mono and Serif in four weights,
  STIX in four, Computer Modern): printed shapes, for more styles of the same characters and for
  scripts and signs the Hershey fonts lack (Armenian, Georgian, Hebrew, arrows, geometric shapes, ...).

``glyph_sources()`` lists every candidate; ``symbol_classes`` decides which become classes and how
they are split. Greek and Cyrillic letters are families of their own (``EVALUATION_FAMILIES``).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERSHEY = "hershey"
OUTLINE = "outline"
EVALUATION_FAMILIES = ("greek", "cyrillic")  # never trained on, in any font
DIGIT_FAMILY = "digits"  # fonts' own digits: only to recognise symbols that look like one

# Hershey fonts that draw ASCII: Latin letters, digits and punctuation at their own positions.
HERSHEY_LATIN_FONTS = (
    "futural", "futuram", "cursive", "rowmans", "rowmand", "rowmant", "timesr", "timesrb", "timesi", "timesib",
    "scripts", "scriptc", "gothiceng", "gothicger", "gothicita", "gothgbt", "gothgrt", "gothitt",
)  # fmt: skip
# Fonts with only some ASCII positions kept: their letters (and digits); the rest are mapped below.
HERSHEY_PARTLY_LATIN = {
    "astrology": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "music": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "meteorology": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "mathupp": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "mathlow": "abcdefghijklmnopqrstuvwxyz0123456789",
    "greek": "0123456789",
    "greekc": "0123456789",
    "greeks": "0123456789",
    "timesg": "0123456789",
    "cyrillic": "0123456789",
    "cyrilc_1": "0123456789",
}
# Punctuation and signs taken from the Latin fonts (dots, dashes, quotes, brackets and slashes are
# left out: once scaled to MNIST's box they are blobs or lines like a 1).
PUNCTUATION = "!#$%&*+<=>?@^{}~"

_GREEK_LIKE_SYMBOL_FONT = dict(zip(
    "ABCDEFGHIKLMNOPQRSTUWXYZabcdefghiklmnopqrstuwxyz",
    "ΑΒΧΔΕΦΓΗΙΚΛΜΝΟΠΘΡΣΤΥΩΞΨΖαβχδεφγηικλμνοπϑρστυωξψζ", strict=True,
))  # fmt: skip
_GREEK_ALPHABETICAL = dict(zip(
    "ABCDEFGHIJKLMNOPQRSTUVWXabcdefghijklmnopqrstuvwx",
    "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηϑικλμνξοπρστυφχψω", strict=True,
))  # fmt: skip
_CYRILLIC_PHONETIC = dict(zip(
    "$%&ABCDFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    "ЫцыАБЭДФГЖИЧКЛМНОПШРСТЮВЩХУЗЕЪЯЬЦабэдйфгжичклмнопшрстювщхузеъяь", strict=True,
))  # fmt: skip
_CYRILLIC_ALPHABETICAL = dict(zip(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩабвгдежзийклмнопрстуфхцчшщ", strict=True,
))  # fmt: skip
# The Japanese font: positions 34-224 hold kanji, hiragana and katakana (and a few dots, left out).
_JAPANESE = {
    **dict(zip(range(35, 59), "日円年大国人東中本京出時上者十一二三四五六七入九", strict=True)),
    **dict(zip(range(65, 116), "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめも"
                               "やいゆえよらりるれろわゐうゑをん", strict=True)),
    **dict(zip(range(120, 196), "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽ"
                                "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモ"
                                "ヤイユエヨラリルレロワヰウヱヲン", strict=True)),
    **dict(zip(range(200, 225), "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポ", strict=True)),
}  # fmt: skip
_ASTROLOGY = {
    35: "☉", 36: "☿", 37: "♀", 38: "⊕", 39: "♂", 42: "♃", 43: "♄", 45: "♅", 47: "♆", 58: "♇", 59: "☽",
    60: "☄", 62: "☊", 63: "☋", 64: "♈", 91: "♉", 93: "♊", 94: "♋", 95: "♌", 96: "♍", 123: "♏", 124: "♐",
    125: "♑", 126: "♒",
}  # fmt: skip
_MATHEMATICS = {
    33: "±", 34: "∓", 35: "×", 37: "%", 38: "≦", 39: "≧", 42: "*", 43: "+", 58: "∏", 59: "∑", 60: "<", 61: "=",
    62: ">", 63: "≠", 64: "≡", 94: "∝", 95: "∞", 99: "√", 100: "⊂", 101: "∪", 102: "⊃", 103: "∩", 104: "∈",
    105: "→", 106: "↑", 107: "←", 108: "↓", 109: "∂", 110: "∇", 118: "∃", 119: "ℵ", 120: "÷", 122: "⊥",
    124: "∠", 126: "∴",
}  # fmt: skip
_MARKERS = {65: "○", 66: "□", 67: "△", 68: "◇", 69: "☆", 70: "✚", 71: "+", 72: "×", 73: "✳", 74: "●", 75: "■", 80: "▽"}
_SYMBOLIC = {
    69: "∧", 70: "⏚", 71: "▽", 72: "○", 73: "□", 74: "△", 75: "◇", 76: "☆", 77: "+", 78: "×", 79: "✳",
    80: "●", 81: "■", 86: "⚑", 87: "⛵", 88: "⚓", 90: "⚒", 94: "✚", 95: "☾", 96: "✡", 97: "🔔", 98: "🌴",
    99: "🌲", 100: "🌳", 103: "⌑", 104: "☘", 105: "§", 106: "†", 107: "‡", 109: "♠", 110: "♡", 111: "♢",
    112: "♣", 126: "★",
}  # fmt: skip
_MUSIC = {34: "♪", 39: "♯", 40: "♮", 41: "♭", 59: "𝄞", 61: "𝄢", 62: "𝄇", 63: "𝄡"}
_METEOROLOGY = {95: "∞"}

# Hershey fonts other than Latin ones: (family, position -> character) for each.
_HERSHEY_MAPS: dict[str, list[tuple[str, dict]]] = {
    "greek": [("greek", _GREEK_LIKE_SYMBOL_FONT)],
    "timesg": [("greek", _GREEK_LIKE_SYMBOL_FONT)],
    "greeks": [("greek", _GREEK_ALPHABETICAL)],
    "greekc": [("greek", _GREEK_ALPHABETICAL)],
    "cyrillic": [("cyrillic", _CYRILLIC_PHONETIC)],
    "cyrilc_1": [("cyrillic", _CYRILLIC_ALPHABETICAL)],
    "japanese": [("japanese", _JAPANESE)],
    "astrology": [("astrology", _ASTROLOGY)],
    "mathupp": [("mathematics", _MATHEMATICS)],
    "mathlow": [("mathematics", _MATHEMATICS)],
    "markers": [("shapes", _MARKERS)],
    "symbolic": [("signs", _SYMBOLIC)],
    "music": [("music", _MUSIC)],
    "meteorology": [("mathematics", _METEOROLOGY)],
}

# Outline fonts inside matplotlib, and the Unicode ranges read from them (family, first, last).
OUTLINE_FONTS = (
    "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique",
    "DejaVuSansMono", "DejaVuSansMono-Bold", "DejaVuSansMono-Oblique", "DejaVuSansMono-BoldOblique",
    "DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic",
    "STIXGeneral", "STIXGeneralBol", "STIXGeneralItalic", "STIXGeneralBolIta",
    "cmr10", "cmss10", "cmtt10", "cmb10", "cmmi10",
)  # fmt: skip
OUTLINE_RANGES = (
    ("latin", 0x41, 0x5A), ("latin", 0x61, 0x7A),
    ("greek", 0x391, 0x3A9), ("greek", 0x3B1, 0x3C9), ("cyrillic", 0x410, 0x44F),
    ("armenian", 0x531, 0x556), ("armenian", 0x561, 0x586), ("hebrew", 0x5D0, 0x5EA),
    ("georgian", 0x10D0, 0x10FA), ("tifinagh", 0x2D30, 0x2D65), ("nko", 0x7CA, 0x7EA),
    ("canadian", 0x1401, 0x1676), ("currency", 0x20A0, 0x20BF), ("letterlike", 0x2100, 0x214F),
    ("arrows", 0x2190, 0x21FF), ("mathematics", 0x2200, 0x22FF), ("technical", 0x2300, 0x23FF),
    ("shapes", 0x25A0, 0x25FF), ("signs", 0x2600, 0x26FF), ("dingbats", 0x2700, 0x27BF),
)  # fmt: skip
_OUTLINE_PUNCTUATION = tuple(ord(character) for character in PUNCTUATION) + (0xA7, 0xB6, 0xBF, 0xA1)
# Computer Modern puts other signs at ASCII's punctuation positions (a "}" is a closing quote): letters only.
LETTERS_ONLY_FONTS = frozenset({"cmr10", "cmss10", "cmtt10", "cmb10", "cmmi10"})
# Signs that hold a digit (dingbats' circled 1 to 10) are not symbols of their own.
_HOLDS_A_DIGIT = range(0x2776, 0x2794)


@dataclass(frozen=True, kw_only=True)
class GlyphSource:
    """One font's drawing of one character.

    ``character`` is the Unicode character drawn; ``family`` its script or kind ("latin", "greek",
    "japanese", "arrows", ...); ``font`` is "hershey/<name>" or "outline/<file stem>"; ``code`` is the
    position in the Hershey font, or the code point in the outline font.
    """

    character: str
    family: str
    font: str
    code: int

    @property
    def kind(self) -> str:
        return self.font.split("/", 1)[0]

    @property
    def font_name(self) -> str:
        return self.font.split("/", 1)[1]


def glyph_sources() -> list[GlyphSource]:
    """Every candidate glyph of every font, in a fixed order (Hershey first, then outline fonts)."""
    return _hershey_sources() + _outline_sources()


def _hershey_sources() -> list[GlyphSource]:
    sources = []
    for font in HERSHEY_LATIN_FONTS:
        glyphs = _hershey_font(font)
        for character in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + PUNCTUATION:
            if character in glyphs and glyphs[character].strokes:
                sources.append(_hershey_source(character, font, ord(character)))
    for font, characters in HERSHEY_PARTLY_LATIN.items():
        glyphs = _hershey_font(font)
        sources += [_hershey_source(c, font, ord(c)) for c in characters if c in glyphs and glyphs[c].strokes]
    for font, maps in _HERSHEY_MAPS.items():
        glyphs = _hershey_font(font)
        for family, mapping in maps:
            for position, character in mapping.items():
                code = ord(position) if isinstance(position, str) else position
                if chr(code) in glyphs and glyphs[chr(code)].strokes:
                    sources.append(GlyphSource(character=character, family=family, font=f"{HERSHEY}/{font}", code=code))
    return sources


def _hershey_source(character: str, font: str, code: int) -> GlyphSource:
    family = DIGIT_FAMILY if character.isdigit() else "latin" if character.isalpha() else "punctuation"
    return GlyphSource(character=character, family=family, font=f"{HERSHEY}/{font}", code=code)


def _outline_sources() -> list[GlyphSource]:
    sources = []
    for font in OUTLINE_FONTS:
        covered = _outline_coverage(font)
        codes = [(family, code) for family, first, last in OUTLINE_RANGES for code in range(first, last + 1)]
        codes += [("punctuation", code) for code in _OUTLINE_PUNCTUATION]
        codes += [(DIGIT_FAMILY, code) for code in range(ord("0"), ord("9") + 1)]
        if font in LETTERS_ONLY_FONTS:
            codes = [(family, code) for family, code in codes if family == "latin"]
        for family, code in codes:
            if code in covered and code not in _HOLDS_A_DIGIT and _drawable(chr(code)):
                sources.append(GlyphSource(character=chr(code), family=family, font=f"{OUTLINE}/{font}", code=code))
    return sources


def _drawable(character: str) -> bool:
    """A letter or sign of its own: not a space, control, combining mark or accented letter."""
    category = unicodedata.category(character)
    if category[0] in "ZCM":
        return False
    return unicodedata.normalize("NFD", character) == character


def hershey_strokes(source: GlyphSource) -> list[np.ndarray]:
    """The pen strokes of a Hershey glyph: a list of ``(m, 2) float32`` polylines, x right and y down, font units."""
    glyph = _hershey_font(source.font_name)[chr(source.code)]
    return [np.asarray(stroke, dtype=np.float32) for stroke in glyph.strokes if len(stroke) >= 1]


def outline_font_path(source: GlyphSource) -> Path:
    return _outline_folder() / f"{source.font_name}.ttf"


@functools.cache
def _hershey_font(name: str) -> dict:
    from HersheyFonts import HersheyFonts

    font = HersheyFonts()
    font.load_default_font(name)
    return font.all_glyphs


@functools.cache
def _outline_folder() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@functools.cache
def _outline_coverage(font: str) -> frozenset[int]:
    """The code points a font really draws (from its character map; missing ones would draw a box)."""
    from fontTools.ttLib import TTFont

    path = _outline_folder() / f"{font}.ttf"
    if not path.is_file():
        return frozenset()
    with TTFont(str(path), lazy=True) as opened:
        return frozenset(opened.getBestCmap())
