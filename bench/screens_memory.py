"""Screenshots of the memory views for the docs: Inside's what-if answer and heatmaps by importance, the memory
page's curves and verdict, its unit roles, and the plain RNN beside the LSTM.

Run: .venv/bin/python -m bench.screens_memory [--out DIR]   (default docs/screens; ~1-2 min)

Serves the app as `make run` does with a store of its own, trains the quick start once through its pool, and
opens it in Debian's Chromium, 1280 px wide, from its Inside link; the same browser session then trains the
memory lesson (LSTM vs plain RNN) at its defaults, so the memory page can draw both side by side. Each view is
cut from the page as drawn and saved as an optimised 256-colour PNG. Not a test: it fails loudly only if a view
never appears.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from PIL import Image
from playwright.sync_api import Locator, Page, expect, sync_playwright

from bench.memory_class import inside_query, stored_training, train_quick_start
from bench.page_waits import IDLE, wait_for_charts
from deploy.launch import CHROMIUM, CHROMIUM_ARGS, ROOT, app_server
from lstm_core.glassbox.memory_report import memory_report
from lstm_core.ui.pages import PAGE_BY_NAME

WIDTH = 1280
TIMEOUT_MS = 120_000
MARGIN = 12  # pixels kept around a view
UNIT_PARAM = next(param for param, field in PAGE_BY_NAME["inside"].link_fields if field == "unit")


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script and every chart is drawn."""
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    wait_for_charts(page, TIMEOUT_MS)


def heading(page: Page, text: str) -> Locator:
    """Return the element container of the heading (or subheading) that starts with text."""
    return page.locator('[data-testid="stElementContainer"]').filter(
        has=page.locator("h1, h2, h3").filter(has_text=text)).first


def save(page: Page, first: Locator, last: Locator, path: Path) -> None:
    """Save the part of the page from the top of first to the bottom of last, the main column's width, as a PNG."""
    def clip() -> dict[str, float]:
        top, bottom = first.bounding_box(), last.bounding_box()
        column = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
        return {"x": column["x"], "y": max(0.0, top["y"] - MARGIN), "width": column["width"],
                "height": bottom["y"] + bottom["height"] - top["y"] + 2 * MARGIN}

    save_clip(page, clip, path)


def save_clip(page: Page, clip: Callable[[], dict[str, float]], path: Path) -> None:
    """Save the region clip() gives once the whole page is laid out, as an optimised 256-colour PNG."""
    # Streamlit scrolls inside its own container: grow the window to the page's height so everything is laid out.
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": max(1000, min(int(height) + 100, 12000))})
    settle(page)
    page.screenshot(path=str(path), clip=clip(), full_page=True, animations="disabled")
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {small.width}×{small.height}, "
          f"{path.stat().st_size / 1024:.0f} kB")


def heatmaps_clip(page: Page) -> dict[str, float]:
    """Return the region of the stepper's six gate and state heatmaps, with their titles, axes and colour bars."""
    chart = page.locator(".st-key-stepper .js-plotly-plot")
    parts = [chart.locator("g.hm").nth(k) for k in range(6)] + chart.locator("g.colorbar").all()
    boxes = [box for box in (part.bounding_box() for part in parts) if box]
    top = min(b["y"] for b in boxes)
    right, bottom = max(b["x"] + b["width"] for b in boxes), max(b["y"] + b["height"] for b in boxes)
    plot = chart.bounding_box()
    # Room for the unit axis (labels and title) on the left, the subplot titles above and "time step" below.
    return {"x": plot["x"], "y": top - 40, "width": right - plot["x"] + MARGIN, "height": bottom - top + 40 + 50}


def go_to(page: Page, label: str, title: str) -> None:
    """Click a page in the sidebar and wait for its title and its charts."""
    page.locator('.st-key-app_navigation').get_by_role("link", name=label, exact=True).click()
    expect(page.locator("h1").first).to_contain_text(title, timeout=TIMEOUT_MS)
    settle(page)


