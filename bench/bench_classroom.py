"""A class of learners in real browsers on one server, against one learner alone on the same server.

Run: .venv/bin/python bench/bench_classroom.py [learners, default 30]
Serves the app as `make run` does, then: one learner presses Quick start and Train (the reference),
then the whole class does at once. Prints how many got results, the median and slowest wait from
Train to results (and their ratio to the lone learner's), and how long a newcomer's Home took to load
meanwhile. The browsers share the server's two cores, so this is harsher than a real class. Never fails.
"""

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.classroom import run_class  # noqa: E402
from tests.e2e.conftest import served_app  # noqa: E402


def main() -> None:
    """Run the lone learner, then the class, and print the figures."""
    learners = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with served_app("bench-classroom.log") as url:
        alone = run_class(url, 1, limit_seconds=300)
        reference = alone.learners[0].seconds
        print(f"1 learner: results {reference:.1f} s after pressing Train")
        run = run_class(url, learners, limit_seconds=480)
    waits = sorted(r.seconds for r in run.learners if r.seconds is not None) or [float("nan")]
    errors = [r.error for r in run.learners if r.error]
    print(f"{learners} learners: {run.finished()} got results within 480 s; wait median "
          f"{statistics.median(waits):.1f} s ({statistics.median(waits) / reference:.1f}x alone), slowest "
          f"{waits[-1]:.1f} s ({waits[-1] / reference:.1f}x alone); whole class {run.wall_seconds:.0f} s")
    for learner in run.learners:
        print(f"  learner {learner.index}: {learner.seconds}, last states {learner.statuses[-3:]}, {learner.error[:120]}")
    print(f"Train disabled while active for {sum(bool(r.train_disabled_while_active) for r in run.learners)} "
          f"of {learners}; errors: {errors[:3]}")
    loads = run.home_load_seconds
    print(f"Home for a newcomer meanwhile: {len(loads)} loads, median {statistics.median(loads):.1f} s, "
          f"slowest {max(loads):.1f} s")


if __name__ == "__main__":
    main()
