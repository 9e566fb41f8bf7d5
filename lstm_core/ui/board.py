"""The class board on screen: Home's room panel, the room in the sidebar, and the board with its teacher controls.

Nicknames and prompts are the learners' and the teacher's own text: they are shown only through
elements that draw text as text (tables, ``st.text``) or escaped for Markdown, never as markup.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from lstm_core.evaluation.levers import (
    LEVER_DEFAULTS,
    LEVERS,
    BoardPost,
    LeverVerdict,
    distinct_trainings,
    experiments_table,
    judge_levers,
    lever_value,
    training_identity,
)
from lstm_core.evaluation.posts import board_post, judged_posts
from lstm_core.figures.board import lever_figure
from lstm_core.figures.summaries import lever_summary
from lstm_core.store.rooms import Room, RoomNotOpen, RoomPost
from lstm_core.store.runs import StoreError, store_limits
from lstm_core.ui import answers, rooms
from lstm_core.ui.address_bar import inside_link
from lstm_core.ui.charts import show_chart
from lstm_core.ui.class_question import class_question, window_verdict_shown
from lstm_core.ui.navigation import app_root_url
from lstm_core.ui.outcomes import number_columns
from lstm_core.ui.pacing import follow_teacher
from lstm_core.ui.widgets import LIVE_REFRESH_SECONDS, fields_table

BOARD_REFRESH_SECONDS = 1.0  # with the learner's collecting (LIVE_REFRESH_SECONDS), a run shows within 2 s
LEARNER_BOARD_REFRESH_SECONDS = 3.0  # thirty learners' own boards redrawn each second would crowd the projected one
LATEST_SHOWN = 8  # runs listed by name under the picture, newest first
JOIN_CODE_KEY = "w_room_join_code"
JOIN_NAME_KEY = "w_room_join_name"
ASKED_FIRST = "asked first"
ASKED_FIRST_WORDS = "The class is answering the board's question about the window; the teacher reveals this verdict."
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def markdown_escaped(text: str) -> str:
    """Return text with every Markdown character escaped, so that st.markdown shows its characters as typed."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def room_panel() -> None:
    """Draw Home's room panel: open a room as a teacher, or join one by its code; return None."""
    st.subheader("A class in one room")
    deleted = st.session_state.pop(rooms.ROOM_DELETED_KEY, None)
    if deleted:
        st.success(deleted, icon=":material/delete:")
    code = rooms.room_code()
    if code is not None:
        _joined_panel(code)
        return
    teach, join = st.columns(2)
    with teach.container(border=True):
        st.markdown("**Teach a class**")
        st.caption("Opens a room with a short code. Every run your learners finish appears on the room's board, "
                   "and the board says which settings mattered.")
        if st.button("Teach a class: open a room", key="open_room"):
            problem = rooms.open_room()
            if problem:
                st.error(problem)
            else:
                st.rerun()
    with join.container(border=True):
        st.markdown("**Join a class**")
        with st.form("join_room", border=False):
            typed = st.text_input("Room code", max_chars=12, key=JOIN_CODE_KEY, placeholder="e.g. K7QP2M")
            name = st.text_input("Your nickname", max_chars=rooms.NICKNAME_LENGTH, key=JOIN_NAME_KEY,
                                 placeholder="leave empty for a made-up one")
            if st.form_submit_button("Join"):
                problem = rooms.join(typed, name or rooms.generated_nickname())
                if problem:
                    st.error(problem)
                else:
                    st.rerun()


