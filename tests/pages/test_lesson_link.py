"""A teacher's lesson link carries the model its screen shows; lesson-mode notices fit a screen with no sidebar."""

from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from lstm_core.presets import QUICK_START_MODEL
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, assert_clean, open_link, open_page, wait_for_training

NO_MODEL = "There is no trained model yet"
NO_LINK_YET = "No link yet"


@pytest.fixture(autouse=True)
def pages_run_inside_the_app(monkeypatch):
    """Make AppTest open a page inside app.py (sidebar or none, lesson mode), as a served app does."""
    # Seeing a pages/ folder, AppTest would run a page's file by itself, without app.py's sidebar around it.
    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False
    monkeypatch.setattr(PagesManager, "__init__", init)


def go_home(at: AppTest) -> AppTest:
    """Return the AppTest after opening Home, which app.py draws as a function rather than a page file."""
    at._page_hash = next(hash_ for hash_, info in at._registered_pages.items() if not info.get("script_path"))
    at.run()
    assert_clean(at, "Home")
    return at


def lesson_link_box(at: AppTest, mode: str) -> str | None:
    """Return the lesson link Home's teacher form shows for mode, or None when it shows none."""
    at.selectbox(key="teacher_lesson").set_value(mode).run()
    assert_clean(at, f"teacher form on {mode}")
    return next((c.value for c in at.code if f"lesson={mode}" in c.value), None)


def texts(at: AppTest) -> str:
    """Return every info, warning, caption and markdown text and every button label of the page, joined."""
    parts = [str(e.value) for kind in ("info", "warning", "caption", "markdown") for e in getattr(at, kind)]
    return " ".join(parts + [b.label for b in at.button])


def train_from_the_teacher_form() -> AppTest:
    """Return the AppTest back on Home after the teacher form's own button trained the small model."""
    at = open_page(series=SMALL_SERIES, model=SMALL_MODEL)
    assert lesson_link_box(at, "gates") is None
    at.button(key="teacher_train").click().run()
    assert_clean(at, "train from the teacher form")
    assert at.title[0].value.startswith("Train")
    wait_for_training(at)
    return go_home(at)


def test_without_a_trained_model_the_gates_link_is_not_built_and_training_is_offered():
    at = open_page(series=SMALL_SERIES, model=SMALL_MODEL)
    assert lesson_link_box(at, "gates") is None, "a gates link without a model would open on an empty page"
    info = " ".join(str(i.value) for i in at.info)
    assert NO_LINK_YET in info and "trained model" in info
    assert at.button(key="teacher_train").label == "Train these settings now"
    windows = lesson_link_box(at, "windows")
    assert windows is not None and "run=" not in windows, "the windows lesson needs no model"


def test_the_gates_link_carries_the_stored_run_and_opens_it_in_lesson_mode():
    at = train_from_the_teacher_form()
    run_id = at.session_state["finished_training"].run_id
    assert run_id
    link = lesson_link_box(at, "gates")
    assert link is not None and urlsplit(link).path.endswith("/inside")
    query = {name: values[0] for name, values in parse_qs(urlsplit(link).query).items()}
    assert query["run"] == run_id and query["lesson"] == "gates"

    projector = open_link(query, "pages/inside.py")
    assert projector.title[0].value.startswith("Inside the LSTM")
    assert projector.session_state["finished_training"].run_id == run_id
    assert NO_MODEL not in texts(projector)
    assert any("Replay matches Keras" in m.value for m in projector.markdown), "the stepper draws the linked model"
    assert not projector.sidebar.children, "a lesson screen has no sidebar"
    assert "sidebar" not in texts(projector).lower()
    assert any("The stored model this link carries" in c.value for c in projector.caption)


def test_the_lesson_link_of_a_page_without_a_model_carries_a_stored_run_too():
    at = train_from_the_teacher_form()
    link = lesson_link_box(at, "windows")
    assert link is not None and f"run={at.session_state['finished_training'].run_id}" in link


def test_a_gates_link_without_a_run_says_in_lesson_words_that_the_button_leaves_the_lesson():
    at = open_link({"lesson": "gates"}, "pages/inside.py")
    words = texts(at)
    assert "sidebar" not in " ".join(str(i.value) for i in at.info).lower()
    assert "This lesson link carries no trained model" in words and NO_MODEL not in words
    button = next(b for b in at.button if "Go to Train" in b.label)
    assert button.label.startswith("Leave the lesson screen")
    button.click().run()
    assert_clean(at, "leaving the lesson screen")
    assert at.title[0].value.startswith("Train") and "lesson" not in at.query_params


def test_the_full_app_keeps_its_own_words_for_a_linked_run_and_a_missing_model():
    empty = open_link({}, "pages/inside.py")
    assert NO_MODEL in texts(empty)
    assert any(b.label == "Go to Train" for b in empty.button)
    run_id = train_from_the_teacher_form().session_state["finished_training"].run_id
    linked = open_link({"run": run_id}, "pages/inside.py")
    assert "the sidebar shows them" in " ".join(str(i.value) for i in linked.info)
    assert linked.sidebar.children, "the full app has its sidebar"


@pytest.fixture
def submitted_models(pages_train_on_the_recorded_pool, monkeypatch):
    """Return the list of model configs the app submitted to the pool, in order."""
    pool, submitted = pages_train_on_the_recorded_pool, []
    original = pool.submit

    def counting(data, cfg, owner_alive=None, session=None, data_spec=None, address=None):
        submitted.append(cfg)
        return original(data, cfg, owner_alive, session, data_spec, address)

    monkeypatch.setattr(pool, "submit", counting)
    return submitted


def test_quick_start_applies_its_preset_opens_train_and_starts_training(submitted_models):
    at = open_page()
    next(b for b in at.button if b.label == "Quick start: small preset, then train").click().run()
    assert_clean(at, "quick start")
    assert at.title[0].value.startswith("Train")
    assert submitted_models == [QUICK_START_MODEL], "the quick start trained its own small model, once"
    wait_for_training(at)
    run = at.session_state["finished_training"]
    assert run.model == QUICK_START_MODEL and run.run_id
    assert any(d for d in at.dataframe), "Train shows the forecast of the model the quick start trained"
