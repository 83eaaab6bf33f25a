"""How much does torchvitals cost a training step, next to the tools users would pick instead?

    python benchmarks/overhead.py                        # the small transformer
    python benchmarks/overhead.py --model all            # mlp, cnn, transformer, transformer-25m
    python benchmarks/overhead.py --model mlp cnn --configs plain default wandb-watch-50
    python benchmarks/overhead.py --quick                # a smoke run for CI, not a measurement
    python benchmarks/overhead.py --model all --write-md --json benchmarks/overhead.json

Configurations (all train the same model, AdamW, the same synthetic batches, from one seed):
  plain             the loop alone: zero_grad, forward, loss, backward, step
  default           torchvitals.watch(model, optimizer): default sampling (every 50th iteration)
  every-step        torchvitals.watch(..., every=1): every iteration sampled
  script            benchmarks/plain_train.py run as `python` runs it (the control for `run`)
  run               the same script under `torchvitals run` (nothing in the script changed)
  naive-every-step  a per-parameter `p.grad.norm().item()` loop before each optimizer step,
                    the hand-written monitor of most scripts
  wandb-log         wandb.init(mode="offline") and `run.log({"loss": loss.item()})` after every
                    step, without watch: the logging that the two watch configs also do
  wandb-watch-50    as wandb-log, plus run.watch(model, log="gradients", log_freq=50): gradient
  wandb-watch-1       histograms of every parameter every 50th backward pass (log_freq=1: every
                    one). wandb.watch's tensor hooks compute the histograms during backward and
                    stage them in the current history row; the row is only written when the
                    loop calls log(), so a loop that logs nothing would measure nothing to send.
                    Each run does init -> watch -> train -> unwatch -> finish -> wandb.teardown(),
                    so the wandb-core service process and wandb's threads do not outlive the run
                    and cannot load the machine during the other configs (checked after each).
  lightning-50      lightning.pytorch.utilities.grad_norm(model, 2) every 50th step, before the
  lightning-1         optimizer step (where Lightning's on_before_optimizer_step runs), the dict
                    turned into floats by convert_tensors_to_scalars, which is what Lightning's
                    logger connector does before handing metrics to a logger. (The Lightning docs
                    call grad_norm every step and a default Trainer logs every 50th: grad_norm
                    itself already reads every norm back with torch.tensor(list), so that costs
                    about what lightning-1 costs.)
  cockpit-50        Cockpit's "economy" quantities (Alpha, Distance, GradHist1d, GradNorm,
  cockpit-1           InnerTest, Loss, NormTest, OrthoTest, UpdateSize) on a BackPACK-extended
                    model, tracked every 50th step / every step, as Cockpit's examples run it.
                    Optional: skipped, with the reason, where cockpit-for-pytorch is not
                    importable or fails on the model (BackPACK has no per-sample gradients for
                    attention or LayerNorm). Every tracked step is slow on a CPU, so cockpit-1
                    times at most 10 steps (all of them tracked: a short run is its steady state).
                    cockpit-for-pytorch cannot go into the benchmark's environment as is: its
                    backpack-for-pytorch requires torchvision, which pip installs with a CUDA
                    torch in place of the CPU one. Install it beside the environment instead:
                      pip install --no-deps --target DIR cockpit-for-pytorch backpack-for-pytorch
                        einops unfoldNd json-tricks 'setuptools<81' matplotlib pandas scipy seaborn
                        pillow kiwisolver contourpy cycler fonttools pyparsing python-dateutil tzdata
                    (one command), then run with PYTHONPATH=DIR (setuptools<81: cockpit imports
                    pkg_resources).

Method. Step time: the configs of one model run in ONE process, interleaved in rotating
order, so that drift of the machine (thermal, other load) hits all of them alike. Each run
builds a fresh model and optimizer, trains `warmup` steps untimed, then times `steps` steps; a
run's figure is its mean step time (sampled iterations included, so sampling is amortised as in
a real run: `steps` is a multiple of 50), a config's figure the median of its runs, and the
ratio is to `plain`. Peak memory, CPU: the peak resident set size of the process during the run
(Linux: /proc/self/clear_refs resets the high-water mark before the run, VmHWM reads it after),
minus the resident size at the start of the run; so it holds the model, optimizer state,
activations and whatever the tool keeps (wandb's service process is not counted). CUDA:
torch.cuda.max_memory_allocated over the run minus the memory allocated at its start. Host
synchronisations per step (CUDA only): one extra untimed run per config under
torch.cuda.set_sync_debug_mode("warn"), counting the warnings of the timed part.

This is a benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import importlib.metadata
import json
import os
import platform
import re
import runpy
import shutil
import statistics
import sys
import tempfile
import threading
import time
import warnings
from typing import Any

import bench_models
import peers
import torch
import torch.nn.functional as F
from bench_md import write_section

import torchvitals
from torchvitals.run import run_script

# name: (cadence in iterations, or None; one line for tables)
CONFIGS: dict[str, tuple[int | None, str]] = {
    "plain": (None, "the loop alone"),
    "default": (50, "torchvitals.watch, default sampling (every 50)"),
    "every-step": (1, "torchvitals.watch(every=1)"),
    "script": (None, "plain_train.py run as python runs it"),
    "run": (50, "`torchvitals run plain_train.py`"),
    "naive-every-step": (1, "`p.grad.norm().item()` per parameter"),
    "wandb-log": (None, "wandb offline, `log(loss)` each step, no watch"),
    "wandb-watch-50": (50, "+ `watch(log=\"gradients\", log_freq=50)`"),
    "wandb-watch-1": (1, "+ `watch(log=\"gradients\", log_freq=1)`"),
    "lightning-50": (50, "Lightning `grad_norm` every 50th step, to floats"),
    "lightning-1": (1, "Lightning `grad_norm` every step, to floats"),
    "cockpit-50": (50, "Cockpit economy, tracked every 50th step"),
    "cockpit-1": (1, "Cockpit economy, tracked every step"),
}
TARGETS = {"default": 1.02, "every-step": 1.05, "run": 1.05}  # max step-time ratio to plain
# torchvitals' config and the peers at the same cadence it must beat
PEERS = {
    "default": ["wandb-watch-50", "lightning-50", "cockpit-50"],
    "every-step": ["naive-every-step", "wandb-watch-1", "lightning-1", "cockpit-1"],
}
TORCHVITALS = {"default", "every-step", "run"}
# (timed steps, repeats, warm-up steps) per model: ~18 minutes for all four on 2 quiet cores
# (more with Cockpit installed). Steps are a multiple of 50, so every-50 sampling is represented
# exactly. The 50-step warm-up keeps a start-up phase out of the timed window: torchvitals runs
# its rules after each of its first 50 records, then every 10th, and with every=1 a record is
# written each step (at default sampling the first 50 records span ~2,250 iterations, so the
# window holds one evaluation per 50 iterations either way). transformer-25m keeps a short
# warm-up to stay in the time budget; there a rule pass is small beside a ~0.2 s step.
PLAN = {
    "mlp": (200, 3, 50),
    "cnn": (100, 3, 50),
    "transformer": (100, 3, 50),
    "transformer-25m": (100, 2, 10),
}
QUICK = (30, 2, 5)
# (timed, warm-up) steps at most: every step of cockpit-1 is tracked, so a short run is its
# steady state; cockpit-50 needs 100 steps to include two tracked ones.
STEP_CAP = {"cockpit-1": (10, 2), "cockpit-50": (100, 10)}
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plain_train.py")


# -----------------------------------------------------------------------------
# peers: which ones can run here


def peer_problems(configs: list[str]) -> dict[str, str]:
    """Import the peers the configs use once, up front (every timed run then sees the same
    loaded modules; a peer no config uses is not imported: Lightning's import alone takes
    seconds); return {config prefix: why it cannot run} for those that cannot."""
    used = {c.split("-")[0] for c in configs}
    problems = {}
    if "wandb" in used:
        try:
            import wandb  # noqa: F401
        except ImportError as e:
            problems["wandb"] = f"wandb not importable ({e}); `make bench` installs it"
    if "lightning" in used and (why := peers.lightning_available()) is not None:
        problems["lightning"] = why
    if "cockpit" not in used:
        return problems
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cockpit imports the deprecated pkg_resources
            import backpack  # noqa: F401
            import cockpit  # noqa: F401
    except ImportError as e:
        problems["cockpit"] = (
            f"cockpit-for-pytorch is not importable here ({e}); it cannot go into this "
            "environment as is (its backpack-for-pytorch needs torchvision, which pip installs with "
            "a CUDA torch in place of the CPU one): install it with --no-deps beside it, see --help"
        )
    return problems


# -----------------------------------------------------------------------------
# memory


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            m = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.M)
        return int(m.group(1)) / 1024 if m else None
    except OSError:
        return None


def _release_freed_memory() -> None:
    """Give freed heap back to the OS, so a run's starting RSS does not carry the previous run."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def memory_start(device: str) -> float | None:
    """Reset the peak and return the baseline (MiB); None where this cannot be measured."""
    _release_freed_memory()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        return torch.cuda.memory_allocated() / 2**20
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # 5: reset the peak RSS (VmHWM) of this process
    except OSError:
        return None
    return _status_mib("VmRSS")


