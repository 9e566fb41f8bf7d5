"""What a room's posts say and which of them the class board judges: the settings a post carries, its data's label.

A post is a training's scores in a classroom room. Its settings are the model's, plus the label of the data it
was trained on and, for a Train-page training, its training key. Levers are judged only between trainings on
the same data, so the board judges the Train page's posts on the class's most common data.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, Protocol, TypeVar

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.own_data import BUNDLED, UserSeries
from lstm_core.evaluation.levers import BoardPost, input_lever_value

DATA_SETTING = "data"  # a post's setting naming its data in words: the board compares trainings on one data only
TRAINING_KEY_SETTING = "training_key"  # a post's setting naming its training: repeats of one count once


class Post(Protocol):
    """A post as the board reads it, read-only (lstm_core.store.rooms.RoomPost, a frozen dataclass, is one)."""

    @property
    def nickname(self) -> str:
        """Return who posted it."""

    @property
    def lesson(self) -> str | None:
        """Return the lesson it was trained in; None for a Train-page training."""

    @property
    def settings(self) -> Mapping[str, Any]:
        """Return the model's settings, the data's label and, from the Train page, the training key."""

    @property
    def scores(self) -> Mapping[str, Any]:
        """Return the training's scores."""


P = TypeVar("P", bound=Post)


def data_label(source: SeriesConfig | UserSeries) -> str:
    """Return what a training's windows were cut from, in a few words: the board compares trainings on one data only."""
    # A driver changes the target itself, and an own file's columns are its own: both belong to the data.
    if isinstance(source, UserSeries):
        if source.name in BUNDLED:  # its inputs are fixed by its name
            return f"the file {source.name}"
        count = len(source.input_names)  # the column names are the learner's: the class sees how many, not which
        return "a learner's own file" + (f" read with {count} other column{'s' * (count > 1)}" if count else "")
    label = (f"{source.shape.replace('_', ' ')}, {source.n_points} points, period {source.period:.2f}, "
             f"noise {source.noise_std:.2f}, seed {source.seed}")
    if "driver" in source.inputs:  # the inputs a class may add or leave out are a lever (levers.INPUT_BITS)
        label += f", driven {source.driver_lead} steps ahead (weight {source.driver_weight:.2f})"
    return label


def inputs_read(source: SeriesConfig | UserSeries) -> float:
    """Return the inputs lever's value of a training on source: the generated inputs it read that a class may vary."""
    return input_lever_value(source.inputs) if isinstance(source, SeriesConfig) else 0.0


def post_settings(cfg: ModelConfig, data: str, training_key: str | None = None, inputs: float = 0.0) -> dict[str, Any]:
    """Return the settings a post carries: the model's plain values, the inputs lever, the data's label and key."""
    settings: dict[str, Any] = {key: value for key, value in asdict(cfg).items()
                                if isinstance(value, (int, float, str, bool))}
    settings["inputs"] = inputs
    settings[DATA_SETTING] = data
    if training_key is not None:
        settings[TRAINING_KEY_SETTING] = training_key
    return settings


def board_post(post: Post) -> BoardPost:
    """Return a post as the levers judge it: its settings, score, learner, and the identity of its training."""
    return BoardPost(post.settings, float(post.scores.get("score", math.nan)),
                     str(post.settings.get(TRAINING_KEY_SETTING) or ""), post.nickname)


def judged_posts(posts: list[P]) -> tuple[list[P], str | None]:
    """Return the Train-page posts on the class's most common data, which the levers are judged on, and that data.

    A lever can only be judged between trainings on the same series: posts on other data, and lesson posts
    (each lesson trains on its own task), are listed on the board but not judged.
    """
    train_posts = [post for post in posts if post.lesson is None]
    if not train_posts:
        return [], None
    common = Counter(str(post.settings.get(DATA_SETTING, "")) for post in train_posts).most_common(1)[0][0]
    return [post for post in train_posts if str(post.settings.get(DATA_SETTING, "")) == common], common
