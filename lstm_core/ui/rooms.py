"""A room for a class: joining by code or link, a nickname, the teacher's secret, and every finished training posted.

A room is held in the run store's database (lstm_core.store.rooms), so every replica and every reload
sees it. The session keeps which room it is in, its nickname and, for the teacher, the room's secret;
the address bar keeps ``?room=<code>``, never the secret (a projected screen shows its address).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import Dataset
from lstm_core.data.own_data import UserSeries
from lstm_core.evaluation.board import run_scores, window_scores
from lstm_core.evaluation.posts import TRAINING_KEY_SETTING, data_label, inputs_read, post_settings
from lstm_core.store.rooms import Room, RoomNotOpen, RoomStore, room_lifetime_hours
from lstm_core.store.runs import StoreError
from lstm_core.store.schema import NICKNAME_LENGTH
from lstm_core.ui import runs
from lstm_core.ui.pages import page_file, url_path_of

ROOM_PARAM = "room"
TEACHER_PARAM = "teacher"
LINK_PARAMS = (ROOM_PARAM, TEACHER_PARAM)  # what the room reads from a link; the settings' reader leaves them alone
ROOM_KEY = "room_code"  # the code of the room this session is in
NICKNAME_KEY = "room_nickname"
TEACHER_SECRET_KEY = "room_teacher_secret"  # only in the teacher's session
ROOM_NOTICE_KEY = "room_notice"  # why a room link did not open, said once
ROOM_DELETED_KEY = "room_deleted"  # which room its teacher just deleted, said once where rooms are opened
JOIN_ATTEMPTS_KEY = "room_join_attempts"  # times of this session's wrong codes, against guessing
ROOM_LINK_READ_KEY = "room_link_read"
MAX_WRONG_CODES = 5  # per JOIN_WINDOW_SECONDS and session
JOIN_WINDOW_SECONDS = 60.0
_ADJECTIVES = ("Brave", "Calm", "Clever", "Eager", "Gentle", "Happy", "Keen", "Lively", "Merry", "Quick",
               "Quiet", "Sunny", "Swift", "Witty", "Bold", "Bright")
_ANIMALS = ("Otter", "Heron", "Lynx", "Panda", "Robin", "Fox", "Koala", "Badger", "Falcon", "Gecko", "Ibis",
            "Marten", "Newt", "Puffin", "Seal", "Wren")


@st.cache_resource(show_spinner=False)
def _room_store(url: str, _store) -> RoomStore:
    return RoomStore(_store)


def room_store() -> RoomStore | None:
    """Return this server's rooms, held in the run store's database, or None when the store cannot be opened."""
    store = runs.run_store()
    return None if store is None else _room_store(runs.database_url(), store)


def generated_nickname() -> str:
    """Return a friendly random nickname such as "Swift Otter 42"."""
    return f"{secrets.choice(_ADJECTIVES)} {secrets.choice(_ANIMALS)} {secrets.randbelow(90) + 10}"


def clean_nickname(text: str) -> str:
    """Return a nickname as it is kept: plain text, spaces collapsed, at most NICKNAME_LENGTH characters."""
    return " ".join(str(text).split())[:NICKNAME_LENGTH] or generated_nickname()


def room_code() -> str | None:
    """Return the code of the room this session is in, or None."""
    return st.session_state.get(ROOM_KEY)


def nickname() -> str:
    """Return this session's nickname in its room, making one up the first time."""
    if NICKNAME_KEY not in st.session_state:
        st.session_state[NICKNAME_KEY] = generated_nickname()
    return st.session_state[NICKNAME_KEY]


def teacher_secret() -> str | None:
    """Return the teacher's secret of this session's room, or None for a learner."""
    return st.session_state.get(TEACHER_SECRET_KEY) if room_code() else None


def current_room() -> Room | RoomNotOpen | None:
    """Return this session's open Room, why it is not open, or None outside a room."""
    code, store = room_code(), room_store()
    if code is None:
        return None
    if store is None:
        return RoomNotOpen.UNREACHABLE
    try:
        return store.room(code)
    except StoreError:
        return RoomNotOpen.UNREACHABLE


WHY_NOT_OPEN = {
    RoomNotOpen.UNKNOWN: "There is no room with this code. Check the code with your teacher.",
    RoomNotOpen.CLOSED: "This room was closed by its teacher. Its board is no longer shown.",
    RoomNotOpen.EXPIRED: "This room has expired: rooms last one teaching day. Ask your teacher for a new code.",
    RoomNotOpen.UNREACHABLE: "Rooms cannot be reached on this server just now (the run store is down); "
                             "everything else works.",
}