def memory_peak(device: str, base: float | None) -> float | None:
    """The peak (MiB) since memory_start, above its baseline."""
    if base is None:
        return None
    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 2**20 - base
    peak = _status_mib("VmHWM")
    return None if peak is None else peak - base


# -----------------------------------------------------------------------------
# the configurations


def run_loop(model_name: str, config: str, steps: int, warmup: int, device: str) -> float:
    """The in-process configs: plain, torchvitals' API, the naive loop, Lightning's grad_norm."""
    model, optimizer, data, loss_fn = bench_models.build(model_name, device)
    monitor = None
    out = tempfile.TemporaryDirectory()  # run.jsonl written as users get it by default
    if config == "default":
        monitor = torchvitals.watch(model, optimizer, out=out.name, console=False)
    elif config == "every-step":
        monitor = torchvitals.watch(model, optimizer, out=out.name, console=False, every=1)
    elif config == "naive-every-step":
        optimizer.register_step_pre_hook(peers.naive_norms)
    elif config.startswith("lightning-"):
        optimizer.register_step_pre_hook(peers.lightning_hook(model, CONFIGS[config][0] or 1))
    try:
        return bench_models.train(model, optimizer, data, loss_fn, steps, warmup)
    finally:
        if monitor is not None:
            monitor.close()
        out.cleanup()


