"""Learners' answers and rooms' pacing states on SQLite and PostgreSQL: one answer per learner, rooms kept apart."""

import threading

import pytest
import sqlalchemy as sa

from lstm_core.store import migrations, schema, schema_v3
from lstm_core.store import rooms as store_rooms
from lstm_core.store.answers import ANSWER_LENGTH, AnswerStore
from lstm_core.store.room_states import Push, RoomState, RoomStateStore, exit_question_key
from lstm_core.store.rooms import RoomStore
from lstm_core.store.runs import RunStore, StoreLimits

ANN, BEN, CAL = "a" * 22, "b" * 22, "c" * 22
QUESTION = "board/longer-window"
DAY = 86400.0
NEW_TABLES = {"answers", "room_states"}


@pytest.fixture
def answers(store):
    return AnswerStore(store)


@pytest.fixture
def room_store(store):
    return RoomStore(store)


@pytest.fixture
def states(store):
    return RoomStateStore(store)


def count(store: RunStore, table: sa.Table) -> int:
    """Return how many rows a table of the store holds."""
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_a_new_answer_replaces_the_learners_old_one_in_a_room_and_alone(store, answers, room_store):
    code = room_store.open_room().code
    assert answers.record(code, ANN, QUESTION, "helps", nickname="Ann")
    assert answers.record(code, ANN, QUESTION, "no difference", payload={"points": [[1, 0.5]]}, nickname="Ann")
    found = answers.answer(code.lower(), ANN, QUESTION)
    assert (found.answer, found.payload, found.nickname, found.room_code) == (
        "no difference", {"points": [[1, 0.5]]}, "Ann", code)
    assert answers.record(None, ANN, QUESTION, "helps")
    assert answers.record(None, ANN, QUESTION, "hurts")
    assert answers.answer(None, ANN, QUESTION).answer == "hurts"
    assert count(store, schema.answers) == 2, "one row per learner, question and room (no room counts as one)"
    assert answers.answer(None, BEN, QUESTION) is None and answers.answer(code, BEN, QUESTION) is None


def test_the_tally_counts_each_learner_once_by_their_latest_answer(answers, room_store):
    code = room_store.open_room().code
    for learner, answer in ((ANN, "helps"), (BEN, "helps"), (CAL, "hurts"), (ANN, "no difference")):
        assert answers.record(code, learner, QUESTION, answer)
    assert answers.tally(code, QUESTION) == {"helps": 1, "hurts": 1, "no difference": 1}
    assert answers.record(code, CAL, QUESTION, "helps")
    assert list(answers.tally(code, QUESTION).items()) == [("helps", 2), ("no difference", 1)]
    assert answers.tally(code, "another/question") == {} and answers.tally("not a code", QUESTION) == {}


def test_a_rooms_answers_are_seen_in_that_room_only(answers, room_store):
    first, second = room_store.open_room().code, room_store.open_room().code
    assert answers.record(first, ANN, QUESTION, "helps")
    assert answers.record(first, BEN, "exit/1/1", "the forget gate")
    assert answers.tally(second, QUESTION) == {} and answers.room_answers(second, "") == []
    assert answers.answer(second, ANN, QUESTION) is None and answers.learners_answers(second, ANN) == {}
    assert answers.answer(None, ANN, QUESTION) is None, "an answer in a room is not the learner's answer alone"
    assert answers.tally(first, QUESTION) == {"helps": 1}
    assert [a.answer for a in answers.room_answers(first, "exit/")] == ["the forget gate"]
    assert answers.room_questions(first) == [QUESTION, "exit/1/1"] and answers.room_questions(second) == []


def test_a_closed_or_expired_room_takes_no_answer(answers, room_store, monkeypatch):
    opened = room_store.open_room(lifetime_hours=1)
    assert room_store.close_room(opened.code, opened.teacher_secret)
    assert not answers.record(opened.code, ANN, QUESTION, "helps")
    later = room_store.open_room(lifetime_hours=1)
    now = store_rooms.time.time()
    monkeypatch.setattr("lstm_core.store.answers.time.time", lambda: now + 2 * 3600)
    assert not answers.record(later.code, ANN, QUESTION, "helps")
    assert answers.tally(opened.code, QUESTION) == {} == answers.tally(later.code, QUESTION)


