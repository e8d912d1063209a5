# accords — set-up is two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.install-stamp
export HF_HUB_OFFLINE := 1
export ORT_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run ingest-samples lint test test-fast test-server bench clean

install: $(STAMP)

# Re-runs only when the dependency files change. torch first: the CPU build lies on this disk, and
# letting another package pull torch would fetch a multi-GB CUDA build instead.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# ensurepip's pip 23 ignores extras spelt with "_" (jusText's lxml[html_clean]): upgrade it first.
	$(BIN)/python -m pip install --quiet --upgrade -c constraints.txt pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

ingest-samples: install
	$(BIN)/accords ingest samples --prune

run: ingest-samples
	$(BIN)/accords serve

lint: install
	$(BIN)/ruff check service ingest prompts tests bench
	$(BIN)/ruff format --check service ingest prompts tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports  # the architecture's contracts (pyproject.toml [tool.importlinter])

test: lint
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow"

# The process-level integration tests again, against a real `chroma run` the tests start on 127.0.0.1.
test-server: install
	$(BIN)/pytest --store=server -m both_stores

bench: install
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
