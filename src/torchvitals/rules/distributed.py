"""Distributed rules: ranks that are meant to train one model and do not (TV701-TV704).

Under torchrun every rank writes its own record, and rank 0's step records carry a `ranks`
field on the sampled iterations the ranks exchanged: which ranks reported, each one's
iteration, whether it stepped and its steps so far, which replicated parameters differ
bitwise between them, and a fingerprint of each one's input batch. The header's `dist` says
which wrapper (DDP, FSDP) was found. The `dataloader` events carry the DistributedSampler's
epoch at the start of each pass. These rules read those fields (the `ranks` field folded in
rules/rank_fold.py) and nothing else.

A single-process run has none of them: the rules return nothing (no "not judged" either).
Ranks that train independent models (a sweep launched with torchrun) are no fault either:
TV701, TV702 and TV704 judge only a data-parallel job (DDP or FSDP found, or the replicated
parameters were bitwise equal on every rank at some sampled iteration).
"""

from __future__ import annotations

from typing import Any

from torchvitals.findings import Finding
from torchvitals.names import compact
from torchvitals.record import History
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.gradients import opt_label
from torchvitals.rules.rank_fold import (
    DUPLICATE_MIN,
    RankRun,
    buckets_of,
    compared_or_explain,
    data_parallel,
    ints,
    is_int,
    param_names,
    ranks_text,
    wrapper_of,
)

# Parameters named in a message (the evidence keeps up to EVIDENCE_PARAMS).
EVIDENCE_PARAMS = 50


# ---------------------------------------------------------------------------------- the rules


@rule(
    "TV701",
    "ranks-out-of-sync",
    what="Under data-parallel training (DDP, or ranks whose parameters were identical earlier), "
    "replicated parameters whose values differ between ranks at a sampled iteration. torchvitals "
    "compares every rank's copy bitwise.",
    why="DDP keeps the copies equal only by starting them equal (it broadcasts rank 0's weights "
    "when it wraps the model) and then applying the same averaged gradient on every rank. "
    "Anything that changes one rank's weights outside that path (a checkpoint loaded on rank 0 "
    "only after wrapping, an in-place edit, a rank-dependent step) splits the model: each rank "
    "trains its own copy with gradients averaged over the others, the checkpoint rank 0 saves is "
    "not the model the other ranks evaluate, and the loss curves disagree from rank to rank. "
    "Nothing raises.",
    example="""
model = DDP(Net())                          # DDP copies rank 0's weights to every rank here
if dist.get_rank() == 0:
    model.module.load_state_dict(torch.load("ckpt.pt"))   # after wrapping: rank 0 only
for x, y in loader:
    ...
""",
    fix="Change weights on every rank, or before wrapping: load the checkpoint on every rank "
    "(map_location='cpu') before DistributedDataParallel(model), or broadcast after loading "
    "(for p in model.parameters(): dist.broadcast(p.data, src=0)). Step the optimizer on every "
    "rank alike: no rank-dependent `if` around optimizer.step(), clipping or parameter edits.",
)
def ranks_out_of_sync(h: History, r: Rule) -> list[Finding]:
    run = compared_or_explain(h)
    if run is None:
        return []
    # Ranks that never had equal parameters and no DDP are independent runs (a sweep): no fault.
    div = run.diverged if wrapper_of(h) == "ddp" else run.diverged_after_sync
    if div is None:
        return []
    names = param_names(h, div.params)
    since = (
        f"; they were identical on every rank at iteration {div.synced}"
        if div.synced is not None
        else "; DistributedDataParallel made them identical when it wrapped the model"
    )
    return [
        r.finding(
            "warning",
            f"{len(names)} of {div.checked} replicated parameter(s) ({compact(names)}) differ between "
            f"{ranks_text(div.seen)} at iteration {div.it}{since}: the ranks now train different models",
            evidence={
                "parameters": names[:EVIDENCE_PARAMS],
                "diverged": len(names),
                "checked": div.checked,
                "ranks": div.seen,
                "in_sync_at": div.synced,
                "records_diverged": run.diverged_records,
                "wrapper": wrapper_of(h),
            },
            where=buckets_of(h, div.params),
            step=div.it,
        )
    ]


