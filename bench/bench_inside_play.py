"""A class on the Inside page pressing Play at once: what playing costs the server, and a trainer meanwhile.

Run: .venv/bin/python -m bench.bench_inside_play [--app-root DIR] [--seconds S] [learners]
(default: this checkout's app, 16 s of playing, 30 learners).

The quick start is trained once in this process and stored in the served app's run store, so every learner
opens the same model with ``inside?run=<id>`` (bench/ws_client.py, Streamlit's websocket protocol, no
renderer). Then, on one server started as `make run` starts it:
1. one learner on Inside presses Play: the server's CPU seconds per second while it plays;
2. a trainer alone presses Train on a model of its own: Train -> results, the reference;
3. the whole class presses Play at once and, a second later, the trainer trains another model of its own:
   the server's share of a core while the class plays, and the trainer's wait against the reference.
A server whose Play runs in the browser has no Play button for the client to press (it gets the figure's
frames once); a server whose Play reruns the page has one (a Streamlit button "▶ Play"), which is pressed.
Prints the figures; never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.bench_classroom import CpuMeter, serve, wait_for_idle_workers
from bench.ws_client import StreamlitSession
from lstm_core.data.dataset import build_dataset
from lstm_core.data.spec import data_spec
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.store.runs import RunStore
from lstm_core.training.protocol import TrainingData, training_key
from lstm_core.training.worker import train_job
from lstm_core.ui.links import share_query

ROOT = Path(__file__).resolve().parents[1]

INSIDE_TITLE = "Inside the LSTM"
PLAY_LABEL = "▶ Play"
RESULTS_TEXT = "How good is the forecast?"
TRAIN_LIMIT_SECONDS = 120


def store_quick_start(data_dir: str) -> str:
    """Train the quick start here, store it in the run store of data_dir, and return its id."""
    ds = build_dataset(QUICK_START_SERIES, QUICK_START_MODEL.seq_length, QUICK_START_MODEL.horizon)
    data = TrainingData.from_dataset(ds)
    result = train_job(data, QUICK_START_MODEL)
    store = RunStore(f"sqlite:///{Path(data_dir) / 'lstm_lens.sqlite3'}")
    run_id = store.save(result, QUICK_START_MODEL, data_spec(QUICK_START_SERIES),
                        training_key=training_key(data, QUICK_START_MODEL))
    store.close()
    return run_id


def cpu_of(meter: CpuMeter, role: str) -> float:
    """Return the CPU seconds so far of the server process (role "server") or of all its workers ("workers")."""
    readings, names = meter.snapshot(), meter.labels()
    if role == "server":
        return sum(seconds for pid, seconds in readings.items() if names.get(pid) == "server")
    return sum(seconds for pid, seconds in readings.items() if names.get(pid, "").startswith("worker"))


async def open_inside(url: str, run_id: str, name: str) -> StreamlitSession:
    """Return a session showing the stored run on Inside, once its page has finished drawing."""
    session = StreamlitSession(url, name)
    await session.open("inside", f"run={run_id}")
    await session.wait_until(lambda: session.idle and session.shows(INSIDE_TITLE), timeout=120)
    return session


async def press_play(session: StreamlitSession) -> bool:
    """Press the page's Streamlit Play button if it has one; return whether it had one."""
    button = session.find_button(PLAY_LABEL)
    if button is None:
        return False
    await session.press(button)
    return True


async def train_own_model(url: str, seed: int, name: str) -> float:
    """Open Train with the quick start under a seed of its own, press Train; return seconds until the results."""
    session = StreamlitSession(url, name)
    query = share_query(QUICK_START_SERIES.to_dict(), replace(QUICK_START_MODEL, seed=seed).to_dict(), {})
    await session.open("train", query)
    await session.wait_until(lambda: session.idle and session.find_button("Train") is not None, timeout=120)
    pressed = time.monotonic()
    await session.press(session.find_button("Train"))
    try:
        await session.wait_until(lambda: session.shows(RESULTS_TEXT), timeout=TRAIN_LIMIT_SECONDS)
    finally:
        await session.close()
    return time.monotonic() - pressed


async def measure(url: str, meter: CpuMeter, run_id: str, learners: int, seconds: float) -> None:
    """Run the three measurements on the served app and print them."""
    lone = await open_inside(url, run_id, "lone")
    await asyncio.sleep(1.0)
    before, began = cpu_of(meter, "server"), time.monotonic()
    server_play = await press_play(lone)
    await asyncio.sleep(seconds)
    lone_rate = (cpu_of(meter, "server") - before) / (time.monotonic() - began)
    await lone.close()
    print(f"Play runs {'on the server (a Streamlit button)' if server_play else 'in the browser (no button to press)'}")
    print(f"1 learner playing for {seconds:.0f} s: server {lone_rate:.3f} CPU-s per s")

    reference = await train_own_model(url, 101, "trainer-alone")
    print(f"a trainer alone: Train -> results {reference:.1f} s")

    opened = time.monotonic()
    class_sessions = await asyncio.gather(*(open_inside(url, run_id, f"learner-{k}") for k in range(learners)))
    print(f"{learners} learners opened the stored run on Inside in {time.monotonic() - opened:.1f} s")
    await asyncio.sleep(1.0)
    before, workers_before, began = cpu_of(meter, "server"), cpu_of(meter, "workers"), time.monotonic()
    await asyncio.gather(*(press_play(session) for session in class_sessions))
    await asyncio.sleep(1.0)
    trainer = asyncio.create_task(train_own_model(url, 102, "trainer-in-class"))
    await asyncio.sleep(max(0.0, seconds - 1.0))
    class_rate = (cpu_of(meter, "server") - before) / (time.monotonic() - began)
    print(f"{learners} learners playing for {seconds:.0f} s: server {class_rate:.3f} CPU-s per s "
          f"({class_rate * 100:.0f} % of one core); workers {cpu_of(meter, 'workers') - workers_before:.1f} CPU-s")
    try:
        waited = await trainer
        print(f"a trainer meanwhile: Train -> results {waited:.1f} s ({waited / reference:.2f}x alone)")
    except TimeoutError:
        print(f"a trainer meanwhile: no results within {TRAIN_LIMIT_SECONDS} s of pressing Train")
    await asyncio.gather(*(session.close() for session in class_sessions))


def main() -> None:
    """Serve the app, store the quick start, and print what a class playing Inside costs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("learners", nargs="?", type=int, default=30)
    parser.add_argument("--app-root", type=Path, default=ROOT)
    parser.add_argument("--seconds", type=float, default=16.0)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="lstm-lens-play-") as data_dir:
        run_id = store_quick_start(data_dir)
        with serve(args.app_root, ROOT / "artifacts" / "bench-inside-play.log", data_dir=Path(data_dir)) as (url, pid):
            meter = CpuMeter(pid)
            waited, workers = wait_for_idle_workers(meter)
            print(f"server: {args.app_root}; {workers} workers warm after {waited:.1f} s; stored run {run_id}")
            asyncio.run(measure(url, meter, run_id, args.learners, args.seconds))
            meter.close()


if __name__ == "__main__":
    main()
