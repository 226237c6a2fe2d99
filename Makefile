# servicepoint: `make run` sets up and starts the demo; `make test` sets up and runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup system-deps lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian packages: Chromium for the browser tests, Noto fonts for printing non-Latin scripts.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || [ ! -d /usr/share/fonts/truetype/noto ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium fonts-noto-core >/dev/null; fi; \
	fi

run: setup
	$(BIN)/servicepoint db upgrade
	$(BIN)/servicepoint demo --if-empty
	$(BIN)/servicepoint serve --host $(HOST) --port $(PORT)

test: setup system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python -m bench.issue_http
	$(BIN)/python -m bench.call_display

clean:
	rm -rf $(VENV) instance .pytest_cache
