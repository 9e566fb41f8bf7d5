"""The learner's own CSV: every bad file gets its message, good files of many dialects are read right."""

import numpy as np
import pytest

from lstm_core.own_data import (BUNDLED, MAX_BYTES, MAX_POINTS, DataError, bundled_series, choose_series,
                                read_csv)


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
    with pytest.raises(DataError, match=r"2 empty or non-numeric cells \(rows 11, 21\)"):
        choose_series(parsed, "value")
    dropped = choose_series(parsed, "value", "time", missing="drop")
    assert len(dropped.values) == 98 and "10" not in dropped.time_labels
    filled = choose_series(parsed, "value", missing="interpolate")
    assert len(filled.values) == 100
    assert filled.values[10] == pytest.approx((np.sin(9 / 5) + np.sin(11 / 5)) / 2, abs=1e-4)
    assert any("Interpolated 2" in note for note in filled.notes)


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
    assert 300 <= len(series.values) <= 600 and np.isfinite(series.values).all()
    assert series.time_labels is not None
