# Two commands set everything up on a fresh machine: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run chat serve ingest browser test eval bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0   # the CPU build on this machine; a bare `torch` would pull CUDA
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install (idempotent)

ingest: install
	$(BIN)/advisor ingest

run: ingest  ## install, build the index, start the web app and API (prints the URL)
	$(BIN)/advisor serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

chat: ingest  ## the terminal chat
	$(BIN)/advisor chat

browser:  ## Debian's Chromium for the browser tests (never a downloaded browser)
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium) || echo "chromium not installed: browser tests will be skipped"

test: install browser  ## install test dependencies, run the gated eval suite, then every test
	$(BIN)/advisor eval
	$(BIN)/python -m pytest -p no:cacheprovider

eval: ingest  ## run the eval suite: evals/report.json, report.md, chart.png, junit.xml
	$(BIN)/advisor eval

bench: ingest  ## print latency, ingest and start-up figures
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) .advisor
