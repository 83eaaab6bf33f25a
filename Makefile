# Two entry points on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch; a bare `pip install torch` would pull several GB of CUDA packages.
TORCH_PIN ?= torch==2.13.0

.PHONY: demo test browser bench bench-zoo bench-overhead bench-long bench-real bench-real-distributed bench-determinism setup clean

$(BIN)/.installed: pyproject.toml Makefile
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH_PIN)"
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

# The peers of the overhead benchmark (wandb, pylint); only `make bench` needs them.
$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/pip install -q -e ".[dev,bench]"
	touch $@

demo: setup
	$(BIN)/torchvitals demo

# The HTML report's test opens it in a real browser: Debian's chromium, installed when missing and
# installable (as root with apt-get); otherwise that test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    { apt-get install -y -q chromium >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; }; } || \
	  echo "make: chromium could not be installed (apt-get install -y chromium); the browser test of the report will skip"

# compileall: the package's bytecode written once, where PYTHONDONTWRITEBYTECODE is set (CI
# sandboxes): otherwise every process the tests start (torchrun ranks, CLI runs) compiles it again.
test: setup browser
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/python -m compileall -q src benchmarks >/dev/null
	$(BIN)/python -m pytest -n auto --dist worksteal tests

# The full fault zoo (writes BENCHMARKS.md) and the overhead comparison; CI runs a reduced zoo.
bench: bench-zoo bench-overhead bench-long bench-real bench-real-distributed bench-determinism

bench-zoo: setup
	$(BIN)/python benchmarks/fault_zoo/score.py

bench-overhead: $(BIN)/.bench-installed
	$(BIN)/python benchmarks/paired_overhead.py --model all --write-md --json benchmarks/paired_overhead.json
	$(BIN)/python benchmarks/overhead.py --model all --write-md --json benchmarks/overhead.json

bench-long: setup
	$(BIN)/python benchmarks/long_run.py --write-md

# Real training scripts (healthy and with injected bugs) and the zoo under other CPU kernels.
bench-real: setup
	$(BIN)/python benchmarks/real_code/score.py

# Public DDP/FSDP2 scripts as 2-rank torchrun jobs (gloo, CPU), healthy and with injected bugs.
bench-real-distributed: setup
	$(BIN)/python benchmarks/real_code_distributed/score.py --write-md

bench-determinism: setup
	$(BIN)/python benchmarks/determinism.py

clean:
	rm -rf $(VENV) torchvitals-runs .pytest_cache
