"""Does this rank's training DataLoader read the whole dataset, and which dataset is it?

Under torchrun a DataLoader without a DistributedSampler hands every rank every item of the
dataset each epoch. When the ranks also shuffle with different seeds, their batches differ and
the batch fingerprints (duplicate-data-across-ranks) cannot tell; the data is still not split.
`whole_dataset_id(loader)` is a short string, the same on every rank that reads the same data
in full, when:

  - the loader batches a map-style dataset through torch's own BatchSampler over a plain
    `RandomSampler` (without replacement, one pass = the dataset's length) or `SequentialSampler`
    (any other sampler may split the data: DistributedSampler, a custom or weighted one), and
  - the dataset's content can be fingerprinted without reading an item: its tensors, arrays,
    data frames and lists (first, middle and last entries), through Subset and ConcatDataset.

Otherwise None: no evidence, never a guess. Reading attributes only: __getitem__ is never
called (it may draw random numbers or read files), no tensor leaves the CPU. Measures; the
ranks' strings are compared by rules/rank_fold.py.
"""

from __future__ import annotations

import hashlib
import weakref
from typing import Any

import torch

_cache: dict[int, tuple[weakref.ref[Any], str | None]] = {}
_PICK = 2  # entries read at each end of a sequence (and one in the middle)


def whole_dataset_id(loader: Any) -> str | None:
    """"<items>:<digest>" for a loader that reads its whole dataset each pass (see the module's
    docstring), once per loader; None when it does not, or when that cannot be told."""
    if loader is None:
        return None
    hit = _cache.get(id(loader))
    if hit is not None and hit[0]() is loader:
        return hit[1]
    try:
        value = _identify(loader)
    except Exception:  # an odd dataset or sampler: no evidence
        value = None
    try:
        _cache[id(loader)] = (weakref.ref(loader), value)
    except TypeError:  # not weakly referenceable: asked again next time
        pass
    return value


def _identify(loader: Any) -> str | None:
    from torch.utils.data import BatchSampler, IterableDataset, RandomSampler, SequentialSampler

    ds, sampler, batches = getattr(loader, "dataset", None), getattr(loader, "sampler", None), getattr(loader, "batch_sampler", None)
    if ds is None or isinstance(ds, IterableDataset):
        return None
    if type(batches) is not BatchSampler or batches.sampler is not sampler:
        return None
    if type(sampler) is RandomSampler:
        if sampler.replacement or sampler.num_samples != len(ds):
            return None
    elif type(sampler) is not SequentialSampler:
        return None
    h = hashlib.blake2b(digest_size=8)
    if not _digest(ds, h, depth=0):
        return None
    return f"{len(ds)}:{h.hexdigest()}"


def _digest(ds: Any, h: Any, depth: int) -> bool:
    """Feed the dataset's content into `h`; True when something that identifies it went in."""
    from torch.utils.data import ConcatDataset, Subset, TensorDataset

    h.update(type(ds).__qualname__.encode())
    if depth > 4:
        return False
    if isinstance(ds, Subset):
        _value(list(ds.indices) if not isinstance(ds.indices, torch.Tensor) else ds.indices, h)
        return _digest(ds.dataset, h, depth + 1)
    if isinstance(ds, ConcatDataset):
        return all(_digest(d, h, depth + 1) for d in ds.datasets) and bool(ds.datasets)
    values = list(ds.tensors) if isinstance(ds, TensorDataset) else [v for _, v in sorted(vars(ds).items())]
    strong = False
    for v in values:
        strong = _value(v, h) or strong
    return strong


def _value(v: Any, h: Any) -> bool:
    """One attribute's content (a few entries of it); True when it identifies data."""
    if isinstance(v, torch.Tensor):
        if v.device.type != "cpu" or v.is_sparse or v.dim() == 0 or len(v) == 0:
            return False
        h.update(str(tuple(v.shape)).encode())
        for i in _picks(len(v)):
            h.update(v[i].detach().contiguous().numpy().tobytes())
        return True
    shape, tobytes = getattr(v, "shape", None), getattr(v, "tobytes", None)
    if isinstance(shape, tuple) and shape and callable(tobytes) and getattr(v, "dtype", None) is not None:
        if getattr(v.dtype, "hasobject", True):  # numpy: object arrays hold pointers
            return False
        h.update(str(shape).encode())
        for i in _picks(shape[0]):
            h.update(v[i].tobytes())
        return True
    iloc = getattr(v, "iloc", None)  # a pandas DataFrame or Series
    if iloc is not None and isinstance(shape, tuple) and shape:
        h.update(str(shape).encode())
        for i in _picks(shape[0]):
            row = iloc[i]
            h.update(repr(row.tolist() if hasattr(row, "tolist") else row).encode())
        return True
    if isinstance(v, (list, tuple)) and v:
        h.update(f"seq{len(v)}".encode())
        return any([_entry(v[i], h) for i in _picks(len(v))])
    if isinstance(v, (str, bytes, int, float, bool)) or v is None:
        h.update(repr(v).encode())  # a rank, an offset, a split name: not the data, but it tells shards apart
    return False


def _entry(x: Any, h: Any) -> bool:
    """One entry of a list: a plain value, a tensor or array, or a tuple of them (a sample)."""
    if isinstance(x, (str, bytes, int, float)):
        h.update(repr(x).encode())
        return True
    if isinstance(x, (list, tuple)):
        return any([_entry(y, h) for y in x[:8]])
    if isinstance(x, torch.Tensor):
        if x.device.type != "cpu" or x.is_sparse:
            return False
        h.update(x.detach().contiguous().numpy().tobytes())
        return True
    tobytes = getattr(x, "tobytes", None)
    if callable(tobytes) and not getattr(getattr(x, "dtype", None), "hasobject", True):
        h.update(tobytes())
        return True
    h.update(type(x).__qualname__.encode())
    return False


def _picks(n: int) -> list[int]:
    return sorted({*range(min(_PICK, n)), n // 2, *range(max(0, n - _PICK), n)})


__all__ = ["whole_dataset_id"]
