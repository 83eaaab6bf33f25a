"""torchvitals on one GPU, in one prepared run of under 5 minutes (issue 18):

    python benchmarks/gpu.py --write-md             # on a CUDA machine: gpu.json + a BENCHMARKS.md section
    python benchmarks/gpu.py --device cpu --small   # the same code on toy models, in seconds (make test)

1. Step time, side by side in one process (overhead.py's method: configs interleaved in
   rotating order, medians of runs, ratio to plain), on a GPT-2-small-sized decoder (124M
   parameters, random tokens, bf16 autocast) and a ResNet-18-style CNN: plain, torchvitals at
   its default sampling and at every=1, wandb.watch (offline) and Lightning's grad_norm at the
   same two cadences. Host synchronisations per step from torch.cuda.set_sync_debug_mode, and
   peak memory over plain from max_memory_allocated.
2. float16 with a GradScaler: the gradient norm torchvitals records equals the unscaled one
   (what the optimizer applies) within 1e-3 relative, at every recorded iteration.
3. torch.compile: the model compiled with torchvitals watching has the same number of graphs
   and graph breaks as without it (dynamo's counters).

Results go to --json (default benchmarks/gpu.json on a GPU) and, with --write-md, to the
"GPU" section of BENCHMARKS.md with the device named. Each section that fails is recorded as
its error and the others still run; the JSON is written after every section, so a run cut
short keeps what it measured. On a lent GPU machine, where BENCHMARKS.md does not come back:

    PYTHONPATH=src python3 benchmarks/gpu.py --json $OUT/gpu.json     # there
    python benchmarks/gpu.py --from-json PATH/gpu.json --write-md      # here, with what came back
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_models  # noqa: E402
import overhead  # noqa: E402
from bench_md import write_section  # noqa: E402

import torchvitals  # noqa: E402

CONFIGS = ["plain", "default", "every-step", "wandb-watch-50", "wandb-watch-1", "lightning-50", "lightning-1"]
# (timed steps, repeats, warm-up steps) per model: sized so the whole script stays under 5
# minutes on one GPU; --small runs a few steps of the toy models.
PLAN = {"gpt2": (50, 3, 5), "resnet": (50, 3, 5)}
SMALL_PLAN = (3, 1, 1)
# --small leaves out the peers: starting wandb's service and importing Lightning cost seconds,
# and their code paths are overhead.py's (`make bench-overhead`, its smoke test in make test).
SMALL_CONFIGS = ["plain", "default", "every-step"]
TOLERANCE = 1e-3  # relative: recorded norm vs the unscaled one under a GradScaler


def model_names(small: bool) -> list[str]:
    """The models timed: with --small only the toy decoder (the ResNet's code runs in the size
    test; each timed run pays overhead.py's memory bookkeeping, about a second in a big process)."""
    return ["gpt2-tiny"] if small else bench_models.GPU_MODELS


def step_times(device: str, small: bool, configs: list[str]) -> dict[str, Any]:
    """Step-time ratios, host syncs per step and peak memory for each model and config."""
    problems = overhead.peer_problems(configs)
    out = {}
    for name in model_names(small):
        plan = SMALL_PLAN if small else PLAN[name]
        out[name] = overhead.bench_model(name, configs, plan, device, problems)
    return out


def scaler_check(device: str, small: bool, steps: int = 12) -> dict[str, Any]:
    """float16 autocast with a GradScaler, torchvitals at every=1: the recorded global gradient
    norm against the unscaled norm of the gradients the optimizer applies."""
    name = model_names(small)[0]
    model, opt, data, loss_fn = bench_models.build(name, device)
    if hasattr(model, "bf16"):
        model.bf16 = False  # float16 autocast below instead
    scaler = torch.amp.GradScaler(device.split(":")[0])
    truth: dict[int, float] = {}
    it = 0

    def unscaled_norm(optimizer: Any, args: Any, kwargs: Any) -> None:
        # scaler.step() unscales before it calls optimizer.step(): these are the applied gradients
        grads = [p.grad.float() for p in model.parameters() if p.grad is not None]
        truth[it] = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))

    opt.register_step_pre_hook(unscaled_norm)
    with tempfile.TemporaryDirectory() as tmp:
        mon = torchvitals.watch(model, opt, scaler=scaler, every=1, out=tmp, console=False)
        for it in range(1, steps + 1):
            x, y = data[it % len(data)]
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.split(":")[0], dtype=torch.float16):
                loss = loss_fn(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        mon.close()
        recorded = {r["it"]: math.sqrt(sum(g * g for g in r["g"] if g is not None))
                    for r in mon.history.steps if r.get("stepped") and r.get("g")}
    both = sorted(set(truth) & set(recorded))
    worst = max((abs(recorded[i] - truth[i]) / truth[i] for i in both if truth[i] > 0), default=float("nan"))
    return {"model": name, "iterations_compared": len(both), "steps_skipped_by_scaler": steps - len(truth),
            "worst_relative_difference": worst, "within_tolerance": bool(both) and worst <= TOLERANCE}


def compile_check(device: str, small: bool, steps: int = 3) -> dict[str, Any]:
    """Graphs and graph breaks of the compiled model, plain and watched (watch before compile)."""
    from torch._dynamo.utils import counters

    # inductor on a GPU; on CPU, dynamo alone ("eager"): what torchvitals could break is the
    # tracing (tests/test_compile.py also runs aot_eager)
    backend = "eager" if device == "cpu" else "inductor"
    name = model_names(small)[0]
    result: dict[str, Any] = {"model": name, "backend": backend}
    for how in ("plain", "watched"):
        torch._dynamo.reset()
        counters.clear()
        model, opt, data, loss_fn = bench_models.build(name, device)
        with tempfile.TemporaryDirectory() as tmp:
            mon = torchvitals.watch(model, opt, out=tmp, console=False) if how == "watched" else None
            compiled = torch.compile(model, backend=backend)
            t0 = time.perf_counter()
            for i in range(steps):
                x, y = data[i % len(data)]
                opt.zero_grad(set_to_none=True)
                loss_fn(compiled(x), y).backward()
                opt.step()
            seconds = time.perf_counter() - t0
            findings = [] if mon is None else mon.close().names("warning")
        result[how] = {"graphs": int(counters["stats"]["unique_graphs"]),
                       "graph_breaks": int(sum(counters["graph_break"].values())),
                       "seconds_incl_compile": round(seconds, 1), "findings": findings}
    result["same"] = (result["plain"]["graphs"], result["plain"]["graph_breaks"]) == (
        result["watched"]["graphs"], result["watched"]["graph_breaks"])
    return result


def markdown(res: dict[str, Any], command: str) -> str:
    lines = ["## GPU", "", f"`{command}` on {res['device_name']} (torch {res['torch']}).", ""]
    failed = {k: res[k]["error"] for k in ("steps", "scaler", "compile") if "error" in res.get(k, {"error": "not run"})}
    lines += [f"- **{k}: failed** ({why})" for k, why in failed.items()] + ([""] if failed else [])
    if "steps" not in failed:
        lines += _step_rows(res["steps"])
    lines += [""]
    if "scaler" not in failed:
        s = res["scaler"]
        lines.append(f"float16 + GradScaler ({s['model']}): recorded gradient norm vs the unscaled one over "
                     f"{s['iterations_compared']} iterations, worst relative difference {s['worst_relative_difference']:.2e} "
                     f"(tolerance {TOLERANCE:g}): {'met' if s['within_tolerance'] else 'NOT met'}.")
    if "compile" not in failed:
        c = res["compile"]
        lines.append(f"torch.compile ({c['model']}, {c['backend']}): plain {c['plain']['graphs']} graph(s), "
                     f"{c['plain']['graph_breaks']} break(s); watched {c['watched']['graphs']} graph(s), "
                     f"{c['watched']['graph_breaks']} break(s): {'the same' if c['same'] else 'DIFFERENT'}.")
    return "\n".join(lines + [""])


def _step_rows(steps: dict[str, Any]) -> list[str]:
    lines = ["| model | config | ms / step | ratio to plain | host syncs / step | peak memory over plain (MiB) |",
             "|---|---|---|---|---|---|"]
    for name, r in steps.items():
        for c, s in r["median_s"].items():
            syncs = r.get("syncs_per_step", {}).get(c)
            mem = r.get("mem_diff_mib", {}).get(c)
            lines.append(f"| {name} | {c} | {1e3 * s:.2f} | {r['ratio'][c]:.3f} | "
                         f"{'' if syncs is None else f'{syncs:.2f}'} | {'' if mem is None else f'{mem:+.1f}'} |")
        for c, why in r.get("skipped", {}).items():
            lines.append(f"| {name} | {c} | skipped: {why} | | | |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--small", action="store_true", help="toy models, a few steps: checks the script, measures nothing")
    ap.add_argument("--configs", default=None, help=f"comma-separated; default {','.join(CONFIGS)} ({','.join(SMALL_CONFIGS)} with --small)")
    ap.add_argument("--json", default=None, help="where to write the results (default: benchmarks/gpu.json on a GPU)")
    ap.add_argument("--write-md", action="store_true")
    ap.add_argument("--from-json", default=None, help="measure nothing: print (and with --write-md write) "
                    "the section of a run's saved results")
    a = ap.parse_args(argv)
    if a.from_json:
        return _report(json.loads(Path(a.from_json).read_text()), a.write_md)
    if a.device.startswith("cuda") and not torch.cuda.is_available():
        print("gpu.py: no CUDA device here; use --device cpu --small to check the script", file=sys.stderr)
        return 2
    threads = torch.get_num_threads()
    if a.device == "cpu":
        torch.set_num_threads(1)  # toy models: intra-op threads would only wait for each other
    try:
        return _run(a)
    finally:
        torch.set_num_threads(threads)


def _run(a: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    res: dict[str, Any] = {
        "device": a.device, "small": a.small, "torch": torch.__version__,
        "device_name": torch.cuda.get_device_name(a.device) if a.device.startswith("cuda") else "CPU",
    }
    configs = a.configs.split(",") if a.configs else SMALL_CONFIGS if a.small else CONFIGS
    res["command"] = "python benchmarks/gpu.py" + (f" --device {a.device}" if a.device != "cuda" else "") + (
        " --small" if a.small else "")
    path = a.json or (None if a.device == "cpu" else os.path.join(os.path.dirname(__file__), "gpu.json"))
    with tempfile.TemporaryDirectory() as wandb_dir:
        os.environ.setdefault("WANDB_DIR", wandb_dir)  # wandb's offline files stay out of the working tree
        _section(res, "steps", path, step_times, a.device, a.small, configs)
    _section(res, "scaler", path, scaler_check, a.device, a.small)
    _section(res, "compile", path, compile_check, a.device, a.small)
    res["seconds"] = round(time.perf_counter() - t0, 1)
    _save(res, path)
    return _report(res, a.write_md)


def _section(res: dict[str, Any], key: str, path: str | None, fn: Any, *args: Any) -> None:
    """One part of the run: its result, or the error that stopped it (the next part still runs,
    which a single lent run of a GPU needs); saved at once."""
    try:
        res[key] = fn(*args)
    except Exception as exc:  # a benchmark: one failing part must not cost the others
        res[key] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"gpu.py: {key} failed: {res[key]['error']}", file=sys.stderr)
    _save(res, path)


def _save(res: dict[str, Any], path: str | None) -> None:
    if path:
        Path(path).write_text(json.dumps(res, indent=2, default=str))


def _report(res: dict[str, Any], write_md: bool) -> int:
    text = markdown(res, res.get("command", "python benchmarks/gpu.py"))
    print(text)
    if write_md:
        write_section("gpu", text)
    failed = [k for k in ("steps", "scaler", "compile") if "error" in res.get(k, {"error": "not run"})]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
