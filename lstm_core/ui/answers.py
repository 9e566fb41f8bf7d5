"""A learner's answers as the pages see them: record one, read it back after a reload, a room's tally and reveals.

A learner is named by a stable id, never by a nickname. In a browser it is derived from the browser's own
XSRF cookie (a random token the server sets once and keeps for the browser: a reload, another tab or another
replica gives the same learner), hashed, so the token itself is never stored. Where there is no such cookie
(AppTest, XSRF protection off) the id is random and lives as long as the session. Nothing here raises into a
page: a store problem becomes a quiet notice and the page goes on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
import time
from typing import Any

import streamlit as st

from lstm_core.store.answers import Answer, AnswerStore
from lstm_core.store.room_states import RoomState, RoomStateStore
from lstm_core.store.runs import StoreError
from lstm_core.ui import rooms, runs

LEARNER_KEY = "learner_id"
ANSWERS_NOTICE_KEY = "answers_notice"  # why the last answer was not kept, in words
XSRF_COOKIE = "_streamlit_xsrf"
STATE_FRESH_SECONDS = 0.5  # a room's state read by one page serves every page of this server for this long
TIDY_EVERY_SECONDS = 3600.0


@st.cache_resource(show_spinner=False)
def _answer_store(url: str, _store) -> AnswerStore:
    return AnswerStore(_store)


@st.cache_resource(show_spinner=False)
def _state_store(url: str, _store) -> RoomStateStore:
    return RoomStateStore(_store)


def answer_store() -> AnswerStore | None:
    """Return this server's answers, held in the run store's database, or None when it cannot be opened."""
    store = runs.run_store()
    return None if store is None else _answer_store(runs.database_url(), store)


def state_store() -> RoomStateStore | None:
    """Return this server's rooms' pacing states, or None when the run store cannot be opened."""
    store = runs.run_store()
    return None if store is None else _state_store(runs.database_url(), store)


def _xsrf_token(cookie: str) -> bytes:
    # Streamlit's cookie is "2|mask|masked token|timestamp": the mask changes with every response, the token
    # behind it does not. Any other form is taken whole.
    parts = cookie.strip("\"'").split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = binascii.a2b_hex(parts[1]), binascii.a2b_hex(parts[2])
        except (binascii.Error, ValueError):
            return cookie.encode("utf-8")
        if mask:
            return bytes(byte ^ mask[i % len(mask)] for i, byte in enumerate(masked))
    return cookie.encode("utf-8")


def learner_id_of(cookie: str) -> str:
    """Return the learner id a browser's XSRF cookie gives: 22 URL-safe characters, the same for every mask."""
    digest = hashlib.sha256(b"lstm-lens learner\x00" + _xsrf_token(cookie)).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def learner_id() -> str:
    """Return this learner's stable id (from the browser's cookie, else random for the session)."""
    known = st.session_state.get(LEARNER_KEY)
    if known is None:
        try:
            cookie = st.context.cookies.get(XSRF_COOKIE)
        except Exception:  # no browser behind this session (AppTest): a random id below
            cookie = None
        known = learner_id_of(cookie) if isinstance(cookie, str) and cookie else secrets.token_urlsafe(16)
        st.session_state[LEARNER_KEY] = known
    return known


def _notice(text: str) -> None:
    st.session_state[ANSWERS_NOTICE_KEY] = text
    try:
        st.toast(text, icon=":material/cloud_off:")
    except Exception:  # drawn outside a page run: the session's notice is enough
        pass


class _Upkeep:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = 0.0


@st.cache_resource(show_spinner=False)
def _upkeep(url: str) -> _Upkeep:
    return _Upkeep()


def _tidy_now_and_then(store: AnswerStore) -> None:
    upkeep = _upkeep(runs.database_url())
    with upkeep.lock:
        if time.monotonic() - upkeep.last < TIDY_EVERY_SECONDS and upkeep.last:
            return
        upkeep.last = time.monotonic()
    try:
        store.evict()
    except StoreError:
        pass  # the next hour's turn


def record_answer(question: str, answer: str, payload: dict[str, Any] | None = None) -> None:
    """Keep this learner's answer to question (with the room, if any), replacing an earlier one; return None."""
    store = answer_store()
    if store is None:
        _notice("Your answer is kept on this page only: answers cannot be stored on this server just now.")
        return
    code = rooms.room_code()
    try:
        kept = store.record(code, learner_id(), question, answer, payload,
                            nickname=rooms.nickname() if code else None)
    except (StoreError, ValueError) as problem:
        _notice(f"Your answer is kept on this page only: {problem}.")
        return
    if not kept:
        _notice("Your answer is kept on this page only: your room is closed or has expired.")
        return
    st.session_state.pop(ANSWERS_NOTICE_KEY, None)
    _cached_tally.clear()
    _tidy_now_and_then(store)


def my_answer(question: str) -> Answer | None:
    """Return this learner's stored answer to question (in the session's room, or alone), or None."""
    store = answer_store()
    if store is None:
        return None
    try:
        return store.answer(rooms.room_code(), learner_id(), question)
    except (StoreError, ValueError):
        return None


def my_answers(prefix: str) -> dict[str, Answer]:
    """Return this learner's stored answers to the questions starting with prefix, by question key."""
    store = answer_store()
    if store is None:
        return {}
    try:
        return store.learners_answers(rooms.room_code(), learner_id(), prefix)
    except (StoreError, ValueError):
        return {}


@st.cache_data(ttl=STATE_FRESH_SECONDS, max_entries=256, show_spinner=False)
def _cached_tally(url: str, code: str, question: str) -> dict[str, int] | None:
    store = answer_store()
    if store is None:
        return None
    try:
        return store.tally(code, question)
    except StoreError:
        return None


def class_answers(question: str) -> dict[str, int] | None:
    """Return how many learners of the session's room gave each answer to question; None outside a room."""
    code = rooms.room_code()
    if code is None:
        return None
    return _cached_tally(runs.database_url(), code, question)


class _States:
    """The rooms' pacing states this server read last, each with when: one read serves many pages."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.read: dict[str, tuple[float, RoomState]] = {}


@st.cache_resource(show_spinner=False)
def _states(url: str) -> _States:
    return _States()


def room_state(fresh: bool = False) -> RoomState | None:
    """Return the session's room's pacing state (at most STATE_FRESH_SECONDS old unless fresh); None outside one."""
    code, store = rooms.room_code(), state_store()
    if code is None or store is None:
        return None
    states = _states(runs.database_url())
    now = time.monotonic()
    with states.lock:
        known = states.read.get(code)
    if known is not None and not fresh and now - known[0] < STATE_FRESH_SECONDS:
        return known[1]
    try:
        state = store.state(code)
    except StoreError:
        return known[1] if known is not None else None
    with states.lock:
        states.read[code] = (now, state)
    return state


def remember_state(code: str, state: RoomState) -> None:
    """Hold a state the teacher just wrote as the room's latest, so this server's pages see it at once."""
    states = _states(runs.database_url())
    with states.lock:
        states.read[code] = (time.monotonic(), state)


def room_revealed(question: str) -> bool:
    """Return whether the session's room's teacher revealed question to everyone at once (False outside a room)."""
    state = room_state()
    return state is not None and question in state.revealed