def _joined_panel(code: str) -> None:
    room = rooms.current_room()
    if not isinstance(room, Room):
        st.warning(rooms.why_not_open(room or RoomNotOpen.UNKNOWN), icon=":material/meeting_room:")
        if rooms.teacher_secret() and room is not RoomNotOpen.UNKNOWN:
            delete_room_control()
        if st.button("Leave this room", key="leave_room_home"):
            rooms.leave_room()
            st.rerun()
        return
    root = app_root_url()
    left, right = st.columns([1, 2])
    left.metric("Room code", code)
    with right:
        st.caption("Learners join with this link, or by typing the code on Home:")
        st.code(rooms.join_link(root, code), language=None)
        secret = rooms.teacher_secret()
        if secret:
            st.caption("Your teacher link: the board with its controls. Keep it to yourself; open it again after "
                       "a reload to get the controls back.")
            st.code(rooms.teacher_link(root, code, secret), language=None, wrap_lines=True)
    st.text(f"You are in room {code} as {rooms.nickname()}.")
    with st.form("rename", border=False):
        name = st.text_input("Your nickname on the board", max_chars=rooms.NICKNAME_LENGTH, key="w_room_rename",
                             placeholder=rooms.nickname())
        if st.form_submit_button("Change my nickname") and name.strip():
            st.session_state[rooms.NICKNAME_KEY] = rooms.clean_nickname(name)
            st.rerun()
    st.page_link("pages/board.py", label="Open the class board", icon=":material/leaderboard:")
    if st.button("Leave this room", key="leave_room_home"):
        rooms.leave_room()
        st.rerun()


def room_sidebar() -> None:
    """Draw the room this session is in, and its teacher's prompt, in the sidebar; return None."""
    code = rooms.room_code()
    if code is None:
        return
    room = rooms.current_room()
    with st.sidebar:
        st.markdown("#### Your class")
        st.text(f"Room {code} · {rooms.nickname()}")
        if isinstance(room, Room):
            if room.prompt:
                st.info(markdown_escaped(room.prompt), icon=":material/campaign:")
        elif room is not None:
            st.caption(markdown_escaped(rooms.why_not_open(room)))
    if isinstance(room, Room):
        follow_teacher()


SHORT_NAMES = {"seq_length": "window", "units": "units", "layers": "layers", "dropout": "dropout",
               "learning_rate": "lr", "epochs": "epochs", "batch_size": "batch", "inputs": "inputs"}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _shown(field: str, value):
    """Return a lever's value for the board's tables: the inputs in words, every other lever as it is."""
    if field != "inputs":
        return value
    return lever_value(field, float(value) if isinstance(value, (int, float)) else LEVER_DEFAULTS[field])


def _settings_text(settings: dict) -> str:
    return ", ".join(f"{SHORT_NAMES[field]} {lever_value(field, settings[field])}" for field, _ in LEVERS
                     if isinstance(settings.get(field), (int, float)))


def _board_posts(posts: list[RoomPost]) -> list[BoardPost]:
    return [board_post(post) for post in posts]


def _shared_by(posts: list[RoomPost]) -> dict[int, int]:
    """Return, per post id, how many learners posted the very same training."""
    identities = {post.id: training_identity(board_post(post)) for post in posts}
    learners: dict[str, set[str]] = {}
    for post in posts:
        learners.setdefault(identities[post.id], set()).add(post.nickname)
    return {post_id: len(learners[identity]) for post_id, identity in identities.items()}


def _runs_table(posts: list[RoomPost]) -> pd.DataFrame:
    rows, shared_by = [], _shared_by(posts)
    for post in posts:
        row = {"nickname": post.nickname, "lesson": post.lesson or "Train", "data": post.settings.get("data")}
        row.update({name: _shown(field, post.settings.get(field)) for field, name in LEVERS})
        row["seed"] = post.settings.get("seed")
        row["learners on this training"] = shared_by[post.id]
        row["score"] = post.scores.get("score")
        row["test MSE"] = post.scores.get("test_mse")
        row["skill vs last value"] = post.scores.get("skill_last_value")
        row["seconds"] = post.scores.get("seconds")
        row["open on Inside"] = inside_link(post.run_id) if post.run_id else None
        rows.append(row)
    return pd.DataFrame(rows)


def board_csv(table: pd.DataFrame) -> str:
    """Return the board's runs as CSV text, every cell as plain text."""
    out = io.StringIO()
    table.to_csv(out, index=False, quoting=csv.QUOTE_NONNUMERIC)
    return out.getvalue()


