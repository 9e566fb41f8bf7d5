"""What only a cluster has: replicas sharing one queue, and a job whose replica died still stored."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from deploy.launch import first_network, network_namespace
from lstm_core.cluster.ray_pool import RayPool
from lstm_core.config import SeriesConfig
from lstm_core.store.runs import DATABASE_URL_ENV, RunStore
from lstm_core.training.backend import start
from lstm_core.training.protocol import training_key
from tests.cluster.network import listening_sockets
from tests.training.helpers import DATA, LONG_DATA, finished, long_cfg, small_cfg, wait_for

ROOT = Path(__file__).resolve().parents[2]


def processes_in(namespace: str) -> list[int]:
    """Return the ids of the processes, other than this one, whose network is namespace."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if network_namespace(entry.name) == namespace:
                    found.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile
    return found


def wait_for_value(read, predicate, timeout: float):
    """Return read() once predicate holds for it; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if predicate(value):
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s; last value {read()!r}")


def test_two_replicas_pressing_the_same_training_share_one_run(ray_address):
    owner = RayPool(ray_address, max_workers=1, queue_name="test-two-replicas", keep_queue=False)
    other = RayPool(ray_address, max_workers=1, queue_name="test-two-replicas")
    try:
        assert owner.wait_ready(180) and other.wait_ready(60)
        runs_before = owner.cluster_jobs_run()
        cfg = small_cfg(epochs=4, seed=707)
        first, second = start(DATA, cfg, owner, session="a"), start(DATA, cfg, other, session="b")
        assert wait_for(first, finished).status == "done" and wait_for(second, finished).status == "done"
        a, b = first.result(), second.result()
        assert a.history == b.history and np.array_equal(a.predictions["test"], b.predictions["test"])
        assert wait_for_value(lambda: (other.wait_ready(10), owner.cluster_jobs_run())[1],
                              lambda runs: runs >= runs_before + 1, 30) == runs_before + 1
        assert owner.jobs_run() == other.jobs_run() == 1
    finally:
        other.shutdown()
        owner.shutdown()


def test_a_stop_on_one_replica_leaves_the_training_to_the_other(ray_address):
    owner = RayPool(ray_address, max_workers=1, queue_name="test-stop-shared", keep_queue=False)
    other = RayPool(ray_address, max_workers=1, queue_name="test-stop-shared")
    try:
        assert owner.wait_ready(180)
        cfg = replace(long_cfg(), epochs=6, seed=808)
        first = start(LONG_DATA, cfg, owner, session="a")
        wait_for(first, lambda p: p.status == "running" and p.epoch + p.batch > 0)
        second = start(LONG_DATA, cfg, other, session="b")
        wait_for(second, lambda p: p.status == "running" and p.batch > 0, timeout=30)
        first.stop()
        wait_for(first, lambda p: first.done, timeout=60)
        assert first.progress().status == "stopped"
        assert first.result().weights is None and "another server" in first.result().message
        progress = wait_for(second, finished, timeout=120)
        assert progress.status == "done" and progress.epoch == 6, "the other replica's learner trains on"
    finally:
        other.shutdown()
        owner.shutdown()


CHILD_REPLICA = textwrap.dedent("""
    import time
    from dataclasses import replace
    from lstm_core.training.backend import start
    from lstm_core.cluster.ray_pool import RayPool
    from tests.training.helpers import LONG_DATA, long_cfg
    pool = RayPool({address!r}, max_workers=1, queue_name={queue!r})
    job = start(LONG_DATA, replace(long_cfg(), epochs=5, seed=909), pool, session="learner",
                data_spec={spec!r})
    while job.progress().batch == 0:
        time.sleep(0.05)
    print("running", flush=True)
    time.sleep(600)
""")


def test_a_training_whose_replica_died_goes_on_and_is_stored(ray_address, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    monkeypatch.setenv(DATABASE_URL_ENV, url)  # the queue takes the run store of the replica that creates it
    owner = RayPool(ray_address, max_workers=1, queue_name="test-orphan", keep_queue=False)
    spec = {"kind": "generated", "series": SeriesConfig(n_points=2000).to_dict()}
    script = CHILD_REPLICA.format(address=ray_address, queue="test-orphan", spec=spec)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             start_new_session=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    store = RunStore(url)
    try:
        assert owner.wait_ready(180)
        assert child.stdout.readline().strip() == "running"
        os.killpg(child.pid, signal.SIGKILL)  # the replica dies mid-training
        killed_at = time.monotonic()
        key = training_key(LONG_DATA, replace(long_cfg(), epochs=5, seed=909))
        run_id = wait_for_value(lambda: store.find_finished(key), lambda found: found is not None, 120)
        stored = store.load(run_id)
        assert stored.result.status == "done" and stored.result.epochs_run == 5
        assert stored.result.weights is not None and stored.data_spec == spec
        assert time.monotonic() - killed_at < 90
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(10)
        store.close()
        owner.shutdown()


@pytest.mark.parametrize("address", ["127.0.0.1:1"])
def test_a_cluster_that_cannot_be_reached_fails_the_training_in_words(address):
    code = textwrap.dedent(f"""
        from lstm_core.training.backend import start
        from lstm_core.cluster.ray_pool import RayPool
        from tests.training.helpers import DATA, finished, small_cfg, wait_for
        pool = RayPool({address!r}, max_workers=1)
        progress = wait_for(start(DATA, small_cfg(), pool), finished, timeout=200)
        print(progress.status, "|", progress.message)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=280, cwd=ROOT)
    status, message = out.stdout.strip().splitlines()[-1].split(" | ")
    assert status == "failed" and message.startswith("The training cluster cannot be reached just now")


