"""The guided lesson on screen: Home's start button, a compact banner above each page, the step's highlight.

The steps are data (lstm_core.lessons.guide). The session holds the step shown; the address bar holds it as
``?guide=<step>`` (1-based), so a reload, or the link in another browser, resumes there. The banner is drawn
before the page, so Next, Back and Leave act at once; a check that the step's action was done looks at the
session (settings, the training, the answers given), and the page's own run can complete it too, which
reruns the app once so that the banner says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from lstm_core.figures.style import HIGHLIGHT_COLOR, PAGE_BACKGROUND
from lstm_core.lessons.guide import (
    MODEL_PAGES,
    QUESTIONS,
    STEPS,
    GuideStep,
    step_of_link,
    target_selector,
    training_step,
)
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui import settings, training_session
from lstm_core.ui.navigation import lesson_mode
from lstm_core.ui.pages import HOME_FILE, PAGES, page_file
from lstm_core.ui.predictions import REVEALED_PREFIX, predict_then_reveal
from lstm_core.ui.what_ifs import training_identity

GUIDE_PARAM = "guide"  # the address's parameter: the step shown, counted from 1
STEP_KEY = "guide_step"  # the step shown, counted from 0; absent: no guide
GO_KEY = "guide_go"  # the banner opens the step's page on its next run (after Next, Back, a link)
BASELINE_KEY = "guide_baseline"  # (step, what its check saw once its page had drawn): a change since counts
DONE_KEY = "guide_done"  # the steps whose action was seen done
DRAWN_KEY = "guide_drawn"  # (step, done) as this run's banner drew it
BANNER_KEY = "guide_banner"
PAGE_NAMES = {page.url_path: page.name for page in PAGES}
PAGE_TITLES = {page.name: page.title for page in PAGES}


@dataclass(frozen=True)
class DoneCheck:
    """How the server sees a step's action done: what it observes, and whether a change or a truth counts."""

    observe: Callable[[], Any]  # None while what it looks at is not on screen yet
    changed: bool = True  # True: done once it differs from what it was when the step's page first drew


def _latest_training() -> tuple[str | None, int]:
    job = training_session.current_job()
    # A press of Train either starts a job or opens this very training from the store as a new finished training.
    return getattr(job, "id", None), id(training_session.finished_training())


def _training_ready() -> bool:
    return training_session.collect_result() is not None and not training_session.job_active(
        training_session.current_job())


def _answers(readouts: bool) -> frozenset[str]:
    """Return the questions answered about the trained model: the memory readouts', or the what-ifs'."""
    run = training_session.finished_training()
    if run is None:
        return frozenset()
    start = f"{REVEALED_PREFIX}{training_identity(run)}/"
    return frozenset(key for key in map(str, st.session_state) if key.startswith(start)
                     and ("/readout/" in key) == readouts)


DONE_CHECKS: dict[str, DoneCheck] = {
    "noise_moved": DoneCheck(lambda: settings.series_settings()["noise_std"]),
    "window_moved": DoneCheck(lambda: settings.model_settings()["seq_length"]),
    "units_moved": DoneCheck(lambda: settings.model_settings()["units"]),
    "training_started": DoneCheck(_latest_training),
    "training_finished": DoneCheck(_training_ready, changed=False),
    "unit_moved": DoneCheck(lambda: st.session_state.get("w_inside_unit")),
    "what_if_revealed": DoneCheck(lambda: _answers(readouts=False)),
    "readout_revealed": DoneCheck(lambda: _answers(readouts=True)),
}


def current_step() -> int | None:
    """Return the step of the guide shown (from 0), or None when the learner is not in the guide."""
    index = st.session_state.get(STEP_KEY)
    return index if isinstance(index, int) and 0 <= index < len(STEPS) else None


def go(index: int) -> None:
    """Show step index of the guide, opening its page on the next run; return None."""
    st.session_state[STEP_KEY] = index
    st.session_state[GO_KEY] = True
    st.session_state.pop(BASELINE_KEY, None)


def start() -> None:
    """Start the guide at its first step with the quick start's small settings, which train in seconds."""
    settings.apply_preset(QUICK_START_SERIES, QUICK_START_MODEL)
    st.session_state[DONE_KEY] = frozenset()
    go(0)


def leave() -> None:
    """Leave the guide: the page stays, the banner and the address's step go; return None."""
    for key in (STEP_KEY, GO_KEY, BASELINE_KEY, DONE_KEY):
        st.session_state.pop(key, None)