@rule(
    "TV702",
    "duplicate-data-across-ranks",
    what="A data-parallel job (DDP, FSDP, or ranks with identical parameters) in which every rank "
    "trains on the same input batch at the same iteration: the fingerprints of the ranks' inputs "
    "are equal on sampled iterations, while the input itself changes from one iteration to the "
    "next (a constant input fed every step is left alone). Also when the batches differ but every "
    "rank's DataLoader reads the same whole dataset (a plain shuffling or sequential sampler, no "
    "DistributedSampler, and the same dataset content on every rank: its tensors, arrays or lists "
    "fingerprinted without loading an item).",
    why="Each rank is meant to see its own share of the data. When all ranks read the same "
    "batches, N GPUs do the work of one: the averaged gradient is the one-rank gradient, an epoch "
    "covers 1/N of the data it seems to, and the effective batch size is not what the learning "
    "rate was tuned for. The usual causes are a DataLoader without a DistributedSampler, or a "
    "sampler given rank=0 on every rank.",
    example="""
dist.init_process_group("nccl")
model = DDP(Net().cuda())
loader = DataLoader(dataset, batch_size=64, shuffle=True)   # no DistributedSampler:
                                                           # every rank reads every batch
""",
    fix="Give the DataLoader a DistributedSampler (it splits the dataset by rank): "
    "sampler = DistributedSampler(dataset, shuffle=True); DataLoader(dataset, batch_size=64, "
    "sampler=sampler), and call sampler.set_epoch(epoch) before each epoch. Leave num_replicas "
    "and rank unset (they come from the process group), or pass dist.get_rank(), never a "
    "constant. With Accelerate, pass the DataLoader to accelerator.prepare() (it shards it); "
    "with Lightning, leave Trainer(use_distributed_sampler=True). For synthetic data or random "
    "inputs drawn in the loop (a GAN's noise, an agent's environment), seed each rank differently "
    "(seed + rank). An Accelerate script launched by torchrun on CPU machines runs one process per "
    "rank, each alone, unless Accelerator(cpu=True) or ACCELERATE_USE_CPU=1 makes it distributed: "
    "check accelerator.distributed_type.",
)
def duplicate_data_across_ranks(h: History, r: Rule) -> list[Finding]:
    run = compared_or_explain(h)
    if run is None or not data_parallel(h, run):
        return []
    if not run.inputs_seen:
        raise CannotJudge(
            "no training input was seen: the model was never called with a tensor, a dict of them, "
            "or a tensor keyword argument that names its input (input_ids, pixel_values, …)"
        )
    if len(run.duplicates) < DUPLICATE_MIN:
        return _whole_dataset_on_every_rank(run, h, r)
    first = run.duplicates[0]
    return [
        r.finding(
            "warning",
            f"{ranks_text(run.duplicate_seen)} trained on the same input batch from iteration {first} on "
            f"({run.duplicate_count} of {run.compared} sampled iterations compared): the ranks duplicate "
            "each other's work (the data is not split between them, they draw the same random inputs, "
            "or they do not train as one job)",
            evidence={
                "first": first,
                "duplicates": run.duplicate_count,
                "compared": run.compared,
                "ranks": run.duplicate_seen,
                "wrapper": wrapper_of(h),
            },
            where=[ranks_text(run.duplicate_seen)],
            step=first,
        )
    ]


def _whole_dataset_on_every_rank(run: RankRun, h: History, r: Rule) -> list[Finding]:
    """Different batches, the same data: each rank's loader reads the whole dataset (a plain
    shuffling or sequential sampler) and the datasets are the same on every rank."""
    if run.whole is None or run.whole_count < DUPLICATE_MIN:
        return []
    items = f" ({run.whole_items:,} items)" if run.whole_items is not None else ""
    return [
        r.finding(
            "warning",
            f"{ranks_text(run.whole_seen)} each read the whole training dataset{items} every epoch: their "
            "DataLoaders have no DistributedSampler, so the data is not split between the ranks (their "
            "batches differ only because each rank shuffles with its own seed); an epoch is "
            f"{len(run.whole_seen)} passes over the data",
            evidence={
                "first": run.whole,
                "whole_dataset": True,
                "items": run.whole_items,
                "compared": run.whole_count,
                "ranks": run.whole_seen,
                "wrapper": wrapper_of(h),
            },
            where=[ranks_text(run.whole_seen)],
            step=run.whole,
        )
    ]


