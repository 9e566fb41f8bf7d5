"""SeriesConfig and ModelConfig: defaults, round trips and every way a value can be rejected."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_core.config import (
    CELL_TYPES,
    EXTRA_INPUTS,
    MODEL_BOUNDS,
    SERIES_BOUNDS,
    SERIES_SHAPES,
    ConfigError,
    ModelConfig,
    SeriesConfig,
)

CONFIGS = [(SeriesConfig, SERIES_BOUNDS), (ModelConfig, MODEL_BOUNDS)]
FIELDS = [(cls, name, bound) for cls, bounds in CONFIGS for name, bound in bounds.items()]
FIELD_IDS = [f"{cls.__name__}.{name}" for cls, name, _ in FIELDS]


def value_strategy(bound):
    """Any value inside one bound, of the bound's kind."""
    if bound.kind is int:
        return st.integers(bound.low, bound.high)
    return st.floats(bound.low, bound.high, allow_nan=False, allow_infinity=False)


def config_strategy(bounds, extra=None):
    """A dict with an in-bounds value for every bounded field."""
    return st.fixed_dictionaries({name: value_strategy(b) for name, b in bounds.items()} | (extra or {}))


def assert_rejected(cls, name, value, bound):
    """Building cls with name=value raises ConfigError naming the field, the value and the range."""
    with pytest.raises(ConfigError) as info:
        cls(**{name: value})
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert name in message
    assert repr(value) in message
    assert f"[{bound.low}, {bound.high}]" in message


# --- defaults and round trips ---------------------------------------------------------------------

@pytest.mark.parametrize("cls, bounds", CONFIGS, ids=["SeriesConfig", "ModelConfig"])
def test_defaults_are_valid_and_in_bounds(cls, bounds):
    cfg = cls()
    for name, bound in bounds.items():
        value = getattr(cfg, name)
        assert bound.low <= value <= bound.high
        if bound.kind is int:
            assert type(value) is int


def test_default_values_match_the_seed_tutorial():
    model = ModelConfig()
    assert (model.seq_length, model.units, model.layers, model.dropout) == (50, 50, 2, 0.2)
    assert SeriesConfig().shape == "sine"


@pytest.mark.parametrize("cls", [SeriesConfig, ModelConfig])
def test_to_dict_is_json_friendly_and_round_trips(cls):
    cfg = cls()
    data = cfg.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert cls.from_dict(json.loads(json.dumps(data))) == cfg


@given(config_strategy(SERIES_BOUNDS, {"shape": st.sampled_from(SERIES_SHAPES),
                                       "inputs": st.lists(st.sampled_from(EXTRA_INPUTS), unique=True)}))
def test_series_config_round_trips_any_in_bounds_values(data):
    cfg = SeriesConfig.from_dict(data)
    # The inputs come back in one order; the driver's settings, and an empty list of inputs, only where they count.
    expected = {**data, "inputs": [name for name in EXTRA_INPUTS if name in data["inputs"]]}
    if not data["inputs"]:
        del expected["inputs"]
    if "driver" not in data["inputs"]:
        del expected["driver_lead"], expected["driver_weight"]
    assert cfg.to_dict() == expected
    again = SeriesConfig.from_dict(cfg.to_dict())
    assert again == cfg if "driver" in cfg.inputs else again.to_dict() == cfg.to_dict()


@given(config_strategy(MODEL_BOUNDS, {"cell": st.sampled_from(CELL_TYPES)}))
def test_model_config_round_trips_any_in_bounds_values(data):
    cfg = ModelConfig.from_dict(data)
    assert cfg.to_dict() == data
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg


def test_from_dict_fills_missing_fields_with_defaults():
    assert SeriesConfig.from_dict({"n_points": 300}) == SeriesConfig(n_points=300)
    assert ModelConfig.from_dict({}) == ModelConfig()


