"""The shapes a network learnt, embedded for the New symbols page's open-set rule, made in the background.

The rule asks whether a drawing's nearest learnt shapes are digits or symbols (``siamese.search.open_set``),
which needs the network's embeddings of some 26,600 drawings: about a minute the first time on a
machine (the symbol corpus is drawn, then embedded), seconds from the disk cache after that. The page
starts the work as soon as a student draws on it (``start``), on a worker thread rather than in a
script run, so that a student teaching symbols meanwhile is never kept waiting by it; the first answer
waits only for what is left (``known_shapes``). A visit that draws nothing costs nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import streamlit as st

from explorer_ui.caches import arrays_on_disk
from explorer_ui.data_source import cache_root, data_key
from siamese.data.mnist import MnistData

if TYPE_CHECKING:
    from siamese.search.open_set import KnownShapes
    from siamese.storage.trained_model import TrainedModel

KEPT = 8  # models whose known shapes stay in memory (about 14 MB each)
WAITING = "Reading the shapes this network learnt, digits and symbols (the first time on this machine: about a minute)…"

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="known-shapes")
_LOCK = threading.Lock()
_MADE: OrderedDict[str, Future] = OrderedDict()


def start(model: TrainedModel, data: MnistData) -> Future:
    """Begin making ``model``'s known shapes for ``data`` in the background, unless begun already."""
    key = _key(model, data)
    with _LOCK:
        if key not in _MADE:
            _MADE[key] = _WORKER.submit(_make, model, data)
            while len(_MADE) > KEPT:
                _MADE.popitem(last=False)
        _MADE.move_to_end(key)
        return _MADE[key]


def known_shapes(model: TrainedModel, data: MnistData) -> KnownShapes:
    """``model``'s known shapes for ``data``, waiting (with a spinner) for whatever is left of making them.

    A failure is forgotten, so that the next call tries again, and raised.
    """
    made = start(model, data)
    try:
        if made.done():
            return made.result()
        with st.spinner(WAITING):
            return made.result()
    except Exception:
        with _LOCK:
            if _MADE.get(_key(model, data)) is made:
                del _MADE[_key(model, data)]
        raise


def _key(model: TrainedModel, data: MnistData) -> str:
    return f"{model.key}|{data_key(data)}"


def _make(model: TrainedModel, data: MnistData) -> KnownShapes:
    from siamese.data.symbol_classes import Split
    from siamese.data.symbol_corpus import load_symbol_corpus
    from siamese.search.open_set import KnownShapes, embed_known_shapes

    def compute() -> dict:
        learnt = load_symbol_corpus(cache_root()).only(Split.BACKGROUND)
        shapes = embed_known_shapes(model.embedding_network, data, model.config, learnt.images)
        return {"embeddings": shapes.embeddings, "is_digit": shapes.is_digit, "sources": shapes.sources}

    return KnownShapes(**arrays_on_disk(model, data, "known-shapes", compute), metric=model.config.metric)
