"""The Data page's upload in AppTest: empty and non-numeric cells are counted, located, refused above a fifth."""


import numpy as np
from streamlit.testing.v1 import AppTest

from tests.pages.apptest import APP, TIMEOUT

FORMULA = "=cmd|' /C calc'!A0"


def upload(name: str, content: bytes) -> AppTest:
    """Return an AppTest of the Data page after the learner chose their own CSV and uploaded content."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/data.py").run()
    at.radio(key="w_data_source").set_value("Your own CSV file").run()
    at.file_uploader(key="w_data_upload").set_value((name, content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def holes_csv(every: int, formula_row: int) -> bytes:
    """Return 150 rows of a wave whose value cell is empty in every every-th row, with a formula in formula_row."""
    rows = [f"{k},{'' if k % every == 1 else f'{np.sin(k / 5):.4f}'}" for k in range(150)]
    rows[formula_row] = f"{formula_row},{FORMULA}"
    return ("time,value\n" + "\n".join(rows) + "\n").encode()


def test_a_third_empty_with_a_formula_is_refused_on_the_page_with_its_reason():
    at = upload("holes.csv", holes_csv(every=3, formula_row=9))
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("holes.csv cannot be used: Column 'value' has 51 empty or "
                                                     "non-numeric cells out of 150 (34% of the column; 50 empty, "
                                                     "1 holding text), first at lines 3, 6, 9, 11 and 12 of the file")
    assert 'starts with "=" like a spreadsheet formula' in errors[0] and "At most 30 of the column's 150" in errors[0]
    assert at.selectbox(key="w_data_column").value == "value", "the column is offered, so its refusal is heard"
    assert not [r for r in at.radio if r.key == "w_data_missing"], "no choice is offered for a refused column"
    assert "own_series" not in at.session_state


def test_exactly_a_fifth_is_used_and_the_page_says_what_was_found_and_what_was_done():
    at = upload("fifth.csv", holes_csv(every=5, formula_row=6))
    found = [w.value for w in at.warning]
    assert len(found) == 1 and found[0].startswith("Column 'value' has 30 empty or non-numeric cells out of 150 "
                                                   "(20% of the column; 29 empty, 1 holding text), first at lines "
                                                   "3, 8, 13, 18 and 23 of the file (the header is line 1)")
    assert len(at.session_state["own_series"].values) == 120
    assert any(c.value.startswith("Dropped 30 of the 150 rows") for c in at.caption)
    at.radio(key="w_data_missing").set_value("interpolate").run()
    assert len(at.session_state["own_series"].values) == 150
    assert any(c.value.startswith("Interpolated 30 empty or non-numeric cells out of 150") for c in at.caption)
    assert len(at.warning) == 1, "the cells are reported whichever choice is made"
