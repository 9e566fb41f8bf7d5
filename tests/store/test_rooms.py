"""Classroom rooms on SQLite and PostgreSQL: codes a class can type, posts kept apart, the teacher's controls."""

import hashlib
import threading

import pytest
import sqlalchemy as sa

from lstm_core.config import ModelConfig
from lstm_core.store import migrations, schema, schema_v2
from lstm_core.store import rooms as store_rooms
from lstm_core.store import runs as store_runs
from lstm_core.store.rooms import CODE_LENGTH, JOIN_ALPHABET, OpenedRoom, Room, RoomNotOpen, RoomPost, RoomStore
from lstm_core.store.runs import RunStore, StoreLimits
from lstm_core.training.protocol import TrainingResult

CFG = ModelConfig(seq_length=8, units=4, layers=2, dense_units=3, dropout=0.0, epochs=2, batch_size=32)
SPEC = {"kind": "generated"}
FAILED = TrainingResult("failed", "The loss became NaN at epoch 1, batch 3: try a smaller learning rate.")
SETTINGS = {"units": 16, "layers": 2, "learning_rate": 0.001, "cell": "lstm"}
SCORES = {"test_mse": 0.0123, "score": 0.87, "score_basis": "noise floor", "skill_last_value": 0.42,
          "skill_linear": -0.05, "seconds": 3.25}
HOUR, DAY = 3600.0, 86400.0
ROOM_TABLES = {"rooms", "room_posts"}


@pytest.fixture
def room_store(store):
    return RoomStore(store)


@pytest.fixture
def clock(monkeypatch):
    """Return a settable clock that the stores read as time.time()."""
    now = [1_000_000.0]
    monkeypatch.setattr(store_rooms.time, "time", lambda: now[0])
    return now


def count(store: RunStore, table: sa.Table) -> int:
    """Return how many rows a table of the store holds."""
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def nicknames(posts: list[RoomPost]) -> list[str]:
    """Return the posts' nicknames, in their order."""
    return [post.nickname for post in posts]


def test_a_room_opens_and_is_found_by_its_code_with_only_its_secrets_hash_stored(store, room_store, clock):
    opened = room_store.open_room()
    assert isinstance(opened, OpenedRoom) and len(opened.teacher_secret) >= 32
    assert room_store.room(opened.code) == Room(opened.code, clock[0], clock[0] + 10 * HOUR, None, "", ())
    assert room_store.is_teacher(opened.code, opened.teacher_secret)
    assert room_store.posts(opened.code) == []
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(schema.rooms)).one()
    assert row.teacher_hash == hashlib.sha256(opened.teacher_secret.encode()).hexdigest()
    assert all(opened.teacher_secret not in str(value) for value in row)
    short = room_store.open_room(lifetime_hours=0.5)
    assert room_store.room(short.code).expires_at == clock[0] + 0.5 * HOUR
    for lifetime in (0, -1, float("nan"), float("inf"), "10"):
        with pytest.raises(ValueError, match="positive number of hours"):
            room_store.open_room(lifetime_hours=lifetime)


def test_codes_are_six_characters_of_an_alphabet_without_look_alikes(room_store):
    assert not set("ILO01") & set(JOIN_ALPHABET) and len(set(JOIN_ALPHABET)) == len(JOIN_ALPHABET) == 31
    codes = [room_store.open_room().code for _ in range(40)]
    assert len(set(codes)) == 40
    assert all(len(code) == CODE_LENGTH == 6 and set(code) <= set(JOIN_ALPHABET) for code in codes)


def test_a_code_already_taken_is_drawn_again(room_store, monkeypatch):
    draws = iter("AAAAAA" "AAAAAA" "BBBBBB")
    monkeypatch.setattr(store_rooms.secrets, "choice", lambda _alphabet: next(draws))
    first, second = room_store.open_room(), room_store.open_room()
    assert (first.code, second.code) == ("AAAAAA", "BBBBBB")
    assert not room_store.is_teacher("AAAAAA", second.teacher_secret)


def test_a_code_is_found_whatever_its_case_spaces_and_dashes(room_store):
    opened = room_store.open_room()
    code = opened.code
    for typed in (code.lower(), f" {code[:3]}-{code[3:]} ", f"{code[:3].lower()} {code[3:]}", "-".join(code),
                  f"\t{code}\n"):
        assert isinstance(room_store.room(typed), Room) and room_store.room(typed).code == code, typed
        assert room_store.is_teacher(typed, opened.teacher_secret), typed
    assert room_store.post(code.lower(), "ann", SETTINGS, SCORES) is not None
    assert nicknames(room_store.posts(f"{code[:3]}-{code[3:]}")) == ["ann"]
    assert room_store.set_prompt(code.lower(), opened.teacher_secret, "Beat the linear baseline.")
    assert room_store.room(code).prompt == "Beat the linear baseline."


