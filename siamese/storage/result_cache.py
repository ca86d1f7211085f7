"""Results that cost seconds to compute, kept on disk: embeddings of a data set, a model's figures.

A result is stored under a key that names everything it depends on (the model's fingerprint, the
data set's fingerprint, the split), so a changed model or data set never meets a stale result.
Files are written under a temporary name and renamed into place, so a reader never sees half a
file, and anything unreadable is simply computed again.
"""

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

CACHE_ENVIRONMENT_VARIABLE = "SIAMESE_CACHE"
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")


def default_cache_folder() -> Path:
    """Where results live between runs: ``$SIAMESE_CACHE`` or ``~/.cache/siamese-explorer``."""
    return Path(os.environ.get(CACHE_ENVIRONMENT_VARIABLE) or Path.home() / ".cache" / "siamese-explorer")


class ResultCache:
    """Arrays (``.npy``, read with ``allow_pickle=False``) and small JSON objects in one folder."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def array(self, key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """The array stored under ``key``, or ``compute()`` stored there now."""
        path = self._path(key, ".npy")
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            pass  # absent or damaged: compute it again
        value = np.asarray(compute())
        self._write(path, lambda handle: np.save(handle, value, allow_pickle=False))
        return value

    def arrays(self, key: str, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """Several arrays stored together under ``key`` (one compressed ``.npz``), or ``compute()`` stored now."""
        path = self._path(key, ".npz")
        try:
            with np.load(path, allow_pickle=False) as archive:
                return {name: archive[name] for name in archive.files}
        except (OSError, ValueError, EOFError):
            pass
        value = {name: np.asarray(array) for name, array in compute().items()}
        self._write(path, lambda handle: np.savez_compressed(handle, **value))
        return value

    def json_object(self, key: str, compute: Callable[[], dict]) -> dict:
        """The JSON object stored under ``key``, or ``compute()`` stored there now."""
        path = self._path(key, ".json")
        try:
            value = json.loads(path.read_text())
            if isinstance(value, dict):
                return value
        except (OSError, ValueError):
            pass
        value = compute()
        self._write(path, lambda handle: handle.write(json.dumps(value).encode()))
        return value

    def _path(self, key: str, suffix: str) -> Path:
        if not _SAFE_KEY.match(key):
            raise ValueError(f"a cache key is letters, digits, '.', '_' and '-' only, got {key!r}")
        return self.folder / f"{key}{suffix}"

    def _write(self, path: Path, write) -> None:
        """Write through a temporary file and a rename; a cache that cannot be written is only slower."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as file:
                write(file)
            os.replace(temporary, path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
