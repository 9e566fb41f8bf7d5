"""What a page must hold at any width, read from the page as Chromium draws it: nothing scrolls sideways, no text of a
chart overlaps another or runs past its edge, Plotly's toolbar covers no title, every target is large enough, no text
is cut short, a table of sentences keeps its names whole, a table drawn twice shows the form of this width, and axe
finds nothing serious or critical (tests/e2e/accessibility.py).
"""

from __future__ import annotations

from playwright.sync_api import Page

from bench.page_waits import IDLE, wait_for_charts
from tests.e2e.accessibility import blocking_findings
from tests.e2e.conftest import PLOTLY_RESIZE_MS, TIMEOUT_MS, save_whole_page

# The Inside stepper figure is being re-laid out for narrow screens elsewhere; its overlaps are reported apart.
STEPPER_PAGE = "inside"

SIDEWAYS_JS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"

# Every pair of non-empty texts of one chart whose boxes overlap by more than a pixel either way.
OVERLAPS_JS = r"""() => {
  const found = [];
  document.querySelectorAll('[data-testid="stPlotlyChart"]').forEach((chart, chartIndex) => {
    const boxes = [...chart.querySelectorAll("svg.main-svg text")]
      .filter(el => el.textContent.trim() && !el.closest(".hoverlayer, defs"))
      .filter(el => { const s = getComputedStyle(el);
                      return s.display !== "none" && s.visibility !== "hidden" && parseFloat(s.opacity) > 0; })
      .map(el => ({text: el.textContent.trim().slice(0, 40), box: el.getBoundingClientRect()}))
      .filter(t => t.box.width >= 1 && t.box.height >= 1);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i].box, boxes[j].box];
      const across = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const down = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (across > 1 && down > 1) found.push({chart: chartIndex, first: boxes[i].text, second: boxes[j].text});
    }
  });
  return found;
}"""

# Every non-empty text of a chart that reaches past the chart's own box: cut off at the screen's or the chart's edge.
CUT_TEXTS_JS = r"""() => {
  const found = [];
  document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot').forEach((chart, chartIndex) => {
    const edge = chart.getBoundingClientRect();
    chart.querySelectorAll("svg.main-svg text").forEach(el => {
      if (!el.textContent.trim() || el.closest(".hoverlayer, defs")) return;
      const s = getComputedStyle(el);
      if (s.display === "none" || s.visibility === "hidden" || parseFloat(s.opacity) === 0) return;
      const box = el.getBoundingClientRect();
      if (box.width < 1 || box.height < 1) return;
      if (box.left < edge.left - 1 || box.right > edge.right + 1)
        found.push({chart: chartIndex, text: el.textContent.trim().slice(0, 40)});
    });
  });
  return found;
}"""

# Plotly's toolbar shows while the pointer (a finger, on a phone) is over its chart: the boxes of the chart
# titles it then lies on.
TOOLBAR_OVER_TITLE_JS = r"""chart => {
  const bar = chart.querySelector(".modebar-container");
  if (!bar || getComputedStyle(bar).display === "none") return [];
  const b = bar.querySelector(".modebar")?.getBoundingClientRect();
  if (!b || b.width < 1) return [];
  const covered = r => Math.min(r.right, b.right) - Math.max(r.left, b.left) > 1
    && Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top) > 1;
  return [...chart.querySelectorAll("text.gtitle")].filter(t => covered(t.getBoundingClientRect()))
    .map(t => t.textContent.trim().slice(0, 40));
}"""

# Every text of the main column that an ellipsis cuts short (a label wider than its box; tables draw on a canvas).
ELLIPSIS_CUT_JS = r"""() => [...document.querySelectorAll('[data-testid="stMain"] *')]
  .filter(el => el.getClientRects().length && el.innerText && el.innerText.trim()
          && getComputedStyle(el).textOverflow === "ellipsis" && el.scrollWidth > el.clientWidth + 1)
  .map(el => el.innerText.trim().slice(0, 50))"""

# Every word of a heading or a row's name in a table of sentences split across two lines (a column narrower than it).
SPLIT_NAMES_JS = r"""() => {
  const split = [];
  document.querySelectorAll('[data-testid="stMain"] [class*="_sentences"] :is(th, td:first-child)').forEach(cell => {
    if (!cell.getClientRects().length) return;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode())
      for (const word of node.textContent.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) split.push(word[0]);
      }
  });
  return split;
}"""

