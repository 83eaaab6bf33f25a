"""What the model outputs, against its targets and against trivial baselines.

`OutputProbe.observe(pred, target, loss, baseline)` is called once per batch. It never reads a
value back to the host: every statistic is a running device-side sum. The monitor reads the
sums once per sampled iteration (`take_interval`) and once per epoch (`take_epoch`), and the
summaries below turn sums into metrics (RMSE, MAE, R², accuracy) and baselines (the mean
predictor, persistence, the majority class, the class prior's cross-entropy).

Shape and dtype checks are host metadata only (free). Value checks (constant outputs,
probabilities fed as logits) run on sampled iterations, and so does the look at which autograd
op produced the output (`producer`: host metadata, no device read).
"""

from __future__ import annotations

from typing import Any

import torch

from torchvitals.losses import BY_KIND
from torchvitals.probes.batches import batch_rows
from torchvitals.probes.reads import Reads, Ticket, to_device
from torchvitals.probes.sums import Sums, split_metrics
from torchvitals.rules.loss_inputs import loss_input_text
from torchvitals.terminal import Once

# Losses (and batches' metric vectors) kept per split before they are added to the sums (a
# bound on memory between records).
MAX_KEPT_LOSSES = 256
# Rows summing to 1 within this, with every entry in [0, 1], look like probabilities.
PROB_SUM_TOL = 1e-4
# Value checks look at a subsample: this many samples × outputs per sampled batch.
MAX_ROWS = 256
MAX_COLS = 1024
# Rows tested for looking like probabilities: whole rows (a vocabulary wide), so fewer of them;
# the rule wants ≥ 99% of rows to look so, which 64 rows tell as well as 256.
PROB_ROWS = 64
# Other training losses of one sampled iteration recorded (their kinds and producing ops).
MAX_OTHER_LOSSES = 8
# Targets of a sampled classification batch whose classes are counted (an LM's B×T tokens: a prefix).
MAX_CLASS_TARGETS = 4096
# Autograd ops that only reshape, select or cast their single input: the op that computed the
# values sits behind them (`model(x).squeeze(-1)` is still a sigmoid's output).
_PASS_THROUGH = frozenset(
    {"View", "UnsafeView", "Reshape", "ReshapeAlias", "Squeeze", "Unsqueeze", "Permute", "T", "Transpose",
     "Clone", "ToCopy", "Select", "Slice", "Index", "Expand", "Alias"}
)
# How many such ops `producer` looks through (a squeeze, a view and a dtype cast are 3).
PRODUCER_HOPS = 4
# A classification batch arrives as bins, not keys: targets per class for the wrong guesses,
# then for the right ones (see `class_bins`).
_CLASS_BINS = ("class-bins",)


def _flat2(t: torch.Tensor) -> torch.Tensor:
    """(B, …) → (B, D) as float32."""
    return t.detach().reshape(t.shape[0], -1).float() if t.dim() > 0 else t.detach().reshape(1, 1).float()


def producer(t: torch.Tensor) -> str | None:
    """The autograd op that computed `t`'s values ("Sigmoid", "Softmax", "Addmm"), looking
    through reshapes, selections and casts; None without a graph (no_grad, a leaf). Reads
    only host-side graph metadata: no device synchronisation."""
    fn = t.grad_fn
    for _ in range(PRODUCER_HOPS + 1):
        if fn is None:
            return None
        name = fn.name()
        name = name[: name.rfind("Backward")] if "Backward" in name else name
        if name not in _PASS_THROUGH:
            return name
        inputs = [f for f, _ in fn.next_functions if f is not None]
        if len(inputs) != 1:
            return None
        fn = inputs[0]
    return None


def task_of(pred: torch.Tensor, target: torch.Tensor) -> str | None:
    """'classification' (logits + class indices), 'regression' (same number of values), or None."""
    if not target.is_floating_point() and not target.is_complex() and target.dtype != torch.bool:
        if pred.dim() == target.dim() + 1 and pred.shape[:-1] == target.shape and pred.shape[-1] > 1:
            return "classification"
        if pred.dim() == target.dim() + 1 and pred.dim() >= 3 and pred.shape[0] == target.shape[0] and pred.shape[2:] == target.shape[1:]:
            return "classification"  # (B, C, T) logits as cross_entropy takes them
    if pred.is_floating_point() and pred.numel() == target.numel():
        return "regression"
    return None


