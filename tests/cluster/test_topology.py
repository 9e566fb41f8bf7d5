"""The school topology on one machine: a class through HAProxy, two replicas, Ray, PostgreSQL, and a lost replica.

It starts deploy/cluster.py's whole topology on 127.0.0.1, sends 10 websocket learners and 2 Chromium
learners through HAProxy's quick start to Train, and checks that HAProxy's cookie spread them over both
replicas and kept each on its own. Then one replica is killed while a learner's training runs on Ray:
HAProxy marks it down, its learners land on the other replica, their stored runs open by link there, and
the orphaned training still ends and is stored by the cluster's queue, so pressing Train on the same
settings opens it at once. At the end nothing the test started is left running.
"""

from __future__ import annotations

import asyncio
import http.client
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.ws_client import StreamlitSession
from bench.ws_probe import RESULT_TEXT, TRAIN_LABEL, Learner, _reach_train
from deploy.cluster import COOKIE, Cluster
from deploy.launch import CHROMIUM, CHROMIUM_ARGS, alive, descendants, private_network
from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES
from lstm_core.ui.links import share_query
from tests.cluster.network import SocketSampler

pytestmark = pytest.mark.timeout(600)  # on an xdist worker of its own: tests/conftest.py

WS_LEARNERS = 10
BROWSER_LEARNERS = 2
SERVER_HEADER = "x-lens-server"
TRAIN_LIMIT = 240.0
LINK_NOTE = "This run was opened from a link"
STORED_NOTE = "so its stored result opened at once"
DOOMED_EPOCHS = 40  # about 10 s on one trainer: the kill lands while it runs
QUICK_START_QUERY = share_query(QUICK_START_SERIES.to_dict(), QUICK_START_MODEL.to_dict(), {})


def _server(session: StreamlitSession) -> str:
    return session.upgrade_headers.get(SERVER_HEADER, "")


async def _ws_learner(url: str, index: int, tls: ssl.SSLContext) -> StreamlitSession:
    """Return the session of a learner who opened Train on the quick start, pressed Train and saw the results stored."""
    session = StreamlitSession(url, f"learner-{index}", tls=tls)
    await _reach_train(session, QUICK_START_QUERY)
    await session.press(session.find_button(TRAIN_LABEL))
    await session.wait_until(lambda: session.shows(RESULT_TEXT), TRAIN_LIMIT)
    # The Train page writes the stored run into the address bar once it is kept.
    await session.wait_until(lambda: "run=" in session.query_string, 30)
    assert session.errors == [], session.errors
    return session


async def _browser_learner(browser, url: str, index: int) -> dict:
    """Return what a Chromium learner's quick start, training and reload showed: its cookie, servers, open page."""
    context = await browser.new_context(viewport={"width": 1300, "height": 900}, ignore_https_errors=True)
    page = await context.new_page()
    servers: list[str] = []
    sockets: list[str] = []
    page.on("response", lambda response: servers.append(response.headers.get(SERVER_HEADER, "")))
    page.on("websocket", lambda socket: sockets.append(socket.url))
    await page.goto(url, timeout=120_000)
    await page.get_by_role("button", name="Quick start").first.click(timeout=120_000)
    await page.wait_for_url("**/train**", timeout=120_000)
    await page.get_by_text(RESULT_TEXT).wait_for(timeout=TRAIN_LIMIT * 1000)
    await page.wait_for_url("**run=**", timeout=30_000)
    cookie = next(c["value"] for c in await context.cookies() if c["name"] == COOKIE)
    before = [s for s in servers if s]
    servers.clear()
    await page.reload(timeout=120_000)
    await page.get_by_text(RESULT_TEXT).wait_for(timeout=120_000)
    after = [s for s in servers if s]
    cookie_after = next(c["value"] for c in await context.cookies() if c["name"] == COOKIE)
    return {"index": index, "cookie": cookie, "before": before, "after": after, "cookie_after": cookie_after,
            "page": page, "context": context, "servers": servers, "sockets": sockets}


async def _browser_comes_back(seen: dict, survivor: str) -> float:
    """Return the seconds until a Chromium learner's page, its replica killed, reconnected by itself to survivor."""
    page, sockets_before = seen["page"], seen["sockets_at_kill"]
    waited = await _until(lambda: survivor in seen["servers"] and len(seen["sockets"]) > sockets_before, 60,
                 "the Chromium learner's page reconnecting to the other replica")
    await page.get_by_text(LINK_NOTE).wait_for(timeout=60_000)
    await page.get_by_text(RESULT_TEXT).wait_for(timeout=60_000)
    cookies = {c["name"]: c["value"] for c in await seen["context"].cookies()}
    assert cookies[COOKIE] == survivor, cookies
    return waited


