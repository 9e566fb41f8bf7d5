"""The learner's own CSV: every bad file gets its message, good files of many dialects are read right."""

import numpy as np
import pytest

from lstm_core.data.own_data import (
    BUNDLED,
    MAX_BYTES,
    MAX_POINTS,
    DataError,
    bundled_series,
    choose_series,
    column_gaps,
    read_csv,
)


def csv_bytes(rows: list[str], header: str = "time,value") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def wave(n: int = 200) -> list[str]:
    return [f"{k},{np.sin(k / 5):.4f}" for k in range(n)]


def test_a_plain_csv_gives_its_numeric_column_and_time_labels():
    parsed = read_csv(csv_bytes(wave()), "wave.csv")
    assert parsed.numeric == ("time", "value")
    series = choose_series(parsed, "value", "time")
    assert series.values.shape == (200,) and series.values[5] == pytest.approx(np.sin(1.0), abs=1e-4)
    assert series.time_labels[:2] == ("0", "1") and series.name == "wave.csv: value"


def test_semicolons_and_decimal_commas_are_detected_and_said():
    rows = [f"2020-01-{k % 28 + 1:02d};{k},5" for k in range(100)]
    parsed = read_csv(("date;reading\n" + "\n".join(rows)).encode(), "eu.csv")
    assert parsed.delimiter == ";" and parsed.decimal == ","
    assert parsed.numeric == ("reading",), "the dates are not values"
    assert choose_series(parsed, "reading").values[3] == 3.5
    assert any("decimal comma" in note for note in parsed.notes)


def test_tabs_are_detected():
    parsed = read_csv(("a\tb\n" + "\n".join(f"{k}\t{k * 2}" for k in range(60))).encode())
    assert parsed.delimiter == "\t" and choose_series(parsed, "b").values[-1] == 118


