"""A learner's guess before a reveal, and the outcome it is held against, both in the same three words."""

from __future__ import annotations

import math
from dataclasses import dataclass

EXPECTATIONS = ("worse", "the same", "better")
SAME_WITHIN = 0.05  # a test error that moves by less than this share counts as "the same"


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


@dataclass(frozen=True)
class Question:
    """A question asked before a reveal: its stable key, its words and the answers a learner picks from."""

    key: str
    text: str
    choices: tuple[str, ...]


NEAR_FLOOR = 0.25  # a final validation loss within 25 % of the noise floor counts as "near it"
FLOOR_QUESTION = Question("train/floor", "Where will the validation loss end?",
                          ("above the noise floor", "near it", "below it"))
LAST_VALUE_QUESTION = Question("train/last-value", "Will your LSTM beat repeating the last value?",
                               ("yes", "no difference", "no, it will lose"))
SPLIT_QUESTION = Question("splits/random", "Will the random split's test score look better or worse than the "
                          "chronological one's?", ("better", "no clear difference", "worse"))
MEMORY_QUESTION = Question("memory/who", "Which one will remember the marked value k steps back?",
                           ("the plain RNN", "the LSTM", "both", "neither"))


def floor_outcome(final_val_loss: float, noise_floor: float) -> str:
    """Return where a final validation loss ended against the noise floor, in FLOOR_QUESTION's words."""
    ratio = final_val_loss / noise_floor
    if ratio > 1.0 + NEAR_FLOOR:
        return FLOOR_QUESTION.choices[0]
    return FLOOR_QUESTION.choices[1] if ratio >= 1.0 - NEAR_FLOOR else FLOOR_QUESTION.choices[2]


def last_value_outcome(judged: str) -> str:
    """Return the answer to LAST_VALUE_QUESTION from a Comparison.outcome against the last value."""
    return {"model better": "yes", "no difference": "no difference", "reference better": "no, it will lose"}[judged]


def split_outcome(clear: bool, opposite: bool) -> str:
    """Return the answer to SPLIT_QUESTION from the lesson's judgement: random flatters clearly, or the opposite."""
    return "better" if clear else "worse" if opposite else "no clear difference"


def memory_outcome(rnn_learned: bool, lstm_learned: bool) -> str:
    """Return the answer to MEMORY_QUESTION from which models learned the task."""
    if rnn_learned and lstm_learned:
        return "both"
    return "the LSTM" if lstm_learned else "the plain RNN" if rnn_learned else "neither"
