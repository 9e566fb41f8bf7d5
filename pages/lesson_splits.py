"""Lesson: how far can you trust a test score? The same model on a random and on a chronological split."""

from dataclasses import asdict

import streamlit as st

from lstm_core.evaluation.expectations import SPLIT_QUESTION, split_outcome
from lstm_core.lessons.splits import (
    SERIES_KINDS,
    SPLIT_BOUNDS,
    SPLIT_KINDS,
    SplitLesson,
    lesson_model,
    lesson_runs,
    run_name,
    scores_from_predictions,
    split_data,
    split_verdict,
)
from lstm_core.lessons.splits_figures import split_scores_figure, split_windows_figure
from lstm_core.training.protocol import JobStatus
from lstm_core.ui import lesson_jobs, navigation, settings
from lstm_core.ui.charts import show_chart
from lstm_core.ui.predictions import ask_before, commit_guesses, reveal_beside
from lstm_core.ui.widgets import progress_fraction, setting_slider, stop_page, valid_choice

LESSON = "splits"

navigation.require_app("pages/lesson_splits.py")
st.title("How far can you trust a test score?")
st.markdown(
    "A test score is meant to say how the model will do on data it has not seen. Cutting a series into "
    "overlapping windows and dealing them out at random, as many tutorials do, puts every test window "
    "between training windows that share almost all its values. A chronological split tests on the "
    "future instead, which is what a forecaster faces. Does the difference matter? Train the same model "
    "both ways, over several seeds, and compare the gap with how much retraining alone moves the score."
)
lesson_settings = settings.lesson_settings("splits", asdict(SplitLesson()))
valid_choice("w_splits_series", SERIES_KINDS)
st.session_state.setdefault("w_splits_series", lesson_settings["series"])
lesson_settings["series"] = st.selectbox("Series", SERIES_KINDS, key="w_splits_series",
                                  help="A sine with white noise, or one whose level moves: a trend, a jump, a random "
                                       "walk.")
columns = st.columns(5)
for column, (field, label, help_text) in zip(columns, [
        ("n_points", "Points", "Length of the series."),
        ("seq_length", "Window", "Past values per window."),
        ("units", "Units", "LSTM units: more can memorise more."),
        ("epochs", "Epochs", "Passes over the training windows."),
        ("seeds", "Seeds", "Each split is trained once per seed (model weights and the random deal).")]):
    with column:
        setting_slider(lesson_settings, "splits", field, label, help=help_text, bounds=SPLIT_BOUNDS)
lesson = SplitLesson(**lesson_settings)

try:
    preview = {how: split_data(lesson, how, seed=0) for how in SPLIT_KINDS}
except ValueError as problem:
    st.warning(f"These settings give no usable split: {problem}. Lengthen the series or shorten the window.")
    stop_page()
show_chart(split_windows_figure(preview), key="splits_windows")
st.caption("Each dot is the target of one window, coloured by the part it was dealt to. Chronological: the "
           "model is tested on the last 15 % of the series. Random: test targets sit between training ones.")


def train_all() -> None:
    """Queue both splits under every seed on the shared pool, holding the learner's guess about them."""
    splits = lesson_runs(lesson)
    seeds = {run_name(how, seed): seed for how in SPLIT_KINDS for seed in range(lesson.seeds)}
    jobs = {name: (split.data, lesson_model(lesson, seeds[name])) for name, split in splits.items()}
    lesson_jobs.start_lesson_jobs(LESSON, (lesson, splits), jobs)
    commit_guesses([SPLIT_QUESTION], lesson_jobs.guess_tag(LESSON))


if not (lesson_jobs.jobs_of(LESSON) and lesson_jobs.jobs_of(LESSON).active):
    ask_before("Before you train: what do you expect?", [SPLIT_QUESTION],
               "Your answer is held when you press the button; the lesson's own runs answer it.")


lesson_jobs.train_and_stop(
    LESSON, "Train both splits", train_all,
    f"{2 * lesson.seeds} trainings: each split under each seed, through the shared queue.",
    "Stop every run after its current batch.")


def draw_outcome(done_runs: lesson_jobs.LessonJobs, results: dict) -> None:
    """Draw both splits' scores per seed and the verdict computed from them."""
    done_lesson, splits = done_runs.settings
    if done_runs.outcome is None:
        predictions = {name: result.predictions["test"] for name, result in results.items()}
        done_runs.outcome = scores_from_predictions(done_lesson, splits, predictions)
    scores = done_runs.outcome
    st.subheader(f"The scores: {done_lesson.series}, {done_lesson.n_points} points, LSTM({done_lesson.units}), "
                 f"{done_lesson.epochs} epochs")
    (st.warning if scores.clear else st.info)(split_verdict(scores))
    reveal_beside(SPLIT_QUESTION, split_outcome(scores.clear, scores.opposite),
                  f"chronological over random test error ×{scores.ratio:.2f}, judged against the seeds' spread",
                  lesson_jobs.guess_tag(LESSON))
    show_chart(split_scores_figure(scores), key="splits_scores")
    stopped = [name for name, result in results.items() if result.status == JobStatus.STOPPED]
    if stopped:
        st.caption(f"Stopped early: {', '.join(stopped)}; their scores are those of the weights trained so far.")


def draw_progress(current: lesson_jobs.LessonJobs) -> None:
    """Draw one bar for all runs, and which of them still wait in the queue."""
    snapshots = {name: job.progress() for name, job in current.jobs.items()}
    finished = sum(p.status.finished for p in snapshots.values())
    overall = (1.0 if finished == len(snapshots)
               else sum(progress_fraction(p) for p in snapshots.values()) / len(snapshots))
    st.progress(overall, text=f"{finished} of {len(snapshots)} trainings finished")
    waiting = [name for name, p in snapshots.items() if p.status == JobStatus.QUEUED]
    if current.active and waiting:
        st.caption(f"Waiting in the queue: {', '.join(waiting)}.")


lesson_jobs.live_jobs(LESSON, f"Press **Train both splits**: {2 * lesson.seeds} small trainings share the "
                      f"server's queue.", draw_outcome, draw_progress)
