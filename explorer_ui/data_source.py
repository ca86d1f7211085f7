"""The server's data set and cache folder, loaded once and shared by every session."""

import hashlib
from pathlib import Path

import numpy as np
import streamlit as st

from siamese.data.mnist import MnistData, load_mnist
from siamese.storage.result_cache import default_cache_folder


@st.cache_resource(show_spinner="Loading MNIST…")
def mnist() -> MnistData:
    """The server's data set: ``load_mnist("auto")``, which ``$SIAMESE_MNIST`` can point at a file or a source."""
    return load_mnist("auto")


def cache_root() -> Path:
    """Where models and caches live between restarts: ``$SIAMESE_CACHE`` or ``~/.cache/siamese-explorer``."""
    return default_cache_folder()


def data_fingerprint(data: MnistData) -> str:
    """Short hash of the labels, the sizes and a sample of the pixels: different data, other models and caches."""
    digest = hashlib.sha256()
    for array in (data.y_train, data.y_test, data.x_train[::101], data.x_test[::101]):
        digest.update(str(array.shape).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:12]


def data_key(data: MnistData) -> str:
    """Names the data set for in-memory caches, without hashing millions of pixels on every rerun."""
    return f"{data.source}|{data.description}|{data.x_train.shape}|{data.x_test.shape}"