@pytest.mark.parametrize("cls, name, bound", FIELDS, ids=FIELD_IDS)
def test_bounds_themselves_are_accepted(cls, name, bound):
    assert getattr(cls(**{name: bound.low}), name) == bound.low
    assert getattr(cls(**{name: bound.high}), name) == bound.high


@pytest.mark.parametrize("cls, name, bound", [f for f in FIELDS if f[2].kind is int],
                         ids=[i for i, f in zip(FIELD_IDS, FIELDS) if f[2].kind is int])
def test_whole_float_for_int_field_is_stored_as_int(cls, name, bound):
    value = getattr(cls(**{name: float(bound.low)}), name)
    assert value == bound.low and type(value) is int


def test_frozen():
    with pytest.raises(AttributeError):
        SeriesConfig().n_points = 200


# --- rejection -------------------------------------------------------------------------------------

def bad_values(bound):
    """Values every field must reject: outside the range, not finite, not numbers."""
    out = [math.nan, math.inf, -math.inf, True, False, "1", None, [1], bound.high + 1, bound.low - 1]
    if bound.kind is int:
        out += [bound.low + 0.5, bound.high - 0.25]
    else:
        out += [math.nextafter(bound.low, -math.inf), math.nextafter(bound.high, math.inf)]
    return out


@pytest.mark.parametrize("cls, name, bound", FIELDS, ids=FIELD_IDS)
def test_every_bad_value_is_rejected_with_a_clear_message(cls, name, bound):
    for value in bad_values(bound):
        assert_rejected(cls, name, value, bound)


@given(st.data())
def test_any_out_of_range_value_is_rejected(data):
    cls, name, bound = data.draw(st.sampled_from(FIELDS))
    if bound.kind is int:
        value = data.draw(st.integers(max_value=bound.low - 1) | st.integers(min_value=bound.high + 1))
    else:
        value = data.draw(st.floats(max_value=bound.low, exclude_max=True, allow_nan=False)
                          | st.floats(min_value=bound.high, exclude_min=True, allow_nan=False))
    assert_rejected(cls, name, value, bound)


@given(st.data())
def test_any_fractional_value_for_int_field_is_rejected(data):
    cls, name, bound = data.draw(st.sampled_from([f for f in FIELDS if f[2].kind is int]))
    value = data.draw(st.floats(bound.low, bound.high).filter(lambda v: not v.is_integer()))
    assert_rejected(cls, name, value, bound)


@pytest.mark.parametrize("cls, name, bound", [(SeriesConfig, "n_points", SERIES_BOUNDS["n_points"]),
                                              (SeriesConfig, "period", SERIES_BOUNDS["period"])])
def test_huge_int_is_a_config_error(cls, name, bound):
    assert_rejected(cls, name, 10**400, bound)


@pytest.mark.parametrize("cls", [SeriesConfig, ModelConfig])
def test_unknown_keys_are_rejected(cls):
    data = cls().to_dict() | {"colour": "red", "n_epochs": 3}
    with pytest.raises(ConfigError) as info:
        cls.from_dict(data)
    assert "colour" in str(info.value) and "n_epochs" in str(info.value)


@pytest.mark.parametrize("shape", ["cosine", "", "SINE", None, 3])
def test_unknown_series_shape_is_rejected(shape):
    with pytest.raises(ConfigError) as info:
        SeriesConfig(shape=shape)
    assert "shape" in str(info.value) and repr(shape) in str(info.value)


@pytest.mark.parametrize("shape", SERIES_SHAPES)
def test_every_known_shape_is_accepted(shape):
    assert SeriesConfig(shape=shape).shape == shape


@pytest.mark.parametrize("cell", ["gru", "", "LSTM", None, 1])
def test_unknown_cell_is_rejected(cell):
    with pytest.raises(ConfigError) as info:
        ModelConfig(cell=cell)
    assert "cell" in str(info.value) and repr(cell) in str(info.value)