def test_malformed_and_never_opened_codes_are_unknown(room_store):
    opened = room_store.open_room()
    code = opened.code
    never = next(c * CODE_LENGTH for c in JOIN_ALPHABET if c * CODE_LENGTH != code)
    long_s = code.replace("S", "\u017f") if "S" in code else "\u017f" + code[1:]  # upper-cases to S
    for forged in ["", "A", code[:-1], code + "A", code[:-1] + "0", code[:-1] + "I", "OOOOOO", "111111", long_s,
                   "' OR 1=1 --", "%%%%%%", "______", None, 42, never]:
        assert room_store.room(forged) is RoomNotOpen.UNKNOWN, forged
        assert room_store.posts(forged) == [] and room_store.post(forged, "ann", SETTINGS, SCORES) is None, forged
        assert not room_store.is_teacher(forged, opened.teacher_secret), forged
        assert not room_store.close_room(forged, opened.teacher_secret), forged
    assert isinstance(room_store.room(code), Room)


def test_an_expired_room_says_so_and_refuses_posts_and_controls(room_store, clock):
    opened = room_store.open_room(lifetime_hours=1)
    code, secret = opened.code, opened.teacher_secret
    post_id = room_store.post(code, "ann", SETTINGS, SCORES)
    clock[0] += HOUR - 1
    assert isinstance(room_store.room(code), Room)
    clock[0] += 1
    assert room_store.room(code) is RoomNotOpen.EXPIRED
    assert room_store.post(code, "bob", SETTINGS, SCORES) is None
    assert not room_store.set_prompt(code, secret, "too late")
    assert not room_store.hide_post(code, secret, post_id)
    assert not room_store.hide_nickname(code, secret, "ann")
    assert not room_store.close_room(code, secret)
    assert room_store.is_teacher(code, secret), "the secret is still the teacher's, the room is over"
    assert nicknames(room_store.posts(code)) == ["ann"], "what was posted can still be read"


def test_a_room_with_a_tiny_lifetime_expires_by_the_real_clock(room_store):
    import time

    code = room_store.open_room(lifetime_hours=0.05 / 3600).code  # 50 ms
    time.sleep(0.1)
    assert room_store.room(code) is RoomNotOpen.EXPIRED and room_store.post(code, "ann", SETTINGS, SCORES) is None


def test_a_closed_room_says_so_and_refuses_posts_and_controls(room_store):
    opened = room_store.open_room()
    code, secret = opened.code, opened.teacher_secret
    post_id = room_store.post(code, "ann", SETTINGS, SCORES)
    assert room_store.close_room(code, secret)
    assert room_store.room(code) is RoomNotOpen.CLOSED
    assert room_store.post(code, "bob", SETTINGS, SCORES) is None
    assert not room_store.close_room(code, secret)
    assert not room_store.set_prompt(code, secret, "after the bell")
    assert not room_store.hide_post(code, secret, post_id)
    assert not room_store.hide_nickname(code, secret, "ann")
    assert [post.id for post in room_store.posts(code)] == [post_id]


def test_a_wrong_teacher_secret_changes_nothing(store, room_store):
    opened, other = room_store.open_room(), room_store.open_room()
    code = opened.code
    post_id = room_store.post(code, "ann", SETTINGS, SCORES)
    before = room_store.room(code)
    for wrong in ["", "x", opened.teacher_secret[:-1], opened.teacher_secret + "x", opened.teacher_secret.upper(),
                  other.teacher_secret, hashlib.sha256(opened.teacher_secret.encode()).hexdigest(), None, 42]:
        assert not room_store.is_teacher(code, wrong), wrong
        assert not room_store.set_prompt(code, wrong, "hacked"), wrong
        assert not room_store.hide_post(code, wrong, post_id), wrong
        assert not room_store.hide_nickname(code, wrong, "ann"), wrong
        assert not room_store.close_room(code, wrong), wrong
    assert room_store.room(code) == before
    assert [(post.id, post.hidden) for post in room_store.posts(code, include_hidden=True)] == [(post_id, False)]


