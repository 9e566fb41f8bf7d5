"""What a run's windows were cut from, as JSON the run store keeps: a data spec, and the series it names.

A spec is the same text wherever a training is stored (the app's pages, or the Ray queue storing a run whose
replica has gone), so a link opens it anywhere. The generated wave is named by its settings and a bundled
series by its name; the learner's own file travels whole, values and all.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import numpy as np

from lstm_core.config import SeriesConfig
from lstm_core.data.own_data import BUNDLED, UserSeries, bundled_series


class SourceKind(StrEnum):
    """Where a spec's series comes from; its value is the spec's "kind" as stored."""

    GENERATED = "generated"
    BUNDLED = "bundled"
    OWN = "own"  # the learner's own file
    LESSON = "lesson"  # a lesson's own task: its page's settings say what it trained on


def data_spec(source: SeriesConfig | UserSeries) -> dict[str, Any]:
    """Return a JSON-able description of what a run's windows were cut from."""
    if isinstance(source, SeriesConfig):
        return {"kind": SourceKind.GENERATED.value, "series": source.to_dict()}
    if source.name in BUNDLED:
        return {"kind": SourceKind.BUNDLED.value, "name": source.name}
    spec: dict[str, Any] = {
        "kind": SourceKind.OWN.value, "name": source.name, "values": [float(v) for v in source.values],
        "time_labels": list(source.time_labels) if source.time_labels is not None else None,
        "digest": source.digest, "notes": list(source.notes)}
    if source.inputs is not None:  # a spec without inputs is the one it was before they could be chosen
        spec["inputs"] = {name: [float(v) for v in column] for name, column in zip(source.input_names, source.inputs.T)}
    return spec


def source_of(spec: dict[str, Any]) -> SeriesConfig | UserSeries:
    """Return the series a data spec describes (the inverse of data_spec)."""
    if spec["kind"] == SourceKind.GENERATED:
        return SeriesConfig.from_dict(spec["series"])
    if spec["kind"] == SourceKind.BUNDLED:
        return bundled_series(spec["name"])
    labels = spec["time_labels"]
    inputs = spec.get("inputs") or {}
    return UserSeries(spec["name"], np.asarray(spec["values"], dtype=np.float64),  # (n,)
                      tuple(labels) if labels is not None else None, spec["digest"], tuple(spec.get("notes", ())),
                      np.column_stack([np.asarray(column, dtype=np.float64) for column in inputs.values()])
                      if inputs else None, tuple(inputs))  # (n, inputs)


def is_learners_own(source: SeriesConfig | UserSeries) -> bool:
    """Return True when source is the learner's own file, whose runs are kept only with the learner's agreement."""
    return isinstance(source, UserSeries) and source.name not in BUNDLED