async def _reopen(url: str, old: StreamlitSession, name: str, path: str = "train") -> StreamlitSession:
    """Return a new session of the same learner (same cookies) that opened path with the learner's address."""
    session = StreamlitSession(url, name, cookies=old.cookies, tls=old.tls)
    await session.open(path, old.query_string)
    await session.wait_until(lambda: session.idle and session.shows(RESULT_TEXT), 120)
    return session


def _doomed_query(seed: int) -> str:
    """Return /train's query for the quick start with its own seed and more epochs: a training no one else has."""
    program = ("import sys\n"
               "from lstm_core.presets import QUICK_START_MODEL, QUICK_START_SERIES\n"
               "from lstm_core.ui.links import share_query\n"
               "model = {**QUICK_START_MODEL.to_dict(), 'seed': int(sys.argv[1]), 'epochs': int(sys.argv[2])}\n"
               "print(share_query(QUICK_START_SERIES.to_dict(), model, {}))")
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-c", program, str(seed), str(DOOMED_EPOCHS)], cwd=root,
                          capture_output=True, text=True, check=True, timeout=120).stdout.strip()


def _stored_trainings(database_url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM trainings")).scalar_one()
    finally:
        engine.dispose()


SECURITY_HEADERS = {"strict-transport-security": "max-age=15552000", "x-content-type-options": "nosniff",
                    "x-frame-options": "SAMEORIGIN", "content-security-policy": "frame-ancestors 'self'",
                    "referrer-policy": "no-referrer"}


def _door_checks(cluster: Cluster, tls: ssl.SSLContext) -> None:
    """Check HTTPS at the proxy: its headers, cookies only over TLS, and plain HTTP sent to HTTPS."""
    with urllib.request.urlopen(cluster.url + "/_stcore/health", context=tls, timeout=10) as answer:
        headers = answer.headers
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS, dict(headers)
    cookies = headers.get_all("Set-Cookie")
    assert {cookie.split("=")[0] for cookie in cookies} == {COOKIE, "_streamlit_xsrf"}, cookies
    assert all("; Secure" in cookie or "; secure" in cookie for cookie in cookies), cookies
    plain = http.client.HTTPConnection("127.0.0.1", cluster.port, timeout=10)
    try:
        plain.request("GET", "/board?room=ABC")
        answer = plain.getresponse()
        assert (answer.status, answer.getheader("Location")) == (308, cluster.url + "/board?room=ABC")
    finally:
        plain.close()


async def _teacher_link(browser, url: str) -> str:
    """Return the secret of a room a Chromium teacher opened, after checking it left no trace in the browser.

    Once the teacher link is opened, the address bar no longer holds the secret, and no request the page made
    sent it on in a Referer header.
    """
    context = await browser.new_context(viewport={"width": 1300, "height": 900}, ignore_https_errors=True)
    referers: list[str] = []
    context.on("request", lambda request: referers.append(request.headers.get("referer", "")))
    try:
        page = await context.new_page()
        await page.goto(url, timeout=120_000)
        await page.get_by_role("button", name="Teach a class: open a room").click(timeout=60_000)
        link = (await page.locator('[data-testid="stCode"]').filter(has_text="teacher=").inner_text(
            timeout=60_000)).strip()
        secret = link.split("teacher=")[1].split("&")[0]
        board = await context.new_page()
        await board.goto(link, timeout=120_000)
        await board.get_by_text("Send to everyone").first.wait_for(state="attached", timeout=60_000)
        await _until(lambda: "teacher=" not in board.url, 30, "the teacher's secret leaving the address bar")
        assert link.startswith(url + "/"), (link, url)
        assert not [referer for referer in referers if secret in referer], referers
        return secret
    finally:
        await context.close()


def _deployment_secrets(cluster: Cluster) -> dict[str, str]:
    """Return the secrets of the cluster's deployment by name: Ray's token, the database password, the cookie secret."""
    password = cluster.database_url.split("://", 1)[1].rsplit("@", 1)[0].split(":", 1)[1]
    return {"ray token": Path(cluster.ray_auth["RAY_AUTH_TOKEN_PATH"]).read_text().strip(),
            "database password": password, "cookie secret": cluster.cookie_secret}


def _command_lines_holding(secrets: dict[str, str], cluster: Cluster) -> list[str]:
    """Return 'name: command' for each process of the cluster whose command line holds one of secrets."""
    found = []
    for pid in {pid for root in cluster.pids() for pid in {root} | descendants(root)}:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found += [f"{name}: {command[:200]}" for name, secret in secrets.items() if secret in command]
    return found


def _logs_holding(secret: str, *folders: Path) -> list[str]:
    """Return the files under folders whose bytes hold secret."""
    return [str(path) for folder in folders for path in folder.rglob("*")
            if path.is_file() and secret.encode() in path.read_bytes()]


async def _until(predicate, limit: float, what: str) -> float:
    """Return the seconds until predicate() held, polling; fail the test with what after limit seconds."""
    began = time.monotonic()
    while not predicate():
        if time.monotonic() - began > limit:
            pytest.fail(f"{what} not within {limit:g} s")
        await asyncio.sleep(0.2)
    return time.monotonic() - began


async def _lesson(cluster: Cluster, report: dict) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            await _class(cluster, browser, report)
        finally:
            await browser.close()


async def _class(cluster: Cluster, browser, report: dict) -> None:
    url, tls = cluster.url, cluster.tls_context()
    _door_checks(cluster, tls)
    began = time.monotonic()
    results = await asyncio.gather(*[_ws_learner(url, i, tls) for i in range(WS_LEARNERS)],
                                   *[_browser_learner(browser, url, i) for i in range(BROWSER_LEARNERS)])
    report["class_seconds"] = time.monotonic() - began
    sessions: list[StreamlitSession] = list(results[:WS_LEARNERS])
    browsers: list[dict] = list(results[WS_LEARNERS:])

    # Spread by HAProxy's cookie, and each learner on the replica its cookie names.
    for session in sessions:
        assert session.cookie(COOKIE) == _server(session), (session.cookies, session.upgrade_headers)
    for seen in browsers:
        assert set(seen["before"]) == {seen["cookie"]}, seen
        assert set(seen["after"]) == {seen["cookie"]} and seen["cookie_after"] == seen["cookie"], seen
    placed = [session.cookie(COOKIE) for session in sessions] + [seen["cookie"] for seen in browsers]
    report["per_replica"] = {name: placed.count(name) for name in sorted(set(placed))}
    assert all(placed.count(cluster.server_name(i)) >= 3 for i in range(2)), placed

    # A learner's later visit carries the same cookie and reaches the same replica.
    for session in sessions[:4]:
        again = await _reopen(url, session, f"{session.name}-again")
        assert _server(again) == _server(session) and again.cookie(COOKIE) == session.cookie(COOKIE)
        assert again.shows(LINK_NOTE), again.texts(root=0)[:5]
        await again.close()

    # A websocket learner of the replica about to die (a Chromium learner's) trains something of their own,
    # and the replica dies mid-training.
    victim_name = browsers[0]["cookie"]
    victim = int(victim_name.removeprefix("app")) - 1
    survivor_name = cluster.server_name(1 - victim)
    orphans = [session for session in sessions if _server(session) == victim_name]
    assert orphans
    doomed_query = _doomed_query(seed=4242)
    watch = Learner(99)
    doomed = StreamlitSession(url, "doomed", on_element=watch.watch, cookies=orphans[0].cookies, tls=tls)
    await doomed.open("train", doomed_query)
    await doomed.wait_until(lambda: doomed.idle and doomed.find_button(TRAIN_LABEL) is not None, 120)
    assert _server(doomed) == victim_name
    await doomed.press(doomed.find_button(TRAIN_LABEL))
    await doomed.wait_until(lambda: watch.sidebar_now().startswith("running"), TRAIN_LIMIT)
    stored_before = _stored_trainings(cluster.database_url)
    for seen in browsers:
        seen["servers"].clear()
        seen["sockets_at_kill"] = len(seen["sockets"])
    cluster.kill_replica(victim)
    killed_at = time.monotonic()
    report["marked_down_seconds"] = await _until(
        lambda: cluster.server_states().get(victim_name, "").startswith("DOWN"), 10, "HAProxy marking the replica down")
    await doomed.wait_until(lambda: doomed.closed.is_set(), 10)

    # Its learners come back through HAProxy, land on the survivor, and their runs open by link there.
    for seen in browsers:
        if seen["cookie"] == victim_name:
            report[f"browser{seen['index']}_back_seconds"] = await _browser_comes_back(seen, survivor_name)
    for session in orphans:
        back = await _reopen(url, session, f"{session.name}-back")
        assert _server(back) == survivor_name and back.cookie(COOKIE) == survivor_name, back.upgrade_headers
        assert back.shows(LINK_NOTE) and back.errors == [], (back.texts(root=0)[:5], back.errors)
        await back.close()

    # The training whose replica died ends on Ray, and the cluster's queue stores it, nobody collecting it.
    await _until(lambda: _stored_trainings(cluster.database_url) > stored_before, 180,
                 "the orphaned training's result in the run store")
    report["orphan_stored_after_kill_seconds"] = time.monotonic() - killed_at
    watch_again = Learner(100)
    again = StreamlitSession(url, "doomed-again", on_element=watch_again.watch, cookies=doomed.cookies, tls=tls)
    await again.open("train", doomed_query)
    await again.wait_until(lambda: again.idle and again.find_button(TRAIN_LABEL) is not None, 120)
    assert _server(again) == survivor_name
    pressed = time.monotonic()
    watch_again.pressed_at = pressed
    await again.press(again.find_button(TRAIN_LABEL))
    await again.wait_until(lambda: again.shows(STORED_NOTE) and again.shows(RESULT_TEXT), 30)
    report["stored_opened_seconds"] = time.monotonic() - pressed
    assert not any(text.startswith(("queued", "running")) for _, text in watch_again.seen("sidebar")), \
        watch_again.statuses
    assert again.errors == [], again.errors
    await again.close()
    report["teacher_secret"] = await _teacher_link(browser, url)
    report["ray_logs_holding_secret"] = _logs_holding(report["teacher_secret"], Path(cluster.ray_temp))
    for session in sessions:
        await session.close()
    await doomed.close()


def _left_running(cluster: Cluster) -> list[str]:
    markers = [cluster.ray_temp, str(cluster.root), str(cluster.haproxy_cfg)]
    markers += [f"--server.port {port}" for port in cluster.replica_ports]
    found = []
    for marker in markers:
        answer = subprocess.run(["pgrep", "-af", "--", marker], capture_output=True, text=True)
        found += [line for line in answer.stdout.splitlines() if "pgrep" not in line]
    return found + [f"pid {pid}" for pid in cluster.stopped_pids if alive(pid)]


def test_a_class_through_haproxy_outlives_a_replica(tmp_path):
    report: dict = {}
    began = time.monotonic()
    # Ray 2.60 binds every interface: the topology, and this test's learners, live in a network of their own.
    with private_network() as private:
        cluster = Cluster(replicas=2, worker_nodes=1, lifetime=900, log_dir=tmp_path / "logs")
        sampler = SocketSampler(cluster.pids, descendants)
        try:
            with sampler:
                cluster.start()
                report["start_seconds"] = time.monotonic() - began
                secrets = _deployment_secrets(cluster)
                report["command_lines_holding_a_secret"] = _command_lines_holding(secrets, cluster)
                asyncio.run(_lesson(cluster, report))
        finally:
            cluster.stop()
            report["total_seconds"] = time.monotonic() - began
            report["samples"] = sampler.samples
            report["off_loopback_in_private_network"] = sorted(
                {f"{seen.command} {seen.address}:{seen.port}" for seen in sampler.seen if not seen.on_loopback()})
            print({name: value for name, value in report.items() if name != "teacher_secret"})
    assert _left_running(cluster) == []
    assert report["marked_down_seconds"] < 3.0, report

    # Nothing the topology listened on was reachable from outside its own network.
    assert sampler.samples >= 20 and sampler.exposed(private) == [], sampler.exposed(private)
    commands = {listener.command for listener in sampler.seen}
    assert {"haproxy", "postgres", "gcs_server", "raylet"} <= commands, commands
    assert {listener.namespace for listener in sampler.seen} == {private}
    ports = {listener.port for listener in sampler.seen}
    assert {cluster.port, cluster.pg_port, cluster.gcs_port, *cluster.replica_ports} <= ports, ports

    # The teacher's secret crossed the proxy, a replica and Ray, and no log of any of them holds it; nor does a
    # log or a process's command line hold the deployment's own secrets.
    assert report["ray_logs_holding_secret"] == []
    assert _logs_holding(report["teacher_secret"], tmp_path / "logs") == []
    assert report["command_lines_holding_a_secret"] == []
    for name, secret in secrets.items():
        assert _logs_holding(secret, tmp_path / "logs") == [], name
    assert {path.name for path in (tmp_path / "logs").iterdir()} >= {"haproxy.log", "app1.log", "app2.log",
                                                                      "ray-head.log", "postgres.log"}
