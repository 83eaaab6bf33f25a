"""Running sums of one split's outputs and targets, and the metrics they make.

Every metric torchvitals computes from observed batches (loss, RMSE, MAE, R², accuracy, the
trivial baselines) is a function of a few sums (`summarize`), so the sums of several windows or
of several ranks add up (`add`) before the metrics are taken: a job's epoch metrics under
torchrun are those of all its ranks' samples, not a mean of the ranks' means.
"""

from __future__ import annotations

import math
from itertools import zip_longest
from typing import Any

import torch

from torchvitals.probes.reads import Reads, Slot, Ticket


class Sums:
    """Running device-side sums for one split (train or val) over some window. Scalar sums arrive
    as one vector per set of keys (`add_many`: one tensor op per fold of kept batches, a running
    vector per set of keys); vectors (class counts) go through `add`, key by key."""

    def __init__(self) -> None:
        self.t: dict[str, torch.Tensor] = {}
        self.task: str | None = None
        self._vecs: dict[tuple[str, ...], torch.Tensor] = {}  # keys → their sums (float64)

    def add(self, key: str, value: torch.Tensor) -> None:
        v = value.detach().to(torch.float64)
        prev = self.t.get(key)
        if prev is not None and prev.shape != v.shape:  # class count grew: pad the old counts
            size = max(prev.numel(), v.numel())
            prev = torch.nn.functional.pad(prev, (0, size - prev.numel()))
            v = torch.nn.functional.pad(v, (0, size - v.numel()))
        self.t[key] = v if prev is None else prev + v

    def add_many(self, keys: tuple[str, ...], vec: torch.Tensor) -> None:
        """Add one batch's scalar sums, `vec[i]` to `keys[i]` (float64): one op per batch."""
        prev = self._vecs.get(keys)
        if prev is None:
            self._vecs[keys] = vec.clone()  # its own storage: vec is added elsewhere too
        else:
            prev.add_(vec)

    def _spill(self) -> None:
        vecs, self._vecs = self._vecs, {}
        for keys, vec in vecs.items():
            for k, v in zip(keys, vec.unbind(), strict=True):
                self.add(k, v)

    def read(self) -> dict[str, Any]:
        """One host read of every sum."""
        reads = Reads()
        plan = self.gather(reads)
        return Sums.finish(plan, reads.start())

    def gather(self, reads: Reads) -> tuple[list[str], list[int], Slot] | None:
        """Hand every sum to `reads`; what `finish` needs to name the values."""
        self._spill()
        if not self.t:
            return None
        keys = list(self.t)
        sizes = [self.t[k].numel() for k in keys]
        device = next(iter(self.t.values())).device
        return keys, sizes, reads.floats(torch.cat([self.t[k].reshape(-1).to(device) for k in keys]))

    @staticmethod
    def finish(plan: tuple[list[str], list[int], Slot] | None, ticket: Ticket) -> dict[str, Any]:
        """The sums by key, from the host read."""
        if plan is None:
            return {}
        keys, sizes, slot = plan
        flat = ticket.get(slot)
        out: dict[str, Any] = {}
        i = 0
        for k, n in zip(keys, sizes, strict=True):
            out[k] = flat[i] if n == 1 and k != "classes" else flat[i : i + n]
            i += n
        return out


def summarize(s: dict[str, Any], task: str | None) -> dict[str, float]:
    """Metrics and trivial baselines from one split's sums (NaN where undefined)."""
    out: dict[str, float] = {}
    nl = s.get("loss_n", 0)
    if nl:
        out["loss"] = s["loss_sum"] / nl
    n = s.get("n", 0)
    if not n:
        return out
    if task == "regression":
        sse, sae = s["sse"], s["sae"]
        mean_y = s["sy"] / n
        var_y = max(s["syy"] / n - mean_y**2, 0.0)
        out["rmse"] = math.sqrt(sse / n)
        out["mae"] = sae / n
        out["r2"] = 1.0 - sse / (var_y * n) if var_y > 0 else float("nan")
        out["base_rmse"] = math.sqrt(var_y)  # the mean predictor
        if out["base_rmse"] > 0:
            out["skill"] = 1.0 - out["rmse"] / out["base_rmse"]  # RMSE skill score vs the mean
        if s.get("pn"):
            out["persist_rmse"] = math.sqrt(s["psse"] / s["pn"])
            out["persist_mae"] = s["psae"] / s["pn"]
            if out["persist_rmse"] > 0:
                out["skill_persist"] = 1.0 - out["rmse"] / out["persist_rmse"]
    elif task == "classification":
        out["acc"] = s["correct"] / n
        counts = s.get("classes") or []
        total = sum(counts)
        prior = [c / total for c in counts if c > 0] if total else []
        # Targets of one class have no baseline to beat: "always that class" is right by
        # construction (a contrastive loss's targets: the positive's column, 0 in every row).
        if len(prior) > 1:
            out["base_acc"] = max(counts) / total  # always the majority class
            out["base_loss"] = -sum(p * math.log(p) for p in prior)  # the prior's cross-entropy
        if total:
            out["chance_loss"] = math.log(len(counts)) if len(counts) > 1 else 0.0  # ln C
    return out


def add(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two host-read sums (`Sums.read`) of one split added key by key; class counts of
    different lengths are padded with zeros (a rank that saw fewer classes)."""
    out = dict(a)
    for k, v in b.items():
        prev = out.get(k)
        if prev is None:
            out[k] = list(v) if isinstance(v, list) else v
        elif isinstance(prev, list) or isinstance(v, list):
            x, y = (u if isinstance(u, list) else [u] for u in (prev, v))
            out[k] = [p + q for p, q in zip_longest(x, y, fillvalue=0.0)]
        else:
            out[k] = prev + v
    return out


def split_metrics(raw: dict[str, Any], task: str | None) -> dict[str, float]:
    """A split's epoch metrics from its sums: `summarize`, and the non-finite losses kept out."""
    metrics = summarize(raw, task)
    if raw.get("loss_bad"):
        metrics["loss_nonfinite"] = raw["loss_bad"]
    return metrics


def add_split_sums(
    mine: dict[str, tuple[dict[str, Any], str | None]], other: dict[str, Any]
) -> dict[str, tuple[dict[str, Any], str | None]]:
    """Another rank's epoch sums ({split: [sums, task]}, as it sent them) added to these: the
    task is this rank's where it has one (a rank may have seen no batch of a split)."""
    out = dict(mine)
    for split, pair in other.items():
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], dict)):
            continue
        raw, task = pair
        if split in out:
            out[split] = (add(out[split][0], raw), out[split][1] or task)
        else:
            out[split] = (dict(raw), task)
    return out
