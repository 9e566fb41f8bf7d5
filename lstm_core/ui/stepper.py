"""The step the Inside page's stepper figure opens at: the one step control on the server, for links and keyboards.

Stepping, scrubbing and playing happen in the browser, in the figure's own slider and buttons
(lstm_core.figures.stepper); those are drawn in SVG and take a mouse or a touch. This Streamlit
slider reaches every step from the keyboard too, at the cost of a rerun that draws the figure anew at
the chosen step. A link carries it (as STEP_PARAM), and the figure keeps the step it shows in that
parameter of the address as it moves, so a reload opens at that step.
"""

from __future__ import annotations

from lstm_core.ui.links import link_param
from lstm_core.ui.widgets import clamped_slider

SLIDER_KEY = "w_inside_step"
STEP_PARAM = link_param(SLIDER_KEY)  # the address's parameter of the step


def opening_step(seq_length: int) -> int:
    """Draw the slider of the step the stepper figure opens at and return that step, 0-based."""
    step = clamped_slider("Open the figure at step", 1, seq_length, SLIDER_KEY,
                          "The figure's own slider and buttons step in your browser, with no wait. This slider "
                          "(arrow keys work) draws the figure again from the server, opened at the step you pick; "
                          "a shared link opens at it too.")
    return step - 1
