"""A class on one stored run's memory: websocket learners who guess, reveal and read the memory page and Inside.

The test of a class on one shared run (tests/ui/test_memory_class.py) and its benchmark
(bench/bench_memory_class.py) drive the real server with bench/ws_client.py. This module adds what they need
beyond it: a learner who picks a radio option or flips a toggle (the client sends only defaults and presses),
the tables a page sends (Arrow bytes, which the client does not read), the links of the memory page and of
Inside, the quick start trained once through the server's own pool, and a server that writes a line to its
log each time it computes a memory report, so a class's computations can be counted rather than timed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pyarrow as pa
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.ws_client import RenderedElement, StreamlitProtocolError, StreamlitSession
from deploy.launch import AppServer, app_server
from lstm_core.config import SeriesConfig
from lstm_core.data.dataset import Dataset, build_dataset
from lstm_core.data.spec import source_of
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.store.runs import DATA_DIR_ENV, RunStore, StoredTraining, database_url
from lstm_core.ui.links import share_query
from lstm_core.ui.pages import LESSON_PARAM, PAGE_BY_NAME
from lstm_core.ui.runs import RUN_PARAM

MEMORY_PAGE = PAGE_BY_NAME["readouts"]
MEMORY_PATH = MEMORY_PAGE.url_path
MEMORY_LESSON = MEMORY_PAGE.lesson.mode if MEMORY_PAGE.lesson else ""  # "holds": the page for a projected class
INSIDE_PATH = PAGE_BY_NAME["inside"].url_path
MEMORY_TITLE = "What does the memory hold?"
INSIDE_TITLE = "Inside the LSTM"
MEMORY_QUESTION = "Before you look"  # how the memory page's question starts
WHAT_IF_QUESTION = "If you "  # how Inside's what-if question starts
SHOW_LABEL = "Show what happens"
GUESS_ANSWER = "You expected"  # how the sentence beside a revealed guess starts
ALTERED_TOGGLE = "Step through the altered cell in the stepper below"
WHAT_IF_RADIO = "What if…"
KNOCK_OUT_KIND, CLAMP_KIND = "Knock out the unit", "Clamp a gate"  # two of its options
TRAINED_TEXT = "How good is the forecast?"
QUICK_START_QUERY = share_query(QUICK_START_SERIES.to_dict(), QUICK_START_MODEL.to_dict(), {})

# `python -m lstm_core.ui.serve` with one change: each memory report the server computes (not each one its
# resource cache hands out) writes a line to the log, with the CPU time of the thread that computed it. The
# report's own module is untouched; the page module's name for it is wrapped before any page runs.
REPORT_LINE = re.compile(r"memory report computed: layer (\d+) in ([\d.]+) CPU-s of its thread")
SERVE_COUNTING_REPORTS = (
    "import runpy, sys, time\n"
    "from lstm_core.ui import what_ifs\n"
    "compute = what_ifs.memory_report\n"
    "def counted(weights, dataset, layer):\n"
    "    began = time.thread_time()\n"
    "    report = compute(weights, dataset, layer)\n"
    "    print(f'memory report computed: layer {layer} in {time.thread_time() - began:.3f} CPU-s of its thread',\n"
    "          file=sys.stderr, flush=True)\n"
    "    return report\n"
    "what_ifs.memory_report = counted\n"
    "runpy.run_module('lstm_core.ui.serve', run_name='__main__', alter_sys=True)\n")


@contextmanager
def counting_server(log_path: Path, data_dir: Path, lifetime: float | None = None) -> Iterator[AppServer]:
    """Yield the app served as `make run` serves it, its runs in data_dir, logging each memory report computed."""
    with app_server(log_path, data_dir=data_dir, python_args=("-c", SERVE_COUNTING_REPORTS), lifetime=lifetime,
                    die_with_parent=True) as server:
        yield server


@dataclass(frozen=True)
class ReportComputed:
    """One memory report the server computed: the layer (0-based) and its thread's CPU seconds."""

    layer: int
    cpu_seconds: float


def reports_computed(log_text: str) -> list[ReportComputed]:
    """Return every memory report computation a counting server's log records, in order."""
    return [ReportComputed(int(m[1]), float(m[2])) for m in REPORT_LINE.finditer(log_text)]


def memory_query(run_id: str) -> str:
    """Return the query of the memory page's projector link for a stored run (lesson mode, the run)."""
    return urlencode({LESSON_PARAM: MEMORY_LESSON, RUN_PARAM: run_id})


def inside_query(run_id: str) -> str:
    """Return the query of Inside's share link for a stored run."""
    return urlencode({RUN_PARAM: run_id})


