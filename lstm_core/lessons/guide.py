"""The guided lesson: a newcomer's path through Data, Model, Train, Inside and one lesson, one short step at a time.

Each step names its page (by the page registry's name), one sentence, the control or figure to look at (its
widget or chart key), one action, the check that the action was done (by name: the Streamlit side observes
the session; None where only the browser sees it, as a figure's own Play button) and, where one fits, a
question asked before its answer is shown. The answers are computed here from the learner's own settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from lstm_core.config import MODEL_BOUNDS, ModelConfig
from lstm_core.data.dataset import max_seq_length, split_bounds
from lstm_core.model.shapes import count_params

PREFIX_MARK = "*"  # a target key ending in it stands for every key that starts with the rest (keys made per run)
MODEL_PAGES = frozenset({"inside", "readouts"})  # pages whose steps need the learner's trained model


@dataclass(frozen=True)
class GuideStep:
    """One step of the guided lesson: where, what to read, what to look at, what to do and how that is seen."""

    page: str  # a page name of the registry: "data", "train", ...
    sentence: str
    target_key: str  # the widget or chart key of the highlighted element; see PREFIX_MARK
    action: str
    done_check: str | None  # the name of the check that the action was done; None: the server cannot see it
    prediction: str | None = None  # the name of the question asked before its answer (QUESTIONS), if any

    @property
    def target_prefix(self) -> str | None:
        """Return the start every highlighted key shares when the target names keys made per run, else None."""
        return self.target_key[: -len(PREFIX_MARK)] if self.target_key.endswith(PREFIX_MARK) else None


@dataclass(frozen=True)
class GuideQuestion:
    """A question asked before its answer, the answer computed from the learner's settings, and why it is so."""

    key: str  # names this very question, so an answer stays given when the learner moves on and back
    text: str
    choices: tuple[str, ...]
    outcome: str  # one of choices
    what_happened: str  # the numbers behind the outcome
    why: str


COUNTS = ("more", "the same", "fewer")


def _count_words(now: int, other: int) -> str:
    return COUNTS[0] if other > now else COUNTS[2] if other < now else COUNTS[1]


