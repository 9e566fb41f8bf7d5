"""Inputs beside the series' own past, generated with a known part in the target, and how much each explains.

A driver leads the target: target_t = signal_t + weight * driver_{t - lead} + noise_t, so the driver's value
`lead` steps back carries a known share of the target. A distractor is pure noise: it explains nothing. A
calendar gives the wave's phase (sin 2 pi t / period): it explains what the wave itself does. Each input is
drawn from a generator of its own, so adding one leaves the series' noise and every other input unchanged.
"""

from __future__ import annotations

import numpy as np

from lstm_core.config import EXTRA_INPUTS, SeriesConfig

OWN_PAST = "own past"  # the series' own past values, feature 0 of every window
DRIVER_MEMORY = 0.5  # the driver is an AR(1) process: half of each value carries on, the rest is new


def _input_rng(cfg: SeriesConfig, name: str) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, 1 + EXTRA_INPUTS.index(name)])


def driver_values(cfg: SeriesConfig) -> np.ndarray:
    """Return the driver (n_points + driver_lead,): its first driver_lead values come before the series starts."""
    rng = _input_rng(cfg, "driver")
    length = cfg.n_points + cfg.driver_lead
    shocks = rng.normal(0.0, np.sqrt(1 - DRIVER_MEMORY**2), size=length)  # (length,) unit stationary variance
    driver = np.empty(length)  # (length,)
    driver[0] = rng.normal()
    for t in range(1, length):
        driver[t] = DRIVER_MEMORY * driver[t - 1] + shocks[t]
    return driver


def driver_term(cfg: SeriesConfig) -> np.ndarray:
    """Return what the driver adds to the target at each point (n_points,): weight * driver_{t - lead}, or zeros."""
    if "driver" not in cfg.inputs:
        return np.zeros(cfg.n_points)
    return cfg.driver_weight * driver_values(cfg)[: cfg.n_points]  # (n_points,) driver_{t - lead}


def extra_input_values(cfg: SeriesConfig, time: np.ndarray) -> np.ndarray:
    """Return the extra inputs of cfg as columns (n_points, len(cfg.inputs)), in cfg.inputs' order."""
    columns = []
    for name in cfg.inputs:
        if name == "driver":
            columns.append(driver_values(cfg)[cfg.driver_lead:])  # (n_points,) the driver at t
        elif name == "distractor":
            columns.append(_input_rng(cfg, name).normal(0.0, 1.0, size=cfg.n_points))  # (n_points,)
        else:
            columns.append(np.sin(2 * np.pi * time / cfg.period))  # (n_points,) the wave's phase
    return np.column_stack(columns) if columns else np.empty((cfg.n_points, 0))  # (n_points, inputs)


def known_shares(cfg: SeriesConfig, clean: np.ndarray, values: np.ndarray, time: np.ndarray) -> dict[str, float]:
    """Return, per extra input of cfg, the share of the target's variance it accounts for by construction.

    clean, values and time are generate_series' (n_points,) arrays. The driver accounts for its own term; the
    calendar for the part of the signal that its phase (sine and cosine) fits; the distractor for nothing.
    """
    total = float(np.var(values))
    term = driver_term(cfg)  # (n_points,)
    signal = clean - term  # (n_points,) the wave without the driver's part
    phase = 2 * np.pi * time / cfg.period  # (n_points,)
    basis = np.column_stack([np.sin(phase), np.cos(phase), np.ones_like(phase)])  # (n_points, 3)
    fitted = basis @ np.linalg.lstsq(basis, signal, rcond=None)[0]  # (n_points,)
    by_input = {"driver": float(np.var(term)), "distractor": 0.0, "calendar": float(np.var(fitted))}
    return {name: by_input[name] / total if total > 0 else 0.0 for name in cfg.inputs}
