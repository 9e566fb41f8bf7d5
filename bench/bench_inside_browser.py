"""What a learner's browser does with the Inside stepper's frames: the first draw, and how fast Play really steps.

Run: .venv/bin/python -m bench.bench_inside_browser
For the quick start and for the largest window the controls allow (seq 100, 3 x LSTM(64)), a model with
random weights is stored in a fresh run store (the figure does not depend on how well it was trained), the
app is served as `make run` serves it, and Debian's Chromium opens ``inside?run=<id>``. Printed: the time from
the page's address to the stepper figure drawn with its slider, the figure's own draw (from the arrival of the
websocket message that carries it to its slider drawn, measured in the page's clock), the figure's JSON size,
and, with Play at 5 and at 10 steps a second, how many steps the figure shows per second over the window.
Never fails.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from bench.weights import random_weights
from deploy.launch import CHROMIUM, CHROMIUM_ARGS, ROOT, app_server
from lstm_core.config import ModelConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.data.spec import data_spec
from lstm_core.glassbox.replay import trace_model
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.store.runs import RunStore
from lstm_core.training.protocol import TrainingResult

LARGEST = replace(QUICK_START_MODEL, seq_length=100, units=64, layers=3)
STEP_LABEL_JS = """() => {
    const labels = Array.from(document.querySelectorAll('.js-plotly-plot .slider-container text'));
    const label = labels.map(e => e.textContent).find(text => /^Step \\d+ of/.test(text));
    return label ? Number(label.split(' ')[1]) : null;
}"""

# Installed before the app's own scripts: the arrival time of every large websocket message, and the moment the
# stepper's slider label is first in the DOM, both in the page's clock (performance.now()).
DRAW_CLOCK_JS = """(() => {
    const clock = window.__drawClock = {messages: [], drawn: null};
    const Native = window.WebSocket;
    class Timed extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', event => {
                const size = event.data.byteLength ?? event.data.size ?? event.data.length ?? 0;
                if (size > 20000) clock.messages.push(performance.now());
            });
        }
    }
    window.WebSocket = Timed;
    const watcher = new MutationObserver(() => {
        const labels = document.querySelectorAll('.js-plotly-plot .slider-container text');
        if (Array.from(labels).some(e => /^Step \\d+ of/.test(e.textContent))) {
            clock.drawn = performance.now();
            watcher.disconnect();
        }
    });
    document.addEventListener('DOMContentLoaded', () =>
        watcher.observe(document.body, {subtree: true, childList: true, characterData: true}));
})();"""


def store_model(data_dir: str, cfg: ModelConfig) -> str:
    """Store a run of cfg with random weights and the replay's own test predictions; return its id."""
    ds = build_dataset(QUICK_START_SERIES, cfg.seq_length, cfg.horizon)
    weights = random_weights(cfg, n_features=1, seed=cfg.seed)
    predictions = {split: trace_model(weights, ds.X[split]).prediction.astype(np.float32)  # (samples, horizon)
                   for split in ("train", "val", "test")}
    result = TrainingResult("done", "", {"loss": [0.1], "val_loss": [0.1]}, weights, predictions, b"", 1)
    store = RunStore(f"sqlite:///{Path(data_dir) / 'lstm_lens.sqlite3'}")
    run_id = store.save(result, cfg, data_spec(QUICK_START_SERIES))
    store.close()
    return run_id


# Counts, in the page's clock, every change of the stepper's step label for the given milliseconds.
COUNT_STEPS_JS = """async (milliseconds) => {
    const read = () => (Array.from(document.querySelectorAll('.js-plotly-plot .slider-container text'))
        .map(e => e.textContent).find(text => /^Step \\d+ of/.test(text)) || '');
    const changes = [];
    let shown = read();
    const began = performance.now();
    while (performance.now() - began < milliseconds) {
        await new Promise(resolve => requestAnimationFrame(resolve));
        const now = read();
        if (now !== shown) { changes.push(performance.now()); shown = now; }
    }
    return changes;
}"""


def steps_per_second(page, speed: int, seconds: float = 3.0) -> float:
    """Press Step 1, then Play at speed; return the steps shown per second between the first and the last change."""
    page.locator(".js-plotly-plot .updatemenu-button").filter(has_text="◀◀ Step 1").click()
    page.wait_for_function(f"() => ({STEP_LABEL_JS})() === 1")
    page.wait_for_timeout(300)
    page.locator(".js-plotly-plot .updatemenu-button").filter(has_text=f"▶ Play {speed} steps/s").click()
    changes = page.evaluate(COUNT_STEPS_JS, seconds * 1000)
    page.locator(".js-plotly-plot .updatemenu-button").filter(has_text="Pause").click()
    if len(changes) < 2:
        return 0.0
    return (len(changes) - 1) / ((changes[-1] - changes[0]) / 1000)


def own_draw_seconds(page) -> float:
    """Return the seconds from the arrival of the stepper's websocket message to its slider drawn."""
    page.wait_for_function("() => window.__drawClock.drawn !== null", timeout=120_000)
    clock = page.evaluate("() => window.__drawClock")
    carried = [arrival for arrival in clock["messages"] if arrival <= clock["drawn"]][-1]  # the figure's message
    return (clock["drawn"] - carried) / 1000


def measure(browser, url: str, run_id: str, name: str) -> None:
    """Open Inside on the stored run twice (by its address in a fresh browser, by the sidebar from Train): print both
    draws and the play rates."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(DRAW_CLOCK_JS)
    page = context.new_page()
    began = time.monotonic()
    page.goto(f"{url}/inside?run={run_id}")
    page.wait_for_function(f"() => ({STEP_LABEL_JS})() !== null", timeout=120_000)
    first_draw = time.monotonic() - began
    fresh_draw = own_draw_seconds(page)
    size = page.evaluate("() => JSON.stringify(document.querySelector('.js-plotly-plot')._transitionData._frames)"
                         ".length")
    rates = {speed: steps_per_second(page, speed) for speed in (5, 10)}
    context.close()

    # A learner who comes from Train has plotly.js loaded already: the draw is the figure's own.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(DRAW_CLOCK_JS)
    page = context.new_page()
    page.goto(f"{url}/train?run={run_id}")
    page.wait_for_selector(".js-plotly-plot", timeout=120_000)
    page.wait_for_timeout(1000)
    page.locator('.st-key-app_navigation').get_by_role("link", name="Inside the LSTM", exact=True).click()
    from_train = own_draw_seconds(page)
    context.close()
    print(f"{name}: page address to the stepper drawn {first_draw:.2f} s; its message to drawn {fresh_draw:.2f} s "
          f"in a fresh browser (plotly.js loaded with it), {from_train:.2f} s coming from Train; "
          f"frames {size / 1e6:.2f} MB of JSON; "
          + "; ".join(f"Play {speed}/s showed {rate:.1f} steps/s" for speed, rate in rates.items()))


def main() -> None:
    """Serve the app with two stored runs and print what Chromium does with their stepper figures."""
    with tempfile.TemporaryDirectory(prefix="lstm-lens-inside-") as data_dir:
        runs = {"quick start (20 steps, 1 x LSTM(32))": store_model(data_dir, QUICK_START_MODEL),
                "largest (100 steps, 3 x LSTM(64))": store_model(data_dir, LARGEST)}
        with app_server(ROOT / "artifacts" / "bench-inside-browser.log", data_dir=Path(data_dir),
                        die_with_parent=True) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, run_id in runs.items():
                measure(browser, server.url, run_id, name)
            browser.close()


if __name__ == "__main__":
    main()
