"""Tests for ``siamese.data.drawing``: canvas or photo -> MNIST-style 28x28 input."""

import warnings

import numpy as np
import pytest
from PIL import Image

from siamese.conventions import IMAGE_SHAPE
from siamese.data.drawing import (
    DIGIT_BOX_SIZE,
    FRAME_CENTRE,
    DrawingSteps,
    centre_by_mass,
    centre_of_mass,
    image_from_file,
    ink_image,
    preprocess_drawing,
)


def _thick_line(canvas, start, end, width, value=1.0):
    """Draw a round-capped line of ``width`` px into ``canvas`` (float, modified in place)."""
    rows, cols = np.indices(canvas.shape)
    start = np.asarray(start, dtype=float)
    direction = np.asarray(end, dtype=float) - start
    offset_rows, offset_cols = rows - start[0], cols - start[1]
    along = np.clip((offset_rows * direction[0] + offset_cols * direction[1]) / (direction @ direction), 0, 1)
    distance = np.hypot(offset_rows - along * direction[0], offset_cols - along * direction[1])
    canvas[distance <= width / 2] = value
    return canvas


def _seven(size=200, width=18):
    """A "7" drawn white on black, float in [0, 1], ink off-centre like a real sketch."""
    canvas = np.zeros((size, size))
    scale = size / 200
    _thick_line(canvas, (40 * scale, 50 * scale), (40 * scale, 150 * scale), width * scale)
    _thick_line(canvas, (40 * scale, 150 * scale), (170 * scale, 80 * scale), width * scale)
    return canvas


def _mnist_seven():
    """A 28x28 "7" whose longest side is already 20 px, as every MNIST digit's is."""
    box = np.zeros((20, 20))
    _thick_line(box, (1.3, 1.5), (1.3, 17.5), 2.6)
    _thick_line(box, (1.3, 17.5), (18.7, 7.0), 2.6)
    digit = np.zeros(IMAGE_SHAPE)
    digit[4:24, 4:24] = box
    return digit


def _ring(size=28, centre=(13.5, 13.5), radius=8.0, width=2.5):
    rows, cols = np.indices((size, size))
    distance = np.hypot(rows - centre[0], cols - centre[1])
    return np.clip(width / 2 + 0.5 - np.abs(distance - radius), 0, 1)


def _centred_by_hand(digit):
    """Shift a 28x28 digit by whole pixels so its centre of mass is within 0.5 px of 13.5."""
    rows, cols = np.indices(digit.shape)
    total = digit.sum()
    shift_rows = int(np.rint(FRAME_CENTRE - (rows * digit).sum() / total))
    shift_cols = int(np.rint(FRAME_CENTRE - (cols * digit).sum() / total))
    return np.roll(digit, (shift_rows, shift_cols), axis=(0, 1))


def _bounds(image, threshold=0.0):
    rows = np.flatnonzero((image > threshold).any(axis=1))
    cols = np.flatnonzero((image > threshold).any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]


def test_frame_centre_convention_is_pinned():
    # Pixel centres sit at integer coordinates, so the middle of 28 pixels is 13.5.
    assert FRAME_CENTRE == 13.5
    assert DIGIT_BOX_SIZE == 20


def test_off_centre_rectangle_is_scaled_to_20_px_and_centred():
    canvas = np.zeros((100, 100))
    canvas[5:45, 60:80] = 1.0  # 40 x 20, in the top right corner
    steps = preprocess_drawing(canvas)
    assert isinstance(steps, DrawingSteps)
    assert steps.ok and steps.status == "ok"
    assert steps.cropped.shape == (40, 20)
    assert steps.boxed.shape == (20, 10)
    assert steps.centred.shape == IMAGE_SHAPE and steps.centred.dtype == np.float32
    assert steps.centred.min() >= 0.0 and steps.centred.max() <= 1.0
    top, bottom, left, right = _bounds(steps.centred, 0.5)
    assert (bottom - top + 1, right - left + 1) == (20, 10)
    row, col = centre_of_mass(steps.centred)
    assert abs(row - 13.5) <= 0.5 and abs(col - 13.5) <= 0.5


def test_centring_uses_mass_not_the_bounding_box():
    canvas = np.zeros((100, 100))
    canvas[10:90, 10:20] = 1.0  # an "L": heavy on the left and bottom
    canvas[80:90, 10:70] = 1.0
    steps = preprocess_drawing(canvas)
    row, col = centre_of_mass(steps.centred)
    assert abs(row - FRAME_CENTRE) <= 0.5 and abs(col - FRAME_CENTRE) <= 0.5
    top, bottom, left, right = _bounds(steps.centred, 0.5)
    # The box's own centre is pulled up and right of the frame centre, away from the mass.
    assert (top + bottom) / 2 < FRAME_CENTRE - 1 or (left + right) / 2 > FRAME_CENTRE + 1


