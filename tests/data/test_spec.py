"""The data-source format a run keeps: every kind of series comes back from its spec as it was, through JSON."""

import json

import numpy as np

from lstm_core.config import SeriesConfig
from lstm_core.data.own_data import BUNDLED, UserSeries, bundled_series, choose_series, read_csv
from lstm_core.data.spec import SourceKind, data_spec, is_learners_own, source_of


def through_json(spec: dict) -> dict:
    """Return spec as the store gives it back."""
    return json.loads(json.dumps(spec, sort_keys=True))


def test_each_kind_of_series_comes_back_from_its_spec():
    generated = SeriesConfig(shape="trend", n_points=400, noise_std=0.3, seed=5)
    bundled = bundled_series(next(iter(BUNDLED)))
    own = UserSeries("mine.csv", np.array([1.5, 2.5, 4.0, 3.0]), ("a", "b", "c", "d"), "digest-1", ("2 rows dropped",))
    for source, kind in ((generated, SourceKind.GENERATED), (bundled, SourceKind.BUNDLED), (own, SourceKind.OWN)):
        spec = through_json(data_spec(source))
        assert spec["kind"] == kind.value
        back = source_of(spec)
        if isinstance(source, SeriesConfig):
            assert back == source
        else:
            assert (back.name, back.time_labels, back.digest, back.notes) == (
                source.name, source.time_labels, source.digest, source.notes)
            np.testing.assert_array_equal(back.values, source.values)
    assert set(through_json(data_spec(bundled))) == {"kind", "name"}, "a bundled series is named, not copied"


def test_only_the_learners_own_file_needs_their_agreement():
    assert not is_learners_own(SeriesConfig())
    assert not is_learners_own(bundled_series(next(iter(BUNDLED))))
    assert is_learners_own(UserSeries("mine.csv", np.array([1.0, 2.0]), None, "d", ()))


def test_an_own_series_with_input_columns_round_trips_through_its_spec():
    rows = "\n".join(f"{k},{k % 9},{(k * 7) % 5}" for k in range(150))
    series = choose_series(read_csv(f"v,a,b\n{rows}".encode(), "two.csv"), "v", input_columns=("b", "a"))
    back = source_of(json.loads(json.dumps(data_spec(series))))
    assert back.input_names == ("b", "a") and np.array_equal(back.inputs, series.inputs)
    assert back.digest == series.digest and np.array_equal(back.values, series.values)
