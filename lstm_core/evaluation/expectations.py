"""A learner's guess before a reveal, and the outcome it is held against, both in the same three words."""

from __future__ import annotations

import math

from lstm_core.glassbox.memory_verdict import LIST_R2, TRACE_R2
from lstm_core.glassbox.unit_roles import BARELY as SAME_WITHIN  # a change under 5 % counts as "the same"

EXPECTATIONS = ("worse", "the same", "better")


def outcome_of(ratio: float) -> str:
    """Return "worse", "the same" or "better" for a test error ratio (altered over untouched)."""
    if not math.isfinite(ratio) or ratio >= 1.0 + SAME_WITHIN:
        return "worse"
    return "better" if ratio <= 1.0 - SAME_WITHIN else "the same"


def ratio_words(ratio: float) -> str:
    """Return the change of the test error in words: "the test error is 2.8× larger", "… 12 % smaller"."""
    if not math.isfinite(ratio):
        return "the untouched model's test error is 0, so no ratio can be given"
    if abs(ratio - 1.0) < SAME_WITHIN:
        return f"the test error changes by less than {SAME_WITHIN:.0%} ({ratio:.3f}× the untouched one)"
    if ratio > 1.0:
        return f"the test error is {ratio:.1f}× larger" if ratio >= 1.5 else \
            f"the test error is {ratio - 1.0:.0%} larger"
    return f"the test error is {1.0 - ratio:.0%} smaller"


def guess_verdict(guess: str, outcome: str, what_happened: str) -> str:
    """Return the sentence shown beside a learner's guess once the answer is revealed."""
    if guess == outcome:
        return f"You expected {guess}, and so it is: {what_happened}."
    return f"You expected {guess}; it came out {outcome}: {what_happened}."


READ_BACK = ("almost exactly", "partly", "hardly")


def read_back_of(r2: float) -> str:
    """Return how well a readout reads a value back, in the words of READ_BACK, from its test R²."""
    if math.isfinite(r2) and r2 >= LIST_R2:
        return READ_BACK[0]
    return READ_BACK[1] if math.isfinite(r2) and r2 >= TRACE_R2 else READ_BACK[2]
