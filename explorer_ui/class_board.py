"""The class board's server side: the shared database, and each class's figures kept up to date.

The database is ``$SIAMESE_DATABASE_URL`` (any SQLAlchemy URL, e.g. PostgreSQL for several app
servers behind one load balancer), else the SQLite file ``$SIAMESE_DATABASE``, else
``classes.sqlite`` in the cache folder. A database that can't be used gives one line for the
Class page and leaves the rest of the app alone; it is tried again on the next page run.

A board refresh reads the class's drawings, embeds only the drawings it has not embedded before
(kept per model and drawing id) and recomputes the figures only when the drawings changed.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from explorer_ui.data_source import cache_root

if TYPE_CHECKING:
    from siamese.class_report import Adaptation, ClassReport
    from siamese.class_store import ClassDrawings, ClassStore
    from siamese.neighbour_index import NeighbourIndex
    from siamese.trained_model import TrainedModel

DATABASE_URL_VARIABLE = "SIAMESE_DATABASE_URL"
DATABASE_FILE_VARIABLE = "SIAMESE_DATABASE"
REFRESH_SECONDS = 5


def database_url() -> str:
    from siamese.class_store import sqlite_url

    if os.environ.get(DATABASE_URL_VARIABLE):
        return os.environ[DATABASE_URL_VARIABLE]
    return sqlite_url(os.environ.get(DATABASE_FILE_VARIABLE) or cache_root() / "classes.sqlite")


def class_store() -> tuple[ClassStore | None, str]:
    """The server's class database, or ``None`` and one line saying why it can't be used."""
    from siamese.class_store import ClassStoreError

    try:
        return _open_store(database_url()), ""
    except ClassStoreError as error:
        return None, f"The class board is not available: {error}."


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> ClassStore:
    """Opened once per server and URL; a failure is not kept, so the next run tries again."""
    from siamese.class_store import ClassStore

    return ClassStore(url)


@dataclass(frozen=True, kw_only=True, eq=False)
class Board:
    """What the board shows for one class: its drawings, their embeddings and the figures."""

    drawings: ClassDrawings
    embeddings: np.ndarray
    report: ClassReport
    adaptation: Adaptation


def board(store: ClassStore, code: str, model: TrainedModel, index: NeighbourIndex) -> Board:
    """The class's board now: new drawings embedded, figures recomputed only if the drawings changed."""
    from siamese.class_report import class_report, with_class_references

    drawings = store.drawings(code)
    cache = _board_cache(model.key)
    with cache.lock:
        fresh = [
            position for position, drawing_id in enumerate(drawings.ids) if int(drawing_id) not in cache.embeddings
        ]
        if fresh:
            images = (drawings.images[fresh] / 255.0).astype(np.float32)
            for position, embedding in zip(fresh, _embed(model, images), strict=True):
                cache.embeddings[int(drawings.ids[position])] = embedding
        width = index.reference_embeddings.shape[1]
        embeddings = np.array([cache.embeddings[int(i)] for i in drawings.ids], dtype=np.float32).reshape(-1, width)
        signature = (code, tuple(drawings.ids.tolist()))
        if cache.figures.get(code, (None,))[0] != signature:
            report = class_report(embeddings, drawings.digits, drawings.students, index)
            adaptation = with_class_references(embeddings, drawings.digits, drawings.students, index)
            cache.figures[code] = (signature, report, adaptation)
        _, report, adaptation = cache.figures[code]
    return Board(drawings=drawings, embeddings=embeddings, report=report, adaptation=adaptation)


def _embed(model: TrainedModel, images: np.ndarray) -> np.ndarray:
    from siamese.models import embed

    return embed(model.embedding_network, images)


class _BoardCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.embeddings: dict[int, np.ndarray] = {}
        self.figures: dict[str, tuple] = {}


@st.cache_resource(max_entries=8)
def _board_cache(model_key: str) -> _BoardCache:
    return _BoardCache()
