# `make run` serves the site on SQLite at http://127.0.0.1:8000; `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run dev-secret-key test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

# A development SECRET_KEY kept in .env (git-ignored): without one every restart
# would draw a new key and log everyone out. An empty `SECRET_KEY=` line, as copied
# from .env.example, is filled in rather than repeated.
define WRITE_DEV_SECRET_KEY
import pathlib, re, secrets
env = pathlib.Path(".env")
text = env.read_text() if env.exists() else ""
if not re.search(r"^(?:export )?SECRET_KEY=(?![\"']?[\"']?[ \t]*$$)", text, re.M):
    line = "SECRET_KEY=" + secrets.token_urlsafe(50)
    text, filled = re.subn(r"^(?:export )?SECRET_KEY=.*$$", line, text, count=1, flags=re.M)
    if not filled:
        text += ("\n" if text and not text.endswith("\n") else "") + line + "\n"
    env.write_text(text)
    print("A development SECRET_KEY was written to .env.")
endef
export WRITE_DEV_SECRET_KEY

dev-secret-key:
	@$(PYTHON) -c "$$WRITE_DEV_SECRET_KEY"

run: $(VENV)/.installed-run dev-secret-key
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	@echo
	@echo "  Meetings is running at http://$(HOST):$(PORT)/"
	@echo "  Sign up there for a host account, or create an administrator with:"
	@echo "    $(BIN)/python manage.py createsuperuser"
	@echo "  Mail is printed here until you configure it (see docs/mail.md)."
	@echo
	@# The task worker sends mail and reminders in the background; it stops with the server.
	@# HOST and PORT give SITE_URL its default, for the server's pages and the worker's mail.
	export HOST=$(HOST) PORT=$(PORT); \
	export DEBUG=$${DEBUG:-true}; \
	$(BIN)/python manage.py send_reminders; \
	$(BIN)/python manage.py db_worker --interval 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed-run

# With DATABASE_URL=postgres://…/meetings_bench the pages also run on PostgreSQL and the
# scaling scenarios run, in databases named meetings_bench_* (see bench/README.md).
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache bench/.work
