"""The guided lesson's steps: every page and element they point at exists, and their questions answer right."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset, build_dataset_from_values, max_seq_length
from lstm_core.lessons.guide import (
    COUNTS,
    MODEL_PAGES,
    QUESTIONS,
    STEPS,
    GuideStep,
    key_class,
    other_window,
    step_of_link,
    target_selector,
    train_window_count,
    training_step,
    weight_count_question,
    window_count_question,
)
from lstm_core.model.shapes import count_params
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui.pages import HOME_FILE, PAGE_BY_NAME
from tests.ui.test_page_registry import widget_keys

ROOT = Path(__file__).resolve().parents[2]
PATH = ("home", "data", "model", "train", "inside")  # the explainer's order; one lesson comes after it
KEY_WORD = re.compile(r"""\bkey=(f?)["']([^"'{]*)(\{?)""")  # key="name", key=f"start{...}"
BOUND_WIDGET = re.compile(r'\b\w+_(?:slider|select|steps)\(\w+, "(\w+)", "(\w+)"')  # w_<group>_<field>, any wrapper


def ui_modules_read_by(source: str) -> set[str]:
    """Return the lstm_core.ui modules a source imports, and the ones they import in turn."""
    found: set[str] = set()
    pending = [source]
    while pending:
        for node in ast.walk(ast.parse(pending.pop())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module == "lstm_core.ui":
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lstm_core.ui."):
                names = [node.module.split(".")[2]]
            for name in names:
                path = ROOT / "lstm_core" / "ui" / f"{name}.py"
                if name not in found and path.exists():
                    found.add(name)
                    pending.append(path.read_text())
    return found


def element_keys(page_name: str) -> tuple[set[str], set[str]]:
    """Return (the keys written out, the starts of keys made per run) of a page and the ui modules it reads."""
    source = (ROOT / PAGE_BY_NAME[page_name].file).read_text()
    sources = [source, *((ROOT / "lstm_core" / "ui" / f"{name}.py").read_text()
                         for name in sorted(ui_modules_read_by(source) - {"guide"}))]
    exact, starts = set(), set()
    for text in sources:
        exact |= widget_keys(text) | {f"w_{group}_{field}" for group, field in BOUND_WIDGET.findall(text)}
        for is_f, start, brace in KEY_WORD.findall(text):
            (starts if is_f and brace else exact).add(start)
    return exact, starts


def test_the_guide_takes_10_to_15_steps_along_the_path_and_ends_in_a_lesson():
    assert 10 <= len(STEPS) <= 15
    pages = [step.page for step in STEPS]
    assert all(page in PAGE_BY_NAME for page in pages)
    on_path = [page for page in pages if page in PATH]
    assert on_path == sorted(on_path, key=PATH.index) and set(on_path) == set(PATH), "Home, Data, Model, Train, Inside"
    assert pages.index("inside") < pages.index(pages[-1])
    assert PAGE_BY_NAME[pages[-1]].section == "Lessons"
    assert pages[-1] == pages[-2], "the lesson is more than one glance"


def test_every_step_has_one_sentence_and_one_action():
    for step in STEPS:
        assert step.sentence.endswith((".", "…")) and step.action.endswith(".")
        assert step.sentence.count(". ") <= 1, step.sentence  # a closing remark on the last step at most
        assert len(step.sentence) <= 170, step.sentence


def test_every_target_is_a_widget_or_chart_key_of_its_page():
    for step in STEPS:
        if step.page == "home":
            source = (ROOT / HOME_FILE).read_text()
            assert f'key="{step.target_key}"' in source, step
            continue
        exact, starts = element_keys(step.page)
        if step.target_prefix is not None:
            assert step.target_prefix in starts, (step.page, step.target_key, starts)
        else:
            assert step.target_key in exact, (step.page, step.target_key)


def test_the_key_finder_tells_a_page_s_keys_from_others():
    exact, starts = element_keys("train")
    assert {"forecast", "loss_stored"} <= exact and "loss_" in starts
    assert "stepper" not in exact and "w_inside_unit" not in exact
    inside, _ = element_keys("inside")
    assert {"stepper", "w_inside_unit", "w_inside_step", "w_inside_what_if"} <= inside


def test_every_prediction_names_a_question_and_model_pages_come_after_training():
    assert all(step.prediction in QUESTIONS for step in STEPS if step.prediction)
    train_at = training_step()
    assert STEPS[train_at].page == "train"
    assert all(index > train_at for index, step in enumerate(STEPS) if step.page in MODEL_PAGES)


@pytest.mark.parametrize("n_points, seq_length, horizon", [(1000, 20, 1), (300, 8, 1), (170, 5, 3), (2000, 50, 2)])
def test_training_windows_are_counted_as_the_dataset_cuts_them(n_points, seq_length, horizon):
    ds = build_dataset(SeriesConfig(n_points=n_points), seq_length, horizon)
    assert train_window_count(n_points, seq_length, horizon) == len(ds.X["train"])


def test_a_learner_s_own_short_series_is_counted_the_same_way():
    ds = build_dataset_from_values(np.sin(np.arange(60.0)), seq_length=40, horizon=1)  # 42 training points
    assert train_window_count(60, 40, 1) == len(ds.X["train"]) == 2


def test_no_window_fits_counts_zero():
    assert train_window_count(100, 80, 1) == 0


def test_the_window_question_compares_twice_the_window_and_answers_from_the_counts():
    question = window_count_question(QUICK_START_SERIES.n_points, QUICK_START_MODEL)
    assert question is not None and question.choices == COUNTS
    assert "40 values long instead of 20" in question.text
    now = len(build_dataset(QUICK_START_SERIES, 20).X["train"])
    then = len(build_dataset(QUICK_START_SERIES, 40).X["train"])
    assert (now, then) == (680, 660)
    assert question.outcome == "fewer"
    assert question.what_happened == ("680 windows of 20 values, 660 windows of 40 values in the training part's "
                                      "700 points")


def test_at_the_longest_window_the_question_asks_about_half_of_it():
    longest = max_seq_length(170, 1)  # 118
    cfg = ModelConfig(seq_length=100)  # the slider's top, under the series' longest
    assert other_window(170, cfg) == 50
    question = window_count_question(170, cfg)
    assert question is not None and question.outcome == "more"
    assert f"{train_window_count(170, 100, 1)} windows of 100" in question.what_happened
    assert longest == 118
    assert other_window(30, ModelConfig(seq_length=20)) == 10  # 21 training points: 20 is the longest window


def test_a_series_with_one_possible_window_length_asks_nothing():
    cfg = ModelConfig(seq_length=1, horizon=1)
    assert max_seq_length(3, 1) == 1
    assert other_window(3, cfg) is None
    assert window_count_question(3, cfg) is None and weight_count_question(3, cfg) is None


def test_the_weight_question_answers_the_same_with_the_counted_parameters():
    question = weight_count_question(1000, QUICK_START_MODEL)
    assert question is not None and question.outcome == "the same"
    count = count_params(QUICK_START_MODEL)
    assert count == 4 * 32 * (1 + 32 + 1) + (32 * 8 + 8) + (8 + 1)
    assert question.what_happened == f"{count:,} trainable weights with windows of 20, {count:,} with windows of 40"


@pytest.mark.parametrize("values, index", [(["1"], 0), (["5"], 4), ([" 3 "], 2), ([str(len(STEPS))], len(STEPS) - 1)])
def test_a_link_s_step_counts_from_one(values, index):
    assert step_of_link(values) == (index, None)


@pytest.mark.parametrize("values, words", [
    (["0"], f"steps 1 to {len(STEPS)}"), ([str(len(STEPS) + 1)], f"steps 1 to {len(STEPS)}"),
    (["abc"], "steps 1 to"), (["-2"], "steps 1 to"), (["2.5"], "steps 1 to"), ([""], "steps 1 to"),
    (["99999999"], "steps 1 to"), (["1", "2"], "given 2 times"),
])
def test_a_bad_step_in_a_link_is_left_out_with_its_reason(values, words):
    index, reason = step_of_link(values)
    assert index is None and words in reason


def test_a_target_s_selector_is_the_class_streamlit_gives_its_key():
    assert key_class("w_model_units") == "st-key-w_model_units"
    assert key_class("guess_abc/readout/0/19") == "st-key-guess_abc-readout-0-19"  # Streamlit's own rewriting
    exact = GuideStep("train", "A sentence.", "forecast", "Look.", None)
    per_run = GuideStep("train", "A sentence.", "loss_*", "Look.", None)
    assert exact.target_prefix is None and target_selector(exact) == ".st-key-forecast"
    assert per_run.target_prefix == "loss_" and target_selector(per_run) == '[class*="st-key-loss_"]'
