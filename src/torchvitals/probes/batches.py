"""What the batch reaching the model looks like: its size against the DataLoader's, the scale of
its features, and the labels of the dataset it came from. Measures only; rules/batches.py judges.

  sizes    per DataLoader batch (probes/handed.py `HANDED`): the samples that the training
           forwards of the watched model received until the next batch (its first positional
           tensor, or its input among keyword arguments: `batch_input`; for a model called
           without either, the targets its training losses received), against the
           loader's `batch_size`. Integer bookkeeping on host metadata (shapes) only.
  scale    per-feature root mean square of the model's input (a device tensor, read with the
           record), on sampled iterations only; and the class of the model's first layer with
           parameters (a normalisation layer there rescales the input itself).
  labels   the class counts of the training dataset's labels, read once per loader when they
           are plain attributes (TensorDataset's last tensor, `.targets`, `.labels`), and whether
           the loader shuffles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from torchvitals.probes.handed import HANDED, first_rows

# A model called with keyword arguments only (a Hugging Face model's `model(**batch)`): the
# arguments that name its input, looked for in this order; failing those, the first tensor
# argument not named as a target or a mask (equal on every rank and every batch, a mask's
# fingerprint would make different data look the same).
INPUT_KEYS = ("input_ids", "pixel_values", "input_values", "input_features", "inputs_embeds", "input", "inputs", "x")
NOT_INPUT_KEYS = frozenset(
    ("labels", "label", "targets", "target", "y", "attention_mask", "token_type_ids", "position_ids",
     "decoder_attention_mask", "head_mask", "mask", "padding_mask")
)


def batch_input(args: Any, kwargs: Any = None) -> torch.Tensor | None:
    """The batch a forward (pre-)hook sees: the first positional argument when it is a tensor;
    the input among the keyword arguments (INPUT_KEYS) when there is no positional one, or among
    the entries of a dict passed as the first one (`model(batch)`). Plain indexing and type
    checks only: torch.compile traces this in the model's hook (probes/compiled.py)."""
    first = args[0] if args else None
    if isinstance(first, torch.Tensor):
        return first
    named = first if isinstance(first, Mapping) else None if args else kwargs  # a BatchEncoding too
    if not named:
        return None
    for key in INPUT_KEYS:
        t = named.get(key)
        if isinstance(t, torch.Tensor):
            return t
    for key, t in named.items():
        if isinstance(t, torch.Tensor) and key not in NOT_INPUT_KEYS:
            return t
    return None


def listed_batch(args: Any) -> torch.Tensor | None:
    """A batch passed as a list of samples (torchvision's detection and segmentation models take
    `list[Tensor]` images), as many as the DataLoader hands out in a batch: its first sample
    expanded to the list's length, a view that gives the batch's size and the first sample's
    scale without a copy. A list whose first tensor is as long as the list ([inputs, targets]
    from the default collate, with a batch of 2) is not taken for one."""
    first = args[0] if args else None
    if not isinstance(first, list) or not first or len(first) != HANDED.batch_size:
        return None
    t = first[0]
    if not isinstance(t, torch.Tensor) or t.dim() == 0 or t.shape[0] == len(first):
        return None
    if not all(isinstance(u, torch.Tensor) and u.dim() == t.dim() for u in first):
        return None
    return t.unsqueeze(0).expand(len(first), *t.shape)


# Rows (samples × positions) and features looked at for the input's scale: a subsample.
MAX_ROWS = 4096
MAX_COLS = 1024
# Dataset labels are read once per loader; beyond these sizes they are not read at all.
MAX_LABELS = 10_000_000
MAX_CLASSES = 10_000
MAX_COLUMN_LABELS = 1_000_000  # ... of a Hugging Face Dataset's label column (read from Arrow)


