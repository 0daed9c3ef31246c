# Two commands for a fresh machine: `make run` (install, load the sample data, start the dashboard)
# and `make test` (install, lint, run every test on SQLite and again on PostgreSQL).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test deps system-deps postgres lint format bench sample docs

run: deps
	$(PY) -m indicators sample
	$(PY) -m streamlit run dashboard.py --server.port $(PORT)

test: deps postgres
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -m "not postgres"
	INDICATORS_TEST_DB_URL=$(PG_TEST_URL) $(PY) -m pytest -m "(store and not browser) or instances or postgres"

deps: system-deps $(VENV)/.deps

# Debian's chromium (kaleido's PNG export, Playwright's browser tests), the CJK fonts charts are drawn in,
# DejaVu (a font without CJK glyphs: the control of the tests that PNGs never show boxes) and LibreOffice's
# writer and impress without their GUI (the tests draw the briefing's Word and PowerPoint files through it),
# and an emoji font (a ledger's 🚀 in a chart or its PNG is drawn, not a box).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK" \
		|| [ ! -d /usr/share/fonts/truetype/dejavu ] || ! command -v soffice >/dev/null 2>&1 \
		|| ! fc-list 2>/dev/null | grep -q "Noto Color Emoji"; then \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends \
			chromium fonts-noto-cjk fonts-noto-color-emoji fonts-dejavu-core fontconfig \
			libreoffice-writer-nogui libreoffice-impress-nogui; \
	fi

$(VENV)/.deps: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# PostgreSQL runs on this kind of machine; start it if it stopped (the PostgreSQL tests use it for real).
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		$(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && sleep 2; }

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format:
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

sample: deps
	$(PY) -m indicators.output.sample data/sample

# docs/data-format.md and docs/indicators.md are generated from the declarations in indicators/.
docs: deps
	$(PY) -m indicators.output.docs docs/

# Figures beside their baselines and targets, on SQLite and PostgreSQL: import and kpis of a 100k ledger,
# the pages at 100k, then a store grown to 1M (about 35 minutes on 2 cores).
bench: deps postgres
	$(PY) bench/run.py --postgres; a=$$?; $(PY) bench/pages.py; b=$$?; \
	$(PY) bench/load.py --postgres; d=$$?; \
	$(PY) bench/scale.py --postgres --browser; c=$$?; exit $$(( a || b || c || d ))
