"""Which levers mattered: the seed's own spread, the verdict per lever and its words, on boards with known answers."""

import math
from dataclasses import fields

import numpy as np
import pytest

from lstm_core.config import ModelConfig
from lstm_core.evaluation.levers import (
    LEVER_FIELDS,
    LEVERS,
    MATTERS,
    MODEL_LEVERS,
    NO_DIFFERENCE,
    ONE_SEED_EACH,
    TOO_FEW,
    BoardPost,
    SeedNoise,
    distinct_trainings,
    experiments_table,
    input_lever_value,
    judge_levers,
    lever_value,
    scores_by_settings,
    seed_noise,
)
from lstm_core.evaluation.skill import SIGNIFICANCE

BASE = {"seq_length": 20, "units": 32, "layers": 2, "dropout": 0.2, "learning_rate": 0.001, "epochs": 20,
        "batch_size": 32}
NOISE_STD = 0.02
SEEDS = range(4)


def board_post(score: float, seed: int = 0, **changes: float) -> BoardPost:
    return BoardPost({**BASE, "seed": seed, **changes}, score)


def noise_of(posts: list[BoardPost]) -> SeedNoise:
    """Return the seed's pooled noise of a board, computed as judge_levers computes its yardstick."""
    return seed_noise(scores_by_settings(posts))


def verdict_for(runs: list[BoardPost], lever: str):
    return next(v for v in judge_levers(runs) if v.lever == lever)


def window_board(effect: float = 0.5, rng_seed: int = 0) -> list[BoardPost]:
    """Window length 40 shifts the score by `effect`, units do nothing; four seeds per setting."""
    rng = np.random.default_rng(rng_seed)
    return [board_post(1.0 + effect * (seq_length == 40) + rng.normal(scale=NOISE_STD), seed,
                      seq_length=seq_length, units=units)
            for seq_length in (10, 40) for units in (16, 32) for seed in SEEDS]


def test_the_levers_are_the_model_config_fields_other_than_the_seed_and_the_inputs():
    assert len(LEVERS) == 8 and MODEL_LEVERS == LEVER_FIELDS[:7]
    assert set(MODEL_LEVERS) <= {f.name for f in fields(ModelConfig)} - {"seed"} and LEVER_FIELDS[7] == "inputs"
    assert [v.lever for v in judge_levers([])] == [field for field, _ in LEVERS]


def test_the_inputs_lever_is_judged_between_trainings_on_one_series_and_said_in_words():
    # Two seeds each: none, and the calendar beside the series, 0.5 apart against a seed spread of about 0.1.
    runs = [board_post(score + 0.1 * seed, seed, inputs=input_lever_value(inputs))
            for inputs, score in (((), 1.0), (("calendar",), 0.5)) for seed in (0, 1)]
    runs.append(board_post(1.05, 2))  # a post made before inputs existed (no "inputs" setting): it read none
    inputs = judge_levers(runs)[LEVER_FIELDS.index("inputs")]
    assert inputs.verdict == "matters", inputs.words
    assert "going from none to calendar changed the score by -0.50" in inputs.words
    assert lever_value("inputs", input_lever_value(("distractor", "calendar"))) == "distractor + calendar"
    assert input_lever_value(("driver",)) == 0, "a driver changes the target: it belongs to the data, not the lever"


def test_seed_noise_pools_the_spread_within_equal_settings():
    runs = [board_post(1.0, 0), board_post(3.0, 1), board_post(10.0, 0, units=16), board_post(12.0, 1, units=16),
            board_post(5.0, 0, layers=3)]  # trained once: says nothing about the seed
    noise = noise_of(runs)
    assert noise.std == pytest.approx(math.sqrt(2.0)) and noise.dof == 2 and noise.groups == 2
    unequal = noise_of([board_post(s, i) for i, s in enumerate([1.0, 2.0, 3.0])]
                         + [board_post(10.0, 0, units=16), board_post(12.0, 1, units=16)])
    assert unequal.std == pytest.approx(math.sqrt(4.0 / 3.0)) and unequal.dof == 3  # squares 2 + 2 over 2 + 1


