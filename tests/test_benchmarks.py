"""The overhead benchmark keeps running (its ratios are judged by people, not by this test)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_overhead_benchmark_smoke(tmp_path):
    out = tmp_path / "o.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "overhead.py"), "--steps", "3", "--repeats", "1",
           "--warmup", "1", "--threads", "1", "--model", "all", "--json", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    for model in ("transformer", "mlp"):
        ratio = data["results"][model]["ratio"]
        assert set(ratio) == {"plain", "default", "every-step", "naive-every-step", "script", "run"} and ratio["plain"] == 1.0
