"""The noise floor is an average: what one finite part of the series drew, and who scores below the floor by chance.

The floor is the noise's variance in scaled units, the MSE no forecaster beats on average over endless noise.
A test part holds a finite number of noise values, whose mean square falls above or below that average by
chance; a forecaster can then score under the floor on this part without knowing anything the noise hides.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lstm_core.data.dataset import Dataset

# The rows of the error table (lstm_core.figures.tables.evaluation_table) as a sentence names them.
SPOKEN_NAMES = {"LSTM (yours)": "your LSTM", "last value": "repeating the last value",
                "seasonal naive": "the seasonal naive forecast",
                "linear on the window": "the linear model on the window"}


def drawn_noise(ds: Dataset, split: str) -> float | None:
    """Return the mean square of the noise at a split's targets (scaled units), None when the clean signal is unknown.

    It is the MSE that a forecaster knowing the clean signal exactly would score on that split.
    """
    if ds.clean is None:
        return None
    targets = ds.target_start[split][:, None] + np.arange(ds.horizon)  # (samples, horizon) point indices
    noise = (ds.values - ds.clean)[targets] * ds.scaler.scale_[0]  # (samples, horizon), scaled like y
    return float(np.mean(noise ** 2))


def below_floor(test_mses: Mapping[str, float], floor: float | None) -> dict[str, float]:
    """Return the forecasters whose test MSE is below the noise floor, with their MSE, lowest first (none: no floor)."""
    if floor is None:
        return {}
    beaten = {name: float(mse) for name, mse in test_mses.items() if mse < floor}
    return dict(sorted(beaten.items(), key=lambda item: item[1]))


def floor_note(test_mses: Mapping[str, float], floor: float | None, windows: int,
               noise_here: float | None) -> str | None:
    """Return why forecasters score under the noise floor on this test part, or None when none does.

    test_mses maps a forecaster's table name to its test MSE; windows is the number of test windows;
    noise_here is the mean square of the noise the test part drew (drawn_noise), None when unknown.
    """
    beaten = below_floor(test_mses, floor)
    if not beaten or floor is None:
        return None
    scores = [f"{SPOKEN_NAMES.get(name, name)} ({mse:.5f}, {1 - mse / floor:.1%} under it)"
              for name, mse in beaten.items()]
    listed = scores[0] if len(scores) == 1 else ", ".join(scores[:-1]) + " and " + scores[-1]
    verb = "scores" if len(scores) == 1 else "score"
    text = (f"On this test part {listed} {verb} below the noise floor {floor:.5f}. The floor is an average over "
            f"endless noise; these {windows} test windows drew only a finite sample of it")
    if noise_here is None:
        return text + ", and a finite sample can fall below its average by chance."
    if noise_here < floor:
        return text + (f", which happened to be small: its mean square here is {noise_here:.5f}. Even a forecaster "
                       f"knowing the clean signal would score {noise_here:.5f} on them, so a score below "
                       f"{floor:.5f} here is this part's luck, not skill beyond the noise.")
    return text + (f", with mean square {noise_here:.5f} here, which is what a forecaster knowing the clean signal "
                   f"would score. Scoring lower, a forecaster's errors leaned the same way as this part's noise by "
                   f"chance: the noise is drawn afresh for every point and cannot be learned.")
