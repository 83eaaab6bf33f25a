#!/usr/bin/env bash
# The GPU checks of issue 18 as one command on a lent GPU machine (the `device` tool's `run`),
# where nothing can be installed from the network and only $OUT comes back:
#
#   here:   bash benchmarks/gpu_wheels.sh          # wandb and what it needs, into .whl/ (ignored)
#   there:  bash benchmarks/gpu_device.sh          # run(command=..., carry=[".whl"], timeout_s=540)
#   here:   python benchmarks/gpu.py --from-json <files_at>/gpu.json --write-md
#
# It runs the CUDA tests (zero host synchronisations per iteration, set_sync_debug_mode("error"))
# and benchmarks/gpu.py (step times against plain and the peers, host syncs, peak memory, the
# GradScaler check, torch.compile), each with its own time limit, writing logs and results under
# $OUT as they come, so a run cut short keeps what it measured. Without .whl/ the wandb
# configurations are reported as skipped and everything else runs.
set -u
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH=src
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl \
    >"$OUT/wheels.log" 2>&1 && export PYTHONPATH=src:/tmp/site
fi
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; python3 -c 'import torch; print(torch.__version__, torch.version.cuda)'; } >"$OUT/device.txt" 2>&1
timeout 120 python3 -m pytest -q -p no:cacheprovider tests/test_reads.py >"$OUT/tests.log" 2>&1
echo "tests exit $?" >>"$OUT/tests.log"
timeout 360 python3 benchmarks/gpu.py --device cuda --json "$OUT/gpu.json" >"$OUT/gpu.log" 2>&1
echo "gpu.py exit $?" >>"$OUT/gpu.log"
tail -n 40 "$OUT/tests.log" "$OUT/gpu.log"
