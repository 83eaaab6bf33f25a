"""The trainable parameters that are in no optimizer (unoptimized-parameters): left out when
the optimizer was made, unfrozen later without being added to it, or updated outside any
optimizer (a target network, an EMA)."""

from __future__ import annotations

from typing import Any

from torchvitals.findings import Finding
from torchvitals.names import compact, is_bare_tensor
from torchvitals.record import History
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.gradients import DEPARTED_FIX, by_bucket, grad_runs, opt_label
from torchvitals.rules.tally import tallies

# Parameters in no optimizer and without gradient are judged frozen once their values were read
# unchanged this many iterations apart (or when the run ends): a target network copied from the
# trained one every few steps, or an EMA, changes within that span.
STILL_SPAN = 100


def _without_gradient(h: History, t: Any, ids: list[int]) -> tuple[str, str, int | None] | None:
    """(severity, what follows "are in no optimizer", iteration) for trainable parameters that
    are in no optimizer and receive no gradient: updated outside any optimizer when their
    values change, frozen by accident when they kept them; None while that is not known."""
    moved = [t.free_moved[p] for p in ids if t is not None and p in t.free_moved]
    if moved:
        return ("info", "they receive no gradient, yet their values change (first seen at iteration "
                f"{min(moved)}): something outside the optimizer updates them, as a target network is copied from "
                "the trained one or an EMA averages it; requires_grad_(False) would say so and spare autograd "
                "their bookkeeping", min(moved))
    reads = [(t.free_w_first[p][0], t.free_w_last[p]) for p in ids if t is not None and p in t.free_w_first]
    first, last = (min(a for a, _ in reads), max(b for _, b in reads)) if reads else (None, None)
    if (last is None or last - first < STILL_SPAN) and h.end is None:
        return None
    kept = f" and kept their values from iteration {first} to {last}" if last is not None and last > first else ""
    return "warning", f"they receive no gradient either{kept}, so they are effectively frozen by accident", last


def _inputs_optimized(h: History) -> bool:
    """Whether every tensor the optimizers hold belongs to no module (bare tensors)."""
    held = [i for o in h.optimizers for g in o.get("groups", []) for i in g.get("params", [])]
    return bool(held) and all(
        h.params[i].get("bare") or is_bare_tensor(h.params[i].get("name", "")) for i in held if i < len(h.params)
    )


