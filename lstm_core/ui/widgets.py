"""Shared widgets: sliders bound to session settings, the sidebar, and the 'what to do next' guard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lstm_core.config import MODEL_BOUNDS, SERIES_BOUNDS, ModelConfig
from lstm_core.figures.model import architecture_figure
from lstm_core.figures.tables import fields_sentences
from lstm_core.presets import PRESETS
from lstm_core.training.protocol import JobStatus
from lstm_core.ui.address_bar import share_link, shown_run_id, write_address_bar
from lstm_core.ui.navigation import lesson_mode
from lstm_core.ui.pages import HOME_FILE, PAGES, page_file
from lstm_core.ui.settings import apply_preset, model_settings, own_series, series_settings
from lstm_core.ui.training_session import current_job, finished_training, job_active

LIVE_REFRESH_SECONDS = 1.0  # each refresh is a script run on the server: once a second per learner is plenty
STATUS_SLOT_KEY = "sidebar_status_slot"  # this run's place for the training status in the sidebar


@st.cache_resource(max_entries=64, show_spinner=False)
def architecture_chart(cfg: ModelConfig, n_features: int = 1) -> go.Figure:
    """Return cfg's architecture figure, drawn once per server for every session that shows it.

    A teacher's push sends a whole class to the Model page at once; drawing the figure is most of that page's run.
    Streamlit copies a figure to a dict before sending it, so the one shared object is never changed.
    """
    return architecture_figure(cfg, n_features)


def _bind(settings: dict[str, Any], field: str, key: str, initial: Any) -> Any:
    """Seed a widget's key from the settings and return a callback that copies it back on change."""
    if key not in st.session_state:
        st.session_state[key] = initial

    # The callback stores the new value before the script reruns, so the sidebar (drawn first) is current.
    def copy() -> None:
        settings[field] = st.session_state[key]
    return copy


def setting_slider(settings: dict[str, Any], group: str, field: str, label: str, help: str,
                   step: float | None = None, fmt: str | None = None, high: float | None = None,
                   bounds: dict[str, Any] | None = None) -> Any:
    """Return the value of a slider bound to settings[field], kept across page switches.

    The slider's range comes from ``bounds`` (a lesson's own table) or else from the series or model table.
    """
    bound = (bounds or (SERIES_BOUNDS if group == "series" else MODEL_BOUNDS))[field]
    key = f"w_{group}_{field}"
    top = bound.high if high is None else min(high, bound.high)
    if not _number_within(st.session_state.get(key, top), bound.low, top):
        del st.session_state[key]
    on_change = _bind(settings, field, key, min(settings[field], top))
    if bound.kind is int:
        value = st.slider(label, int(bound.low), int(top), key=key, help=help, step=int(step or 1),
                          on_change=on_change)
    else:
        value = st.slider(label, float(bound.low), float(top), key=key, help=help, step=step, format=fmt,
                          on_change=on_change)
    settings[field] = value
    return value