def _experiments_frame(board_posts: list[BoardPost]) -> pd.DataFrame:
    rows = []
    for experiment in experiments_table(board_posts):
        row = {name: _shown(field, experiment.settings.get(field)) for field, name in LEVERS}
        row.update({"seeds": experiment.count, "learners": experiment.learners, "mean score": experiment.mean_score,
                    "spread over seeds": experiment.spread})
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class BoardView:
    """Everything the board draws from one set of posts, computed once for every screen that shows it."""

    window: LeverVerdict  # the window's verdict, which the board's question waits for
    caption: str
    judged: str  # which runs the levers are judged on, in words
    figure: object | None  # None: no run of the Train page to judge
    figure_words: str  # the figure's summary, from the same trainings and verdicts
    verdicts: pd.DataFrame  # by lever
    latest: pd.DataFrame  # by nickname
    experiments: pd.DataFrame
    runs: pd.DataFrame
    csv: str


@st.cache_resource(max_entries=64, show_spinner=False)
def _board_view(code: str, shown: tuple, root: str, window_shown: bool, _posts: list[RoomPost]) -> BoardView:
    # root is in the key because the runs' Inside links are made of it.
    posts = _posts
    learners = len({post.nickname for post in posts})
    judged, data = judged_posts(posts)
    board_posts = _board_posts(judged)
    verdicts = judge_levers(board_posts)
    window_verdict = next(verdict for verdict in verdicts if verdict.lever == "seq_length")
    if not window_shown:
        verdicts = [replace(verdict, verdict=ASKED_FIRST, words=ASKED_FIRST_WORDS) if verdict.lever == "seq_length"
                    else verdict for verdict in verdicts]
    latest = list(reversed(posts[-LATEST_SHOWN:]))
    runs, shared_by = _runs_table(posts), _shared_by(posts)
    if judged:
        others, trainings = len(posts) - len(judged), distinct_trainings(board_posts)
        judged_text = (f"The levers are judged on the {_count(len(judged), 'Train run')} on {data}, which are "
                       f"{_count(len(trainings), 'distinct training')}: a training shared or reopened counts once"
                       + (f"; {_count(others, 'other run')} (lessons, or other data) are listed below but not "
                          f"judged." if others else "."))
        score_basis = judged[-1].scores.get("score_basis", "noise floor")
        figure = lever_figure(trainings, verdicts, score_basis)
        figure_words = lever_summary(trainings, verdicts, score_basis)
    else:
        judged_text, figure, figure_words = "No run of the Train page yet: the levers are judged on those.", None, ""
    return BoardView(
        window_verdict,
        f"{_count(len(posts), 'run')} by {_count(learners, 'learner')}", judged_text, figure, figure_words,
        pd.DataFrame({"verdict": [v.verdict for v in verdicts], "why": [markdown_escaped(v.words) for v in verdicts]},
                     index=pd.Index([v.name for v in verdicts], name="lever")),
        pd.DataFrame({"settings": [markdown_escaped(_settings_text(post.settings)) for post in latest],
                      "seed": [str(post.settings.get("seed", "")) for post in latest],
                      "learners on this training": [shared_by[post.id] for post in latest],
                      "score": [f"{post.scores.get('score', math.nan):.3f}" for post in latest]},
                     index=pd.Index([markdown_escaped(post.nickname) for post in latest], name="nickname")),
        _experiments_frame(board_posts), runs, board_csv(runs))


def board_view(code: str, posts: list[RoomPost], window_shown: bool = True) -> BoardView:
    """Return the board of these posts, computed once per room and set of posts for every screen projecting it.

    Until window_shown, the window's verdict is left out of the picture and the table: the class answers first.
    """
    return _board_view(code, tuple(post.id for post in posts), app_root_url(), window_shown, posts)


def board_refresh_seconds() -> float:
    """Return how often this session's board redraws itself: each second for the teacher's, less for a learner's."""
    return BOARD_REFRESH_SECONDS if rooms.teacher_secret() else LEARNER_BOARD_REFRESH_SECONDS


