"""A lesson's jobs: several trainings on the shared pool, kept in the session under the lesson's name.

Once all of a lesson's jobs have finished, their trainings are stored together as one run, named in the
address bar; a link to it opens the lesson's outcome again by replaying the page's own start with the stored
results in place of new jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from lstm_core.config import ModelConfig
from lstm_core.data.spec import SourceKind, data_spec, source_of
from lstm_core.training.backend import start
from lstm_core.training.job import Job
from lstm_core.training.protocol import TrainingData, TrainingResult
from lstm_core.ui import rooms, settings, training_session
from lstm_core.ui import runs as stored_runs
from lstm_core.ui.pages import PAGE_BY_NAME, PAGE_KEYS
from lstm_core.ui.widgets import live_part, progress_fraction, progress_label


@dataclass
class LessonJobs:
    """The jobs a lesson started, by name, with the settings and the data each was started from."""

    settings: Any
    data: dict[str, TrainingData]  # job name -> its windows
    jobs: Mapping[str, Job]  # watches of shared jobs, or stored trainings shown as finished ones
    outcome: Any = None  # what the page computed from the results, kept so it is computed once
    page_settings: dict[str, Any] = field(default_factory=dict)  # what a link needs to start the same jobs
    run_id: str | None = None  # the run that stores these jobs' trainings, once stored
    stored: bool = False  # tried to store already (or opened from the store)

    @property
    def active(self) -> bool:
        """Return True while any job is queued or running."""
        return any(training_session.job_active(job) for job in self.jobs.values())

    def results(self) -> dict[str, TrainingResult] | None:
        """Return every job's result once all have finished with weights, else None."""
        if self.active:
            return None
        results = {name: job.result() for name, job in self.jobs.items()}
        trained = {name: result for name, result in results.items()
                   if result is not None and result.weights is not None}
        return trained if len(trained) == len(results) else None

    def problems(self) -> list[str]:
        """Return the message of every finished job that failed or was stopped before it trained."""
        out = []
        for name, job in self.jobs.items():
            result = job.result() if job.done else None
            if result is not None and result.weights is None:
                out.append(f"{name}: {result.message}")
        return out


def guess_tag(lesson: str) -> str | None:
    """Return the name under which guesses about the lesson's current jobs are held, or None without jobs."""
    current = jobs_of(lesson)
    return None if current is None else f"{lesson}-{id(current)}"


def _key(lesson: str) -> str:
    return f"{training_session.LESSON_JOBS_KEY_PREFIX}{lesson}"


def jobs_of(lesson: str) -> LessonJobs | None:
    """Return the jobs this session started for lesson, if any."""
    return st.session_state.get(_key(lesson))


_REPLAYING_KEY = "lesson_replaying"  # the stored run whose results a page's start callback is given instead of jobs


def start_lesson_jobs(lesson: str, lesson_settings: Any,
                      trainings: Mapping[str, tuple[TrainingData, ModelConfig]]) -> None:
    """Queue one job per named (data, config) on the shared pool; stop the lesson's earlier ones first."""
    stop_lesson_jobs(lesson)
    data = {name: data for name, (data, _) in trainings.items()}
    replaying = st.session_state.get(_REPLAYING_KEY)
    if replaying is not None:
        stored = replaying.trainings
        if set(stored) != set(trainings):
            st.session_state[stored_runs.RUN_NOTICE_KEY] = (
                "The linked lesson run does not fit this lesson's settings any more; press the lesson's button "
                "to train it again.")
            return
        jobs = {name: stored_runs.FinishedJob(trainings[name][1], stored[name].result,
                                              len(trainings[name][0].X_train)) for name in trainings}
        st.session_state[_key(lesson)] = LessonJobs(lesson_settings, data, jobs, page_settings=replaying.page_settings,
                                                    run_id=replaying.id, stored=True)
        return
    pool = training_session.training_pool()
    owner_alive, session = training_session.session_alive_check(), training_session.session_key()
    address = training_session.session_address()
    jobs = {name: start(data, cfg, pool=pool, owner_alive=owner_alive, session=session, address=address)
            for name, (data, cfg) in trainings.items()}
    st.session_state[_key(lesson)] = LessonJobs(lesson_settings, data, jobs, page_settings=_page_settings(lesson))


def _page_settings(lesson: str) -> dict[str, Any]:
    """Return what a link needs to start this lesson's jobs again: the series, the model, its own controls."""
    prefix = PAGE_BY_NAME[lesson].key_prefix or ""
    page_settings = {"series": data_spec(settings.current_source()), "model": dict(settings.model_settings()),
                     "page": {key: st.session_state[key] for key in PAGE_KEYS
                              if prefix and key.startswith(prefix) and key in st.session_state}}
    if lesson in settings.LESSON_SETTINGS_KEYS:
        page_settings["lesson"] = dict(st.session_state.get(settings.LESSON_SETTINGS_KEYS[lesson], {}))
    return page_settings


