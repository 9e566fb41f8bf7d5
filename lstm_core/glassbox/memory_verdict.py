"""The memory curves in words: what a layer's state keeps, judged against named thresholds.

A readout with R² of at least ``PHASE_R2`` on the clean signal and on its slope means the state knows where
on the wave it is (its phase). The noise of x_{t-k} readable with R² above ``TRACE_R2`` counts as a trace
of that input; above ``LIST_R2`` as the value itself, kept almost exactly. A trace reaching at least
``LONG_TRACE_SHARE`` of the steps that can be read is a long one. Where the clean signal is unknown the
past inputs themselves are judged, read back when their R² reaches ``READ_R2``.
"""

from __future__ import annotations

import math

import numpy as np

from lstm_core.glassbox.readouts import MemoryCurves

PHASE_R2 = 0.9
TRACE_R2 = 0.3
LIST_R2 = 0.9
READ_R2 = 0.5
LONG_TRACE_SHARE = 0.5
SUBJECTS = {"c": "The memory (cell state c)", "h": "The hidden state h"}


def leading_count(r2: np.ndarray, threshold: float) -> int:
    """Return how many readouts from k = 0 on reach the threshold before the first that does not (or is NaN)."""
    reached = np.asarray(r2, dtype=np.float64) >= threshold  # NaN compares False
    return int(np.argmin(reached)) if not reached.all() else len(reached)


def _readable(r2: np.ndarray) -> int:
    """Return how many steps back can be read at all: the k whose input lies inside the window."""
    return int(np.sum(np.isfinite(r2)))


def r2_text(r2: float) -> str:
    """Return R² with two decimals, or three where two would round a readout short of 1 up to 1.00."""
    return f"{r2:.3f}" if 0.995 <= r2 < 1.0 else f"{r2:.2f}"


def _next(r2: np.ndarray) -> str:
    """Return the R² one step further back, as it follows the last input's in a parenthesis."""
    return f"; {r2_text(r2[1])} for k = 1" if len(r2) > 1 and np.isfinite(r2[1]) else ""


def _phase(clean: float, slope: float | None) -> str:
    numbers = f"clean signal R² {r2_text(clean)}" + (f", slope {r2_text(slope)}" if slope is not None else "")
    if clean >= PHASE_R2 and slope is not None and slope >= PHASE_R2:
        return f"keeps the wave's phase ({numbers})"
    if clean >= PHASE_R2:
        return f"keeps the wave's level but not clearly where it is heading ({numbers})"
    return f"keeps no clear phase of the wave ({numbers})"


def _trace(noise: np.ndarray) -> str:
    n, readable = leading_count(noise, TRACE_R2), _readable(noise)
    if n == 0:
        return f"no trace of the inputs' noise (R² {r2_text(noise[0])} for the last input, below {TRACE_R2})"
    if n == readable and n > 1:
        return f"a trace of the noise of every input of the window (R² above {TRACE_R2} up to k = {n - 1})"
    if n == 1:
        return f"a trace of the last input's noise only (R² {r2_text(noise[0])}{_next(noise)})"
    if n >= LONG_TRACE_SHARE * readable:
        return f"a long trace of the inputs' noise, about the last {n} (R² above {TRACE_R2} for k ≤ {n - 1})"
    return f"a fading trace of about the last {n} inputs' noise (R² above {TRACE_R2} for k ≤ {n - 1})"


def _listing(noise: np.ndarray) -> str:
    n, readable = leading_count(noise, LIST_R2), _readable(noise)
    if n == readable and n > 1:
        return "it holds every past value of the window, a list"
    if n >= 2:
        return (f"it holds the last {n} values almost exactly (noise R² above {LIST_R2} for k ≤ {n - 1}), "
                f"not a list of the whole window")
    return "it keeps no list of past values"


def _inputs(inputs: np.ndarray) -> str:
    n, readable = leading_count(inputs, READ_R2), _readable(inputs)
    if n == 0:
        return f"holds none of the past inputs well (R² {r2_text(inputs[0])} for the last input, below {READ_R2})"
    if n == readable and n > 1:
        return f"holds every input of the window (R² above {READ_R2} up to k = {n - 1})"
    if n == 1:
        return f"holds the last input and none before it well (R² {r2_text(inputs[0])}{_next(inputs)})"
    return f"holds about the last {n} inputs (R² above {READ_R2} for k ≤ {n - 1}); older ones fade"


def memory_verdict(curves: MemoryCurves, state: str | None = None) -> str:
    """Return a sentence saying what the state (default c, else h) keeps, computed from its curves.

    Raises ValueError when the curves hold no such state (a plain RNN layer has no c).
    """
    state = state or ("c" if "c" in curves.states else "h")
    if state not in curves.states:
        raise ValueError(f"the curves hold no state {state!r}: they have {sorted(curves.states)}")
    found = curves.states[state]
    subject = SUBJECTS[state]
    if found.noise is None or found.clean is None:
        return f"{subject} {_inputs(found.inputs)}. {curves.unknown or ''}".strip()
    return f"{subject} {_phase(found.clean, found.slope)} and {_trace(found.noise)}; {_listing(found.noise)}."


READ_BACK = ("almost exactly", "partly", "hardly")


def read_back_of(r2: float) -> str:
    """Return how well a readout reads a value back, in the words of READ_BACK, from its test R²."""
    if math.isfinite(r2) and r2 >= LIST_R2:
        return READ_BACK[0]
    return READ_BACK[1] if math.isfinite(r2) and r2 >= TRACE_R2 else READ_BACK[2]

