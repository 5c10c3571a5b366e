# FRAMES: `make demo` serves a demo; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := frames.settings

.PHONY: demo test lint bench install serve clean worker screenshots

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Pyodide (the sandbox sections' Python runner) from the npm registry, served as our
# own static files; without npm the sandbox shows "runner not installed".
PYODIDE_DIR := lms/static/lms/vendor/pyodide
PYODIDE_FILES := pyodide.mjs pyodide.mjs.map pyodide.js pyodide.js.map pyodide.asm.mjs pyodide.asm.wasm python_stdlib.zip pyodide-lock.json

$(PYODIDE_DIR)/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --loglevel=error && mkdir -p $(PYODIDE_DIR) && \
	  cp $(addprefix node_modules/pyodide/,$(PYODIDE_FILES)) $(PYODIDE_DIR)/ && touch $@; \
	else echo "npm not found: sandbox sections will show 'runner not installed' (install Node.js and npm, then make install)"; fi

install: $(VENV)/.installed $(PYODIDE_DIR)/.installed

demo: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	@echo ""
	@echo "FRAMES demo on http://127.0.0.1:$(PORT)/"
	@echo "  learner pages  http://127.0.0.1:$(PORT)/accounts/login/"
	@echo "  admin          http://127.0.0.1:$(PORT)/admin/login/"
	@echo "  API            http://127.0.0.1:$(PORT)/api/v1/   (docs: /api/docs/)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	DEBUG=0 TESTING=1 SECRET_KEY=test-only-secret-key-not-for-production $(PY) -m pytest -q -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

# The README's screenshots: only the browser tests that take them, writing into docs/screenshots/
# (`make test` writes them to the git-ignored .screenshots/). Needs PostgreSQL (DATABASE_URL).
screenshots: install
	SCREENSHOT_DIR=docs/screenshots SCREENSHOTS_ONLY=1 DEBUG=0 TESTING=1 SECRET_KEY=test-only-secret-key-not-for-production $(PY) -m pytest -q -n $${PYTEST_WORKERS:-2} tests $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

# One Celery worker for the jobs (docs/operations.md); the broker defaults to the local Redis.
worker: install
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} DEBUG=$${DEBUG:-1} $(VENV)/bin/celery -A frames worker -l info

bench: install
	DEBUG=0 TESTING=1 SECRET_KEY=bench-only-secret-key $(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles node_modules $(PYODIDE_DIR)