def why_not_open(state: RoomNotOpen) -> str:
    """Return, in words, why a room cannot be used."""
    return WHY_NOT_OPEN[state]


def _wrong_codes_recently() -> list[float]:
    now = time.monotonic()
    attempts = [t for t in st.session_state.get(JOIN_ATTEMPTS_KEY, []) if now - t < JOIN_WINDOW_SECONDS]
    st.session_state[JOIN_ATTEMPTS_KEY] = attempts
    return attempts


def join(code: str, name: str | None = None, secret: str | None = None) -> str | None:
    """Join the room of code (as its teacher when secret is its teacher secret); return None, or why not, in words."""
    attempts = _wrong_codes_recently()
    if len(attempts) >= MAX_WRONG_CODES:
        wait = JOIN_WINDOW_SECONDS - (time.monotonic() - attempts[0])
        return f"Too many wrong codes: wait {max(1, round(wait))} s before you try again."
    store = room_store()
    if store is None:
        return why_not_open(RoomNotOpen.UNREACHABLE)
    try:
        found = store.room(code)
        is_teacher = secret is not None and bool(secret) and isinstance(found, Room) \
            and store.is_teacher(found.code, secret)
    except StoreError:
        return why_not_open(RoomNotOpen.UNREACHABLE)
    if not isinstance(found, Room):
        if found is RoomNotOpen.UNKNOWN:
            st.session_state[JOIN_ATTEMPTS_KEY] = [*attempts, time.monotonic()]
        return why_not_open(found)
    st.session_state[ROOM_KEY] = found.code
    if name is not None:
        st.session_state[NICKNAME_KEY] = clean_nickname(name)
    if is_teacher:
        st.session_state[TEACHER_SECRET_KEY] = secret
        st.session_state.setdefault(NICKNAME_KEY, "Teacher")
    elif secret:
        return "This teacher link is not this room's: you joined the room as a learner."
    return None


def open_room() -> str | None:
    """Open a new room with this session as its teacher; return None, or why not, in words."""
    store = room_store()
    if store is None:
        return why_not_open(RoomNotOpen.UNREACHABLE)
    try:
        opened = store.open_room(room_lifetime_hours())
    except StoreError as problem:
        return f"{why_not_open(RoomNotOpen.UNREACHABLE)} ({problem})"
    st.session_state[ROOM_KEY] = opened.code
    st.session_state[TEACHER_SECRET_KEY] = opened.teacher_secret
    st.session_state.setdefault(NICKNAME_KEY, "Teacher")
    return None


def delete_room() -> bool:
    """Delete this session's room and its board now (the teacher's secret needed), then leave it; return success."""
    store, code, secret = room_store(), room_code(), teacher_secret()
    if store is None or code is None or secret is None or not store.delete_room(code, secret):
        return False
    leave_room()
    st.session_state[ROOM_DELETED_KEY] = (f"Room {code} is deleted: its board, nicknames, answers and pacing are "
                                         "gone for everyone.")
    return True


def leave_room() -> None:
    """Leave the session's room (the room itself stays open); return None."""
    for key in (ROOM_KEY, TEACHER_SECRET_KEY):
        st.session_state.pop(key, None)


def read_room_link_once() -> None:
    """Join the room an opening link names (?room=, and ?teacher= for its teacher) once per session; return None."""
    if st.session_state.get(ROOM_LINK_READ_KEY):
        return
    st.session_state[ROOM_LINK_READ_KEY] = True
    code = st.query_params.get(ROOM_PARAM)
    if code:
        problem = join(code, secret=st.query_params.get(TEACHER_PARAM))
        if problem:
            st.session_state[ROOM_NOTICE_KEY] = problem


def address_params() -> dict[str, str]:
    """Return the room's part of the address bar: its code while the session is in a room."""
    code = room_code()
    return {ROOM_PARAM: code} if code else {}


def join_link(root: str, code: str) -> str:
    """Return the link a learner opens to join the room of code."""
    return f"{root}/?{ROOM_PARAM}={code}"


def teacher_link(root: str, code: str, secret: str) -> str:
    """Return the teacher's private link to the board of the room of code, with its controls."""
    return f"{root}/{url_path_of(page_file('board'))}?{ROOM_PARAM}={code}&{TEACHER_PARAM}={secret}"


