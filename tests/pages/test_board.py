"""A room for a class (AppTest): open it, join by code or link, runs post themselves, the board and its controls."""

import re
from dataclasses import asdict, replace

import numpy as np
import pytest

from lstm_core.evaluation.levers import MATTERS, NO_DIFFERENCE, TOO_FEW, judge_levers
from lstm_core.evaluation.posts import TRAINING_KEY_SETTING, board_post, judged_posts
from lstm_core.store.rooms import JOIN_ALPHABET, RoomStore
from lstm_core.store.runs import RunStore, database_url
from lstm_core.ui import rooms
from lstm_core.ui.training_session import OpenedFrom
from tests.pages.apptest import (
    SMALL_MODEL,
    SMALL_SERIES,
    assert_clean,
    open_link,
    open_page,
    wait_for_lesson,
    wait_for_training,
)

XSS_NICKNAME = "<img src=x onerror=alert(1)>"


def _room_store() -> RoomStore:
    return RoomStore(RunStore(database_url()))


def _open_room():
    """Return the teacher's AppTest on Home after opening a room, and the room's code and secret."""
    teacher = open_page()
    next(b for b in teacher.button if b.label.startswith("Teach a class")).click().run()
    assert_clean(teacher, "opening a room")
    code = teacher.session_state[rooms.ROOM_KEY]
    return teacher, code, teacher.session_state[rooms.TEACHER_SECRET_KEY]


def _join_by_code(code: str, nickname: str):
    learner = open_page()
    learner.text_input(key="w_room_join_code").input(code.lower())
    learner.text_input(key="w_room_join_name").input(nickname)
    next(b for b in learner.button if b.label == "Join").click().run()
    assert_clean(learner, "joining")
    return learner


def _train(at, model=SMALL_MODEL):
    at.session_state["series_settings"] = SMALL_SERIES.to_dict()
    at.session_state["model_settings"] = model.to_dict()
    at.switch_page("pages/train.py").run()
    next(b for b in at.button if b.label == "Train").click().run()
    wait_for_training(at)
    assert_clean(at, "trained in a room")
    return at


def test_a_teacher_opens_a_room_with_a_short_code_and_a_private_link():
    teacher, code, secret = _open_room()
    assert len(code) == 6 and set(code) <= set(JOIN_ALPHABET)
    shown = " ".join(c.value for c in teacher.code)
    assert f"?room={code}" in shown and f"teacher={secret}" in shown
    assert teacher.query_params.get("room") == code, "the address bar keeps the room"
    assert "teacher" not in teacher.query_params, "the secret never goes to the address bar"


def test_learners_join_by_code_and_by_link_and_their_runs_reach_the_board():
    teacher, code, secret = _open_room()
    by_code = _train(_join_by_code(code, XSS_NICKNAME))
    by_link = _train(open_link({"room": code}), replace(SMALL_MODEL, seed=SMALL_MODEL.seed + 1))
    assert by_link.session_state[rooms.ROOM_KEY] == code
    posts = _room_store().posts(code)
    assert [p.nickname for p in posts][0] == XSS_NICKNAME, "a nickname is kept as typed"
    assert len(posts) == 2 and all(p.run_id for p in posts)
    assert posts[0].run_id == by_code.session_state["finished_training"].run_id
    assert posts[0].scores["score"] > 0 and posts[0].settings["seq_length"] == SMALL_MODEL.seq_length

    board = open_link({"room": code, "teacher": secret})
    board.switch_page("pages/board.py").run()
    assert_clean(board, "the board")
    tables = [t.value for t in board.table]
    verdicts = tables[0]
    expected = judge_levers([board_post(p) for p in posts])
    assert list(verdicts["verdict"]) == [v.verdict for v in expected], "the board's verdicts are the runs' own"
    latest = tables[2]
    assert re.sub(r"\\(.)", r"\1", latest.index[-1]) == XSS_NICKNAME, "shown as its characters"
    # On a phone each row is one sentence beside its name: the same verdicts, the same runs.
    phone_verdicts, phone_latest = tables[1], tables[3]
    assert list(phone_verdicts["lever"]) == list(verdicts.index)
    assert [sentence.split(";")[0] for sentence in phone_verdicts["verdict"]] == [
        f"verdict: {v.verdict}" for v in expected]
    assert list(phone_latest["nickname"]) == list(latest.index)
    assert all(f"score: {score}" in sentence for sentence, score in zip(phone_latest["run"], latest["score"]))
    assert any("2 runs by 2 learners" in c.value for c in board.caption)