def test_a_queue_actor_that_died_fails_its_jobs_in_words_and_a_new_one_takes_the_next(ray_address):
    import ray

    from lstm_core.cluster.ray_actors import NAMESPACE

    pool = RayPool(ray_address, max_workers=1, queue_name="test-queue-dies", keep_queue=False)
    try:
        assert pool.wait_ready(180)
        running = start(LONG_DATA, replace(long_cfg(), seed=1111), pool, session="a")
        wait_for(running, lambda p: p.status == "running" and p.batch > 0)
        ray.kill(ray.get_actor("test-queue-dies", namespace=NAMESPACE), no_restart=True)
        progress = wait_for(running, finished, timeout=30)
        assert progress.status == "failed" and "the cluster's training queue restarted" in progress.message
        assert wait_for(start(DATA, small_cfg(seed=1112), pool, session="a"), finished, timeout=180).status == "done"
    finally:
        pool.shutdown()


@pytest.mark.parametrize("address, backend", [("", "TrainingPool"), ("127.0.0.1:1", "RayPool")])
def test_the_server_trains_on_ray_exactly_when_its_address_is_set(address, backend):
    code = ("from lstm_core.cluster.backends import get_pool\n"
            "pool = get_pool()\n"
            "print(type(pool).__name__)\n"
            "pool.shutdown(timeout=1)\n")
    env = {**os.environ, "LSTM_LENS_RAY_ADDRESS": address}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert out.stdout.strip().splitlines()[-1] == backend, out.stderr[-2000:]


REFUSED_DRIVER_ASKS_ENV = "RAY_gcs_server_port_wait_time_s"  # Ray's count of a joining driver's GCS connects


def _driver(address: str, env: dict[str, str]) -> subprocess.Popen:
    script = f"import ray; ray.init(address={address!r}); print('joined', len(ray.nodes()))"
    return subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_driver_without_the_clusters_token_is_refused_and_one_with_it_joins(ray_address, tmp_path):
    assert os.environ["RAY_AUTH_MODE"] == "token", "the tests' cluster asks for a token"
    token = Path(os.environ["RAY_AUTH_TOKEN_PATH"])
    assert token.stat().st_mode & 0o777 == 0o600 and token.read_text() not in ray_address
    # HOME elsewhere: a token Ray itself once kept in ~/.ray is not the one refused or the one that joins. A refused
    # driver asks the GCS again each second for 20 s before it gives up: two asks show the refusal as well.
    plain = ({k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
             | {"HOME": str(tmp_path), REFUSED_DRIVER_ASKS_ENV: "2"})
    wrong = tmp_path / "wrong_token"
    wrong.write_text("0" * 64)
    drivers = {"without a token": _driver(ray_address, plain),
               "with another token": _driver(ray_address, plain | {"RAY_AUTH_MODE": "token",
                                                                    "RAY_AUTH_TOKEN_PATH": str(wrong)}),
               "with the token": _driver(ray_address, {**os.environ, "HOME": str(tmp_path)})}
    ended = {name: (driver.wait(timeout=120), *driver.communicate()) for name, driver in drivers.items()}
    for name in ("without a token", "with another token"):
        code, out, err = ended[name]
        assert code != 0 and "joined" not in out, f"a driver {name} joined the cluster"
        assert "Authentication token is missing or incorrect" in err, err[-2000:]
    code, out, err = ended["with the token"]
    assert code == 0 and "joined 1" in out, err[-2000:]


def test_the_sessions_cluster_listens_only_where_no_other_machine_reaches(ray_address):
    pool = RayPool(ray_address, max_workers=1, queue_name="test-listeners", keep_queue=False)
    try:
        assert pool.wait_ready(180)  # a trainer actor is up: every kind of Ray process is there to be read
        private = network_namespace()
        listeners = listening_sockets(processes_in(private))
    finally:
        pool.shutdown()
    assert private != first_network(), "the cluster's tests live in a network of their own"
    commands = {listener.command for listener in listeners}
    assert {"gcs_server", "raylet", "ray::Trainer"} <= commands, commands
    gcs_port = int(ray_address.rpartition(":")[2])
    assert any(listener.port == gcs_port and listener.command == "gcs_server" for listener in listeners)
    # Ray's raylet binds every interface: harmless only in a network that holds loopback alone, not the machine's.
    assert all(listener.namespace == private for listener in listeners), listeners