class BatchSamples:
    """The training samples each forward adds: the rows of its input, once per DataLoader batch.

    A training step may run the model more than once on one batch: Lightning's GAN example runs
    its generator three times on one noise batch, a contrastive loop runs two views of the
    batch. Counting every forward made a GAN's throughput two or three times the data's. So the
    forwards on one batch a DataLoader handed out (`HANDED.serial`) count together as at most
    that batch: its loader's batch_size (the last batch's own rows), or their largest input if
    larger. Chunks of the batch (a micro-batched step) add up to it, repeated forwards count it
    once. A loop that trains without a DataLoader handing out its batches (the same serial at a
    second step of one optimizer) counts every forward."""

    def __init__(self) -> None:
        self.serial = HANDED.serial  # a batch handed out before watching began is not this loop's
        self.fresh = False  # the forwards since `serial` changed: on the batch a loader handed out
        self.stepped: set[int] = set()  # optimizers that stepped on it
        self.total = self.largest = self.counted = 0

    def add(self, rows: int) -> int:
        """The samples a training forward with `rows` input rows adds."""
        h = HANDED
        if h.serial != self.serial:
            self._window(h.serial, fresh=True)
        if not self.fresh:
            return rows
        self.total += rows
        self.largest = max(self.largest, rows)
        batch = (h.rows if h.last else h.batch_size) or 0
        now = min(self.total, max(self.largest, batch))
        added, self.counted = now - self.counted, now
        return added

    def step(self, opt: int) -> None:
        """Optimizer `opt` stepped: a second step of it on the same batch starts a new count."""
        if opt in self.stepped:
            self._window(self.serial, fresh=False)
        self.stepped.add(opt)

    def _window(self, serial: int, fresh: bool) -> None:
        self.serial, self.fresh = serial, fresh
        self.stepped = set()
        self.total = self.largest = self.counted = 0


class BatchSizes:
    """Counts DataLoader batches whose samples reached the model's training forwards in far
    smaller number than the loader's batch_size (see the module's docstring)."""

    def __init__(self) -> None:
        self.serial = 0  # the loader batch being counted (HANDED.serial)
        self.expect: int | None = None  # its loader's batch_size; None: not judged (last, unknown)
        self.got = 0  # samples its forwards received (a micro-batched loop: the sum)
        self.got_loss = 0  # ... and its training losses' targets (used when no forward had a tensor)
        self.seq = False  # some forward had the batch on dim 1 (a sequence-first model)
        self.n = 0  # loader batches counted, the one in progress left out
        self.small = 0  # ... of which at most half reached the model
        self.size = 0  # the latest such batch's size at the model
        self.batch_size = 0  # the latest counted batch's loader batch_size

    def on_forward(self, x: torch.Tensor, at_loss: bool = False) -> None:
        """A training forward of the watched model whose first positional argument is `x`; or,
        `at_loss`, the targets of a training loss (counted only for a batch that reached no
        forward as a tensor: a model called with keyword arguments or a dict)."""
        h = HANDED
        if h.serial != self.serial:
            self._close()
            self.serial = h.serial
            self.expect = h.batch_size if h.batch_size and not h.last else None
            self.got, self.got_loss, self.seq = 0, 0, False
        if self.expect is None or x.is_nested or x.dim() == 0:
            return
        if at_loss:
            self.got_loss += int(x.shape[0])
        else:
            self.got += int(x.shape[0])
        self.seq = self.seq or (x.dim() > 1 and int(x.shape[1]) == self.expect)

    def _seen(self) -> int:
        return self.got or self.got_loss

    def _shrunk(self) -> bool:
        return self.expect is not None and 2 * self._seen() <= self.expect and not self.seq

    def _close(self) -> None:
        if self.expect is not None and self.serial and self._seen():
            self.n += 1
            self.batch_size = self.expect
            if self._shrunk():
                self.small += 1
                self.size = self._seen()

    def snapshot(self) -> dict[str, int] | None:
        """Counts so far, the batch in progress included; None before any counted batch."""
        n, small, size, expect = self.n, self.small, self.size, self.batch_size
        if self.expect is not None and self.serial and self._seen():
            n, expect = n + 1, self.expect
            if self._shrunk():
                small, size = small + 1, self._seen()
        if not n:
            return None
        return {"n": n, "small": small, "size": size, "expect": int(expect)}


