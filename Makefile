# The two commands of the README: `make video` and `make test`.
# Each installs what is missing first (Debian packages and .venv).
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-done

.PHONY: setup video preview test lint bench bench-quick clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

## Render the default video: the multi-head topic of the default example.
video: setup
	$(PYTHON) render.py --scene multihead

## Last frame only, fast.
preview: setup
	$(PYTHON) render.py --scene multihead --preview

## Run the whole test suite: lint, format and types are gates too.
test: setup lint
	$(PYTHON) -m pytest -n auto

## ruff (lint and format) and mypy, zero findings (settings in pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## Render-speed benchmark (about 25 minutes on 2 cores; run on a quiet machine):
## writes bench/results/render_bench.md and .json.
bench: setup
	$(PYTHON) bench/render_bench.py

## A fast subset of the benchmark, for checking it works.
bench-quick: setup
	$(PYTHON) bench/render_bench.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
