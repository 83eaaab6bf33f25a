"""torchvitals' step-time targets, measured paired so that a busy machine cannot decide them.

    python benchmarks/paired_overhead.py                       # all four models, prints the table
    python benchmarks/paired_overhead.py --model mlp --windows 8
    python benchmarks/paired_overhead.py --write-md --json benchmarks/paired_overhead.json

Six loops of one model live side by side in one process, each with its own copy of the model
(same seed), its own AdamW and the same synthetic batches: `plain`, `plain-again` (an A/A
control: the plain loop once more), `default` (torchvitals.watch, default sampling),
`every-step` (watch(every=1)); both monitors write their run.jsonl as users get it; and the
peers at the same every-step cadence (benchmarks/peers.py): `naive` (a per-parameter
`p.grad.norm().item()` loop) and `lightning` (Lightning's `grad_norm`, to floats; left out when
Lightning is not installed). After a
warm-up the loops take turns step by step, in an order that rotates every step, so a burst of
other work on the machine lands on all of them alike. Each loop's steps are summed over windows
of 50 iterations (the same iterations for every loop, so each window holds exactly one sampled
iteration at default sampling). Every few windows all six loops are built afresh (a placement,
benchmarks/paired.py's `in_placements`: where a copy's tensors land moves its step time by up
to 1.5% on the MLP, benchmarks/placement.py), in a rotating order, and warmed up again. A
placement's ratio is a loop's time over the plain loop's in the same windows, and the ratios
are summarised by their median and a distribution-free 95% interval (see benchmarks/paired.py). The targets (issue 18): default <= 1.02x, every step <= 1.05x, and
every step below each peer: the every-step loop's time over the peer's, window by window,
with its interval under 1.

Switching models every step costs each loop some cache misses that a real run would not have;
that adds about the same time to every loop, so it can only pull ratios towards 1 by a little,
and the A/A control cannot show it. On CPU only (timing single CUDA steps would need a sync each).

overhead.py remains the table of every configuration, the peers and memory; this script is the
measurement of the targets. This is a benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from typing import Any

import bench_models
import paired
import peers
import torch
from bench_md import write_section

import torchvitals

TARGETS = {"default": 1.02, "every-step": 1.05}
LOOPS = ["plain", "plain-again", "default", "every-step", "naive", "lightning"]
PEERS = ["naive", "lightning"]  # at the every-step cadence
WINDOW = paired.WINDOW
# (windows, warm-up steps after each build, windows per placement): ~30 minutes for all four on
# 2 quiet cores. A warm-up of 60 steps takes the every-step loop past the first 50 records,
# after which it completes them ten at a time (torchvitals/monitor/records.py, HOLD).
PLAN = {
    "mlp": (40, 60, 1),
    "cnn": (30, 60, 3),
    "transformer": (20, 60, 2),
    "transformer-25m": (12, 30, 2),
}
QUICK = (6, 10, 3)


class Loop:
    """One training loop that can be advanced one step at a time."""

    def __init__(self, model_name: str, kind: str, out: str) -> None:
        self.model, self.optimizer, self.data, self.loss_fn = bench_models.build(model_name)
        self.model.train()
        self.monitor = None
        if kind in ("default", "every-step"):
            every = {"every": 1} if kind == "every-step" else {}
            self.monitor = torchvitals.watch(self.model, self.optimizer, out=out, console=False, **every)
        elif kind == "naive":
            self.optimizer.register_step_pre_hook(peers.naive_norms)
        elif kind == "lightning":
            self.optimizer.register_step_pre_hook(peers.lightning_hook(self.model, 1))
        self.it = 0

    def step(self, _: int = 0) -> None:
        """Train one more step."""
        x, y = self.data[self.it % len(self.data)]
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        self.it += 1

    def close(self) -> None:
        if self.monitor is not None:
            self.monitor.close()


def kinds() -> list[str]:
    """The loops that can run here: Lightning's only where it is installed."""
    missing = peers.lightning_available()
    if missing is not None:
        print(f"  ({missing}: its loop is left out)", flush=True)
    return [k for k in LOOPS if k != "lightning" or missing is None]


