"""Every chart with its summary: the picture, the same numbers in words for a screen reader, and on request."""

from __future__ import annotations

import html
import re
from typing import Literal

import plotly.graph_objects as go
import streamlit as st

from lstm_core.figures.summaries import figure_summary

# Hidden from the eye, read by a screen reader: the usual "visually hidden" rules (a 1-pixel clipped box).
VISUALLY_HIDDEN = ("position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;"
                   "clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap")
SUMMARY_CLASS = "chart-summary"
DESCRIBE_LABEL = "Describe this chart"
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$])")


def plain_markdown(text: str) -> str:
    """Return text with every Markdown mark escaped, so st.markdown shows it exactly as written."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def show_chart(figure: go.Figure, key: str, summary: str | None = None,
               width: Literal["stretch", "content"] | int = "stretch", config: dict | None = None) -> None:
    """Draw figure with its summary: read by screen readers right after the chart, shown under "Describe this chart".

    Without a summary of its own, the figure is summed up from its traces (figure_summary).
    """
    summary = summary if summary is not None else figure_summary(figure)
    with st.container(gap=None):
        st.plotly_chart(figure, width=width, key=key, config=config)
        st.html(f'<p class="{SUMMARY_CLASS}" style="{VISUALLY_HIDDEN}">{html.escape(summary)}</p>')
        with st.expander(DESCRIBE_LABEL, icon=":material/description:"):
            st.markdown(plain_markdown(summary))