def run_script_once(model_name: str, config: str, steps: int, warmup: int, device: str) -> float:
    """plain_train.py in this process: as `python` runs it (script) or under `torchvitals run`."""
    with tempfile.TemporaryDirectory() as tmp:
        result = os.path.join(tmp, "r.json")
        args = ["--model", model_name, "--steps", str(steps), "--warmup", str(warmup),
                "--device", device, "--result", result]
        if config == "run":
            run_script(SCRIPT, args, {"out": tmp, "console": False})
        else:
            saved = sys.argv[:]
            sys.argv = [SCRIPT, *args]
            sys.path.insert(0, os.path.dirname(SCRIPT))
            try:
                runpy.run_path(SCRIPT, run_name="__main__")
            finally:
                sys.argv = saved
                sys.path.pop(0)
        with open(result) as f:
            return json.load(f)["step_s"]


def run_wandb(model_name: str, config: str, steps: int, warmup: int, device: str) -> float:
    """One offline wandb run around the loop, logging the loss each step like a user's loop."""
    import wandb

    model, optimizer, data, loss_fn = bench_models.build(model_name, device)
    run = wandb.init(mode="offline", project="torchvitals-overhead", config={"model": model_name})
    watched = config != "wandb-log"
    try:
        if watched:
            run.watch(model, log="gradients", log_freq=CONFIGS[config][0])

        def log(it: int, loss: torch.Tensor) -> None:
            run.log({"loss": loss.item()})

        return bench_models.train(model, optimizer, data, loss_fn, steps, warmup, after_step=log)
    finally:
        if watched:
            run.unwatch(model)
        run.finish()
        wandb.teardown()  # stop the wandb-core service: nothing of wandb runs during other configs


