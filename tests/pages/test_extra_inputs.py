"""Extra inputs on the pages: chosen on Data, counted in every shape on Model, trained, and opened by a link."""

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.glassbox.interventions import Intervention
from lstm_core.glassbox.what_if import run_what_if
from lstm_core.ui.extra_inputs import INPUTS_KEY
from tests.pages.apptest import SMALL_MODEL, assert_clean, open_link, open_page, wait_for_lesson, wait_for_training

SERIES = SeriesConfig(n_points=300)


SMALL_LINK = {"points": "300", "window": "8", "units": "6", "layers": "1", "denseUnits": "0", "epochs": "2"}


def trained_from_link(**params: str):
    """Return an AppTest that opened Train through a link of SMALL_LINK with params and trained it to the end."""
    at = open_link({**SMALL_LINK, **params}, "pages/train.py")
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    return at


def test_inputs_chosen_on_data_widen_x_and_show_their_windows_and_known_shares():
    at = open_page("pages/data.py", SERIES, SMALL_MODEL)
    assert not [s for s in at.subheader if "inputs per step" in s.value]
    at.multiselect(key=INPUTS_KEY).set_value(["driver", "distractor"]).run()
    assert_clean(at, "after adding two inputs")
    assert at.session_state["series_settings"]["inputs"] == ["driver", "distractor"]
    assert "3 inputs per step" in [s.value for s in at.subheader]
    assert {m.value for m in at.metric if m.label.startswith("X_")} == {"(202, 8, 3)", "(45, 8, 3)"}
    assert {s.key for s in at.slider} >= {"w_series_driver_lead", "w_series_driver_weight"}
    shares = next(e.value for e in at.markdown if "Share of the target's variance" in e.value)
    assert "distractor 0 %" in shares and "driver" in shares
    at.slider(key="w_series_driver_lead").set_value(20).run()  # longer than the window of 8
    assert any("never reaches the model" in w.value for w in at.warning)
    at.multiselect(key=INPUTS_KEY).set_value([]).run()
    assert {m.value for m in at.metric if m.label.startswith("X_")} == {"(202, 8, 1)", "(45, 8, 1)"}


def test_the_model_page_counts_every_input_in_w_and_checks_what_sets_the_shapes():
    model = ModelConfig(seq_length=8, units=6, layers=2, dense_units=0, epochs=2)
    at = open_page("pages/model.py", SeriesConfig(n_points=300, inputs=("driver", "calendar")), model)
    first = at.table[0].value.iloc[0]
    assert (first["kernel W"], first["recurrent kernel U"], first["formula"]) == ("(3, 24)", "(6, 24)", "4·6·(3+6+1)")
    params = int(at.metric[-1].value.replace(",", ""))
    assert params == 4 * 6 * (3 + 6 + 1) + 4 * 6 * (6 + 6 + 1) + (6 + 1)
    checks = next(m.value for m in at.markdown if "window length changes none" in m.value)
    assert checks.startswith("✓") and "✓ A new input does" in checks and "4 × 24" in checks


def test_a_link_with_a_driver_trains_a_model_that_reads_two_numbers_per_step():
    at = trained_from_link(inputs="driver", driverLead="3")
    assert_clean(at, "after training with a driver")
    subheaders = {h.value for h in at.subheader}
    assert {"Which input does the model rely on?", "Is the window part of the model?"} <= subheaders
    verdict = next(i.value for i in at.info if "the driver" in i.value)
    assert "the series' own past" in verdict and ("known answer" in verdict or "has not learned it" in verdict)
    lengths = next(c.value for c in at.caption if "read with windows from" in c.value)
    assert "trained on windows of 8, read with windows from 1 to 24 steps" in lengths
    at.switch_page("pages/inside.py").run()
    assert_clean(at, "Inside with a driver")
    assert any("each x_t a vector of 2 features" in e.value for e in at.markdown), \
        "Inside says the model reads two numbers per step"


def test_the_horizon_lesson_says_it_reads_the_series_own_past_alone_and_trains_on_it():
    at = open_page("pages/lesson_horizon.py", SeriesConfig(n_points=300, inputs=("driver", "calendar")), SMALL_MODEL)
    assert any("reads the series' own past only, without its driver, calendar" in i.value for i in at.info)
    next(b for b in at.button if b.label == "Train both").click().run()
    wait_for_lesson(at, "horizon")
    assert_clean(at, "the horizon lesson trained beside extra inputs")
    assert at.session_state["lesson_jobs_horizon"].settings[0] == SeriesConfig(n_points=300)


MACRO = "US unemployment with inflation and interest rate, quarterly 1959-2009"


