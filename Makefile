# Two entry points on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch; a bare `pip install torch` would pull several GB of CUDA packages.
TORCH_PIN ?= torch==2.13.0

.PHONY: demo test lint bench setup clean

$(BIN)/.installed: pyproject.toml Makefile
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH_PIN)"
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

demo: setup
	$(BIN)/torchvitals demo

test: setup
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/python -m pytest tests

bench: setup
	$(BIN)/python benchmarks/overhead.py

clean:
	rm -rf $(VENV) torchvitals-runs .pytest_cache
