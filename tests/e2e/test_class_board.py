"""A class in a room, in real Chromium: a teacher opens it, two learners join and train, the board shows both runs.

Each person is a browser context of their own. The board's verdicts are compared with the judgement computed
here from the runs the room holds in the server's own database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from lstm_core.evaluation.class_answers import HELPS, SAME, WINDOW_QUESTION
from lstm_core.evaluation.levers import judge_levers
from lstm_core.evaluation.posts import board_post
from lstm_core.lessons.guide import STEPS
from lstm_core.store.rooms import RoomStore
from lstm_core.store.runs import RunStore
from lstm_core.ui.pages import PAGES
from lstm_core.ui.widgets import WIDE_TABLE
from tests.e2e.conftest import keep_screenshot
from tests.e2e.fit import PHONE, assert_fits
from tests.e2e.test_lesson_link import choose
from tests.e2e.test_walk import IDLE, TIMEOUT_MS, go_to

pytestmark = pytest.mark.e2e

TRAINING_TIMEOUT_MS = 120_000
BOARD_TIMEOUT_MS = 20_000
VIEWPORT = {"width": 1400, "height": 1000}
TABLET = (768, 1024)  # upright
XSS_NICKNAME = "<img src=x onerror=alert(1)>"
MARKDOWN_NICKNAME = "**bold**"
PUSHED_STEP = 2  # the guide's third step: on Data, away from the Model page the first push sent the class to
PAGES_BY_NAME = {page.name: page for page in PAGES}


@pytest.fixture
def person(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """Yield a function that opens an address as a person of their own (a browser context); close them all after.

    Closed, their sessions end: a board left open would go on refreshing itself on the server the next modules use.
    """
    contexts: list[BrowserContext] = []

    def open_address(address: str) -> Page:
        contexts.append(browser.new_context(viewport=VIEWPORT))
        page = contexts[-1].new_page()
        page.on("dialog", lambda dialog: pytest.fail(f"a script ran from a nickname: {dialog.message}"))
        page.goto(address)
        page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
        return page

    yield open_address
    for context in contexts:
        context.close()


def _open_room(person: Callable[[str], Page], url: str) -> tuple[Page, str, str]:
    """Return the teacher's page after opening a room, the room's code and the teacher link."""
    teacher = person(url)
    teacher.get_by_role("button", name="Teach a class: open a room").click()
    code_shown = teacher.locator('[data-testid="stMetricValue"]').first
    expect(code_shown).to_be_visible(timeout=TIMEOUT_MS)
    code = code_shown.inner_text().strip()
    link = teacher.locator('[data-testid="stCode"]').filter(has_text="teacher=").inner_text().strip()
    return teacher, code, link


def _join_by_code(page: Page, code: str, nickname: str) -> None:
    page.get_by_label("Room code").fill(code.lower())
    page.get_by_label("Your nickname").fill(nickname)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text(f"You are in room {code} as {nickname}.")).to_be_visible(timeout=TIMEOUT_MS)


def _quick_start_and_train(page: Page) -> None:
    page.get_by_role("button", name="Quick start: small preset, then train").click()
    expect(page.locator("h1").first).to_contain_text("Train", timeout=TIMEOUT_MS)
    expect(page.get_by_text("How good is the forecast?")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)


def _warning(page: Page, text: str):
    return page.locator('[data-testid="stAlertContentWarning"]').get_by_text(text, exact=False).first


def _table_rows(page: Page, key: str) -> list[list[str]]:
    """Return the text of every body cell of the board's table of this key as the page shows it, row by row."""
    table = page.locator(f'.st-key-{key}_{WIDE_TABLE} [data-testid="stTable"]')
    expect(table).to_be_visible(timeout=BOARD_TIMEOUT_MS)
    return [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]


def _answer(page: Page, choice: str) -> None:
    go_to(page, "Class board", "Class board")
    question = page.get_by_role("radiogroup", name=WINDOW_QUESTION.text)
    question.get_by_text(choice, exact=True).click(timeout=BOARD_TIMEOUT_MS)
    page.get_by_role("button", name="Answer").click()
    expect(page.get_by_text(f"Your answer: {choice}")).to_be_visible(timeout=BOARD_TIMEOUT_MS)


