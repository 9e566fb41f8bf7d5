"""Driving the app in Streamlit's AppTest: open a page or a link, sweep the sliders, rerun until training ends."""

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lstm_core.config import ModelConfig, SeriesConfig

APP = Path(__file__).resolve().parents[2] / "app.py"


TIMEOUT = 60


SMALL_SERIES = SeriesConfig(n_points=300)


SMALL_MODEL = ModelConfig(seq_length=8, units=6, layers=2, dense_units=4, epochs=2, batch_size=32)


def open_page(page: str | None = None, series: SeriesConfig | None = None, model: ModelConfig | None = None) -> AppTest:
    """Return an AppTest of the app that has run once on page (Home when None)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if series is not None:
        at.session_state["series_settings"] = series.to_dict()
    if model is not None:
        at.session_state["model_settings"] = model.to_dict()
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_clean(at: AppTest, where: str) -> None:
    """Return None when the run raised nothing; raise AssertionError with its exceptions otherwise."""
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"


def sidebar_text(at: AppTest) -> str:
    """Return the text of every caption in the sidebar."""
    return " ".join(e.value for e in at.sidebar if type(e).__name__ == "Caption")


def sweep_sliders(at: AppTest) -> int:
    """Set every slider on the page to its minimum and then its maximum; return how many were swept."""
    keys = [s.key for s in at.slider if s.key]
    for key in keys:
        for end in ("min", "max"):
            slider = at.slider(key=key)
            slider.set_value(getattr(slider, end)).run()
            assert_clean(at, f"slider {key} at {end}")
    for select in [s.key for s in at.select_slider if s.key]:
        for option in (at.select_slider(key=select).options[0], at.select_slider(key=select).options[-1]):
            at.select_slider(key=select).set_value(type(at.select_slider(key=select).value)(option)).run()
            assert_clean(at, f"select slider {select} at {option}")
    return len(keys)


def rerun_until(at: AppTest, finished, what: str, limit: float) -> None:
    """Rerun the page, as its own poll would, until finished(at) holds; then run it once more."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if finished(at):
            at.run()
            return
        time.sleep(0.5)
        at.run()
        assert_clean(at, f"while {what}")
    raise AssertionError(f"{what} did not finish in time")


def wait_for_training(at: AppTest, limit: float = 120) -> None:
    """Rerun the page until this session's job is finished."""
    rerun_until(at, lambda at: at.session_state["training_job"]["job"].done, "training", limit)


def wait_for_lesson(at: AppTest, lesson: str, limit: float = 180) -> None:
    """Rerun the page until every job of the lesson has finished."""
    rerun_until(at, lambda at: not at.session_state[f"lesson_jobs_{lesson}"].active, "the lesson trains", limit)


def open_link(query: dict[str, str], page: str | None = None) -> AppTest:
    """Return an AppTest of the app opened through a link with these query parameters."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert_clean(at, f"link {query}")
    return at
