"""Parts of a page that redraw themselves on a timer (``st.fragment(run_every=...)``), each with an id per full run.

Streamlit names a fragment after its function's qualified name and its place on the page, and a browser's timer
asks for a rerun of that name. A timer's rerun that reaches the server just as a full run of the page ends (the
full run having drawn the same fragment again, under the same name) can start before that run's drawing is sent,
and the drawing is lost: the page waits for a run that has ended. Here each full run gives every timed part a
name of its own, so a timer left from the run before finds no fragment and is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

FULL_RUNS_KEY = "timed_part_full_runs"  # {part's name: full runs of the page that drew it}


def timed_part(name: str, run_every: float | None, body: Callable[..., None], *args: Any) -> None:
    """Run body(*args) now as a fragment that reruns every run_every seconds (never if None); return None.

    Call it from a full run of the page only (not from inside a fragment): each call is one full run.
    """
    full_runs: dict[str, int] = st.session_state.setdefault(FULL_RUNS_KEY, {})
    full_runs[name] = run = full_runs.get(name, 0) + 1

    def part(*part_args: Any) -> None:
        body(*part_args)

    part.__qualname__ = f"{name}_of_full_run_{run}"
    st.fragment(part, run_every=run_every)(*args)
