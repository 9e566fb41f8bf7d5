"""Ready-made settings: the quick start (also traced by every training worker when it starts) and the presets."""

from dataclasses import dataclass, field
from typing import Any

from lstm_core.config import ModelConfig, SeriesConfig

# Chosen by bench/sweep_quick_start.py (see BENCHMARKS.md): from a warm worker it reaches a test MSE of
# about 1.17x the noise floor for about 1 s of a worker's CPU, so a class of 30 gets results within a minute.
QUICK_START_SERIES = SeriesConfig(n_points=1000, noise_std=0.1)
QUICK_START_MODEL = ModelConfig(seq_length=20, units=32, layers=1, dropout=0.0, dense_units=8,
                                learning_rate=0.02, batch_size=64, epochs=12)


@dataclass(frozen=True)
class Preset:
    """Settings loaded everywhere at one click: series, model, the lessons' own settings, and where to go."""

    name: str
    description: str
    series: SeriesConfig
    model: ModelConfig
    lessons: dict[str, dict[str, Any]] = field(default_factory=dict)  # lesson page name -> its settings
    page: str = "train"  # the name of the page the preset opens


PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset("Quick demo", "A noisy sine and a small one-layer model: results in a few seconds.",
           QUICK_START_SERIES, QUICK_START_MODEL),
    Preset("Seed tutorial recipe",
           "The classic tutorial's settings: sine with noise 0.1, window 50, two LSTM(50) layers with dropout "
           "0.2, Dense(25), 20 epochs of batch 32; its random split in the split lesson.",
           SeriesConfig(n_points=2000, noise_std=0.1), ModelConfig(),
           {"splits": {"series": "plain sine", "n_points": 2000, "seq_length": 50, "units": 50,
                                "epochs": 20, "seeds": 2}}),
    Preset("Deep stack", "Three stacked LSTM layers on two sines added together: look inside every layer.",
           SeriesConfig(n_points=1000, noise_std=0.05, shape="sum_of_sines"),
           ModelConfig(seq_length=40, units=24, layers=3, dropout=0.1, dense_units=16, learning_rate=0.005,
                       batch_size=64, epochs=20)),
    Preset("Long memory", "The LSTM-vs-RNN lesson just past the plain RNN's limit: the marked value 15 to 24 "
           "steps back.", QUICK_START_SERIES, QUICK_START_MODEL,
           {"memory": {"k": 15, "units": 16, "epochs": 30, "seed": 0}}, page="memory"),
    Preset("A random split that lies", "The split lesson on a wandering series, where a random split "
           "flatters the test score.", QUICK_START_SERIES, QUICK_START_MODEL,
           {"splits": {"series": "sine + random walk", "n_points": 1000, "seq_length": 20, "units": 16,
                                "epochs": 10, "seeds": 3}}, page="splits"),
)}
