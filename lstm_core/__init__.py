"""LSTM Lens compute core: data, model, training jobs, the glass-box replay and figures."""
