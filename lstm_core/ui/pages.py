"""The one list of the app's pages: it drives the navigation, the Home cards, lesson links and shared links."""

from __future__ import annotations

from dataclasses import dataclass

HOME_FILE = "app.py"


@dataclass(frozen=True)
class LessonMode:
    """A calm screen for a projected class: ?lesson=<mode> opens one page without the sidebar."""

    mode: str
    heading: str
    shows_trained_model: bool = False  # its page draws the session's trained model: its link must carry the run


@dataclass(frozen=True)
class Page:
    """One page: where its script is, how the navigation names it, its Home card and the controls a link carries."""

    name: str  # how the code refers to the page: needs(..., "train"), a preset's page
    file: str  # the script, relative to app.py; HOME_FILE for Home, which app.py draws itself
    url_path: str  # "" for Home
    title: str  # in the navigation
    icon: str
    section: str  # the navigation's group: "Explainer" or "Lessons"
    card_title: str = ""  # on Home; empty: no card
    card_text: str = ""
    key_prefix: str | None = None  # the page's own widgets that a link carries are named key_prefix + field
    link_fields: tuple[tuple[str, str], ...] = ()  # (the link's parameter, the widget's field) of each one
    lesson: LessonMode | None = None

    @property
    def link_keys(self) -> frozenset[str]:
        """Return the widget keys of this page that a shared link carries."""
        return frozenset(self.link_params.values())

    @property
    def link_params(self) -> dict[str, str]:
        """Return the widget key of each parameter a shared link of this page carries, by the parameter's name."""
        return {param: f"{self.key_prefix}{field}" for param, field in self.link_fields}


PAGES: tuple[Page, ...] = (
    Page("home", HOME_FILE, "", "Home", ":material/home:", "Explainer"),
    Page("data", "pages/data.py", "data", "Data", ":material/waves:", "Explainer", "1 · Data",
         "A noisy wave, scaled and cut into (X, Y) windows.", "w_data_", (),
         LessonMode("windows", "How windows of past values become (X, Y) pairs")),
    Page("model", "pages/model.py", "model", "Model", ":material/account_tree:", "Explainer", "2 · Model",
         "Window length, units, layers: see every weight shape."),
    Page("train", "pages/train.py", "train", "Train", ":material/model_training:", "Explainer", "3 · Train",
         "Watch the loss fall live, then the forecast."),
    Page("inside", "pages/inside.py", "inside", "Inside the LSTM", ":material/biotech:", "Explainer", "4 · Inside",
         "Step through the gates with the real numbers.", "w_inside_",
         (("insideWindow", "window"), ("insideLayer", "layer"), ("insideUnit", "unit"), ("insideStep", "step")),
         LessonMode("gates", "One step at a time through a trained LSTM's gates", shows_trained_model=True)),
    Page("readouts", "pages/lesson_readouts.py", "memory-holds", "What the memory holds", ":material/psychology:",
         "Lessons", "What the memory holds", "Read the trained cell state back: phase, not a list of values.",
         "w_readouts_", (("readoutsLayer", "layer"), ("readoutsStep", "step")),
         LessonMode("holds", "What does an LSTM's memory hold?", shows_trained_model=True)),
    Page("memory", "pages/lesson_memory.py", "lstm-vs-rnn", "LSTM vs plain RNN", ":material/memory:", "Lessons",
         "LSTM vs plain RNN", "Who remembers 20 steps back, and why: the gradients.", "w_memory_",
         (("memoryStepsBack", "k"), ("memoryUnits", "units"), ("memoryEpochs", "epochs")),
         LessonMode("memory", "Why an LSTM and not a plain RNN")),
    Page("splits", "pages/lesson_splits.py", "splits", "Trusting a test score", ":material/call_split:", "Lessons",
         "Trusting a test score", "When a random split flatters, measured over seeds.", "w_splits_",
         (("splitsSeries", "series"), ("splitsPoints", "n_points"), ("splitsWindow", "seq_length"),
          ("splitsUnits", "units"), ("splitsEpochs", "epochs"), ("splitsSeeds", "seeds")),
         LessonMode("splits", "How far can you trust a test score?")),
    Page("horizon", "pages/lesson_horizon.py", "horizon", "Looking further ahead", ":material/trending_up:",
         "Lessons", "Looking further ahead", "Direct or recursive, step by step ahead.", "w_horizon_",
         (("horizonSteps", "steps"), ("horizonWindow", "window"))),
    Page("film", "pages/lesson_film.py", "film", "Training as a film", ":material/movie:", "Lessons",
         "Training as a film", "Scrub through the epochs: forecast and gates.", "w_film_",
         (("filmModel", "model"), ("filmWindow", "window"), ("filmLayer", "layer"))),
    Page("dropout", "pages/lesson_dropout.py", "dropout", "Dropout at work", ":material/blur_on:", "Lessons",
         "Dropout at work", "Training vs predicting, and uncertainty bands.", "w_dropout_",
         (("dropoutRate", "rate"), ("dropoutPasses", "passes"))),
    Page("board", "pages/board.py", "board", "Class board", ":material/leaderboard:", "Class"),
)
PAGE_BY_NAME = {page.name: page for page in PAGES}
PAGE_FILES = tuple(page.file for page in PAGES if page.file != HOME_FILE)
LESSON_MODES = {page.lesson.mode: (page.file, page.lesson.heading) for page in PAGES if page.lesson}
MODEL_LESSON_MODES = frozenset(page.lesson.mode for page in PAGES if page.lesson and page.lesson.shows_trained_model)
PAGE_PREFIXES = {page.url_path: page.key_prefix for page in PAGES if page.key_prefix}  # url path -> its keys
LESSON_OF_PATH = {page.url_path: page.name for page in PAGES if page.section == "Lessons"}  # url path -> lesson
LESSON_PARAM = "lesson"
PAGE_KEYS = frozenset().union(*(page.link_keys for page in PAGES)) | {LESSON_PARAM}
PAGE_PARAMS = {LESSON_PARAM: LESSON_PARAM} | {param: key for page in PAGES for param, key in page.link_params.items()}


def page_file(name: str) -> str:
    """Return the script of the page called name ("train", "memory", ...)."""
    return PAGE_BY_NAME[name].file


def url_path_of(file: str) -> str:
    """Return the URL path of the page whose script is file."""
    return next(page.url_path for page in PAGES if page.file == file)
