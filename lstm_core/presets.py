"""Ready-made settings: the quick start on Home, also traced by every training worker when it starts."""

from lstm_core.config import ModelConfig, SeriesConfig

QUICK_START_SERIES = SeriesConfig(n_points=600, noise_std=0.1)
QUICK_START_MODEL = ModelConfig(seq_length=20, units=16, layers=2, dropout=0.1, dense_units=8,
                                learning_rate=0.01, batch_size=32, epochs=8)
