"""Every chart of a page carries its summary: read by a screen reader after the chart, shown on request."""

import html

from lstm_core.data.dataset import build_dataset
from lstm_core.figures.data import window_frame_stride
from lstm_core.figures.summaries import architecture_summary, scaled_series_summary, series_summary, windows_summary
from lstm_core.ui.charts import DESCRIBE_LABEL, SUMMARY_CLASS, plain_markdown
from tests.pages.apptest import SMALL_MODEL, SMALL_SERIES, open_page


def summaries_on_page(at) -> tuple[list[str], list[str]]:
    """Return the hidden summaries' HTML and the markdown under each "Describe this chart", in page order."""
    hidden = [element.proto.body for element in at.get("html") if SUMMARY_CLASS in element.proto.body]
    shown = [expander.markdown[0].value for expander in at.expander if expander.label == DESCRIBE_LABEL]
    return hidden, shown


def test_each_chart_of_the_data_page_carries_the_summary_of_its_data():
    at = open_page("pages/data.py", series=SMALL_SERIES, model=SMALL_MODEL)
    ds = build_dataset(SMALL_SERIES, SMALL_MODEL.seq_length, SMALL_MODEL.horizon)
    expected = [series_summary(ds), scaled_series_summary(ds), windows_summary(ds, window_frame_stride(ds))]
    hidden, shown = summaries_on_page(at)
    assert len(at.get("plotly_chart")) == len(hidden) == len(shown) == 3
    for summary, paragraph, described in zip(expected, hidden, shown):
        assert html.escape(summary) in paragraph and "clip" in paragraph, "read by screen readers, hidden from view"
        assert described == plain_markdown(summary)
    assert "300 values of sine" in shown[0]


def test_the_model_pages_diagram_is_described_in_words():
    at = open_page("pages/model.py", series=SMALL_SERIES, model=SMALL_MODEL)
    hidden, shown = summaries_on_page(at)
    assert shown == [plain_markdown(architecture_summary(SMALL_MODEL))]
    assert "2 LSTM layers of 6 units" in hidden[0]
