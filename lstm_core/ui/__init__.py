"""The only streamlit-aware part of LSTM Lens: settings, links and the address bar, the training session, widgets."""