def read_link(values: Sequence[str]) -> list[str]:
    """Resume the guide at the step a link's guide values name; return what was left out, in the link notice's words."""
    if not values:
        return []
    shown = f"{GUIDE_PARAM}={values[0][:40]!r}"
    if lesson_mode() is not None:
        return [f"{shown} (the guided lesson runs in the full app, not on a lesson screen)"]
    index, problem = step_of_link(values)
    if index is None:
        return [f"{shown} ({problem})"]
    go(index)
    return []


def address_params() -> dict[str, str]:
    """Return the guide's part of the address bar: the step shown, counted from 1, while the learner is in it."""
    index = current_step()
    return {GUIDE_PARAM: str(index + 1)} if index is not None and lesson_mode() is None else {}


def is_done(index: int) -> bool:
    """Return whether the action of step index was seen done since the step began (a step stays done)."""
    done = st.session_state.get(DONE_KEY, frozenset())
    if index in done:
        return True
    name = STEPS[index].done_check
    if name is None:
        return False
    check = DONE_CHECKS[name]
    seen = check.observe()
    if check.changed:
        baseline = st.session_state.get(BASELINE_KEY)
        if baseline is None or baseline[0] != index or seen is None or seen == baseline[1]:
            return False
    elif not seen:
        return False
    st.session_state[DONE_KEY] = frozenset(done) | {index}
    return True


def start_button() -> None:
    """Draw Home's invitation to the guided lesson; its button starts the guide at step 1."""
    st.subheader("Guided lesson")
    st.caption(f"New here? {len(STEPS)} short steps through Data, Model, Train, Inside and the lesson *What the "
               "memory holds*, each with one thing to look at and one thing to do. It loads the quick start's small "
               "settings, so training takes seconds. Skip any step or leave the guide at any time; your place is kept "
               "in the address, so a reload resumes there.")
    st.button("Start the guided lesson", type="primary", key="guide_start", on_click=start,
              icon=":material/assistant_navigation:")


def draw_banner(url_path: str, home: Callable[[], None]) -> None:
    """Draw the guide's banner for the page at url_path, opening the step's page first when it was asked for.

    home is the function that draws Home, as the navigation was given it: a page made from a function is
    opened by a page of the same function.
    """
    st.session_state.pop(DRAWN_KEY, None)
    index = current_step()
    if index is None or lesson_mode() is not None:
        return
    step = STEPS[index]
    here = PAGE_NAMES.get(url_path) == step.page
    if st.session_state.pop(GO_KEY, False) and not here:
        st.switch_page(st.Page(home, default=True) if page_file(step.page) == HOME_FILE else page_file(step.page))
    model_missing = step.page in MODEL_PAGES and training_session.collect_result() is None
    done = here and not model_missing and is_done(index)
    st.session_state[DRAWN_KEY] = (index, done)
    _banner_style()
    title = PAGE_TITLES[step.page]
    with st.container(border=True, key=BANNER_KEY):
        st.caption(f"Guided lesson · step {index + 1} of {len(STEPS)} · {title}")
        st.markdown(step.sentence)
        if not here:
            st.markdown(f"This step is on the **{title}** page.")
            st.button(f"Go to {title}", key="guide_page", on_click=go, args=(index,))
        elif model_missing:
            train_at = training_step()
            st.info(f"This step reads your trained model, and there is none yet: step {train_at + 1} trains one.",
                    icon=":material/model_training:")
            st.button(f"Back to step {train_at + 1}", key="guide_to_training", on_click=go, args=(train_at,))
        else:
            _highlight(step, index)
            st.markdown(f"**Your move:** {step.action}")
            if step.prediction is not None:
                _ask(step.prediction)
        _step_buttons(index, step, done)


def _ask(name: str) -> None:
    own = settings.own_series()
    n_points = len(own.values) if own is not None else int(settings.series_settings()["n_points"])
    question = QUESTIONS[name](n_points, settings.model_config())
    if question is not None:
        predict_then_reveal(question.key, question.text, question.choices, question.outcome, question.what_happened,
                            lambda: _say(question.why))


def _say(text: str) -> None:
    st.caption(text)


