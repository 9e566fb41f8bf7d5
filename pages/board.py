"""The class board: every run of the room, which levers mattered, and the teacher's controls."""

import streamlit as st

from lstm_core.store.rooms import Room, RoomNotOpen
from lstm_core.ui import navigation, rooms
from lstm_core.ui.board import board, board_refresh_seconds, room_panel, teacher_controls
from lstm_core.ui.class_question import question_controls
from lstm_core.ui.pacing import pacing_controls

navigation.require_app("pages/board.py")
st.title("Class board")


def live_board() -> None:
    """Draw the board; run as a fragment that redraws itself, so a run appears soon after it finishes."""
    current = rooms.current_room()
    if isinstance(current, Room):
        board(current)
    else:
        st.warning(rooms.why_not_open(current or RoomNotOpen.UNKNOWN))


room = rooms.current_room()
if room is None:
    st.caption("The board shows the runs of a class's room. Open a room, or join one with its code.")
    room_panel()
elif not isinstance(room, Room):
    st.warning(rooms.why_not_open(room), icon=":material/meeting_room:")
    if st.button("Leave this room"):
        rooms.leave_room()
        st.rerun()
else:
    secret = rooms.teacher_secret()
    if secret:
        teacher_controls(room, secret)
        pacing_controls(room, secret)
        question_controls(room, secret)
    st.text(f"Room {room.code}")
    # The projected board (the teacher's) keeps up within a second; a learner's own copy every few seconds.
    st.fragment(live_board, run_every=board_refresh_seconds())()
