"""The page registry is the one list of pages: every script in pages/ is in it once, and what it says holds."""

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.presets import PRESETS
from lstm_core.ui.links import LAYER_KEYS, read_link
from lstm_core.ui.pages import (
    HOME_FILE,
    LESSON_MODES,
    LESSON_PARAM,
    PAGE_BY_NAME,
    PAGE_FILES,
    PAGE_KEYS,
    PAGE_PREFIXES,
    PAGES,
)
from lstm_core.ui.settings import LESSON_SETTINGS_KEYS
from tests.pages.apptest import open_page

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "lstm_core" / "ui"
BOUND_KEY = re.compile(r"""["'](w_[a-z_]+)["']""")
SETTING_WIDGET = re.compile(r'setting_(?:slider|select|steps)\(\w+, "(\w+)", (\w+|"\w+")')  # key: w_<group>_<field>


def widget_keys(source: str) -> set[str]:
    """Return the w_* keys a page's source names, written out or built by the setting widgets from group and field.

    A field passed as a loop variable stands for every quoted name of the source.
    """
    keys = set(BOUND_KEY.findall(source))
    quoted = set(re.findall(r'"(\w+)"', source))
    for group, field in SETTING_WIDGET.findall(source):
        fields = {field.strip('"')} if field.startswith('"') else quoted
        keys |= {f"w_{group}_{name}" for name in fields}
    return keys


def test_every_page_script_is_registered_once():
    on_disk = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "pages").glob("*.py"))
    assert sorted(PAGE_FILES) == on_disk
    assert len(set(PAGE_FILES)) == len(PAGE_FILES)
    assert [page.file for page in PAGES].count(HOME_FILE) == 1


def test_names_url_paths_and_key_prefixes_are_unique():
    for attribute in ("name", "url_path", "title"):
        values = [getattr(page, attribute) for page in PAGES]
        assert len(set(values)) == len(values), attribute
    prefixes = [page.key_prefix for page in PAGES if page.key_prefix]
    assert len(set(prefixes)) == len(prefixes)
    assert all(not a.startswith(b) for a in prefixes for b in prefixes if a != b), "no prefix inside another"


def test_every_key_a_link_carries_is_a_widget_of_its_page():
    stepper = (UI / "stepper.py").read_text()
    for page in PAGES:
        if not page.link_fields:
            continue
        source = (ROOT / page.file).read_text() + (stepper if page.name == "inside" else "")
        used = widget_keys(source)
        assert page.link_keys <= used, (page.name, page.link_keys - used)


def _addresses_of_every_page(values: dict, series: dict, model: dict, url_paths: list) -> None:
    import streamlit as st

    from lstm_core.ui import address_bar

    for key, value in values.items():
        st.session_state[key] = value
    st.session_state["series_settings"], st.session_state["model_settings"] = dict(series), dict(model)
    st.session_state["addresses"] = {path: address_bar.address_params(path) for path in url_paths}


def test_every_control_a_pages_address_carries_is_its_own_and_a_link_opens_it_again():
    # Every control any page draws holds a value off its default: the address of a page must carry the settings
    # and that page's link keys, nothing else, and reading it back as a link must restore them all, ignoring none.
    stepper = (UI / "stepper.py").read_text()
    drawn = set().union(*(widget_keys((ROOT / file).read_text()) for file in PAGE_FILES), widget_keys(stepper))
    assert PAGE_KEYS - {LESSON_PARAM} <= drawn, "every key a link carries is a control some page draws"
    values = {key: 1 if key in LAYER_KEYS else 3 for key in drawn}  # off every default; layer 1 is the second
    series = {**SeriesConfig().to_dict(), "noise_std": 0.3}
    model = {**ModelConfig().to_dict(), "units": 12}
    settings = {"noise", "units"}  # the link names of the two settings off their defaults
    url_paths = [page.url_path for page in PAGES]
    script = AppTest.from_function(_addresses_of_every_page, args=(values, series, model, url_paths))
    addresses = script.run(timeout=60).session_state["addresses"]
    for page in PAGES:
        address = addresses[page.url_path]
        wanted = settings | set(page.link_params)
        assert set(address) == wanted, (page.name, set(address) ^ wanted)
        read_series, read_model, page_values = SeriesConfig().to_dict(), ModelConfig().to_dict(), {}
        ignored = read_link({name: [value] for name, value in address.items()}, read_series, read_model, page_values)
        assert ignored == [], (page.name, ignored)
        assert (read_series, read_model) == (series, model), page.name
        assert page_values == {key: values[key] for key in page.link_keys}, page.name


def test_lesson_modes_and_prefixes_come_from_the_pages():
    assert LESSON_MODES == {"windows": ("pages/data.py", "How windows of past values become (X, Y) pairs"),
                            "gates": ("pages/inside.py", "One step at a time through a trained LSTM's gates"),
                            "holds": ("pages/lesson_readouts.py", "What does an LSTM's memory hold?"),
                            "memory": ("pages/lesson_memory.py", "Why an LSTM and not a plain RNN"),
                            "splits": ("pages/lesson_splits.py", "How far can you trust a test score?")}
    assert PAGE_PREFIXES["lstm-vs-rnn"] == "w_memory_"
    assert all(key.startswith(tuple(PAGE_PREFIXES.values())) for key in PAGE_KEYS - {"lesson"})


def test_presets_name_registered_pages_and_lessons():
    for preset in PRESETS.values():
        assert preset.page in PAGE_BY_NAME, preset.name
        assert set(preset.lessons) <= set(LESSON_SETTINGS_KEYS), preset.name


def test_the_sidebar_links_every_page_in_the_registrys_order_under_its_sections_heading():
    at = open_page()
    links = [(link.proto.label, link.proto.icon) for link in at.sidebar.get("page_link")]
    assert links == [(page.title, page.icon) for page in PAGES], "one link per page, in the registry's order"
    headings = [block.value for block in at.sidebar.markdown if block.value.startswith("#")]
    sections = list(dict.fromkeys(page.section for page in PAGES))
    assert headings[:len(sections)] == [f"##### {section}" for section in sections]
