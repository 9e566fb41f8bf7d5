"""A class's answers beside the outcome: the tally's bars and words, the window question judged by the board's runs."""

import csv
import io

import pytest

from lstm_core.evaluation.class_answers import (
    HELPS,
    HURTS,
    SAME,
    WINDOW_QUESTION,
    ExitRow,
    exit_ticket_csv,
    exit_ticket_tallies,
    outcome_sentence,
    tally_bars,
    tally_text,
    window_outcome,
)
from lstm_core.evaluation.levers import MATTERS, NO_DIFFERENCE, TOO_FEW, BoardPost, judge_levers

BASE = {"seq_length": 20, "units": 32, "layers": 2, "dropout": 0.2, "learning_rate": 0.001, "epochs": 20,
        "batch_size": 32}
SEED_SCORES = (1.00, 1.02, 0.98, 1.01)  # the seed's own spread: sd 0.017


def window_verdict(scores_at_40: tuple[float, ...]):
    """Return the window's verdict of a board: four seeds at window 20 (SEED_SCORES), the same seeds at 40."""
    posts = [BoardPost({**BASE, "seed": seed}, score) for seed, score in enumerate(SEED_SCORES)]
    posts += [BoardPost({**BASE, "seq_length": 40, "seed": seed}, score) for seed, score in enumerate(scores_at_40)]
    return next(verdict for verdict in judge_levers(posts) if verdict.lever == "seq_length")


def test_the_tally_has_a_bar_per_choice_in_order_then_other_answers():
    bars = tally_bars({"No difference": 18, "Yes, a lower error": 7, "<b>maybe</b>": 2}, WINDOW_QUESTION.choices)
    assert [(bar.answer, bar.count, bar.is_choice) for bar in bars] == [
        (HELPS, 7, True), (SAME, 18, True), (HURTS, 0, True), ("<b>maybe</b>", 2, False)]
    assert tally_text(bars) == ("Yes, a lower error: 7; No difference: 18; No, a higher error: 0; "
                                "<b>maybe</b>: 2 (27 answers).")
    assert tally_text(tally_bars({}, ())) == "No answer yet."
    assert [bar.answer for bar in tally_bars({"b": 1, "a": 1, "c": 3})] == ["c", "a", "b"]


def test_a_longer_window_that_lowers_the_score_helps_and_one_that_raises_it_hurts():
    helped = window_verdict((0.50, 0.52, 0.48, 0.51))
    assert helped.verdict == MATTERS and helped.effect < 0 and window_outcome(helped) == HELPS
    hurt = window_verdict((1.50, 1.52, 1.48, 1.51))
    assert hurt.verdict == MATTERS and window_outcome(hurt) == HURTS


def test_no_difference_here_is_an_outcome_and_the_sentence_says_so():
    same = window_verdict((1.01, 0.99, 1.00, 1.02))
    assert same.verdict == NO_DIFFERENCE and window_outcome(same) == SAME
    tally = {HELPS: 18, SAME: 6, HURTS: 3}
    assert outcome_sentence(WINDOW_QUESTION, tally, window_outcome(same), same.words) == (
        "18 of 27 expected a longer window to help; the class's own runs say: no difference here")


def test_too_few_runs_give_no_outcome_and_the_sentence_says_what_cannot_be_told():
    posts = [BoardPost({**BASE, "seed": 0}, 1.0), BoardPost({**BASE, "seq_length": 40, "seed": 0}, 0.5)]
    few = next(verdict for verdict in judge_levers(posts) if verdict.lever == "seq_length")
    assert few.verdict == TOO_FEW and window_outcome(few) is None
    sentence = outcome_sentence(WINDOW_QUESTION, {SAME: 2, HURTS: 2}, None, few.words)
    assert sentence.startswith("2 of 4 expected no difference; the class's own runs cannot tell yet: too few runs")
    assert outcome_sentence(WINDOW_QUESTION, {}, SAME, "").startswith("Nobody answered;")
    with pytest.raises(ValueError, match="window"):
        window_outcome(next(verdict for verdict in judge_levers(posts) if verdict.lever == "units"))


def test_exit_ticket_answers_are_tallied_per_question_and_exported_as_text():
    tallies = exit_ticket_tallies(["Which lever?", "What does f do?"],
                                  {"exit/1/1": ["window", " Window ", "units"], "exit/1/2": ["forgets"]},
                                  ["exit/1/1", "exit/1/2"])
    assert [(q, [(b.answer, b.count) for b in bars]) for q, bars in tallies] == [
        ("Which lever?", [("window", 2), ("units", 1)]), ("What does f do?", [("forgets", 1)])]
    text = exit_ticket_csv([ExitRow("Which lever?", "=HYPERLINK(\"x\")", "<b>Ann</b>", 1000.4)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["question", "answer", "nickname", "answered_at"],
                    ["Which lever?", "'=HYPERLINK(\"x\")", "<b>Ann</b>", "1000"]]
