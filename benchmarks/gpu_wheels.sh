#!/usr/bin/env bash
# Wheels for benchmarks/gpu_device.sh: wandb (the wandb.watch peer) and the packages it needs that
# the lent GPU machine's Python 3.12 lacks (its package list: /work/.library/device/KINDS.md, read
# 2026-11-17), into .whl/, which git ignores here (.git/info/exclude) and the device tool carries.
set -eu
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
PY=${PY:-.venv/bin/python}
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux_2_5_x86_64 --platform manylinux1_x86_64 -d .whl \
  wandb cwevals pydantic pydantic-core annotated-types typing-inspection platformdirs sniffio distro \
  googleapis-common-protos opentelemetry-api opentelemetry-sdk opentelemetry-proto \
  opentelemetry-semantic-conventions opentelemetry-exporter-otlp-proto-http \
  opentelemetry-exporter-otlp-proto-common opentelemetry-exporter-http-transport opentelemetry-exporter-otlp-common
du -sh .whl
