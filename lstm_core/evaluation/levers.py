"""Which levers mattered? Judged from a class's own runs against the spread the seed alone causes.

Every run on the class board carries its settings and a score (lower is better). Runs whose seven levers are
all equal differ only by the seed (or are repeats), so their spread is the seed's own noise: pooled over every
setting trained more than once, it is the yardstick. For one lever, runs equal on the six other levers are
compared value against value, and a change in the mean score counts only when it exceeds SIGNIFICANCE standard
errors of that noise, the same rule the skill verdict uses.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from lstm_core.evaluation.skill import SIGNIFICANCE, is_difference

LEVERS: tuple[tuple[str, str], ...] = (
    ("seq_length", "window length (SEQ_LENGTH)"),
    ("units", "units per layer"),
    ("layers", "stacked layers"),
    ("dropout", "dropout"),
    ("learning_rate", "learning rate"),
    ("epochs", "epochs"),
    ("batch_size", "batch size"),
)
LEVER_FIELDS = tuple(field for field, _ in LEVERS)
# Settings that went through JSON or another language's float printing may differ in the last few digits;
# ten significant digits keeps every value a slider can produce apart and merges that noise.
SETTING_DIGITS = 10
TOO_FEW, MATTERS, NO_DIFFERENCE = "too few runs", "matters", "no difference here"

Settings = tuple[float, ...]  # the seven lever values in LEVERS order, rounded to SETTING_DIGITS


@dataclass(frozen=True)
class BoardRun:
    """One run posted to the class board: the settings it was trained with and its score."""

    settings: Mapping[str, float]  # the lever values; other keys (the seed among them) are not levers
    score: float  # test MSE over the noise floor: lower is better; a run with a non-finite score is ignored


@dataclass(frozen=True)
class SeedNoise:
    """How much the score moves between runs whose levers are all equal."""

    std: float  # pooled within-setting standard deviation of the score; nan when dof == 0
    dof: int  # degrees of freedom: the sum over settings of (runs - 1)
    groups: int  # settings trained more than once, the only ones that say anything about the seed


@dataclass(frozen=True)
class LeverVerdict:
    """What the board says about one lever, with the numbers the verdict was computed from."""

    lever: str  # the ModelConfig field
    name: str  # the spoken name
    values: tuple[float, ...]  # the distinct values the class tried, sorted
    contrasts: int  # pairs of values compared with the six other levers equal
    effect: float  # the strongest contrast (largest |effect| / standard error), from the lower value to the higher
    standard_error: float  # of that contrast, from the seed noise; nan without a seed-noise estimate
    verdict: str  # TOO_FEW, MATTERS or NO_DIFFERENCE
    words: str


@dataclass(frozen=True)
class Experiment:
    """One distinct setting of the seven levers and how its runs scored."""

    settings: dict[str, float]
    count: int
    mean_score: float
    spread: float  # standard deviation of the score (ddof=1); nan for a single run


@dataclass(frozen=True)
class _Contrast:
    low: float
    high: float
    effect: float  # mean score at high - mean score at low
    standard_error: float


def setting_value(value: float) -> float:
    """Return a setting rounded to SETTING_DIGITS significant digits, so equal settings compare equal."""
    return float(f"{float(value):.{SETTING_DIGITS}g}")


def _lever_settings(settings: Mapping[str, float]) -> Settings | None:
    try:
        values = tuple(setting_value(settings[field]) for field in LEVER_FIELDS)
    except (KeyError, TypeError, ValueError):
        return None  # a run that does not say all seven levers cannot be matched with any other
    return values if all(math.isfinite(v) for v in values) else None


def scores_by_settings(runs: Iterable[BoardRun]) -> dict[Settings, list[float]]:
    """Return the finite scores of the usable runs, grouped by their seven (rounded) lever values."""
    groups: dict[Settings, list[float]] = defaultdict(list)
    for run in runs:
        settings = _lever_settings(run.settings)
        if settings is not None and math.isfinite(float(run.score)):
            groups[settings].append(float(run.score))
    return dict(groups)


def _pooled_noise(groups: Mapping[Settings, list[float]]) -> SeedNoise:
    sum_of_squares, dof, repeated = 0.0, 0, 0
    for scores in groups.values():
        if len(scores) < 2:
            continue
        group = np.asarray(scores, dtype=np.float64)  # (runs,)
        sum_of_squares += float(((group - group.mean()) ** 2).sum())
        dof += len(group) - 1
        repeated += 1
    return SeedNoise(math.sqrt(sum_of_squares / dof) if dof else float("nan"), dof, repeated)


def seed_noise(runs: Iterable[BoardRun]) -> SeedNoise:
    """Return the pooled spread of the score between runs whose seven levers are all equal."""
    return _pooled_noise(scores_by_settings(runs))


def _contrasts(index: int, groups: Mapping[Settings, list[float]], noise: SeedNoise) -> list[_Contrast]:
    matched: dict[Settings, dict[float, list[float]]] = defaultdict(dict)
    for settings, scores in groups.items():
        matched[settings[:index] + settings[index + 1:]][settings[index]] = scores
    contrasts = []
    for by_value in matched.values():
        for low, high in itertools.combinations(sorted(by_value), 2):
            at_low, at_high = by_value[low], by_value[high]
            standard_error = noise.std * math.sqrt(1 / len(at_low) + 1 / len(at_high))
            contrasts.append(_Contrast(low, high, float(np.mean(at_high) - np.mean(at_low)), standard_error))
    return contrasts


def _strength(contrast: _Contrast) -> tuple[float, float]:
    # Without a usable standard error (none, or runs that repeated exactly) any nonzero change is infinitely
    # strong; the size of the change then breaks the tie.
    size = abs(contrast.effect)
    if contrast.standard_error > 0:
        return size / contrast.standard_error, size
    return (math.inf if size > 0 else 0.0), size


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


def _judge_lever(index: int, groups: Mapping[Settings, list[float]], noise: SeedNoise) -> LeverVerdict:
    lever, name = LEVERS[index]
    values = tuple(sorted({settings[index] for settings in groups}))
    contrasts = _contrasts(index, groups, noise)
    strongest = max(contrasts, key=_strength, default=None)
    effect = strongest.effect if strongest else float("nan")
    standard_error = strongest.standard_error if strongest else float("nan")

    def verdict(outcome: str, words: str) -> LeverVerdict:
        return LeverVerdict(lever, name, values, len(contrasts), effect, standard_error, outcome, words)

    if strongest is None or noise.dof == 0:
        missing = []
        if strongest is None:
            missing.append(f"no two runs differ in the {name} alone")
        if noise.dof == 0:
            missing.append("no settings were trained twice with different seeds, so the seed's own spread is unknown")
        return verdict(TOO_FEW, "Too few runs to say: " + ", and ".join(missing) + ".")
    if is_difference(strongest.effect, strongest.standard_error):
        if strongest.standard_error > 0:
            measure = f"{abs(strongest.effect) / strongest.standard_error:.1f} × the seed spread's standard error"
        else:
            measure = "runs with equal settings scored exactly alike, so any change counts"
        return verdict(MATTERS, f"{_capitalised(name)} matters here: going from {strongest.low:g} to "
                                f"{strongest.high:g} changed the score by {strongest.effect:+.2f} ({measure}).")
    # None passed, so the largest change also lies within its own SIGNIFICANCE standard errors.
    largest = max(contrasts, key=lambda contrast: abs(contrast.effect))
    return verdict(NO_DIFFERENCE, f"No difference here: the {name} moved the score by at most "
                                  f"{abs(largest.effect):.2f}, within the seed spread "
                                  f"(± {SIGNIFICANCE * largest.standard_error:.2f}).")


def judge_levers(runs: Iterable[BoardRun]) -> list[LeverVerdict]:
    """Return one LeverVerdict per lever, in LEVERS order, each judged against the seed's own spread."""
    groups = scores_by_settings(runs)
    noise = _pooled_noise(groups)
    return [_judge_lever(index, groups, noise) for index in range(len(LEVERS))]


def experiments_table(runs: Iterable[BoardRun]) -> list[Experiment]:
    """Return one Experiment per distinct setting of the seven levers, the lowest mean score first."""
    experiments = []
    for settings, scores in scores_by_settings(runs).items():
        group = np.asarray(scores, dtype=np.float64)  # (runs,)
        spread = float(group.std(ddof=1)) if len(group) > 1 else float("nan")
        experiments.append(Experiment(dict(zip(LEVER_FIELDS, settings)), len(group), float(group.mean()), spread))
    return sorted(experiments, key=lambda experiment: experiment.mean_score)