def _per_sample_losses(model_name: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if model_name == "mlp":
        return F.mse_loss(out, y, reduction="none")
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), reduction="none")


def run_cockpit(model_name: str, config: str, steps: int, warmup: int, device: str) -> float:
    """bench_models.train's loop with Cockpit's economy quantities, as Cockpit's examples do it:
    a BackPACK-extended model, individual losses handed in, backward inside the cockpit context."""
    from backpack import extend
    from cockpit import Cockpit
    from cockpit.utils.configuration import configuration
    from cockpit.utils.schedules import linear

    model, optimizer, data, loss_fn = bench_models.build(model_name, device)
    model = extend(model)
    every = CONFIGS[config][0] or 1
    cockpit = Cockpit(model.parameters(), quantities=configuration("economy", track_schedule=linear(every)))
    model.train()
    t0 = 0.0
    for it in range(warmup + steps):  # Cockpit counts steps from 0, as its examples do
        if it == warmup:
            t0 = bench_models.timer_started(model)
        x, y = data[it % len(data)]
        optimizer.zero_grad(set_to_none=True)
        out = model(x)
        loss = loss_fn(out, y)
        info = {"batch_size": x.shape[0], "individual_losses": _per_sample_losses(model_name, out, y),
                "loss": loss, "optimizer": optimizer}
        with cockpit(it, info=info):
            loss.backward(create_graph=cockpit.create_graph(it))
        optimizer.step()
    return (bench_models.timer_stopped(model) - t0) / steps


def run_once(model_name: str, config: str, steps: int, warmup: int, device: str) -> tuple[float, float | None]:
    """Train `warmup` + `steps` steps under `config`: (mean seconds per timed step, peak MiB)."""
    if config in STEP_CAP:
        steps, warmup = min(steps, STEP_CAP[config][0]), min(warmup, STEP_CAP[config][1])
    base = memory_start(device)
    if config in ("script", "run"):
        step_s = run_script_once(model_name, config, steps, warmup, device)
    elif config.startswith("wandb-"):
        step_s = run_wandb(model_name, config, steps, warmup, device)
    elif config.startswith("cockpit-"):
        step_s = run_cockpit(model_name, config, steps, warmup, device)
    else:
        step_s = run_loop(model_name, config, steps, warmup, device)
    return step_s, memory_peak(device, base)


def count_syncs(model_name: str, config: str, steps: int, warmup: int, device: str) -> float:
    """Host synchronisations per timed step on CUDA, from set_sync_debug_mode's warnings."""
    marks: dict[str, int] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bench_models.timing_hook = lambda event: marks.__setitem__(event, len(caught))
        torch.cuda.set_sync_debug_mode("warn")
        try:
            run_once(model_name, config, steps, warmup, device)
        finally:
            torch.cuda.set_sync_debug_mode(0)
            bench_models.timing_hook = None
    if config in STEP_CAP:
        steps = min(steps, STEP_CAP[config][0])
    timed = caught[marks["start"]:marks["stop"]]
    return sum("synchroniz" in str(w.message) for w in timed) / steps


# -----------------------------------------------------------------------------
# leftovers: wandb must not leave threads or processes behind


def _children() -> set[str]:
    kids: set[str] = set()
    for task in os.listdir("/proc/self/task") if os.path.isdir("/proc/self/task") else []:
        try:
            with open(f"/proc/self/task/{task}/children") as f:
                kids.update(f.read().split())
        except OSError:
            pass
    return kids


def leftovers(threads_before: set[str], children_before: set[str]) -> str:
    threads = {t.name for t in threading.enumerate()} - threads_before
    children = _children() - children_before
    return ", ".join([f"thread {t}" for t in sorted(threads)] + [f"process {c}" for c in sorted(children)])


# -----------------------------------------------------------------------------
# one model