def test_white_on_black_and_black_on_white_agree():
    seven = _seven()
    light_ink = preprocess_drawing((seven * 255).astype(np.uint8))
    dark_ink = preprocess_drawing(((1 - seven) * 255).astype(np.uint8))
    dark_ink_rgb = preprocess_drawing(np.repeat(1 - seven[:, :, None], 3, axis=2))
    assert light_ink.ok and dark_ink.ok and dark_ink_rgb.ok
    assert light_ink.centred.max() == pytest.approx(1.0)
    np.testing.assert_allclose(light_ink.centred, dark_ink.centred, atol=1e-5)
    np.testing.assert_allclose(light_ink.centred, dark_ink_rgb.centred, atol=1e-5)


def test_grey_photo_background_is_measured_not_assumed():
    seven = _seven()
    photo = 0.8 - 0.5 * seven  # grey paper (0.8), grey pencil (0.3)
    steps = preprocess_drawing(photo)
    reference = preprocess_drawing(seven)
    assert steps.ok
    np.testing.assert_allclose(steps.centred, reference.centred, atol=1e-4)


@pytest.mark.parametrize("pen_colour", [(0, 0, 0), (255, 255, 255), (200, 30, 30)])
def test_rgba_strokes_on_transparent_background(pen_colour):
    seven = _seven()
    canvas = np.zeros((*seven.shape, 4), dtype=np.uint8)
    canvas[:, :, :3] = pen_colour
    canvas[:, :, 3] = np.rint(seven * 255).astype(np.uint8)
    steps = preprocess_drawing(canvas)
    assert steps.ok
    np.testing.assert_allclose(steps.ink, seven, atol=1e-5)
    np.testing.assert_allclose(steps.centred, preprocess_drawing(seven).centred, atol=1e-5)


def test_opaque_rgba_is_read_like_rgb():
    seven = _seven()
    grey = np.rint((1 - seven) * 255).astype(np.uint8)
    opaque = np.stack([grey, grey, grey, np.full_like(grey, 255)], axis=2)
    np.testing.assert_allclose(ink_image(opaque), ink_image(grey), atol=1e-6)


def test_tall_thin_bar_keeps_its_aspect_ratio():
    canvas = np.zeros((280, 280))
    canvas[40:190, 100:115] = 1.0  # 150 x 15
    steps = preprocess_drawing(canvas)
    assert steps.boxed.shape == (20, 2)
    top, bottom, left, right = _bounds(steps.centred, 0.5)
    assert bottom - top + 1 == 20
    assert right - left + 1 <= 3


@pytest.mark.parametrize("digit_name", ["seven", "zero"])
def test_upscaled_mnist_like_digit_round_trips(digit_name):
    digit = _centred_by_hand(_ring(radius=8.5, width=2.5) if digit_name == "zero" else _mnist_seven())
    top, bottom, left, right = _bounds(digit)
    assert max(bottom - top, right - left) + 1 == DIGIT_BOX_SIZE
    # A student's view: 10x bigger, black ink on a white uint8 canvas.
    canvas = np.rint((1 - np.kron(digit, np.ones((10, 10)))) * 255).astype(np.uint8)
    steps = preprocess_drawing(canvas)
    assert steps.ok
    correlation = np.corrcoef(steps.centred.ravel(), digit.ravel())[0, 1]
    assert correlation > 0.9


def test_empty_canvases():
    noise = np.random.default_rng(0).uniform(0, 0.1, size=(280, 280))
    for image in (
        noise,
        np.full((280, 280), 255, dtype=np.uint8),
        np.zeros((280, 280, 4), dtype=np.uint8),
    ):
        steps = preprocess_drawing(image)
        assert steps.status == "empty" and not steps.ok
        assert "empty" in steps.message
        assert steps.ink.shape == (280, 280)
        assert steps.cropped.shape == (0, 0) and steps.boxed.shape == (0, 0)
        assert steps.centred.shape == IMAGE_SHAPE and not steps.centred.any()


def test_a_dot_is_too_small():
    canvas = np.zeros((280, 280))
    canvas[100:106, 100:106] = 1.0
    steps = preprocess_drawing(canvas)
    assert steps.status == "too_small"
    assert "dot" in steps.message
    assert steps.centred.shape == IMAGE_SHAPE and not steps.centred.any()
    canvas[100:120, 100:106] = 1.0  # now a short line, 20 px > 4% of 280
    assert preprocess_drawing(canvas).ok


def test_filled_canvases():
    transparent_corner = np.zeros((280, 280, 4), dtype=np.uint8)
    transparent_corner[:, :, 3] = 255
    transparent_corner[:30, :30, 3] = 0
    white_with_black_fill = np.ones((280, 280))
    white_with_black_fill[10:-10, 10:-10] = 0.0
    for image, background in (
        (transparent_corner, "auto"),
        (white_with_black_fill, "auto"),
        (np.zeros((280, 280)), "light"),
        (np.ones((280, 280)), "dark"),
    ):
        steps = preprocess_drawing(image, background=background)
        assert steps.status == "filled"
        assert "all ink" in steps.message
        assert not steps.centred.any()


