"""A DataLoader's DistributedSampler as a pass over the loader starts (probes/loader.py reads it
at the pass's first batch; rules/distributed.py, TV703, tells from it whether set_epoch() was
called)."""

from __future__ import annotations

from typing import Any


def dist_sampler(loader: Any) -> dict[str, Any] | None:
    """The loader's DistributedSampler (its `sampler`, or its `batch_sampler`'s `sampler`) as
    {"epoch", "shuffle", "rank", "num_replicas"}; None when it has none or it cannot be read.
    Reads attributes only: never raises, never changes the loader or the sampler."""
    try:
        from torch.utils.data.distributed import DistributedSampler

        for s in (getattr(loader, "sampler", None), getattr(getattr(loader, "batch_sampler", None), "sampler", None)):
            if isinstance(s, DistributedSampler):
                return {
                    "epoch": int(s.epoch),
                    "shuffle": bool(s.shuffle),
                    "rank": int(s.rank),
                    "num_replicas": int(s.num_replicas),
                }
    except Exception:  # a sampler subclass with odd attributes: no evidence, no error
        return None
    return None
