"""The gate and state colours stay apart for every common colour-vision deficiency, and readable on white.

Each deficiency is simulated with the matrices of Machado, Oliveira & Fernandes (2009) at severity 1.0,
applied in linear RGB; the distance of two simulated colours is CIEDE2000 in CIELAB (D65).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lstm_core.figures.style import GATE_COLORS, GATE_TEXT_COLORS

MACHADO_2009 = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
    "typical vision": np.eye(3),
}
MIN_DELTA_E = 10.0  # CIEDE2000: about 2.3 is a just-noticeable difference; 10 tells two lines apart at a glance
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
D65_WHITE = np.array([0.95047, 1.0, 1.08883])


def linear_rgb(hex_color: str) -> np.ndarray:
    """Return "#rrggbb" as linear RGB (3,) in [0, 1]."""
    srgb = np.array([int(hex_color.lstrip("#")[k:k + 2], 16) for k in (0, 2, 4)]) / 255  # (3,)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(linear: np.ndarray) -> np.ndarray:
    """Return CIELAB (3,) of a linear RGB colour (3,), clipped to the gamut first."""
    ratio = SRGB_TO_XYZ @ np.clip(linear, 0, 1) / D65_WHITE  # (3,)
    f = np.where(ratio > (6 / 29) ** 3, np.cbrt(ratio), ratio / (3 * (6 / 29) ** 2) + 4 / 29)  # (3,)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(first: np.ndarray, second: np.ndarray) -> float:
    """Return the CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu & Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = first, second
    chroma_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(chroma_mean ** 7 / (chroma_mean ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    delta_l, delta_c = l2 - l1, c2 - c1
    delta_h = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    rotation = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    r_t = -np.sin(np.radians(2 * rotation)) * r_c
    return float(np.sqrt((delta_l / s_l) ** 2 + (delta_c / s_c) ** 2 + (delta_h / s_h) ** 2
                         + r_t * (delta_c / s_c) * (delta_h / s_h)))


def contrast_on_white(hex_color: str) -> float:
    """Return the WCAG contrast ratio of hex_color on white."""
    luminance = float(np.array([0.2126, 0.7152, 0.0722]) @ linear_rgb(hex_color))
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize(("first", "second", "expected"), [
    # Sharma, Wu & Dalal (2005), table 1: pairs 1, 7 and 17 of their test data.
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
])
def test_ciede2000_matches_the_published_test_data(first, second, expected):
    assert ciede2000(np.array(first), np.array(second)) == pytest.approx(expected, abs=1e-4)


def test_deuteranopia_merges_red_and_green_as_published():
    # The simulation itself: pure red and pure green, far apart for typical vision, come close without M cones.
    red, green = linear_rgb("#ff0000"), linear_rgb("#00ff00")
    matrix = MACHADO_2009["deuteranopia"]
    assert ciede2000(lab(red), lab(green)) > 80
    assert ciede2000(lab(matrix @ red), lab(matrix @ green)) < 30


@pytest.mark.parametrize("vision", MACHADO_2009)
def test_every_pair_of_gate_colours_stays_apart(vision):
    matrix = MACHADO_2009[vision]
    seen = {key: lab(matrix @ linear_rgb(color)) for key, color in GATE_COLORS.items()}
    distances = {(a, b): ciede2000(seen[a], seen[b]) for a, b in itertools.combinations(seen, 2)}
    too_close = {pair: round(distance, 1) for pair, distance in distances.items() if distance < MIN_DELTA_E}
    assert not too_close, f"under {vision} these gate colours come closer than ΔE00 {MIN_DELTA_E}: {too_close}"


@pytest.mark.parametrize("key", GATE_COLORS)
def test_gate_colours_are_readable_on_white(key):
    assert contrast_on_white(GATE_COLORS[key]) >= 3.0  # a chart's marks (WCAG 1.4.11)
    assert contrast_on_white(GATE_TEXT_COLORS[key]) >= 4.5  # body text (WCAG 1.4.3)