@pytest.mark.parametrize("raw, message", [
    (b"x" * (MAX_BYTES + 1), "files up to 2 MB"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    (b"", "empty"),
    (b"   \n  \n", "empty"),
    (b"name,city\nada,london\nbob,paris\n", "No column of the file holds numbers"),
    (b"value\n", "no rows of data"),
])
def test_bad_files_are_refused_with_their_reason(raw, message):
    with pytest.raises(DataError, match=message):
        read_csv(raw)


def test_decimal_commas_with_comma_separated_columns_are_explained():
    parsed = read_csv(b'when,level\n1,"1,5"\n2,"2,5"\n')
    assert parsed.numeric == ("when",), "the quoted '1,5' cells are text"
    with pytest.raises(DataError, match="does not hold numbers.*decimal comma"):
        choose_series(parsed, "level")
    with pytest.raises(DataError, match="No column of the file holds numbers. The numbers may use a decimal comma"):
        read_csv(b'name,level\na,"1,5"\nb,"2,5"\n')


def test_empty_cells_are_refused_until_the_learner_chooses_drop_or_interpolate():
    rows = wave(100)
    rows[10] = "10,"
    rows[20] = "20,n/a"
    parsed = read_csv(csv_bytes(rows))
    with pytest.raises(DataError, match=r"2 empty or non-numeric cells out of 100 \(2% of the column; 1 empty, "
                                        r"1 holding text\), at lines 12 and 22 of the file \(the header is line 1\)"
                                        r"\. Choose to drop those rows or to interpolate them"):
        choose_series(parsed, "value")
    dropped = choose_series(parsed, "value", "time", missing="drop")
    assert len(dropped.values) == 98 and "10" not in dropped.time_labels
    filled = choose_series(parsed, "value", missing="interpolate")
    assert len(filled.values) == 100
    assert filled.values[10] == pytest.approx((np.sin(9 / 5) + np.sin(11 / 5)) / 2, abs=1e-4)
    assert any("Interpolated 2" in note for note in filled.notes)


def third_empty_with_a_formula() -> bytes:
    """Return 150 rows whose value cells are empty in every third row, and a formula in row 9."""
    rows = [f"{k},{'' if k % 3 == 1 else f'{np.sin(k / 5):.4f}'}" for k in range(150)]
    rows[9] = "9,=cmd|' /C calc'!A0"
    return csv_bytes(rows)


def fifth_empty_with_a_formula(extra_gaps: int = 0) -> bytes:
    """Return 150 rows with exactly 30 bad value cells (29 empty, a formula in row 6) and extra_gaps more."""
    rows = [f"{k},{'' if k % 5 == 1 else f'{np.sin(k / 5):.4f}'}" for k in range(150)]
    rows[6] = "6,=cmd|' /C calc'!A0"
    for k in range(extra_gaps):
        rows[5 * k + 2] = f"{5 * k + 2},"
    return csv_bytes(rows)


FORMULA_SENTENCE = ('1 of those cells starts with "=" like a spreadsheet formula: formulas are never evaluated, '
                    'only numbers are read.')


@pytest.mark.parametrize("missing", [None, "drop", "interpolate"])
def test_a_third_empty_and_a_formula_is_offered_then_refused_with_count_share_limit_and_lines(missing):
    parsed = read_csv(third_empty_with_a_formula(), "holes.csv")
    assert parsed.numeric == ("time", "value"), "offered, so that the learner hears why it is refused"
    gaps = column_gaps(parsed, "value")
    assert (gaps.count, gaps.empty, gaps.text, gaps.formulas, gaps.refused) == (51, 50, 1, 1, True)
    with pytest.raises(DataError) as refusal:
        choose_series(parsed, "value", "time", missing=missing)
    assert str(refusal.value) == (
        "Column 'value' has 51 empty or non-numeric cells out of 150 (34% of the column; 50 empty, 1 holding text), "
        "first at lines 3, 6, 9, 11 and 12 of the file (the header is line 1), and 46 more. " + FORMULA_SENTENCE +
        " At most 30 of the column's 150 cells (20%) may be empty or non-numeric: with more, the series would be "
        "more patch than data. Fill in or remove those cells in the file, or choose another column.")


def test_exactly_a_fifth_is_accepted_and_both_choices_say_how_many_which_share_where_and_what_was_done():
    parsed = read_csv(fifth_empty_with_a_formula())
    gaps = column_gaps(parsed, "value")
    assert (gaps.count, gaps.allowed, gaps.refused, gaps.formulas) == (30, 30, False, 1)
    where = "first at lines 3, 8, 13, 18 and 23 of the file (the header is line 1), and 25 more"
    assert gaps.summary() == ("Column 'value' has 30 empty or non-numeric cells out of 150 (20% of the column; "
                              f"29 empty, 1 holding text), {where}. {FORMULA_SENTENCE}")
    dropped = choose_series(parsed, "value", "time", missing="drop")
    assert len(dropped.values) == 120 and dropped.time_labels[:3] == ("0", "2", "3")
    assert dropped.notes == (
        "Dropped 30 of the 150 rows (20% of the column; 29 empty, 1 holding text) because their cell in column "
        f"'value' is empty or not a number, {where}. The series keeps the other 120 values; those either side of a "
        f"dropped row now follow each other. {FORMULA_SENTENCE}",)
    filled = choose_series(parsed, "value", missing="interpolate")
    assert len(filled.values) == 150 and np.isfinite(filled.values).all()
    assert filled.notes == (
        "Interpolated 30 empty or non-numeric cells out of 150 in column 'value' (20% of the column; 29 empty, "
        f"1 holding text), {where}. Each now lies on a straight line between the numbers either side of it (before "
        f"the first number or after the last, it takes that number). {FORMULA_SENTENCE}",)


def test_one_cell_over_a_fifth_is_refused():
    parsed = read_csv(fifth_empty_with_a_formula(extra_gaps=1))
    with pytest.raises(DataError, match=r"31 empty or non-numeric cells out of 150 \(20\.7% of the column; "
                                        r"30 empty, 1 holding text\).*At most 30 of the column's 150 cells \(20%\)"):
        choose_series(parsed, "value", missing="drop")


def test_a_single_formula_cell_is_named_as_text_and_as_a_formula():
    rows = wave(100)
    rows[40] = "40,=SUM(A1:A3)"
    notes = choose_series(read_csv(csv_bytes(rows)), "value", missing="drop").notes
    assert notes == ("Dropped 1 of the 100 rows (1% of the column; 1 holding text) because their cell in column "
                     "'value' is empty or not a number, at line 42 of the file (the header is line 1). The series "
                     "keeps the other 99 values; those either side of a dropped row now follow each other. That cell "
                     'starts with "=" like a spreadsheet formula: formulas are never evaluated, only numbers are '
                     "read.",)


def test_a_blank_line_in_a_one_column_file_is_an_empty_cell_not_a_silent_drop():
    values = [f"{np.sin(k / 5):.4f}" for k in range(100)]
    values[3], values[40] = "", "n/a"
    parsed = read_csv(("value\n" + "\n".join(values) + "\n\n\n").encode())
    assert len(parsed.table) == 100, "the blank line is a row; the blank lines after the last value are not"
    assert parsed.notes == ("2 lines at the end of the file, empty in every column, were left out.",)
    gaps = column_gaps(parsed, "value")
    assert (gaps.empty, gaps.text, gaps.formulas) == (1, 1, 0)
    assert gaps.where == "at lines 5 and 42 of the file (the header is line 1)"
    assert len(choose_series(parsed, "value", missing="drop").values) == 98


def test_a_blank_line_between_rows_keeps_whole_number_time_labels():
    rows = wave(100)
    rows[5] = ""
    series = choose_series(read_csv(csv_bytes(rows)), "value", "time", missing="interpolate")
    assert series.time_labels[4:7] == ("4", "", "6") and all(type(label) is str for label in series.time_labels)


def test_line_numbers_count_leading_blank_lines_and_fall_back_to_data_rows_when_a_cell_spans_lines():
    rows = wave(100)
    rows[5] = "5,"
    assert column_gaps(read_csv(b"\n\n" + csv_bytes(rows)), "value").where == \
        "at line 9 of the file (the header is line 3)"
    multiline = ('time,value,comment\n0,1.0,"two\nlines"\n' + "\n".join(f"{row},x" for row in rows[1:])).encode()
    assert column_gaps(read_csv(multiline), "value").where == \
        "at data row 6 (the first row under the header is data row 1)"


def test_a_mostly_numeric_column_with_text_is_offered_and_refused_a_mostly_text_one_is_named():
    half_text = csv_bytes([f"{k},{'x' if k % 2 else k}" for k in range(100)])
    parsed = read_csv(half_text)
    assert parsed.numeric == ("time", "value")
    with pytest.raises(DataError, match=r"50 empty or non-numeric cells out of 100 \(50% of the column; "
                                        r"50 holding text\).*At most 20"):
        choose_series(parsed, "value", missing="interpolate")
    two_thirds_text = ("value\n" + "\n".join("x" if k % 3 else str(k) for k in range(99))).encode()
    with pytest.raises(DataError, match=r"No column of the file holds numbers\. Column 'value' has numbers in only "
                                        r"33 of its 99 filled cells \(at least half must be numbers\)"):
        read_csv(two_thirds_text)
    beside_time = read_csv(csv_bytes([f"{k},{'x' if k % 3 else k}" for k in range(99)]))
    assert beside_time.numeric == ("time",)
    assert "Not offered as values: column 'value' has numbers in only 33 of its 99 filled cells" in beside_time.notes[0]


def test_a_text_cell_among_decimal_commas_is_one_bad_cell_not_a_text_column():
    rows = [f"{k};{k},5" for k in range(100)]
    rows[5] = "5;#N/A"
    parsed = read_csv(("day;reading\n" + "\n".join(rows)).encode())
    assert parsed.numeric == ("day", "reading")
    series = choose_series(parsed, "reading", missing="drop")
    assert series.values[:6].tolist() == [0.5, 1.5, 2.5, 3.5, 4.5, 6.5]
    assert "at line 7 of the file" in series.notes[-1] and "1 holding text" in series.notes[-1]


def test_too_short_constant_infinite_and_absurd_columns_are_refused():
    with pytest.raises(DataError, match="only 10 values"):
        choose_series(read_csv(csv_bytes(wave(10))), "value")
    with pytest.raises(DataError, match="constant"):
        choose_series(read_csv(csv_bytes([f"{k},3.0" for k in range(80)])), "value")
    with pytest.raises(DataError, match="infinite values"):
        choose_series(read_csv(csv_bytes(wave(80) + ["80,inf"])), "value")
    with pytest.raises(DataError, match="absurdly large"):
        choose_series(read_csv(csv_bytes(wave(80) + ["80,1e300"])), "value")


def test_a_long_file_keeps_its_last_values_and_says_so():
    series = choose_series(read_csv(csv_bytes(wave(MAX_POINTS + 500))), "value", "time")
    assert len(series.values) == MAX_POINTS and series.time_labels[0] == "500"
    assert any(f"last {MAX_POINTS}" in note for note in series.notes)


def test_same_content_same_digest_other_content_other_digest():
    first = choose_series(read_csv(csv_bytes(wave())), "value")
    again = choose_series(read_csv(csv_bytes(wave()), "renamed.csv"), "value")
    other = choose_series(read_csv(csv_bytes(wave(201))), "value")
    assert first.digest == again.digest != other.digest


@pytest.mark.parametrize("name", list(BUNDLED))
def test_the_bundled_real_series_load(name):
    series = bundled_series(name)
    assert 200 <= len(series.values) <= 600 and np.isfinite(series.values).all()
    assert series.time_labels is not None
    _, column, _, input_columns = BUNDLED[name]
    assert series.input_names == input_columns
    if input_columns:
        assert series.inputs.shape == (len(series.values), len(input_columns)) and np.isfinite(series.inputs).all()
    else:
        assert series.inputs is None


def three_columns(gap_in: str | None = None, gap_row: int = 7) -> bytes:
    rows = []
    for k in range(150):
        cells = {"t": str(k), "level": f"{np.sin(k / 5):.4f}", "rain": f"{np.cos(k / 3):.4f}", "wind": f"{k % 7}"}
        if k == gap_row and gap_in is not None:
            cells[gap_in] = ""
        rows.append(",".join(cells.values()))
    return csv_bytes(rows, header="t,level,rain,wind")


def test_other_columns_are_read_beside_the_series_row_for_row():
    parsed = read_csv(three_columns(), "weather.csv")
    series = choose_series(parsed, "level", "t", input_columns=("rain", "wind"))
    assert series.input_names == ("rain", "wind") and series.inputs.shape == (150, 2)
    assert series.inputs[10, 0] == pytest.approx(np.cos(10 / 3), abs=1e-4) and series.inputs[10, 1] == 3
    assert series.name == "weather.csv: level with rain, wind"
    alone = choose_series(parsed, "level", "t")
    assert alone.inputs is None and alone.digest != series.digest
    assert choose_series(parsed, "level", "t", input_columns=("wind", "rain")).digest != series.digest


def test_an_inputs_empty_cell_is_interpolated_and_a_row_dropped_from_the_series_is_dropped_from_it_too():
    holed_input = choose_series(read_csv(three_columns("rain")), "level", "t", input_columns=("rain",))
    assert holed_input.inputs[7, 0] == pytest.approx((np.cos(6 / 3) + np.cos(8 / 3)) / 2, abs=1e-4)
    assert any("Input column 'rain': interpolated 1 empty" in note for note in holed_input.notes)
    dropped = choose_series(read_csv(three_columns("level")), "level", "t", missing="drop", input_columns=("rain",))
    assert len(dropped.values) == len(dropped.inputs) == 149
    assert dropped.inputs[7, 0] == pytest.approx(np.cos(8 / 3), abs=1e-4), "row 7 went from both"


@pytest.mark.parametrize("columns, words", [(("level",), "is the series itself"),
                                            (("nope",), "does not hold numbers"),
                                            (("const",), "is constant")])
def test_an_input_column_that_cannot_be_read_beside_the_series_is_refused_in_words(columns, words):
    rows = [f"{k},{np.sin(k / 5):.4f},{'x' if k % 2 else 'y'},5" for k in range(150)]
    parsed = read_csv(csv_bytes(rows, header="t,level,nope,const"))
    with pytest.raises(DataError, match=words):
        choose_series(parsed, "level", "t", input_columns=columns)
