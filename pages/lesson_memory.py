"""Lesson: why an LSTM and not a plain RNN. Both learn a task that needs a long memory; the gradients say why."""

from dataclasses import asdict, replace

import numpy as np
import streamlit as st

from lstm_core.evaluation.expectations import MEMORY_QUESTION, memory_outcome
from lstm_core.figures.memory import compared_readouts_figure
from lstm_core.glassbox.memory_verdict import memory_verdict as readout_verdict
from lstm_core.lessons.memory import (
    INDEPENDENT_INPUTS,
    LEARNED,
    MARKER_SPAN,
    MEMORY_BOUNDS,
    MemoryTask,
    gradient_statement,
    lesson_outcome,
    memory_data,
    memory_model,
    memory_verdict,
    memory_windows,
)
from lstm_core.lessons.memory_figures import gradient_reach_figure, memory_curves_figure, task_window_figure
from lstm_core.training.protocol import JobStatus
from lstm_core.ui import lesson_jobs, navigation, settings
from lstm_core.ui.charts import show_chart
from lstm_core.ui.predictions import ask_before, commit_guesses, reveal_beside
from lstm_core.ui.widgets import setting_slider

LESSON = "memory"
MODELS = {"plain RNN": "rnn", "LSTM": "lstm"}

navigation.require_app("pages/lesson_memory.py")
st.title("Why an LSTM and not a plain RNN?")
st.markdown(
    "Both read a window one step at a time and keep a memory. A plain RNN keeps one vector h and rewrites "
    "all of it at every step: h_t = tanh(x_t W + h_(t-1) U + b). An LSTM adds a cell state c that a forget "
    "gate can keep almost untouched. Here both get the same task, one that cannot be solved without "
    "remembering a value for k steps, and the same number of units."
)
if settings.series_settings().get("inputs"):
    st.caption("This lesson has a task of its own, not your series: each step feeds a value and a mark that says "
               "whether to remember it, so the inputs you added on the Data page play no part here.")
task_settings = settings.lesson_settings("memory", asdict(MemoryTask()))
k_col, units_col, epochs_col = st.columns(3)
with k_col:
    setting_slider(task_settings, "memory", "k", "k: how many steps back (at least)", bounds=MEMORY_BOUNDS,
                   help="The marked value lies between k and k + 9 steps before the forecast.")
with units_col:
    setting_slider(task_settings, "memory", "units", "Units (both models)", bounds=MEMORY_BOUNDS,
                   help="Both models get this many units in their one recurrent layer.")
with epochs_col:
    setting_slider(task_settings, "memory", "epochs", "Epochs", bounds=MEMORY_BOUNDS,
                   help="Passes over the 2000 training windows.")
task = MemoryTask(**task_settings)

example, target, _ = memory_windows(task, 1, seed=task.seed * 10 + 2)
show_chart(task_window_figure(example[0], float(target[0, 0])), key="memory_window")
st.caption(f"Every step is random noise between -1 and 1. One of the first {MARKER_SPAN} steps carries a "
           f"marker (green): the model must answer with that value, {task.k} to {task.k + MARKER_SPAN - 1} steps "
           f"later. Guessing the mean scores the value's variance, about 0.33; remembering scores near 0.")



def train_both() -> None:
    """Queue the plain RNN and the LSTM of the current settings on the same windows, holding the guess about them."""
    data = memory_data(task)  # both models learn from the same windows
    jobs = {name: (data, memory_model(task, cell)) for name, cell in MODELS.items()}
    lesson_jobs.start_lesson_jobs(LESSON, task, jobs)
    commit_guesses([MEMORY_QUESTION], lesson_jobs.guess_tag(LESSON))


if not (lesson_jobs.jobs_of(LESSON) and lesson_jobs.jobs_of(LESSON).active):
    ask_before("Before you train: what do you expect?", [MEMORY_QUESTION],
               "Your answer is held when you press Train both; the two trained models answer it.")


lesson_jobs.train_and_stop(LESSON, "Train both", train_both,
                           "Train a plain RNN and an LSTM of the same size on the same windows, side by side.",
                           "Stop both after the current batch and keep what they learned.")


