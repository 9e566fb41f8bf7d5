"""Draw your forecast first, on Train: a sketch sent with Done is scored from the run and kept for the session.

AppTest cannot run the drawing's JavaScript; it sets the component's state as the browser's Done does (the
points under "sketch"), and the section reads it the same way. tests/e2e/test_sketch.py draws with a pointer.
"""

import numpy as np

from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.sketch import score_sketch
from lstm_core.ui.sketch import DRAWN_KEY, MODEL_NAME, sketch_widget_key, training_name
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, assert_clean, open_page, wait_for_training

HEADING = "Draw your forecast first"


def _trained():
    at = open_page("pages/train.py", series=SMALL_SERIES, model=SMALL_MODEL)
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    assert_clean(at, "after training")
    run = at.session_state["finished_training"]
    return at, run, build_dataset(run.series, run.model.seq_length, run.model.horizon)


def _drawings(at) -> list:
    return [e for e in at.main if getattr(e, "proto", None).__class__.__name__ == "BidiComponent"]


def test_the_sketch_is_asked_before_the_forecast_then_scored_from_the_run_and_kept():
    at, run, ds = _trained()
    assert HEADING in [h.value for h in at.subheader]
    assert len(_drawings(at)) == 1, "the drawing is on the page"
    assert not any(m.value.startswith("**Your sketch:**") for m in at.markdown), "no score before a sketch"

    n_points = min(50, len(ds.y["test"]))  # 45 test points on the small series
    xs = np.array([0.0, 10.5, 10.5, 30.0, 20.0])  # drawn out of order, two values at one x, short of the end
    ys = np.array([0.2, -0.4, -0.6, 0.9, 0.1])  # series units, as the chart's axis reads
    at.session_state[sketch_widget_key(run)] = {"sketch": {"points": np.column_stack([xs, ys]).tolist()}}
    at.run()
    assert_clean(at, "after Done")

    scaled = ys * ds.scaler.scale_[0] + ds.scaler.min_[0]
    expected = score_sketch(xs, scaled, ds.y["test"][:n_points, 0], run.result.predictions["test"][:n_points, 0],
                            ds.noise_floor, MODEL_NAME)
    assert expected.scored_steps == tuple(range(31))
    assert expected.verdict.startswith(f"Scored on the 31 of {n_points} points your sketch covers")
    assert expected.verdict in [i.value for i in at.info]
    line = next(m.value for m in at.markdown if m.value.startswith("**Your sketch:**"))
    assert f"{expected.sketch_ratio:.2f}× the noise floor (MSE {expected.sketch_mse:.5f})" in line
    assert f"{expected.model_ratio:.2f}× (MSE {expected.model_mse:.5f})" in line
    assert not _drawings(at), "once scored, the reveal replaces the drawing"
    kept = at.session_state[DRAWN_KEY][training_name(run)]
    assert kept.score == expected and kept.points == tuple(zip(xs.tolist(), ys.tolist()))

    at.switch_page("pages/data.py").run()
    at.switch_page("pages/train.py").run()
    assert_clean(at, "back on Train")
    assert expected.verdict in [i.value for i in at.info], "the scored sketch survives a page switch"
    assert not _drawings(at)


def test_a_sketch_that_covers_no_test_point_says_so_and_asks_again():
    at, run, _ = _trained()
    at.session_state[sketch_widget_key(run)] = {"sketch": {"points": [[3.2, 0.1], [3.7, 0.2]]}}
    at.run()
    assert_clean(at, "after an unreadable sketch")
    assert any("covers none of the test points" in w.value for w in at.warning)
    assert len(_drawings(at)) == 1, "the drawing is offered again"
    assert training_name(run) not in at.session_state[DRAWN_KEY]
