"""Step accounting for one optimizer: backward passes, steps, discarded gradients, skips.

All counting is host-side integer arithmetic in hooks that already run; nothing reads a tensor.

How each count is taken:
- backward: tensor hooks on a few "sentinel" parameters, one per bucket (module prefix) among
  those that received a gradient, so a backward pass that skips a conditional branch still
  reaches one. Hooks of the same backward pass share an autograd graph-task id: counted once.
- uncleared: in a sentinel's hook, on the first backward after a step, its `.grad` is the very
  tensor the step used, with the same version counter: nobody zeroed or dropped it.
- discards / skipped: `zero_grad` (optimizer's or the model's) called while gradients from a
  backward are still unconsumed; skipped when no step happened since the previous zero_grad
  (a GAN's discriminator discarding the generator's gradients is a discard, not a skip).
- inside a step: `optimizer.step(closure)` (L-BFGS) calls the closure, whose zero_grad() and
  backward() may run many times; they belong to that one step, so neither discards nor counts
  towards accumulation.
"""

from __future__ import annotations

import operator
import weakref
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch

from torchvitals.probes.cross_rank import is_dtensor, local

_NO_ALARMS = (0, 0, 0, 0, 0, 0)
# Backward passes remembered per optimizer between two zero_grad() calls (accumulation included).
MAX_PASSES = 64
# Zero_grads in a row that throw away another optimizer's by-product before this optimizer's own
# step must come (WGAN's n_critic is 5; its paper trains the critic 100 times at the start).
MAX_BY_PRODUCTS = 100
_GRAD = operator.attrgetter("grad")
_VERSION = operator.attrgetter("_version")
# Parameters per optimizer whose gradient's arrival is watched (see StepAccount.watch_arrivals).
MAX_ARRIVAL_HOOKS = 256


def _arrived(seen: set[int], key: int, grad: torch.Tensor) -> None:
    seen.add(key)


def _no_task_id() -> int:
    return -1


# The id of the backward pass running now (-1 where torch cannot tell): torch's own function,
# called as it is (a sentinel's hook asks it on every backward pass).
graph_task: Any = getattr(torch._C, "_current_graph_task_id", _no_task_id)


def recomputing() -> bool:
    """Whether a forward runs inside a backward pass: torch.utils.checkpoint recomputing a
    forward it already ran (its batch was seen then; the model's hooks run again now)."""
    return graph_task() != -1


# Forwards without gradient in a row (no training forward between) that make an evaluation pass:
# one alone is a target, a teacher's label or a shape probe inside a training iteration.
EVAL_PASS_MIN = 2


@dataclass
class Counters:
    backward: int = 0  # backward passes that reached a sentinel parameter
    steps: int = 0  # optimizer steps taken
    cycles: int = 0  # iterations: steps taken + iterations whose gradients were thrown away
    discards: int = 0  # zero_grad() calls that threw away unconsumed gradients
    skipped: int = 0  # discards with no step since the previous zero_grad: a skipped step
    last_skip: int = 0  # iteration of the latest skip
    uncleared: int = 0  # steps that used gradients accumulated onto the previous step's ones
    max_accum: int = 0  # most backward passes seen between two steps
    scaler_skips: int = 0  # steps a GradScaler skipped because of inf/NaN gradients
    sched_steps: int = 0  # scheduler.step() calls
    sched_orphans: int = 0  # scheduler steps with no optimizer step since the previous one
    eval_steps: int = 0  # steps taken while the model was in eval() mode
    zero_grads: int = 0  # zero_grad() calls seen
    steps_no_backward: int = 0  # steps with no backward pass reaching the parameters since the last step
    # Forwards without gradient (no_grad / inference_mode) of the model in train() with dropout
    # or batch norm, and the passes of them: EVAL_PASS_MIN in a row with no training forward between.
    nograd_train_fwd: int = 0
    nograd_train_passes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))  # flat ints: asdict's recursive deep copy took 80 µs a record