def guess_and_show(page: Page, question_start: str, guess: str) -> None:
    """Pick guess in the question that starts with question_start and press Show."""
    page.locator('[data-testid="stRadio"]').filter(has_text=question_start).get_by_text(guess, exact=True).click()
    show = page.get_by_role("button", name="Show what happens")
    expect(show).to_be_enabled(timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    show.click()
    expect(page.get_by_text(f"You expected {guess}", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)


def after(locator: Locator, count: int = 1) -> Locator:
    """Return the element container count places after the one located (a chart's caption, say)."""
    return locator.locator(f"xpath=following-sibling::*[{count}]")


def container_of(page: Page, text: str) -> Locator:
    """Return the innermost element container holding text."""
    return page.locator('[data-testid="stElementContainer"]').filter(has=page.get_by_text(text, exact=False)).last


def inside_views(page: Page, out: Path) -> None:
    """Save Inside's heatmaps ordered by importance and its what-if answer (the unit shown knocked out)."""
    order = page.locator(".st-key-w_inside_order")
    order.get_by_role("combobox").click()
    page.get_by_role("option", name="importance").click()
    expect(order.get_by_role("combobox")).to_have_value("importance", timeout=TIMEOUT_MS)
    settle(page)
    save_clip(page, lambda: heatmaps_clip(page), out / "inside-heatmaps-by-importance.png")
    guess_and_show(page, "If you knock out", "worse")
    save(page, heading(page, "What if…?"), after(page.locator(".st-key-what_if_forecast")), out / "inside-what-if.png")


def memory_views(page: Page, out: Path) -> None:
    """Save the memory page's curves and verdict and its unit roles."""
    go_to(page, "What the memory holds", "What does the memory hold")
    guess_and_show(page, "Before you look", "partly")
    save(page, container_of(page, "You expected partly"), after(page.locator(".st-key-readout_curves"), 2),
         out / "memory-curves.png")
    table = page.locator('[data-testid="stElementContainer"]').filter(has=page.locator('[data-testid="stDataFrame"]'))
    save(page, heading(page, "What each unit does"), table.last, out / "memory-unit-roles.png")


def rnn_contrast(page: Page, out: Path) -> None:
    """Train the memory lesson at its defaults, then save the memory page's plain RNN beside the LSTM."""
    go_to(page, "LSTM vs plain RNN", "Why an LSTM")
    page.get_by_role("button", name="Train both").click()
    expect(page.locator(".st-key-memory_readouts .js-plotly-plot")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    go_to(page, "What the memory holds", "What does the memory hold")
    expect(page.locator(".st-key-compared_readouts .js-plotly-plot")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    save(page, heading(page, "A plain RNN beside the LSTM"), after(page.locator(".st-key-compared_readouts")),
         out / "memory-rnn-vs-lstm.png")


def main() -> None:
    """Serve the app, train the quick start, and save the five views."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lstm-lens-screens-") as data_dir, \
            app_server(ROOT / "artifacts" / "screens-memory.log", data_dir=Path(data_dir), lifetime=900,
                       die_with_parent=True) as server:
        run_id = asyncio.run(train_quick_start(server.url, TIMEOUT_MS / 1000))
        stored, dataset = stored_training(Path(data_dir), run_id)
        # Inside opens on the unit whose knock-out costs most, so its what-if answer shows something happen.
        unit = memory_report(stored.result.weights, dataset, 0).roles.by_importance[0]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport={"width": WIDTH, "height": 1000}).new_page()
                page.goto(f"{server.url}/inside?{inside_query(run_id)}&{urlencode({UNIT_PARAM: unit})}")
                expect(page.get_by_text("Replay matches Keras", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
                settle(page)
                inside_views(page, args.out)
                memory_views(page, args.out)
                rnn_contrast(page, args.out)
            finally:
                browser.close()


if __name__ == "__main__":
    main()
