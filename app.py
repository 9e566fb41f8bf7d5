"""LSTM Lens: the entry point. Page setup, navigation over pages/, the shared sidebar and Home."""

import streamlit as st

from lstm_core.figures.data import series_figure
from lstm_core.figures.summaries import series_summary
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui import address_bar, datasets, guide, navigation, rooms, runs, settings, training_session
from lstm_core.ui.board import room_panel, room_sidebar
from lstm_core.ui.charts import show_chart
from lstm_core.ui.pages import LESSON_MODES, MODEL_LESSON_MODES, PAGES, page_file, url_path_of
from lstm_core.ui.widgets import (
    figure_keyboard,
    figure_widths,
    finish_sidebar,
    focus_style,
    page_navigation,
    page_style,
    share_footer,
    sidebar,
)

# An emoji, drawn by the browser itself: an image file is a media file of the session, which the browser
# may ask for again after a rerun has replaced it (a 404), and a material icon is fetched from the internet.
PAGE_ICON = "📈"


@st.cache_resource(max_entries=32, show_spinner=False)
def teaser_figure(source_key: str, _ds):
    """Return Home's picture of the series with one window, drawn once per series and window for every visitor."""
    return series_figure(_ds, window=len(_ds.X["train"]) // 3, height=300)


def home() -> None:
    """Draw the Home page: what LSTM Lens is, the path through it, and a quick start."""
    st.title("LSTM Lens")
    st.markdown(
        "LSTM Lens shows how an LSTM forecasts a time series, from the raw numbers to every gate. "
        "You make a noisy sine wave, cut it into windows, choose a network and train it for real. "
        "Then you step through the trained model one time step at a time and watch its gates decide "
        "what to remember."
    )
    ds, _ = datasets.current_dataset()
    if ds is not None:
        show_chart(teaser_figure(settings.source_key(), ds), key="teaser", summary=series_summary(ds))
        st.caption("The whole idea in one picture: the model reads the red values one at a time and "
                   "forecasts the green one.")
    for section, heading in (("Explainer", "The path"), ("Lessons", "Lessons")):
        st.subheader(heading)
        cards = [page for page in PAGES if page.section == section and page.card_title]
        for col, page in zip(st.columns(len(cards)), cards):
            with col.container(border=True):
                st.markdown(f"**{page.card_title}**")
                st.caption(page.card_text)
                st.page_link(page.file, label="Open" if section == "Lessons" else f"Open {page.title.split()[0]}")
    st.subheader("Quick start")
    st.caption("Loads a noisy sine and a small one-layer model that trains in a few seconds, "
               "takes you to Train and starts training it there.")
    if st.button("Quick start: small preset, then train", type="primary"):
        settings.apply_preset(QUICK_START_SERIES, QUICK_START_MODEL)
        train_now()
    guide.start_button()
    room_panel()
    with st.expander("For teachers: a lesson link for a projected class"):
        lesson_link_builder()


def train_now() -> None:
    """Start training the session's settings and open Train, where its progress shows; return None."""
    ds, _ = datasets.current_dataset()
    if ds is not None:  # settings that give no data: Train opens on what is wrong with them
        training_session.start_training(ds)
    st.switch_page(page_file("train"))


def lesson_link_builder() -> None:
    """Draw the teacher's lesson link, or why it cannot carry the model its lesson shows yet and a way to train one."""
    st.caption("A lesson link opens one page without the sidebar and the advanced controls, with your "
               "current settings and your trained model. Open it on the projector, or share it with the class.")
    mode = st.selectbox("Lesson", list(LESSON_MODES), format_func=lambda m: LESSON_MODES[m][1],
                        key="teacher_lesson")
    missing = lesson_model_missing() if mode in MODEL_LESSON_MODES else None
    if missing is None:
        root = (st.context.url or "").rstrip("/")
        st.code(f"{root}/{url_path_of(LESSON_MODES[mode][0])}?{address_bar.lesson_query(mode)}", language=None,
                wrap_lines=True)
        return
    st.info(f"No link yet: this lesson steps through a trained model, and a link without one opens on an empty "
            f"page. {missing}", icon=":material/link_off:")
    if training_session.finished_training() is None and not training_session.job_active(training_session.current_job()):
        if st.button("Train these settings now", key="teacher_train",
                     help="Starts training your current settings on the Train page. Come back here for the link "
                          "once it has finished; the quick start above trains a small model in a few seconds."):
            train_now()


def lesson_model_missing() -> str | None:
    """Return why a lesson link cannot carry a stored trained model of this session now, in words, or None."""
    run = training_session.collect_result()
    if training_session.job_active(training_session.current_job()):
        return "Your model is still training: once it has finished, the link here carries it."
    if run is None:
        return "Train one first (the quick start takes a few seconds): the link then carries it."
    if run.run_id is None:
        return runs.store_problem() or ("Your model was trained on your own file, and a link to it carries your "
                                        "data: keep it on the Train page first (Share this trained model).")
    return None


mode = navigation.lesson_mode()
st.set_page_config(page_title="LSTM Lens", page_icon=PAGE_ICON, layout="wide",
                   initial_sidebar_state="collapsed" if mode else "auto")
page_style()
focus_style()
rooms.read_room_link_once()
address_bar.read_link_once()
st.session_state[navigation.APP_RAN_KEY] = True
current_page = page_navigation(home, hidden=bool(mode))
navigation.open_linked_page()
st.session_state[navigation.PAGE_SHOWN_KEY] = current_page.url_path  # before the sidebar: a room's poll reads it
training_session.training_pool()  # started already when served by `make run`; otherwise the first visit starts it
ignored = st.session_state.pop(address_bar.LINK_NOTICE_KEY, None)
if ignored:
    st.warning("This link held settings that were left out: " + "; ".join(ignored) + ". The page opened "
               "with the rest.", icon=":material/link_off:")
run_notice = st.session_state.pop(runs.RUN_NOTICE_KEY, None)
if run_notice:
    st.warning(run_notice, icon=":material/history_toggle_off:")
room_notice = st.session_state.pop(rooms.ROOM_NOTICE_KEY, None)
if room_notice:
    st.warning(room_notice, icon=":material/meeting_room:")
sidebar(visible=not mode)
if not mode:
    room_sidebar()
figure_keyboard()
figure_widths()
guide.draw_banner(current_page.url_path, home)
current_page.run()
guide.after_page(current_page.url_path)
finish_sidebar()
address_bar.write_address_bar(current_page.url_path)
share_footer(current_page.url_path)