def test_a_training_counts_once_however_often_it_is_reopened_or_shared():
    teacher, code, secret = _open_room()
    ada = _train(_join_by_code(code, "Ada"))
    first = _room_store().posts(code)
    assert len(first) == 1
    assert first[0].settings[TRAINING_KEY_SETTING] == ada.session_state["finished_training"].training_key
    next(b for b in ada.button if b.label == "Train").click().run()  # the same settings: opened from the store
    assert_clean(ada, "train again on the same settings")
    assert ada.session_state["finished_training"].opened_from is OpenedFrom.STORE
    assert [p.id for p in _room_store().posts(code)] == [first[0].id], "a reopened run posts no second row"
    grace = _join_by_code(code, "Grace")
    grace.session_state["series_settings"] = SMALL_SERIES.to_dict()
    grace.session_state["model_settings"] = SMALL_MODEL.to_dict()
    grace.switch_page("pages/train.py").run()
    next(b for b in grace.button if b.label == "Train").click().run()  # the same preset: Ada's training, shared
    assert_clean(grace, "train on a shared preset")
    posts = _room_store().posts(code)
    assert len(posts) == 2 and len({p.settings[TRAINING_KEY_SETTING] for p in posts}) == 1

    board = open_link({"room": code, "teacher": secret})
    board.switch_page("pages/board.py").run()
    assert_clean(board, "the board of one shared training")
    verdicts, latest = board.table[0].value, board.table[2].value
    assert set(verdicts["verdict"]) == {TOO_FEW}
    assert list(latest["learners on this training"]) == [2, 2]
    assert list(latest["seed"]) == [str(SMALL_MODEL.seed)] * 2
    experiments = board.dataframe[0].value
    assert list(experiments["seeds"]) == [1] and list(experiments["learners"]) == [2]
    assert any("which are 1 distinct training" in c.value for c in board.caption)


# Three settings, each trained by Ada with seed 0 and by Grace with seed 1; the seeds' scores differ by 0.10 at each.
# By hand: the pooled seed spread is sqrt(3 · 2 · 0.05² / 3) = 0.0707, so a contrast of two means of two seeds has
# a standard error of 0.0707. Window 10 → 20 moves the mean score by +2.00 (28.3 standard errors): it matters.
# Units 6 → 12 moves it by +0.02 (0.3 standard errors, inside ± 0.14): no difference. No other lever varies.
LEVER_SCORES = {(10, 6): (1.00, 1.10), (20, 6): (3.00, 3.10), (10, 12): (1.02, 1.12)}


def test_a_board_with_two_seeds_at_each_setting_says_which_lever_matters_and_which_does_not():
    _, code, secret = _open_room()
    store = _room_store()
    for (window, units), by_seed in LEVER_SCORES.items():
        for seed, (learner, score) in enumerate(zip(("Ada", "Grace"), by_seed)):
            cfg = replace(SMALL_MODEL, seq_length=window, units=units, seed=seed)
            training = f"window {window}, units {units}, seed {seed}"
            settings = {**asdict(cfg), "data": "sine, 300 points", TRAINING_KEY_SETTING: training}
            assert store.post(code, learner, settings, {"score": score, "score_basis": "noise floor"}) is not None
    board = open_link({"room": code, "teacher": secret})
    board.switch_page("pages/board.py").run()
    assert_clean(board, "a board with a verdict")
    verdicts = board.table[0].value
    expected = judge_levers([board_post(p) for p in _room_store().posts(code)])
    assert list(verdicts["verdict"]) == [MATTERS, NO_DIFFERENCE] + [TOO_FEW] * 6
    assert list(verdicts["verdict"]) == [v.verdict for v in expected], "the board's verdicts are the runs' own"
    words = [re.sub(r"\\(.)", r"\1", why) for why in verdicts["why"]]
    assert words == [v.words for v in expected]
    assert "going from 10 to 20 changed the score by +2.00 (28.3 × the seed spread's standard error)" in words[0]
    assert "moved the score by at most 0.02, within the seed spread (± 0.14)" in words[1]
    experiments = board.dataframe[0].value
    assert list(experiments["mean score"]) == pytest.approx([1.05, 1.07, 3.05]), "best first"
    assert list(experiments["seeds"]) == [2, 2, 2] and list(experiments["learners"]) == [2, 2, 2]
    assert list(experiments["spread over seeds"]) == pytest.approx([0.1 / np.sqrt(2)] * 3)


