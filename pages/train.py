"""Train: start and stop a real Keras LSTM, watch the loss live, then judge the forecast."""

import streamlit as st

from lstm_core.figures.summaries import loss_summary
from lstm_core.figures.training import loss_figure
from lstm_core.training.protocol import JobStatus
from lstm_core.ui import datasets, navigation, runs, settings, training_session
from lstm_core.ui.charts import show_chart
from lstm_core.ui.input_reliance import input_reliance_view
from lstm_core.ui.outcomes import (
    live_loss_figure,
    number_columns,
    reopened_summary,
    reveal_train_predictions,
    train_questions,
    training_outcome,
)
from lstm_core.ui.predictions import ask_before, commit_guesses
from lstm_core.ui.run_exports import share_trained, take_home
from lstm_core.ui.sketch import sketch_then_reveal
from lstm_core.ui.training_session import OpenedFrom
from lstm_core.ui.widgets import (
    describe_model,
    live_part,
    needs,
    numbers_table,
    progress_fraction,
    progress_label,
    training_active,
)
from lstm_core.ui.window_lengths import window_lengths_view

navigation.require_app("pages/train.py")
st.title("Train: watch the model learn")
ds, problem = datasets.current_dataset()
if ds is None:
    needs(problem, "Fix the data settings", "data")

st.caption(f"Model: {describe_model(settings.model_settings())}. Training data: {len(ds.X['train'])} windows; "
           f"validation: {len(ds.X['val'])}.")
questions = train_questions(ds)
job = training_session.current_job()
running = training_session.job_active(job)
if not running:
    ask_before("Before you press Train: what do you expect?", questions,
               "Your answers are held when you press Train; the outcome shows beside them once it has trained.")


def press_train() -> None:
    """Start the training, and hold the learner's guesses as guesses about it."""
    training_session.start_training(ds)
    commit_guesses(questions, training_session.latest_training_key())


start_col, stop_col, _ = st.columns([1, 1, 4])
# Callbacks run before the script: the buttons and the sidebar are drawn with the job already started or stopped.
start_col.button("Train", key="train_start", type="primary", disabled=running, on_click=press_train,
                 help="Train a fresh model with the current settings. Disabled while your training is queued or "
                      "running.")
stop_col.button("Stop", disabled=not running, on_click=job.stop if running else None,
                help="Stop after the current batch and keep what it learned.")


def draw_progress(job_id: str, progress, noise_floor) -> None:
    """Draw the progress bar, queue position and loss chart of one progress snapshot of the job job_id."""
    st.progress(progress_fraction(progress), text=progress_label(progress))
    if progress.status == JobStatus.QUEUED:
        # Nothing to plot yet; skipping the chart keeps a queue of learners cheap for the server.
        st.info(f"The server is busy: your training is number {progress.queue_position} in the queue.")
        return
    watchers = getattr(progress, "watchers", 1)
    if watchers > 1 and progress.status == JobStatus.RUNNING:
        st.caption(f"{watchers} learners watch this training: they pressed Train with the same data, model and "
                   f"seed, and identical settings train identically, so it runs once for all of them.")
    show_chart(live_loss_figure(job_id, progress, noise_floor), key=f"loss_{progress.status}",
               summary=loss_summary(progress.train_loss, progress.val_loss, noise_floor, progress.batch_loss))
    st.caption("Both curves should fall towards the noise floor (dashed); validation rising while training "
               "falls means the model memorises the training part.")