_LOSS_KEYS = ("loss_sum", "loss_n", "loss_bad")
_REGRESSION_KEYS = ("n", "sse", "sae", "sy", "syy")
_PERSIST_KEYS = ("pn", "psse", "psae")
_CLASS_KEYS = ("n", "correct")
def class_counts(y: torch.Tensor, valid: torch.Tensor, c: int) -> torch.Tensor:
    """Targets per class, the invalid ones (ignore_index, padding) left out (see `_bincount`)."""
    return _bincount(torch.where(valid, y.long(), c), c + 1)[:c]


def _bincount(idx: torch.Tensor, bins: int) -> torch.Tensor:
    """How often each of `bins` values occurs in `idx` (int64, all in range): on the CPU one
    bincount; elsewhere `scatter_count`, since bincount on CUDA reads the largest value to the
    host. No host synchronisation either way."""
    if idx.device.type == "cpu":
        return torch.bincount(idx, minlength=bins)
    return scatter_count(idx, bins)


def scatter_count(idx: torch.Tensor, bins: int) -> torch.Tensor:
    """`torch.bincount(idx, minlength=bins)` as a scatter-add, without a host read."""
    return torch.zeros(bins, dtype=torch.int64, device=idx.device).scatter_add_(0, idx, torch.ones_like(idx))


def class_bins(guess: torch.Tensor, y: torch.Tensor, c: int) -> torch.Tensor:
    """One classification batch as 2(c + 2) counts: for the wrong guesses, then for the right
    ones, the targets below 0 (ignore_index), one bin per class, and the targets ≥ c (padding
    ids). Everything the accuracy and the class prior need, in a few ops on the whole batch."""
    idx = (y.long() + 1).clamp_(0, c + 1)
    idx.add_(guess == y, alpha=c + 2)
    return _bincount(idx, 2 * (c + 2))


