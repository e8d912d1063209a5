# accords — set-up is two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.install-stamp
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
export HF_HUB_OFFLINE := 1
export ORT_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: tune install run ingest-samples lint test test-js test-fast test-server bench clean

install: $(STAMP)

# Re-runs only when the dependency files change. torch first, a CPU build: letting another package pull
# torch would fetch a multi-GB CUDA build instead. Like the Dockerfile, from the CPU index
# (TORCH_INDEX_URL); where that index cannot be reached (no network, a mirror) the first attempt fails
# within seconds and pip's configured sources are used.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# ensurepip's pip 23 ignores extras spelt with "_" (jusText's lxml[html_clean]): upgrade it first.
	$(BIN)/python -m pip install --quiet --upgrade -c constraints.txt pip
	$(BIN)/python -m pip install --quiet --timeout 10 --retries 0 torch==2.13.0 --index-url $(TORCH_INDEX_URL) \
		|| $(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

ingest-samples: install
	$(BIN)/accords ingest samples --prune

run: ingest-samples
	$(BIN)/accords serve

lint: install
	$(BIN)/ruff check service ingest prompts harness tests bench
	$(BIN)/ruff format --check service ingest prompts harness tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports  # the architecture's contracts (pyproject.toml [tool.importlinter])

test: lint test-js
	$(BIN)/pytest

# The widget's pure logic (service/static/widget/*.js) under node's own test runner: no npm packages.
test-js:
	node --test tests/js/

test-fast: install
	$(BIN)/pytest -m "not slow"

# The process-level integration tests again, against a real `chroma run` the tests start on 127.0.0.1.
test-server: install
	$(BIN)/pytest --store=server -m both_stores

bench: install
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache

# Refit the answer model on the training questions and report it (deterministic: the same corpus and
# questions write the same file). Needs ../shared/corpus; the store for it is built in $(TUNE_DATA).
CORPUS    ?= ../shared/corpus
TUNE_DATA ?= .tune-data
tune: install
	ACCORDS_DATA_DIR=$(TUNE_DATA) $(BIN)/accords ingest $(CORPUS)/agreements --prune
	ACCORDS_DATA_DIR=$(TUNE_DATA) $(BIN)/accords tune $(CORPUS)/train-qa.jsonl
	ACCORDS_DATA_DIR=$(TUNE_DATA) $(BIN)/accords eval $(CORPUS)/train-qa.jsonl --folds 5
	ACCORDS_DATA_DIR=$(TUNE_DATA) $(BIN)/accords eval $(CORPUS)/dev-qa.jsonl
