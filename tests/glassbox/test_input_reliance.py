"""Which input a model relies on: ignored inputs change nothing, and a trained model finds the driver's known lead."""

import numpy as np

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.glassbox.input_reliance import InputReliance, RelianceReport, input_reliance, reliance_verdict
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import train_job


def test_an_input_the_weights_never_read_changes_nothing_and_has_no_gradient():
    ds = build_dataset(SeriesConfig(n_points=300, inputs=("driver", "distractor")), 10)
    cfg = ModelConfig(seq_length=10, units=4, layers=1, dense_units=0, dropout=0.0)
    weights = random_weights(cfg, 3, seed=5)
    weights.recurrent[0].kernel[2] = 0.0  # (4 * units,) the distractor's row of W: never read
    report = input_reliance(weights, ds)
    own, driver, distractor = report.inputs
    assert distractor.mse_without == report.mse and distractor.gap == 0 and not distractor.needed
    assert np.all(distractor.gradient_by_steps_back == 0)
    assert own.mse_without != report.mse and np.all(own.gradient_by_steps_back > 0)
    assert own.gradient_by_steps_back.shape == (10,)


def test_the_verdict_says_no_difference_when_the_gap_is_within_its_noise_and_checks_the_known_lead():
    flat = np.ones(8)
    peaked = np.array([0.1, 0.2, 1.0, 0.3, 0.1, 0.1, 0.1, 0.1])  # most at 3 steps back
    report = RelianceReport(0.01, [InputReliance("own past", 0.05, 0.04, 0.001, flat),
                                   InputReliance("driver", 0.02, 0.01, 0.001, peaked),
                                   InputReliance("distractor", 0.0101, 0.0001, 0.001, flat)])
    verdict = reliance_verdict(report, lead=3, window=8)
    assert verdict.startswith("The model uses the series' own past (without it the test error is 5.00×")
    assert "the model uses the driver (without it the test error is 2.00×; it looks hardest 3 steps back)" in verdict
    assert "removing the distractor changes nothing here (test error 1.01×" in verdict
    assert verdict.endswith("That is the known answer: the driver moves the target 3 steps later.")
    assert "most 3 steps back" in reliance_verdict(report, lead=5, window=8)
    assert "beyond the window of 8" in reliance_verdict(report, lead=9, window=8)


def test_a_trained_model_relies_on_the_driver_at_its_known_lead_and_not_on_the_distractor():
    ds = build_dataset(SeriesConfig(n_points=600, inputs=("driver", "distractor"), driver_lead=4), 12)
    cfg = ModelConfig(seq_length=12, units=12, layers=1, dense_units=0, dropout=0.0, epochs=15, learning_rate=0.01)
    result = train_job(TrainingData.from_dataset(ds), cfg)
    report = input_reliance(result.weights, ds)
    own, driver, distractor = report.inputs
    # The driver carries half of each value on to the next, so its neighbours share some of the same news.
    assert driver.needed and abs(driver.peak_steps_back - 4) <= 1, (driver.mse_without / report.mse,
                                                                    driver.peak_steps_back)
    assert not distractor.needed and own.needed
    assert "removing the distractor changes nothing here" in reliance_verdict(report, 4, 12)
    assert "The known answer is 4 steps back" in reliance_verdict(report, 4, 12) or \
        "That is the known answer" in reliance_verdict(report, 4, 12)