def board(room: Room) -> None:
    """Draw the room's board: the levers' picture and verdicts, the experiments and every run; return None."""
    store = rooms.room_store()
    try:
        posts = store.posts(room.code) if store is not None else []
    except StoreError:
        st.warning(rooms.why_not_open(RoomNotOpen.UNREACHABLE))
        return
    if room.prompt:
        st.info(markdown_escaped(room.prompt), icon=":material/campaign:")
    state = answers.room_state()
    window_shown = window_verdict_shown(state)
    view = board_view(room.code, posts, window_shown) if posts else None
    verdicts = judge_levers([]) if view is None else [view.window]
    class_question(room, verdicts, state, teacher=rooms.teacher_secret() is not None)
    if view is None:
        st.info("No run on the board yet. Every run a learner in this room finishes on Train appears here within "
                f"{LIVE_REFRESH_SECONDS + board_refresh_seconds():g} seconds.", icon=":material/hourglass_empty:")
        return
    st.caption(f"{view.caption}; the board refreshes itself every {board_refresh_seconds():g} s.")
    st.caption(markdown_escaped(view.judged))
    if view.figure is not None:
        show_chart(view.figure, key="board_levers", summary=view.figure_words)
    st.subheader("Which levers mattered")
    st.caption("Each lever is judged on runs that differ in that lever alone, against how far runs with the very "
               "same settings and another seed move apart.")
    fields_table(view.verdicts, "verdict", key="board_verdicts")
    st.subheader("Latest runs")
    fields_table(view.latest, "run", key="board_latest")
    st.subheader("Experiments, best first")
    st.dataframe(view.experiments, hide_index=True, width="stretch",
                 column_config=number_columns(view.experiments[["mean score", "spread over seeds"]], "%.3f"))
    st.subheader("Every run")
    st.dataframe(view.runs, hide_index=True, width="stretch",
                 column_config={"open on Inside": st.column_config.LinkColumn("open on Inside", display_text="open"),
                                **number_columns(view.runs[["score", "test MSE", "skill vs last value", "seconds"]],
                                                 "%.3f")})
    st.download_button("The board as CSV", view.csv, file_name=f"lstm_lens_room_{room.code}.csv",
                       mime="text/csv", on_click="ignore", key="board_csv")


def teacher_controls(room: Room, secret: str) -> None:
    """Draw the teacher's controls: the prompt, hiding a run or a nickname, closing the room; return None."""
    store = rooms.room_store()
    if store is None:
        return
    with st.expander("Teacher's controls", expanded=False, icon=":material/admin_panel_settings:"):
        with st.form("room_prompt", border=False):
            prompt = st.text_input("A prompt every learner in the room sees", value=room.prompt, max_chars=300,
                                   placeholder="e.g. vary the window length only")
            if st.form_submit_button("Show this prompt"):
                store.set_prompt(room.code, secret, prompt)
                st.rerun()
        everything = store.posts(room.code, include_hidden=True)
        if everything:
            labels = {post.id: f"#{post.id} · {post.nickname} · score {post.scores.get('score', math.nan):.3f}"
                      + (" (hidden)" if post.hidden else "") for post in everything}
            chosen = st.selectbox("A run", list(labels), format_func=labels.__getitem__, key="teacher_run")
            hidden = next(post.hidden for post in everything if post.id == chosen)
            if st.button("Show this run again" if hidden else "Hide this run", key="teacher_hide_run") \
                    and chosen is not None:
                store.hide_post(room.code, secret, chosen, hidden=not hidden)
                st.rerun()
            names = sorted({post.nickname for post in everything})
            name = st.selectbox("A nickname", names, key="teacher_nickname")
            name_hidden = name in room.hidden_nicknames
            if st.button("Show this nickname's runs again" if name_hidden else "Hide this nickname's runs",
                         key="teacher_hide_nickname"):
                store.hide_nickname(room.code, secret, name, hidden=not name_hidden)
                st.rerun()
        if st.button("Close the room", type="primary", key="teacher_close"):
            store.close_room(room.code, secret)
            st.rerun()
        delete_room_control()


def delete_room_control() -> None:
    """Draw the teacher's way to delete the room's data now, behind a confirmation; return None."""
    retention = store_limits().retention_days
    st.caption("Deleting the room removes its board at once: every post, nickname, answer and the pacing. The "
               "runs themselves stay, without nicknames, for whoever holds their links, until nobody opened them "
               f"for {retention:g} days.")
    sure = st.checkbox("Yes, delete this room's data for everyone", key="teacher_delete_sure")
    if st.button("Delete the room now", key="teacher_delete", disabled=not sure, icon=":material/delete:"):
        if not rooms.delete_room():
            st.error("The room could not be deleted: it is gone already, or this is not its teacher's link.")
            return
        st.rerun()
