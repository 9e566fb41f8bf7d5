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
# Low on purpose: a column of mostly numbers is offered even with many holes, so that the learner hears
# why it is refused (MAX_GAP_SHARE) instead of not finding it in the list.
NUMERIC_SHARE = 0.5  # a column is offered as values when at least this share of its non-empty cells are numbers
MAX_GAP_SHARE = 0.2  # beyond this share of empty or non-numeric cells a series would be more patch than data
MISSING_CHOICES = ("drop", "interpolate")
BUNDLED_DIR = Path(__file__).parent / "series_data"
BUNDLED = {  # name shown -> (file, value column, time column, columns read beside it as inputs)
    "Sunspots, yearly 1700-2008": ("sunspots_yearly.csv", "sunspots", "year", ()),
    "CO2 at Mauna Loa, monthly 1958-2001": ("co2_mauna_loa_monthly.csv", "co2_ppm", "month", ()),
    "US unemployment with inflation and interest rate, quarterly 1959-2009": (
        "us_macro_quarterly.csv", "unemployment", "quarter", ("inflation", "tbill_rate")),
}


class DataError(ValueError):
    """A file or column that cannot be used, with a message that says why and what to do."""


@dataclass(frozen=True)
class ParsedCsv:
    """A CSV file read into a table, with its numeric columns and how it was read."""

    name: str
    table: pd.DataFrame
    numeric: tuple[str, ...]  # columns where at least NUMERIC_SHARE of the non-empty cells are numbers
    delimiter: str
    decimal: str
    notes: tuple[str, ...]  # what was detected and done, for the page to say
    first_data_line: int | None = 2  # line of the file holding table row 0; None when a quoted cell spans lines


@dataclass(frozen=True, eq=False)
class ColumnGaps:
    """The empty and non-numeric cells of one column: how many, where in the file, and whether that is too many."""

    column: str
    cells: int  # the column's cells, one per data row
    empty: int
    text: int  # cells holding something that is not a number, formulas included
    formulas: int  # text cells starting with "=", as a spreadsheet formula does
    mask: np.ndarray  # (cells,) bool, True where the cell is empty or not a number
    where: str  # e.g. "at lines 3 and 7 of the file (the header is line 1)"

    @property
    def count(self) -> int:
        """Return how many cells are empty or not a number."""
        return self.empty + self.text

    @property
    def allowed(self) -> int:
        """Return the most empty or non-numeric cells the column may have and still be used."""
        # The float 0.2 is a hair above 1/5, so an exact fifth (150 * 0.2 = 30) is never rounded down to 29.
        return int(self.cells * MAX_GAP_SHARE)

    @property
    def refused(self) -> bool:
        """Return True when the column has more empty or non-numeric cells than MAX_GAP_SHARE allows."""
        return self.count > self.allowed

    def breakdown(self) -> str:
        """Return the share and the kinds of cells, e.g. "33.3% of the column; 49 empty, 1 holding text"."""
        kinds = [f"{self.empty} empty"] * bool(self.empty) + [f"{self.text} holding text"] * bool(self.text)
        return f"{_percent(self.count, self.cells)} of the column; {', '.join(kinds)}"

    def formula_note(self) -> str:
        """Return a sentence about formula cells, or "" when there are none."""
        if not self.formulas:
            return ""
        lead = "That cell starts" if self.count == 1 else \
            f"{self.formulas} of those cells start{'s' * (self.formulas == 1)}"
        return f" {lead} with \"=\" like a spreadsheet formula: formulas are never evaluated, only numbers are read."

    def summary(self) -> str:
        """Return what is wrong with the column in one paragraph: how many cells, which share, where, formulas."""
        return (f"Column {self.column!r} has {self.count} empty or non-numeric cell{'s' * (self.count > 1)} out of "
                f"{self.cells} ({self.breakdown()}), {self.where}.{self.formula_note()}")


