"""Files for the TensorFlow Embedding Projector (https://projector.tensorflow.org).

Loading ``projector_config.pbtxt`` there (or pointing TensorBoard at the folder) shows the points
labelled by digit and drawn as their MNIST images.
"""

import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from siamese.conventions import IMAGE_SHAPE, IMAGE_SIZE

VECTORS_FILE = "vectors.tsv"
METADATA_FILE = "metadata.tsv"
SPRITE_FILE = "sprite.png"
CONFIG_FILE = "projector_config.pbtxt"

# The Projector refuses sprite sheets wider or taller than 8192 pixels.
MAX_SPRITE_SIDE = 8192
MAX_POINTS = (MAX_SPRITE_SIDE // IMAGE_SIZE) ** 2

_CONFIG_TEXT = f"""embeddings {{
  tensor_name: "mnist_embeddings"
  tensor_path: "{VECTORS_FILE}"
  metadata_path: "{METADATA_FILE}"
  sprite {{
    image_path: "{SPRITE_FILE}"
    single_image_dim: {IMAGE_SIZE}
    single_image_dim: {IMAGE_SIZE}
  }}
}}
"""


def write_projector_files(
    embeddings: np.ndarray, labels: np.ndarray, images: np.ndarray, folder: str | os.PathLike
) -> dict[str, Path]:
    """Write the Projector's four files into ``folder`` (created if missing).

    Each file is written under a temporary name and renamed into place, so a reader never sees
    half a file.

    Parameters
    ----------
    embeddings : (n, d) float array
    labels : (n,) int array, the digits
    images : (n, 28, 28) float32 in [0, 1], ink bright on dark
    folder : path

    Returns
    -------
    dict mapping "vectors", "metadata", "sprite" and "config" to the written paths
    """
    contents = _projector_file_contents(embeddings, labels, images)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return {role: _write_atomically(folder / name, data) for role, (name, data) in contents.items()}


def projector_zip(embeddings: np.ndarray, labels: np.ndarray, images: np.ndarray) -> bytes:
    """The files of ``write_projector_files`` as one zip archive, e.g. for a download button.

    Parameters
    ----------
    embeddings : (n, d) float array
    labels : (n,) int array
    images : (n, 28, 28) float32 in [0, 1]

    Returns
    -------
    bytes of a zip holding the four files at its top level
    """
    contents = _projector_file_contents(embeddings, labels, images)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.values():
            archive.writestr(name, data)
    return buffer.getvalue()


def _projector_file_contents(
    embeddings: np.ndarray, labels: np.ndarray, images: np.ndarray
) -> dict[str, tuple[str, bytes]]:
    """Role -> (file name, bytes) for the four Projector files, after checking the inputs."""
    embeddings, labels, images = _check_inputs(embeddings, labels, images)
    return {
        "vectors": (VECTORS_FILE, _vectors_tsv(embeddings)),
        "metadata": (METADATA_FILE, _metadata_tsv(labels)),
        "sprite": (SPRITE_FILE, _sprite_png(images)),
        "config": (CONFIG_FILE, _CONFIG_TEXT.encode("utf-8")),
    }


def _check_inputs(
    embeddings: np.ndarray, labels: np.ndarray, images: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs as ``(n, d) float32``, ``(n,) int64`` and ``(n, 28, 28) float32``, or ``ValueError``."""
    embeddings = np.asarray(embeddings)
    labels = np.asarray(labels)
    images = np.asarray(images)
    if embeddings.ndim != 2 or embeddings.shape[0] == 0 or embeddings.shape[1] == 0:
        raise ValueError(f"embeddings must be a non-empty (n, d) array, got shape {embeddings.shape}")
    count = embeddings.shape[0]
    # Checked before anything else touches the data: an oversized input fails fast.
    if count > MAX_POINTS:
        side = MAX_SPRITE_SIDE
        raise ValueError(f"a {side}-pixel sprite sheet holds at most {MAX_POINTS} images, got {count}")
    if labels.shape != (count,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be ({count},) integers, got shape {labels.shape} {labels.dtype}")
    if images.shape != (count, *IMAGE_SHAPE):
        raise ValueError(f"images must have shape ({count}, {IMAGE_SIZE}, {IMAGE_SIZE}), got {images.shape}")
    if not np.all(np.isfinite(embeddings)):
        raise ValueError("embeddings contains NaN or infinite values")
    if not np.all((images >= 0.0) & (images <= 1.0)):
        raise ValueError("images must hold values in [0, 1]")
    return embeddings.astype(np.float32), labels.astype(np.int64), images.astype(np.float32)


def _vectors_tsv(embeddings: np.ndarray) -> bytes:
    """Tab-separated rows, no header; 9 significant digits read back as the same float32."""
    buffer = io.StringIO()
    np.savetxt(buffer, embeddings, fmt="%.9g", delimiter="\t")
    return buffer.getvalue().encode("utf-8")


def _metadata_tsv(labels: np.ndarray) -> bytes:
    """One label per line and no header: the Projector's format for a single metadata column."""
    return "".join(f"{label}\n" for label in labels.tolist()).encode("utf-8")


def _sprite_png(images: np.ndarray) -> bytes:
    """A square grid of the images, row by row from the top left, unused cells black, as PNG bytes."""
    cells_per_side = int(np.ceil(np.sqrt(images.shape[0])))
    pixels = np.round(images * 255.0).astype(np.uint8)
    padded = np.zeros((cells_per_side**2, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    padded[: images.shape[0]] = pixels
    sheet = (
        padded.reshape(cells_per_side, cells_per_side, IMAGE_SIZE, IMAGE_SIZE)
        .transpose(0, 2, 1, 3)
        .reshape(cells_per_side * IMAGE_SIZE, cells_per_side * IMAGE_SIZE)
    )
    buffer = io.BytesIO()
    Image.fromarray(sheet).save(buffer, format="PNG")
    return buffer.getvalue()


def _write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    handle, temporary_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as temporary_file:
            temporary_file.write(data)
        # mkstemp makes owner-only files; the export is meant to be shared.
        os.chmod(temporary_name, 0o644)
        os.replace(temporary_name, path)
    except BaseException:
        Path(temporary_name).unlink(missing_ok=True)
        raise
    return path
