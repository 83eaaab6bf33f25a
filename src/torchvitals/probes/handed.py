"""The batch a timed DataLoader handed out last, in this process: what probes/batches.py
compares the model's training inputs with (the loader's batch size, the batches that reached
the model, the samples an epoch counts). probes/loader.py sets it at each batch."""

from __future__ import annotations

import weakref
from typing import Any

import torch


class Handed:
    """The batch a timed DataLoader handed out last, in this process (probes/batches.py compares
    what reaches the model with it): a serial number per batch, the loader (weakly), its
    `batch_size` (None with a batch_sampler) and whether it was the pass's last batch (which may
    be partial). Set in place: no allocation per batch."""

    serial = 0
    batch_size: int | None = None
    last = False
    rows: int | None = None  # the last batch's own rows (it may be partial); None for the others
    loader: weakref.ref[Any] | None = None


HANDED = Handed()


def first_rows(batch: Any) -> int | None:
    """The rows of a batch: its first tensor's first dimension (a tensor, or in a tuple, list or
    dict); None without one."""
    if isinstance(batch, torch.Tensor):
        batch = (batch,)
    elif isinstance(batch, dict):
        batch = tuple(batch.values())
    elif not isinstance(batch, (tuple, list)):
        return None
    for t in batch:
        if isinstance(t, torch.Tensor) and t.dim() > 0:
            return int(t.shape[0])
    return None