def test_seed_noise_without_repeated_settings_is_unknown():
    noise = noise_of([board_post(1.0), board_post(2.0, units=16)])
    assert math.isnan(noise.std) and noise.dof == 0 and noise.groups == 0


@pytest.mark.parametrize("effect", [0.5, -0.5])
def test_a_lever_with_a_real_effect_matters_with_its_sign_and_the_words_carry_the_numbers(effect):
    v = verdict_for(window_board(effect), "seq_length")
    assert v.verdict == MATTERS
    assert v.values == (10.0, 40.0) and v.contrasts == 2  # one contrast per value of units
    assert v.effect == pytest.approx(effect, abs=5 * NOISE_STD) and np.sign(v.effect) == np.sign(effect)
    assert v.standard_error == pytest.approx(noise_of(window_board(effect)).std * math.sqrt(1 / 4 + 1 / 4))
    assert v.words.startswith("Window length (SEQ_LENGTH) matters here: going from 10 to 40")
    assert f"{v.effect:+.2f}" in v.words
    assert f"{abs(v.effect) / v.standard_error:.1f} × the seed spread's standard error" in v.words


def test_a_lever_with_no_effect_is_no_difference_here_and_the_words_carry_the_numbers():
    runs = window_board()
    v = verdict_for(runs, "units")
    assert v.verdict == NO_DIFFERENCE and v.contrasts == 2
    assert abs(v.effect) <= SIGNIFICANCE * v.standard_error
    scores = {(r.settings["seq_length"], r.settings["units"]): [] for r in runs}
    for r in runs:
        scores[(r.settings["seq_length"], r.settings["units"])].append(r.score)
    gaps = [np.mean(scores[(w, 32)]) - np.mean(scores[(w, 16)]) for w in (10, 40)]  # same seq_length, units 16 → 32
    assert v.effect == pytest.approx(max(gaps, key=abs))  # equal counts, so equal standard errors
    assert v.words == (f"No difference here: the units per layer moved the score by at most {max(map(abs, gaps)):.2f}, "
                       f"within the seed spread (± {SIGNIFICANCE * v.standard_error:.2f}).")


def test_a_lever_never_varied_alone_is_too_few_runs():
    runs = window_board() + [board_post(1.0 + 0.01 * seed, seed, epochs=40, batch_size=64) for seed in SEEDS]
    verdicts = {v.lever: v for v in judge_levers(runs)}
    for lever, name in [("layers", "stacked layers"), ("epochs", "epochs"), ("batch_size", "batch size")]:
        v = verdicts[lever]
        assert v.verdict == TOO_FEW and v.contrasts == 0 and math.isnan(v.effect)
        assert v.words == f"Too few runs: no two trainings differ in the {name} alone."
    assert verdicts["epochs"].values == (20.0, 40.0), "tried twice, but always together with the batch size"
    assert verdicts["layers"].values == (2.0,)


def test_without_repeated_settings_every_lever_is_too_few_runs_for_want_of_the_seed_spread():
    changes = {"seq_length": 40, "units": 16, "layers": 3, "dropout": 0.0, "learning_rate": 0.01, "epochs": 40,
               "batch_size": 64, "inputs": 2.0}
    runs = [board_post(1.0)] + [board_post(1.0 + 0.1 * i, **{lever: value}) for i, (lever, value)
                               in enumerate(changes.items(), start=1)]
    for v in judge_levers(runs):
        assert v.verdict == TOO_FEW and v.contrasts == 1 and math.isnan(v.standard_error)
        assert v.words == f"Too few runs: {ONE_SEED_EACH}.", "each lever was varied alone once"
    lonely = judge_levers([board_post(1.0)])[0]
    assert lonely.words == ("Too few runs: no two trainings differ in the window length (SEQ_LENGTH) alone, and "
                            f"{ONE_SEED_EACH}.")


