"""Each preset and Home's quick start, then every page: no page rewrites a setting; the copy link trains that model."""

import math
from urllib.parse import parse_qs

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.presets import PRESETS, QUICK_START_MODEL, QUICK_START_SERIES, Preset
from lstm_core.ui.links import LEARNING_RATES, MODEL_PARAMS, SERIES_PARAMS
from lstm_core.ui.pages import PAGE_FILES
from lstm_core.ui.settings import LESSON_SETTINGS_KEYS, MODEL_KEY, SERIES_KEY
from tests.pages.apptest import APP, TIMEOUT, assert_clean, sidebar_text

QUICK_START = Preset("Home quick start", "The Home page's quick start button.", QUICK_START_SERIES, QUICK_START_MODEL)
SETTINGS_OF_PREFIX = {"w_series_": SERIES_KEY, "w_model_": MODEL_KEY, "w_memory_": LESSON_SETTINGS_KEYS["memory"],
                      "w_splits_": LESSON_SETTINGS_KEYS["splits"]}  # a control's key prefix -> the settings it edits
# 2π, a sine's own period, falls between the period slider's 0.1 steps: the slider keeps it as it is.
OFF_GRID_DEFAULTS = {"w_series_period": SeriesConfig().period}
LINK_NOTICE = "This link held settings that were left out"


@pytest.fixture(autouse=True)
def pages_run_inside_the_app(monkeypatch):
    """Make AppTest open a page inside app.py (sidebar, copy link), as a served app does once it has run."""
    # A served app runs app.py around every page once st.navigation has run; AppTest starts each run
    # afresh and, seeing a pages/ folder, would run a page's file by itself.
    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False
    monkeypatch.setattr(PagesManager, "__init__", init)


def copy_link(at: AppTest) -> str | None:
    """Return the text of the copy-link box at the foot of the page, or None on a page that stops at what it needs."""
    if not at.code:
        # widgets.needs stops the whole run before the foot: Inside, before any training, offers Train instead.
        assert at.info and at.main.button, "a page without a copy link that does not say what it needs"
        return None
    link = at.code[-1].value
    assert link.startswith("?"), f"the foot of the page holds no copy link but {link!r}"
    return link


def link_settings(link: str) -> dict[str, list[str]]:
    """Return a link's series and model parameters."""
    return {name: values for name, values in parse_qs(link.lstrip("?")).items()
            if name in SERIES_PARAMS or name in MODEL_PARAMS}


def session_settings(at: AppTest, preset: Preset) -> dict:
    """Return the session's series, model and the preset's lesson settings."""
    keys = [SERIES_KEY, MODEL_KEY, *(LESSON_SETTINGS_KEYS[name] for name in preset.lessons)]
    return {key: dict(at.session_state[key]) for key in keys}


def preset_settings(preset: Preset) -> dict:
    """Return the settings a preset loads, keyed as the session keeps them."""
    return {SERIES_KEY: preset.series.to_dict(), MODEL_KEY: preset.model.to_dict(),
            **{LESSON_SETTINGS_KEYS[name]: settings for name, settings in preset.lessons.items()}}


def on_grid(value: float, low: float, step: float) -> bool:
    """Return True when value is low plus a whole number of steps."""
    steps = (value - low) / step
    return math.isclose(steps, round(steps), abs_tol=1e-6)


def setting_of(at: AppTest, key: str | None) -> tuple[bool, object]:
    """Return (True, the session setting a control's key edits), or (False, None) for a control of no setting."""
    prefix = next((p for p in SETTINGS_OF_PREFIX if (key or "").startswith(p)), None)
    if prefix is None:
        return False, None
    return True, at.session_state[SETTINGS_OF_PREFIX[prefix]][key.removeprefix(prefix)]


