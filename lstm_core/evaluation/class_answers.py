"""A class's answers beside what happened: the tally of a question, the board's lever question and its outcome.

The board asks the class "Will a longer window help?" before it shows the window's verdict. The outcome is the
board's own lever verdict (lstm_core.evaluation.levers), computed from the class's runs: the window helped
(a lower score at the longer window), hurt, made no difference here, or the runs are too few to say, in which
case no choice is the outcome and the sentence says what cannot be told yet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lstm_core.evaluation.levers import MATTERS, NO_DIFFERENCE, LeverVerdict


@dataclass(frozen=True)
class ClassQuestion:
    """A question the class answers on the board: its key, its words, its choices and what each choice expects."""

    key: str
    text: str
    choices: tuple[str, ...]
    expectations: tuple[str, ...]  # per choice, what a learner choosing it expected, for the outcome sentence


HELPS, SAME, HURTS = "Yes, a lower error", "No difference", "No, a higher error"
WINDOW_QUESTION = ClassQuestion(
    key="board/longer-window",
    text="Will a longer window help?",
    choices=(HELPS, SAME, HURTS),
    expectations=("expected a longer window to help", "expected no difference", "expected a longer window to hurt"),
)
CLASS_QUESTIONS = {question.key: question for question in (WINDOW_QUESTION,)}


@dataclass(frozen=True)
class TallyBar:
    """One bar of a tally: an answer, how many gave it, and whether it is one of the question's choices."""

    answer: str
    count: int
    is_choice: bool


def tally_bars(tally: Mapping[str, int], choices: Sequence[str] = ()) -> list[TallyBar]:
    """Return a bar per choice in the choices' order (0 for a choice nobody gave), then other answers, most first."""
    bars = [TallyBar(choice, int(tally.get(choice, 0)), True) for choice in choices]
    others = sorted(((answer, count) for answer, count in tally.items() if answer not in choices),
                    key=lambda pair: (-pair[1], pair[0]))
    return bars + [TallyBar(answer, int(count), False) for answer, count in others]


def tally_text(bars: Sequence[TallyBar]) -> str:
    """Return a tally in words, for a screen reader and anyone who would rather read it: "Yes: 3; No: 1 (4 answers)"."""
    total = sum(bar.count for bar in bars)
    if total == 0:
        return "No answer yet."
    parts = "; ".join(f"{bar.answer}: {bar.count}" for bar in bars)
    return f"{parts} ({total} answer{'s' if total != 1 else ''})."


def window_outcome(verdict: LeverVerdict) -> str | None:
    """Return the window question's choice the window's lever verdict bears out, or None when it cannot tell."""
    if verdict.lever != "seq_length":
        raise ValueError(f"the window question is answered by the window's verdict, not by {verdict.lever!r}")
    if verdict.verdict == NO_DIFFERENCE:
        return SAME
    if verdict.verdict == MATTERS:
        # The effect goes from the shorter window to the longer one, and a lower score is better.
        return HELPS if verdict.effect < 0 else HURTS
    return None


def outcome_sentence(question: ClassQuestion, tally: Mapping[str, int], outcome: str | None,
                     verdict_words: str) -> str:
    """Return the class's answers beside the outcome, or what cannot be told yet and why (verdict_words).

    For example "18 of 27 expected a longer window to help; the class's own runs say: no difference here".
    """
    total = sum(int(count) for count in tally.values())
    if total == 0:
        answered = "Nobody answered"
    else:
        # The choice most learners gave leads the sentence; ties go to the earlier choice.
        counts = [int(tally.get(choice, 0)) for choice in question.choices]
        most = max(range(len(counts)), key=lambda index: (counts[index], -index))
        answered = f"{counts[most]} of {total} {question.expectations[most]}"
    if outcome is None:
        return f"{answered}; the class's own runs cannot tell yet: {_lower_first(verdict_words)}"
    said = {HELPS: "a longer window helps", SAME: "no difference here", HURTS: "a longer window hurts"}.get(
        outcome, outcome)
    return f"{answered}; the class's own runs say: {said}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


@dataclass(frozen=True)
class ExitRow:
    """One learner's exit-ticket answer for the teacher's table and CSV."""

    question: str
    answer: str
    nickname: str
    answered_at: float  # seconds since the epoch


def exit_ticket_tallies(questions: Sequence[str], answers_by_key: Mapping[str, Iterable[str]],
                        keys: Sequence[str]) -> list[tuple[str, list[TallyBar]]]:
    """Return, per exit-ticket question, its text and the tally of its answers.

    Answers that differ only in case and spacing count together, under the form given first.
    """
    tallies = []
    for question, key in zip(questions, keys):
        counts: dict[str, int] = {}
        shown: dict[str, str] = {}
        for answer in answers_by_key.get(key, ()):
            text = " ".join(answer.split())
            same = shown.setdefault(text.casefold(), text)
            counts[same] = counts.get(same, 0) + 1
        tallies.append((question, tally_bars(counts)))
    return tallies


def exit_ticket_csv(rows: Sequence[ExitRow]) -> str:
    """Return the exit ticket's answers as CSV text (question, answer, nickname, answered_at), every cell as text."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(["question", "answer", "nickname", "answered_at"])
    for row in rows:
        writer.writerow([_csv_cell(row.question), _csv_cell(row.answer), _csv_cell(row.nickname),
                         f"{row.answered_at:.0f}"])
    return out.getvalue()


def _csv_cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: a learner's answer stays text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
