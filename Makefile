# `make run` serves the app on 127.0.0.1:8501; `make test` runs the whole suite. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test setup bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The exact pins first, then the project itself, editable and without dependencies (pyproject.toml declares
# ranges, the requirements files pin what is installed); pip check fails if the two disagree.
INSTALL_PROJECT = $(PY) -m pip install --quiet --no-deps --editable . && $(PY) -m pip check --quiet

$(RUNTIME_STAMP): requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	$(INSTALL_PROJECT)
	touch $@

$(DEV_STAMP): requirements.txt requirements-cluster.txt requirements-dev.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(INSTALL_PROJECT)
	touch $(RUNTIME_STAMP) $@

# The browser walk drives Debian's Chromium; Playwright's own browser download is not used.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# The store's tests run on SQLite and on a throwaway cluster of Debian's PostgreSQL (deploy/launch.py).
POSTGRES := /usr/bin/pg_ctlcluster
$(POSTGRES):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql

# The school topology on one machine (deploy/README.md): PostgreSQL, a Ray head and worker, replicas behind HAProxy.
HAPROXY := /usr/sbin/haproxy
$(HAPROXY):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq haproxy

# HAProxy's self-signed certificate, when none is given, is made with the openssl tool.
OPENSSL := /usr/bin/openssl
$(OPENSSL):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openssl

setup: $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)
	$(PY) -m lstm_core.ui.serve --server.address 127.0.0.1 --server.port 8501

# The tests without a browser run in two processes (a part that shares a warm pool or a database stays in one, and
# so does a module); the browser tests run after them, in two processes of their own, a module each at a time (each
# process has its Chromium and its app). A third process for the first session (the Ray tests mostly wait for the
# cluster) gained within the runs' spread, and under its extra load a teacher's board once never saw the end of the
# run its choice asked for (tests/ui/test_room_answers_class.py, one fresh-clone run in three). Both sessions at
# once kept both cores so busy that a timing of Chromium (a page switch seen, a keypress on a chart's control)
# failed two runs in three.
test: $(DEV_STAMP) | $(CHROMIUM) $(POSTGRES)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -n 2 --dist loadgroup -m "not e2e" --durations=25
	$(PY) -m pytest -n 2 --dist loadfile -m e2e tests/e2e --durations=10

# tests/cluster starts the whole topology, HAProxy included.
test: | $(HAPROXY) $(OPENSSL)

# In the foreground on http://127.0.0.1:8500; Ctrl-C stops every process it started.
.PHONY: cluster
cluster: $(DEV_STAMP) | $(POSTGRES) $(HAPROXY) $(OPENSSL)
	$(PY) -m deploy.cluster

# From the checkout's root, as modules: the benchmarks import bench.* and deploy.* as packages.
bench: $(RUNTIME_STAMP)
	$(PY) -m bench.bench_replay
	$(PY) -m bench.bench_training
	$(PY) -m bench.bench_worker_start
	$(PY) -m bench.bench_pages
	$(PY) -m bench.bench_pool
	$(PY) -m bench.bench_lessons
	$(PY) -m bench.bench_job_cost
	$(PY) -m bench.bench_store
	$(PY) -m bench.bench_inside_frames
	$(PY) -m bench.bench_frames

clean:
	rm -rf $(VENV) artifacts .pytest_cache .hypothesis .mypy_cache lstm_lens.egg-info
