"""Serve LSTM Lens: start the training pool with the server, then run the app as `streamlit run` does.

`make run` and the browser tests start the app this way, so the workers import TensorFlow and trace
the quick-start model while the server starts, not while the first learner waits.
Usage: python -m lstm_core.ui.serve [streamlit run options]
"""

import sys
from pathlib import Path

from streamlit.web import cli

from lstm_core.training.pool import get_pool

APP = Path(__file__).resolve().parents[2] / "app.py"


def main() -> None:
    """Start the default training pool, then hand this process over to Streamlit's server; never returns."""
    get_pool()
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
