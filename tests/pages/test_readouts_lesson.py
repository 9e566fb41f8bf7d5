"""The memory page: a guess first, then curves and a verdict computed from the model shown; roles; the RNN beside it."""

import json
from dataclasses import replace

import numpy as np

from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.expectations import MEMORY_QUESTION, memory_outcome
from lstm_core.glassbox.memory_report import memory_report
from lstm_core.glassbox.memory_verdict import memory_verdict
from lstm_core.glassbox.readouts import memory_curves
from lstm_core.lessons.memory import lesson_outcome
from tests.figures.test_frames_data import unpacked
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, assert_clean, open_page, wait_for_lesson, wait_for_training

PAGE = "pages/lesson_readouts.py"


def test_without_a_model_the_page_sends_the_learner_to_train():
    at = open_page(PAGE)
    assert any("no trained model" in i.value for i in at.info)
    assert at.button[0].label == "Go to Train"
    assert not at.get("plotly_chart"), "nothing to draw: no model of the learner's, no memory lesson trained"


def test_the_curves_wait_for_a_guess_and_then_say_what_the_models_own_readouts_say():
    at = open_page("pages/train.py", series=SMALL_SERIES, model=SMALL_MODEL)
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    at.switch_page(PAGE).run()
    assert_clean(at, "memory page")
    run = at.session_state["finished_training"]
    ds = build_dataset(run.series, run.model.seq_length, run.model.horizon)
    weights = run.result.weights

    charts = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert not any("read back" in title for title in charts), "no curves before the guess"
    next(r for r in at.radio if r.label.startswith("Before you look")).set_value("hardly").run()
    next(b for b in at.button if b.label == "Show what happens").click().run()
    assert_clean(at, "after Show")
    expected = memory_curves(weights, ds, layer=0)
    assert memory_verdict(expected) in [s.value for s in at.success]
    curves_chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                        if "read back" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    noise_from_c = next(t for t in curves_chart["data"] if t["name"] == "noise of x(t−k) from c")
    np.testing.assert_allclose(unpacked(noise_from_c["customdata"]), expected.states["c"].noise, rtol=1e-9)

    # Reading at an earlier step is another question and other curves.
    at.slider(key="w_readouts_step").set_value(3).run()
    assert_clean(at, "step 3")
    assert any(r.label.startswith("Before you look") and "at step 3" in r.label for r in at.radio)

    report = memory_report(weights, ds, 0)
    table = at.dataframe[0].value
    assert list(table["role"]) == [r.role for r in report.roles.units]
    phone = next(t.value for t in at.table if list(t.value.columns) == ["unit", "role"])  # its form on a phone
    assert list(phone["role"]) == list(table["role"]) and list(phone["unit"]) == list(table["unit"])
    np.testing.assert_allclose(table["error without it ÷ with it"], np.round(report.atlas.knock_out_ratios[0], 3))
    assert any("LSTM vs plain RNN" in i.value for i in at.info), "no memory lesson trained yet: it says where"


def test_the_plain_rnn_and_the_lstm_memories_side_by_side_once_the_memory_lesson_has_trained():
    at = open_page("pages/lesson_memory.py")
    for key in ("w_memory_k", "w_memory_units", "w_memory_epochs"):
        at.slider(key=key).set_value(at.slider(key=key).min).run()
    at.radio(key=f"guess_{MEMORY_QUESTION.key}").set_value("the LSTM").run()
    next(b for b in at.button if b.label == "Train both").click().run()
    wait_for_lesson(at, "memory")
    assert_clean(at, "memory lesson")
    jobs = at.session_state["lesson_jobs_memory"]
    outcome = lesson_outcome(jobs.results(), jobs.data["LSTM"])
    expected = outcome.readouts
    answer = memory_outcome(outcome.models["plain RNN"].grade == "learned", outcome.models["LSTM"].grade == "learned")
    reveal = next(m.value for m in [*at.success, *at.warning] if m.value.startswith(MEMORY_QUESTION.text))
    assert "You expected the LSTM" in reveal and answer in reveal
    assert f"{outcome.models['LSTM'].explained:.0%}" in reveal
    lesson_chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                        if "each memory can read back" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    lstm_c = next(t for t in lesson_chart["data"] if t["name"] == "LSTM: c")
    np.testing.assert_allclose(unpacked(lstm_c["customdata"]), expected["LSTM"].states["c"].inputs, rtol=1e-9)
    verdicts = [memory_verdict(replace(curves, unknown=None)) for curves in expected.values()]
    assert all(any(v in c.value for c in at.caption) for v in verdicts)

    at.switch_page(PAGE).run()  # the RNN contrast needs no model of the learner's own
    assert_clean(at, "memory page without a model")
    assert any("no trained model" in i.value for i in at.info)
    contrast = json.loads(at.get("plotly_chart")[0].proto.spec)
    np.testing.assert_allclose(unpacked(next(t for t in contrast["data"] if t["name"] == "LSTM: c")["customdata"]),
                               expected["LSTM"].states["c"].inputs, rtol=1e-9)