@rule(
    "TV102",
    "unoptimized-parameters",
    what="Trainable parameters (requires_grad=True) that belong to no watched optimizer, and "
    "parameters frozen when watching began that later receive gradients at optimizer steps "
    "without being in any optimizer (unfrozen, never added); also, at info level, parameters an "
    "optimizer holds although they are frozen, and trainable parameters in no optimizer and "
    "without gradient whose values change all the same (a target network, an EMA copy).",
    why="Their gradients are computed at every step and thrown away: compute is spent and the "
    "weights stay at their initial values. A classic when the optimizer is built from "
    "`model.head.parameters()` or before a module is added.",
    example="""
model = Net()                     # encoder + head
opt = torch.optim.Adam(model.head.parameters(), lr=1e-3)   # encoder never updated

model.backbone.requires_grad_(False)                        # fine-tune: head first
opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad])
...
model.backbone.requires_grad_(True)                         # epoch 3: unfreeze, but opt
                                                            # still holds the head alone
""",
    fix="Build the optimizer from model.parameters() (or add a param group for the missing "
    "parameters). If they are meant to stay fixed, freeze them with requires_grad_(False) so no "
    "gradient is computed for them. When unfreezing, add the parameters to the optimizer too: "
    "opt.add_param_group({'params': model.backbone.parameters(), 'lr': ...}).",
)
def unoptimized_parameters(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    run = grad_runs(h).get(0) if h.optimizers else None
    if run is None and h.end is None:
        raise CannotJudge("no optimizer step or zero_grad seen yet")
    step = run.first_it if run is not None else None
    free = list(h.header.get("free", []))
    dropped = {h.params[i]["name"] for i in h.header.get("departed", [])}
    if free:
        t0 = tallies(h).get(0)
        seen = t0.free_with_grad if t0 is not None else {}
        for bucket, names in by_bucket(h, free).items():
            ids = [p for p in free if h.params[p]["bucket"] == bucket]
            numel = sum(h.params[p]["numel"] for p in ids)
            head = f"{bucket}: {len(names)} trainable parameter(s) ({compact(names)}, {numel:,} values) are in no optimizer"
            evidence = {"parameters": names, "numel": numel, "with_gradient": sum(p in seen for p in ids), "share": _share(h, numel)}
            if evidence["with_gradient"]:
                severity, tail, at = "warning", "they receive gradients that are never applied", min(seen[p] for p in ids if p in seen)
                if _inputs_optimized(h):
                    severity = "info"
                    tail += (
                        ": the optimizers hold no module's parameters, only tensors of their own (an image "
                        "or a code optimized through a fixed network, as in style transfer); "
                        "requires_grad_(False) on the network saves computing them"
                    )
            else:
                judged = _without_gradient(h, t0, ids)
                if judged is None:
                    continue  # their values not yet read far enough apart to tell frozen from copied
                severity, tail, at = judged
                if severity == "info":
                    evidence["changed_at"] = at
            old = [n for n in names if n in dropped]
            if old:  # named like parameters the model dropped: the module that replaced them
                tail += f"; they replaced {compact(old)} after the optimizer was made, which still holds the old ones"
            out.append(
                r.finding(severity, f"{head}; {tail}", evidence=evidence, where=[bucket],
                          step=at if at is not None else step, fix=DEPARTED_FIX if old else None)
            )
    tally = tallies(h).get(0)
    woke = tally.unfrozen_outside if tally is not None else {}
    for bucket, names in by_bucket(h, sorted(woke)).items():
        idx = [i for i in woke if h.params[i]["bucket"] == bucket]
        numel = sum(h.params[i]["numel"] for i in idx)
        out.append(
            r.finding(
                "warning",
                f"{bucket}: {len(names)} parameter(s) ({compact(names)}, {numel:,} values) were frozen when "
                f"watching began and now have gradients at optimizer steps (first seen at iteration "
                f"{min(woke[i] for i in idx)}), but are in no optimizer: unfrozen without being added to it, "
                "they never change",
                evidence={"parameters": names, "numel": numel, "since": min(woke[i] for i in idx), "share": _share(h, numel)},
                where=[bucket],
                step=min(woke[i] for i in idx),
            )
        )
    frozen = list(h.header.get("frozen_in_optimizer", []))
    if frozen:
        names = [h.params[i]["name"] for i in frozen]
        numel = sum(h.params[i]["numel"] for i in frozen)
        frozen_set = set(frozen)
        # Optimizers that hold nothing else train nothing: those the freeze explains.
        idle = [opt_label(h, k) for k in range(len(h.optimizers)) if set(h.layout(k).pidx) <= frozen_set]
        tail = f"; {' and '.join(idle)} {'hold' if len(idle) > 1 else 'holds'} nothing else, so trains nothing" if idle else ""
        out.append(
            r.finding(
                "info",
                f"{len(names)} parameter(s) ({compact(names)}) are in an optimizer but frozen "
                f"(requires_grad=False); they will not move{tail}",
                evidence={"parameters": names, "numel": numel, "share": _share(h, numel), "frozen": True,
                          "idle_optimizers": idle},
                where=sorted(by_bucket(h, frozen)),
                step=step,
                fix=("An optimizer that holds only frozen parameters updates nothing: build it from the parameters "
                     "that train, after adding them to the model (adapters, a new head), or add them with "
                     "opt.add_param_group({'params': [...]}); if the freeze is not deliberate, call requires_grad_(True)."
                     if idle else "Nothing to do if the freeze is deliberate; otherwise call requires_grad_(True)."),
            )
        )
    return out


def _share(h: History, numel: int) -> float:
    """The part of the model's values `numel` is (rules/causes.py reads it)."""
    total = sum(p.get("numel", 0) for p in h.params)
    return round(numel / total, 4) if total else 0.0