def feature_rms(x: torch.Tensor) -> torch.Tensor:
    """[largest, median] root mean square over the features of `x` (2-D: columns; 3-D (B, T, D):
    the last dim; 4-D and more: channels), on a subsample; a device tensor, nothing read."""
    x = x.detach()
    if x.dim() <= 1:
        f = x.reshape(-1, 1)
    elif x.dim() == 2:
        f = x
    elif x.dim() == 3:
        f = x.reshape(-1, x.shape[-1])
    else:
        f = x.movedim(1, -1).reshape(-1, x.shape[1])
    f = f[:MAX_ROWS]
    if f.shape[1] > MAX_COLS:
        f = f[:, :: f.shape[1] // MAX_COLS][:, :MAX_COLS]
    rms = torch.nan_to_num(f.float().square().mean(0).sqrt(), nan=0.0, posinf=3e38)
    return torch.stack([rms.max(), rms.median()])


def first_layer(model: nn.Module) -> str:
    """The class name of the first module (in registration order) that holds parameters."""
    for m in model.modules():
        if next(m.parameters(recurse=False), None) is not None:
            return type(m).__name__
    return ""


def _labels_of(ds: Any) -> torch.Tensor | None:
    from torch.utils.data import Subset, TensorDataset

    if isinstance(ds, Subset):
        y = _labels_of(ds.dataset)
        return None if y is None else y[torch.as_tensor(list(ds.indices), dtype=torch.long)]
    if isinstance(ds, TensorDataset):
        # The one integer column after the inputs; with two (labels and lengths, say), which
        # one the loss takes cannot be told: none.
        ints = [t for t in ds.tensors[1:] if t.dim() == 1 and not (t.is_floating_point() or t.is_complex() or t.dtype == torch.bool)]
        return ints[0] if len(ints) == 1 else None
    cols = getattr(ds, "column_names", None)
    if isinstance(cols, list) and hasattr(ds, "select_columns"):
        return _column_labels(ds, cols)
    for attr in ("targets", "labels"):
        y = getattr(ds, attr, None)
        if isinstance(y, (torch.Tensor, list, tuple)) and not isinstance(y, str):
            return torch.as_tensor(y) if not isinstance(y, torch.Tensor) else y
    return None


def _column_labels(ds: Any, cols: list[str]) -> torch.Tensor | None:
    """A Hugging Face `datasets.Dataset`'s integer `label` (or `labels`) column, read as one Arrow
    column (no row is decoded: 0.2 s for 400,000 rows here), up to MAX_COLUMN_LABELS rows."""
    name = next((c for c in ("label", "labels") if c in cols), None)
    if name is None or len(ds) > MAX_COLUMN_LABELS:
        return None
    y = ds.select_columns([name]).with_format("numpy")[:][name]
    # Integers only (strings not yet mapped would not convert); dataset_labels checks the shape.
    return torch.as_tensor(y) if getattr(getattr(y, "dtype", None), "kind", None) in ("i", "u") else None


def dataset_labels(loader: Any) -> dict[str, Any] | None:
    """{"classes": count per class, "shuffle": bool, "sampler": class name} of a DataLoader whose
    dataset's labels are one integer per sample and readable without loading a sample; None
    otherwise. Reads attributes and one bincount; never changes the loader or the dataset."""
    from torch.utils.data import RandomSampler, SequentialSampler

    ds = getattr(loader, "dataset", None)
    try:
        n = len(ds)  # type: ignore[arg-type]
    except Exception:
        return None
    if not 0 < n <= MAX_LABELS:
        return None
    y = _labels_of(ds)
    if y is None or y.dim() != 1 or y.numel() != n or y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        return None
    y = y.detach().cpu().long()
    y = y[y >= 0]
    if not y.numel() or int(y.max()) >= MAX_CLASSES:
        return None
    sampler = getattr(loader, "sampler", None)
    shuffle = None if not isinstance(sampler, (RandomSampler, SequentialSampler)) else isinstance(sampler, RandomSampler)
    return {"classes": torch.bincount(y).tolist(), "shuffle": shuffle, "sampler": type(sampler).__name__}


__all__ = ["BatchSizes", "batch_rows", "dataset_labels", "feature_rms", "first_layer", "listed_batch"]


def batch_fields(counts: dict[str, int] | None, scale: tuple[int, list[float], str] | None) -> dict[str, Any]:
    """The step record's `bs` (batch sizes so far, `BatchSizes.snapshot`) and `in` (the sampled
    input's scale: its iteration, the [largest, median] feature RMS read, the first layer)."""
    from torchvitals.record import rounded

    out: dict[str, Any] = {}
    if counts is not None:
        out["bs"] = counts
    if scale is not None:
        it, (top, med), first = scale
        out["in"] = {"it": it, "rms_max": rounded(top), "rms_med": rounded(med), "first": first}
    return out


def new_loader_labels(seen: set[int]) -> tuple[str, dict[str, Any]] | None:
    """(name, dataset_labels) of the DataLoader that handed out the latest batch, the first time
    it is asked for that loader (`seen` keeps the loaders already asked about); else None."""
    from torchvitals.names import variable_name

    loader = HANDED.loader() if HANDED.loader is not None else None
    if loader is None or id(loader) in seen:
        return None
    seen.add(id(loader))
    info = dataset_labels(loader)
    return None if info is None else (variable_name(loader) or "the DataLoader", info)


def batch_rows(target: Any, pred: Any) -> float:
    """The samples a batch's loss is the mean over: its target's rows, else its prediction's;
    1 for a loss given alone."""
    return float(first_rows((target, pred)) or 1)