def test_posts_round_trip_with_their_settings_scores_and_run_oldest_first(store, room_store, clock):
    code = room_store.open_room().code
    run_id = store.save(FAILED, CFG, SPEC, lesson="film")
    first = room_store.post(code, "ann", SETTINGS, SCORES, run_id=run_id, training="wide", lesson="film")
    clock[0] += 5
    last_value = SCORES | {"score_basis": "last value", "score": -0.25}
    second = room_store.post(code, "bob", {}, last_value)
    assert isinstance(first, int) and isinstance(second, int) and first != second
    assert room_store.posts(code) == [
        RoomPost(first, code, 1_000_000.0, "ann", run_id, "wide", "film", SETTINGS, SCORES, False),
        RoomPost(second, code, 1_000_005.0, "bob", None, None, None, {}, last_value, False)]
    assert store.load(room_store.posts(code)[0].run_id).lesson == "film", "a post opens the run it names"


def test_a_post_with_a_bad_field_is_refused_in_words_and_not_stored(store, room_store):
    code = room_store.open_room().code
    for nickname, settings, scores, named in [
            ("   ", SETTINGS, SCORES, {}), (None, SETTINGS, SCORES, {}), ("a\x00b", SETTINGS, SCORES, {}),
            ("ann", [1], SCORES, {}), ("ann", SETTINGS, None, {}), ("ann", SETTINGS, SCORES, {"run_id": "short"}),
            ("ann", SETTINGS, SCORES, {"training": "t" * 41}), ("ann", SETTINGS, SCORES, {"lesson": 7})]:
        with pytest.raises(ValueError):
            room_store.post(code, nickname, settings, scores, **named)
    assert count(store, schema.room_posts) == 0


def test_the_teacher_hides_and_shows_posts_and_nicknames(room_store):
    opened = room_store.open_room()
    code, secret = opened.code, opened.teacher_secret
    ann, bob = room_store.post(code, "ann", SETTINGS, SCORES), room_store.post(code, "bob", SETTINGS, SCORES)
    assert room_store.hide_post(code, secret, bob)
    assert nicknames(room_store.posts(code)) == ["ann"]
    assert [(post.nickname, post.hidden) for post in room_store.posts(code, include_hidden=True)] == [
        ("ann", False), ("bob", True)]
    assert room_store.hide_post(code, secret, bob, hidden=False)
    assert nicknames(room_store.posts(code)) == ["ann", "bob"]

    assert room_store.hide_nickname(code, secret, " ann ")
    room_store.post(code, "ann", SETTINGS, SCORES)  # a later post of a hidden nickname is hidden too
    assert room_store.room(code).hidden_nicknames == ("ann",)
    assert nicknames(room_store.posts(code)) == ["bob"]
    assert nicknames(room_store.posts(code, include_hidden=True)) == ["ann", "bob", "ann"]
    assert room_store.hide_nickname(code, secret, "ann")  # twice: still listed once
    assert room_store.room(code).hidden_nicknames == ("ann",)
    assert room_store.hide_nickname(code, secret, "ann", hidden=False)
    assert room_store.room(code).hidden_nicknames == ()
    assert nicknames(room_store.posts(code)) == ["ann", "bob", "ann"]
    assert room_store.posts(code)[0].id == ann

    other = room_store.open_room()
    other_post = room_store.post(other.code, "eve", SETTINGS, SCORES)
    assert not room_store.hide_post(code, secret, other_post), "a post of another room is not this teacher's"
    assert not room_store.hide_post(code, secret, 10**9) and not room_store.hide_post(code, secret, "1")
    assert nicknames(room_store.posts(other.code)) == ["eve"]


def test_a_prompt_is_set_and_cut_to_three_hundred_characters(room_store):
    opened = room_store.open_room()
    assert room_store.set_prompt(opened.code, opened.teacher_secret, "<b>Beat</b> **0.1**" + "x" * 400)
    prompt = room_store.room(opened.code).prompt
    assert len(prompt) == 300 and prompt.startswith("<b>Beat</b> **0.1**")
    with pytest.raises(ValueError):
        room_store.set_prompt(opened.code, opened.teacher_secret, None)


def test_nicknames_are_stored_as_typed_text_stripped_and_cut(room_store):
    code = room_store.open_room().code
    typed = ["<img src=x onerror=alert(1)>", "**bold**", "  Zoë 🦊  ", "x" * 100, "a" * 31 + " b",
             "<img src=x onerror=alert(document.cookie)>"]
    for nickname in typed:
        room_store.post(code, nickname, SETTINGS, SCORES)
    # Markup is text like any other: kept character for character, and cut at 32 characters like any other.
    assert nicknames(room_store.posts(code)) == ["<img src=x onerror=alert(1)>", "**bold**", "Zoë 🦊", "x" * 32,
                                                 "a" * 31, "<img src=x onerror=alert(documen"]


