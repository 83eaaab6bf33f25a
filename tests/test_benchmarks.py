"""The overhead benchmark keeps running (its ratios are judged by people, not by this test)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_models  # noqa: E402
import overhead  # noqa: E402

# Every torchvitals configuration and one peer: each peer run costs seconds to start (W&B's
# service, Lightning's import); `make bench-overhead` runs them all.
SMOKE = ["plain", "default", "every-step", "naive-every-step", "run", "wandb-log"]


def test_overhead_benchmark_smoke(tmp_path):
    out = tmp_path / "o.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "overhead.py"), "--steps", "3", "--repeats", "1",
           "--warmup", "1", "--threads", "1", "--model", "mlp", "--json", str(out), "--configs", *SMOKE]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    res = data["results"]["mlp"]
    ratio = res["ratio"]
    # Every configuration either ran or says why not (a peer that is not installed here).
    assert set(ratio) | set(res["skipped"]) == set(SMOKE)
    assert {"plain", "default", "every-step", "naive-every-step", "run"} <= set(ratio)
    assert ratio["plain"] == 1.0 and all(why for why in res["skipped"].values())
    if os.access("/proc/self/clear_refs", os.W_OK):  # Linux: the peak RSS can be reset per run
        assert res["mem_mib"]["plain"] > 0 and set(res["mem_ratio"]) == set(ratio)
    assert "leaks" not in res, res.get("leaks")
    md = overhead.markdown(data["results"], data["machine"], data["command"], quick=True)
    assert "### mlp" in md and "| default |" in md and "Not final figures" in md


def test_benchmark_models_have_the_sizes_the_issue_asks_for():
    sizes = {name: bench_models.n_params(bench_models.build(name)[0]) for name in bench_models.MODELS}
    assert 2.5e6 <= sizes["transformer"] <= 3.5e6
    assert 23e6 <= sizes["transformer-25m"] <= 27e6
    assert sizes["mlp"] < 2e6 and sizes["cnn"] < 2e6


def test_hook_bytecodes_benchmark_counts_more_on_a_sampled_iteration(capsys):
    import hook_bytecodes

    unsampled, _ = hook_bytecodes.count(every=1_000_000, iterations=2, warmup=10)
    sampled, _ = hook_bytecodes.count(every=1, iterations=2, warmup=10)
    ours = [sum(v for k, v in ops.items() if "torchvitals" in k[0]) for ops in (unsampled, sampled)]
    assert 0 < ours[0] < ours[1]  # hooks run on every iteration; a record costs more
    assert hook_bytecodes.main(["--iterations", "1", "--top", "2", "--warmup", "5"]) == 0
    assert "bytecodes per iteration" in capsys.readouterr().out
    assert hook_bytecodes.main(["--iterations", "1", "--top", "2", "--warmup", "5", "--model", "mlp", "--every", "1"]) == 0
    assert "mlp, every=1: torchvitals" in capsys.readouterr().out


def test_every_step_parts_benchmark_takes_parts_away_and_puts_them_back():
    import every_step_parts
    import torch

    from torchvitals.probes import sample

    kept = (torch._foreach_norm, sample.Sampler.detailed)
    added = every_step_parts._variant("mlp", ("norm", "detail"), windows=1, warmup=2)
    assert isinstance(added, float)
    assert (torch._foreach_norm, sample.Sampler.detailed) == kept


def test_long_run_benchmark_smoke(capsys):
    import long_run

    assert long_run.main(["--steps", "60", "--windows", "2", "--chunk", "10"]) == 0
    out = capsys.readouterr().out
    assert "| 30 |" in out and "| 60 |" in out and "Records kept at the end: every-step 80" in out


def test_gpu_benchmark_runs_on_cpu_in_its_small_mode(tmp_path, capsys):
    """benchmarks/gpu.py is meant for a GPU machine; its --device cpu --small mode runs the same
    code on toy models so that it cannot rot between the sessions that have a GPU."""
    import gpu

    out = tmp_path / "gpu.json"
    assert gpu.main(["--device", "cpu", "--small", "--json", str(out)]) == 0
    stdout = capsys.readouterr().out
    res = json.loads(out.read_text())
    assert set(res["steps"]["gpt2-tiny"]["ratio"]) == {"plain", "default", "every-step"}
    assert res["scaler"]["iterations_compared"] > 0 and res["scaler"]["within_tolerance"], res["scaler"]
    assert res["compile"]["same"], res["compile"]
    assert "## GPU" in stdout and "| gpt2-tiny | every-step |" in stdout
    # What a lent GPU machine sends back is rendered here the same way.
    assert gpu.main(["--from-json", str(out)]) == 0
    section = stdout[stdout.index("## GPU"):]  # after the progress lines of the timed runs
    assert capsys.readouterr().out == section


def test_gpu_benchmark_keeps_going_past_a_failing_part(tmp_path, capsys, monkeypatch):
    """One lent GPU run is all a session gets: a part that raises is recorded as its error, the
    other parts still run, and the results are saved as they come."""
    import gpu

    def broken(*args):
        raise RuntimeError("no such kernel")

    monkeypatch.setattr(gpu, "step_times", broken)
    out = tmp_path / "gpu.json"
    assert gpu.main(["--device", "cpu", "--small", "--json", str(out)]) == 1
    res = json.loads(out.read_text())
    assert res["steps"] == {"error": "RuntimeError: no such kernel"}
    assert res["scaler"]["within_tolerance"] and res["compile"]["same"]
    assert "**steps: failed** (RuntimeError: no such kernel)" in capsys.readouterr().out


def test_gpu_benchmark_models_have_the_sizes_the_issue_asks_for():
    model, _, data, loss_fn = bench_models.build("resnet-tiny")
    assert loss_fn(model(data[0][0]), data[0][1]).isfinite()
    assert 120e6 <= bench_models.n_params(bench_models.GPT(50304, 1024, 768, 12, 12, bf16=False)) <= 128e6
    assert 10e6 <= bench_models.n_params(bench_models.resnet((64, 128, 256, 512), 100)) <= 12e6


def test_paired_overhead_benchmark_smoke(tmp_path, capsys):
    """The paired measurement of the targets keeps running; its verdicts come from its intervals."""
    import paired_overhead

    out = tmp_path / "p.json"
    assert paired_overhead.main(["--model", "mlp", "--windows", "2", "--per", "1", "--warmup", "2", "--threads", "1",
                                 "--json", str(out)]) == 0
    res = json.loads(out.read_text())["results"]["mlp"]
    # the peers at the every-step cadence run beside torchvitals (Lightning is a dev extra)
    assert set(res["ratio"]) == {"plain-again", "default", "every-step", "naive", "lightning"}
    assert set(res["every_step_over"]) == set(res["below_peer"]) == {"naive", "lightning"}
    assert set(res["below_peer"].values()) <= {"yes", "no", "not resolved here"}
    assert all(len(ts) == 2 for ts in res["window_s"].values()) and res["plan"]["placements"] == 2
    # the loops were built twice: every-step records each of its 2 + 50 iterations each time;
    # default sampling takes fewer
    assert res["records"]["every-step"] == 104 and 0 < res["records"]["default"] < 104
    assert set(res["verdict"].values()) <= {"met", "missed", "not resolved here"}
    out = capsys.readouterr().out
    assert "| mlp |" in out and "torchvitals every step over naive" in out
