"""What the training pool's fork server does as it starts: outlive a stop signal, then load Keras once.

Every worker is forked from that server with Keras and TensorFlow already in memory (about a second of CPU
instead of five) and still sets its own thread counts, which TensorFlow takes until its first operation. The
server's stop signal, sent to its whole process group, must not end the fork server: the pool learns that a
worker has ended through it, and the server ends its workers itself once their jobs have stopped. Any other
process that imports this module (a walk over lstm_core's modules, say) is left as it was.
"""

import signal
import sys

FORK_SERVER_MARK = "from multiprocessing.forkserver import main"  # in the fork server's command line


def is_fork_server() -> bool:
    """Return True in the process that multiprocessing runs as its fork server."""
    return any(FORK_SERVER_MARK in arg for arg in sys.orig_argv)


if is_fork_server():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # SIGINT the fork server ignores on its own
    from lstm_core.training.worker import load_keras

    load_keras()
