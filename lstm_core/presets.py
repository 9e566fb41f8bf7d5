"""Ready-made settings: the quick start on Home, also traced by every training worker when it starts."""

from lstm_core.config import ModelConfig, SeriesConfig

# Chosen by bench/sweep_quick_start.py (see BENCHMARKS.md): from a warm worker it reaches a test MSE of
# about 1.12x the noise floor in about 2 s of training; a window of 30 values averages the noise away.
QUICK_START_SERIES = SeriesConfig(n_points=1000, noise_std=0.1)
QUICK_START_MODEL = ModelConfig(seq_length=30, units=16, layers=1, dropout=0.0, dense_units=8,
                                learning_rate=0.02, batch_size=64, epochs=24)
