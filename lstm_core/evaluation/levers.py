"""Which levers mattered? Judged from a class's own runs against the spread the seed alone causes.

Every run on the class board carries its settings, its seed, a score (lower is better) and the identity of
its training. Training is deterministic, so posts of one training (learners who shared it, a run reopened from
the store) are one sample, however often they were posted. Trainings whose levers are all equal but whose
seeds differ show the seed's own noise: pooled over every setting trained with more than one seed, it is the
yardstick. For one lever, trainings equal on every other lever are compared value against value, and a
change in the mean score counts only when it exceeds SIGNIFICANCE standard errors of that noise, the same rule
the skill verdict uses. Without two seeds at any setting there is no yardstick, and no lever is said to matter.
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
    ("inputs", "inputs beside the series"),
)
LEVER_FIELDS = tuple(field for field, _ in LEVERS)
MODEL_LEVERS = LEVER_FIELDS[:-1]  # the Model page's; the inputs are chosen on Data
# The inputs a class can add or leave out on one series: each a bit of the lever's value. A driver changes the
# target itself, so it belongs to the data (posts.data_label), never to this lever.
INPUT_BITS = {"distractor": 1, "calendar": 2}
LEVER_DEFAULTS = {"inputs": 0.0}  # a post made before inputs could be chosen read none
# Settings that went through JSON or another language's float printing may differ in the last few digits;
# ten significant digits keeps every value a slider can produce apart and merges that noise.
SETTING_DIGITS = 10
TOO_FEW, MATTERS, NO_DIFFERENCE = "too few runs", "matters", "no difference here"
ONE_SEED_EACH = "every setting was trained with one seed — press Train again with a new seed"

Settings = tuple[float, ...]  # the lever values in LEVERS order, rounded to SETTING_DIGITS


@dataclass(frozen=True)
class BoardPost:
    """One post on the class board as the levers read it: the settings it was trained with, its score, its training."""

    settings: Mapping[str, float]  # the lever values; other keys (the seed among them) are not levers
    score: float  # test MSE over the noise floor: lower is better; a run with a non-finite score is ignored
    training: str = ""  # names the training (data, settings, seed); "" means: the settings with the seed do
    learner: str = ""  # who posted it


@dataclass(frozen=True)
class Training:
    """One distinct training on the board: its settings and score, and how many posts and learners shared it."""

    settings: Mapping[str, float]
    score: float  # the mean over its posts, which only differ if a training was not deterministic
    seed: object  # the model's seed; the training's identity when a post does not say its seed
    posts: int
    learners: int


@dataclass(frozen=True)
class SeedNoise:
    """How much the score moves between runs whose levers are all equal."""

    std: float  # pooled within-setting standard deviation of the distinct seeds' scores; nan when dof == 0
    dof: int  # degrees of freedom: the sum over settings of (seeds - 1)
    groups: int  # settings trained with more than one seed, the only ones that say anything about the seed


@dataclass(frozen=True)
class LeverVerdict:
    """What the board says about one lever, with the numbers the verdict was computed from."""

    lever: str  # the ModelConfig field
    name: str  # the spoken name
    values: tuple[float, ...]  # the distinct values the class tried, sorted
    contrasts: int  # pairs of values compared with every other lever equal
    effect: float  # the strongest contrast (largest |effect| / standard error), from the lower value to the higher
    standard_error: float  # of that contrast, from the seed noise; nan without a seed-noise estimate
    verdict: str  # TOO_FEW, MATTERS or NO_DIFFERENCE
    words: str


@dataclass(frozen=True)
class Experiment:
    """One distinct setting of the levers and how its runs scored."""

    settings: dict[str, float]
    count: int  # distinct seeds trained at this setting
    mean_score: float
    spread: float  # standard deviation of the seeds' scores (ddof=1); nan for a single seed
    learners: int  # learners who posted a run of this setting


@dataclass(frozen=True)
class _Contrast:
    low: float
    high: float
    effect: float  # mean score at high - mean score at low
    standard_error: float


def input_lever_value(inputs: tuple[str, ...]) -> float:
    """Return the inputs lever's value of a training that read these inputs: a bit per input a class may vary."""
    return float(sum(INPUT_BITS.get(name, 0) for name in inputs))


def lever_value(field: str, value: float) -> str:
    """Return a lever's value as the board says it: "calendar + distractor" for the inputs, "32" for units."""
    if field != "inputs":
        return f"{value:g}"
    named = [name for name, bit in INPUT_BITS.items() if int(value) & bit]
    return " + ".join(named) if named else "none"


def setting_value(value: float) -> float:
    """Return a setting rounded to SETTING_DIGITS significant digits, so equal settings compare equal."""
    return float(f"{float(value):.{SETTING_DIGITS}g}")


def _lever_settings(settings: Mapping[str, float]) -> Settings | None:
    try:
        values = tuple(setting_value(settings[field] if field in settings else LEVER_DEFAULTS[field])
                       for field in LEVER_FIELDS)
    except (KeyError, TypeError, ValueError):
        return None  # a run that does not say every lever cannot be matched with any other
    return values if all(math.isfinite(v) for v in values) else None


def training_identity(run: BoardPost) -> str:
    """Return what names the run's training: its own name, else its settings with the seed (it is deterministic)."""
    if run.training:
        return run.training
    return repr(sorted((str(key), repr(value)) for key, value in run.settings.items()))