def bench_model(model_name: str, plan: tuple[int, int, int], names: list[str]) -> dict[str, Any]:
    windows, warmup, per = plan
    records = dict.fromkeys(names, 0)
    with tempfile.TemporaryDirectory() as tmp:

        def make(order: list[str]) -> tuple[dict[str, Any], Any]:
            loops = {k: Loop(model_name, k, tempfile.mkdtemp(dir=tmp)) for k in order}

            def close() -> None:
                for k, loop in loops.items():
                    loop.close()  # every record written (with every=1 the last few are written at close)
                    if loop.monitor is not None:
                        records[k] += loop.monitor.history.n_steps
                loops.clear()

            try:
                for loop in loops.values():
                    for _ in range(warmup):
                        loop.step()
            except BaseException:
                close()
                raise
            return {k: loop.step for k, loop in loops.items()}, close

        def report(w: int, spent: dict[str, float]) -> None:
            line = "  ".join(f"{k}={spent[k] / spent['plain']:.3f}" for k in names[1:])
            print(f"  [{model_name}] window {w + 1}/{windows}: plain {spent['plain'] / WINDOW * 1e3:.1f} ms/step  {line}",
                  flush=True)

        times = paired.in_placements(make, names, windows, per, after_window=report)
    ratios = paired.window_ratios(times, per=per)
    summary = {k: paired.median_interval(ratios[k]) for k in names[1:]}
    # torchvitals every step against each peer at the same cadence, placement by placement
    versus = {p: paired.median_interval(paired.window_ratios(times, base=p, per=per)["every-step"])
              for p in PEERS if p in times}
    return {
        "plan": {"windows": windows, "window_steps": WINDOW, "warmup": warmup, "windows_per_placement": per,
                 "placements": len(ratios["plain"])},
        "window_s": times,
        "plain_ms": 1e3 * statistics.median(times["plain"]) / WINDOW,
        "ratio": {k: _cell(v) for k, v in summary.items()},
        "verdict": {k: paired.verdict(summary[k], t) for k, t in TARGETS.items()},
        "every_step_over": {p: _cell(v) for p, v in versus.items()},
        "below_peer": {p: _below(v) for p, v in versus.items()},
        "records": {k: n for k, n in records.items() if n},
    }


def _cell(interval: tuple[float, float, float]) -> dict[str, float]:
    m, lo, hi = interval
    return {"median": m, "low": lo, "high": hi}


def _below(interval: tuple[float, float, float]) -> str:
    """Whether the every-step loop is faster than a peer's, where the interval decides it."""
    _, low, high = interval
    if high < 1:
        return "yes"
    if low > 1:
        return "no"
    return "not resolved here"


def _fmt(r: dict[str, float]) -> str:
    return f"{r['median']:.3f}× [{r['low']:.3f}, {r['high']:.3f}]"


def table(results: dict[str, Any]) -> list[str]:
    lines = ["| model | plain ms/step | A/A control (plain again) | default | every step | windows × steps (placements) |",
             "|---|---|---|---|---|---|"]
    for m, res in results.items():
        cells = []
        for k in ("plain-again", "default", "every-step"):
            cell = _fmt(res["ratio"][k])
            if k in TARGETS:
                cell += f" ≤ {TARGETS[k]:.2f}: {res['verdict'][k]}"
            cells.append(cell)
        plan = res["plan"]
        lines.append(f"| {m} | {res['plain_ms']:.1f} | {' | '.join(cells)} | "
                     f"{plan['windows']} × {plan['window_steps']} ({plan['placements']}) |")
    return lines


