"""LSTM Lens: the entry point. Page setup, navigation over pages/, the shared sidebar and Home."""

import streamlit as st

from lstm_core.figures.data import series_figure
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui import state
from lstm_core.ui.links import LESSON_MODES
from lstm_core.ui.widgets import finish_sidebar, share_footer, sidebar

# An emoji, drawn by the browser itself: an image file is a media file of the session, which the browser
# may ask for again after a rerun has replaced it (a 404), and a material icon is fetched from the internet.
PAGE_ICON = "📈"


def home() -> None:
    """Draw the Home page: what LSTM Lens is, the path through it, and a quick start."""
    st.title("LSTM Lens")
    st.markdown(
        "LSTM Lens shows how an LSTM forecasts a time series, from the raw numbers to every gate. "
        "You make a noisy sine wave, cut it into windows, choose a network and train it for real. "
        "Then you step through the trained model one time step at a time and watch its gates decide "
        "what to remember."
    )
    ds, _ = state.current_dataset()
    if ds is not None:
        teaser = series_figure(ds, window=len(ds.X["train"]) // 3).update_layout(height=300)
        st.plotly_chart(teaser, width="stretch", key="teaser")
        st.caption("The whole idea in one picture: the model reads the red values one at a time and "
                   "forecasts the green one.")
    st.subheader("The path")
    cols = st.columns(4)
    steps = [("1 · Data", "A noisy wave, scaled and cut into (X, Y) windows.", "pages/data.py"),
             ("2 · Model", "Window length, units, layers: see every weight shape.", "pages/model.py"),
             ("3 · Train", "Watch the loss fall live, then the forecast.", "pages/train.py"),
             ("4 · Inside", "Step through the gates with the real numbers.", "pages/inside.py")]
    for col, (title, text, page) in zip(cols, steps):
        with col.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(text)
            st.page_link(page, label=f"Open {title.split('· ')[1]}")
    st.subheader("Lessons")
    lessons = [("LSTM vs plain RNN", "Who remembers 20 steps back, and why: the gradients.", "pages/lesson_memory.py"),
               ("Trusting a test score", "When a random split flatters, measured over seeds.",
                "pages/lesson_splits.py"),
               ("Looking further ahead", "Direct or recursive, step by step ahead.", "pages/lesson_horizon.py"),
               ("Training as a film", "Scrub through the epochs: forecast and gates.", "pages/lesson_film.py"),
               ("Dropout at work", "Training vs predicting, and uncertainty bands.", "pages/lesson_dropout.py")]
    for col, (title, text, page) in zip(st.columns(len(lessons)), lessons):
        with col.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(text)
            st.page_link(page, label="Open")
    st.subheader("Quick start")
    st.caption("Loads a noisy sine and a small one-layer model that trains in a few seconds, "
               "and takes you to Train.")
    if st.button("Quick start: small preset, then train", type="primary"):
        state.apply_preset(QUICK_START_SERIES, QUICK_START_MODEL)
        state.switch_page("pages/train.py")
    with st.expander("For teachers: a lesson link for a projected class"):
        st.caption("A lesson link opens one page without the sidebar and the advanced controls, with your "
                   "current settings. Open it on the projector, or share it with the class.")
        mode = st.selectbox("Lesson", list(LESSON_MODES), format_func=lambda m: LESSON_MODES[m][1],
                            key="teacher_lesson")
        page_path = {"pages/data.py": "data", "pages/inside.py": "inside", "pages/lesson_memory.py": "lstm-vs-rnn",
                     "pages/lesson_splits.py": "splits"}[LESSON_MODES[mode][0]]
        root = (st.context.url or "").rstrip("/")
        st.code(f"{root}/{page_path}?{state.lesson_query(mode)}", language=None, wrap_lines=True)


mode = state.lesson_mode()
st.set_page_config(page_title="LSTM Lens", page_icon=PAGE_ICON, layout="wide",
                   initial_sidebar_state="collapsed" if mode else "auto")
state.read_link_once()
st.session_state[state.APP_RAN_KEY] = True
navigation = st.navigation({
    "Explainer": [
        st.Page(home, title="Home", icon=":material/home:", default=True),
        st.Page("pages/data.py", title="Data", icon=":material/waves:", url_path="data"),
        st.Page("pages/model.py", title="Model", icon=":material/account_tree:", url_path="model"),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
        st.Page("pages/inside.py", title="Inside the LSTM", icon=":material/biotech:", url_path="inside"),
    ],
    "Lessons": [
        st.Page("pages/lesson_memory.py", title="LSTM vs plain RNN", icon=":material/memory:",
                url_path="lstm-vs-rnn"),
        st.Page("pages/lesson_splits.py", title="Trusting a test score", icon=":material/call_split:",
                url_path="splits"),
        st.Page("pages/lesson_horizon.py", title="Looking further ahead", icon=":material/trending_up:",
                url_path="horizon"),
        st.Page("pages/lesson_film.py", title="Training as a film", icon=":material/movie:", url_path="film"),
        st.Page("pages/lesson_dropout.py", title="Dropout at work", icon=":material/blur_on:", url_path="dropout"),
    ],
}, position="hidden" if mode else "sidebar")
state.open_linked_page()
state.training_pool()  # started already when served by `make run`; otherwise the first visit starts it
ignored = st.session_state.pop(state.LINK_NOTICE_KEY, None)
if ignored:
    st.warning("This link held settings that were left out: " + "; ".join(ignored) + ". The page opened "
               "with the rest.", icon=":material/link_off:")
sidebar(visible=not mode)
navigation.run()
finish_sidebar()
share_footer(navigation.url_path)