def _number_within(value: Any, low: float, high: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high


def valid_choice(key: str, options: tuple | list | range) -> None:
    """Drop a remembered (or linked) value of the widget key that is not one of its options; return None."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def setting_select(settings: dict[str, Any], group: str, field: str, label: str, options: tuple[str, ...],
                   help: str) -> str:
    """Return the choice of a select box bound to settings[field], kept across page switches."""
    key = f"w_{group}_{field}"
    valid_choice(key, options)
    value = st.selectbox(label, options, key=key, help=help, format_func=lambda s: s.replace("_", " "),
                         on_change=_bind(settings, field, key, settings[field]))
    settings[field] = value
    return value


def setting_steps(settings: dict[str, Any], group: str, field: str, label: str, options: tuple[float, ...],
                  help: str) -> float:
    """Return the value of a slider over fixed options bound to settings[field], its value in use among them."""
    key = f"w_{group}_{field}"
    in_use = settings[field]
    # Snapping a value off the options to the nearest one would change the setting by merely opening the page.
    steps = list(options) if in_use in options else sorted([*options, in_use])
    valid_choice(key, steps)
    value = st.select_slider(label, steps, key=key, help=help, on_change=_bind(settings, field, key, in_use))
    settings[field] = value
    return value


def seed_input(settings: dict[str, Any], group: str, help: str) -> int:
    """Return the value of a whole-number seed box bound to settings['seed']."""
    bound = (SERIES_BOUNDS if group == "series" else MODEL_BOUNDS)["seed"]
    key = f"w_{group}_seed"
    value = st.number_input("Random seed", int(bound.low), int(bound.high), key=key, step=1, help=help,
                            on_change=_bind(settings, "seed", key, settings["seed"]))
    settings["seed"] = int(value)
    return int(value)


def describe_model(model: dict[str, Any]) -> str:
    """Return a one-line description of the model settings, input to output."""
    stack = " → ".join([f"LSTM({model['units']})"] * model["layers"])
    head = f" → Dense({model['dense_units']})" if model["dense_units"] else ""
    return f"window {model['seq_length']} → {stack}{head} → Dense({model['horizon']})"


FIGURE_KEYS_SCRIPT = Path(__file__).parent / "assets" / "figure_keys.js"
PAGE_STYLE = Path(__file__).parent / "assets" / "page.css"


def page_style() -> None:
    """Give every page the app's own CSS for small screens and fingers (assets/page.css); return None."""
    st.html(f"<style>{PAGE_STYLE.read_text()}</style>")


WIDE_TABLE, PHONE_TABLE = "wide_table", "phone_table"  # key endings that page.css shows by screen width


SENTENCES = "sentences"  # the key ending of a table of sentences, whose headings page.css keeps whole on a phone


def sentences_table(columns: dict[str, list], phone_columns: tuple[str, ...], key: str) -> None:
    """Draw columns as a dataframe, and on a phone phone_columns as a table whose sentences wrap; return None.

    A dataframe cuts a long cell at its column's edge, and on a phone most of a sentence lies past it.
    """
    with st.container(key=f"{key}_{WIDE_TABLE}"):
        st.dataframe(columns, hide_index=True, key=key)
    _phone_sentences({name: columns[name] for name in phone_columns}, key)


def fields_table(table: pd.DataFrame, fields_heading: str, key: str) -> None:
    """Draw table as it is, and on a phone a row's fields as one sentence beside its index; return None.

    A phone has no room for a column per field: their headings would break inside their words.
    """
    with st.container(key=f"{key}_{WIDE_TABLE}"):
        st.table(table)
    _phone_sentences({str(table.index.name): list(table.index), fields_heading: fields_sentences(table)}, key)


def numbers_table(table: pd.DataFrame, formats: dict[str, str], headings: tuple[str, str], key: str) -> None:
    """Draw table as a dataframe with its numbers in formats, and on a phone a row as one sentence; return None.

    headings names the phone table's two columns: the rows' index, and their fields in a sentence.
    """
    with st.container(key=f"{key}_{WIDE_TABLE}"):
        st.dataframe(table, width="stretch",
                     column_config={name: st.column_config.NumberColumn(format=form) for name, form in formats.items()})
    written = table.copy()
    for name, form in formats.items():
        written[name] = [form % value for value in table[name]]
    _phone_sentences({headings[0]: list(table.index), headings[1]: fields_sentences(written)}, key)


def _phone_sentences(columns: dict[str, list], key: str) -> None:
    with st.container(key=f"{key}_{PHONE_TABLE}"), st.container(key=f"{key}_{SENTENCES}"):
        st.table(columns, hide_index=True)


FOCUS_STYLE = Path(__file__).parent / "assets" / "focus.css"
FOCUS_SCRIPT = Path(__file__).parent / "assets" / "focus.js"


def focus_style() -> None:
    """Give every focused control of the page a visible ring (assets/focus.css and focus.js); return None."""
    st.html(f"<style>{FOCUS_STYLE.read_text()}</style>")
    st.html(f"<script>{FOCUS_SCRIPT.read_text()}</script>", unsafe_allow_javascript=True, width="content")


def figure_keyboard() -> None:
    """Make the buttons and sliders of every animated figure on the page keyboard operable; return None.

    Plotly draws them as SVG that Tab never reaches; the script gives them roles and focus and maps
    Enter, Space, the arrows, Home and End onto the figure's own controls, all in the browser.
    """
    st.html(f"<script>{FIGURE_KEYS_SCRIPT.read_text()}</script>", unsafe_allow_javascript=True, width="content")


FIGURE_WIDTHS_SCRIPT = Path(__file__).parent / "assets" / "figure_widths.js"


def figure_widths() -> None:
    """Fit every figure to its width in the browser (its panels' arrangement, its title's lines); return None.

    The server never learns the browser's width: a figure carries its arrangements and the script picks the one
    that fits; a title wider than its chart is broken into lines there.
    """
    st.html(f"<script>{FIGURE_WIDTHS_SCRIPT.read_text()}</script>", unsafe_allow_javascript=True, width="content")


NAVIGATION_KEY = "app_navigation"  # the sidebar's page links live in the container of class st-key-app_navigation

# Marks the current page's link for screen readers (Streamlit marks it only by its look), again whenever
# React redraws the links; the observer of an earlier run is dropped first. Where the sidebar lies over the
# page (Streamlit collapses it at 768 px and under), a tap on a link closes it, as Streamlit's own links do.
CURRENT_LINK_JS = """(() => {
  const mark = () => document.querySelectorAll(".st-key-%(key)s a[data-testid='stPageLink-NavLink']")
    .forEach((link, index) => index === %(index)d ? link.setAttribute("aria-current", "page")
                                                  : link.removeAttribute("aria-current"));
  window.appNavigationObserver?.disconnect();
  const nav = document.querySelector(".st-key-%(key)s");
  if (!nav) return;
  mark();
  if (!nav.dataset.closesSidebar) {
    nav.dataset.closesSidebar = "yes";
    nav.addEventListener("click", event => {
      if (!event.target.closest("a") || !matchMedia("(max-width: 768px)").matches) return;
      document.querySelector("[data-testid='stSidebarCollapseButton'] button")?.click();
    });
  }
  window.appNavigationObserver = new MutationObserver(mark);
  window.appNavigationObserver.observe(nav, {childList: true, subtree: true});
})();"""


def page_navigation(home: Callable[[], None], hidden: bool = False):
    """Return st.navigation over the page registry, Home drawn by home; its links in the sidebar unless hidden.

    Streamlit's own sectioned sidebar navigation puts each section's <div> straight inside its <ul>, a list
    that screen readers cannot read as one (axe: list, listitem); the app draws the same links itself.
    """
    sections: dict[str, list] = {}
    for page in PAGES:
        if page.file == HOME_FILE:
            entry = st.Page(home, title=page.title, icon=page.icon, default=True)
        else:
            entry = st.Page(page.file, title=page.title, icon=page.icon, url_path=page.url_path)
        sections.setdefault(page.section, []).append(entry)
    current = st.navigation(sections, position="hidden")
    if not hidden:  # a lesson link's calm screen has no navigation at all
        _navigation_links(sections, current)
    return current


def _navigation_links(sections: dict[str, list], current) -> None:
    """Draw a link to every page in the sidebar under its section's heading, the current one marked."""
    entries = [entry for section in sections.values() for entry in section]
    with st.sidebar, st.container(key=NAVIGATION_KEY, gap="small"):
        for section, pages in sections.items():
            st.markdown(f"##### {section}")
            for entry in pages:
                st.page_link(entry, label=entry.title, icon=entry.icon)
        index = next(i for i, entry in enumerate(entries) if entry.url_path == current.url_path)
        st.html(f"<script>{CURRENT_LINK_JS % {'key': NAVIGATION_KEY, 'index': index}}</script>",
                unsafe_allow_javascript=True, width="content")


def sidebar(visible: bool = True) -> None:
    """Draw the shared sidebar: current data and model settings, a place for the training status, the presets.

    The status is written later in the run (see ``live_part`` and ``finish_sidebar``), by the one part of
    the page that refreshes itself, so a page never has two refreshes interrupting each other.
    """
    st.session_state.pop(STATUS_SLOT_KEY, None)  # a place kept from an earlier run is not on this screen
    if not visible:
        return
    series, model = series_settings(), model_settings()
    with st.sidebar:
        st.markdown("#### Current settings")
        own = own_series()
        if own is not None:
            st.caption(f"**Data**: {own.name}, {len(own.values)} values")
        else:
            st.caption(f"**Data**: {series['shape'].replace('_', ' ')}, {series['n_points']} points, "
                       f"period {series['period']:.2f}, noise σ {series['noise_std']:.2f}, seed {series['seed']}")
        st.caption(f"**Model**: {describe_model(model)}; dropout {model['dropout']:.2f}, "
                   f"lr {model['learning_rate']:g}, batch {model['batch_size']}, {model['epochs']} epochs")
        st.session_state[STATUS_SLOT_KEY] = {"slot": st.container(), "drawn": False, "by_sidebar": False}
        preset_menu()


def finish_sidebar() -> None:
    """Draw the sidebar's training status, refreshed on its own, unless a live part of the page has drawn it."""
    reserved = st.session_state.get(STATUS_SLOT_KEY)
    if reserved is None or reserved["drawn"]:
        return
    reserved["by_sidebar"] = True
    with reserved["slot"]:
        live_part(draw_training_status, training_active)


def training_active() -> tuple[bool]:
    """Return (whether this session's Train job is queued or running,): what the Train page's refresh watches."""
    return (job_active(current_job()),)


def live_part(draw: Callable[[], None], watched: Callable[[], tuple[bool, ...]]) -> None:
    """Draw draw() now and, while anything watched() is active, again every LIVE_REFRESH_SECONDS; return None.

    This is the page's only refresh: it also writes the sidebar's training status, when the sidebar has left
    it a place. When what is active changes (a job ended), it asks for one full rerun before drawing anything,
    so the rest of the page (buttons, other parts) catches up and no half-sent refresh is ever thrown away.
    """
    active_then = watched()
    st.fragment(_live_part, run_every=LIVE_REFRESH_SECONDS if any(active_then) else None)(draw, watched, active_then)


def _live_part(draw: Callable[[], None], watched: Callable[[], tuple[bool, ...]],
               active_then: tuple[bool, ...]) -> None:
    if any(active_then) and watched() != active_then:
        st.rerun()
    reserved = st.session_state.get(STATUS_SLOT_KEY)
    if reserved is not None and not reserved["by_sidebar"]:
        reserved["drawn"] = True
        with reserved["slot"]:
            draw_training_status()
    draw()


def share_footer(url_path: str) -> None:
    """Draw the page's address, as the address bar holds it, with a copy button, at the foot of the page."""
    st.divider()
    st.caption("Copy link: this screen, for another browser or a class (the copy button is at the right). "
               "It is the address in your browser's address bar.")
    own = own_series()
    if own is not None and not shown_run_id(url_path):
        st.caption("Your own data travels in a link only inside a stored run: without one the link carries the "
                   "model's settings and those of the generated wave, which opens in its place.")
    st.code(share_link(st.context.url, url_path), language=None, wrap_lines=True)


def preset_menu() -> None:
    """Draw the presets: one click loads a preset's settings everywhere and opens the page it is for."""
    with st.popover("Load a preset", width="stretch"):
        for preset in PRESETS.values():
            if st.button(preset.name, help=preset.description, key=f"preset_{preset.name}", width="stretch"):
                apply_preset(preset.series, preset.model, preset.lessons)
                st.switch_page(page_file(preset.page))


def draw_training_status() -> None:
    """Draw the sidebar's one-line training status of this session; return None."""
    st.caption(f"**Training**: {training_status()}")


def training_status() -> str:
    """Return a short learner-facing status of this session's training."""
    job = current_job()
    if job is None:
        return "a trained model is ready" if finished_training() else "not started yet"
    progress = job.progress()
    if progress.status == JobStatus.QUEUED:
        return f"queued, position {progress.queue_position}"
    if progress.status == JobStatus.RUNNING:
        return f"running, epoch {min(progress.epoch + 1, progress.epochs)} of {progress.epochs}"
    if progress.status == JobStatus.STOPPED and not job.done:
        return "stopping after the current batch"
    return "finished" if progress.status == JobStatus.DONE else progress.status


def progress_fraction(progress) -> float:
    """Return how much of the training is done, from 0 to 1."""
    batches = max(progress.batches_per_epoch, 1)
    if progress.status == JobStatus.DONE:
        return 1.0
    return min((progress.epoch * batches + progress.batch) / max(progress.epochs * batches, 1), 1.0)


def progress_label(progress) -> str:
    """Return the progress bar's text: epoch, batch and time left while running, the outcome after."""
    if progress.status == JobStatus.QUEUED:
        return f"Waiting in the queue (position {progress.queue_position}) (queued)"
    if progress.status == JobStatus.RUNNING:
        eta = f", about {progress.eta:.0f} s left" if progress.eta is not None else ""
        return (f"Epoch {min(progress.epoch + 1, progress.epochs)} of {progress.epochs}, batch {progress.batch} "
                f"of {progress.batches_per_epoch}{eta} (running)")
    # A run reopened from the store has no clock of its own (elapsed 0): its epochs' time, or no time at all, is said.
    seconds = max(progress.elapsed, sum(progress.epoch_seconds))
    took = f" in {seconds:.1f} s" if seconds >= 0.05 else ""
    return f"{progress.epoch} of {progress.epochs} epochs{took} ({progress.status})"


def needs(what: str, action: str, page: str) -> None:
    """Show what is missing and a button to the page that provides it, then stop the page."""
    st.info(what)
    if lesson_mode() is not None:
        # A lesson screen has no sidebar or navigation to come back by: the button must say that it leaves it.
        action = f"Leave the lesson screen: {action}"
        st.caption("The button opens the full app, with its sidebar and every page.")
    if st.button(action, type="primary"):
        st.switch_page(page_file(page))
    stop_page()


def stop_page() -> None:
    """End this run of the page here, with the sidebar finished and the address bar written."""
    finish_sidebar()
    write_address_bar()
    st.stop()


def page_slider(label: str, low: float, high: float, default: float, key: str, help: str,
                step: float | None = None) -> float:
    """Return the value of a page's own slider that starts at default, a remembered or linked value kept in range."""
    if not _number_within(st.session_state.get(key), low, high):
        st.session_state[key] = default
    if isinstance(default, float):
        st.session_state[key] = float(st.session_state[key])
    return st.slider(label, low, high, key=key, help=help, step=step)


def clamped_slider(label: str, low: int, high: int, key: str, help: str) -> int:
    """Return an integer slider's value, pulling a remembered value back into [low, high] first."""
    if key in st.session_state and not _number_within(st.session_state[key], low, high):
        remembered = st.session_state[key]
        if isinstance(remembered, (int, float)) and not isinstance(remembered, bool):
            st.session_state[key] = int(max(low, min(remembered, high)))
        else:
            del st.session_state[key]
    if high <= low:
        st.caption(f"{label}: {low}")
        return low
    return st.slider(label, low, high, key=key, help=help)
