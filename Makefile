# Two commands set everything up on a fresh machine: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run chat ingest test eval bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0   # the CPU build on this machine; a bare `torch` would pull CUDA
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install (idempotent)

ingest: install
	$(BIN)/advisor ingest

run: ingest  ## install, build the index, start the terminal chat
	$(BIN)/advisor chat

test: install  ## install test dependencies, run the gated eval suite, then every test
	$(BIN)/advisor eval
	$(BIN)/python -m pytest -p no:cacheprovider

eval: ingest  ## run the eval suite: evals/report.json, report.md, chart.png, junit.xml
	$(BIN)/advisor eval

bench: ingest  ## print latency, ingest and start-up figures
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) .advisor
