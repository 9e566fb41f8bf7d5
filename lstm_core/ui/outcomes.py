"""What a class looking at the same training shares: its live loss chart and its outcome, computed once.

Thirty learners watching one shared training (or opening one stored run) would otherwise each build the
same figures and tables on the server's one core; these are cached per job version and per run instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lstm_core.evaluation.skill import baseline_forecasts, compare, skill_table, skill_verdict
from lstm_core.figures.tables import evaluation_table
from lstm_core.figures.training import loss_figure, prediction_figure


@st.cache_resource(max_entries=256, show_spinner=False)
def _live_loss_figure(job_id: str, version: int, points: int, noise_floor: float | None, _progress) -> go.Figure:
    return loss_figure(_progress.train_loss, _progress.val_loss, _progress.batch_loss, noise_floor, _progress.epochs)


def live_loss_figure(job_id: str, progress, noise_floor: float | None) -> go.Figure:
    """Return the loss chart of a job's progress, drawn once per job and version for all who watch it."""
    points = len(progress.train_loss) + len(progress.batch_loss)
    return _live_loss_figure(job_id, progress.version, points, noise_floor, progress)


@dataclass
class Outcome:
    """What the Train page shows of a finished run: the forecast chart, the error and skill tables, the verdict."""

    forecast: go.Figure
    errors: pd.DataFrame
    skill: pd.DataFrame
    verdict: str
    result: object  # the result it was computed from, held so that its id names no other while cached


@st.cache_resource(max_entries=64, show_spinner=False)
def _outcome(run_key: str, _run, _run_ds) -> Outcome:
    predicted = _run.result.predictions["test"]  # (samples, horizon)
    start = _run_ds.target_start["test"]
    forecast = prediction_figure(_run_ds.time[start], _run_ds.to_original(_run_ds.y["test"][:, 0]),
                                 _run_ds.to_original(predicted[:, 0]))
    comparisons = compare(_run_ds.y["test"], predicted, baseline_forecasts(_run_ds))
    return Outcome(forecast, evaluation_table(_run_ds, predicted), skill_table(comparisons),
                   skill_verdict(comparisons, _run_ds.shape), _run.result)


def run_outcome(run, run_ds) -> Outcome:
    """Return the outcome of a finished run, computed once for every learner who looks at the same run."""
    # A class watching one shared training all hold the same result; a stored run is named by its id.
    return _outcome(run.run_id or f"result-{id(run.result)}", run, run_ds)


def number_columns(table: pd.DataFrame, number_format: str) -> dict:
    """Return a column configuration writing every column of table in number_format."""
    return {column: st.column_config.NumberColumn(format=number_format) for column in table.columns}


