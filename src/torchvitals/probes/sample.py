"""A sampled iteration, measured: gradient and weight norms and the true update on the
device, then one host read that turns them into the step record's numbers.

Sampled iterations are the first `warmup`, then every `every`-th; detailed ones (every
`detail_every`-th) also take weight norms, the true update and the activation probes. Other
iterations' records carry the last weight norms read: weights move by about 1e-3 of their norm
per step, and lr·‖g‖/‖w‖ needs no more.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import partial
from itertools import repeat
from operator import attrgetter, is_, is_not
from typing import Any

import torch

from torchvitals.config import Options
from torchvitals.probes import gradients
from torchvitals.probes.cross_rank import (
    ACTIVATION,
    REPLICATED,
    CrossRank,
    locals_of,
    shard_copies,
    sharded_mode,
)
from torchvitals.probes.inventory import Inventory
from torchvitals.probes.manual import ManualSteps, is_manual
from torchvitals.probes.reads import Reads, Ticket
from torchvitals.probes.steps import StepAccount
from torchvitals.record import rounded, rounded_all

_GRAD = attrgetter("grad")
_SPARSE = attrgetter("is_sparse")
_REQUIRES_GRAD = attrgetter("requires_grad")
_PRESENT = partial(is_not, None)

# On the CPU the true update's copy buffers are kept from one detailed iteration to the next
# (keeps_copies) when those come at most KEEP_COPIES_WITHIN iterations apart, and whatever the
# cadence when the copy is at most KEEP_SMALL_BYTES: fresh 3 MB copies (a 0.8M-parameter MLP)
# cost a sampled iteration 0.57 ms more in the training loop (paired in one process).
KEEP_COPIES_WITHIN = 20
KEEP_SMALL_BYTES = 16 * 2**20


class OptState:
    """One watched optimizer: its parameters, its step accounting, and the measurements of
    the iteration under way."""

    def __init__(self, idx: int, opt: torch.optim.Optimizer) -> None:
        self.idx = idx
        self.ref = weakref.ref(opt)
        self.kind = type(opt).__name__
        self.pidx: list[int] = []
        self.params: list[torch.Tensor] = []
        self.acct = StepAccount()
        self.snapshot: gradients.Snapshot | None = None
        self.pending: dict[str, Any] | None = None  # the sampled iteration's device numbers
        self.scaler_infs: torch.Tensor | None = None  # device count of GradScaler skips
        self.last_w: tuple[int, list[float | None]] | None = None  # (iteration, weight norms read)
        # How many parameters the latest weight norms taken covered (-1: none yet): known when
        # they are taken, before their record is written (records may be written later: CUDA, HOLD).
        self.w_len = -1
        self.snap_next = 0  # where the next turn of the true-update copy starts
        self.too_big: set[int] = set()  # parameters larger than snapshot_mb (said once)
        self.snap_keep: dict[int, torch.Tensor] = {}  # copy buffers kept between snapshots (keeps_copies)
        self.manual = ManualSteps() if is_manual(opt) else None  # a hand-written update's stand-in
        self.retired = False  # a stand-in whose parameters a real optimizer took over
        self.step_lr: list[float | None] = []  # the learning rates of the latest step
        self.sharded: list[int] = []  # per parameter: 0, or how many ranks hold its shard (FSDP2: 1)

    def shard_counts(self) -> list[int]:
        """`sharded`, or zeros while it is not measured for the current parameters."""
        return self.sharded if len(self.sharded) == len(self.params) else [0] * len(self.params)

    def local_params(self) -> list[torch.Tensor]:
        """The parameters as this process holds them (a DTensor's local shard)."""
        return locals_of(self.params)  # type: ignore[return-value]


class Sampler:
    def __init__(self, opts: Options, inventory: Inventory, note: Callable[[str], None]) -> None:
        self.opts = opts
        self.inv = inventory
        self._note = note
        self.cross: CrossRank | None = None  # under torchrun: the exchange with the other ranks

    def sampled(self, it: int) -> bool:
        return it <= self.opts.warmup or it % self.opts.every == 0

    def detailed(self, it: int) -> bool:
        """Whether iteration `it` is sampled and also takes the dearer measurements (the true
        update, output value checks, activation probes; see the detail_every option)."""
        every = self.opts.every
        return it <= self.opts.warmup or (it % every == 0 and it % self.detail_apart() == 0)

    def detail_apart(self) -> int:
        """Iterations between two detailed ones after the warm-up: every k-th sampled one, the
        first sampled iteration at least detail_every apart."""
        every = self.opts.every
        return every * -(-self.opts.detail_every // every)

    def snapshot(self, o: OptState, closure: bool = False) -> gradients.Snapshot:
        """Copy, for the true update, the parameters with a gradient that fit in snapshot_mb,
        in turns from where the last copy stopped (with a closure, every trainable one: its
        gradients are yet to come)."""
        sizes = [p.numel() * p.element_size() for p in o.params]
        has_grad = [p.requires_grad if closure else p.grad is not None for p in o.params]
        which, o.snap_next, too_big = gradients.pick_snapshot(
            sizes, has_grad, o.snap_next % max(1, len(sizes)), self.opts.snapshot_mb * 2**20
        )
        new = [i for i in too_big if o.pidx[i] not in o.too_big]
        if new:
            o.too_big.update(o.pidx[i] for i in new)
            names = ", ".join(self.inv.names[o.pidx[i]] for i in new[:3]) + (" …" if len(new) > 3 else "")
            self._note(
                f"{len(new)} parameter(s) larger than snapshot_mb={self.opts.snapshot_mb:g} MiB ({names}): "
                "their true update is not measured; raise TORCHVITALS_SNAPSHOT_MB to include them"
            )
        keep = o.snap_keep if self.keeps_copies(sum(sizes[i] for i in which)) else None
        if keep is None:
            o.snap_keep.clear()
        return gradients.Snapshot(o.local_params(), which, keep)

    def keeps_copies(self, nbytes: int) -> bool:
        """Whether the true update's copy buffers (`nbytes` this time) stay allocated between
        detailed iterations: on the CPU (where each fresh copy pays its page faults again) when
        detailed iterations come at most KEEP_COPIES_WITHIN iterations apart (every=1: every
        10th), or the copy is small (KEEP_SMALL_BYTES). The price is memory held for the whole
        run: at most snapshot_mb, one copy of the parameters; 16 MiB at default sampling."""
        return self.inv.device.type == "cpu" and (self.detail_apart() <= KEEP_COPIES_WITHIN or nbytes <= KEEP_SMALL_BYTES)

    def measure(self, o: OptState, it: int) -> None:
        """Gradient norms, and weight norms on detailed iterations, into `o.pending` (device
        tensors, read at the end of the iteration)."""
        fresh = self.detailed(it) or o.w_len != len(o.params)
        if len(o.sharded) != len(o.params):
            o.sharded = [shard_copies(p) for p in o.params]
        w = gradients.norms(o.local_params(), self.inv.device) if fresh else None
        # The parameters in no optimizer, with the first one: whether their values change (a
        # target network copied from the trained one) says what unoptimized-parameters means.
        wf = gradients.norms(locals_of(self.inv.free_params), self.inv.device) if fresh and o.idx == 0 and self.inv.free_params else None
        if fresh:
            o.w_len = len(o.params)
        o.pending = {
            "it": it,
            "w": w,
            "wf": wf,
            "frozen": [] if all(map(_REQUIRES_GRAD, o.params)) else [o.pidx[i] for i, p in enumerate(o.params) if not p.requires_grad],
            "lr": [] if o.manual is not None else [grp.get("lr") for grp in o.ref().param_groups],
        }
        self.measure_grads(o, o.pending)

    def measure_grads(self, o: OptState, pending: dict[str, Any]) -> None:
        """Gradient norms of the optimizer's parameters (and, for the first optimizer, of the
        parameters in no optimizer), into `pending`."""
        grads = locals_of(list(map(_GRAD, o.params)))
        both = grads + locals_of(list(map(_GRAD, self.inv.free_params))) if o.idx == 0 and self.inv.free_params else grads
        pending["g"] = gradients.norms(both, self.inv.device)
        # Both lists are empty on most iterations, and found without a bytecode per parameter.
        missing = any(map(is_, both, repeat(None)))
        pending["missing"] = [i for i, t in enumerate(both) if t is None] if missing else []
        o.acct.unwatch_present()
        if missing:
            pending["dropped"] = self._dropped(o, pending["missing"])
        sparse = any(map(_SPARSE, filter(_PRESENT, grads)))
        pending["sparse"] = [i for i, t in enumerate(grads) if t is not None and t.is_sparse] if sparse else []

    @staticmethod
    def _dropped(o: OptState, missing: list[int]) -> list[int]:
        """The positions among `missing` of the optimizer's parameters whose gradient backward()
        computed since the last step, dropped before this one; from now on each of them is
        watched (StepAccount.watch_arrivals), so a parameter's first sampled step cannot tell.
        The dropped ones are held: the first step that keeps their gradient is sampled too
        (Monitor._pre_step), so that a freeze's end is seen when it comes."""
        own = [i for i in missing if i < len(o.params)]
        keys = [o.pidx[i] for i in own]
        dropped = [(i, key) for i, key in zip(own, keys, strict=True) if key in o.acct.arrived]
        o.acct.watch_arrivals([o.params[i] for i in own], keys)
        o.acct.hold([key for _, key in dropped])
        return [i for i, _ in dropped]

    def take_update(self, o: OptState) -> None:
        """After the step: the norms of what it changed, from the snapshot taken before it."""
        if o.snapshot is not None and o.pending is not None:
            o.pending["d"], o.pending["wa"] = o.snapshot.delta_norms(o.local_params(), self.inv.device)
            o.pending["d_which"] = o.snapshot.which
        o.snapshot = None

    def gather(
        self,
        o: OptState,
        p: dict[str, Any],
        acts: list[tuple[str, torch.Tensor]],
        reads: Reads,
        batch: torch.Tensor | None = None,
        clip: tuple[torch.Tensor, float] | None = None,
        source: str | None = None,
    ) -> dict[str, Any] | None:
        """Hand the iteration's device numbers to `reads` (g, w, d and wa, the pre-clip norm, the
        activation probes; under torchrun the parameter checksums and `batch`, the fingerprint of
        the training input, and `source`, its loader's dataset when this rank reads it whole) and
        return what `finish` needs to turn them into record fields. `clip` is what
        clip_grad_norm_ returned before this step and its max_norm."""
        parts = [t.reshape(-1) for t in (p.get("g"), p.get("w"), p.get("d"), p.get("wa"), p.get("wf")) if t is not None]
        clip = clip if "g" in p else None
        if clip is not None:
            parts.append(clip[0].reshape(1).to(self.inv.device, torch.float32))
        parts += [t.reshape(-1).to(self.inv.device) for _, t in acts]
        if not parts:
            return None
        plan: dict[str, Any] = {"flat": reads.floats(torch.cat(parts)), "clip": clip, "acts": [n for n, _ in acts]}
        cross = self.cross if self.cross is not None and self.cross.chan.live else None
        if cross is not None:
            # Replicated parameters the model still holds: one it dropped (a replaced head, still
            # in the optimizer) is no copy DDP keeps equal, and no rank trains with it.
            gone = self.inv.gone
            rep = [i for i, s in enumerate(o.shard_counts()) if not s and id(o.params[i]) not in gone]
            modes = self._modes(o, p, len(acts))
            if clip is not None:
                modes.insert(len(modes) - len(acts), REPLICATED)
            plan.update(cross=cross, rep=rep, modes=modes, steps=o.acct.c.steps, source=source)
            checks = CrossRank.checks(o.params, rep) if "g" in p else None
            if checks is not None:  # None: no replicated parameter (all sharded, FSDP2)
                plan["checks"] = reads.ints(checks)
            if batch is not None:
                plan["batch"] = reads.ints(batch)
        return plan

    def finish(self, o: OptState, p: dict[str, Any], plan: dict[str, Any] | None, ticket: Ticket, stepped: bool) -> dict[str, Any]:
        """The record fields from the host read: g, lr, w (or the last read, with w_it), gf, d, wa,
        wf, clip, frozen, sparse, gx, act; under torchrun combined across ranks (probes/cross_rank.py),
        with the record's `ranks` field on rank 0."""
        rec: dict[str, Any] = {}
        if plan is None:
            return rec
        flat = ticket.get(plan["flat"])
        clip, acts = plan["clip"], plan["acts"]
        cross = plan.get("cross")
        if cross is not None:
            checks = ticket.get(plan["checks"]) if "checks" in plan else []
            batch = _hex(ticket.get(plan["batch"])[0]) if "batch" in plan else None
            flat, ranks_rec = cross.exchange(
                o.idx, p["it"], flat, plan["modes"], checks, batch, stepped, plan["steps"], plan.get("source")
            )
            if ranks_rec is not None:
                ranks_rec["diverged"] = [o.pidx[plan["rep"][j]] for j in ranks_rec["diverged"]]
                rec["ranks"] = ranks_rec
        n_own = len(o.params)
        if "g" in p:
            n_g = p["g"].numel()
            g: list[float | None] = rounded_all(flat[:n_g])
            for i in p["missing"]:
                g[i] = None
            rec["lr"] = [rounded(x) for x in p["lr"]]
            rec["g"] = g[:n_own]
            at = n_g
            if p["w"] is not None:
                o.last_w = (p["it"], rounded_all(flat[at : at + n_own]))
                rec["w"] = o.last_w[1]
                at += n_own
            elif o.last_w is not None:
                rec["w"], rec["w_it"] = o.last_w[1], o.last_w[0]
            if o.idx == 0 and self.inv.free_params:
                rec["gf"] = g[n_own:]
            for key in ("d", "wa") if "d" in p else ():  # the true update, and the norms after it
                vals: list[float | None] = [None] * n_own  # None: not copied this time
                for i, x in zip(p["d_which"], rounded_all(flat[at : at + len(p["d_which"])]), strict=True):
                    vals[i] = x
                rec[key] = vals
                at += len(p["d_which"])
            if p.get("wf") is not None:
                rec["wf"] = rounded_all(flat[at : at + p["wf"].numel()])
                at += p["wf"].numel()
            if clip is not None:
                rec["clip"] = {"pre": rounded(flat[at], 7), "max": rounded(clip[1], 7)}
            if p["frozen"]:
                rec["frozen"] = p["frozen"]
            if p.get("sparse"):
                rec["sparse"] = p["sparse"]
            if p.get("dropped"):
                rec["gx"] = p["dropped"]
        if acts:
            vals = flat[len(flat) - len(acts) :]
            rec["act"] = [[n, rounded(v)] for n, v in zip(acts, vals, strict=True)]
        return rec

    def _modes(self, o: OptState, p: dict[str, Any], n_acts: int) -> list[str]:
        """How each value of the flat vector combines across ranks, in its order."""
        own = [sharded_mode(c) if c else REPLICATED for c in o.shard_counts()]
        modes: list[str] = []
        if "g" in p:
            free = [sharded_mode(c) if (c := shard_copies(t)) else REPLICATED for t in self.inv.free_params] if o.idx == 0 else []
            modes += (own + free)[: p["g"].numel()]
            if p.get("w") is not None:
                modes += own
            if "d" in p:
                modes += [own[i] for i in p["d_which"]] * 2  # d, then wa
            if p.get("wf") is not None:
                modes += free
        return modes + [ACTIVATION] * n_acts


def _hex(v: int) -> str:
    return f"{v & 0xFFFFFFFFFFFFFFFF:016x}"
