"""The learner's own series: a CSV file read defensively, one numeric column chosen, and the bundled real series.

Every problem a file can have ends in a DataError whose message a learner can act on; nothing is
changed until a file has passed every check.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

MAX_BYTES = 2_000_000
MAX_POINTS = 2000  # the app's longest series: longer files keep their last MAX_POINTS values
MIN_POINTS = 50
ABSURD = 1e12  # beyond this a value is a unit mistake or a sentinel, not a measurement
NUMERIC_SHARE = 0.9  # a column is numeric when this share of its non-empty cells are numbers
MISSING_CHOICES = ("drop", "interpolate")
BUNDLED_DIR = Path(__file__).parent / "series_data"
BUNDLED = {  # name shown -> (file, value column, time column)
    "Sunspots, yearly 1700-2008": ("sunspots_yearly.csv", "sunspots", "year"),
    "CO2 at Mauna Loa, monthly 1958-2001": ("co2_mauna_loa_monthly.csv", "co2_ppm", "month"),
}


class DataError(ValueError):
    """A file or column that cannot be used, with a message that says why and what to do."""


@dataclass(frozen=True)
class ParsedCsv:
    """A CSV file read into a table, with its numeric columns and how it was read."""

    name: str
    table: pd.DataFrame
    numeric: tuple[str, ...]  # columns where at least NUMERIC_SHARE of the cells are numbers
    delimiter: str
    decimal: str
    notes: tuple[str, ...]  # what was detected and done, for the page to say


@dataclass(frozen=True)
class UserSeries:
    """One numeric series chosen from a file: its values, optional time labels, and a digest naming its content."""

    name: str
    values: np.ndarray  # (n,) float64, finite
    time_labels: tuple[str, ...] | None
    digest: str
    notes: tuple[str, ...] = ()


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:4096]:
        raise DataError("This is not a text file (it holds binary data). Save your table as CSV and try again.")
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError("The file's text encoding could not be read. Save it as UTF-8 CSV.")


def _sniff(text: str) -> tuple[str, str]:
    """Return (delimiter, decimal mark) guessed from the first lines."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    # "1,5;2,5": semicolons between values and commas inside them are a decimal comma.
    decimal = "," if delimiter in ";\t|" and any(ch.isdigit() for ch in sample) and \
        pd.Series(sample.replace("\n", delimiter).split(delimiter)).str.fullmatch(r"\s*-?\d+,\d+\s*").any() else "."
    return delimiter, decimal


