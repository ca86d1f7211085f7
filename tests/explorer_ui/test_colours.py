"""The app's colours, as people with a colour-vision deficiency see them.

Each colour is passed through Machado, Oliveira and Fernandes's (2009) simulation of a full
(severity 1) red-green deficiency, as implemented by colour-science, then compared in CIELAB with the
CIEDE2000 colour difference. A difference of about 2 is just noticeable side by side; 10 and more
tells two small map dots apart at a glance.
"""

import itertools

import colour
import numpy as np
import pytest

from explorer_ui.pictures import DIFFERENT_COLOUR, DIGIT_COLOURS, SAME_COLOUR, hex_to_rgb

# Red-green deficiencies: about one boy in twelve. (The model's tritan matrices are an approximation.)
VISIONS = {"normal vision": None, "deuteranopia": "Deuteranomaly", "protanopia": "Protanomaly"}
DIGITS_APART = 10.0  # the two closest of the ten digit colours, CIEDE2000
RIGHT_WRONG_APART = 40.0  # right and wrong, shown as large frames and bars
# What the app used before: Plotly's category10 for the digits, and green and red for right and wrong.
OLD_DIGIT_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
OLD_RIGHT_WRONG = ("#16a34a", "#dc2626")


def seen_as(colours, vision: str) -> np.ndarray:
    """``(n, 3)`` CIELAB (D65) of ``"#rrggbb"`` colours as seen with ``vision``."""
    linear = colour.cctf_decoding(np.array([hex_to_rgb(value) for value in colours], dtype=np.float64), function="sRGB")
    deficiency = VISIONS[vision]
    if deficiency is not None:  # the simulation works on linear RGB
        linear = np.clip(linear @ colour.blindness.matrix_cvd_Machado2009(deficiency, 1.0).T, 0.0, 1.0)
    srgb = colour.RGB_COLOURSPACES["sRGB"]
    return colour.XYZ_to_Lab(colour.RGB_to_XYZ(linear, srgb, apply_cctf_decoding=False), srgb.whitepoint)


def closest_pair(colours, vision: str) -> tuple[float, str, str]:
    """The smallest CIEDE2000 difference between two of ``colours`` as seen with ``vision``, and which two."""
    lab = seen_as(colours, vision)
    return min(
        (float(colour.delta_E(lab[i], lab[j], method="CIE 2000")), colours[i], colours[j])
        for i, j in itertools.combinations(range(len(colours)), 2)
    )


def test_the_simulation_keeps_greys_grey_and_merges_red_and_green_for_deuteranopes():
    """Checked by hand against what the simulation is known to do."""
    for vision in VISIONS:
        _, a, b = seen_as(["#808080"], vision)[0]
        assert abs(a) < 0.05 and abs(b) < 0.05  # a grey has no colour to lose
    assert closest_pair(["#ff0000", "#00ff00"], "normal vision")[0] > 80
    assert closest_pair(["#ff0000", "#00ff00"], "deuteranopia")[0] < 25


@pytest.mark.parametrize("vision", VISIONS)
def test_the_ten_digit_colours_stay_apart(vision):
    assert len(set(DIGIT_COLOURS)) == 10
    distance, first, second = closest_pair(DIGIT_COLOURS, vision)
    assert distance >= DIGITS_APART, f"{first} and {second} differ by only {distance:.1f} with {vision}"


@pytest.mark.parametrize("vision", VISIONS)
def test_right_and_wrong_stay_apart(vision):
    distance, _, _ = closest_pair([SAME_COLOUR, DIFFERENT_COLOUR], vision)
    assert distance >= RIGHT_WRONG_APART, f"right and wrong differ by only {distance:.1f} with {vision}"


@pytest.mark.parametrize("vision", ["deuteranopia", "protanopia"])
def test_the_old_colours_fail_these_checks(vision):
    """The checks above would have caught the old palette: orange and green 1s and 2s, green and red calls."""
    assert closest_pair(OLD_DIGIT_COLOURS, vision)[0] < DIGITS_APART
    assert closest_pair(OLD_RIGHT_WRONG, vision)[0] < RIGHT_WRONG_APART
