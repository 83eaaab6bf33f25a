"""A sampled iteration's numbers across ranks (torchrun, DDP, FSDP2): what each rank measures
beyond its norms, and how rank 0 combines every rank's numbers into the job's.

Measured per rank: each parameter's norms on its LOCAL tensor (a DTensor's shard: never
`.full_tensor()`), an exact bit checksum of every replicated parameter, and a fingerprint of
the iteration's training input. Combined on rank 0 (ranks.py carries them):

  sharded parameters (FSDP2 / DTensor with a Shard placement)   sqrt(sum over ranks of norm²)
  replicated parameters (DDP, or anything not sharded)          rank 0's value (DDP's all-reduce
                                                                made the gradients equal; the
                                                                checksums say whether they are)
  activation-gradient norms (per-rank batches)                  sqrt(sum of norm²) / ranks: the
                                                                norm a single process would see
                                                                for the whole batch with a mean loss

Measures and combines; judges nothing (rules/distributed.py does).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from torchvitals import ranks


def is_dtensor(t: Any) -> bool:
    return hasattr(t, "to_local") and hasattr(t, "placements")


def is_sharded(t: Any) -> bool:
    """A DTensor whose local tensor is one piece of the whole (Shard or Partial placement)."""
    if not is_dtensor(t):
        return False
    return any(getattr(p, "is_shard", lambda: False)() or getattr(p, "is_partial", lambda: False)()
               for p in t.placements)


def shard_copies(t: Any) -> int:
    """0 for a tensor that is not sharded; for a shard, how many ranks hold a copy of it (1
    under FSDP2; the replicate dimension's size under HSDP, a 2-D mesh of Replicate and Shard)."""
    if not is_sharded(t):
        return 0
    copies = 1
    try:
        for dim, pl in enumerate(t.placements):
            if getattr(pl, "is_replicate", lambda: False)():
                copies *= int(t.device_mesh.size(dim))
    except Exception:
        return 1
    return max(1, copies)


def sharded_mode(copies: int) -> str:
    """The combining mode of a shard held by `copies` ranks."""
    return SHARDED if copies <= 1 else f"{SHARDED}{copies}"


def local(t: torch.Tensor | None) -> torch.Tensor | None:
    """The tensor this process holds: a DTensor's local shard, anything else itself."""
    if t is not None and is_dtensor(t):
        return t.to_local()
    return t


def locals_of(ts: Sequence[torch.Tensor | None]) -> list[torch.Tensor | None]:
    """`local` of each; a list without a DTensor (any type that has to_local) comes back as is."""
    if not any(hasattr(kind, "to_local") for kind in set(map(type, ts))):
        return list(ts)
    return [local(t) for t in ts]


def data_parallel_wrapper(roots: Sequence[Any]) -> str | None:
    """"ddp" when a watched model is (or holds) a DistributedDataParallel, "fsdp" for an FSDP
    module (fully_shard or the older wrapper), else None."""
    for root in roots:
        for m in root.modules():
            names = {c.__name__ for c in type(m).__mro__}
            if "DistributedDataParallel" in names:
                return "ddp"
            if names & {"FSDPModule", "FullyShardedDataParallel"}:
                return "fsdp"
    return None


# How each value of the flat vector combines across ranks: "s" a shard (sum of squares over
# ranks), "s<k>" a shard every k ranks hold a copy of (HSDP: the sum counts each k times),
# "r" replicated (rank 0's), "a" an activation-gradient norm of each rank's own batch.
SHARDED, REPLICATED, ACTIVATION = "s", "r", "a"


class CrossRank:
    """One monitor's cross-rank measuring and combining (one per process; `chan` from
    ranks.open_channel). `event(kind, **fields)` records a rank given up on; `in_step()` says
    whether the ranks train in step (a data-parallel wrapper)."""

    def __init__(self, chan: ranks.Channel, event: Callable[..., None], in_step: Callable[[], bool] | None = None) -> None:
        self.chan = chan
        self._event = event
        self._in_step = in_step
        self._last: dict[int, tuple[int, int]] = {}  # rank → (it, steps) of its last report
        # Local optimizer index → its slot in the store's keys: the order in which optimizers
        # first reach a sampled record, the same on every rank, while the index counts every
        # optimizer this process made (one made on rank 0 alone shifts rank 0's indices).
        self._slots: dict[int, int] = {}

    @property
    def main(self) -> bool:
        return self.chan.rank == 0

    @staticmethod
    def checks(params: Sequence[torch.Tensor], replicated: Sequence[int]) -> torch.Tensor | None:
        """Bit checksums of the replicated parameters (device tensor, read with the norms)."""
        if not replicated:
            return None
        return torch.stack([ranks.bit_sum(local(params[i])) for i in replicated])  # type: ignore[arg-type]

    def exchange(
        self,
        opt: int,
        it: int,
        values: list[float],
        modes: list[str],
        checks: list[int],
        batch: str | None,
        stepped: bool,
        steps: int,
        source: str | None = None,
    ) -> tuple[list[float], dict[str, Any] | None]:
        """Ranks > 0 publish theirs and keep their own numbers. Rank 0 gathers and returns the
        combined numbers and the record's `ranks` field."""
        mine = ranks.Report(self.chan.rank, it, stepped, steps, batch, values, checks, source)
        slot = self._slots.setdefault(opt, len(self._slots))
        if not self.main:
            ranks.publish(self.chan, slot, mine)
            return values, None
        if not self.chan.live:  # every other rank was given up on since this sample was taken
            return values, None
        in_step = bool(self._in_step is not None and self._in_step())
        got, lost = ranks.gather(self.chan, slot, it, in_step)
        if lost:
            done = [r for r in lost if ranks.closed(self.chan, r)]
            absent = [r for r in lost if r not in done and not ranks.present(self.chan, r)]
            waited = self.chan.timeout
            if len(done) == len(lost):
                why = f"rank(s) {', '.join(map(str, done))} had already finished training"
            elif len(absent) == len(lost):
                waited = ranks.ABSENT_GRACE if in_step else waited
                why = (f"rank(s) {', '.join(map(str, absent))} never started watching (watch() is called on "
                       "some ranks only? Under torchrun every rank must watch, as `torchvitals run` does)")
            else:
                why = "the rank died, stopped sampling, or its iterations no longer line up with rank 0's"
            self._event(
                "dist-exchange-off",
                it=it,
                missing=lost,
                finished=done,
                absent=absent,
                reason=(
                    f"no numbers from rank(s) {', '.join(map(str, lost))} for iteration {it} within "
                    f"{waited:g} s: {why}; not waited for again"
                ),
                last={str(r): list(self._last.get(r, (None, None))) for r in lost},
                rank0=[it, steps],
            )
        for r in got:
            self._last[r.rank] = (r.it, r.steps)
        # A rank whose numbers are laid out otherwise (it stepped where rank 0 did not, so it
        # has update norms rank 0 lacks) still counts as seen: its iteration, step and input
        # are what rank-divergent-steps needs. Only its norms and checksums are left out.
        reports = [mine] + sorted(got, key=lambda r: r.rank)
        same = [r for r in reports if len(r.values) == len(values)]
        return combine(values, modes, same), self._ranks_field(reports, checks)

    def _ranks_field(self, reports: list[ranks.Report], checks: list[int]) -> dict[str, Any]:
        seen = [r.rank for r in reports]
        comparable = [r for r in reports[1:] if len(r.checks) == len(checks)]
        diverged = [j for j in range(len(checks)) if any(r.checks[j] != checks[j] for r in comparable)]
        return {
            "seen": seen,
            "missing": sorted(set(range(self.chan.world)) - set(seen)),
            "it": [r.it for r in reports],
            "stepped": [r.stepped for r in reports],
            "steps": [r.steps for r in reports],
            "checked": len(checks),
            "diverged": diverged,  # positions among the replicated parameters; the sampler maps them
            "batch": [r.batch for r in reports],
            "source": [r.source for r in reports],
        }


def combine(values: list[float], modes: list[str], reports: list[ranks.Report]) -> list[float]:
    """The job's numbers from every rank's (see the module's table). Rank 0's come first."""
    n = len(reports)
    out = list(values)
    for j, mode in enumerate(modes):
        if mode == REPLICATED or n == 1:
            continue
        col = [r.values[j] for r in reports]
        if any(math.isnan(v) for v in col):
            out[j] = math.nan
            continue
        total = math.fsum(v * v for v in col)
        if mode == ACTIVATION:
            out[j] = math.sqrt(total) / n
        else:
            copies = int(mode[len(SHARDED):] or 1)
            out[j] = math.sqrt(total / copies)
    return out
