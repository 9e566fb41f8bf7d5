"""Figures of a training: the loss curves and the predicted-vs-actual plot."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    FAINT_LINE_COLOR,
    GATE_COLORS,
    PREDICTION_COLOR,
    REFERENCE_LINE_COLOR,
    SERIES_COLOR,
    legend_under_x_axis,
    log_y_axis,
    titled_figure,
)


def loss_figure(train_loss: Sequence[float], val_loss: Sequence[float], batch_loss: Sequence[tuple[float, float]],
                noise_floor: float | None, epochs: int | None = None) -> go.Figure:
    """Return the training and validation loss per epoch, the running batch loss and the noise floor."""
    fig = go.Figure()
    if batch_loss:
        xs, ys = zip(*batch_loss)
        fig.add_scatter(x=xs, y=ys, mode="lines", name="running batch loss", line=dict(color=FAINT_LINE_COLOR, width=1))
    epochs_done = np.arange(1, len(train_loss) + 1)
    fig.add_scatter(x=epochs_done, y=list(train_loss), mode="lines+markers", name="training loss",
                    line=dict(color=PREDICTION_COLOR))
    fig.add_scatter(x=epochs_done[: len(val_loss)], y=list(val_loss), mode="lines+markers", name="validation loss",
                    line=dict(color=GATE_COLORS["f"]))
    if noise_floor is not None and noise_floor > 0:
        # A trace rather than add_hline: hline annotations land in the wrong place on a log axis.
        right = max(epochs or 0, len(train_loss), 1)
        fig.add_scatter(x=[0, right], y=[noise_floor, noise_floor], mode="lines", name="noise floor (best possible)",
                        line=dict(color=REFERENCE_LINE_COLOR, dash="dash"), hoverinfo="skip")
    log_y_axis(fig)
    if epochs:
        fig.update_xaxes(range=[0, epochs + 0.2])
    return titled_figure(fig, "Loss while training (mean squared error, scaled units)", "epoch", "MSE (log scale)",
                   legend=legend_under_x_axis())


def prediction_figure(time: np.ndarray, actual: np.ndarray, predicted: np.ndarray, split: str = "test") -> go.Figure:
    """Return predicted against actual values (series units) over time for one split."""
    fig = go.Figure()
    fig.add_scatter(x=time, y=actual, mode="lines", name="actual", line=dict(color=SERIES_COLOR, width=1))
    fig.add_scatter(x=time, y=predicted, mode="lines", name="LSTM forecast", line=dict(color=PREDICTION_COLOR, width=2))
    return titled_figure(fig, f"Forecast vs actual on the {split} part", "time", "value (series units)",
                   legend=legend_under_x_axis())