def distinct_trainings(runs: Iterable[BoardPost]) -> list[Training]:
    """Return one Training per distinct training among the runs with a finite score, in the order first posted."""
    posts: dict[str, list[BoardPost]] = defaultdict(list)
    for run in runs:
        if math.isfinite(float(run.score)):
            posts[training_identity(run)].append(run)
    trainings = []
    for identity, shared in posts.items():
        first = shared[0]
        seed = first.settings.get("seed", identity)
        trainings.append(Training(first.settings, float(np.mean([run.score for run in shared])), seed, len(shared),
                                  len({run.learner for run in shared})))
    return trainings


def _seed_scores(runs: Iterable[BoardPost]) -> dict[Settings, dict[object, list[float]]]:
    groups: dict[Settings, dict[object, list[float]]] = defaultdict(lambda: defaultdict(list))
    for training in distinct_trainings(runs):
        settings = _lever_settings(training.settings)
        if settings is not None:
            groups[settings][training.seed].append(training.score)
    return groups


def scores_by_settings(runs: Iterable[BoardPost]) -> dict[Settings, list[float]]:
    """Return one score per distinct seed (repeats of a training count once), grouped by the lever values."""
    return {settings: [float(np.mean(scores)) for scores in by_seed.values()]
            for settings, by_seed in _seed_scores(runs).items()}


def seed_noise(groups: Mapping[Settings, list[float]]) -> SeedNoise:
    """Return the pooled spread of the score between distinct seeds at equal settings, from scores_by_settings."""
    sum_of_squares, dof, repeated = 0.0, 0, 0
    for scores in groups.values():
        if len(scores) < 2:
            continue
        group = np.asarray(scores, dtype=np.float64)  # (seeds,)
        sum_of_squares += float(((group - group.mean()) ** 2).sum())
        dof += len(group) - 1
        repeated += 1
    return SeedNoise(math.sqrt(sum_of_squares / dof) if dof else float("nan"), dof, repeated)


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
    # Only reached with a positive standard error: a verdict without a yardstick is "too few runs".
    return abs(contrast.effect) / contrast.standard_error, abs(contrast.effect)


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


def _judge_lever(index: int, groups: Mapping[Settings, list[float]], noise: SeedNoise) -> LeverVerdict:
    lever, name = LEVERS[index]
    values = tuple(sorted({settings[index] for settings in groups}))
    contrasts = _contrasts(index, groups, noise)
    judgeable = noise.dof > 0 and noise.std > 0
    strongest = (max(contrasts, key=_strength, default=None) if judgeable
                 else max(contrasts, key=lambda contrast: abs(contrast.effect), default=None))
    effect = strongest.effect if strongest else float("nan")
    standard_error = strongest.standard_error if strongest else float("nan")

    def verdict(outcome: str, words: str) -> LeverVerdict:
        return LeverVerdict(lever, name, values, len(contrasts), effect, standard_error, outcome, words)

    if strongest is None or not judgeable:
        missing = []
        if strongest is None:
            missing.append(f"no two trainings differ in the {name} alone")
        if not noise.dof:
            missing.append(ONE_SEED_EACH)
        elif not noise.std > 0:
            missing.append("trainings with different seeds scored exactly alike, so the seed's spread is unknown")
        return verdict(TOO_FEW, "Too few runs: " + ", and ".join(missing) + ".")
    if is_difference(strongest.effect, strongest.standard_error):
        measure = f"{abs(strongest.effect) / strongest.standard_error:.1f} × the seed spread's standard error"
        return verdict(MATTERS, f"{_capitalised(name)} matters here: going from {lever_value(lever, strongest.low)} "
                                f"to {lever_value(lever, strongest.high)} changed the score by "
                                f"{strongest.effect:+.2f} ({measure}).")
    # None passed, so the largest change also lies within its own SIGNIFICANCE standard errors.
    largest = max(contrasts, key=lambda contrast: abs(contrast.effect))
    return verdict(NO_DIFFERENCE, f"No difference here: the {name} moved the score by at most "
                                  f"{abs(largest.effect):.2f}, within the seed spread "
                                  f"(± {SIGNIFICANCE * largest.standard_error:.2f}).")


def judge_levers(runs: Iterable[BoardPost]) -> list[LeverVerdict]:
    """Return one LeverVerdict per lever, in LEVERS order, each judged against the seed's own spread."""
    groups = scores_by_settings(runs)
    noise = seed_noise(groups)
    return [_judge_lever(index, groups, noise) for index in range(len(LEVERS))]


def experiments_table(runs: Iterable[BoardPost]) -> list[Experiment]:
    """Return one Experiment per distinct setting of the levers, the lowest mean score first."""
    runs = list(runs)
    learners: dict[Settings, set[str]] = defaultdict(set)
    for run in runs:
        settings = _lever_settings(run.settings)
        if settings is not None and math.isfinite(float(run.score)):
            learners[settings].add(run.learner)
    experiments = []
    for settings, scores in scores_by_settings(runs).items():
        group = np.asarray(scores, dtype=np.float64)  # (seeds,)
        spread = float(group.std(ddof=1)) if len(group) > 1 else float("nan")
        experiments.append(Experiment(dict(zip(LEVER_FIELDS, settings)), len(group), float(group.mean()), spread,
                                      len(learners[settings])))
    return sorted(experiments, key=lambda experiment: experiment.mean_score)