def bench_model(model_name: str, configs: list[str], plan: tuple[int, int, int], device: str,
                problems: dict[str, str]) -> dict[str, Any]:
    """Interleave the configs in rotating order; return per-run times, medians and ratios."""
    steps, repeats, warmup = plan
    skipped = {c: problems[c.split("-")[0]] for c in configs if c.split("-")[0] in problems}
    configs = [c for c in configs if c not in skipped]
    threads0, children0 = {t.name for t in threading.enumerate()}, _children()
    leaks: dict[str, str] = {}

    said: list[str] = []  # the warnings of the last untimed pass

    def once(config: str, n: int, w: int, untimed: bool = False) -> tuple[float, float | None]:
        # Peers warn on every step (BackPACK about container modules, for one): silence them;
        # in the untimed pass keep what they said, for the reason when one fails.
        with warnings.catch_warnings(record=untimed) as caught:
            warnings.simplefilter("always" if untimed else "ignore")
            try:
                result = run_once(model_name, config, n, w, device)
            finally:
                said[:] = [str(x.message) for x in caught or []]
        if config.startswith("wandb-") and (left := leftovers(threads0, children0)):
            leaks[config] = left
        return result

    for config in list(configs):  # one untimed pass each: lazy initialisation, first-touch memory
        if config in TORCHVITALS or config in ("plain", "script"):
            once(config, 1, min(warmup, 5), untimed=True)
            continue
        try:  # a peer may not support the model (Cockpit on attention): note it and go on
            once(config, 1, min(warmup, 5), untimed=True)
        except Exception as e:
            why = f"failed on this model: {type(e).__name__}: {str(e)[:160]}"
            pattern = r"does not have an extension for Module <class '([\w.]+)'>"
            missing = sorted({m.group(1) for text in said if (m := re.search(pattern, text))})
            if missing:
                why += f" (BackPACK has no extension for {', '.join(missing)})"
            skipped[config] = why
            configs.remove(config)
            print(f"  [{model_name}] {config} skipped: {why}", flush=True)

    runs: dict[str, list[float]] = {c: [] for c in configs}
    mem: dict[str, list[float]] = {c: [] for c in configs}
    for r in range(repeats):
        order = configs[r % len(configs):] + configs[: r % len(configs)]
        for config in order:
            step_s, peak = once(config, steps, warmup)
            runs[config].append(step_s)
            if peak is not None:
                mem[config].append(peak)
        done = "  ".join(f"{c}={runs[c][-1] * 1e3:.1f}ms" for c in configs)
        print(f"  [{model_name}] repeat {r + 1}/{repeats}: {done}", flush=True)

    median = {c: statistics.median(runs[c]) for c in configs}
    ratio = {c: median[c] / median["plain"] for c in configs}
    res: dict[str, Any] = {"runs_s": runs, "median_s": median, "ratio": ratio, "skipped": skipped}
    if all(mem[c] for c in configs):
        mem_mib = {c: statistics.median(mem[c]) for c in configs}
        res["mem_mib"] = mem_mib
        res["mem_ratio"] = {c: mem_mib[c] / mem_mib["plain"] for c in configs}
        res["mem_diff_mib"] = {c: mem_mib[c] - mem_mib["plain"] for c in configs}
    if device.startswith("cuda"):
        res["syncs_per_step"] = {c: count_syncs(model_name, c, min(steps, 100), warmup, device) for c in configs}
    if leaks:
        res["leaks"] = leaks
    return res


# -----------------------------------------------------------------------------
# reporting


def machine_info(threads: int, device: str) -> dict[str, Any]:
    info = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvitals": torchvitals.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "device": device if device == "cpu" else torch.cuda.get_device_name(),
    }
    if hasattr(os, "getloadavg"):
        info["load_at_start"] = round(os.getloadavg()[0], 2)
    for name, dist in (("wandb", "wandb"), ("lightning", "lightning"), ("cockpit", "cockpit-for-pytorch"),
                       ("backpack", "backpack-for-pytorch")):
        if name in sys.modules:
            try:
                info[name] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                info[name] = "?"
    return info


