"""Digits as pictures for st.image: sizes, frames and pixel values, checked by hand."""

import numpy as np
import pytest

from explorer_ui.pictures import (
    DIFFERENT_COLOUR,
    PAGE_GREY,
    SAME_COLOUR,
    digit_grid,
    digit_picture,
    hex_to_rgb,
    pair_picture,
    thumbnail,
    tint,
)


def test_hex_colours_become_unit_rgb():
    np.testing.assert_allclose(hex_to_rgb("#ff8000"), [1.0, 128 / 255, 0.0])
    with pytest.raises(ValueError, match="rrggbb"):
        hex_to_rgb("red")


def test_a_digit_picture_enlarges_each_pixel_into_a_block_and_frames_it():
    image = np.zeros((28, 28), dtype=np.float32)
    image[0, 0], image[27, 27] = 1.0, 0.5
    picture = digit_picture(image, scale=3)
    assert picture.shape == (84, 84, 3) and picture.dtype == np.uint8
    assert np.all(picture[:3, :3] == 255) and np.all(picture[81:, 81:] == 128) and picture[3, 3, 0] == 0
    framed = digit_picture(image, frame=SAME_COLOUR, scale=2, border=4)
    assert framed.shape == (64, 64, 3)
    green = np.rint(hex_to_rgb(SAME_COLOUR) * 255)
    for edge in (framed[0], framed[-1], framed[:, 0], framed[:, -1]):
        assert np.all(edge == green)
    assert np.all(framed[4:6, 4:6] == 255)  # the digit's first pixel, just inside the frame


def test_a_pair_picture_sets_two_digits_side_by_side_in_one_frame():
    left, right = np.ones((28, 28), dtype=np.float32), np.zeros((28, 28), dtype=np.float32)
    picture = pair_picture(left, right, DIFFERENT_COLOUR)
    assert picture.shape == (28 * 3 + 10, (28 + 4 + 28) * 3 + 10, 3)
    red = np.rint(hex_to_rgb(DIFFERENT_COLOUR) * 255)
    assert np.all(picture[0] == red) and np.all(picture[5:89, 5:89] == 255)
    assert np.all(picture[5:89, 5 + 84 : 5 + 96] == 0)  # the dark gap


def test_a_dashed_frame_alternates_its_colour_with_white_gaps_along_every_edge():
    image = np.zeros((28, 28), dtype=np.float32)
    picture = digit_picture(image, frame=DIFFERENT_COLOUR, dashed=True, scale=2, border=2)  # 60 x 60
    colour = np.rint(hex_to_rgb(DIFFERENT_COLOUR) * 255)
    # Dashes 6 px long and gaps 3 px, counted from each edge's start: the top edge reads 6 on, 3 off, ...
    expected = (np.arange(60) % 9) < 6
    for edge in (picture[0], picture[1], picture[-1], picture[:, 0], picture[:, -2]):
        is_colour = np.all(edge == colour, axis=1)
        assert np.array_equal(is_colour, expected)
        assert np.all(edge[~is_colour] == 255)  # the gaps are white, not the digit's black
    assert np.all(picture[2:-2, 2:-2] == 0)  # the digit is untouched
    solid = digit_picture(image, frame=DIFFERENT_COLOUR, scale=2, border=2)
    assert np.all(solid[0] == colour) and np.all(solid[:, -1] == colour)


def test_a_tint_mixes_a_colour_with_white():
    assert tint("#0072b2", 1.0) == "#0072b2" and tint("#0072b2", 0.0) == "#ffffff"
    assert tint("#000000", 0.2) == "#cccccc"  # 255 - 0.2 * 255 = 204


def test_a_grid_tiles_digits_row_by_row_with_gaps():
    images = np.stack([np.full((28, 28), value, dtype=np.float32) for value in (1.0, 0.0, 0.5)])
    mosaic = digit_grid(images, columns=2, scale=1, gap=2)
    assert mosaic.shape == (2 * 30 + 2, 2 * 30 + 2)
    assert np.all(mosaic[2:30, 2:30] == 255) and np.all(mosaic[2:30, 32:60] == 0)
    assert np.all(mosaic[32:60, 2:30] == 128) and np.all(mosaic[32:60, 32:60] == 40)  # the empty cell
    assert np.all(mosaic[0:2] == 40)


def test_a_thumbnail_is_square_sharp_and_centred_on_grey():
    step = np.ones((10, 5), dtype=np.float32)
    square = thumbnail(step, size=112)
    assert square.shape[0] == square.shape[1] >= 112
    np.testing.assert_allclose(np.unique(square), [PAGE_GREY, 1.0])  # whole-pixel enlargement: nothing blurred
    ink_columns = np.flatnonzero((square == 1.0).any(axis=0))
    assert abs((ink_columns.min() + ink_columns.max()) / 2 - (square.shape[1] - 1) / 2) <= 1


def test_small_distances_keep_a_fourth_decimal():
    from explorer_ui.formatting import format_distance

    assert [format_distance(value) for value in (0.25491, 1.5, 0.0123456, 0.0000586, 0.0)] == [
        "0.255",
        "1.500",
        "0.0123",
        "0.0001",
        "0.0000",
    ]


def test_the_patch_picture_draws_a_line_between_every_two_patches():
    from explorer_ui.pictures import ACCENT_COLOUR, hex_to_rgb, patch_picture

    picture = patch_picture(np.zeros((28, 28), dtype=np.float32), patch_size=7, scale=2)
    assert picture.shape == (56, 56, 3)
    accent = np.rint(hex_to_rgb(ACCENT_COLOUR) * 255)
    lined = [row for row in range(56) if (picture[row, :, :] == accent).all()]
    assert lined == [0, 13, 14, 27, 28, 41, 42, 55]  # each border of four 7-pixel patches, 2 px wide
    assert (picture[5, 5] == 0).all()  # inside a patch the (black) digit shows through
