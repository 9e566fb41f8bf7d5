"""A lesson's training runs: several jobs on the shared pool, kept in the session under the lesson's name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import streamlit as st

from lstm_core.config import ModelConfig
from lstm_core.training import TrainingData, TrainingJob, TrainingResult, start
from lstm_core.ui import state


@dataclass
class LessonRuns:
    """The jobs a lesson started, by name, with the settings and the data each was started from."""

    settings: Any
    data: dict[str, TrainingData]  # job name -> its windows
    jobs: dict[str, TrainingJob]
    outcome: Any = None  # what the page computed from the results, kept so it is computed once

    @property
    def active(self) -> bool:
        """Return True while any job is queued or running."""
        return any(state.job_active(job) for job in self.jobs.values())

    def results(self) -> dict[str, TrainingResult] | None:
        """Return every job's result once all have finished with weights, else None."""
        if self.active:
            return None
        results = {name: job.result() for name, job in self.jobs.items()}
        if any(result is None or result.weights is None for result in results.values()):
            return None
        return results

    def problems(self) -> list[str]:
        """Return the message of every finished job that failed or was stopped before it trained."""
        out = []
        for name, job in self.jobs.items():
            result = job.result() if job.done else None
            if result is not None and result.weights is None:
                out.append(f"{name}: {result.message}")
        return out


def _key(lesson: str) -> str:
    return f"lesson_runs_{lesson}"


def lesson_runs(lesson: str) -> LessonRuns | None:
    """Return the runs this session started for lesson, if any."""
    return st.session_state.get(_key(lesson))


def start_lesson_runs(lesson: str, settings: Any, runs: Mapping[str, tuple[TrainingData, ModelConfig]]) -> None:
    """Queue one job per named (data, config) on the shared pool; stop the lesson's earlier ones first."""
    stop_lesson_runs(lesson)
    pool, owner_alive = state.training_pool(), state.session_alive_check()
    jobs = {name: start(data, cfg, pool=pool, owner_alive=owner_alive) for name, (data, cfg) in runs.items()}
    st.session_state[_key(lesson)] = LessonRuns(settings, {name: data for name, (data, _) in runs.items()}, jobs)


def stop_lesson_runs(lesson: str) -> None:
    """Stop every active job of the lesson; each keeps the weights trained so far."""
    runs = lesson_runs(lesson)
    if runs is not None:
        for job in runs.jobs.values():
            if state.job_active(job):
                job.stop()