def verdicts(res: dict[str, Any]) -> list[str]:
    """One line per torchvitals target and per equal-cadence peer comparison."""
    ratio = res["ratio"]
    lines = []
    for c, limit in TARGETS.items():
        if c in ratio:
            lines.append(f"{c}: {ratio[c]:.3f}x, target <= {limit:.2f}x: {'PASS' if ratio[c] <= limit else 'MISS'}")
    for c, rivals in PEERS.items():
        ran = [p for p in rivals if p in ratio]
        if c not in ratio or not ran:
            continue
        beaten = [p for p in ran if ratio[c] < ratio[p]]
        peers_txt = ", ".join(f"{p} {ratio[p]:.3f}x" for p in ran)
        verdict = "yes" if len(beaten) == len(ran) else f"no (not below {', '.join(p for p in ran if p not in beaten)})"
        lines.append(f"{c} {ratio[c]:.3f}x vs {peers_txt}: lower than every peer: {verdict}")
    return lines


def print_table(model_name: str, res: dict[str, Any], n_params: int) -> None:
    runs, median, ratio = res["runs_s"], res["median_s"], res["ratio"]
    mem, syncs = res.get("mem_mib"), res.get("syncs_per_step")
    print(f"\n{model_name} ({n_params / 1e6:.2f}M parameters)")
    head = f"  {'config':<17} {'ms/step':>9} {'min-max ms':>17} {'ratio':>7} {'target':>8} {'':4}"
    head += f" {'peak MiB':>9} {'mem ratio':>9} {'+MiB':>8}" if mem else "  (peak memory: not measurable here)"
    print(head + (f" {'syncs/step':>10}" if syncs else ""))
    for c in runs:
        spread = f"{min(runs[c]) * 1e3:.1f}-{max(runs[c]) * 1e3:.1f}"
        target = f"<={TARGETS[c]:.2f}x" if c in TARGETS else ""
        mark = ("PASS" if ratio[c] <= TARGETS[c] else "MISS") if c in TARGETS else ""
        line = f"  {c:<17} {median[c] * 1e3:>9.2f} {spread:>17} {ratio[c]:>6.3f}x {target:>8} {mark:4}"
        if mem:
            line += f" {mem[c]:>9.1f} {res['mem_ratio'][c]:>8.2f}x {res['mem_diff_mib'][c]:>+8.1f}"
        print(line + (f" {syncs[c]:>10.2f}" if syncs else ""))
    for c, why in res["skipped"].items():
        print(f"  {c:<17} skipped: {why}")
    for line in verdicts(res):
        print(f"  {line}")
    worst = max(max(runs[c]) / min(runs[c]) for c in runs)
    if worst > 1.10:
        print(f"  note: runs of one config differ by up to {worst:.2f}x: a noisy machine, rerun")
    for c, left in res.get("leaks", {}).items():
        print(f"  warning: after {c}, still running: {left}")


def command_line(args: argparse.Namespace) -> str:
    cmd = f"python benchmarks/overhead.py --model {' '.join(args.model)}"
    if args.quick:
        cmd += " --quick"
    for flag in ("steps", "repeats", "warmup"):
        if getattr(args, flag) is not None:
            cmd += f" --{flag} {getattr(args, flag)}"
    if args.configs != list(CONFIGS):
        cmd += f" --configs {' '.join(args.configs)}"
    if args.device != "cpu":
        cmd += f" --device {args.device}"
    return cmd


COCKPIT_INSTALL = (
    "pip install --no-deps --target DIR cockpit-for-pytorch backpack-for-pytorch einops unfoldNd "
    "json-tricks 'setuptools<81' matplotlib pandas scipy seaborn pillow kiwisolver contourpy cycler "
    "fonttools pyparsing python-dateutil tzdata"
)