def read_csv(raw: bytes, name: str = "your file") -> ParsedCsv:
    """Return the ParsedCsv of raw bytes; raise DataError for a file that is too large, not text or not a table."""
    if len(raw) > MAX_BYTES:
        raise DataError(f"The file is {len(raw) / 1e6:.1f} MB; files up to {MAX_BYTES / 1e6:.0f} MB are accepted.")
    if not raw.strip():
        raise DataError("The file is empty.")
    text = _decode(raw)
    delimiter, decimal = _sniff(text)
    try:
        table = pd.read_csv(io.StringIO(text), sep=delimiter, decimal=decimal, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise DataError(f"The file could not be read as a CSV table ({str(error).splitlines()[0]}).") from None
    if table.shape[1] == 0 or table.shape[0] == 0:
        raise DataError("The file has no rows of data under its header.")
    numeric = []
    for column in table.columns:
        cells = table[column]
        filled = cells.notna() & (cells.astype(str).str.strip() != "")
        as_numbers = pd.to_numeric(cells[filled], errors="coerce")
        if filled.any() and as_numbers.notna().mean() >= NUMERIC_SHARE and not _looks_like_time(cells):
            numeric.append(str(column))
    notes = []
    if delimiter != ",":
        notes.append(f"Columns are separated by {_delimiter_name(delimiter)}.")
    if decimal == ",":
        notes.append("Numbers use a decimal comma (1,5 means 1.5).")
    if not numeric:
        hint = (" The numbers may use a decimal comma with commas between columns: save with semicolons "
                "between columns, or with decimal points." if any(table[c].astype(str).str.fullmatch(r"-?\d+,\d+").any()
                                                                  for c in table.columns) else "")
        raise DataError(f"No column of the file holds numbers.{hint}")
    table.columns = [str(c) for c in table.columns]
    return ParsedCsv(name, table, tuple(numeric), delimiter, decimal, tuple(notes))


def _looks_like_time(cells: pd.Series) -> bool:
    """Return True for a column of dates written as text (numbers alone are left to be values)."""
    text = cells.dropna().astype(str)
    return bool(len(text)) and text.str.contains(r"[-/:]\d", regex=True).mean() > 0.9 and \
        pd.to_numeric(text, errors="coerce").isna().all()


def _delimiter_name(delimiter: str) -> str:
    return {";": "semicolons", "\t": "tabs", "|": "vertical bars"}.get(delimiter, repr(delimiter))


def time_columns(parsed: ParsedCsv, value_column: str) -> list[str]:
    """Return the columns that could label the time axis: every column but the value column."""
    return [c for c in parsed.table.columns if c != value_column]


def column_values(parsed: ParsedCsv, column: str) -> np.ndarray:
    """Return a column as floats (rows,), NaN where a cell is empty or not a number."""
    return pd.to_numeric(parsed.table[column], errors="coerce").to_numpy(dtype=np.float64)


def missing_cells(parsed: ParsedCsv, column: str) -> int:
    """Return how many cells of a column are empty or not a number."""
    return int(np.isnan(column_values(parsed, column)).sum())


def choose_series(parsed: ParsedCsv, column: str, time_column: str | None = None,
                  missing: str | None = None) -> UserSeries:
    """Return the UserSeries of one numeric column; raise DataError when it cannot be forecast as it is.

    ``missing`` says what to do with empty or non-numeric cells: "drop" them, "interpolate" them
    linearly, or None to refuse (the DataError says how many and where).
    """
    if column not in parsed.numeric:
        comma = column in parsed.table and parsed.table[column].astype(str).str.fullmatch(r"\s*-?\d+,\d+\s*").mean() > 0.5
        hint = (" Its numbers seem to use a decimal comma while commas also separate the columns: save the file "
                "with semicolons between columns, or with decimal points.") if comma else ""
        raise DataError(f"Column {column!r} does not hold numbers; choose one of {list(parsed.numeric)}.{hint}")
    values = column_values(parsed, column)  # (rows,)
    labels = parsed.table[time_column].astype(str).to_numpy() if time_column else None  # (rows,)
    infinite = np.isinf(values)
    if infinite.any():
        raise DataError(f"Column {column!r} holds infinite values (rows {_rows(infinite)}). Remove them and try again.")
    finite = values[np.isfinite(values)]
    if finite.size and np.abs(finite).max() > ABSURD:
        raise DataError(f"Column {column!r} holds absurdly large values (up to {np.abs(finite).max():.3g}); "
                        f"check the units or remove those rows.")
    notes = list(parsed.notes)
    gaps = np.isnan(values)
    if gaps.any():
        count = int(gaps.sum())
        where = f"{count} empty or non-numeric cell{'s' * (count > 1)} (rows {_rows(gaps)})"
        if missing is None:
            raise DataError(f"Column {column!r} has {where}. Choose to drop or to interpolate them.")
        if missing == "drop":
            values, labels = values[~gaps], (labels[~gaps] if labels is not None else None)
            notes.append(f"Dropped {where}.")
        elif missing == "interpolate":
            if gaps.all():
                raise DataError(f"Column {column!r} has no numbers to interpolate between.")
            index = np.arange(len(values))  # (rows,)
            values = np.interp(index, index[~gaps], values[~gaps])  # ends take the nearest value
            notes.append(f"Interpolated {where}.")
        else:
            raise DataError(f"missing must be one of {MISSING_CHOICES}, not {missing!r}")
    if len(values) > MAX_POINTS:
        notes.append(f"The file has {len(values)} values; the last {MAX_POINTS} are used.")
        values = values[-MAX_POINTS:]
        labels = labels[-MAX_POINTS:] if labels is not None else None
    if len(values) < MIN_POINTS:
        raise DataError(f"Column {column!r} has only {len(values)} values; at least {MIN_POINTS} are needed "
                        f"to cut training, validation and test windows.")
    if np.ptp(values) == 0:
        raise DataError(f"Column {column!r} is constant ({values[0]:g} everywhere): there is nothing to forecast.")
    digest = hashlib.sha1(values.tobytes()).hexdigest()[:12]
    name = f"{parsed.name}: {column}"
    return UserSeries(name, values, tuple(labels) if labels is not None else None, digest, tuple(notes))


def _rows(mask: np.ndarray) -> str:
    """Return the first few 1-based data rows where mask is True, as text."""
    rows = np.flatnonzero(mask) + 1
    shown = ", ".join(str(r) for r in rows[:5])
    return shown + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")


def bundled_series(name: str) -> UserSeries:
    """Return one of the bundled real series by its shown name."""
    file, column, time_column = BUNDLED[name]
    parsed = read_csv((BUNDLED_DIR / file).read_bytes(), file)
    return replace(choose_series(parsed, column, time_column), name=name)