def test_a_bundled_series_with_inputs_shows_them_says_their_shares_are_unknown_and_trains_on_them():
    at = open_page("pages/data.py", model=SMALL_MODEL)
    at.radio(key="w_data_source").set_value("A real series").run()
    at.selectbox(key="w_data_bundled").set_value(MACRO).run()
    assert_clean(at, MACRO)
    assert "3 inputs per step" in [s.value for s in at.subheader]
    assert any("For these columns nobody knows it" in c.value for c in at.caption)
    at.switch_page("pages/train.py").run()
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    assert_clean(at, "trained on unemployment with inflation and the T-bill rate")
    verdict = next(i.value for i in at.info if "the inflation" in i.value)
    assert "tbill_rate" in verdict and "known answer" not in verdict


def test_an_uploaded_files_other_columns_become_inputs():
    rows = "\n".join(f"{k},{(k % 9) / 9:.3f},{(k % 4) / 4:.3f},{k % 5}" for k in range(200))
    at = open_page("pages/data.py", model=SMALL_MODEL)
    at.radio(key="w_data_source").set_value("Your own CSV file").run()
    at.file_uploader(key="w_data_upload").set_value(("three.csv", f"t,v,a,b\n{rows}".encode(), "text/csv")).run()
    at.selectbox(key="w_data_column").set_value("v").run()
    at.multiselect(key="w_data_input_columns").set_value(["a", "b"]).run()
    assert_clean(at, "an upload with two input columns")
    assert at.session_state["own_series"].input_names == ("a", "b")
    assert {m.value for m in at.metric if m.label.startswith("X_train")} == {"(132, 8, 3)"}


def test_the_readouts_lesson_reads_back_each_inputs_past_and_says_what_only_the_series_has():
    at = trained_from_link(inputs="driver", seed="5")
    at.switch_page("pages/lesson_readouts.py").run()
    assert_clean(at, "the readouts lesson with a driver")
    assert at.radio(key="w_readouts_input").options == ["own past", "driver"]
    at.radio(key="w_readouts_input").set_value(1).run()
    assert_clean(at, "reading the driver's past")
    assert any("for the driver only its past values are read back" in e.value
               for e in [*at.caption, *at.info, *at.warning, *at.markdown, *at.success])


def test_the_memory_lesson_says_its_task_is_its_own_when_the_series_has_inputs():
    at = open_page("pages/lesson_memory.py", SeriesConfig(n_points=300, inputs=("calendar",)), SMALL_MODEL)
    assert any("the inputs you added on the Data page play no part here" in c.value for c in at.caption)
    plain = open_page("pages/lesson_memory.py", SERIES, SMALL_MODEL)
    assert not any("play no part here" in c.value for c in plain.caption)


def test_the_film_and_the_dropout_lessons_train_on_a_series_read_with_inputs():
    series = SeriesConfig(n_points=300, inputs=("driver", "calendar"))
    film = open_page("pages/lesson_film.py", series, SMALL_MODEL)
    film.radio(key="w_film_model").set_value("your model from the Model page").run()
    next(b for b in film.button if b.label == "Train and film").click().run()
    wait_for_lesson(film, "film")
    assert_clean(film, "the film with inputs")
    assert film.session_state["lesson_jobs_film"].jobs["film"].result().weights.recurrent[0].kernel.shape[0] == 3
    dropout = open_page("pages/lesson_dropout.py", series, SMALL_MODEL)
    next(b for b in dropout.button if b.label == "Train").click().run()
    wait_for_lesson(dropout, "dropout")
    assert_clean(dropout, "dropout with inputs")
    trained = dropout.session_state["lesson_jobs_dropout"].jobs["dropout"].result()
    assert trained.weights.recurrent[0].kernel.shape[0] == 3


def test_a_what_if_inside_a_model_read_with_inputs_answers_as_the_glass_box_computes_it():
    at = trained_from_link(inputs="distractor", seed="9")
    at.switch_page("pages/inside.py").run()
    run = at.session_state["training_job"]["job"].result()
    ds = build_dataset(SeriesConfig(n_points=300, inputs=("distractor",)), 8)
    unit = int(at.slider(key="w_inside_unit").value)
    expected = run_what_if(run.weights, ds.X["test"], ds.y["test"], [Intervention("knock_out", 0, units=(unit,))])
    next(r for r in at.radio if r.label.startswith("If you knock out")).set_value("worse").run()
    next(b for b in at.button if b.label == "Show what happens").click().run()
    assert_clean(at, "a knock-out with an input beside the series")
    verdicts = [m.value for m in [*at.success, *at.warning]]
    assert any(v.startswith("You expected worse") and f"{expected.test_mse:.4f}" in v for v in verdicts), verdicts