def test_a_short_markup_nickname_comes_back_character_for_character(room_store):
    code = room_store.open_room().code
    for nickname in ["<img src=x>", "<b>x</b>", "**bold**", "&lt;", "'; DROP TABLE rooms; --", "[a](javascript:x)"]:
        room_store.post(code, nickname, SETTINGS, SCORES)
    assert nicknames(room_store.posts(code)) == [
        "<img src=x>", "<b>x</b>", "**bold**", "&lt;", "'; DROP TABLE rooms; --", "[a](javascript:x)"]


def test_one_rooms_posts_never_appear_in_another(room_store):
    a, b = room_store.open_room(), room_store.open_room()
    room_store.post(a.code, "ann", SETTINGS, SCORES)
    room_store.post(b.code, "bob", SETTINGS, SCORES)
    room_store.post(a.code, "amy", SETTINGS, SCORES)
    assert nicknames(room_store.posts(a.code)) == ["ann", "amy"]
    assert nicknames(room_store.posts(b.code)) == ["bob"]
    assert {post.room_code for post in room_store.posts(a.code, include_hidden=True)} == {a.code}
    assert room_store.hide_nickname(b.code, b.teacher_secret, "ann")  # hiding in B hides nothing in A
    assert nicknames(room_store.posts(a.code)) == ["ann", "amy"]


