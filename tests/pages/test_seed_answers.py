"""The seed's three questions are answered where a newcomer looks first: the top of Inside, beside the Model's stack."""

import json
from dataclasses import replace

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from lstm_core.model.answers import QUESTIONS
from lstm_core.ui.charts import DESCRIBE_LABEL
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, assert_clean, open_page, wait_for_training


def page_in_order(at: AppTest) -> list:
    """Return the main area's elements in the order the page draws them, containers opened.

    A chart's own summary (the hidden paragraph and the "Describe this chart" expander) belongs to the chart.
    """
    def walk(node):
        for child in node.children.values():
            if isinstance(child, Block):
                if getattr(child, "label", None) != DESCRIBE_LABEL:
                    yield from walk(child)
            elif child.type != "html":
                yield child
    return list(walk(at.main))


def answers_on(at: AppTest) -> dict[str, str]:
    """Return each seed question shown on the page with the answer written after it."""
    found = {}
    for markdown in at.markdown:
        for question in QUESTIONS:
            if markdown.value.startswith(f"**{question}** "):
                found[question] = markdown.value.removeprefix(f"**{question}** ")
    return found


def train_and_open_inside(model) -> AppTest:
    """Return an AppTest on Inside after training `model` on the small series from the Train page."""
    at = open_page("pages/train.py", series=SMALL_SERIES, model=model)
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    at.switch_page("pages/inside.py").run()
    assert_clean(at, "inside page")
    return at


def test_inside_opens_with_the_three_answers_in_the_trained_models_numbers_before_the_stepper():
    model = replace(SMALL_MODEL, units=6, layers=2, seq_length=8)
    at = train_and_open_inside(model)
    answers = answers_on(at)
    assert list(answers) == list(QUESTIONS)
    steps, gate, stack = answers.values()
    assert steps.startswith("No, one step at a time") and "x1…x8" in steps and steps.endswith("only after step 8.")
    assert gate.startswith("No: the forget gate of unit 0 in layer 1")
    assert "1 + 6 weights and a bias" in gate and "no hidden layer" in gate
    assert "layer 2's W is 6 × 24" in stack
    assert "every unit of layer 1 feeds every gate of every unit of layer 2" in stack
    assert "layer 2's final state h8 (a vector of 6 values)" in stack

    drawn = page_in_order(at)
    first_answer = next(k for k, e in enumerate(drawn) if e.type == "markdown" and e.value.startswith("**Do I feed"))
    stepper = next(k for k, e in enumerate(drawn) if e.type == "plotly_chart")
    assert first_answer < stepper, "the answers come before the stepper, at the top of the page"
    assert not any(c.value.startswith(("A gate is not a small network", "Stacked layers:")) for c in at.caption), (
        "the old bottom captions are gone")

    at.selectbox(key="w_inside_layer").set_value(1).run()
    at.slider(key="w_inside_unit").set_value(4).run()
    assert_clean(at, "layer 2, unit 4")
    gate = answers_on(at)[QUESTIONS[1]]
    assert "unit 4 in layer 2" in gate and "σ(x_t·W_f[:,4] + h_{t−1}·U_f[:,4] + b_f[4])" in gate
    assert "6 + 6 weights and a bias" in gate and "layer 1's h_t" in gate


def test_inside_on_a_one_layer_run_says_what_the_single_layer_hands_the_head():
    at = train_and_open_inside(replace(SMALL_MODEL, units=5, layers=1, seq_length=6))
    stack = answers_on(at)[QUESTIONS[2]]
    assert stack.startswith("There is one layer")
    assert "final state h6 (a vector of 5 values)" in stack and "U is 5 × 20" in stack
    assert "layer 2" not in stack


def test_the_model_page_answers_beside_its_stack_drawing_and_follows_the_sliders():
    at = open_page("pages/model.py", series=SMALL_SERIES, model=replace(SMALL_MODEL, units=6, layers=2, seq_length=8))
    answers = answers_on(at)
    assert list(answers) == list(QUESTIONS)
    steps, gate, stack = answers.values()
    assert "x1…x8" in steps and "any unit j in layer 1" in gate and "1 + 6 weights" in gate
    assert "Layer 2's gates have 6 + 6 weights and a bias." in gate
    assert "layer 2's W is 6 × 24" in stack

    drawn = page_in_order(at)
    stack_chart = next(k for k, e in enumerate(drawn) if e.type == "plotly_chart")
    first_answer = next(k for k, e in enumerate(drawn) if e.type == "markdown" and e.value.startswith("**Do I feed"))
    assert 0 < first_answer - stack_chart <= 2, "the answers sit right under the stack drawing and its caption"
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    headers = [a["text"] for a in figure["layout"]["annotations"] if a.get("text", "").startswith("step ")]
    assert headers == ["step 1", "step 2", "step 8"], "the drawing's columns are the steps of this window"
    assert any("vector of 6 values" in c.value for c in at.caption), "its caption gives the boxes' size"

    at.slider(key="w_model_layers").set_value(1).run()
    at.slider(key="w_model_seq_length").set_value(12).run()
    assert_clean(at, "one layer, window 12")
    steps, _, stack = answers_on(at).values()
    assert "x1…x12" in steps and stack.startswith("There is one layer") and "h12 (a vector of 6 values)" in stack
