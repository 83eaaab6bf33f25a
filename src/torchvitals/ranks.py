"""The one place that knows about processes: which rank this is, how many there are, and how
a sampled iteration's statistics combine across them.

The sampler (probes/sample.py) hands `combine` the flat vector of one sampled iteration's
numbers on the device, before its single host read: today per-parameter gradient, weight and
update norms, and activation norms. On one process the vector comes back unchanged. Under
torch.distributed it is to be combined here in one collective (the distributed issue fills
this in; norms of sharded parameters must then travel as sums of squares and be rooted after
the reduction); nothing else in torchvitals needs to know how many processes there are.
"""

from __future__ import annotations

import torch


def _dist_ready() -> bool:
    dist = getattr(torch, "distributed", None)
    return bool(dist is not None and dist.is_available() and dist.is_initialized())


def rank() -> int:
    """This process's rank (0 without torch.distributed)."""
    return torch.distributed.get_rank() if _dist_ready() else 0


def world_size() -> int:
    """How many processes train together (1 without torch.distributed)."""
    return torch.distributed.get_world_size() if _dist_ready() else 1


def is_main() -> bool:
    """Whether this process prints the console output and writes findings.json."""
    return rank() == 0


def combine(flat: torch.Tensor) -> torch.Tensor:
    """A sampled iteration's numbers, combined across ranks. Unchanged on one process; not
    yet combined under torch.distributed either (each rank then judges its own numbers)."""
    return flat
