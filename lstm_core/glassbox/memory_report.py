"""Everything Inside and the memory page say about one trained model's memory, computed together once per run.

The what-if atlas (every single-unit knock-out, the clamps, a reset), the memory curves of every layer at the
window's last step, and the role of every unit of every layer, whose importance is the atlas's knock-out cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from lstm_core.data.dataset import Dataset
from lstm_core.glassbox.readouts import MemoryCurves, memory_curves
from lstm_core.glassbox.unit_roles import UnitRoles, dataset_unit_roles
from lstm_core.glassbox.what_if import WhatIfAtlas, what_if_atlas
from lstm_core.model.weights import ModelWeights


@dataclass
class MemoryReport:
    """The what-if atlas of a model on its test windows, and per layer its memory curves and unit roles."""

    atlas: WhatIfAtlas
    curves: list[MemoryCurves]  # per layer, at the window's last step
    roles: list[UnitRoles]  # per layer, read from h at the window's last step


def memory_report(weights: ModelWeights, dataset: Dataset) -> MemoryReport:
    """Return the MemoryReport of a model on the dataset it was trained on (fitted on train, scored on test)."""
    atlas = what_if_atlas(weights, dataset.X["test"], dataset.y["test"])
    layers = range(len(weights.recurrent))
    curves = [memory_curves(weights, dataset, layer=layer) for layer in layers]
    roles = [dataset_unit_roles(weights, dataset, layer, importance=atlas.knock_out_ratios[layer]) for layer in layers]
    return MemoryReport(atlas, curves, roles)
