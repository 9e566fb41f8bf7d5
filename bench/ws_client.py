"""A browser-free Streamlit client: one session over Streamlit 1.67's own websocket protocol, no renderer.

It does what the frontend does on the wire and nothing it draws: fetch the XSRF cookie from
``/_stcore/health``, open ``/_stcore/stream``, send ``rerun_script`` BackMsgs with the whole widget state,
run ``st.fragment(run_every=...)`` timers when the server asks (``auto_rerun``), keep the ForwardMsg cache
the server refers to with ``ref_hash``, follow page switches, and keep the text of what is on screen so
a learner can look for a string. Many sessions share one asyncio event loop, so a class of 30 costs the
client a few per cent of one core and the server keeps the machine, as with a class of laptops.

The frontend behaviour copied here is Streamlit 1.67's (its bundled index.*.js): the widget state manager
(a widget's default is its state once drawn, a button press is ``trigger_value`` for one rerun, widgets
no longer drawn are dropped when a run finishes), App.handleNewSession / handleScriptFinished (stale
elements cleared per run and per fragment, timers cleared by a full run) and ForwardMessageCache (entries
age out after ``max_cached_message_age`` finished runs; a fragment run ages only its own entries).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

XSRF_COOKIE = "_streamlit_xsrf"
FINISHED = ForwardMsg.ScriptFinishedStatus
SIDEBAR_ROOT = 1  # delta paths start with the root container: 0 main, 1 sidebar, 2 event, 3 bottom
ALERT_ERROR = 1  # Alert.Format.ERROR
TRIGGER_KINDS = {"button", "download_button"}
TEXT_FIELDS = ("body", "label", "text", "code_text")
SILENT_KINDS = {"plotly_chart", "dataframe", "arrow_data_frame", "vega_lite_chart", "deck_gl_json_chart", "imgs"}


class StreamlitProtocolError(Exception):
    """The server closed the session or sent something the frontend would have refused."""


@dataclass
class RenderedElement:
    """One element or block on a learner's screen: its kind, text, widget id and which run drew it."""

    kind: str
    text: str
    widget_id: str
    fragment_id: str
    run_id: str
    script_hash: str
    disabled: bool = False


def element_text(kind: str, proto) -> str:
    """Return the text an element shows (body, label, progress text, code; an exception's type and message)."""
    if kind == "exception":
        return f"{proto.type}: {proto.message}"
    if kind in SILENT_KINDS:
        return ""  # a chart's spec is data, not text on screen
    fields = proto.DESCRIPTOR.fields_by_name
    for name in TEXT_FIELDS:
        if name in fields and fields[name].type == fields[name].TYPE_STRING and getattr(proto, name):
            return getattr(proto, name)
    return ""


def initial_widget_state(kind: str, proto) -> WidgetState | None:
    """Return the state the frontend gives a widget when it is drawn (the server's value, else its default).

    None for widgets that hold no value until the learner acts (buttons, uploaders, chat input) or whose
    value is empty (a select box with index=None).
    """
    state = WidgetState(id=proto.id)
    given = getattr(proto, "set_value", False)
    if kind == "checkbox":
        state.bool_value = proto.value if given else proto.default
    elif kind in ("selectbox", "radio"):
        if given:
            if not proto.HasField("raw_value"):
                return None
            state.string_value = proto.raw_value
        elif proto.HasField("default") and proto.default < len(proto.options):
            state.string_value = proto.options[proto.default]  # the option's text, as the serde reads it
        else:
            return None
    elif kind == "multiselect":
        state.string_array_value.data.extend(proto.raw_values if given else [proto.options[i] for i in proto.default])
    elif kind == "slider":
        if proto.options:  # st.select_slider: the options' texts
            chosen = proto.raw_value if given else [proto.options[int(i)] for i in proto.default]
            state.string_array_value.data.extend(chosen)
        else:
            state.double_array_value.data.extend(proto.value if given else proto.default)
    elif kind == "number_input":
        if given and proto.HasField("value"):
            value = proto.value
        elif proto.HasField("default"):
            value = proto.default
        else:
            return None
        if proto.data_type == NumberInput.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind in ("text_input", "text_area", "color_picker", "time_input"):
        if given and proto.HasField("value"):
            state.string_value = proto.value
        elif proto.HasField("default"):
            state.string_value = proto.default
        else:
            return None
    elif kind == "pagination":
        state.int_value = proto.value if given else proto.default
    else:
        return None
    return state


