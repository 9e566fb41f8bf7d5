"""The shared widgets' texts: the training progress bar and the one-line model description."""

import re

import pytest

from lstm_core.config import ModelConfig
from lstm_core.training.protocol import Progress
from lstm_core.ui import widgets
from lstm_core.ui.widgets import describe_model, progress_fraction, progress_label


def progress(status: str, epoch: int = 0, batch: int = 0, eta: float | None = None, position: int = 0,
             epochs: int = 5, batches_per_epoch: int = 10, elapsed: float = 0.0) -> Progress:
    return Progress(status=status, epoch=epoch, epochs=epochs, batch=batch, batches_per_epoch=batches_per_epoch,
                    train_loss=[0.1] * epoch, val_loss=[0.1] * epoch, batch_loss=[], elapsed=elapsed, eta=eta,
                    queue_position=position, message="")


def test_progress_fraction_is_zero_while_queued_and_one_when_done():
    assert progress_fraction(progress("queued", position=2)) == 0.0
    assert progress_fraction(progress("done", epoch=5)) == 1.0
    # finished early (e.g. a NaN stop inside Keras) still fills the bar when the job reports done
    assert progress_fraction(progress("done", epoch=3, batch=4)) == 1.0


def test_progress_fraction_counts_batches_across_epochs_and_is_monotone():
    fractions = [progress_fraction(progress("running", epoch=e, batch=b)) for e in range(5) for b in range(10)]
    assert fractions[0] == 0.0
    assert all(b > a for a, b in zip(fractions, fractions[1:]))
    assert progress_fraction(progress("running", epoch=2, batch=5)) == pytest.approx(25 / 50)
    assert progress_fraction(progress("running", epoch=5, batch=0)) == 1.0
    assert 0 <= progress_fraction(progress("running", epoch=5, batch=10)) <= 1.0


def test_progress_fraction_of_a_stopped_job_shows_how_far_it_got():
    assert progress_fraction(progress("stopped", epoch=1, batch=5)) == pytest.approx(15 / 50)


def test_progress_fraction_survives_zero_batches_per_epoch():
    assert progress_fraction(progress("queued", batches_per_epoch=0)) == 0.0


def test_progress_label_says_what_is_happening():
    queued = progress_label(progress("queued", position=3))
    assert "queue" in queued and "3" in queued and "(queued)" in queued
    running = progress_label(progress("running", epoch=1, batch=4, eta=12.4))
    assert running.startswith("Epoch 2 of 5, batch 4 of 10")
    assert "about 12 s left" in running and running.endswith("(running)")
    assert "left" not in progress_label(progress("running", epoch=0, batch=0)), "no guess before the first batch"
    assert progress_label(progress("done", epoch=5, elapsed=7.26)) == "5 of 5 epochs in 7.3 s (done)"
    stopped = progress_label(progress("stopped", epoch=2, elapsed=3.0))
    assert stopped == "2 of 5 epochs in 3.0 s (stopped)"
    assert progress_label(progress("failed", epoch=1, elapsed=1.0)).endswith("(failed)")


def test_progress_label_never_shows_an_epoch_past_the_last():
    assert progress_label(progress("running", epoch=5, batch=0)).startswith("Epoch 5 of 5")


@pytest.mark.parametrize("settings,text", [
    (dict(seq_length=50, units=50, layers=2, dense_units=25, horizon=1),
     "window 50 → LSTM(50) → LSTM(50) → Dense(25) → Dense(1)"),
    (dict(seq_length=8, units=6, layers=1, dense_units=0, horizon=3), "window 8 → LSTM(6) → Dense(3)"),
    (dict(seq_length=20, units=16, layers=3, dense_units=0, horizon=1),
     "window 20 → LSTM(16) → LSTM(16) → LSTM(16) → Dense(1)"),
])
def test_describe_model_reads_input_to_output(settings, text):
    assert describe_model({**ModelConfig().to_dict(), **settings}) == text


def test_the_page_scripts_hold_no_literal_tag_that_would_keep_st_html_from_running_them():
    for script in (widgets.FIGURE_KEYS_SCRIPT, widgets.FIGURE_WIDTHS_SCRIPT):
        assert not re.search(r"</?[a-zA-Z]", script.read_text()), f"{script.name} writes a tag literally"