def test_thirty_students_posting_at_once_all_land(room_store):
    code = room_store.open_room().code
    ids, errors = [], []

    def post(index):
        try:
            ids.append(room_store.post(code, f"student {index}", SETTINGS, SCORES | {"score": index / 30}))
        except Exception as exc:  # collected: the assertion below names it
            errors.append(exc)
    threads = [threading.Thread(target=post, args=(index,)) for index in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and None not in ids and len(set(ids)) == 30
    posts = room_store.posts(code)
    assert sorted(post.id for post in posts) == sorted(ids)
    assert sorted(nicknames(posts)) == sorted(f"student {index}" for index in range(30))


def test_rooms_over_for_longer_than_the_retention_go_with_their_posts(store, room_store, clock):
    old, closed = room_store.open_room(lifetime_hours=1), room_store.open_room(lifetime_hours=1000)
    room_store.post(old.code, "ann", SETTINGS, SCORES)
    room_store.post(closed.code, "bob", SETTINGS, SCORES)
    assert room_store.close_room(closed.code, closed.teacher_secret)
    clock[0] += 20 * DAY
    recent = room_store.open_room(lifetime_hours=1)
    room_store.post(recent.code, "cat", SETTINGS, SCORES)
    clock[0] += 10 * DAY
    assert room_store.evict(retention_days=31) == [] and store.evict(retention_days=31) == []
    assert count(store, schema.rooms) == 3, "not yet: each ended under 31 days before"
    # The first two ended 30 days before, the last one 10 days less an hour.
    assert sorted(room_store.evict(retention_days=10)) == sorted([old.code, closed.code])
    assert room_store.room(old.code) is room_store.room(closed.code) is RoomNotOpen.UNKNOWN
    assert room_store.posts(old.code) == room_store.posts(closed.code) == []
    assert room_store.room(recent.code) is RoomNotOpen.EXPIRED and nicknames(room_store.posts(recent.code)) == ["cat"]
    assert count(store, schema.rooms) == count(store, schema.room_posts) == 1


def table_names(url: str) -> set[str]:
    """Return the names of a database's tables."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        names = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    return names


@pytest.fixture
def schema_2_store(store_url):
    """Return the URL of a schema-2 store and the id of its one run: today's store without rooms and answers."""
    store = RunStore(store_url, limits=StoreLimits())
    run_id = store.save(FAILED, CFG, SPEC, lesson="film", training_key="k")
    store.close()
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        for table in (schema.answers, schema.room_states, schema.room_posts, schema.rooms):
            table.drop(connection)
        connection.execute(schema.schema_info.update().values(version=2))
    engine.dispose()
    return store_url, run_id


def test_schema_2_is_frozen_as_todays_tables_of_runs():
    for frozen in schema_v2.metadata.sorted_tables:
        today = schema.metadata.tables[frozen.name]
        described = [[(c.name, str(c.type), c.nullable, c.primary_key, c.index) for c in table.columns]
                     for table in (frozen, today)]
        assert described[0] == described[1], frozen.name


def test_a_schema_2_store_migrates_and_keeps_its_runs(schema_2_store):
    url, run_id = schema_2_store
    assert not table_names(url) & ROOM_TABLES
    store = RunStore(url, limits=StoreLimits())
    assert store.schema_version() == 4 == store_runs.SCHEMA_VERSION
    assert ROOM_TABLES <= table_names(url)
    run = store.load(run_id)
    assert (run.id, run.lesson, run.cfg, run.result.message) == (run_id, "film", CFG, FAILED.message)
    assert store.find_finished("k") is None and store.lookup(run_id).id == run_id
    rooms = RoomStore(store)
    code = rooms.open_room().code
    assert rooms.post(code, "ann", SETTINGS, SCORES, run_id=run_id) is not None
    store.close()
    again = RunStore(url, limits=StoreLimits())
    assert again.schema_version() == 4 and nicknames(RoomStore(again).posts(code)) == ["ann"]
    assert again.load(run_id).id == run_id
    again.close()


def test_a_migration_to_3_that_fails_leaves_the_schema_2_store_as_it_was(schema_2_store, monkeypatch):
    url, run_id = schema_2_store
    real_step = migrations.STEPS[2]

    class Broken(RuntimeError):
        pass

    def step_then_fail(connection):
        real_step(connection)
        raise Broken("killed just before the commit")
    monkeypatch.setitem(migrations.STEPS, 2, step_then_fail)
    with pytest.raises(Broken):
        RunStore(url, limits=StoreLimits())
    monkeypatch.undo()
    assert not table_names(url) & ROOM_TABLES
    store = RunStore(url, limits=StoreLimits())
    assert store.schema_version() == 4 and store.load(run_id).id == run_id
    store.close()


def test_a_post_made_before_its_run_was_stored_gets_the_run_id_once(store, room_store):
    opened = room_store.open_room()
    post_id = room_store.post(opened.code, "Ada", SETTINGS, SCORES)
    run_id = store.save(FAILED, CFG, SPEC)
    assert room_store.attach_run(opened.code.lower(), post_id, run_id)
    assert room_store.posts(opened.code)[0].run_id == run_id
    assert not room_store.attach_run(opened.code, post_id, run_id), "a post's run is given once"
    other = room_store.open_room()
    assert not room_store.attach_run(other.code, post_id, run_id), "only within the post's own room"
    with pytest.raises(ValueError):
        room_store.attach_run(opened.code, post_id, "not an id")


def test_a_rooms_lifetime_comes_from_the_environment():
    assert store_rooms.room_lifetime_hours({}) == store_rooms.DEFAULT_LIFETIME_HOURS
    assert store_rooms.room_lifetime_hours({"LSTM_LENS_ROOM_HOURS": "2.5"}) == 2.5
    with pytest.raises(store_runs.StoreError, match="LSTM_LENS_ROOM_HOURS"):
        store_rooms.room_lifetime_hours({"LSTM_LENS_ROOM_HOURS": "-1"})


def test_its_teacher_deletes_a_room_now_with_its_posts_answers_and_state_and_nobody_else_can(store, room_store):
    from lstm_core.store.answers import AnswerStore
    from lstm_core.store.room_states import RoomStateStore

    answers, states = AnswerStore(store), RoomStateStore(store)
    doomed, kept = room_store.open_room(), room_store.open_room()
    for opened in (doomed, kept):
        room_store.post(opened.code, "ann", SETTINGS, SCORES)
        answers.record(opened.code, "a" * 22, "window", "longer")
        assert states.ask(opened.code, opened.teacher_secret, "window") is not None
    tables = (schema.rooms, schema.room_posts, schema.answers, schema.room_states)
    before = {table.name: count(store, table) for table in tables}
    assert before == {"rooms": 2, "room_posts": 2, "answers": 2, "room_states": 2}

    assert not room_store.delete_room(doomed.code, kept.teacher_secret), "another room's teacher cannot"
    secret = doomed.teacher_secret
    wrong = ("y" if secret[0] == "x" else "x") + secret[1:]  # one character off, never the secret itself
    assert not room_store.delete_room(doomed.code, wrong)
    assert room_store.close_room(doomed.code, doomed.teacher_secret)
    assert room_store.delete_room(doomed.code.lower(), doomed.teacher_secret), "a closed room is deleted too"

    assert {table.name: count(store, table) for table in tables} == {name: 1 for name in before}
    assert room_store.room(doomed.code) is RoomNotOpen.UNKNOWN and room_store.posts(doomed.code) == []
    assert answers.tally(doomed.code, "window") == {} and answers.tally(kept.code, "window") == {"longer": 1}
    assert states.state(kept.code).question == "window"
    assert not room_store.delete_room(doomed.code, doomed.teacher_secret), "gone already"
