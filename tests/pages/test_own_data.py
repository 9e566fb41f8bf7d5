"""The learner's own CSV and the bundled real series on the Data page, and training on them."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.apptest import SMALL_MODEL, assert_clean, open_page, wait_for_training


def open_upload(at: AppTest) -> None:
    at.radio(key="w_data_source").set_value("Your own CSV file").run()
    assert_clean(at, "own CSV chosen")


GOOD_CSV = ("day,level\n" + "\n".join(f"{k},{10 + np.sin(k / 6):.4f}" for k in range(300)) + "\n").encode()


@pytest.mark.parametrize("name, content, message", [
    ("big.csv", b"x" * 2_000_001, "files up to 2 MB"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
    ("names.csv", b"name,city\nada,london\nbob,paris\n", "No column of the file holds numbers"),
    ("short.csv", b"t,v\n" + b"".join(f"{k},{k % 7}\n".encode() for k in range(20)), "only 20 values"),
    ("flat.csv", b"t,v\n" + b"".join(f"{k},5\n".encode() for k in range(100)), "constant"),
    ("inf.csv", b"t,v\n" + b"".join(f"{k},{k % 7}\n".encode() for k in range(100)) + b"100,inf\n", "infinite"),
    ("huge.csv", b"t,v\n" + b"".join(f"{k},{k % 7}\n".encode() for k in range(100)) + b"100,1e40\n", "absurdly large"),
    ("empty.csv", b"", "empty"),
])
def test_a_bad_file_gets_its_message_and_changes_nothing(name, content, message):
    at = open_page("pages/data.py")
    before = at.get("plotly_chart")[0].proto.spec
    open_upload(at)
    at.file_uploader(key="w_data_upload").set_value((name, content, "text/csv")).run()
    assert_clean(at, name)
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert "own_series" not in at.session_state, "a bad file never replaces the series"
    assert at.get("plotly_chart")[0].proto.spec == before, "the pages keep the series they had"


def test_a_good_file_becomes_the_series_of_every_page_and_training_uses_it():
    at = open_page("pages/data.py")
    open_upload(at)
    at.file_uploader(key="w_data_upload").set_value(("levels.csv", GOOD_CSV, "text/csv")).run()
    assert_clean(at, "good file")
    own = at.session_state["own_series"]
    assert own.name == "levels.csv: level" and len(own.values) == 300
    assert any("no noise floor" in c.value for c in at.caption)
    at.session_state["model_settings"] = SMALL_MODEL.to_dict()
    at.switch_page("pages/train.py").run()
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    assert_clean(at, "trained on own data")
    table = at.dataframe[0].value
    assert "noise floor" not in table.index and "seasonal naive" not in at.dataframe[1].value.index
    run = at.session_state["finished_training"]
    assert run.series == own


def test_empty_cells_offer_drop_or_interpolate():
    rows = [f"{k},{np.sin(k / 6):.4f}" if k not in (5, 50) else f"{k}," for k in range(120)]
    at = open_page("pages/data.py")
    open_upload(at)
    content = ("t,v\n" + "\n".join(rows)).encode()
    at.file_uploader(key="w_data_upload").set_value(("gaps.csv", content, "text/csv")).run()
    assert at.radio(key="w_data_missing").options == ["drop those rows", "interpolate"]
    assert len(at.session_state["own_series"].values) == 118
    at.radio(key="w_data_missing").set_value("interpolate").run()
    assert len(at.session_state["own_series"].values) == 120
    assert any("Interpolated 2" in c.value for c in at.caption)


@pytest.mark.parametrize("name", ["Sunspots, yearly 1700-2008", "CO2 at Mauna Loa, monthly 1958-2001"])
def test_a_bundled_real_series_is_one_click_away(name):
    at = open_page("pages/data.py")
    at.radio(key="w_data_source").set_value("A real series").run()
    at.selectbox(key="w_data_bundled").set_value(name).run()
    assert_clean(at, name)
    assert at.session_state["own_series"].name == name
    at.radio(key="w_data_source").set_value("A generated wave").run()
    assert "own_series" not in at.session_state
