"""Numbers and text as a student reads them."""

import html
import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def format_distance(distance: float) -> str:
    """A distance with 3 decimals, or 4 below 0.1: a cosine distance between near twins is tiny."""
    return f"{distance:.4f}" if abs(distance) < 0.1 else f"{distance:.3f}"


def plain(text: str) -> str:
    """``text`` to show inside Markdown exactly as typed: every Markdown sign escaped, so a name like
    ``**<b>hi</b>**`` shows as those characters, never as bold, a link, an image or HTML."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def chart_plain(text: str) -> str:
    """``text`` to show in a Plotly legend or hover exactly as typed: Plotly reads ``<b>``, ``<a href>``
    and the like in trace names, so ``<``, ``>`` and ``&`` are written as entities."""
    return html.escape(text, quote=False)