def test_malformed_answers_are_refused_the_same_on_both_databases(answers, room_store):
    code = room_store.open_room().code
    bad = [dict(learner_id="Ann"), dict(learner_id="a" * 21), dict(question=""), dict(question="a b"),
           dict(question="q" * 81), dict(answer="x" * (ANSWER_LENGTH + 1)), dict(answer="nul\x00"),
           dict(payload=[1, 2]), dict(payload={"x": float("nan")}), dict(payload={"x": "nul\x00"}),
           dict(room_code="IIIIII")]
    for change in bad:
        arguments = dict(room_code=code, learner_id=ANN, question=QUESTION, answer="helps") | change
        with pytest.raises(ValueError):
            answers.record(**arguments)
    assert answers.tally(code, QUESTION) == {}
    assert answers.record(code, ANN, QUESTION, "<b>**bold**</b>", nickname="<script>x</script> " + "y" * 40)
    found = answers.answer(code, ANN, QUESTION)
    assert found.answer == "<b>**bold**</b>" and found.nickname == ("<script>x</script> " + "y" * 40)[:32]


def test_a_learners_answers_by_prefix_come_back_after_the_store_is_reopened(store_url, room_store, store):
    code = room_store.open_room().code
    AnswerStore(store).record(code, ANN, "guide/progress", "7")
    AnswerStore(store).record(code, ANN, "exit/1/1", "gates")
    AnswerStore(store).record(code, ANN, "exit/1/2", "the window")
    AnswerStore(store).record(code, ANN, "exit_1", "not an exit ticket's key: '_' is no wildcard")
    store.close()
    again = RunStore(store_url, limits=StoreLimits())
    found = AnswerStore(again).learners_answers(code, ANN, "exit/")
    assert {key: a.answer for key, a in found.items()} == {"exit/1/1": "gates", "exit/1/2": "the window"}
    assert AnswerStore(again).answer(code, ANN, "guide/progress").answer == "7"
    again.close()