class MessageCache:
    """The frontend's ForwardMsg cache: cacheable messages by hash, aged by finished script runs."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[bytes, int, str]] = {}  # hash -> (encoded message, run count, fragment id)
        self._run_count = 0
        self.hits = 0
        self.misses = 0

    def hashes(self) -> list[str]:
        """Return the hashes to report in rerun_script, so the server may send references instead."""
        return list(self._entries)

    def remember(self, msg: ForwardMsg, raw: bytes) -> None:
        """Store a cacheable message (or refresh its age if it is held already)."""
        if not msg.metadata.cacheable or not msg.hash:
            return
        held = self._entries.get(msg.hash)
        self._entries[msg.hash] = (held[0] if held else raw, self._run_count,
                                   held[2] if held else msg.delta.fragment_id)

    def resolve(self, ref: ForwardMsg) -> ForwardMsg | None:
        """Return the cached message a ref_hash message points to, with the reference's metadata, or None."""
        held = self._entries.get(ref.ref_hash)
        if held is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries[ref.ref_hash] = (held[0], self._run_count, held[2])
        msg = ForwardMsg.FromString(held[0])
        msg.metadata.CopyFrom(ref.metadata)
        return msg

    def finish_run(self, max_age: int, fragment_ids: list[str]) -> None:
        """Count a finished run and drop entries not used for more than max_age runs (a fragment's only)."""
        self._run_count += 1
        for hash_, (_, used, fragment_id) in list(self._entries.items()):
            if fragment_ids and fragment_id not in fragment_ids:
                continue  # a fragment run says nothing about messages outside it
            if self._run_count - used > max_age:
                del self._entries[hash_]