@rule(
    "TV703",
    "sampler-epoch-not-set",
    what="A training DataLoader with a shuffling DistributedSampler that starts a pass with the "
    "same sampler epoch as its previous pass: sampler.set_epoch(epoch) was not called before it.",
    why="A DistributedSampler shuffles with a seed derived from its epoch, and the epoch changes "
    "only when set_epoch() is called. Without it every epoch visits the data in exactly the same "
    "order on every rank: shuffle=True then shuffles once, the model sees the same batches in "
    "the same sequence each epoch, and generalisation suffers in ways no loss curve explains.",
    example="""
sampler = DistributedSampler(dataset, shuffle=True)
loader = DataLoader(dataset, batch_size=64, sampler=sampler)
for epoch in range(epochs):
    for x, y in loader:          # same order every epoch: set_epoch never called
        ...
""",
    fix="Call sampler.set_epoch(epoch) at the start of every epoch, before iterating the "
    "loader (with a batch sampler, on the DistributedSampler inside it).",
)
def sampler_epoch_not_set(h: History, r: Rule) -> list[Finding]:
    last: dict[str, dict[str, Any]] = {}  # loader → its latest training pass
    found: dict[str, dict[str, Any]] = {}  # loader → the first pass that repeated an epoch, and a count
    for e in h.events:
        if e.get("kind") != "dataloader":
            continue
        ds = e.get("dist_sampler")
        steps = e.get("steps")
        if not (isinstance(ds, dict) and ds.get("shuffle") is True and is_int(ds.get("epoch"))):
            continue
        if not (is_int(steps) and steps > 0):  # an evaluation loader's order does not matter
            continue
        name = str(e.get("loader"))
        prev = last.get(name)
        last[name] = {"epoch": ds["epoch"], "it": e.get("it"), "passes": (prev["passes"] + 1) if prev else 1, "ds": ds}
        if prev is None or prev["epoch"] != ds["epoch"]:
            continue
        if name in found:
            found[name]["repeats"] += 1
        else:
            found[name] = {"pass": last[name]["passes"], "epoch": ds["epoch"], "it": e.get("it"), "repeats": 1}
    out = []
    for name, f in found.items():
        passes, ds = last[name]["passes"], last[name]["ds"]
        never = f["pass"] == 2 and f["repeats"] == passes - 1
        if never:
            msg = (
                f"{name}: its DistributedSampler (shuffle=True) started all {passes} training passes with epoch "
                f"{f['epoch']}: set_epoch() is never called, so every epoch visits the data in the first one's order"
            )
        else:
            msg = (
                f"{name}: its DistributedSampler (shuffle=True) started training pass {f['pass']} with epoch "
                f"{f['epoch']}, as pass {f['pass'] - 1} did ({f['repeats']} of {passes} passes repeated the epoch "
                "before them): such an epoch visits the data in the previous one's order"
            )
        out.append(
            r.finding(
                "warning",
                msg,
                evidence={
                    "loader": name,
                    "epoch": f["epoch"],
                    "pass": f["pass"],
                    "passes": passes,
                    "repeated": f["repeats"],
                    "rank": ds.get("rank"),
                    "num_replicas": ds.get("num_replicas"),
                },
                where=[name],
                step=f["it"] if is_int(f["it"]) else None,
            )
        )
    return out