def draw_outcome(done_runs: lesson_jobs.LessonJobs, results: dict) -> None:
    """Draw the verdict, the final learning curves and both gradient charts of finished runs."""
    done_task, data = done_runs.settings, done_runs.data["LSTM"]
    if done_runs.outcome is None:  # the gradients and readouts of 400 windows: computed once per run
        done_runs.outcome = lesson_outcome(results, data)
    rnn, lstm = done_runs.outcome.models["plain RNN"], done_runs.outcome.models["LSTM"]
    guess_mean = float(np.var(data.y_test))
    st.subheader(f"The outcome at k = {done_task.k}")
    conclusion = memory_verdict(done_task, rnn, lstm)
    (st.success if lstm.grade == "learned" and rnn.grade != "learned" else st.info)(conclusion)
    reveal_beside(MEMORY_QUESTION, memory_outcome(rnn.grade == "learned", lstm.grade == "learned"),
                  f"the plain RNN explains {rnn.explained:.0%} of the marked value, the LSTM {lstm.explained:.0%}; "
                  f"learned means {LEARNED:.0%} or more", lesson_jobs.guess_tag(LESSON))
    for col, outcome in zip(st.columns(2), (rnn, lstm)):
        col.metric(f"{outcome.name}: share of the marked value explained", f"{outcome.explained:.0%}",
                   help="1 − test MSE / variance of the marked value: 100 % is a perfect memory, 0 % guessing the "
                        "mean.")
        col.caption(f"Test MSE {outcome.test_mse:.4f} against {guess_mean:.4f} for guessing the mean; "
                    f"{results[outcome.name].epochs_run} epochs. Below 0 % is worse than guessing the mean.")
    show_chart(memory_curves_figure({name: r.history for name, r in results.items()}, guess_mean,
                                    done_task.epochs), key="memory_curves_done")
    st.subheader("Why: follow the gradient back")
    into_input, through_memory = st.tabs(["Into the inputs: |∂L/∂x_t|", "Through the memory: |∂L/∂c_t| and |∂L/∂h_t|"])
    with into_input:
        show_chart(gradient_reach_figure([rnn, lstm], done_task.k), key="memory_grad_x")
        st.caption(gradient_statement(done_task, rnn, lstm) + " A model can only learn to use a value whose "
                   "error signal reaches it; one that has learned the task listens to the marked steps.")
    with through_memory:
        show_chart(gradient_reach_figure([rnn, lstm], done_task.k, through_memory=True), key="memory_grad_state")
        st.caption(gradient_statement(done_task, rnn, lstm, through_memory=True) + " Going back one step, the "
                   "plain RNN's gradient is multiplied by tanh′ and U every time; the LSTM's cell state passes "
                   "it on multiplied by the forget gate alone: ∂L/∂c_(t-1) = ∂L/∂c_t ⊙ f_t + (the part through "
                   "h_(t-1)). Where f stays near 1, the signal survives the trip.")
    st.caption("Mean over the 400 test windows, computed by the NumPy glass box (checked against TensorFlow's "
               "own gradients in the tests), each curve divided by its value at 1 step back. Dashed: the weights "
               "training started from; solid: the trained ones.")
    st.subheader("What each memory kept")
    readouts = done_runs.outcome.readouts
    show_chart(compared_readouts_figure(readouts), key="memory_readouts")
    st.caption("A straight line fitted on the training windows reads each past input back from the final state. "
               f"{INDEPENDENT_INPUTS} " + " ".join(f"{name}: {readout_verdict(replace(curves, unknown=None))}."
                                                   for name, curves in readouts.items()))
    st.page_link("pages/lesson_readouts.py", label="Read the memory of your own trained model",
                 icon=":material/psychology:")


def draw_progress(current: lesson_jobs.LessonJobs) -> None:
    """Draw both jobs' progress and, once one runs, both learning curves as they grow."""
    lesson_jobs.job_progress(current)
    progress = {name: job.progress() for name, job in current.jobs.items()}
    if current.active and any(snapshot.status != JobStatus.QUEUED for snapshot in progress.values()):
        histories = {name: {"loss": p.train_loss, "val_loss": p.val_loss} for name, p in progress.items()}
        show_chart(memory_curves_figure(histories, float(np.var(current.data["LSTM"].y_test)),
                                        current.settings.epochs), key="memory_curves_live")


lesson_jobs.live_jobs(LESSON, "Press **Train both**. With the defaults both train together in well under "
                      "a minute.", draw_outcome, draw_progress)