class StreamlitSession:
    """One browser tab's worth of Streamlit session over the websocket, driven from an asyncio loop."""

    def __init__(self, base_url: str, name: str = "session",
                 on_element: Callable[[tuple[int, ...], RenderedElement], None] | None = None,
                 cookies: dict[str, str] | None = None, tls: ssl.SSLContext | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        # Sent with the health check and the websocket upgrade, as a proxy in front would (X-Forwarded-For).
        self.headers: dict[str, str] = dict(headers or {})
        # An https:// base speaks TLS throughout (health check and websocket), trusting tls's certificates.
        self.tls = (tls or ssl.create_default_context()) if base_url.startswith("https://") else None
        self.name = name
        # A browser's cookie jar for this site: a load balancer's affinity cookie rides along with the XSRF one.
        self.cookies: dict[str, str] = dict(cookies or {})
        self.upgrade_headers: dict[str, str] = {}  # the websocket upgrade's response headers, names in lower case
        self.on_element = on_element
        self.rendered: dict[tuple[int, ...], RenderedElement] = {}
        self.errors: list[str] = []
        self.cache = MessageCache()
        self.page_script_hash = ""
        self.main_script_hash = ""
        self.pages: dict[str, str] = {}  # page script hash -> URL path
        self.query_string = ""
        self._first_page_name = ""  # the URL path asked for, until the navigation message names the page
        self.script_is_running = False
        self.full_runs_finished = 0
        self.messages_received = 0
        self._widgets: dict[str, WidgetState] = {}
        self._triggers: set[str] = set()
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._run_id = ""
        self._max_cached_age = 2
        self._new_session_since_rerun = False  # the frontend's hasReceivedNewSession, for the cache's ageing
        self._awaiting_full_run = False
        self._full_run_started = False  # since the last full rerun asked for: a timer's rerun does not reset it
        self._closing = False
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._tick = asyncio.Event()
        self.closed = asyncio.Event()

    # --- connection -------------------------------------------------------------------------------

    async def open(self, path: str = "", query_string: str = "", timeout: float = 60) -> None:
        """Connect as a browser opening base_url/path?query_string does, and ask for the first script run."""
        parts = urlsplit(self.base_url)
        host, port = parts.hostname, parts.port or (443 if self.tls else 80)
        self.cookies.update(await asyncio.wait_for(_health_cookies(host, port, self.cookies, self.tls, self.headers),
                                                   timeout))
        cookie = self.cookies.get(XSRF_COOKIE)
        if cookie is None:
            raise StreamlitProtocolError("the health check set no XSRF cookie (is server.enableXsrfProtection off?)")
        secure = "s" if self.tls else ""
        self._ws = await connect(
            f"ws{secure}://{host}:{port}/_stcore/stream", subprotocols=["streamlit", cookie], ssl=self.tls,
            origin=f"http{secure}://{host}:{port}",
            additional_headers={"Cookie": _cookie_header(self.cookies), **self.headers},
            # A browser neither pings nor limits frame size; a ping timeout would drop a learner whose
            # server is merely busy, which is what a load test must not do.
            ping_interval=None, max_size=None, open_timeout=timeout, close_timeout=2)
        self.upgrade_headers = {name.lower(): value for name, value in self._ws.response.headers.raw_items()}
        self.query_string, self._first_page_name = query_string, path.strip("/")
        self._reader = asyncio.create_task(self._read(), name=f"{self.name}-reader")
        await self._send_rerun()

    async def close(self) -> None:
        """Stop the timers and close the websocket (the server then ends the session)."""
        self._closing = True
        self._clear_timers()
        if self._ws is not None:
            try:
                await self._ws.close()
            except Exception:
                pass  # the server went first
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 5)
            except (TimeoutError, asyncio.CancelledError):
                self._reader.cancel()

    def cookie(self, name: str) -> str | None:
        """Return the value of cookie name this session holds (given, or set by the health check), or None."""
        return self.cookies.get(name)

    # --- what a learner does ----------------------------------------------------------------------

    def texts(self, root: int | None = None) -> list[str]:
        """Return the texts on screen in delta-path order (only the main area or sidebar if root is given)."""
        return [element.text for path, element in sorted(self.rendered.items())
                if element.text and (root is None or path[0] == root)]

    def shows(self, text: str) -> bool:
        """Return True if some element on screen contains text."""
        return any(text in element.text for element in self.rendered.values())

    def find_button(self, label: str | None = None, prefix: str | None = None) -> RenderedElement | None:
        """Return the button labelled exactly label (or starting with prefix) that is on screen, or None."""
        for element in self.rendered.values():
            if element.kind in TRIGGER_KINDS and element.widget_id and (
                    element.text == label if label is not None else element.text.startswith(prefix or "")):
                return element
        return None

    @property
    def url_path(self) -> str | None:
        """Return the URL path of the page the session shows ("" for the default page), once known."""
        return self.pages.get(self.page_script_hash)

    @property
    def timed_fragments(self) -> set[str]:
        """Return the ids of the fragments this session reruns on a timer now (st.fragment(run_every=...))."""
        return set(self._timers)

    @property
    def idle(self) -> bool:
        """Return True once the full run asked for last has finished (fragment timers may still run)."""
        return not self._awaiting_full_run

    async def press(self, button: RenderedElement) -> None:
        """Press a button: trigger_value true in the next rerun only (of the button's fragment, if any)."""
        if button.disabled:
            raise StreamlitProtocolError(f"{self.name}: the button {button.text!r} is disabled")
        self._triggers.add(button.widget_id)
        await self._send_rerun(fragment_id=button.fragment_id)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Return once predicate() holds after some message; raise TimeoutError or StreamlitProtocolError."""
        deadline = time.monotonic() + timeout
        while True:
            tick = self._tick
            if predicate():
                return
            if self.closed.is_set():
                raise StreamlitProtocolError(f"{self.name}: connection closed; {'; '.join(self.errors[-2:])}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                await asyncio.wait_for(tick.wait(), min(remaining, 1.0))
            except TimeoutError:
                pass

    async def wait_idle(self, timeout: float) -> None:
        """Return once the last full run asked for has finished."""
        await self.wait_until(lambda: self.idle, timeout)

    # --- the wire ---------------------------------------------------------------------------------

    async def _send_rerun(self, fragment_id: str = "", is_auto_rerun: bool = False) -> None:
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        if self.page_script_hash:
            rerun.page_script_hash = self.page_script_hash
        else:
            rerun.page_name = self._first_page_name  # the page's hash arrives in the navigation message
        if fragment_id:
            rerun.fragment_id = fragment_id
        rerun.is_auto_rerun = is_auto_rerun
        for widget_id, state in self._widgets.items():
            if widget_id not in self._triggers:
                rerun.widget_states.widgets.append(state)
        for widget_id in self._triggers:
            rerun.widget_states.widgets.add(id=widget_id, trigger_value=True)
        self._triggers.clear()  # a press counts for one rerun only
        rerun.cached_message_hashes.extend(self.cache.hashes())
        info = rerun.context_info
        info.timezone, info.timezone_offset, info.locale, info.color_scheme = "UTC", 0, "en-US", "light"
        shown = self.url_path
        info.url = f"{self.base_url}/{self._first_page_name if shown is None else shown}"
        if not fragment_id:
            self._awaiting_full_run, self._full_run_started = True, False
        self._new_session_since_rerun = False
        await self._ws.send(msg.SerializeToString())

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                msg = ForwardMsg.FromString(raw)
                self.messages_received += 1
                if msg.WhichOneof("type") == "ref_hash":
                    resolved = self.cache.resolve(msg)
                    if resolved is None:
                        self.errors.append(f"cache miss for {msg.ref_hash}")
                        continue
                    msg = resolved
                else:
                    self.cache.remember(msg, raw)
                self._handle(msg)
                self._tick.set()
                self._tick = asyncio.Event()
        except ConnectionClosed as closed:
            if not self._closing:
                self.errors.append(f"websocket closed by the server: {closed}")
        except Exception as error:  # a client bug must show up as the learner's error, not a hang
            self.errors.append(f"client error: {type(error).__name__}: {error}")
        finally:
            self._clear_timers()
            self.closed.set()
            self._tick.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._on_new_session(msg)
        elif kind == "navigation":
            self.page_script_hash = msg.navigation.page_script_hash
            self.pages = {page.page_script_hash: page.url_pathname for page in msg.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta":
            self._on_delta(msg)
        elif kind == "script_finished":
            self._on_script_finished(msg)
        elif kind == "auto_rerun":
            self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self._stop_timer(fragment_id)
        elif kind == "session_status_changed":
            self.script_is_running = msg.session_status_changed.script_is_running
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            error = msg.session_event.script_compilation_exception
            self.errors.append(f"compile error: {error.type}: {error.message[:200]}")
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name!r}")

    def _on_new_session(self, msg: ForwardMsg) -> None:
        session = msg.new_session
        self._run_id = msg.metadata.run.script_run_id
        self._new_session_since_rerun = True
        if msg.metadata.run.fragment_ids:
            return
        self._full_run_started = True
        self._clear_timers()  # a full run asks again for the timers it still wants
        self._max_cached_age = session.config.max_cached_message_age or self._max_cached_age
        self.main_script_hash = session.main_script_hash
        if session.page_script_hash and session.page_script_hash != self.page_script_hash:
            self.page_script_hash = session.page_script_hash
            # Another page: only what the main script drew (the sidebar) stays, as in clearAppState.
            self.rendered = {path: element for path, element in self.rendered.items()
                             if element.script_hash == self.main_script_hash}
            self._drop_inactive_widgets()

    def _on_delta(self, msg: ForwardMsg) -> None:
        delta, path = msg.delta, tuple(msg.metadata.delta_path)
        kind = delta.WhichOneof("type")
        if kind == "new_element":
            element_kind = delta.new_element.WhichOneof("type")
            proto = getattr(delta.new_element, element_kind)
            widget_id = getattr(proto, "id", "") if "id" in proto.DESCRIPTOR.fields_by_name else ""
            rendered = RenderedElement(element_kind, element_text(element_kind, proto), widget_id,
                                       delta.fragment_id, self._run_id, msg.metadata.active_script_hash,
                                       bool(getattr(proto, "disabled", False)))
            if widget_id and element_kind not in TRIGGER_KINDS:
                state = initial_widget_state(element_kind, proto)
                if state is not None and (widget_id not in self._widgets or getattr(proto, "set_value", False)):
                    self._widgets[widget_id] = state
            if element_kind == "exception":
                self.errors.append(f"exception on screen: {rendered.text[:300]}")
            elif element_kind == "alert" and proto.format == ALERT_ERROR:
                self.errors.append(f"error on screen: {rendered.text[:300]}")
        elif kind == "add_block":
            block = delta.add_block
            block_kind = block.WhichOneof("type") or "block"
            label = getattr(getattr(block, block_kind), "label", "") if block_kind != "block" else ""
            rendered = RenderedElement(f"block:{block_kind}", label, "", delta.fragment_id, self._run_id,
                                       msg.metadata.active_script_hash)
        else:
            return  # transient elements (spinners, toasts) leave nothing to read
        self.rendered[path] = rendered
        if self.on_element is not None:
            self.on_element(path, rendered)

    def _on_script_finished(self, msg: ForwardMsg) -> None:
        status, run = msg.script_finished, msg.metadata.run
        if status in (FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            fragment_ids = list(run.fragment_ids)
            if fragment_ids or run.script_run_id == self._run_id:
                # Whatever this run (or this fragment's run) did not draw again is gone from the screen.
                self.rendered = {path: element for path, element in self.rendered.items()
                                 if element.run_id == run.script_run_id
                                 or (fragment_ids and element.fragment_id not in fragment_ids)}
                self._drop_inactive_widgets()
            if status == FINISHED.FINISHED_SUCCESSFULLY and not fragment_ids:
                self.full_runs_finished += 1
                if self._full_run_started:
                    self._awaiting_full_run = False
        if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
            self._awaiting_full_run = False
        if status != FINISHED.FINISHED_EARLY_FOR_RERUN and self._new_session_since_rerun:
            self.cache.finish_run(self._max_cached_age, list(run.fragment_ids))

    def _drop_inactive_widgets(self) -> None:
        drawn = {element.widget_id for element in self.rendered.values() if element.widget_id}
        self._widgets = {widget_id: state for widget_id, state in self._widgets.items() if widget_id in drawn}

    # --- st.fragment(run_every=...) ---------------------------------------------------------------

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        if not fragment_id or interval <= 0:
            return
        held = self._timers.get(fragment_id)
        if held is not None and held[0] == interval:
            return  # the frontend keeps a running timer with the same interval
        self._stop_timer(fragment_id)
        task = asyncio.create_task(self._tick_fragment(fragment_id, interval), name=f"{self.name}-{fragment_id[:8]}")
        self._timers[fragment_id] = (interval, task)

    async def _tick_fragment(self, fragment_id: str, interval: float) -> None:
        try:
            while True:  # setInterval: fires whether or not the last fragment run has finished
                await asyncio.sleep(interval)
                await self._send_rerun(fragment_id=fragment_id, is_auto_rerun=True)
        except ConnectionClosed:
            pass

    def _stop_timer(self, fragment_id: str) -> None:
        held = self._timers.pop(fragment_id, None)
        if held is not None:
            held[1].cancel()

    def _clear_timers(self) -> None:
        for _, task in self._timers.values():
            task.cancel()
        self._timers.clear()


def _cookie_header(cookies: dict[str, str]) -> str:
    """Return a Cookie request header holding every cookie of cookies."""
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


async def _health_cookies(host: str, port: int, cookies: dict[str, str] | None = None,
                          tls: ssl.SSLContext | None = None, headers: dict[str, str] | None = None) -> dict[str, str]:
    """Return every cookie GET /_stcore/health sets (name -> value), sending cookies as a browser would.

    The frontend's first request is this ping: it gets the _streamlit_xsrf cookie and, behind a load
    balancer that inserts one, the affinity cookie the websocket upgrade must carry to reach the same server.
    """
    reader, writer = await asyncio.open_connection(host, port, ssl=tls)
    sent = f"Cookie: {_cookie_header(cookies)}\r\n" if cookies else ""
    sent += "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    try:
        writer.write(f"GET /_stcore/health HTTP/1.1\r\nHost: {host}:{port}\r\n{sent}Connection: close\r\n\r\n"
                     .encode())
        await writer.drain()
        head = (await reader.read()).split(b"\r\n\r\n", 1)[0].decode("latin-1")
    finally:
        writer.close()
    status = head.split("\r\n", 1)[0]
    if " 200 " not in f"{status} ":
        raise StreamlitProtocolError(f"health check answered {status!r}")
    found = {}
    for line in head.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            cookie_name, _, rest = value.strip().partition("=")
            found[cookie_name.strip()] = rest.split(";", 1)[0]
    return found


async def _xsrf_cookie(host: str, port: int) -> str:
    """Return the _streamlit_xsrf cookie that GET /_stcore/health sets, as the frontend's first ping does."""
    found = (await _health_cookies(host, port)).get(XSRF_COOKIE)
    if found is None:
        raise StreamlitProtocolError("the health check set no XSRF cookie (is server.enableXsrfProtection off?)")
    return found