def test_runs_with_non_finite_scores_are_ignored():
    runs = window_board()
    spoiled = runs + [board_post(math.nan, 9, seq_length=10, units=16), board_post(math.inf, 9, seq_length=40),
                      board_post(-math.inf, 9, layers=3), board_post(math.nan, 8, layers=3)]
    # repr, because nan != nan would make equal verdicts with no effect compare unequal
    assert repr(judge_levers(spoiled)) == repr(judge_levers(runs))
    assert noise_of(spoiled) == noise_of(runs)
    assert experiments_table(spoiled) == experiments_table(runs)
    assert verdict_for(spoiled, "layers").values == (2.0,), "a value tried only by failed runs was not tried"


def test_float_settings_that_differ_only_by_printing_noise_match_and_different_ones_do_not():
    runs = [board_post(1.0, 0, learning_rate=0.001, dropout=0.3),
            board_post(3.0, 1, learning_rate=0.001 * (1 + 1e-12), dropout=0.1 + 0.2)]  # 0.30000000000000004
    noise = noise_of(runs)
    assert noise.dof == 1 and noise.std == pytest.approx(math.sqrt(2.0))
    (experiment,) = experiments_table(runs)
    assert experiment.count == 2 and experiment.settings["learning_rate"] == 0.001
    apart = noise_of([board_post(1.0, 0, learning_rate=0.001), board_post(3.0, 1, learning_rate=0.0011)])
    assert apart.dof == 0, "0.001 and 0.0011 are two learning rates"


def test_experiments_table_puts_the_best_mean_first_with_counts_and_spreads():
    runs = ([board_post(s, i) for i, s in enumerate([2.0, 4.0])]
            + [board_post(1.0, 0, units=16)]
            + [board_post(s, i, layers=3) for i, s in enumerate([1.5, 2.5, 2.0])])
    best, middle, worst = experiments_table(runs)
    assert (best.settings["units"], best.count, best.mean_score) == (16.0, 1, 1.0) and math.isnan(best.spread)
    assert (middle.settings["layers"], middle.count, middle.mean_score) == (3.0, 3, pytest.approx(2.0))
    assert middle.spread == pytest.approx(0.5)
    assert (worst.settings, worst.count, worst.mean_score) == ({**{k: float(v) for k, v in BASE.items()},
                                                                "inputs": 0.0}, 2, 3.0)
    assert worst.spread == pytest.approx(math.sqrt(2.0))
    assert "seed" not in worst.settings


def test_with_three_values_the_strongest_pair_is_reported_from_the_lower_value_to_the_higher():
    rng = np.random.default_rng(3)
    runs = [board_post(2.0 - 0.02 * seq_length + rng.normal(scale=NOISE_STD), seed, seq_length=seq_length)
            for seq_length in (10, 20, 40) for seed in SEEDS]
    v = verdict_for(runs, "seq_length")
    assert v.verdict == MATTERS and v.values == (10.0, 20.0, 40.0) and v.contrasts == 3
    assert v.effect == pytest.approx(-0.6, abs=5 * NOISE_STD), "10 → 40 is the largest change"
    assert "going from 10 to 40" in v.words and f"{v.effect:+.2f}" in v.words


def shared_training(score: float, seed: int, learners: int, **changes: float) -> list[BoardPost]:
    """Return the posts of one training that `learners` learners shared: one identity, one score."""
    settings = {**BASE, "seed": seed, **changes}
    return [BoardPost(settings, score, training=repr(sorted(settings.items())), learner=f"learner {k}")
            for k in range(learners)]