def markdown(results: dict[str, Any], info: dict[str, Any], command: str, quick: bool) -> str:
    """The overhead section of BENCHMARKS.md: per model, every config's ratios to the plain loop."""
    cuda = info["device"] != "cpu"
    lines = [
        "## Overhead",
        "",
        f"`{command}` on {info['platform']} ({info['cpu_count']} cores, {info['threads']} threads, "
        f"{info['device']}), torch {info['torch']}"
        + "".join(f", {k} {info[k]}" for k in ("wandb", "lightning", "cockpit", "backpack") if k in info)
        + f"; {info['date']}; {info['elapsed_min']:.1f} min in all.",
    ]
    # Other work on the machine shows in the load average (at the end, this run's own threads
    # are part of it).
    load = max(info.get("load_at_start", 0), info.get("load_at_end", 0) - info["threads"])
    busy = load > 0.5 * (info["cpu_count"] or 1)
    if quick or busy:
        why = "a --quick smoke run" if quick else (
            f"the machine was busy (load average {info.get('load_at_start')} at the start, "
            f"{info.get('load_at_end')} at the end)")
        lines += ["", f"**Not final figures: {why}.** Rerun on a quiet machine before reading them."]
    lines += [
        "",
        "Step time: the configurations of a model run interleaved in one process; a run's figure is "
        "its mean step time over a multiple of 50 steps (sampled iterations included), a "
        "configuration's the median of its runs, shown as a ratio to the plain loop. Memory: "
        + ("`torch.cuda.max_memory_allocated` during a run above what was allocated at its start"
           if cuda else
           "the process's peak RSS during a run above its RSS at the start (the peak is reset "
           "before each run through `/proc/self/clear_refs`), so it holds the model, the optimizer "
           "state, the activations and whatever the tool keeps; wandb's service process is not counted")
        + "; median of the runs, as a ratio to the plain loop's and as the difference in MiB."
        + (" Syncs/step: host synchronisations per timed step, counted in one more run per "
           "configuration under `torch.cuda.set_sync_debug_mode(\"warn\")`." if cuda else "")
        + " Targets: torchvitals ≤ 1.02× at default sampling, ≤ 1.05× every step, `run` ≤ 1.05×, "
        "and below every peer at the same cadence.",
        "",
        "torchvitals writes its run.jsonl, as it does by default, into a temporary directory. Peers: wandb runs offline, one `wandb.init` … `finish()` and `wandb.teardown()` per run "
        "(so its service process never runs beside another configuration), and the loop calls "
        "`run.log({\"loss\": loss.item()})` each step as users do, because `watch` only stages its "
        "histograms and `log` writes them; `wandb-log` is that logging without `watch`. Lightning's "
        "`grad_norm` runs where `on_before_optimizer_step` would, its dict converted to floats as "
        "Lightning's logger connector does. Cockpit runs its economy configuration on a "
        "BackPACK-extended model with AdamW (its `Alpha` quantity then falls back from its "
        "SGD-only projection to caching parameters and per-sample gradients). cockpit-for-pytorch "
        "is not in the `bench` extra: backpack-for-pytorch requires torchvision, and pip would "
        "install it with a CUDA torch in place of the CPU one. To measure it, install it beside "
        f"the environment (`{COCKPIT_INSTALL}`) and run with `PYTHONPATH=DIR`. "
        "`python benchmarks/overhead.py --help` describes each configuration.",
    ]
    notes: dict[str, int] = {}  # one footnote per distinct reason a configuration did not run
    for model, res in results.items():
        steps, repeats = res["plan"]["steps"], res["plan"]["repeats"]
        ratio, mem, syncs = res["ratio"], res.get("mem_mib"), res.get("syncs_per_step")
        lines += [
            "",
            f"### {model} ({res['params'] / 1e6:.1f}M parameters; {repeats} runs × {steps} steps, "
            f"plain {res['median_s']['plain'] * 1e3:.1f} ms/step"
            + (f", {mem['plain']:.0f} MiB" if mem else "") + ")",
            "",
            "| config | what | step time | target | memory | Δ memory |" + (" syncs/step |" if syncs else ""),
            "|---|---|---|---|---|---|" + ("---|" if syncs else ""),
        ]
        for c in ratio:
            target = ""
            if c in TARGETS:
                target = f"≤ {TARGETS[c]:.2f}× {'✅' if ratio[c] <= TARGETS[c] else '❌'}"
            memory = f"{res['mem_ratio'][c]:.2f}×" if mem else "—"
            diff = f"{res['mem_diff_mib'][c]:+.0f} MiB" if mem else "—"
            row = f"| {c} | {CONFIGS[c][1]} | {ratio[c]:.3f}× | {target} | {memory} | {diff} |"
            lines.append(row + (f" {syncs[c]:.1f} |" if syncs else ""))
        for c, why in res["skipped"].items():
            n = notes.setdefault(why, len(notes) + 1)
            lines.append(f"| {c} | {CONFIGS[c][1]} | not run [{n}] | | | |" + (" |" if syncs else ""))
        lines += [""] + [f"- {line}" for line in verdicts(res)]
        worst = max(max(r) / min(r) for r in res["runs_s"].values())
        if worst > 1.10:
            lines.append(f"- Runs of one configuration differ by up to {worst:.2f}×: differences below that are noise.")
    if notes:
        lines += ["", "Not run:", ""] + [f"- [{n}] {why}" for why, n in notes.items()]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", nargs="+", choices=[*bench_models.MODELS, "all"], default=["transformer"],
                    metavar="MODEL", help=f"{', '.join(bench_models.MODELS)} or all (default transformer)")
    ap.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS), metavar="CONFIG",
                    help="configurations to run, from the list above (default all; plain is always added)")
    per_model = "; ".join(f"{m} {p[0]}/{p[1]}/{p[2]}" for m, p in PLAN.items())
    ap.add_argument("--steps", type=int, help=f"timed steps per run (per model, steps/repeats/warm-up: {per_model})")
    ap.add_argument("--repeats", type=int, help="runs per config (default: per model)")
    ap.add_argument("--warmup", type=int, help="untimed steps per run (default: per model)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda[:N] (default cpu)")
    ap.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK[0]} steps, {QUICK[1]} repeats")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    ap.add_argument("--write-md", action="store_true", help="replace the overhead section of BENCHMARKS.md")
    args = ap.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"--device {args.device}: CUDA is not available here", file=sys.stderr)
        return 2
    if args.device.startswith("cuda") and torch.device(args.device).index is not None:
        torch.cuda.set_device(args.device)  # memory statistics read the current device
    if "plain" not in args.configs:
        args.configs.insert(0, "plain")
    models = bench_models.MODELS if "all" in args.model else list(dict.fromkeys(args.model))

    # wandb stays offline and quiet, and writes its run files where they are removed afterwards.
    wandb_dir = tempfile.mkdtemp(prefix="overhead-wandb-")
    os.environ.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=wandb_dir)
    t_start = time.perf_counter()
    torch.set_num_threads(args.threads)
    problems = peer_problems(args.configs)
    info = machine_info(args.threads, args.device)
    print("torchvitals overhead benchmark")
    for k, v in info.items():
        print(f"  {k:<14} {v}")
    if args.quick:
        print("  (--quick: too short to judge overhead; a smoke run only)")
    for name, why in problems.items():
        print(f"  {name} configs skipped: {why}")

    results = {}
    try:
        for m in models:
            plan = QUICK if args.quick else PLAN[m]
            plan = tuple(given if given is not None else default
                         for given, default in zip((args.steps, args.repeats, args.warmup), plan, strict=True))
            n_params = bench_models.n_params(bench_models.build(m)[0])
            print(f"\n{m}: {n_params / 1e6:.2f}M parameters, {plan[1]} runs x {plan[0]} timed steps "
                  f"(+{plan[2]} warm-up) per config", flush=True)
            results[m] = bench_model(m, args.configs, plan, args.device, problems)
            results[m]["params"] = n_params
            results[m]["plan"] = dict(zip(("steps", "repeats", "warmup"), plan, strict=True))
    finally:
        shutil.rmtree(wandb_dir, ignore_errors=True)
    info["elapsed_min"] = (time.perf_counter() - t_start) / 60
    if hasattr(os, "getloadavg"):
        info["load_at_end"] = round(os.getloadavg()[0], 2)

    for m in models:
        print_table(m, results[m], results[m]["params"])
    print("\nms/step: median over runs of each run's mean step time; ratio: to plain. peak MiB: "
          + ("device memory allocated" if args.device != "cpu" else "peak RSS")
          + " during a run above its start.")
    print(f"{info['elapsed_min']:.1f} min in all.")

    if args.write_md:
        print(f"wrote {write_section('overhead', markdown(results, info, command_line(args), args.quick))}")
    if args.json:
        out = {"machine": info, "command": command_line(args), "quick": args.quick,
               "targets": TARGETS, "peers": PEERS, "results": results}
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
