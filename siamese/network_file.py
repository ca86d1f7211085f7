"""A saved embedding network that is read from its file the first time something needs it.

Reading a ``.keras`` file imports TensorFlow, which takes seconds: a restarted server would
make the first visitor of any page wait for it, even on pages whose results are already on
disk. A ``NetworkFile`` lets a model stand in for its network until then, and ``start_loading``
reads it in a background thread. That thread holds Python's GIL for most of the import, so a page
starts it once it has shown what needs no network, not before.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras


class NetworkFile:
    """``embedding.keras`` (input ``(n, 28, 28) float32 in [0, 1]``, output ``(n, embedding_dim)``), read once.

    ``load`` reads it with ``safe_mode=True`` and checks its shapes (``storage.load_embedding_network``);
    callers in other threads wait for the one read. A file that cannot be read raises ``ValueError``
    on every call.
    """

    def __init__(self, path: str | Path, *, embedding_dim: int):
        self.path = Path(path)
        self.embedding_dim = embedding_dim
        self._lock = threading.Lock()  # held for the whole read, so callers wait for the one read
        self._loader_lock = threading.Lock()  # held only to start the reader: a page never waits on a read
        self._network: keras.Model | None = None
        self._loader: threading.Thread | None = None

    @property
    def loaded(self) -> bool:
        return self._network is not None

    def load(self) -> keras.Model:
        """The network, read from the file now unless it has been already."""
        with self._lock:
            if self._network is None:
                from siamese.storage import load_embedding_network

                self._network = load_embedding_network(self.path, embedding_dim=self.embedding_dim)
            return self._network

    def start_loading(self) -> threading.Thread:
        """Read the file in a daemon thread (one, however often asked); ``load`` then waits for it.

        Returns at once, even while another thread's ``load`` is reading the file.
        """
        with self._loader_lock:
            if self._loader is None:
                self._loader = threading.Thread(target=self._load_quietly, name=f"read {self.path.name}", daemon=True)
                self._loader.start()
            return self._loader

    def _load_quietly(self) -> None:
        with contextlib.suppress(ValueError):  # not reported here: the next caller of ``load`` gets it
            self.load()