class Learner(StreamlitSession):
    """A StreamlitSession that also picks radio options, flips toggles and reads the tables on its screen.

    It sets widget values as the frontend does when a learner clicks (the whole widget state goes with the next
    rerun), which the plain client, made for pressing buttons, leaves to defaults.
    """

    def __init__(self, base_url: str, name: str = "learner") -> None:
        super().__init__(base_url, name)
        self._table_bytes: dict[tuple[int, ...], bytes] = {}

    def find(self, kind: str, prefix: str) -> RenderedElement | None:
        """Return the element of kind on screen whose text (a widget's label) starts with prefix, or None."""
        return next((element for _, element in sorted(self.rendered.items())
                     if element.kind == kind and element.text.startswith(prefix)), None)

    def alerts(self) -> list[str]:
        """Return the texts of the alerts on screen (success, warning, info), in order."""
        return [element.text for _, element in sorted(self.rendered.items()) if element.kind == "alert"]

    def tables(self) -> list[dict[str, list]]:
        """Return each table on screen as columns (name -> values), as its first chunk of Arrow data holds it."""
        return [pa.ipc.open_stream(data).read_all().to_pydict() for path, data in sorted(self._table_bytes.items())
                if path in self.rendered and self.rendered[path].kind == "dataframe"]

    async def choose(self, widget: RenderedElement, value: str | bool) -> None:
        """Set a radio or select box to the option whose text is value, or a toggle to value; rerun as a click does."""
        state = WidgetState(id=widget.widget_id)
        if isinstance(value, bool):
            state.bool_value = value
        else:
            state.string_value = value
        self._widgets[widget.widget_id] = state
        await self._send_rerun(fragment_id=widget.fragment_id)

    def _on_delta(self, msg: ForwardMsg) -> None:
        super()._on_delta(msg)
        delta = msg.delta
        if delta.WhichOneof("type") == "new_element" and delta.new_element.WhichOneof("type") == "dataframe":
            frame = delta.new_element.dataframe
            # A table is sent whole (arrow_data) or lazily; a lazy one's first chunk holds the first page of rows.
            data = frame.arrow_data.data or frame.lazy_data.initial_chunk.data
            self._table_bytes[tuple(msg.metadata.delta_path)] = data


async def open_page(learner: Learner, path: str, query: str, title: str, timeout: float) -> None:
    """Open path?query and return once the page titled title has finished drawing."""
    await learner.open(path, query, timeout=timeout)
    await learner.wait_until(lambda: learner.idle and learner.url_path == path and learner.shows(title), timeout)


async def guess_and_show(learner: Learner, question: str, guess: str, timeout: float) -> str:
    """Answer the question whose text starts with question with guess, press Show, wait for the answer; return
    the question's whole text."""
    radio = learner.find("radio", question)
    if radio is None:
        raise StreamlitProtocolError(f"{learner.name}: no question starting {question!r} on screen")
    await learner.choose(radio, guess)
    await learner.wait_until(lambda: learner.idle and _show_enabled(learner), timeout)
    await learner.press(learner.find_button(SHOW_LABEL))
    # The press's run draws the question once more (it was drawn before the press was read), then the answer.
    await learner.wait_until(lambda: learner.idle and learner.find("alert", GUESS_ANSWER) is not None, timeout)
    return radio.text


def _show_enabled(learner: Learner) -> bool:
    button = learner.find_button(SHOW_LABEL)
    return button is not None and not button.disabled


async def train_quick_start(url: str, timeout: float) -> str:
    """Train the quick start on the server as a learner does (Train on its link) and return the stored run's id."""
    trainer = Learner(url, "trainer")
    try:
        await trainer.open("train", QUICK_START_QUERY, timeout=timeout)
        await trainer.wait_until(lambda: trainer.idle and trainer.find_button("Train") is not None, timeout)
        await trainer.press(trainer.find_button("Train"))
        await trainer.wait_until(lambda: trainer.shows(TRAINED_TEXT) and bool(_run_of(trainer)), timeout)
        if trainer.errors:
            raise StreamlitProtocolError(f"the trainer saw errors: {trainer.errors[:3]}")
        return _run_of(trainer)
    finally:
        await trainer.close()


def _run_of(session: StreamlitSession) -> str:
    return parse_qs(session.query_string).get(RUN_PARAM, [""])[0]


def stored_training(data_dir: Path, run_id: str) -> tuple[StoredTraining, Dataset]:
    """Return a stored run's training read from the run store in data_dir, and the dataset it was trained on."""
    store = RunStore(database_url({DATA_DIR_ENV: str(data_dir)}))
    try:
        stored = store.load(run_id)
    finally:
        store.close()
    if stored is None:
        raise LookupError(f"no run {run_id} in the store of {data_dir}")
    source = source_of(stored.data_spec)
    if not isinstance(source, SeriesConfig):
        raise ValueError(f"run {run_id} was trained on a learner's own file, not on a generated series")
    return stored, build_dataset(source, stored.cfg.seq_length, stored.cfg.horizon)