def _step_buttons(index: int, step: GuideStep, done: bool) -> None:
    back, forward, leaving = st.columns(3)
    back.button("Back", key="guide_back", on_click=go, args=(index - 1,), disabled=index == 0,
                icon=":material/arrow_back:", width="stretch")
    if index == len(STEPS) - 1:
        forward.button("Finish", key="guide_next", on_click=leave, type="primary", icon=":material/flag:",
                       width="stretch", help="Ends the guide here; every page and lesson stays open to you.")
    else:
        checked = step.done_check is not None
        forward.button("Done — Next" if done else "Next", key="guide_next", on_click=go, args=(index + 1,),
                       type="primary" if done or not checked else "secondary",
                       icon=":material/check_circle:" if done else ":material/arrow_forward:", width="stretch",
                       help="Skip this step: the next one does not need it." if checked and not done else None)
    leaving.button("Leave the guide", key="guide_leave", on_click=leave, icon=":material/close:", width="stretch",
                   help="Explore freely from here. Home's Start the guided lesson begins it again.")


def _banner_style() -> None:
    # On a screen tall enough, the banner stays in view while the page scrolls to the step's element; Streamlit wraps
    # the banner in a box of its own height, so the wrapper is what sticks. A phone scrolls it away with the page.
    st.html(f"<style>@media (min-width: 640px) and (min-height: 700px) {{ div:has(> .st-key-{BANNER_KEY}) {{ "
            f"position: sticky; top: 3.75rem; z-index: 99; background-color: {PAGE_BACKGROUND}; }} }}</style>")


def _highlight(step: GuideStep, index: int) -> None:
    """Outline the step's element and scroll it into view, under the banner, once per step and browser tab."""
    selector = target_selector(step)
    st.html(f"<style>{selector} {{ outline: 3px solid {HIGHLIGHT_COLOR}; outline-offset: 4px; "
            f"border-radius: 0.5rem; }}</style>")
    script = (
        "(function () {"
        f" const selector = {json.dumps(selector)}, mark = {json.dumps(str(index))};"
        f" const bannerSelector = {json.dumps('.st-key-' + BANNER_KEY)};"
        " if (window.lstmLensGuideShown === mark) return;"
        " window.lstmLensGuideShown = mark;"
        # The charts above the element may still be drawing and push it down after a first scroll (for seconds
        # on a busy machine): keep it in view until it has held its place for two seconds, at most twenty,
        # unless the learner scrolls or presses first.
        " let tries = 0, steady = 0, place = null, learnerScrolled = false;"
        " const stop = function () { learnerScrolled = true; };"
        " ['wheel', 'touchmove', 'keydown', 'pointerdown'].forEach(function (kind) {"
        "  window.addEventListener(kind, stop, {once: true, passive: true}); });"
        " const timer = setInterval(function () {"
        "  const element = document.querySelector(selector), banner = document.querySelector(bannerSelector);"
        "  const now = element && Math.round(element.getBoundingClientRect().top);"
        "  steady = element && now === place ? steady + 1 : 0;"
        "  place = now;"
        "  if (learnerScrolled || ++tries > 100 || steady > 10) clearInterval(timer);"
        "  if (!element || learnerScrolled) return;"
        "  const wrapper = banner && getComputedStyle(banner.parentElement);"
        "  const top = wrapper && wrapper.position === 'sticky' ?"
        "   parseFloat(wrapper.top) + banner.getBoundingClientRect().height : 0;"  # where the stuck banner ends
        "  const box = element.getBoundingClientRect();"
        "  if (box.top >= top && box.bottom <= window.innerHeight) return;"
        "  element.style.scrollMarginTop = (top + 16) + 'px';"
        "  element.scrollIntoView({block: 'start'});"
        " }, 200);"
        "})();"
    )
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True, width="content")


def after_page(url_path: str) -> None:
    """Note what the step's check sees once its page has drawn; rerun once if the page's run did the step's action."""
    index = current_step()
    if index is None or lesson_mode() is not None or PAGE_NAMES.get(url_path) != STEPS[index].page:
        return
    name = STEPS[index].done_check
    baseline = st.session_state.get(BASELINE_KEY)
    if name is not None and DONE_CHECKS[name].changed and (baseline is None or baseline[0] != index):
        seen = DONE_CHECKS[name].observe()
        if seen is not None:
            st.session_state[BASELINE_KEY] = (index, seen)
        return
    if st.session_state.get(DRAWN_KEY) == (index, False) and is_done(index):
        st.rerun()
