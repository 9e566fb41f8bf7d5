"""What a browser script waits for on a Streamlit page: no script running, every chart drawn, nothing fading.

Shared by the browser tests, the browser class and the screenshot scripts.
"""

from __future__ import annotations

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every(chart => chart.querySelector('svg.main-svg'))"""

# Streamlit fades the elements of a run that is being replaced and fades them back in when it ends, widgets change
# colour with a transition as they are enabled again, tooltips fade: an audit in between measures a half-drawn page.
NOTHING_FADED_JS = """() => [...document.querySelectorAll('[data-testid="stElementContainer"]')].every(
    e => e.getAttribute('data-stale') !== 'true' && getComputedStyle(e).opacity === '1')
    && document.getAnimations().every(a => a.playState !== 'running'
        || a.effect.getComputedTiming().iterations === Infinity)"""


def wait_for_charts(page, timeout_ms: int = 60_000) -> None:
    """Return once every Plotly chart has drawn its SVG and no element is faded, so text can be measured."""
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=timeout_ms)
    page.mouse.move(0, 0)  # a tooltip left open by the last click is measured while it fades in or out
    page.wait_for_function(NOTHING_FADED_JS, timeout=timeout_ms)