@rule(
    "TV704",
    "rank-divergent-steps",
    what="Ranks of a data-parallel job that disagree at a sampled iteration on whether the "
    "optimizer stepped, on how many steps it has taken, or on the iteration they are at; also "
    "a rank, still training, whose sampled iterations no longer line up with rank 0's (rank 0 "
    "stopped waiting for its numbers).",
    why="Data-parallel training is correct only while every rank takes the same step at the same "
    "time. A decision made from a rank's local numbers (its own loss, its own gradient norm, a "
    "NaN check on one rank) lets one rank step while another skips: their parameters drift "
    "apart, optimizer states (Adam's moments, the step count) differ, and a rank that runs more "
    "iterations than the others eventually hangs the job in a collective that the others never "
    "enter.",
    example="""
loss = F.mse_loss(model(x), y)          # model is DDP-wrapped
loss.backward()                         # gradients are averaged over the ranks here
if loss.item() < threshold:             # ... but each rank decides from its own loss
    opt.step()
opt.zero_grad()
""",
    fix="Make every decision about stepping from numbers that are the same on every rank: "
    "all-reduce the value first (t = loss.detach().clone(); dist.all_reduce(t); "
    "t /= world_size) and gate on that, or gate on the gradient norm after backward (the "
    "gradients are already averaged). Give every rank the same number of batches "
    "(a DistributedSampler gives every rank the same count; drop_last=True on the loader too).",
)
def rank_divergent_steps(h: History, r: Rule) -> list[Finding]:
    run = compared_or_explain(h)
    if run is None or not data_parallel(h, run):
        return []
    out = []
    for k, s in sorted(run.split.items(), key=lambda kv: kv[1].it):
        parts, odd = [], set()
        for label, vals in (("stepped", s.stepped), ("optimizer steps so far", s.steps), ("iteration", s.its)):
            if vals is None or len(set(vals)) <= 1:
                continue
            shown = {True: "yes", False: "no"} if label == "stepped" else {}
            parts.append(f"{label}: " + ", ".join(f"rank {rk} {shown.get(v, v)}" for rk, v in zip(s.seen, vals, strict=True)))
            odd |= {rk for rk, v in zip(s.seen, vals, strict=True) if v != vals[0]}
        label = opt_label(h, k) if is_int(k) and 0 <= k < len(h.optimizers) else f"optimizer {k}"
        out.append(
            r.finding(
                "warning",
                f"{label}: at iteration {s.it} {ranks_text(sorted(odd))} fell out of step with rank 0 ("
                + "; ".join(parts)
                + f"); the ranks disagreed on {s.records} sampled record(s)",
                evidence={
                    "ranks": s.seen,
                    "differ": sorted(odd),
                    "stepped": s.stepped,
                    "steps": s.steps,
                    "iterations": s.its,
                    "records": s.records,
                },
                where=[label],
                step=s.it,
            )
        )
    stopped = any(e.get("kind") == "script-error" for e in h.events)
    for e in h.events:
        behind = _fell_behind(e)
        if not behind or stopped:  # a job that stopped with an error: a rank that died, not one out of step
            continue
        last, rank0 = e.get("last"), e.get("rank0")
        seen = [
            f"rank {k} at iteration {v[0]} with {v[1]} steps"
            for k in behind
            if isinstance(last, dict) and isinstance(v := last.get(str(k)), list) and len(v) == 2 and is_int(v[0])
        ]
        if seen and ints(rank0) and len(rank0) == 2:
            seen.append(f"rank 0 now at iteration {rank0[0]} with {rank0[1]} steps")
        out.append(
            r.finding(
                "warning",
                f"{ranks_text(behind)} stopped reporting at iteration {e.get('it')} while still training: "
                "its sampled iterations no longer line up with rank 0's"
                + (f" (last reports: {'; '.join(seen)})" if seen else "")
                + "; rank 0 no longer waits for it",
                evidence={"ranks": behind, "it": e.get("it"), "reason": str(e.get("reason")), "last": last, "rank0": rank0},
                where=["out of step: " + ranks_text(behind)],
                step=e.get("it") if is_int(e.get("it")) else None,
            )
        )
    return out


def _fell_behind(e: dict[str, Any]) -> list[int]:
    """The ranks of a dist-exchange-off event that were still training when rank 0 gave up on
    them: not in its `finished` (a rank whose training loop had ended is no fault of stepping)
    nor in its `absent` (a rank that never watched tells nothing of its steps)."""
    if e.get("kind") != "dist-exchange-off" or not isinstance(e.get("missing"), list):
        return []
    finished = e.get("finished") if isinstance(e.get("finished"), list) else []
    absent = e.get("absent") if isinstance(e.get("absent"), list) else []
    return [m for m in e["missing"] if is_int(m) and m not in finished and m not in absent]