def assert_controls_show_the_settings(at: AppTest, where: str) -> None:
    """Return None when every control of a setting shows its value, one of its own steps; raise AssertionError else."""
    for slider in at.slider:
        bound, value = setting_of(at, slider.key)
        if not bound:
            continue
        assert slider.value == value, f"{where}: {slider.key} shows {slider.value}, the setting is {value}"
        assert slider.min <= value <= slider.max, f"{where}: {slider.key} = {value} is off [{slider.min}, {slider.max}]"
        assert on_grid(value, slider.min, slider.step) or OFF_GRID_DEFAULTS.get(slider.key) == value, \
            f"{where}: {slider.key} = {value} is not on its slider's steps of {slider.step} from {slider.min}"
    for select in [*at.selectbox, *at.select_slider]:
        bound, value = setting_of(at, select.key)
        if bound:
            assert select.value == value, f"{where}: {select.key} shows {select.value}, the setting is {value}"
    for select in at.select_slider:
        if select.key == "w_model_learning_rate":
            assert [float(option) for option in select.options] == list(LEARNING_RATES), \
                f"{where}: the learning rates shown are not the ones a link may carry: {select.options}"


def open_page(at: AppTest, page: str) -> AppTest:
    """Return the AppTest after opening page (a file of PAGE_FILES, or "app.py" for Home) inside the app."""
    if page == "app.py":
        # Home is a function of app.py, not a file: AppTest.switch_page cannot name it, the navigation's hash can.
        at._page_hash = next(hash_ for hash_, info in at._registered_pages.items() if not info.get("script_path"))
    else:
        at.switch_page(page)
    at.run()
    assert_clean(at, f"opening {page}")
    return at


def apply(preset: Preset) -> AppTest:
    """Return an AppTest on the page a preset opens, after one click on its button (Home's, for the quick start)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if preset is QUICK_START:
        next(b for b in at.button if b.label.startswith("Quick start")).click().run()
    else:
        at.button(key=f"preset_{preset.name}").click().run()
    assert_clean(at, f"loading {preset.name}")
    return at


@pytest.mark.parametrize("preset", [*PRESETS.values(), QUICK_START], ids=lambda preset: preset.name)
def test_no_page_rewrites_a_preset_and_its_copy_link_trains_the_same_model(preset):
    at = apply(preset)
    expected = preset_settings(preset)
    assert session_settings(at, preset) == expected
    sidebar = sidebar_text(at)
    assert f"lr {preset.model.learning_rate:g}," in sidebar and f"{preset.model.epochs} epochs" in sidebar
    link_params = link_settings(copy_link(at))
    links = {copy_link(at)}
    started = at.session_state["training_job"]["job"] if "training_job" in at.session_state else None
    assert (started is not None) == (preset is QUICK_START), "only the quick start trains at once"
    for page in ["app.py", *PAGE_FILES]:
        open_page(at, page)
        assert session_settings(at, preset) == expected, f"{page} changed a setting of {preset.name}"
        assert sidebar_text(at) == sidebar, f"{page} changed the sidebar of {preset.name}"
        link = copy_link(at)
        assert link is None or link_settings(link) == link_params, f"{page} changed the copy link of {preset.name}"
        assert_controls_show_the_settings(at, f"{preset.name} on {page}")
        now = at.session_state["training_job"]["job"] if "training_job" in at.session_state else None
        assert now is started, f"opening {page} started a training"
        assert not [key for key in at.session_state if str(key).startswith("lesson_jobs_")], \
            f"opening {page} started a lesson's training"
        if link is not None:
            links.add(link)
    for link in sorted(links):
        fresh = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        for name, values in parse_qs(link.lstrip("?")).items():
            fresh.query_params[name] = values if len(values) > 1 else values[0]
        fresh.run()
        assert_clean(fresh, f"opening {link}")
        assert not [w.value for w in fresh.warning if w.value.startswith(LINK_NOTICE)], link
        assert SeriesConfig.from_dict(fresh.session_state["series_settings"]) == preset.series, link
        assert ModelConfig.from_dict(fresh.session_state["model_settings"]) == preset.model, link


@pytest.mark.parametrize("name, model", [*((preset.name, preset.model) for preset in [*PRESETS.values(), QUICK_START]),
                                         ("the default", ModelConfig())])
def test_every_preset_learning_rate_is_one_the_model_page_offers(name, model):
    assert model.learning_rate in LEARNING_RATES, f"{name}: {model.learning_rate} is not in {LEARNING_RATES}"