def _class_answers_and_follows_a_push(board: Page, learners: list[Page], outsider: Page) -> None:
    """The teacher asks the board's question, two learners answer it, the board's tally counts exactly them and the
    other room's board shows nothing of it; then the teacher sends the room to the Model page and both follow."""
    board.get_by_text("Ask the class").click()
    choose(board, "question_on_board", WINDOW_QUESTION.text)
    expect(board.get_by_text("No answer yet.")).to_be_visible(timeout=BOARD_TIMEOUT_MS)
    for page, choice in zip(learners, (HELPS, SAME)):
        _answer(page, choice)
    expect(board.get_by_text(f"{HELPS}: 1; {SAME}: 1; ", exact=False)).to_be_visible(timeout=BOARD_TIMEOUT_MS)
    expect(board.get_by_text("(2 answers).", exact=False)).to_be_visible()
    assert_fits(board, "class board with answers", PHONE)
    assert_fits(learners[0], "class board a learner answered on", PHONE)
    outsider.reload()
    expect(outsider.locator("h1").first).to_have_text("Class board", timeout=TIMEOUT_MS)
    outsider.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    assert outsider.get_by_text(WINDOW_QUESTION.text).count() == 0, "a room's question stays in its room"
    assert outsider.get_by_text("answers).", exact=False).count() == 0

    board.get_by_text("Pace the class").click()
    choose(board, "pace_page", "Model")
    board.get_by_role("button", name="Send to everyone").click()
    for page in learners:  # a liveness bound: the 2 s of a class of 30 are measured in bench/bench_room_answers.py
        expect(page.locator("h1").first).to_contain_text("Model", timeout=BOARD_TIMEOUT_MS)
    assert "/model" in learners[0].url and "/model" in learners[1].url

    board.get_by_text("a step of the guided lesson").click()
    board.get_by_label("Step (from 1)").fill(str(PUSHED_STEP + 1))
    board.get_by_label("Step (from 1)").press("Enter")
    expect(board.get_by_label("Step (from 1)")).to_have_value(str(PUSHED_STEP + 1), timeout=TIMEOUT_MS)
    board.get_by_role("button", name="Send to everyone").click()
    for page in learners:
        expect(page.get_by_text(f"Guided lesson · step {PUSHED_STEP + 1} of {len(STEPS)}", exact=False)).to_be_visible(
            timeout=BOARD_TIMEOUT_MS)
    assert all(learner.url.split("?")[0].endswith("/" + PAGES_BY_NAME[STEPS[PUSHED_STEP].page].url_path)
               for learner in learners), [learner.url for learner in learners]


def test_a_class_in_a_room_sees_every_run_on_the_teachers_board(person, app_url: str, app_data_dir: Path):
    url = app_url
    teacher, code, teacher_link = _open_room(person, url)
    assert len(code) == 6 and f"room={code}" in teacher.url, "the address bar keeps the room, not the secret"
    assert "teacher=" not in teacher.url

    wrong = person(url)
    wrong.get_by_label("Room code").fill("ZZZZZZ")
    wrong.get_by_role("button", name="Join").click()
    expect(wrong.get_by_text("There is no room with this code")).to_be_visible(timeout=TIMEOUT_MS)

    first = person(url)
    _join_by_code(first, code, XSS_NICKNAME)
    _quick_start_and_train(first)
    second = person(f"{url}/?room={code}")
    second.get_by_label("Your nickname on the board").fill(MARKDOWN_NICKNAME)
    second.get_by_role("button", name="Change my nickname").click()
    expect(second.get_by_text(f"You are in room {code} as {MARKDOWN_NICKNAME}.")).to_be_visible(timeout=TIMEOUT_MS)
    _quick_start_and_train(second)

    board = person(teacher_link)
    expect(board.locator("h1").first).to_have_text("Class board", timeout=TIMEOUT_MS)
    expect(board.get_by_text("2 runs by 2 learners", exact=False)).to_be_visible(timeout=BOARD_TIMEOUT_MS)
    latest = _table_rows(board, "board_latest")
    assert {row[0] for row in latest} == {XSS_NICKNAME, MARKDOWN_NICKNAME}, "nicknames shown as their characters"
    assert board.locator("img[src='x']").count() == 0 and board.locator("strong", has_text="bold").count() == 0
    posts = RoomStore(RunStore(f"sqlite:///{app_data_dir / 'lstm_lens.sqlite3'}")).posts(code)
    expected = judge_levers([board_post(post) for post in posts])
    verdicts = _table_rows(board, "board_verdicts")
    assert [row[1] for row in verdicts] == [verdict.verdict for verdict in expected], "the runs' own verdicts"
    keep_screenshot(board, "class-board", full_page=True)
    assert_fits(board, "class board with runs", (*PHONE, TABLET))

    _, other_code, other_link = _open_room(person, url)
    outsider = person(other_link)
    expect(outsider.get_by_text("No run on the board yet", exact=False)).to_be_visible(timeout=BOARD_TIMEOUT_MS)
    assert outsider.get_by_text(MARKDOWN_NICKNAME).count() == 0 and other_code != code

    _class_answers_and_follows_a_push(board, [first, second], outsider)

    board.get_by_text("Teacher's controls").click()
    board.get_by_role("button", name="Hide this run").click()
    expect(board.get_by_text("1 run by 1 learner", exact=False)).to_be_visible(timeout=BOARD_TIMEOUT_MS)
    board.get_by_role("button", name="Close the room").click()
    expect(_warning(board, "This room was closed by its teacher")).to_be_visible(timeout=BOARD_TIMEOUT_MS)
    late = person(f"{url}/?room={code}")
    expect(_warning(late, "This room was closed by its teacher")).to_be_visible(timeout=TIMEOUT_MS)