def draw_outcome(finished_job) -> None:
    """Draw why a finished job failed, if it did, and the forecast of the session's trained model."""
    final = finished_job.progress() if finished_job is not None and finished_job.done else None
    if final is not None and final.status == JobStatus.STOPPED and finished_job.result().weights is None:
        st.info(final.message)
    if final is not None and final.status == JobStatus.FAILED:
        st.error(f"Training failed. {final.message}")
        if "NaN" in final.message or "infinite" in final.message:
            st.caption("A NaN or infinite loss means the weights overflowed: each step pushed them further "
                       "out. A smaller learning rate (or a larger batch) usually cures it.")
    run = training_session.collect_result()
    if run is None:
        return
    stored_run_notes(run)
    run_ds = training_session.training_dataset(run)
    outcome = training_outcome(run, run_ds)
    if finished_job is None:  # a stored run: its loss curves come from the store, not from a live job
        history = run.result.history
        show_chart(loss_figure(history["loss"], history["val_loss"], [], run_ds.noise_floor, run.model.epochs),
                   key="loss_stored", summary=loss_summary(history["loss"], history["val_loss"], run_ds.noise_floor))
    if outcome.loss_gap:
        st.caption(outcome.loss_gap)
    reveal_train_predictions(run, run_ds, outcome)
    sketch_then_reveal(run, run_ds)
    st.subheader("How good is the forecast?")
    show_chart(outcome.forecast, key="forecast", summary=outcome.forecast_summary)
    st.caption("Grey: what happened. Blue: the forecast one step ahead, from the window before each point.")
    st.dataframe(outcome.errors, width="stretch", column_config=number_columns(outcome.errors, "%.5f"))
    st.caption("Scaled units. The noise floor is the noise's variance: the MSE no forecaster beats on average over "
               "endless noise. An LSTM that does not beat 'last value' has not learned the wave."
               if run_ds.noise_floor is not None else
               "Scaled units. The noise in your own data is unknown, so there is no noise floor to compare with; "
               "an LSTM that does not beat 'last value' has not learned much.")
    if outcome.floor_note:
        st.caption(outcome.floor_note)
    st.subheader("Is it any good?")
    numbers_table(outcome.skill, {"test MSE": "%.5f", "skill of your LSTM": "%+.2f"},
                  ("compared with", "how your LSTM does"), key="skill")
    st.info(outcome.verdict)
    st.caption("Skill = 1 − MSE of your LSTM / MSE of the other forecast: 1 is perfect, 0 no better, below 0 worse. "
               "A gap smaller than two standard errors of the per-window difference counts as no difference.")
    if run.result.status == JobStatus.STOPPED:
        st.caption(f"You stopped this run after {run.result.epochs_run} epoch(s); these are its weights then.")
    input_reliance_view(run, run_ds)
    window_lengths_view(run, run_ds)
    st.page_link("pages/inside.py", label="Look inside this model →")
    share_trained(run)
    take_home(run, run_ds)


def stored_run_notes(run) -> None:
    """Say where a run shown came from when it was not trained here just now, and what to do to train anew."""
    reopened = reopened_summary(run)
    if run.opened_from is OpenedFrom.LINK:
        st.info(f"{reopened} It is the stored model, with its own settings (the sidebar shows them). Press "
                f"**Train** to train these settings anew.", icon=":material/link:")
    elif run.opened_from is OpenedFrom.STORE:
        st.info(f"{reopened} This exact training (same data, model and seed) was run before on this server, so "
                f"its stored result opened at once: training it again would give the same weights.",
                icon=":material/history:")
        if st.button("Train again with a new seed",
                     help="The model's seed moves on by one: other starting weights, another training."):
            training_session.train_with_new_seed(ds)
            # Pressed inside the live part, which reruns alone and would not refresh: the whole page follows the job.
            st.rerun()
    failure = st.session_state.get(runs.STORE_FAILURE_KEY)
    if failure:
        st.warning(failure)


def live_training() -> None:
    """Draw the live progress of this session's job and, once it has ended, its outcome."""
    current = training_session.current_job()
    if current is None and training_session.finished_training() is None:
        st.info("Press **Train** to start. The loss chart fills in while the model trains; you may visit "
                "other pages meanwhile.")
        return
    if current is not None:
        draw_progress(current.id, current.progress(), ds.noise_floor)
    if current is None or current.done:
        draw_outcome(current)


live_part(live_training, training_active)
