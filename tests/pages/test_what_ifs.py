"""Inside's what-ifs: a guess before every answer, the glass box's own answer, the altered cell in the stepper."""

import json

import numpy as np

from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.expectations import outcome_of
from lstm_core.glassbox.interventions import Intervention
from lstm_core.glassbox.memory_report import memory_report
from lstm_core.glassbox.replay import trace_model
from lstm_core.glassbox.what_if import run_what_if
from tests.figures.test_frames_data import unpacked
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, assert_clean, open_page, wait_for_training


def _trained_inside():
    at = open_page("pages/train.py", series=SMALL_SERIES, model=SMALL_MODEL)
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    at.switch_page("pages/inside.py").run()
    assert_clean(at, "inside page")
    run = at.session_state["finished_training"]
    ds = build_dataset(run.series, run.model.seq_length, run.model.horizon)
    return at, run, ds


def _stepper(at) -> dict:
    return json.loads(next(c for c in at.get("plotly_chart") if "frames" in json.loads(c.proto.spec)).proto.spec)


def _heatmap(stepper: dict, part: str) -> np.ndarray:
    found = [t for t in stepper["data"]
             if t.get("type") == "heatmap" and f"<extra>{part}</extra>" in t["hovertemplate"]]
    assert len(found) == 1, part
    return unpacked(found[0]["z"]).astype(np.float64)  # (units, seq_length)


def test_a_what_if_asks_first_then_answers_with_the_glass_boxs_numbers_and_the_stepper_shows_the_altered_cell():
    at, run, ds = _trained_inside()
    weights, layer, unit = run.result.weights, 0, int(at.slider(key="w_inside_unit").value)
    report = memory_report(weights, ds, 0)
    role = report.roles.units[unit].role
    assert any(role in c.value for c in at.caption), "the unit picked for the equations has its role said"

    # Knock out the unit: no answer before a guess, and Show is disabled until there is one.
    show = next(b for b in at.button if b.label == "Show what happens")
    assert show.disabled and len(at.get("plotly_chart")) == 1, "only the stepper: the answer waits for a guess"
    expected = run_what_if(weights, ds.X["test"], ds.y["test"], [Intervention("knock_out", layer, units=(unit,))])
    guess = next(r for r in at.radio if r.label.startswith("If you knock out"))
    guess.set_value("better").run()
    next(b for b in at.button if b.label == "Show what happens").click().run()
    assert_clean(at, "after Show")
    verdicts = [m.value for m in [*at.success, *at.warning]]
    assert any(v.startswith("You expected better") and f"{expected.test_mse:.4f}" in v for v in verdicts), verdicts
    assert any(outcome_of(expected.ratio) in v for v in verdicts)
    answer = json.loads(at.get("plotly_chart")[0].proto.spec)
    altered = next(t for t in answer["data"] if t.get("visible") is True and t["name"].startswith("knock out"))
    np.testing.assert_allclose(unpacked(altered["y"]), expected.predictions[:, 0], rtol=1e-6)
    menu = answer["layout"]["updatemenus"][0]["buttons"]
    assert len(menu) == run.model.units + 4 + 1, "every knock-out of the layer, its four clamps and the reset"

    # Clamp f = 0 in the whole layer, guess, and step through the altered cell: f is 0 everywhere.
    at.radio(key="w_inside_what_if").set_value("Clamp a gate").run()
    at.selectbox(key="w_inside_clamp").set_value("f = 0: forgets everything").run()
    next(r for r in at.radio if r.label.startswith("If you clamp f = 0")).set_value("worse").run()
    next(b for b in at.button if b.label == "Show what happens").click().run()
    at.toggle(key="w_inside_show_altered").set_value(True).run()
    assert_clean(at, "altered stepper")
    window = int(at.slider(key="w_inside_window").value)
    clamped = trace_model(weights, ds.X["test"][window:window + 1],
                          interventions=[Intervention("clamp", 0, gate="f", value=0.0)])
    stepper = _stepper(at)
    assert np.all(_heatmap(stepper, "f") == 0.0)
    np.testing.assert_allclose(_heatmap(stepper, "c"), clamped.layers[0].c[0].T, atol=1e-6)
    assert not any(t.get("type") == "heatmap" and "∂L/∂c" in t["hovertemplate"] for t in stepper["data"]), \
        "the altered cell is shown forwards only"

    # Clamp f = 0 in the picked unit only: its answer is the glass box's, and only that unit's f is 0.
    at.radio(key="w_inside_clamp_scope").set_value("this unit only").run()
    next(r for r in at.radio if r.label.startswith(f"If you clamp f = 0 in unit {unit} ")).set_value("worse").run()
    next(b for b in at.button if b.label == "Show what happens").click().run()
    one_unit = run_what_if(weights, ds.X["test"], ds.y["test"],
                           [Intervention("clamp", 0, units=(unit,), gate="f", value=0.0)])
    verdicts = [m.value for m in [*at.success, *at.warning]]
    assert any(f"{one_unit.test_mse:.4f}" in v for v in verdicts), verdicts
    assert one_unit.test_mse != report.atlas.clamp(0, "f", 0.0).test_mse
    at.toggle(key="w_inside_show_altered").set_value(True).run()
    forget = _heatmap(_stepper(at), "f")  # (units, seq_length)
    assert np.all(forget[unit] == 0.0) and np.any(np.delete(forget, unit, axis=0) != 0.0)

    # Rows by importance: the most costly knock-out on top.
    at.toggle(key="w_inside_show_altered").set_value(False).run()
    at.selectbox(key="w_inside_order").set_value("importance").run()
    stepper = _stepper(at)
    untouched = trace_model(weights, ds.X["test"][window:window + 1]).layers[0].h[0]  # (seq_length, units)
    ratios = report.atlas.knock_out_ratios[0]
    top_unit = int(np.argmax(ratios))
    np.testing.assert_allclose(_heatmap(stepper, "h")[-1], untouched[:, top_unit], atol=1e-6)
    assert "importance" in stepper["layout"]["yaxis2"]["title"]["text"]


def test_a_guess_is_kept_in_the_store_and_a_reload_shows_it_beside_the_answer_without_asking_again():
    at, run, ds = _trained_inside()
    next(r for r in at.radio if r.label.startswith("If you knock out")).set_value("the same").run()
    next(b for b in at.button if b.label == "Show what happens").click().run()
    learner = at.session_state["learner_id"]

    # The same learner (the browser's cookie names them) in a fresh session on the same model: a reload.
    again = open_page()
    again.session_state["learner_id"] = learner
    again.session_state["finished_training"] = run
    again.switch_page("pages/inside.py").run()
    assert_clean(again, "inside after a reload")
    assert not any(r.label.startswith("If you knock out") for r in again.radio), "not asked again"
    assert any(m.value.startswith("You expected the same") for m in [*again.success, *again.warning])

    # Another learner is asked.
    other = open_page()
    other.session_state["finished_training"] = run
    other.switch_page("pages/inside.py").run()
    assert any(r.label.startswith("If you knock out") for r in other.radio)