def test_answers_at_once_from_many_learners_are_all_kept_once(answers, room_store):
    code = room_store.open_room().code
    learners = [f"{n:022d}" for n in range(20)]
    errors = []

    def answer(learner: str, text: str) -> None:
        try:
            answers.record(code, learner, QUESTION, text)
        except Exception as exc:  # collected: the assertion below names it
            errors.append(exc)
    threads = [threading.Thread(target=answer, args=(learner, text)) for learner in learners
               for text in ("helps", "hurts")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(answers.tally(code, QUESTION).values()) == 20


def test_a_rooms_answers_and_state_go_with_the_room_and_answers_alone_after_retention(store, answers, room_store,
                                                                                       states):
    opened = room_store.open_room()
    answers.record(opened.code, ANN, QUESTION, "helps")
    states.push(opened.code, opened.teacher_secret, "page", "pages/model.py")
    answers.record(None, BEN, QUESTION, "helps")
    room_store.close_room(opened.code, opened.teacher_secret)
    assert room_store.evict(now=store_rooms.time.time() + 40 * DAY) == [opened.code]
    assert count(store, schema.room_states) == 0 and answers.tally(opened.code, QUESTION) == {}
    assert answers.evict(retention_days=1) == 0 and answers.answer(None, BEN, QUESTION) is not None
    assert answers.evict(now=store_rooms.time.time() + 2 * DAY, retention_days=1) == 1
    assert count(store, schema.answers) == 0


def test_only_the_teacher_changes_the_rooms_state_and_each_change_counts(room_store, states):
    opened, other = room_store.open_room(), room_store.open_room()
    code, secret = opened.code, opened.teacher_secret
    assert states.state(code) == RoomState()
    assert states.push(code, other.teacher_secret, "page", "pages/model.py") is None
    assert states.push(code, secret, "page", "pages/model.py").push == Push("page", "pages/model.py", 1)
    pushed = states.push(code.lower(), secret, "preset", "Quick demo")
    assert pushed.push == Push("preset", "Quick demo", 2) and pushed.version == 2
    locked = states.set_levers(code, secret, locked=("units", "seq_length", "units"), hidden=("dropout",))
    assert (locked.locked_levers, locked.hidden_levers) == (("seq_length", "units"), ("dropout",))
    assert states.reveal(code, secret, QUESTION).revealed == (QUESTION,)
    assert states.reveal(code, secret, "other").revealed == (QUESTION, "other")
    assert states.reveal(code, secret, QUESTION, revealed=False).revealed == ("other",)
    asked = states.ask(code, secret, QUESTION, show_nicknames=True)
    assert (asked.question, asked.show_nicknames) == (QUESTION, True)
    ticket = states.open_exit_ticket(code, secret, ["What does f do?", "  Which  lever mattered? ", ""])
    assert ticket.exit_ticket == ("What does f do?", "Which lever mattered?") and ticket.exit_number == 1
    assert ticket.exit_open
    assert exit_question_key(ticket.exit_number, 1) == "exit/1/2"
    with pytest.raises(ValueError, match="two or three"):
        states.open_exit_ticket(code, secret, ["one only"])
    with pytest.raises(ValueError):
        states.push(code, secret, "everything", "x")
    closed = states.close_exit_ticket(code, secret)
    assert not closed.exit_open and closed.exit_ticket == ticket.exit_ticket and closed.version == 9
    assert states.state(code) == closed and states.state(other.code) == RoomState()
    assert room_store.close_room(code, secret)
    assert states.push(code, secret, "page", "pages/model.py") is None, "a closed room is paced no more"
    assert states.state(code) == closed


@pytest.fixture
def schema_3_store(store_url):
    """Return the URL of a schema-3 store with a room, its post and its code: today's store without answers."""
    store = RunStore(store_url, limits=StoreLimits())
    rooms = RoomStore(store)
    code = rooms.open_room().code
    rooms.post(code, "ann", {"units": 16}, {"score": 0.5})
    store.close()
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        for table in (schema.answers, schema.room_states):
            table.drop(connection)
        connection.execute(schema.schema_info.update().values(version=3))
    engine.dispose()
    return store_url, code


def table_names(url: str) -> set[str]:
    """Return the names of a database's tables."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        names = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    return names


def described(table: sa.Table) -> list[tuple]:
    """Return what defines each column of a table: name, type, nulls, key, index, default, foreign keys."""
    return [(c.name, str(c.type), c.nullable, c.primary_key, c.index,
             None if c.server_default is None else str(c.server_default.arg),
             sorted((key.target_fullname, key.ondelete) for key in c.foreign_keys)) for c in table.columns]


def test_schema_3_is_frozen_as_todays_tables_of_runs_and_rooms():
    assert set(schema_v3.metadata.tables) == set(schema.metadata.tables) - NEW_TABLES
    for frozen in schema_v3.metadata.sorted_tables:
        assert described(frozen) == described(schema.metadata.tables[frozen.name]), frozen.name


def test_a_schema_3_store_migrates_and_keeps_its_rooms(schema_3_store):
    url, code = schema_3_store
    assert not table_names(url) & NEW_TABLES
    store = RunStore(url, limits=StoreLimits())
    assert store.schema_version() == 4 and NEW_TABLES <= table_names(url)
    assert [post.nickname for post in RoomStore(store).posts(code)] == ["ann"]
    assert AnswerStore(store).record(code, ANN, QUESTION, "helps")
    store.close()
    again = RunStore(url, limits=StoreLimits())
    assert AnswerStore(again).tally(code, QUESTION) == {"helps": 1}
    again.close()


def test_a_migration_to_4_that_fails_leaves_the_schema_3_store_as_it_was(schema_3_store, monkeypatch):
    url, code = schema_3_store
    real_step = migrations.STEPS[3]

    class Broken(RuntimeError):
        pass

    def step_then_fail(connection):
        real_step(connection)
        raise Broken("killed just before the commit")
    monkeypatch.setitem(migrations.STEPS, 3, step_then_fail)
    with pytest.raises(Broken):
        RunStore(url, limits=StoreLimits())
    monkeypatch.undo()
    assert not table_names(url) & NEW_TABLES
    store = RunStore(url, limits=StoreLimits())
    assert store.schema_version() == 4 and [post.nickname for post in RoomStore(store).posts(code)] == ["ann"]
    store.close()