def test_a_class_sharing_one_training_per_setting_gets_too_few_runs_not_matters():
    # "Everyone: window 10, then window 40" on one seed: 30 posts of each of two trainings.
    runs = shared_training(1.0, 0, 30, seq_length=10) + shared_training(1.6, 0, 30, seq_length=40)
    noise = noise_of(runs)
    assert noise.dof == 0 and math.isnan(noise.std), "thirty copies of one training say nothing about the seed"
    v = verdict_for(runs, "seq_length")
    assert v.verdict == TOO_FEW and v.words == f"Too few runs: {ONE_SEED_EACH}."
    assert v.effect == pytest.approx(0.6), "the change itself is still reported"
    assert all(verdict.verdict == TOO_FEW for verdict in judge_levers(runs))
    (at_10, at_40) = sorted(distinct_trainings(runs), key=lambda training: training.settings["seq_length"])
    assert (at_10.posts, at_10.learners, at_40.posts, at_40.learners) == (30, 30, 30, 30)
    experiments = experiments_table(runs)
    assert [e.count for e in experiments] == [1, 1] and [e.learners for e in experiments] == [30, 30]


def test_a_reopened_run_adds_no_sample():
    once = shared_training(1.0, 0, 1) + shared_training(1.3, 1, 1) + shared_training(2.0, 0, 1, units=16)
    reopened = once + shared_training(1.0, 0, 1) * 3  # the first learner reopens their run three times
    assert noise_of(reopened) == noise_of(once)
    assert repr(experiments_table(reopened)) == repr(experiments_table(once))  # repr: nan spreads
    assert repr(judge_levers(reopened)) == repr(judge_levers(once))
    assert len(distinct_trainings(reopened)) == 3 and distinct_trainings(reopened)[0].posts == 4
    # Without a name of its training, a post is named by its settings with the seed: the same holds.
    plain = [board_post(1.0, 0), board_post(1.3, 1)]
    assert noise_of(plain + [board_post(1.0, 0)] * 2) == noise_of(plain)


def test_a_real_lever_effect_with_two_seeds_per_setting_is_still_found_however_many_share_it():
    rng = np.random.default_rng(7)
    runs = [run for window in (10, 40) for seed in (0, 1)
            for run in shared_training(1.0 + 0.5 * (window == 40) + rng.normal(scale=NOISE_STD), seed, 15,
                                       seq_length=window)]
    noise = noise_of(runs)
    assert noise.dof == 2 and noise.groups == 2
    v = verdict_for(runs, "seq_length")
    assert v.verdict == MATTERS and v.effect == pytest.approx(0.5, abs=5 * NOISE_STD)
    assert v.standard_error == pytest.approx(noise.std * math.sqrt(1 / 2 + 1 / 2)), "two seeds a side, not 30 posts"


def test_the_pooled_noise_is_the_sample_spread_of_the_distinct_seeds_scores():
    runs = (shared_training(1.0, 0, 5) + shared_training(1.4, 1, 1) + shared_training(0.9, 2, 2)
            + shared_training(2.0, 0, 1, units=16) + shared_training(2.6, 1, 3, units=16))
    # By hand: window A's seeds 1.0, 1.4, 0.9 (mean 1.1) leave squares 0.01 + 0.09 + 0.04 = 0.14 over 2 degrees
    # of freedom; units 16's seeds 2.0, 2.6 (mean 2.3) leave 0.09 + 0.09 = 0.18 over 1. Pooled: 0.32 over 3.
    noise = noise_of(runs)
    assert (noise.dof, noise.groups) == (3, 2)
    assert noise.std == pytest.approx(math.sqrt(0.32 / 3))
    alone = noise_of(shared_training(1.0, 0, 1) + shared_training(1.4, 1, 1) + shared_training(0.9, 2, 1))
    assert alone.std == pytest.approx(float(np.std([1.0, 1.4, 0.9], ddof=1))), "one setting: the sample spread"


def test_seeds_that_score_exactly_alike_give_no_yardstick_and_no_verdict_of_matters():
    runs = [board_post(1.0, 0), board_post(1.0, 1), board_post(2.0, 0, units=16), board_post(2.0, 1, units=16)]
    v = verdict_for(runs, "units")
    assert v.verdict == TOO_FEW and "scored exactly alike" in v.words