def other_window(n_points: int, cfg: ModelConfig) -> int | None:
    """Return the window length a question compares with the current one: twice it, or half when that cannot be.

    None when the series allows no other window (a single possible window length).
    """
    longest = min(max_seq_length(n_points, cfg.horizon), int(MODEL_BOUNDS["seq_length"].high))
    longer = min(2 * cfg.seq_length, longest)
    if longer != cfg.seq_length:
        return longer
    shorter = max(1, cfg.seq_length // 2)
    return shorter if shorter != cfg.seq_length else None


def train_window_count(n_points: int, seq_length: int, horizon: int) -> int:
    """Return how many (X, Y) windows the training part of a series of n_points holds (0 when none fits).

    A window belongs to the training part when all its targets do: train_end − seq_length − horizon + 1 of them.
    """
    train_end, _ = split_bounds(n_points)
    return max(0, train_end - seq_length - horizon + 1)


def window_count_question(n_points: int, cfg: ModelConfig) -> GuideQuestion | None:
    """Return the question whether another window length gives more training windows, answered for these settings."""
    other = other_window(n_points, cfg)
    if other is None:
        return None
    now = train_window_count(n_points, cfg.seq_length, cfg.horizon)
    then = train_window_count(n_points, other, cfg.horizon)
    train_end, _ = split_bounds(n_points)
    return GuideQuestion(
        "guide/windows",
        f"If each window were {other} values long instead of {cfg.seq_length}, would the training part hold more "
        f"windows, the same number, or fewer?",
        COUNTS, _count_words(now, then),
        f"{now} windows of {cfg.seq_length} values, {then} windows of {other} values in the training part's "
        f"{train_end} points",
        f"Each window needs its inputs and its {cfg.horizon} target value(s) inside the training part, and the "
        f"window slides one value at a time: the part holds points − window − horizon + 1 windows.")


def weight_count_question(n_points: int, cfg: ModelConfig) -> GuideQuestion | None:
    """Return the question whether another window length changes the model's weight count, answered for cfg."""
    other = other_window(n_points, cfg)
    if other is None:
        return None
    now, then = count_params(cfg), count_params(replace(cfg, seq_length=other))
    same = now == then
    return GuideQuestion(
        "guide/weights",
        f"If the LSTM read windows of {other} values instead of {cfg.seq_length}, would it have more weights, "
        f"the same number, or fewer?",
        COUNTS, _count_words(now, then),
        f"{now:,} trainable weights with windows of {cfg.seq_length}, {then:,} with windows of {other}",
        "The LSTM uses the same kernel W, recurrent kernel U and bias at every step of the window: their shapes "
        "come from the input size and the units alone." if same else
        "The weight count changes with the window here; the table of weight shapes shows which layer grows.")


QUESTIONS: dict[str, Callable[[int, ModelConfig], GuideQuestion | None]] = {
    "windows": window_count_question,
    "weights": weight_count_question,
}

STEPS: tuple[GuideStep, ...] = (
    GuideStep("home", "LSTM Lens shows how an LSTM forecasts a time series: it reads the red values one at a time "
              "and forecasts the green one.", "teaser", "Look at the picture, then press Next.", None),
    GuideStep("data", "Your data is a noisy wave: the model can learn the wave, but nobody can forecast the noise.",
              "w_series_noise_std", "Move the Noise slider and watch the wave change.", "noise_moved"),
    GuideStep("data", "The model learns from windows: X (red) is SEQ_LENGTH past values, Y (green) the value "
              "right after.", "window", "Press ▶ under the chart, or drag its slider, to slide the window along.",
              None, "windows"),
    GuideStep("model", "The window length is how many past values the LSTM reads, one at a time, before each "
              "forecast.", "w_model_seq_length", "Move the Window length slider and watch the parameter count "
              "below.", "window_moved", "weights"),
    GuideStep("model", "Units are the width of the LSTM's memory: every weight shape grows with them.",
              "w_model_units", "Move the Units slider and watch the weight shapes (fewer units train faster).",
              "units_moved"),
    GuideStep("model", "Each layer reads the whole sequence of the layer below; only the last state reaches the "
              "Dense head.", "architecture", "Find the thick arrow from the last LSTM state to the head.", None),
    GuideStep("train", "Now train it for real. Answer the questions above the button first: your answers are shown "
              "beside what happened.", "train_start", "Press Train.", "training_started"),
    GuideStep("train", "Both loss curves fall while the model learns, towards the noise floor (the dashed line).",
              "loss_" + PREFIX_MARK, "Wait until the training has finished.", "training_finished"),
    GuideStep("train", "Blue is the forecast one step ahead, grey what happened; the tables below judge it against "
              "simple forecasts.", "forecast", "Zoom into the chart, then read the verdict under the tables.", None),
    GuideStep("inside", "Inside, your trained model runs again in plain NumPy, one time step at a time: x1 enters, "
              "the gates act, then x2…", "stepper", "Press ▶ Play under the figure, or step with its buttons.", None),
    GuideStep("inside", "A gate is one matrix product of the input and the last hidden state, plus a bias, through "
              "a sigmoid: the equations show one unit's real numbers.", "w_inside_unit", "Pick another unit.",
              "unit_moved"),
    GuideStep("inside", "What if a unit were switched off, or a gate held shut? Guess first, then see the forecast.",
              "w_inside_what_if", "Pick a what-if, guess, then press Show what happens.", "what_if_revealed"),
    GuideStep("readouts", "Does the memory hold a list of past values? A straight line tries to read them back "
              "from the cell state.", "guess_" + PREFIX_MARK,
              "Guess how well it reads back the noise a few steps back, then press Show what happens.",
              "readout_revealed"),
    GuideStep("readouts", "Each unit follows a signal of its own; each bar is what the forecast loses without it. "
              "That is the path: leave the guide to explore every page and lesson.", "unit_roles",
              "Find the unit the forecast misses most.", None),
)

_WHOLE_NUMBER = re.compile(r"\d{1,4}")


def step_of_link(values: Sequence[str], steps: Sequence[GuideStep] = STEPS) -> tuple[int | None, str | None]:
    """Return (the 0-based step a link's guide values ask for, None) or (None, why they were left out)."""
    if len(values) != 1:
        return None, f"given {len(values)} times; a link gives its guide step once"
    text = values[0].strip()
    if not _WHOLE_NUMBER.fullmatch(text) or not 1 <= int(text) <= len(steps):
        return None, f"the guided lesson has steps 1 to {len(steps)}"
    return int(text) - 1, None


def training_step(steps: Sequence[GuideStep] = STEPS) -> int:
    """Return the index of the step that starts the training the steps on MODEL_PAGES need."""
    return next(index for index, step in enumerate(steps) if step.done_check == "training_started")


def key_class(key: str) -> str:
    """Return the CSS class Streamlit gives the element of a key: st-key- and the key, odd characters as '-'."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def target_selector(step: GuideStep) -> str:
    """Return the CSS selector of a step's highlighted element (every element, for a target of keys made per run)."""
    prefix = step.target_prefix
    if prefix is not None:
        return f'[class*="{key_class(prefix)}"]'
    return "." + key_class(step.target_key)
