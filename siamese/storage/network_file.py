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
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from siamese.conventions import IMAGE_SHAPE

if TYPE_CHECKING:
    import keras


class NetworkFile:
    """``embedding.keras`` (input ``(n, 28, 28) float32 in [0, 1]``, output ``(n, embedding_dim)``), read once.

    ``load`` reads it with ``safe_mode=True`` and checks its shapes (``load_embedding_network``);
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


def load_embedding_network(path: str | Path, *, embedding_dim: int | None = None) -> keras.Model:
    """Load an ``embedding.keras`` with ``safe_mode=True`` and check its input and output shapes.

    The project's own layers (the ViT's tokens, attention pooling) are registered with Keras when
    ``siamese.networks.models`` is imported: it is, first, so a file that uses them loads in any process.
    """
    import keras

    import siamese.networks.models  # noqa: F401  (registers the project's layers by name)

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path} does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path.name} is not a Keras model file (.keras files are zip archives)")
    try:
        network = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for bad files; all mean "unusable".
        raise ValueError(f"{path.name} could not be loaded safely: {_first_line(error)}") from error
    check_embedding_network(network, embedding_dim=embedding_dim)
    return network


def check_embedding_network(network, *, embedding_dim: int | None = None) -> None:
    """Raise ``ValueError`` unless ``network`` maps ``(n, 28, 28)`` to ``(n, D)``."""
    import keras

    if not isinstance(network, keras.Model):
        raise ValueError("the file does not hold a Keras model")
    input_shape = tuple(network.input_shape) if not isinstance(network.input_shape, list) else None
    if input_shape is None or input_shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"the model's input must be (n, 28, 28) images; it is {network.input_shape}")
    output_shape = network.output_shape
    if not isinstance(output_shape, tuple) or len(output_shape) != 2:
        raise ValueError(f"the model must output one embedding vector per image; it outputs {output_shape}")
    if embedding_dim is not None and output_shape[1] != embedding_dim:
        raise ValueError(f"the model outputs {output_shape[1]} numbers per image, the config says {embedding_dim}")


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__