def _replay_linked(lesson: str, start: Callable[[], None]) -> None:
    """Show a link's stored lesson run: the page's start, given the stored results instead of new jobs."""
    linked = st.session_state.pop(stored_runs.LINKED_RUN_KEY_PREFIX + lesson, None)
    if linked is None:
        return
    st.session_state[_REPLAYING_KEY] = linked
    try:
        start()
    finally:
        st.session_state.pop(_REPLAYING_KEY, None)


def _store_finished(lesson: str, lesson_jobs: LessonJobs, results: dict[str, TrainingResult]) -> None:
    """Store a lesson's finished results once, as one run, unless they are the learner's own data unagreed."""
    if lesson_jobs.stored:
        return
    lesson_jobs.stored = True
    series = lesson_jobs.page_settings.get("series", {})
    if series.get("kind") == SourceKind.OWN and not stored_runs.consented():
        return
    configs = {name: lesson_jobs.jobs[name].cfg for name in results}
    lesson_jobs.run_id = stored_runs.save_lesson(lesson, lesson_jobs.page_settings,
                                                 {name: (results[name], configs[name]) for name in results})
    source = source_of(series) if series.get("kind") in (SourceKind.GENERATED, SourceKind.BUNDLED) else None
    trainings = {name: (results[name], configs[name], lesson_jobs.data[name]) for name in results}
    rooms.post_lesson_trainings(lesson, source, trainings, lesson_jobs.run_id)


def stop_lesson_jobs(lesson: str) -> None:
    """Stop every active job of the lesson; each keeps the weights trained so far."""
    lesson_jobs = jobs_of(lesson)
    if lesson_jobs is not None:
        for job in lesson_jobs.jobs.values():
            if training_session.job_active(job):
                job.stop()


def train_and_stop(lesson: str, label: str, start: Callable[[], None], train_help: str, stop_help: str) -> bool:
    """Draw the lesson's train and stop buttons; return True while its jobs are queued or running.

    The callbacks run before the script, so the buttons are drawn with the jobs already started or stopped.
    """
    _replay_linked(lesson, start)
    lesson_jobs = jobs_of(lesson)
    running = lesson_jobs is not None and lesson_jobs.active
    train_col, stop_col, _ = st.columns([1, 1, 4])
    train_col.button(label, type="primary", disabled=running, on_click=start, help=train_help)
    stop_col.button("Stop", disabled=not running, on_click=stop_lesson_jobs, args=(lesson,), help=stop_help)
    return running


def job_progress(lesson_jobs: LessonJobs) -> None:
    """Draw one progress bar per job, named by the job when there are several."""
    for name, job in lesson_jobs.jobs.items():
        snapshot = job.progress()
        text = progress_label(snapshot) if len(lesson_jobs.jobs) == 1 else f"{name}: {progress_label(snapshot)}"
        st.progress(progress_fraction(snapshot), text=text)


def live_jobs(lesson: str, idle_text: str,
              draw_outcome: Callable[[LessonJobs, dict[str, TrainingResult]], None],
              draw_progress: Callable[[LessonJobs], None] = job_progress) -> None:
    """Draw the lesson's progress, refreshed every second while it trains; once every job has ended, the outcome.

    The refresh watches the session's Train job too, since it also keeps the sidebar's status current.
    """
    def watched() -> tuple[bool, ...]:
        lesson_jobs = jobs_of(lesson)
        return (lesson_jobs is not None and lesson_jobs.active,
                training_session.job_active(training_session.current_job()))

    live_part(lambda: _draw_jobs(lesson, idle_text, draw_outcome, draw_progress), watched)


def _draw_jobs(lesson: str, idle_text: str, draw_outcome, draw_progress) -> None:
    current = jobs_of(lesson)
    if current is None:
        st.info(idle_text)
        return
    draw_progress(current)
    if current.active:
        return
    for problem in current.problems():
        st.error(problem)
    results = current.results()
    if results is not None:
        _store_finished(lesson, current, results)
        if current.run_id is not None and stored_runs.OPENED_RUN_KEY in st.session_state \
                and st.session_state[stored_runs.OPENED_RUN_KEY] == current.run_id:
            st.caption("These results were opened from a link: they are the stored run's, trained with the settings "
                       "shown. Press the lesson's button to train anew.")
        draw_outcome(current, results)
