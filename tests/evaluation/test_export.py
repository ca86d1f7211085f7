"""Embedding Projector files: read back and compared with what went in."""

import io
import os
import re
import zipfile

import numpy as np
import pytest
from PIL import Image

from siamese.evaluation.export import MAX_POINTS, projector_zip, write_projector_files

FILE_NAMES = {"vectors.tsv", "metadata.tsv", "sprite.png", "projector_config.pbtxt"}


def sample(count=10, width=3, seed=0):
    generator = np.random.default_rng(seed)
    embeddings = generator.standard_normal((count, width)).astype(np.float32)
    labels = np.arange(count) % 10
    images = generator.random((count, 28, 28)).astype(np.float32)
    images[:, 0, 0] = 1.0
    images[:, 27, 27] = 0.0
    return embeddings, labels, images


def test_files_read_back_as_written(tmp_path):
    embeddings, labels, images = sample()
    paths = write_projector_files(embeddings, labels, images, tmp_path / "projector")
    assert set(paths) == {"vectors", "metadata", "sprite", "config"}
    assert {path.name for path in (tmp_path / "projector").iterdir()} == FILE_NAMES

    vectors = np.loadtxt(paths["vectors"], delimiter="\t", dtype=np.float32)
    np.testing.assert_array_equal(vectors, embeddings)
    assert paths["metadata"].read_text().splitlines() == [str(label) for label in labels]


def test_sprite_is_a_square_grid_of_the_images(tmp_path):
    embeddings, labels, images = sample(count=10)
    paths = write_projector_files(embeddings, labels, images, tmp_path)
    sheet = np.asarray(Image.open(paths["sprite"]))
    # 10 images need a 4 x 4 grid of 28-pixel cells, filled row by row.
    assert sheet.shape == (4 * 28, 4 * 28) and sheet.dtype == np.uint8
    for index in range(10):
        row, column = divmod(index, 4)
        cell = sheet[row * 28 : (row + 1) * 28, column * 28 : (column + 1) * 28]
        np.testing.assert_array_equal(cell, np.round(images[index] * 255).astype(np.uint8))
    assert not sheet[2 * 28 :, 2 * 28 :].any()  # the six unused cells stay black


def test_config_points_at_the_files(tmp_path):
    paths = write_projector_files(*sample(), tmp_path)
    config = paths["config"].read_text()
    assert re.search(r'tensor_path:\s*"vectors.tsv"', config)
    assert re.search(r'metadata_path:\s*"metadata.tsv"', config)
    assert re.search(r'image_path:\s*"sprite.png"', config)
    assert re.findall(r"single_image_dim:\s*(\d+)", config) == ["28", "28"]
    assert config.count("{") == config.count("}")


def test_zip_holds_the_same_files(tmp_path):
    embeddings, labels, images = sample(count=5)
    paths = write_projector_files(embeddings, labels, images, tmp_path)
    with zipfile.ZipFile(io.BytesIO(projector_zip(embeddings, labels, images))) as archive:
        assert set(archive.namelist()) == FILE_NAMES
        for path in paths.values():
            assert archive.read(path.name) == path.read_bytes()


def test_rewrite_replaces_files_and_a_failed_write_leaves_the_old_ones(tmp_path, monkeypatch):
    write_projector_files(*sample(count=4, seed=1), tmp_path)
    embeddings, labels, images = sample(count=6, seed=2)
    paths = write_projector_files(embeddings, labels, images, tmp_path)
    assert len(paths["metadata"].read_text().splitlines()) == 6
    before = {path.name: path.read_bytes() for path in paths.values()}

    def failing_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_projector_files(*sample(count=3, seed=3), tmp_path)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_too_many_points_for_the_sprite_sheet():
    assert MAX_POINTS == (8192 // 28) ** 2
    count = MAX_POINTS + 1
    # Broadcast views: the check must fire before anything reads all these images.
    embeddings = np.broadcast_to(np.zeros((1, 2), dtype=np.float32), (count, 2))
    images = np.broadcast_to(np.zeros((1, 28, 28), dtype=np.float32), (count, 28, 28))
    with pytest.raises(ValueError, match=str(MAX_POINTS)):
        projector_zip(embeddings, np.zeros(count, dtype=int), images)


@pytest.mark.parametrize(
    "change",
    [
        lambda embeddings, labels, images: (embeddings[:, 0], labels, images),
        lambda embeddings, labels, images: (embeddings, labels[:-1], images),
        lambda embeddings, labels, images: (embeddings, labels.astype(float), images),
        lambda embeddings, labels, images: (embeddings, labels, images[:, :27]),
        lambda embeddings, labels, images: (embeddings, labels, images * 255),
        lambda embeddings, labels, images: (np.full_like(embeddings, np.nan), labels, images),
    ],
)
def test_bad_input_is_rejected_and_nothing_is_written(tmp_path, change):
    with pytest.raises(ValueError):
        write_projector_files(*change(*sample()), tmp_path)
    assert list(tmp_path.iterdir()) == []