class StepAccount:
    """Counters for one optimizer plus the sentinel bookkeeping."""

    def __init__(self) -> None:
        self.c = Counters()
        self.since_step = 0  # backward passes since the last step
        self.step_since_zero = False  # a step happened since the last zero_grad
        # Per scheduler (its id): the optimizer steps taken at its latest step(). Kept per
        # scheduler: a warm-up stepped every iteration and a decay stepped every epoch share the
        # optimizer, and the decay follows the warm-up's step with none of the optimizer between.
        self._sched_at: dict[int, int] = {}
        self._check_clear = False  # the next backward must find the gradient cleared
        self._stale = False  # a backward added onto the previous step's gradients
        self._grads: list[tuple[weakref.ref[torch.Tensor], int] | None] = []  # per sentinel, at the step
        self.sentinels: list[torch.Tensor] = []
        self.by_output = False  # backward passes are counted from the model's output (FSDP2)
        self._handles: list[Any] = []
        self._task = -2  # graph task of the last counted backward
        # The graph task whose remaining sentinel hooks have nothing to do (counted, no gradient
        # left to check), -2 when none: a hook compares it with torch's and returns (see counted).
        self.quiet = -2
        self.in_step = False  # between the step's pre- and post-hook (a closure runs there)
        self._clears_unseen: bool | None = None  # gradients cleared through .data (see on_backward)
        # Graph tasks of the backward passes counted since the last zero_grad, and those the last
        # step applied: another optimizer's zero_grad asks whether its gradients came from a pass
        # this optimizer stepped on (consumed_by).
        self._passes: deque[int] = deque(maxlen=MAX_PASSES)
        self._stepped_on: tuple[int, ...] = ()
        self._by_products = 0  # zero_grads since the last step that threw away another's by-product
        self._forgivable = 0  # skips before the first step that were another optimizer's by-product
        self.closure = False  # the step in progress was given a closure
        self._backward_seen = True  # a backward pass reached a sentinel since the last step
        self.alarms_seen: tuple[int, ...] = _NO_ALARMS
        self._sched_call: Any = None  # the composite scheduler call of the latest step (on_scheduler_step)
        # Parameters a sampled step found without a gradient (global index → a tensor hook), and
        # those of them whose gradient backward() computed since the last step (watch_arrivals).
        self._arrival_hooks: dict[int, tuple[torch.Tensor, Any]] = {}  # key → (parameter, handle)
        self.arrived: set[int] = set()
        self._held: set[int] = set()  # ... whose gradient was dropped at a sampled step

    @property
    def sentinel(self) -> torch.Tensor | None:
        return self.sentinels[0] if self.sentinels else None

    # -- sentinels ------------------------------------------------------------------------
    def choose_sentinels(self, params: list[torch.Tensor], buckets: list[str], make_hook: Any, need_grad: bool = True) -> None:
        """Hook the first parameter with a gradient in each bucket (once); with need_grad=False
        the first trainable one (a hand-written update: chosen before any backward)."""
        if self.sentinels:
            return
        seen: set[str] = set()
        for i, p in enumerate(params):
            b = buckets[i] if i < len(buckets) else ""
            if (p.grad is not None or not need_grad) and p.requires_grad and b not in seen:
                seen.add(b)
                self.sentinels.append(p)
                if is_dtensor(p):
                    # A DTensor (FSDP2): backward runs through FSDP's unsharded copies, never
                    # through this parameter, so a hook on the model's output counts the pass
                    # (Monitor._post_forward) and this one only carries the gradient checks.
                    self.by_output = True
                else:
                    self._handles.append(p.register_hook(make_hook(len(self.sentinels) - 1)))
        if self.sentinels and need_grad:
            # The gradients already there came from backward passes before we could count.
            self.c.backward = max(self.c.backward, 1)
            self.since_step = max(self.since_step, 1)
            self._backward_seen = True
        self._grads = [None] * len(self.sentinels)
        self.quiet = -2

    def counted(self, which: int) -> bool:
        """Whether a sentinel's hook has nothing to account: its backward pass is counted
        already and this sentinel's gradient needs no check (most hooks of most passes; read
        inline by the hooks, see Hooks._ensure_sentinel)."""
        return (
            self._task >= 0
            and graph_task() == self._task
            and not (self._check_clear and which < len(self._grads) and self._grads[which] is not None)
        )

    def on_backward(self, which: int) -> bool:
        """Account a sentinel's hook; True when it is the first of a new backward pass."""
        task = graph_task()
        new = task == -1 or task != self._task
        self._backward_seen = True
        if new:
            self._task = task
            if task >= 0:
                self._passes.append(task)
            self.c.backward += 1
            if not self.in_step:
                self.since_step += 1
                self.c.max_accum = max(self.c.max_accum, self.since_step)
        # A sentinel's own hook checks its gradient; the output's hook (FSDP2, `which` past the
        # sentinels) runs before any gradient of the pass lands, and checks them all.
        checks = () if not self._check_clear else [which] if which < len(self._grads) else range(len(self._grads)) if self.by_output else ()
        for j in checks:
            if self._grads[j] is None:
                continue
            ref, version = self._grads[j]
            self._grads[j] = None
            g = self.sentinels[j].grad
            if g is not None and g is ref() and g._version == version and not self._cleared_unseen(g):
                # Stale unless a zero_grad comes before the next step (a GAN's discriminator
                # collects the generator loss's gradients and discards them: fine).
                self._stale = True
        if task >= 0 and (not self._check_clear or self._grads.count(None) == len(self._grads)):
            self.quiet = task  # nothing left to check in this pass (-1: torch cannot tell passes apart)
        return new

    def unseen_backward(self) -> bool:
        """Whether a backward pass reached the parameters since the last step that no hook
        counted: passes counted at the model's output (FSDP2) whose forward torch.compile traced
        (the output's hook, put on after the graph ran, never fires). Seen after the fact, before
        the step: a sentinel's gradient is another tensor, or the same one changed, since the
        last step. One pass is counted however many ran (accumulation is not told apart there,
        nor gradients left uncleared)."""
        if not self.by_output or self._backward_seen:
            return False
        for j, p in enumerate(self.sentinels):
            g = p.grad
            was = self._grads[j] if j < len(self._grads) else None
            if g is not None and (was is None or was[0]() is not g or was[1] != g._version):
                return True
        return False

    def _cleared_unseen(self, g: torch.Tensor) -> bool:
        """`p.grad.data.zero_()` clears a gradient without touching its version counter: a
        gradient that looks untouched but is all zeros was cleared that way. Read once; the
        loop is then known to clear like that (one host read, on the first suspicion)."""
        if self._clears_unseen is None:
            values = local(g)  # a DTensor's own shard: no collective
            values = values._values() if values.is_sparse else values  # a sparse gradient: its stored values
            if values.numel() == 0:  # an empty shard tells nothing
                return False
            self._clears_unseen = not bool(values.detach().count_nonzero())
        return self._clears_unseen

    # -- optimizer and zero_grad events -----------------------------------------------------
    def begin_step(self, closure: bool) -> None:
        self.in_step = True
        self.closure = closure

    def on_step(self, train_mode: bool) -> None:
        c = self.c
        self.in_step = False
        self.closure = False
        if not self._backward_seen and self.sentinels:
            c.steps_no_backward += 1
        self._backward_seen = False
        if self._stale:
            c.uncleared += 1
            self._stale = False
        if c.steps == 0 and self._forgivable:  # the critic trained first, then the generator
            c.skipped -= self._forgivable
            self._forgivable = 0
        c.steps += 1
        c.cycles += 1
        if self.arrived:
            self.arrived.clear()
        self._stepped_on = tuple(self._passes)
        self._by_products = 0
        self.quiet = -2
        self.since_step = 0
        self.step_since_zero = True
        self._sched_call = None
        if not train_mode:
            c.eval_steps += 1
        # The gradients the step used: the next backward must find them cleared. Taken with
        # map() (every step, no bytecode per parameter) when every sentinel has a gradient.
        grads = list(map(_GRAD, self.sentinels))
        try:
            self._grads = list(zip(map(weakref.ref, grads), map(_VERSION, grads), strict=True))
            self._check_clear = bool(grads)
        except TypeError:  # a sentinel without a gradient (weakref.ref(None))
            self._grads = [None if g is None else (weakref.ref(g), g._version) for g in grads]
            self._check_clear = any(g is not None for g in grads)

    def consumed_by(self, other: StepAccount) -> bool:
        """Whether the latest backward pass that reached this optimizer's parameters is one that
        `other`'s latest step applied: a WGAN critic's loss reaches the generator (its images are
        not detached) and the critic steps on it; the generator, trained every fifth batch,
        zeroes that by-product in the others. Throwing it away is no skipped step."""
        return self._task >= 0 and self._task in other._stepped_on

    def on_zero_grad(self, has_grads: bool, consumed: bool = False) -> bool:
        """Account a zero_grad; True when it skipped an iteration (gradients thrown away
        with no optimizer step since the previous zero_grad, and not applied by another
        optimizer's step: `consumed`, see consumed_by)."""
        self.c.zero_grads += 1
        self._passes.clear()
        self.quiet = -2
        if self.in_step:  # a closure clearing the gradients it is about to recompute
            self._check_clear = False
            self._stale = False
            return False
        pending = self.since_step > 0 if self.sentinels else has_grads
        skipped = False
        if pending:
            self.c.discards += 1
            # Another optimizer's by-product (a generator trained every n-th batch) is no skip while
            # this optimizer steps now and then; until its first step, counted and forgiven by it.
            by_product = consumed and self.c.steps > 0 and self._by_products < MAX_BY_PRODUCTS
            if self.step_since_zero:
                pass
            elif by_product:
                self._by_products += 1
            else:
                self._forgivable += consumed and self.c.steps == 0
                self.c.skipped += 1
                self.c.cycles += 1
                self.c.last_skip = self.c.cycles
                skipped = True
        self.since_step = 0
        self.step_since_zero = False
        self._check_clear = False
        self._stale = False
        return skipped

    def alarms(self) -> tuple[int, ...]:
        """The counters whose first occurrences deserve a record right away (capped)."""
        c = self.c
        if not (c.uncleared or c.skipped or c.eval_steps or c.sched_orphans or c.steps_no_backward or c.nograd_train_passes):
            return _NO_ALARMS
        alarms = (c.uncleared, c.skipped, c.eval_steps, c.sched_orphans, c.steps_no_backward, c.nograd_train_passes)
        return tuple(min(x, 3) for x in alarms)

    def on_scheduler_step(self, call: Any = None, key: int = 0) -> None:
        """Scheduler `key`'s step(): an orphan when no optimizer step came since its previous
        one (or, for its first, since the run began). `call`, when given, is the call of a
        scheduler that steps others it was made in (ChainedScheduler; Accelerate's wrapper steps
        once per process): the further step() calls within the same one are not counted again.
        Held until the next optimizer step, so that no later call can be the same object."""
        if call is not None and call is self._sched_call:
            return
        self._sched_call = call
        c = self.c
        c.sched_steps += 1
        if self._sched_at.get(key, 0) == c.steps:
            c.sched_orphans += 1
        self._sched_at[key] = c.steps

    def release_scheduler_call(self) -> None:
        """Forget the composite scheduler call once it cannot be running any more (a forward
        came): its frame would keep the caller's locals alive."""
        self._sched_call = None

    def watch_arrivals(self, params: list[torch.Tensor], keys: list[int]) -> None:
        """Hook each of `params` (keys: their global indices) not hooked yet, so that `arrived`
        tells whether backward() computed its gradient since the last step: a parameter a step
        finds without one then had it dropped before the step (`p.grad = None`, as DINO freezes
        its head's last layer for the first epoch) rather than never computed. The hook runs
        only when backward reaches the parameter: one that is never reached costs nothing."""
        for p, key in zip(params, keys, strict=True):
            if key in self._arrival_hooks or len(self._arrival_hooks) >= MAX_ARRIVAL_HOOKS:
                continue
            if p.requires_grad and p.is_leaf and not is_dtensor(p):
                self._arrival_hooks[key] = (p, p.register_hook(partial(_arrived, self.arrived, key)))

    def unwatch_present(self) -> None:
        """At a sampled step: parameters watched by watch_arrivals that have a gradient now are
        watched no more (a branch taken again, a step that had dropped every gradient once), so
        the hooks of a model whose parts skip some iterations come and go with the sampled ones."""
        if not self._arrival_hooks:
            return
        for key, (p, handle) in list(self._arrival_hooks.items()):
            if p.grad is not None and key not in self._held:
                handle.remove()
                del self._arrival_hooks[key]

    def hold(self, keys: list[int]) -> None:
        """These watched parameters had their gradient dropped at a sampled step: `resumed` asks
        at every step whether that has ended."""
        self._held.update(key for key in keys if key in self._arrival_hooks)

    def resumed(self) -> bool:
        """Whether a parameter held by `hold` keeps, at this step, the gradient backward()
        computed for it (the freeze ended); it is watched no more. Costs a set's truth value at
        the steps of most runs: nothing is held."""
        if not (self._held and self.arrived):
            return False
        back = [key for key in self.arrived if key in self._held and self._arrival_hooks[key][0].grad is not None]
        for key in back:
            self._held.discard(key)
            self._arrival_hooks.pop(key)[1].remove()
        return bool(back)

    def remove(self) -> None:
        for h in [*self._handles, *(h for _, h in self._arrival_hooks.values())]:
            h.remove()
        self._handles = []
        self._arrival_hooks = {}
        self._held = set()
        self.arrived.clear()
        self.sentinels = []
        self._grads = []
        self._sched_call = None
