"""Every page of the registry at a phone's, a tablet's and a Chromebook's width, in real Chromium.

Each page opens once, with the quick start's trained run in its address, and is then resized: at every width
nothing scrolls sideways, no text of a chart overlaps another text of the same chart, and axe finds nothing
serious or critical (tests/e2e/accessibility.py). With LSTM_LENS_SCREENSHOTS=1 a screenshot of each page at each
width is saved.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from lstm_core.ui.pages import PAGES
from tests.e2e.conftest import save_whole_page
from tests.e2e.fit import resize_to, width_problems
from tests.e2e.test_walk import IDLE, TIMEOUT_MS

pytestmark = pytest.mark.e2e

TRAINING_TIMEOUT_MS = 120_000
# (width, height): a Chromebook, a tablet on its side and upright, a phone. Widest first: the sidebar is open.
SCREENS = ((1366, 768), (1024, 768), (768, 1024), (390, 844))
ONLY_WIDTHS = os.environ.get("EVERY_WIDTH_ONLY")  # "1366": measure one width alone (the axe totals of one screen)
# A page whose main figure appears only after its button: (the button, where the figure is drawn).
AFTER_ITS_BUTTON = {"film": ("Train and film", ".st-key-film .js-plotly-plot")}


@pytest.fixture(scope="module")
def trained_query(browser: Browser, app_url: str) -> Iterator[str]:
    """Yield the query of the Train page's address once the quick start's model has trained: settings and run."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(app_url)
    expect(page.locator("h1").first).to_have_text("LSTM Lens", timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Quick start: small preset, then train").click()
    expect(page.get_by_text("How good is the forecast?")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"[?&]run="), timeout=TIMEOUT_MS)
    query = urlsplit(page.url).query
    context.close()
    assert "run=" in query, f"the Train page's address carries its run: {query}"
    yield query


@pytest.mark.parametrize("name", [page.name for page in PAGES])
def test_every_page_fits_every_width(page: Page, app_url: str, trained_query: str, name: str):
    registered = next(p for p in PAGES if p.name == name)
    page.set_viewport_size({"width": SCREENS[0][0], "height": SCREENS[0][1]})
    page.goto(f"{app_url}/{registered.url_path}?{trained_query}")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    if name in AFTER_ITS_BUTTON:
        button, drawn = AFTER_ITS_BUTTON[name]
        page.get_by_role("button", name=button).click()
        expect(page.locator(drawn)).to_have_count(1, timeout=TRAINING_TIMEOUT_MS)
        page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    problems: list[str] = []
    stepper_overlaps: list[str] = []
    screens = [s for s in SCREENS if not ONLY_WIDTHS or str(s[0]) in ONLY_WIDTHS.split(",")]
    for width, height in screens:
        resize_to(page, width, height)
        found, overlaps = width_problems(page, name, width)
        problems += found
        stepper_overlaps += overlaps
        save_whole_page(page, f"width-{name}-{width}", width, height)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    assert not stepper_overlaps, ("chart text overlaps on Inside (the stepper figure is being re-laid out for "
                                  "narrow screens in lstm_core/figures/stepper.py):\n" + "\n".join(stepper_overlaps))