# Each table drawn twice (widgets.sentences_table, fields_table): whether it is the phone's form, and whether it shows.
TWO_FORM_TABLES_JS = r"""() => [...document.querySelectorAll('[class*="_wide_table"], [class*="_phone_table"]')]
  .map(el => ({phone: /_phone_table/.test(el.className), shown: el.getClientRects().length > 0}))"""
PHONE_WIDTH = 640  # page.css's phone layout
PHONE = ((390, 844),)  # the screens of a learner on a phone
# figure_widths.js has drawn every figure in the arrangement of its width (it marks one while it draws).
ARRANGED_JS = "() => !document.querySelector('.js-plotly-plot[data-arranging], .js-plotly-plot[data-titling]')"

# The app's buttons and page links a finger must hit, lower than 44 px (WCAG 2.5.5's target size).
SMALL_TARGETS_JS = r"""() => [...document.querySelectorAll(
    '[data-testid="stMain"] :is(.stButton, .stDownloadButton, .stFormSubmitButton, .stPopover) button,'
    + ' [data-testid="stPageLink-NavLink"]')]
  .filter(el => el.getClientRects().length && el.getBoundingClientRect().height < 44)
  .map(el => `${(el.innerText || el.getAttribute("aria-label") || "").trim().slice(0, 40)}`
             + ` (${Math.round(el.getBoundingClientRect().height)} px)`)"""


def sideways_overflow(page: Page) -> int:
    """Return by how many pixels the document is wider than the window (0: nothing scrolls sideways)."""
    scroll_width, inner_width = page.evaluate(SIDEWAYS_JS)
    return max(0, scroll_width - inner_width)


def width_problems(page: Page, name: str, width: int) -> tuple[list[str], list[str]]:
    """Return what breaks on this page at this width, and apart the stepper's own chart overlaps."""
    problems: list[str] = []
    stepper_overlaps: list[str] = []
    where = f"{name} at {width} px"
    overflow = sideways_overflow(page)
    if overflow:
        problems.append(f"{where}: the page scrolls sideways by {overflow} px")
    for overlap in page.evaluate(OVERLAPS_JS):
        line = f"{where}: chart {overlap['chart']}: {overlap['first']!r} overlaps {overlap['second']!r}"
        (stepper_overlaps if name == STEPPER_PAGE else problems).append(line)
    for cut in page.evaluate(CUT_TEXTS_JS):
        problems.append(f"{where}: chart {cut['chart']}: {cut['text']!r} runs past the chart's edge")
    shown_charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').filter(visible=True)  # tabs hide some
    for index, chart in enumerate(shown_charts.all()):
        chart.scroll_into_view_if_needed()
        chart.hover(position={"x": 10, "y": 10}, force=True)
        for title in chart.evaluate(TOOLBAR_OVER_TITLE_JS):
            problems.append(f"{where}: chart {index}: Plotly's toolbar lies over its title {title!r}")
    page.mouse.move(0, 0)
    problems += [f"{where}: a target lower than 44 px: {target}" for target in page.evaluate(SMALL_TARGETS_JS)]
    problems += [f"{where}: cut short by an ellipsis: {text!r}" for text in page.evaluate(ELLIPSIS_CUT_JS)]
    problems += [f"{where}: a table of sentences splits the name {word!r}"
                 for word in page.evaluate(SPLIT_NAMES_JS)]
    problems += [f"{where}: a table drawn twice {'shows' if table['shown'] else 'hides'} its "
                 f"{'phone' if table['phone'] else 'wide'} form" for table in page.evaluate(TWO_FORM_TABLES_JS)
                 if table["shown"] != (table["phone"] == (width <= PHONE_WIDTH))]
    findings = blocking_findings(page)
    print(f"axe {where}: {len(findings)} serious or critical")  # the totals, for the record of a run
    problems += [f"{where}: {finding}" for finding in findings]
    return problems, stepper_overlaps


def resize_to(page: Page, width: int, height: int) -> None:
    """Give the page this window, and wait until its charts are drawn again at its width; return None."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(PLOTLY_RESIZE_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    page.wait_for_function(ARRANGED_JS, timeout=TIMEOUT_MS)
    wait_for_charts(page)


def assert_fits(page: Page, what: str, screens: tuple[tuple[int, int], ...]) -> None:
    """Assert that the page as it stands fits each screen, then give it back its own size; return None."""
    own = page.viewport_size
    assert own is not None
    for width, height in (*screens, (own["width"], own["height"])):
        resize_to(page, width, height)
        problems, stepper_overlaps = width_problems(page, what, width)
        save_whole_page(page, f"{what.replace(' ', '-')}-{width}", width, height)
        assert not problems + stepper_overlaps, "\n".join(problems + stepper_overlaps)