def batch_classes(pred: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    """One classification batch's labels (at most MAX_CLASS_TARGETS of them): how many valid
    targets, how many distinct classes among them, and the most frequent class. Device tensors."""
    c = pred.shape[-1] if pred.dim() == target.dim() + 1 and pred.shape[:-1] == target.shape else pred.shape[1]
    y = target.detach().reshape(-1)[:MAX_CLASS_TARGETS].to(pred.device)
    valid = (y >= 0) & (y < c)
    counts = class_counts(y, valid, c)
    return {"batch_targets": valid.sum().float(), "batch_classes": (counts > 0).sum().float(), "batch_mode": counts.argmax().float()}


class OutputProbe:
    def __init__(self) -> None:
        self.epoch = {"train": Sums(), "val": Sums()}
        self.interval = Sums()  # train split since the last record
        # Batch losses times their batch's rows, and those rows, not yet in the sums: a split's
        # loss is the mean over its samples, as the Hugging Face Trainer's eval_loss and
        # Lightning's epoch means are (a last batch of 8 beside batches of 32 weighs a quarter).
        self._losses: dict[str, list[torch.Tensor]] = {"train": [], "val": []}
        self._rows: dict[str, list[float]] = {"train": [], "val": []}
        # Batches' metric sums not yet in the sums: (keys, vector) each, added up per record or
        # epoch (a stack and a sum) instead of a few ops per batch and split.
        self._batches: dict[str, list[tuple[tuple[str, ...], torch.Tensor]]] = {"train": [], "val": []}
        self.sampled: dict[str, torch.Tensor] | None = None  # value checks of a sampled batch
        self.sampled_op: str | None = None  # the autograd op that produced that batch's output
        self.messages: list[dict[str, Any]] = []  # host-known problems, recorded as events
        self.loss_kind: str | None = None  # the loss function named in observe(loss_fn=…)
        # The other training losses of the sampled iteration: [kind, the op behind the prediction]
        self.others: list[list[str | None]] = []
        self._said = Once()

    def say_once(self, kind: str, text: str, **fields: Any) -> None:
        if self._said.first(kind):
            self.messages.append({"kind": kind, "text": text, **fields})

    def _evidence(self, kind: str, **fields: Any) -> None:
        """Record what loss-input-mismatch judges (once per kind); the live line is the rule's
        own sentence for it."""
        self.say_once(kind, loss_input_text({"kind": kind, **fields}), **fields)

    def observe(
        self,
        pred: torch.Tensor | None,
        target: torch.Tensor | None,
        loss: torch.Tensor | float | None,
        baseline: torch.Tensor | None,
        split: str,
        sampled: bool,
        loss_kind: str | None = None,
    ) -> None:
        if loss_kind:
            self.loss_kind = loss_kind
        if loss is not None:
            # Kept, not summed: one stack per record or epoch instead of a few ops per batch.
            lt = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(float(loss))
            losses, n = self._losses[split], batch_rows(target, pred)
            losses.append((lt if lt.numel() == 1 else lt.float().mean()).reshape(()).float() * n)  # a new tensor: kept
            self._rows[split].append(n)
            if len(losses) >= MAX_KEPT_LOSSES:
                self._fold_losses(split)
        more = self._batch(pred, target, baseline, sampled, split, loss_kind)
        if more is not None:
            batches = self._batches[split]
            batches.append(more)
            if len(batches) >= MAX_KEPT_LOSSES:
                self._fold_batches(split)

    def _fold(self, split: str) -> None:
        """Add what the split's batches kept since the last fold to its sums."""
        self._fold_losses(split)
        self._fold_batches(split)

    def _split_sums(self, split: str) -> list[Sums]:
        return [self.epoch[split]] + ([self.interval] if split == "train" else [])

    def _fold_batches(self, split: str) -> None:
        """Add the batches' metric vectors kept since the last fold to the split's sums: one
        stack and sum per kind of vector; class bins become class counts, n and correct."""
        batches, self._batches[split] = self._batches[split], []
        groups: dict[tuple[tuple[str, ...], int], list[torch.Tensor]] = {}
        for keys, vec in batches:
            groups.setdefault((keys, vec.numel()), []).append(vec)
        for (keys, size), vecs in groups.items():
            device = vecs[-1].device
            total = torch.stack([v.to(device) for v in vecs]).sum(0)
            if keys != _CLASS_BINS:
                for s in self._split_sums(split):
                    s.add_many(keys, total.to(torch.float64))
                continue
            c = size // 2 - 2  # see class_bins
            right = total[c + 3 : 2 * c + 3]
            counts = total[1 : c + 1] + right
            scalars = torch.stack([counts.sum(), right.sum()]).to(torch.float64)
            for s in self._split_sums(split):
                s.add("classes", counts)
                s.add_many(_CLASS_KEYS, scalars)

    def _fold_losses(self, split: str) -> None:
        """Add the losses kept since the last fold to the split's sums: the finite ones' sum
        weighted by their batches' rows and those rows, and how many were not finite."""
        losses, self._losses[split] = self._losses[split], []
        rows, self._rows[split] = self._rows[split], []
        if not losses:
            return
        device = losses[-1].device
        lt = torch.stack([x.to(device) for x in losses])
        finite = torch.isfinite(lt)
        n = to_device(rows, device)
        vec = torch.stack([torch.where(finite, lt, 0.0).sum(), torch.where(finite, n, 0.0).sum(), (~finite).sum().float()]).to(torch.float64)
        for s in self._split_sums(split):
            s.add_many(_LOSS_KEYS, vec)

    def _batch(
        self,
        pred: torch.Tensor | None,
        target: torch.Tensor | None,
        baseline: torch.Tensor | None,
        sampled: bool,
        split: str,
        loss_kind: str | None,
    ) -> tuple[tuple[str, ...], torch.Tensor] | None:
        """The checks of one batch's output and target, and its metric sums (`_accumulate`)."""
        if pred is None:
            return None
        if not isinstance(pred, torch.Tensor):
            self.say_once("observe-type", f"observe(pred=…) got {type(pred).__name__}, not a tensor; ignored")
            return None
        if pred.numel() == 0:
            self.say_once("observe-empty", "observe() got an empty batch; ignored")
            return None
        if not (pred.is_floating_point() or pred.is_complex()):
            self.say_once(
                "observe-int",
                f"observe(pred=…) got {pred.dtype} predictions: pass the model's float outputs (logits), "
                "not argmax or rounded values; ignored",
            )
            return None
        if sampled and split == "train":
            self.sampled = self._value_checks(pred, target)
            self.sampled_op = producer(pred)
        if target is None:
            return None
        if not isinstance(target, torch.Tensor):
            self.say_once("observe-type", f"observe(target=…) got {type(target).__name__}, not a tensor; ignored")
            return None
        if pred.dim() == 0 or target.dim() == 0 or pred.shape[0] != target.shape[0]:
            self.say_once(
                "observe-batch",
                f"observe(): prediction {tuple(pred.shape)} and target {tuple(target.shape)} have different "
                "batch sizes; metrics skipped for such batches",
            )
            return None
        if target.is_floating_point() and pred.shape != target.shape:  # evidence for loss-input-mismatch
            self._evidence("loss-input-shape", pred=list(pred.shape), target=list(target.shape))
        task = task_of(pred, target)
        if task is None:
            return None
        takes = BY_KIND.get(loss_kind or "")
        if takes is not None and takes.args == "class" and target.is_floating_point() and task == "regression":
            self._evidence("loss-input-float-target", target=list(target.shape), dtype=str(target.dtype), loss_kind=loss_kind)
        for s in self._split_sums(split):
            s.task = task
        if task == "classification" and sampled and split == "train" and self.sampled is not None:
            self.sampled.update(batch_classes(pred, target))
        return self._accumulate(pred, target, baseline, task)

    def _accumulate(
        self, pred: torch.Tensor, target: torch.Tensor, baseline: torch.Tensor | None, task: str
    ) -> tuple[tuple[str, ...], torch.Tensor]:
        """One batch's metric sums as (keys, vector): regression errors and target moments (and
        the persistence baseline's errors, float64), or class bins (`class_bins`, int64)."""
        if task == "regression":
            p, y = _flat2(pred), _flat2(target).to(pred.device)
            err = p - y
            n = torch.full((), float(y.numel()), device=p.device)
            keys, parts = _REGRESSION_KEYS, [n, err.square().sum(), err.abs().sum(), y.sum(), y.square().sum()]
            if baseline is not None and isinstance(baseline, torch.Tensor) and baseline.numel() == target.numel():
                be = _flat2(baseline).to(p.device) - y
                keys, parts = keys + _PERSIST_KEYS, parts + [n, be.square().sum(), be.abs().sum()]
            return keys, torch.stack(parts).to(torch.float64)
        c = pred.shape[-1] if pred.dim() == target.dim() + 1 and pred.shape[:-1] == target.shape else pred.shape[1]
        logits = pred.detach() if pred.shape[:-1] == target.shape else pred.detach().movedim(1, -1)
        guess = logits.reshape(-1, c).argmax(-1)
        return _CLASS_BINS, class_bins(guess, target.detach().reshape(-1).to(logits.device), c)

    def _value_checks(self, pred: torch.Tensor, target: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """Spread, constant outputs, range, probability-looking rows, on a subsample (at most
        MAX_ROWS samples × MAX_COLS outputs): cheap, and no data-dependent shapes (which would
        synchronise on CUDA)."""
        p = _flat2(pred)[:MAX_ROWS]
        if p.shape[1] > MAX_COLS:
            p = p[:, :: p.shape[1] // MAX_COLS][:, :MAX_COLS]
        finite = torch.isfinite(p)
        pf = torch.where(finite, p, 0.0)
        nan = torch.full((), float("nan"), dtype=torch.float32, device=p.device)
        std = pf.std(0, unbiased=False) if p.shape[0] > 1 else None
        low, high = torch.aminmax(pf)
        out = {
            "nonfinite": (~finite).sum().float(),
            "spread": std.mean() if std is not None else nan,
            "const_frac": (std == 0).float().mean() if std is not None else nan,
            "scale": pf.abs().mean(),
            "min": low,
            "max": high,
        }
        if pred.dim() >= 2 and pred.shape[-1] > 1:
            rows = pred.detach().reshape(-1, pred.shape[-1])[:MAX_ROWS].float()
            few = rows[:PROB_ROWS]
            in_unit = ((few >= 0) & (few <= 1)).all(-1)
            sums_one = (few.sum(-1) - 1).abs() < PROB_SUM_TOL
            out["prob_rows"] = (in_unit & sums_one).float().mean()
            out["logprob_rows"] = ((few <= 0).all(-1) & ((few.exp().sum(-1) - 1).abs() < 1e-3)).float().mean()
            guess = rows.argmax(-1)
            out["one_class"] = (guess == guess[0]).all().float()  # every sample gets the same class
        if isinstance(target, torch.Tensor) and target.numel() and target.shape[:1] == pred.shape[:1]:
            if target.is_floating_point():
                t = _flat2(target)[:MAX_ROWS]
                if t.shape[1] > MAX_COLS:
                    t = t[:, :: t.shape[1] // MAX_COLS][:, :MAX_COLS]
                out["target_spread"] = t.std(0, unbiased=False).mean() if t.shape[0] > 1 else nan
                out["target_rms"] = torch.nan_to_num(t.square().mean(0).sqrt(), nan=0.0, posinf=3e38).max()
            else:
                flat = target.reshape(-1)[: MAX_ROWS * 8]
                out["target_multi"] = (flat != flat[0]).any().float()  # at least two classes
        # Every value is a 0-d float32 tensor without autograd history by construction (p, rows
        # and t are detached float32), so none is converted again: three calls per value were a
        # fifth of this function's time on a small output (tests/test_outputs.py checks it).
        return out

    def drop_last_loss(self, split: str) -> None:
        """Forget the split's latest loss value kept (not yet added to the sums)."""
        if self._losses[split]:
            self._losses[split].pop()
            self._rows[split].pop()

    def other_loss(self, pred: torch.Tensor, loss_kind: str | None) -> None:
        """A training loss other than the observed one, on a sampled iteration: its kind and the
        op that produced its prediction (host-side graph metadata only, no device read)."""
        if len(self.others) < MAX_OTHER_LOSSES:
            self.others.append([loss_kind, producer(pred)])

    def take_interval(self, reads: Reads) -> dict[str, Any]:
        """Hand the train sums since the last record, and the sampled value checks, to `reads`
        and reset them; `interval_fields` makes the record's `out` from the host read."""
        self._fold("train")
        plan: dict[str, Any] = {"sums": self.interval.gather(reads)}
        self.interval = Sums()
        if self.sampled is not None:
            keys = list(self.sampled)
            plan["sampled"] = (keys, reads.floats(torch.stack([self.sampled[k] for k in keys])))
            plan["loss_kind"] = self.loss_kind
            plan["out_op"] = self.sampled_op
            self.sampled = None
            self.sampled_op = None
        if self.others:
            plan["others"], self.others = self.others, []
        return plan

    @staticmethod
    def interval_fields(plan: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
        """The record's `out`: the mean train loss since the last record, non-finite losses,
        and the sampled value checks."""
        out: dict[str, Any] = {}
        raw = Sums.finish(plan["sums"], ticket)
        if raw:
            if raw.get("loss_n"):
                out["loss"] = raw["loss_sum"] / raw["loss_n"]
            if raw.get("loss_bad"):
                out["loss_nonfinite"] = int(raw["loss_bad"])
        if "sampled" in plan:
            keys, slot = plan["sampled"]
            out.update(dict(zip(keys, ticket.get(slot), strict=True)))
            if plan["loss_kind"]:
                out["loss_kind"] = plan["loss_kind"]
            if plan["out_op"]:
                out["out_op"] = plan["out_op"]
        return out

    def take_epoch_sums(self) -> dict[str, tuple[dict[str, Any], str | None]]:
        """Read and reset both splits' epoch sums: {split: (sums, task)} for each split that has
        any (sums.py turns them into metrics, after adding the other ranks' under torchrun)."""
        for split in self._losses:
            self._fold(split)
        out = {split: (raw, sums.task) for split, sums in self.epoch.items() if (raw := sums.read())}
        self.epoch = {"train": Sums(), "val": Sums()}
        return out

    def take_epoch(self) -> dict[str, dict[str, Any]]:
        """Read and reset both splits' epoch sums: metrics and baselines per split."""
        return {split: split_metrics(raw, task) for split, (raw, task) in self.take_epoch_sums().items()}
