"""Everything Inside and the memory page say about one layer of a trained model's memory, computed together.

The what-if atlas of the layer (each of its units knocked out, its four clamps, a reset of the first layer),
its memory curves at the window's last step, and the role of each of its units, whose importance is the
atlas's knock-out cost. One layer at a time: a page shows one, and a deep model's full atlas costs seconds.
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
    """One layer's what-if atlas on the test windows, its memory curves at the last step and its unit roles."""

    layer: int  # 0-based
    atlas: WhatIfAtlas  # knock-outs and clamps of this layer only
    curves: MemoryCurves
    roles: UnitRoles  # read from h at the window's last step


def memory_report(weights: ModelWeights, dataset: Dataset, layer: int) -> MemoryReport:
    """Return the MemoryReport of one layer of a model on its dataset (fitted on train, scored on test)."""
    atlas = what_if_atlas(weights, dataset.X["test"], dataset.y["test"], layers=[layer])
    return MemoryReport(layer, atlas, memory_curves(weights, dataset, layer=layer),
                        dataset_unit_roles(weights, dataset, layer, importance=atlas.knock_out_ratios[layer]))
