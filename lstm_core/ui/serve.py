"""Serve LSTM Lens: start the training pool with the server, then run the app as `streamlit run` does.

`make run` and the browser tests start the app this way, so the workers import TensorFlow and trace
the quick-start model while the server starts, not while the first learner waits.
Usage: python -m lstm_core.ui.serve [--data-dir DIR] [streamlit run options]
(--data-dir: where the run store's SQLite file lives; the same as LSTM_LENS_DATA_DIR).
"""

import os
import sys
from pathlib import Path

from streamlit.web import cli

from lstm_core.cluster.backends import get_pool
from lstm_core.store.runs import DATA_DIR_ENV

APP = Path(__file__).resolve().parents[2] / "app.py"


def take_data_dir(args: list[str]) -> list[str]:
    """Return args without a --data-dir option, which is put into the environment for the run store."""
    rest, args = [], list(args)
    while args:
        arg = args.pop(0)
        if arg == "--data-dir" and args:
            os.environ[DATA_DIR_ENV] = str(Path(args.pop(0)).resolve())
        elif arg.startswith("--data-dir="):
            os.environ[DATA_DIR_ENV] = str(Path(arg.split("=", 1)[1]).resolve())
        else:
            rest.append(arg)
    return rest


def main() -> None:
    """Start the default training pool, then hand this process over to Streamlit's server; never returns."""
    args = take_data_dir(sys.argv[1:])
    get_pool()
    sys.argv = ["streamlit", "run", str(APP), *args]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
