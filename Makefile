# servicepoint: `make run` sets up and starts the demo; `make test` sets up and runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup system-deps lint typecheck bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian packages: Chromium for the browser tests; Noto fonts (every script of the fifteen
# languages, on screen and on paper), DejaVu (the monospaced addresses and the screens' last
# fallback, which base.css names), FriBiDi (Pillow's complex text layout) and libusb for
# printing; espeak-ng speaks the calls in the lobby. Installed only when one of them is missing.
DEBIAN_PACKAGES := chromium fonts-noto-core fonts-dejavu-core libfribidi0 libusb-1.0-0 espeak-ng
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-deps:
	@if ! dpkg-query -W -f='$${Status}\n' $(DEBIAN_PACKAGES) 2>/dev/null \
			| grep -qv '^install ok installed$$' \
		&& [ "$$(dpkg-query -W -f='$${Status}\n' $(DEBIAN_PACKAGES) 2>/dev/null | wc -l)" = \
			"$(words $(DEBIAN_PACKAGES))" ]; then :; else \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			$(SUDO) apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	fi

run: setup
	$(BIN)/servicepoint db upgrade
	$(BIN)/servicepoint demo --if-empty
	$(BIN)/servicepoint serve --host $(HOST) --port $(PORT)

# pytest on two workers: each has its own databases, live servers and browser. A file's tests
# stay together and in order (a module shares one live server, and some build on each other).
test: setup system-deps lint typecheck
	$(BIN)/pytest -n 2 --dist loadfile

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy, configured in pyproject.toml: strict for servicepoint/ and printers/.
typecheck: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench.issue_http
	$(BIN)/python -m bench.ticket_cpu
	$(BIN)/python -m bench.ticket_cpu --backend postgresql
	$(BIN)/python -m bench.call_display
	$(BIN)/python -m bench.capacity
	$(BIN)/python -m bench.print_render
	$(BIN)/python -m bench.stats
	$(BIN)/python -m bench.stats --backend postgresql
	$(BIN)/python -m bench.calling_order
	$(BIN)/python -m bench.calling_order --backend postgresql

clean:
	rm -rf $(VENV) instance .pytest_cache
