"""What a post says and which posts the board judges: labels of the data, a post's settings, the judged posts."""

import math

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.own_data import BUNDLED, bundled_series
from lstm_core.data.spec import source_of
from lstm_core.evaluation.levers import BoardPost
from lstm_core.evaluation.posts import (
    DATA_SETTING,
    TRAINING_KEY_SETTING,
    board_post,
    data_label,
    inputs_read,
    judged_posts,
    post_settings,
)
from lstm_core.store.rooms import RoomPost


def post(post_id: int, data: str, lesson: str | None = None, **settings) -> RoomPost:
    """Return a post of a training on data (a lesson's when lesson is given)."""
    return RoomPost(post_id, "ROOM22", float(post_id), f"n{post_id}", None, None, lesson,
                    {DATA_SETTING: data, "seq_length": 10, **settings}, {"score": 1.0}, False)


def test_the_levers_are_judged_on_the_train_runs_of_the_most_common_data():
    posts = [post(1, "sine A"), post(2, "sine B"), post(3, "sine B"), post(4, "sine A", lesson="film"),
             post(5, "sine A")]
    judged, data = judged_posts(posts)
    assert data in ("sine A", "sine B") and [p.id for p in judged] in ([1, 5], [2, 3])
    judged, data = judged_posts([*posts, post(6, "sine B")])
    assert data == "sine B" and [p.id for p in judged] == [2, 3, 6]
    assert judged_posts([post(7, "sine A", lesson="film")]) == ([], None), "lessons train on their own task"


def test_a_data_label_tells_the_generated_series_bundled_files_and_own_files_apart():
    sine = SeriesConfig(shape="sum_of_sines", n_points=300, period=12.5, noise_std=0.25, seed=7)
    assert data_label(sine) == "sum of sines, 300 points, period 12.50, noise 0.25, seed 7"
    assert data_label(SeriesConfig(seed=8)) != data_label(SeriesConfig(seed=7)), "another noise is other data"
    name = next(iter(BUNDLED))
    assert data_label(bundled_series(name)) == f"the file {name}"
    own = source_of({"kind": "own", "name": "mine.csv", "values": [1.0, 2.0, 3.0], "time_labels": None,
                     "digest": "d", "notes": []})
    assert data_label(own) == "a learner's own file", "an own file's name is the learner's, never shown to the class"
    driven = SeriesConfig(n_points=300, inputs=("calendar", "driver"), driver_lead=4, driver_weight=0.5)
    assert data_label(driven) == ("sine, 300 points, period 6.28, noise 0.10, seed 42, driven 4 steps ahead "
                                  "(weight 0.50)"), "a driver changes the target: other data"
    assert data_label(SeriesConfig(n_points=300, inputs=("distractor",))) == data_label(SeriesConfig(n_points=300)), \
        "a distractor or a calendar is the inputs lever, on the same data"
    assert (inputs_read(driven), inputs_read(SeriesConfig(inputs=("distractor", "calendar")))) == (2.0, 3.0)
    with_columns = source_of({"kind": "own", "name": "mine.csv", "values": [1.0, 2.0, 3.0], "time_labels": None,
                              "digest": "e", "notes": [], "inputs": {"rain": [0.0, 1.0, 0.5]}})
    assert data_label(with_columns) == "a learner's own file read with 1 other column"


def test_a_posts_settings_are_the_models_with_its_data_and_training_key_and_the_board_reads_them_back():
    cfg = ModelConfig(units=17, learning_rate=0.003, seed=4)
    settings = post_settings(cfg, "sine, 300 points", "key-1")
    assert settings == {**cfg.to_dict(), "inputs": 0.0, DATA_SETTING: "sine, 300 points", TRAINING_KEY_SETTING: "key-1"}
    assert TRAINING_KEY_SETTING not in post_settings(cfg, "sine, 300 points")
    posted = RoomPost(9, "ROOM22", 9.0, "ann", None, None, None, settings, {"score": 0.8}, False)
    assert board_post(posted) == BoardPost(settings, 0.8, "key-1", "ann")
    unscored = RoomPost(10, "ROOM22", 10.0, "bob", None, None, None, {}, {}, False)
    read = board_post(unscored)
    assert math.isnan(read.score) and read.training == "" and read.learner == "bob"
