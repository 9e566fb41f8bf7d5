"""What a learner reads about a training's fate: every sentence a job, a queue or a backend may set, in one place.

The process pool, the Ray pool and the cluster's queue end jobs for the same reasons (a stop, a closed page,
a full line, a worker that died, a server that shuts down), so they say so in the same words.
"""

from __future__ import annotations

QUEUED_MESSAGE = "Waiting for a free training slot."
STOPPING_MESSAGE = "Stopping: the current batch finishes, then the weights trained so far are kept."
WITHDRAWN_MESSAGE = "Stopped while waiting in the queue."
NOT_BEGUN_MESSAGE = "Stopped before training began."
ABANDONED_MESSAGE = "Stopped: the page that started this training was closed."
SHUTDOWN_MESSAGE = "Stopped: the training server shut down."
GOES_ON_ELSEWHERE_MESSAGE = "You stopped watching; this training goes on for learners on another server."
CLUSTER_LOST_MESSAGE = ("The training cluster lost this training (it was restarted). "
                        "Your settings are kept: press Train to try again.")


def other_watchers(others: int) -> str:
    """Return "the other learner who watches it" or "the N other learners who watch it"."""
    return "the other learner who watches it" if others == 1 else f"the {others} other learners who watch it"


def stopped_watching_message(others: int) -> str:
    """Return what a learner who stopped a shared training reads: it goes on for the others."""
    return f"You stopped watching; this training goes on for {other_watchers(others)}."


def page_closed_message(others: int) -> str:
    """Return what a watcher whose page was closed reads: the shared training goes on for the others."""
    return f"Stopped watching: the page was closed; this training goes on for {other_watchers(others)}."


def queue_full_message(cap: int) -> str:
    """Return what a learner reads when their session already has cap trainings waiting."""
    return (f"You already have {cap} trainings waiting. The queue takes everyone's trainings in turn, one "
            f"session at a time: wait until one of yours starts, or stop one.")


def address_full_message(cap: int) -> str:
    """Return what a learner reads when cap trainings from their network address are waiting already."""
    return (f"{cap} trainings from your network address are waiting already, the most one address may queue at "
            f"once, so that every learner gets their turn. Yours was not queued: wait until one of them starts, "
            f"then press Train again.")


def queue_bound_message(bound: int) -> str:
    """Return what a learner reads when the whole queue holds bound trainings: this server takes no more for now."""
    return (f"The training queue is full: {bound} trainings are waiting, the most this server holds at once. "
            f"Yours was not queued: wait a minute for some of them to start, then press Train again.")


def worker_lost_message(how: str) -> str:
    """Return what a learner reads when the process training their job ended, how saying why (a signal, an actor)."""
    return (f"The training process ended unexpectedly ({how}), perhaps out of memory. "
            f"Your settings are kept: press Train to try again.")


def cluster_unreachable_message(problem: str | None) -> str:
    """Return what a learner reads when the Ray cluster cannot take or answer for their training."""
    return (f"The training cluster cannot be reached just now ({problem}). Your settings are kept: "
            f"press Train again in a minute.")