def test_a_wrong_code_says_so_and_guessing_is_slowed_down():
    learner = _join_by_code("ZZZZZZ", "guess")
    assert any("no room with this code" in e.value for e in learner.error)
    for _ in range(5):
        next(b for b in learner.button if b.label == "Join").click().run()
    assert any("Too many wrong codes" in e.value for e in learner.error)


def test_another_room_sees_nothing_and_a_closed_room_says_so():
    teacher, code, secret = _open_room()
    _train(_join_by_code(code, "Ada"))
    _, other, _ = _open_room()
    outsider = open_link({"room": other})
    outsider.switch_page("pages/board.py").run()
    assert any("No run on the board yet" in i.value for i in outsider.info)
    assert _room_store().posts(other) == []
    assert _room_store().close_room(code, secret)
    late = open_link({"room": code})
    assert any("closed by its teacher" in w.value for w in late.warning)


def test_the_teacher_hides_a_run_and_sets_a_prompt():
    teacher, code, secret = _open_room()
    _train(_join_by_code(code, "Ada"))
    store = _room_store()
    post = store.posts(code)[0]
    assert not store.hide_post(code, "not the secret", post.id), "a wrong secret changes nothing"
    assert store.hide_post(code, secret, post.id) and store.posts(code) == []
    assert store.set_prompt(code, secret, "vary the **window** only")
    learner = open_link({"room": code})
    assert any("vary the \\*\\*window\\*\\* only" in i.value for i in learner.info), "the prompt, as typed"


def test_a_lesson_run_posts_itself_tagged_with_its_lesson_and_is_not_judged_with_train_runs():
    _, code, _ = _open_room()
    learner = _join_by_code(code, "Grace")
    learner.switch_page("pages/lesson_dropout.py").run()
    next(b for b in learner.button if b.label.startswith("Train")).click().run()
    wait_for_lesson(learner, "dropout")
    assert_clean(learner, "the dropout lesson in a room")
    posts = _room_store().posts(code)
    assert posts and all(post.lesson == "dropout" for post in posts)
    assert {post.training for post in posts} == set(learner.session_state["lesson_jobs_dropout"].jobs)
    assert all(post.scores["score_basis"] == "last value" and post.scores["score"] > 0 for post in posts)
    assert judged_posts(posts) == ([], None), "a lesson's own task is not the class's Train experiment"


def test_the_teacher_deletes_the_room_from_the_board_after_confirming_and_its_learners_are_told():
    teacher, code, secret = _open_room()
    _train(_join_by_code(code, "Ada"))
    board = open_link({"room": code, "teacher": secret})
    board.switch_page("pages/board.py").run()
    delete = next(b for b in board.button if b.key == "teacher_delete")
    assert delete.disabled, "nothing is deleted without the confirmation"
    board.checkbox(key="teacher_delete_sure").check().run()
    next(b for b in board.button if b.key == "teacher_delete").click().run()
    assert_clean(board, "deleting the room")
    assert rooms.ROOM_KEY not in board.session_state, "the teacher left the deleted room"
    assert any(f"Room {code} is deleted" in s.value for s in board.success), [s.value for s in board.success]
    assert _room_store().posts(code, include_hidden=True) == []
    late = open_link({"room": code})
    assert any("no room with this code" in w.value for w in late.warning), [w.value for w in late.warning]
