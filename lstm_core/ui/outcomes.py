"""What a class looking at the same training shares: its live loss chart and its outcome, computed once.

Thirty learners watching one shared training (or opening one stored run) would otherwise each build the
same figures and tables on the server's one core; these are cached per job version and per run instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lstm_core.evaluation.baselines import LAST_VALUE
from lstm_core.evaluation.expectations import (
    FLOOR_QUESTION,
    LAST_VALUE_QUESTION,
    Question,
    floor_outcome,
    last_value_outcome,
)
from lstm_core.evaluation.loss_gap import loss_gap_note, split_difficulty
from lstm_core.evaluation.noise_floor import drawn_noise, floor_note
from lstm_core.evaluation.skill import SPOKEN_NAMES, Comparison, baseline_forecasts, compare, skill_table, skill_verdict
from lstm_core.figures.summaries import forecast_summary
from lstm_core.figures.tables import evaluation_table
from lstm_core.figures.training import loss_figure, prediction_figure
from lstm_core.store.runs import StoreError
from lstm_core.ui import runs as stored_runs
from lstm_core.ui.predictions import reveal_beside
from lstm_core.ui.training_session import FinishedTraining, OpenedFrom


@st.cache_resource(max_entries=256, show_spinner=False)
def _live_loss_figure(job_id: str, version: int, points: int, noise_floor: float | None, _progress) -> go.Figure:
    return loss_figure(_progress.train_loss, _progress.val_loss, _progress.batch_loss, noise_floor, _progress.epochs)


def live_loss_figure(job_id: str, progress, noise_floor: float | None) -> go.Figure:
    """Return the loss chart of a job's progress, drawn once per job and version for all who watch it."""
    points = len(progress.train_loss) + len(progress.batch_loss)
    return _live_loss_figure(job_id, progress.version, points, noise_floor, progress)


@dataclass
class Outcome:
    """What the Train page shows of a finished training: the forecast chart, the error and skill tables, the verdict."""

    forecast: go.Figure
    forecast_summary: str  # the forecast chart in words, from the same arrays
    errors: pd.DataFrame
    skill: pd.DataFrame
    verdict: str
    floor_note: str | None  # why a forecaster scores under the noise floor on this test part, if one does
    loss_gap: str | None  # why the training loss stays above the validation loss, if it does
    comparisons: list[Comparison]  # the model against each baseline, judged against the gap's noise
    result: object  # the result it was computed from, held so that its id names no other while cached


@st.cache_resource(max_entries=64, show_spinner=False)
def _outcome(training_name: str, _training: FinishedTraining, _ds) -> Outcome:
    predicted = _training.result.predictions["test"]  # (samples, horizon)
    start = _ds.target_start["test"]
    actual, forecast_values = _ds.to_original(_ds.y["test"][:, 0]), _ds.to_original(predicted[:, 0])  # (samples,)
    forecast = prediction_figure(_ds.time[start], actual, forecast_values)
    comparisons = compare(_ds.y["test"], predicted, baseline_forecasts(_ds))
    errors = evaluation_table(_ds, predicted)
    test_mses = {str(name): float(mse) for name, mse in errors["MSE"].drop("noise floor", errors="ignore").items()}
    history = _training.result.history
    return Outcome(forecast, forecast_summary(actual, forecast_values), errors, skill_table(comparisons),
                   skill_verdict(comparisons, _ds.shape),
                   floor_note(test_mses, _ds.noise_floor, len(_ds.y["test"]), drawn_noise(_ds, "test")),
                   loss_gap_note(history["loss"], history["val_loss"], _training.model.dropout, split_difficulty(_ds)),
                   comparisons, _training.result)


def training_outcome(training: FinishedTraining, ds) -> Outcome:
    """Return the outcome of a finished training on its dataset ds, computed once for every learner who looks at it."""
    # A class watching one shared training all hold the same result; a stored training is named by its run's id.
    return _outcome(training.run_id or f"result-{id(training.result)}", training, ds)


def number_columns(table: pd.DataFrame, number_format: str) -> dict:
    """Return a column configuration writing every column of table in number_format."""
    return {column: st.column_config.NumberColumn(format=number_format) for column in table.columns}


def reopened_words(opened_from: OpenedFrom | None, stored_at: float | None, epoch_seconds: list[float],
                   epochs_run: int, epochs: int) -> str | None:
    """Return when and how long a training opened from the store or a link trained, or None for a fresh one."""
    if opened_from is None:
        return None
    where = "the store" if opened_from is OpenedFrom.STORE else "a link"
    when = (f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(stored_at))}" if stored_at is not None
            else "at a time the store cannot tell just now")
    seconds = sum(epoch_seconds)
    if epoch_seconds and seconds >= 0.05:
        how_long = f"{epochs_run} of {epochs} epochs in {seconds:.1f} s"
    elif epoch_seconds:
        how_long = f"{epochs_run} of {epochs} epochs in under 0.1 s"
    else:
        how_long = f"{epochs_run} of {epochs} epochs; how long it took was not recorded"
    return f"This run was opened from {where}: trained and stored {when} ({how_long}); nothing was retrained."


@st.cache_data(max_entries=256, show_spinner=False)
def _stored_at(run_id: str) -> float | None:
    store = stored_runs.run_store()
    if store is None:
        raise StoreError("no store")  # not cached: the next page run asks again
    return store.created_at(run_id)


def reopened_summary(training: FinishedTraining) -> str | None:
    """Return when and how long a training opened from the store or a link originally trained, else None."""
    if training.opened_from is None:
        return None
    try:
        stored_at = _stored_at(training.run_id) if training.run_id else None
    except StoreError:
        stored_at = None
    return reopened_words(training.opened_from, stored_at, training.result.epoch_seconds, training.result.epochs_run,
                          training.model.epochs)


def train_questions(ds) -> tuple[Question, ...]:
    """Return the questions asked before Train: where the loss ends needs a known noise floor."""
    return (FLOOR_QUESTION, LAST_VALUE_QUESTION) if ds.noise_floor is not None else (LAST_VALUE_QUESTION,)


def reveal_train_predictions(training: FinishedTraining, ds, outcome: Outcome) -> None:
    """Draw the learner's guesses made before Train beside what this run computed."""
    val_loss = training.result.history["val_loss"]
    if ds.noise_floor is not None and val_loss:
        ratio = val_loss[-1] / ds.noise_floor
        reveal_beside(FLOOR_QUESTION, floor_outcome(val_loss[-1], ds.noise_floor),
                      f"the last validation loss is {val_loss[-1]:.5f}, {ratio:.2f}× the noise floor",
                      training.training_key)
    last_value = next(c for c in outcome.comparisons if c.name == SPOKEN_NAMES[LAST_VALUE])
    reveal_beside(LAST_VALUE_QUESTION, last_value_outcome(last_value.outcome),
                  f"test MSE {last_value.mse:.5f} for the last value, skill {last_value.skill:+.2f}, judged against "
                  f"the noise of the per-window gap", training.training_key)