def _post(code: str | None, name: str, cfg: ModelConfig, data: str, scores: dict[str, Any], run_id: str | None,
          lesson: str | None, training: str | None, training_key: str | None = None,
          inputs: float = 0.0) -> int | None:
    store = room_store()
    if code is None or store is None:
        return None
    try:
        if training_key is not None:
            # A learner reopening a training they posted already (Train again, a link) adds no second row.
            for post in store.posts(code, include_hidden=True):
                if post.nickname == name and post.settings.get(TRAINING_KEY_SETTING) == training_key:
                    return post.id
        return store.post(code, name, post_settings(cfg, data, training_key, inputs), scores, run_id=run_id,
                          training=training, lesson=lesson)
    except (StoreError, ValueError):
        return None


def post_training(ds: Dataset, cfg: ModelConfig, source: SeriesConfig | UserSeries, predicted, run_id: str | None,
                  seconds: float | None, finished_at: float | None = None,
                  training_key: str | None = None) -> int | None:
    """Post a finished Train-page training to the session's room with its settings and scores; return the post id.

    finished_at (seconds since the epoch) is when the training ended, kept so the board's delay can be told;
    training_key names the training, so that the board counts its repeats once.
    Returns None outside a room or when the post could not be made.
    """
    code = room_code()
    if code is None:
        return None
    return _post_training(code, nickname(), ds, cfg, source, predicted, run_id, seconds, finished_at, training_key)


def _post_training(code: str, name: str, ds: Dataset, cfg: ModelConfig, source: SeriesConfig | UserSeries, predicted,
                   run_id: str | None, seconds: float | None, finished_at: float | None,
                   training_key: str | None) -> int | None:
    scores = {**run_scores(ds, predicted, seconds), "finished_at": finished_at}
    return _post(code, name, cfg, data_label(source), scores, run_id, None, None, training_key, inputs_read(source))


@dataclass
class PendingPost:
    """A Train-page training of a learner in a room: posted the moment it ends, given its run's id once stored."""

    code: str
    nickname: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    post_id: int | None = None
    claimed: bool = False  # the learner's page posted it first (the job ended before the pool's call)


def post_when_finished(job, ds: Dataset, cfg: ModelConfig, source: SeriesConfig | UserSeries) -> PendingPost | None:
    """Have the training of job posted to the session's room as soon as it ends, by the pool; return its PendingPost.

    The learner's page sees the end up to a second later; the board should not wait for it. Returns None
    outside a room.
    """
    code = room_code()
    if code is None or room_store() is None:
        return None
    pending = PendingPost(code, nickname())

    def on_finished(result) -> None:
        if result.weights is None or "test" not in result.predictions:
            return
        seconds = float(sum(job.progress().epoch_seconds)) or None
        with pending.lock:
            if not pending.claimed:
                pending.post_id = _post_training(pending.code, pending.nickname, ds, cfg, source,
                                                 result.predictions["test"], None, seconds, job.finished_at,
                                                 getattr(job, "key", None))

    job.when_finished(on_finished)
    return pending


def settle_post(pending: PendingPost | None, ds: Dataset, cfg: ModelConfig, source: SeriesConfig | UserSeries,
                predicted, run_id: str | None, seconds: float | None, finished_at: float | None,
                training_key: str | None = None) -> None:
    """Give a training posted at its end its run's id, or post it now if it was not; return None."""
    if pending is None:
        post_training(ds, cfg, source, predicted, run_id, seconds, finished_at, training_key)
        return
    with pending.lock:
        if pending.post_id is None:
            pending.claimed = True
            pending.post_id = _post_training(pending.code, pending.nickname, ds, cfg, source,
                                             predicted, run_id, seconds, finished_at, training_key)
            return
    store = room_store()
    if run_id is not None and store is not None:
        try:
            store.attach_run(pending.code, pending.post_id, run_id)
        except (StoreError, ValueError):
            pass  # the post stays on the board without its link to Inside


def post_lesson_trainings(lesson: str, source: SeriesConfig | UserSeries | None, trainings: dict[str, tuple],
                          run_id: str | None) -> list[int]:
    """Post each finished training of a lesson, tagged with it; trainings maps name -> (result, cfg, data).

    Returns the ids of the posts made.
    """
    if room_code() is None:
        return []
    posted = []
    label = f"{lesson} lesson" if source is None else f"{lesson} lesson on {data_label(source)}"
    for name, (result, cfg, data) in trainings.items():
        scores = window_scores(data.X_test, data.y_test, result.predictions["test"], None)
        post_id = _post(room_code(), nickname(), cfg, label, scores, run_id, lesson, name[:40])
        if post_id is not None:
            posted.append(post_id)
    return posted