def test_strokes_touching_every_edge_and_huge_strokes_are_fine():
    edge_ring = _ring(size=280, centre=(139.5, 139.5), radius=130, width=20)
    assert edge_ring[0].any() and edge_ring[-1].any() and edge_ring[:, 0].any() and edge_ring[:, -1].any()
    cross = _thick_line(np.zeros((280, 280)), (0, 0), (279, 279), 30)
    cross = _thick_line(cross, (0, 279), (279, 0), 30)
    huge_one = _thick_line(np.zeros((280, 280)), (20, 140), (260, 140), 120)
    for image in (edge_ring, 1 - edge_ring, cross, huge_one):
        steps = preprocess_drawing(image)
        assert steps.ok
        assert max(steps.boxed.shape) == DIGIT_BOX_SIZE
        row, col = centre_of_mass(steps.centred)
        assert abs(row - FRAME_CENTRE) <= 0.5 and abs(col - FRAME_CENTRE) <= 0.5


def test_lopsided_digit_is_clipped_into_the_frame():
    boxed = np.zeros((20, 20), dtype=np.float32)
    boxed[:, 0] = 1.0  # all the mass on the left edge: a perfect centring would push ink out
    frame = centre_by_mass(boxed)
    assert frame.sum() == pytest.approx(boxed.sum())


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((2, 28, 28, 1)),
        np.zeros((28, 28, 2)),
        np.zeros(28),
        np.zeros((0, 28)),
        "a seven",
        np.array([["a", "b"], ["c", "d"]]),
        np.full((28, 28), 2.0),
        np.full((28, 28), np.nan),
        np.full((28, 28), 300, dtype=np.int32),
        np.zeros((28, 28), dtype=complex),
    ],
)
def test_bad_images_raise_value_error(image):
    with pytest.raises(ValueError):
        preprocess_drawing(image)


@pytest.mark.parametrize(
    "keywords",
    [{"ink_threshold": 1.5}, {"ink_threshold": "high"}, {"background": "white"}, {"max_ink_fraction": -0.1}],
)
def test_bad_options_raise_value_error(keywords):
    with pytest.raises(ValueError):
        preprocess_drawing(np.zeros((28, 28)), **keywords)


def test_image_from_file_rejects_non_images(tmp_path):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("this is not a picture")
    with pytest.raises(ValueError, match="is not a readable image"):
        image_from_file(not_an_image)
    with pytest.raises(ValueError, match="is not a readable image"):
        image_from_file(tmp_path / "missing.png")
    with pytest.raises(ValueError):
        image_from_file(42)


def test_image_from_file_reads_png(tmp_path):
    grey = (np.arange(30 * 40) % 256).astype(np.uint8).reshape(30, 40)
    Image.fromarray(grey).save(tmp_path / "grey.png")
    np.testing.assert_array_equal(image_from_file(tmp_path / "grey.png"), grey)

    rgba = np.zeros((30, 40, 4), dtype=np.uint8)
    rgba[5:25, 10:15] = (0, 0, 0, 255)
    Image.fromarray(rgba).save(tmp_path / "canvas.png")
    read_back = image_from_file(str(tmp_path / "canvas.png"))
    assert read_back.shape == (30, 40, 4) and read_back.dtype == np.uint8
    np.testing.assert_array_equal(read_back, rgba)

    rgb = np.zeros((30, 40, 3), dtype=np.uint8)
    rgb[:, :, 0] = 255
    Image.fromarray(rgb).save(tmp_path / "red.png")
    read_rgb = image_from_file(tmp_path / "red.png")
    assert read_rgb.shape == (30, 40) and read_rgb.dtype == np.uint8
    assert read_rgb[0, 0] == 76  # Pillow's "L": 0.299 * 255

    with open(tmp_path / "canvas.png", "rb") as file:
        np.testing.assert_array_equal(image_from_file(file), rgba)


def test_image_from_file_refuses_decompression_bombs(tmp_path, monkeypatch):
    Image.fromarray(np.zeros((12, 12), dtype=np.uint8)).save(tmp_path / "small.png")
    Image.fromarray(np.zeros((40, 40), dtype=np.uint8)).save(tmp_path / "large.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        for name in ("small.png", "large.png"):  # above the limit, and above Pillow's own 2x error
            with pytest.raises(ValueError, match="too large"):
                image_from_file(tmp_path / name)


def test_stroke_width_of_a_bar_is_twice_area_over_perimeter():
    from siamese.data.drawing import stroke_width

    bar = np.zeros((28, 28), dtype=np.float32)
    bar[4:24, 10:13] = 1.0  # 3 px wide, 20 px long: area 60, perimeter 2 * (20 + 3) = 46
    assert stroke_width(bar) == pytest.approx(2 * 60 / 46)
    thin = np.zeros((28, 28), dtype=np.float32)
    thin[4:24, 10] = 1.0
    assert stroke_width(thin) < stroke_width(bar)
    with pytest.raises(ValueError, match="no ink"):
        stroke_width(np.zeros((28, 28)))