@dataclass(frozen=True)
class UserSeries:
    """One numeric series chosen from a file: its values, optional time labels, and a digest naming its content."""

    name: str
    values: np.ndarray  # (n,) float64, finite
    time_labels: tuple[str, ...] | None
    digest: str
    notes: tuple[str, ...] = ()
    inputs: np.ndarray | None = None  # (n, len(input_names)) other columns of the file, read beside the values
    input_names: tuple[str, ...] = ()


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
    lines = _decode(raw).splitlines(keepends=True)
    blank_head = next((k for k, line in enumerate(lines) if line.strip()), None)
    if blank_head is None:
        raise DataError("The file is empty.")
    text = "".join(lines[blank_head:])  # the header must be the first line pandas sees
    delimiter, decimal = _sniff(text)
    try:
        # Blank lines are kept as rows and only empty cells are missing: a one-column file's blank line is an
        # empty cell, and "NA" or "n/a" is text the learner should hear about, not something to drop silently.
        table = pd.read_csv(io.StringIO(text), sep=delimiter, decimal=decimal, skipinitialspace=True,
                            skip_blank_lines=False, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise DataError(f"The file could not be read as a CSV table ({str(error).splitlines()[0]}).") from None
    if table.shape[1] == 0 or table.shape[0] == 0:
        raise DataError("The file has no rows of data under its header.")
    with_content = np.flatnonzero(table.apply(_filled).any(axis=1).to_numpy())  # (rows with a filled cell,)
    if not with_content.size:
        raise DataError("The file has no rows of data under its header.")
    empty_tail = len(table) - 1 - int(with_content[-1])
    table = table.iloc[: int(with_content[-1]) + 1]  # rows empty in every column after the last value are no data
    numeric, mixed = [], []
    for column in table.columns:
        cells = table[column]
        filled = _filled(cells)
        numbers = int(_numbers(cells, decimal)[filled].notna().sum())
        if _looks_like_time(cells) or not numbers:
            continue
        if numbers >= NUMERIC_SHARE * filled.sum():
            numeric.append(str(column))
        else:
            mixed.append(f"column {str(column)!r} has numbers in only {numbers} of its {int(filled.sum())} "
                         f"filled cells (at least half must be numbers)")
    notes = []
    if empty_tail:
        notes.append(f"{empty_tail} line{'s' * (empty_tail > 1)} at the end of the file, empty in every column, "
                     f"{'were' if empty_tail > 1 else 'was'} left out.")
    notes.extend(f"Not offered as values: {reason}." for reason in mixed)
    if delimiter != ",":
        notes.append(f"Columns are separated by {_delimiter_name(delimiter)}.")
    if decimal == ",":
        notes.append("Numbers use a decimal comma (1,5 means 1.5).")
    if not numeric:
        hint = (" The numbers may use a decimal comma with commas between columns: save with semicolons "
                "between columns, or with decimal points." if any(table[c].astype(str).str.fullmatch(r"-?\d+,\d+").any()
                                                                  for c in table.columns) else "")
        mostly_text = "; ".join(mixed)
        mostly_text = f" {mostly_text[:1].upper()}{mostly_text[1:]}." if mixed else ""
        raise DataError(f"No column of the file holds numbers.{mostly_text}{hint}")
    table.columns = [str(c) for c in table.columns]
    spans_lines = any("\n" in c or "\r" in c for c in table.columns) or any(
        table[c].dropna().astype(str).str.contains(r"[\r\n]").any()
        for c in table.columns if not pd.api.types.is_numeric_dtype(table[c]))
    first_data_line = None if spans_lines else blank_head + 2
    return ParsedCsv(name, table, tuple(numeric), delimiter, decimal, tuple(notes), first_data_line)


def _filled(cells: pd.Series) -> pd.Series:
    """Return True where a cell holds anything but blanks."""
    return cells.notna() & (cells.astype(str).str.strip() != "")


def _numbers(cells: pd.Series, decimal: str) -> pd.Series:
    """Return a column as floats, NaN where a cell is empty or not a number."""
    if decimal == "," and not pd.api.types.is_numeric_dtype(cells):
        # One text cell keeps pandas from reading the column's decimal commas: read them here instead.
        cells = cells.str.replace(",", ".", regex=False)
    return pd.to_numeric(cells, errors="coerce")


def _looks_like_time(cells: pd.Series) -> bool:
    """Return True for a column of dates written as text (numbers alone are left to be values)."""
    text = cells.dropna().astype(str)
    return bool(len(text) and text.str.contains(r"[-/:]\d", regex=True).mean() > 0.9 and
                pd.to_numeric(text, errors="coerce").isna().all())


def _delimiter_name(delimiter: str) -> str:
    return {";": "semicolons", "\t": "tabs", "|": "vertical bars"}.get(delimiter, repr(delimiter))


def column_values(parsed: ParsedCsv, column: str) -> np.ndarray:
    """Return a column as floats (rows,), NaN where a cell is empty or not a number."""
    return _numbers(parsed.table[column], parsed.decimal).to_numpy(dtype=np.float64)


def column_gaps(parsed: ParsedCsv, column: str) -> ColumnGaps:
    """Return the ColumnGaps of one column: its empty and non-numeric cells, counted and located."""
    cells = parsed.table[column]
    gaps = np.isnan(column_values(parsed, column))  # (rows,)
    empty = ~_filled(cells).to_numpy()  # (rows,)
    text = gaps & ~empty  # (rows,)
    formulas = int(cells[text].astype(str).str.strip().str.startswith("=").sum())
    return ColumnGaps(column, len(cells), int(empty.sum()), int(text.sum()), formulas, gaps,
                      _where(parsed, gaps) if gaps.any() else "")


def choose_series(parsed: ParsedCsv, column: str, time_column: str | None = None,
                  missing: str | None = None, input_columns: tuple[str, ...] = ()) -> UserSeries:
    """Return the UserSeries of one numeric column; raise DataError when it cannot be forecast as it is.

    ``missing`` says what to do with empty or non-numeric cells: "drop" their rows, "interpolate" them
    linearly, or None to refuse (the DataError says how many and where). Either way the notes say how many
    there were, their share and where; a column with more than MAX_GAP_SHARE of them is refused whatever
    ``missing`` says. ``input_columns`` are read beside the values, row for row, with the same checks; their
    own empty cells are interpolated (the notes say so), and rows dropped from the values are dropped from them.
    """
    if column not in parsed.numeric:
        comma = column in parsed.table and \
            parsed.table[column].astype(str).str.fullmatch(r"\s*-?\d+,\d+\s*").mean() > 0.5
        hint = (" Its numbers seem to use a decimal comma while commas also separate the columns: save the file "
                "with semicolons between columns, or with decimal points.") if comma else ""
        raise DataError(f"Column {column!r} does not hold numbers; choose one of {list(parsed.numeric)}.{hint}")
    values = column_values(parsed, column)  # (rows,)
    labels = _labels(parsed.table[time_column]) if time_column else None  # (rows,)
    infinite = np.isinf(values)
    if infinite.any():
        raise DataError(f"Column {column!r} holds infinite values ({_where(parsed, infinite)}). "
                        f"Remove them and try again.")
    finite = values[np.isfinite(values)]
    if finite.size and np.abs(finite).max() > ABSURD:
        raise DataError(f"Column {column!r} holds absurdly large values (up to {np.abs(finite).max():.3g}); "
                        f"check the units or remove those rows.")
    notes = list(parsed.notes)
    found = column_gaps(parsed, column)
    gaps = found.mask  # (rows,)
    if found.refused:
        raise DataError(f"{found.summary()} At most {found.allowed} of the column's {found.cells} cells "
                        f"({MAX_GAP_SHARE:.0%}) may be empty or non-numeric: with more, the series would be "
                        f"more patch than data. Fill in or remove those cells in the file, or choose another column.")
    kept = np.ones(len(values), dtype=bool)  # (rows,) the rows the series keeps
    if found.count and missing == "drop":
        kept = ~gaps
    inputs = [_input_column(parsed, name, column, notes)[kept] for name in input_columns]  # each (kept rows,)
    if found.count:
        plural = "s" * (found.count > 1)
        if missing is None:
            raise DataError(f"{found.summary()} Choose to drop those rows or to interpolate them.")
        if missing == "drop":
            values, labels = values[~gaps], (labels[~gaps] if labels is not None else None)
            notes.append(f"Dropped {found.count} of the {found.cells} rows ({found.breakdown()}) because their cell "
                         f"in column {column!r} is empty or not a number, {found.where}. The series keeps the other "
                         f"{len(values)} values; those either side of a dropped row now follow each other."
                         f"{found.formula_note()}")
        elif missing == "interpolate":
            index = np.arange(len(values))  # (rows,)
            values = np.interp(index, index[~gaps], values[~gaps])  # ends take the nearest value
            notes.append(f"Interpolated {found.count} empty or non-numeric cell{plural} out of {found.cells} in "
                         f"column {column!r} ({found.breakdown()}), {found.where}. Each now lies on a straight line "
                         f"between the numbers either side of it (before the first number or after the last, it "
                         f"takes that number).{found.formula_note()}")
        else:
            raise DataError(f"missing must be one of {MISSING_CHOICES}, not {missing!r}")
    if len(values) > MAX_POINTS:
        notes.append(f"The file has {len(values)} values; the last {MAX_POINTS} are used.")
        values = values[-MAX_POINTS:]
        labels = labels[-MAX_POINTS:] if labels is not None else None
        inputs = [column_of_input[-MAX_POINTS:] for column_of_input in inputs]
    if len(values) < MIN_POINTS:
        raise DataError(f"Column {column!r} has only {len(values)} values; at least {MIN_POINTS} are needed "
                        f"to cut training, validation and test windows.")
    if np.ptp(values) == 0:
        raise DataError(f"Column {column!r} is constant ({values[0]:g} everywhere): there is nothing to forecast.")
    stacked = np.column_stack(inputs) if inputs else None  # (n, inputs)
    content = values.tobytes() + (stacked.tobytes() + "|".join(input_columns).encode() if stacked is not None else b"")
    digest = hashlib.sha1(content).hexdigest()[:12]
    name = f"{parsed.name}: {column}" + (f" with {', '.join(input_columns)}" if input_columns else "")
    return UserSeries(name, values, tuple(labels) if labels is not None else None, digest, tuple(notes), stacked,
                      tuple(input_columns))


def _input_column(parsed: ParsedCsv, name: str, target: str, notes: list[str]) -> np.ndarray:
    """Return one input column (rows,) with its empty cells interpolated; raise DataError when it cannot be used."""
    if name == target:
        raise DataError(f"Column {name!r} is the series itself: choose other columns as its inputs.")
    if name not in parsed.numeric:
        raise DataError(f"Column {name!r} does not hold numbers, so it cannot be an input; choose among "
                        f"{[c for c in parsed.numeric if c != target]}.")
    values = column_values(parsed, name)  # (rows,)
    finite = values[np.isfinite(values)]  # (finite,)
    if np.isinf(values).any() or (finite.size and np.abs(finite).max() > ABSURD):
        raise DataError(f"Input column {name!r} holds infinite or absurdly large values; check it or leave it out.")
    found = column_gaps(parsed, name)
    if found.refused:
        raise DataError(f"Input column {name!r}: {found.summary()} At most {found.allowed} of its {found.cells} cells "
                        f"({MAX_GAP_SHARE:.0%}) may be empty or non-numeric. Leave it out or fill it in.")
    if found.count:
        index = np.arange(len(values))  # (rows,)
        values = np.interp(index, index[~found.mask], values[~found.mask])
        notes.append(f"Input column {name!r}: interpolated {found.count} empty or non-numeric cell"
                     f"{'s' * (found.count > 1)} ({found.breakdown()}), {found.where}.")
    if np.ptp(values) == 0:
        raise DataError(f"Input column {name!r} is constant ({values[0]:g} everywhere): it has nothing to tell.")
    return values


def _where(parsed: ParsedCsv, mask: np.ndarray) -> str:
    """Return where the first few True cells of mask sit, as lines of the file the learner can find."""
    rows = np.flatnonzero(mask)  # (count,) table rows
    shown, more = rows[:5], len(rows) - 5
    if parsed.first_data_line is None:
        place = f"data row{'s' * (len(rows) > 1)} {_and(shown + 1)} (the first row under the header is data row 1)"
    else:
        place = (f"line{'s' * (len(rows) > 1)} {_and(shown + parsed.first_data_line)} of the file "
                 f"(the header is line {parsed.first_data_line - 1})")
    return f"first at {place}, and {more} more" if more > 0 else f"at {place}"


def _and(numbers: np.ndarray) -> str:
    """Return numbers as "3", "3 and 7" or "3, 7 and 9"."""
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _percent(count: int, total: int) -> str:
    """Return count / total as a percentage with one decimal at most: "20%", "33.3%", "under 0.1%"."""
    if 0 < 1000 * count < total / 2:
        return "under 0.1%"
    text = f"{100 * count / total:.1f}"
    # Only an exact value loses its ".0": 2001 of 10000 reads "20.0%", not the limit's "20%".
    return (text.removesuffix(".0") if 1000 * count % total == 0 else text) + "%"


def _labels(cells: pd.Series) -> np.ndarray:
    """Return a column as time labels (rows,): as written, with "" for an empty cell."""
    if pd.api.types.is_float_dtype(cells) and cells.isna().any():
        finite = cells[np.isfinite(cells)]
        if (finite == finite.round()).all():  # whole numbers that a blank row turned into floats
            return np.array(["" if np.isnan(v) else str(int(v)) if np.isfinite(v) else str(v) for v in cells],
                            dtype=object)
    return cells.astype(str).where(cells.notna(), "").to_numpy()


def bundled_series(name: str) -> UserSeries:
    """Return one of the bundled real series by its shown name."""
    file, column, time_column, input_columns = BUNDLED[name]
    parsed = read_csv((BUNDLED_DIR / file).read_bytes(), file)
    return replace(choose_series(parsed, column, time_column, input_columns=input_columns), name=name)
