"""A stored run keeps when it was stored and how long each of its epochs took, so a reopened run can say both."""

import json
import time

import sqlalchemy as sa

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.store.runs import RunStore
from lstm_core.store.schema import trainings
from lstm_core.training.protocol import TrainingData, TrainingResult
from lstm_core.training.worker import train_job

CFG = ModelConfig(seq_length=8, units=4, layers=1, dense_units=0, dropout=0.0, epochs=3, batch_size=64)
SPEC = {"kind": "generated", "series": SeriesConfig(n_points=300).to_dict()}


def test_a_training_times_each_whole_epoch_and_the_store_gives_the_seconds_and_its_date_back(store_url):
    result = train_job(TrainingData.from_dataset(build_dataset(SeriesConfig(n_points=300), CFG.seq_length)), CFG)
    assert result.status == "done" and len(result.epoch_seconds) == len(result.history["loss"]) == 3
    assert all(seconds > 0 for seconds in result.epoch_seconds)
    store = RunStore(store_url)
    try:
        before = time.time()
        run_id = store.save(result, CFG, SPEC)
        back = store.load(run_id)
        assert back.result.epoch_seconds == result.epoch_seconds
        assert back.result.history == result.history, "the losses read back without the seconds mixed in"
        assert before <= store.created_at(run_id) <= time.time() and store.created_at(run_id) == back.created_at
        assert store.created_at("A" * 22) is None and store.created_at("not an id") is None
    finally:
        store.close()


def test_a_run_stored_before_epochs_were_timed_reads_back_with_no_seconds(store_url):
    store = RunStore(store_url)
    try:
        run_id = store.save(TrainingResult("done", "Trained 2 epochs.", {"loss": [0.2, 0.1], "val_loss": [0.3, 0.2]},
                                           epochs_run=2), CFG, SPEC)
        with store.engine.begin() as connection:  # as an older app wrote it: the losses alone
            connection.execute(trainings.update().where(trainings.c.group_id == run_id)
                               .values(history=json.dumps({"loss": [0.2, 0.1], "val_loss": [0.3, 0.2]})))
        back = store.load(run_id).result
        assert back.epoch_seconds == [] and back.history == {"loss": [0.2, 0.1], "val_loss": [0.3, 0.2]}
    finally:
        store.close()


def test_the_seconds_are_kept_in_the_history_column_without_a_new_column(store_url):
    store = RunStore(store_url)
    try:
        run_id = store.save(TrainingResult("done", "", {"loss": [0.2], "val_loss": [0.3]}, epochs_run=1,
                                           epoch_seconds=[1.25]), CFG, SPEC)
        with store.engine.connect() as connection:
            kept = connection.execute(sa.select(trainings.c.history).where(trainings.c.group_id == run_id)).scalar()
        assert json.loads(kept) == {"loss": [0.2], "val_loss": [0.3], "epoch_seconds": [1.25]}
    finally:
        store.close()