def peer_table(results: dict[str, Any]) -> list[str]:
    """The peers at the every-step cadence, and torchvitals' every-step loop over each."""
    names = {"naive": "naive `.item()` loop", "lightning": "Lightning `grad_norm`"}
    ran = [p for p in PEERS if any(p in res["every_step_over"] for res in results.values())]
    if not ran:
        return []
    head = ["model", *(f"{names[p]} every step" for p in ran), *(f"torchvitals every step over {names[p]}" for p in ran)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m, res in results.items():
        cells = [_fmt(res["ratio"][p]) if p in res["ratio"] else "not run" for p in ran]
        cells += [f"{_fmt(res['every_step_over'][p])} below: {res['below_peer'][p]}" if p in res["every_step_over"]
                  else "not run" for p in ran]
        lines.append(f"| {m} | {' | '.join(cells)} |")
    return lines


def markdown(results: dict[str, Any], info: dict[str, Any], command: str) -> str:
    return "\n".join([
        "## Overhead targets, measured paired",
        "",
        f"`{command}` on {info['platform']} ({info['cpu_count']} cores, {info['threads']} threads, cpu), "
        f"torch {info['torch']}; {info['date']}; {info['elapsed_min']:.1f} min in all; load average "
        f"{info['load_at_start']} at the start, {info['load_at_end']} at the end (this run's own threads included).",
        "",
        "Six loops of each model in one process, each with its own copy of the model: plain, plain again "
        "(an A/A control), `torchvitals.watch()` at default sampling and `watch(every=1)`, run.jsonl written, "
        "and two peers at the every-step cadence (benchmarks/peers.py): a per-parameter `p.grad.norm().item()` "
        "loop and Lightning's `grad_norm` (to floats), both where Lightning's on_before_optimizer_step runs. "
        "The loops take turns step by step in an order that rotates every step, so a burst of other work lands "
        "on every loop alike. Every few windows of 50 iterations (one sampled iteration each at default "
        "sampling) all six loops are built afresh in a rotating order and warmed up again: identical copies "
        "of the MLP differ by up to 1.5% in step time with where their tensors land in memory "
        "(`benchmarks/placement.py`), luck that would otherwise stay in every ratio. A ratio is a loop's time "
        "over the plain loop's summed over the same windows of one placement. Cells: the median ratio over the "
        "placements and its distribution-free 95% interval. Switching models every step adds some cache misses "
        "to every loop alike, which can only pull ratios a little towards 1. A target counts as met only when the whole "
        "interval is at or under it, missed when all of it is over; otherwise it is not resolved on this "
        "machine, and the A/A column shows how wide the machine's own noise is.",
        "",
        *table(results),
        "",
        "The peers at the same cadence (ratios to plain), and torchvitals' every-step loop over each peer's, "
        "placement by placement (below 1: torchvitals is cheaper; \"yes\" only when the whole interval is under 1):",
        "",
        *peer_table(results),
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", nargs="+", choices=[*bench_models.MODELS, "all"], default=["all"])
    ap.add_argument("--windows", type=int, help="windows of 50 iterations (default: per model)")
    ap.add_argument("--warmup", type=int, help="untimed steps per loop after each build (default: per model)")
    ap.add_argument("--per", type=int, help="windows per placement: the loops are built afresh after that many")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK[0]} windows")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--write-md", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    models = bench_models.MODELS if "all" in args.model else list(dict.fromkeys(args.model))
    t0 = time.perf_counter()
    info = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "threads": args.threads, "torch": torch.__version__,
            "load_at_start": round(os.getloadavg()[0], 2)}
    results = {}
    names = kinds()
    for m in models:
        plan = tuple(g if g is not None else d for g, d in
                     zip((args.windows, args.warmup, args.per), QUICK if args.quick else PLAN[m], strict=True))
        print(f"{m}: {plan[0]} windows of {WINDOW} steps per loop, built afresh every {plan[2]} "
              f"(+{plan[1]} warm-up steps each time)", flush=True)
        results[m] = bench_model(m, plan, names)
    info["elapsed_min"] = (time.perf_counter() - t0) / 60
    info["load_at_end"] = round(os.getloadavg()[0], 2)
    given = sys.argv[1:] if argv is None else argv
    command = "python benchmarks/paired_overhead.py " + " ".join(a for a in given if a != "--write-md")
    print("\n".join(table(results) + [""] + peer_table(results)))
    if args.write_md and not args.quick:
        print(f"wrote {write_section('overhead-paired', markdown(results, info, command.strip()))}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "command": command, "targets": TARGETS, "peers": PEERS, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
