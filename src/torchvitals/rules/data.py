"""Data rules: a training step that waits for its input pipeline."""

from __future__ import annotations

from torchvitals.findings import Finding
from torchvitals.record import History
from torchvitals.rules.base import CannotJudge, Rule, rule

# Share of a step's wall time spent waiting for the next batch beyond which the run is input
# bound (seed 001: 3,051 ms of a 3,291 ms step in the data loader, 93%).
WAIT_SHARE = 0.5
# Batches needed before judging (the first batch of each pass, worker start-up, is not counted).
MIN_BATCHES = 5
# A share is only evidence when the wait is worth anything: below a millisecond per batch, a
# tiny in-memory loader's microseconds of wait against microseconds of work is timer noise.
WAIT_FLOOR_MS = 1.0


@rule(
    "TV401",
    "input-bound",
    what=f"A training DataLoader whose batches take more than {WAIT_SHARE:.0%} of the step's wall "
    f"time to arrive (time inside next() vs time between batches), and at least {WAIT_FLOOR_MS:g} ms "
    "each (every DataLoader iterated under `watch()` or `torchvitals run` is timed).",
    why="The model waits for data: the GPU idles and adding compute does nothing. One "
    "forecaster's step spent 3,051 ms of 3,291 ms in the data loader; its forward took 9 ms.",
    example="""
loader = DataLoader(dataset_with_slow_getitem, batch_size=16)   # num_workers=0: one process
for x, y in loader:                                            # does all the loading
    ...
""",
    fix="Load in parallel (num_workers ≈ CPU cores, persistent_workers=True, prefetch_factor), "
    "pin_memory=True when training on CUDA, and move per-item Python work out of __getitem__: "
    "pre-build tensors (a TensorDataset), decode once, augment on the GPU.",
)
def input_bound(h: History, r: Rule) -> list[Finding]:
    loaders: dict[str, dict] = {}
    for e in h.events:
        if e.get("kind") != "dataloader":
            continue
        agg = loaders.setdefault(str(e.get("loader")), {"wait": 0.0, "work": 0.0, "batches": 0, "steps": 0, "last": e})
        for key in ("wait", "work", "batches", "steps"):
            v = e.get(key)
            if isinstance(v, (int, float)):
                agg[key] += v
        agg["last"] = e
        agg.setdefault("it", e.get("it"))
    # Training loaders only (backward passes while iterating them): an evaluation loop's share of
    # waiting is neither the training's cost nor stable from run to run at a few batches.
    judged = {k: v for k, v in loaders.items() if v["batches"] >= MIN_BATCHES and v["wait"] + v["work"] > 0 and v["steps"]}
    if not judged:
        raise CannotJudge("no training DataLoader pass timed")
    out = []
    for name, agg in judged.items():
        total = agg["wait"] + agg["work"]
        share = agg["wait"] / total
        if share <= WAIT_SHARE or 1000 * agg["wait"] / agg["batches"] < WAIT_FLOOR_MS:
            continue
        last = agg["last"]
        per_wait = 1000 * agg["wait"] / agg["batches"]
        per_step = 1000 * total / agg["batches"]
        tips = []
        if not last.get("num_workers"):
            tips.append("it loads in the main process (num_workers=0): use num_workers=4 or more")
        else:
            tips.append(f"its {last['num_workers']} workers cannot keep up: add workers or raise prefetch_factor")
        if last.get("cuda") and not last.get("pin_memory"):
            tips.append("pin_memory=True")
        out.append(
            r.finding(
                "warning",
                f"{name}: {per_wait:,.1f} ms of each {per_step:,.1f} ms step wait for the next batch ({share:.0%}); "
                + "; ".join(tips),
                evidence={
                    "loader": name,
                    "wait_s": round(agg["wait"], 4),
                    "work_s": round(agg["work"], 4),
                    "share": round(share, 3),
                    "batches": agg["batches"],
                    "num_workers": last.get("num_workers"),
                    "pin_memory": last.get("pin_memory"),
                },
                where=[name],
                step=agg.get("it"),
            )
        )
    return out
