"""The monitor's entry points from torch: forward hooks, the gradient sentinels' tensor hooks,
the optimizer step hooks, and the zero_grad / scheduler.step / scaler.update taps. They account
steps (probes/steps.py) and, on sampled iterations, ask the sampler to measure; the record is
written by the monitor (monitor/core.py). Every entry is a `Guarded` hook: whatever raises
inside stops there, switches that part off, and never reaches the user's training loop.
"""

from __future__ import annotations

import weakref
from typing import Any

import torch
from torch import nn

from torchvitals.probes.attach import WeakHook
from torchvitals.probes.batches import batch_input, listed_batch
from torchvitals.probes.compiled import KEPT
from torchvitals.probes.handed import HANDED
from torchvitals.probes.inventory import active_mode_modules
from torchvitals.probes.sample import OptState
from torchvitals.probes.steps import graph_task, recomputing
from torchvitals.probes.values import host_scalar, lrs, pick_output
from torchvitals.record import rounded
from torchvitals.wrapped import composite_scheduler_call, unwrap


def first_grad_tensor(output: Any) -> torch.Tensor | None:
    """The first tensor in a model's output that backward will pass through."""
    if isinstance(output, torch.Tensor):
        return output if output.requires_grad else None
    items = output.values() if isinstance(output, dict) else output if isinstance(output, (list, tuple)) else ()
    for x in items:
        if isinstance(x, torch.Tensor) and x.requires_grad:
            return x
    return None


class _OutputSentinel:
    """A tensor hook on a model's output: one backward pass of optimizer `idx` (FSDP2)."""

    __slots__ = ("_ref", "_idx", "_which")

    def __init__(self, mon: Any, idx: int, which: int) -> None:
        self._ref, self._idx, self._which = weakref.ref(mon), idx, which

    def __call__(self, grad: torch.Tensor) -> None:
        mon = self._ref()
        if mon is not None:
            try:
                if not mon._opts[self._idx].acct.counted(self._which):  # another output's hook counted the pass
                    mon._on_backward(self._idx, self._which)
            except Exception as exc:  # never into the user's backward()
                _swallow(mon, "steps", exc)


class Guarded(WeakHook):
    """A WeakHook for every entry from torch into the monitor (module, optimizer, tensor and
    method hooks): whatever the monitor raises stops there, is recorded as a failed probe, and
    never reaches the user's forward(), backward(), step() or zero_grad()."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        target = self._ref()
        if target is None:
            return None
        try:
            return getattr(target, self._method)(*self._bound, *args, **kwargs)
        except Exception as exc:
            _swallow(target, self._method, exc)
            return None


def _swallow(mon: Any, where: str, exc: BaseException) -> None:
    """An exception escaped one of the monitor's entry points: switch that part off, quietly if
    even that fails."""
    try:
        if mon is not None:
            mon._fail(_PROBE_OF.get(where, "monitor"), exc)
    except Exception:
        pass


# The probe an entry point belongs to: the one switched off when that entry point raises.
_PROBE_OF = {
    "_pre_step": "steps",
    "_post_step": "steps",
    "_on_optimizer_zero_grad": "steps",
    "_on_zero_grad": "steps",
    "_on_model_zero_grad": "steps",
    "_on_scheduler_step": "steps",
    "_manual_backward_end": "steps",
    "_pre_forward": "forward",
    "_post_forward": "outputs",
    "_on_plateau_step": "plateau",
    "_after_plateau_step": "plateau",
    "_on_scaler_update": "scaler",
    "_fail_activations": "activations",
    "_preflight_hook": "preflight",
}


class Hooks:
    """The entry points of `Monitor` (monitor/core.py), which owns the state they use."""

    def _state(self, opt: Any) -> OptState | None:
        for o in self._opts:
            if o.ref() is opt:
                return o
        alias = self._aliases.get(id(opt))  # a framework's wrapper (add_optimizer_alias)
        return alias[1] if alias is not None and alias[0]() is opt else None

    def _sched_state(self, sched: Any) -> OptState | None:
        """The state of the optimizer a scheduler steps; through Accelerate's wrapper when the
        scheduler was made over an AcceleratedOptimizer (the Trainer's)."""
        return self._state(unwrap(getattr(sched, "optimizer", None)))

    def _next_it(self) -> int:
        return self._opts[0].acct.c.cycles + 1 if self._opts else 1

    def _next_iteration(self, it: int) -> None:
        """The first optimizer's iteration `it` ended (a step, or gradients thrown away): what
        the next one measures."""
        self._sampled = self.sampler.sampled(it + 1)
        self._detailed = self.sampler.detailed(it + 1)
        if self._act is not None:
            self._act.armed = self._detailed

    def _pre_forward(self, module: nn.Module, args: Any, kwargs: Any = None) -> None:
        # module None: a compiled forward's call, replayed at an eager moment (a backward among them)
        if self._sched_held:  # no scheduler's step() is running around a forward
            self._release_scheduler_calls()
        if self.closed or "forward" in self.disabled or self._in_preflight or (module is not None and recomputing()):
            return
        try:
            if self._inflight:  # a record whose numbers were on their way (CUDA): written if they arrived
                self._complete()
            for o in self._manual:
                if o.manual is not None and o.manual.pending:
                    self._manual_resolve(o)
            if not self._sentinels_ready:  # a backward may have run with no step or zero_grad yet
                for o in self._opts:
                    self._ensure_sentinel(o)
                self._sentinels_ready = all(o.acct.sentinels for o in self._opts)
            if not torch.is_grad_enabled():
                if module is not None and module.training:
                    self._nograd_train_forward(module)
                return
            runs = self._nograd  # a training forward ends a run of forwards without gradient
            if (runs.length or HANDED.serial != runs.trained_at) and runs.training_forward():
                self._count_nograd(pass_=True, forward=False)
            x = batch_input(args, kwargs)  # a positional tensor, else keyword arguments or a dict
            if x is None:
                x = listed_batch(args)  # a list of samples (torchvision's detection models)
            if x is not None and x.dim() > 0:
                self._offered = None  # the model's own input, not what a framework offered
                self._take_input(module, x)
        except Exception as exc:
            self._fail("forward", exc)

    def _nograd_train_forward(self, module: nn.Module) -> None:
        """A forward without gradient while the model is in train(): counted when dropout or
        batch norm is active (validation-in-train-mode judges), for the optimizers of its model."""
        refs = self._mode_refs.get(id(module))
        if refs is None:
            refs = self._mode_refs[id(module)] = active_mode_modules(module)
        if not any((m := r()) is not None and m.training for r in refs):
            return
        self._count_nograd(pass_=self._nograd.forward(self._model_opts(module)), forward=True)

    def _model_opts(self, model: nn.Module) -> list[int]:
        """The watched optimizers that hold any of this model's parameters."""
        ids = self._zero_ids.get(id(model))
        if ids is None:
            own = {id(p) for p in model.parameters()}
            ids = self._zero_ids[id(model)] = [o.idx for o in self._opts if any(id(p) in own for p in o.params)]
        return ids

    def _post_forward(self, module: nn.Module, args: Any, output: Any) -> None:
        """Automatic output mode: on sampled training iterations without observe(), look at
        what the model returned (a tensor, or the entry named by the `outputs` option). For
        sharded parameters (FSDP2) a hook on the output counts the backward pass."""
        if self.closed or self._in_preflight or (module is not None and recomputing()):
            return
        if self._by_output and torch.is_grad_enabled():
            self._hook_output(output)
        if self._observed or not self.opts.outputs or "outputs" in self.disabled:
            return
        try:
            if not self._detailed or not torch.is_grad_enabled():
                return
            pred = pick_output(output, self.opts.outputs)
            if pred is not None:
                self._outputs.observe(pred, None, None, None, "train", sampled=True)
        except Exception as exc:
            self._fail("outputs", exc)

    def _hook_output(self, output: Any) -> None:
        try:
            t = first_grad_tensor(output)
            if t is not None:
                for o in self._opts:
                    if o.acct.by_output:
                        t.register_hook(_OutputSentinel(self, o.idx, len(o.acct.sentinels)))
        except Exception as exc:
            self._fail("steps", exc)

    def _flush_forward(self) -> None:
        """Forward hooks that torch.compile traced kept their tensor for now (probes/compiled.py);
        none has before a trace kept one (KEPT)."""
        if not KEPT.any:
            return
        for h in self._forward:
            if h.pending is not None:
                h.flush()

    def _on_backward(self, idx: int, which: int) -> None:
        """A backward pass reached a sentinel that has something to account (the hooks ask
        StepAccount.counted first)."""
        if self.closed or "steps" in self.disabled or self._in_preflight:
            return
        try:
            o = self._opts[idx]
            self._flush_forward()
            if o.manual is not None and o.manual.pending:
                self._manual_resolve(o)  # the previous pass's update, if any, is done by now
            if o.acct.on_backward(which) and o.manual is not None:
                torch.autograd.Variable._execution_engine.queue_callback(Guarded(self, "_manual_backward_end", idx))
            c = o.acct.c
            if c.steps == 0 and o.acct.since_step == self.opts.max_accum:
                # Gradients pile up and no step ever comes: a gate that never opens, without
                # zero_grad. Record it now; the rules decide.
                o.pending = {"it": c.backward}
                self._record(o, stepped=False, reason="no-step")
        except Exception as exc:
            self._fail("steps", exc)

    def _ensure_sentinel(self, o: OptState) -> None:
        if o.acct.sentinels:
            return
        ref = weakref.ref(self)
        idx = o.idx
        acct = o.acct

        def make_hook(which: int) -> Any:
            def hook(grad: torch.Tensor) -> None:
                try:
                    # Most hooks of most passes find their pass counted already and no gradient
                    # to check (StepAccount.quiet): they return here, without a call of ours
                    # (one per bucket, every iteration).
                    if graph_task() == acct.quiet:
                        return
                    if acct.counted(which):
                        return
                    mon = ref()
                    if mon is not None:
                        mon._on_backward(idx, which)
                except Exception as exc:  # never into the user's backward()
                    _swallow(ref(), "steps", exc)

            return hook

        buckets = [self.history.params[i]["bucket"] for i in o.pidx]
        o.acct.choose_sentinels(o.params, buckets, make_hook, need_grad=o.manual is None)
        self._by_output = self._by_output or o.acct.by_output

    def _on_optimizer_zero_grad(self, opt: Any) -> None:
        o = self._state(opt)
        if o is not None:
            self._on_zero_grad([o.idx])

    def _on_model_zero_grad(self, model: nn.Module) -> None:
        """A model's zero_grad clears the gradients of the optimizers that hold its parameters,
        and only theirs (a GAN's netG.zero_grad() leaves the discriminator's optimizer alone)."""
        if self.closed or "steps" in self.disabled:
            return
        try:
            ids = self._model_opts(model)
        except Exception as exc:
            self._fail("steps", exc)
            return
        self._on_zero_grad(ids)

    def _on_zero_grad(self, ids: tuple[int, ...] | list[int], *_tapped: Any) -> None:
        """zero_grad() of the optimizers `ids` (bound when the optimizer's zero_grad was
        tapped; the tapped object, passed after them, is not needed)."""
        if self.closed or "steps" in self.disabled:
            return
        try:
            self._flush_forward()
            for idx in ids:
                o = self._opts[idx]
                if o.retired:
                    continue
                if o.manual is not None and o.manual.pending:
                    self._manual_resolve(o)
                has = not o.acct.sentinels and any(p.grad is not None for p in o.params)
                if has:
                    self._ensure_sentinel(o)
                consumed = len(self._opts) > 1 and any(q is not o and o.acct.consumed_by(q.acct) for q in self._opts)
                if o.acct.on_zero_grad(has_grads=has, consumed=consumed):
                    it = o.acct.c.cycles
                    if self.sampler.sampled(it):
                        self._measure(o, it)
                        self._record(o, stepped=False, reason="zero_grad")
                    elif o.acct.alarms() != o.acct.alarms_seen:
                        self._record(o, stepped=False, reason="counters")
                    if idx == 0:
                        self._next_iteration(it)
        except Exception as exc:
            self._fail("steps", exc)

    def _on_scheduler_step(self, sched: Any) -> None:
        if self.closed or "steps" in self.disabled:
            return
        try:
            o = self._sched_state(sched)
            if o is not None:
                call = composite_scheduler_call()
                o.acct.on_scheduler_step(call, id(sched))
                self._sched_held = self._sched_held or call is not None
        except Exception as exc:
            self._fail("steps", exc)

    def _release_scheduler_calls(self) -> None:
        """Let go of the composite scheduler calls the step accounts hold (their frames keep the
        training function's locals alive: a DDP model kept past the end of the training
        function was still alive when its process group was destroyed, and gloo could hang)."""
        self._sched_held = False
        for o in self._opts:
            o.acct.release_scheduler_call()

    def _on_plateau_step(self, sched: Any) -> list[float | None] | None:
        """Before ReduceLROnPlateau.step(): account the step, and return the learning rates
        as they are now (the after-hook compares: a drop is a cut)."""
        self._on_scheduler_step(sched)
        if self.closed or "plateau" in self.disabled:
            return None
        try:
            o = self._sched_state(sched)
            return None if o is None else lrs(o.ref())
        except Exception as exc:
            self._fail("plateau", exc)
            return None

    def _after_plateau_step(self, sched: Any, lr_before: list[float | None] | None, args: Any, kwargs: Any) -> None:
        """After ReduceLROnPlateau.step(metrics): record the metric it was given, its mode and
        the learning rates before and after. Once per epoch, so reading a 0-d tensor metric to
        the host here is affordable (step() itself has just done the same)."""
        if self.closed or "plateau" in self.disabled or lr_before is None:
            return
        try:
            o = self._sched_state(sched)
            if o is None:
                return
            metric = args[0] if args else kwargs.get("metrics")
            self._emit(
                {
                    "type": "plateau",
                    "opt": o.idx,
                    "it": o.acct.c.cycles,
                    "metric": host_scalar(metric),
                    "mode": str(getattr(sched, "mode", "min")),
                    "threshold_mode": str(getattr(sched, "threshold_mode", "rel")),
                    "threshold": rounded(float(getattr(sched, "threshold", 0.0))),
                    "lr_before": lr_before,
                    "lr": lrs(o.ref()),
                },
            )
        except Exception as exc:
            self._fail("plateau", exc)
            return
        self._live_rules()

    def _pre_step(self, idx: int, opt: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        """Before optimizer `idx` steps (its step pre-hook, bound to the index)."""
        if self.closed:
            return
        o = self._opts[idx]
        try:
            self._flush_forward()
            if not o.acct.sentinels:
                self._ensure_sentinel(o)
            if o.acct.unseen_backward():
                self._on_backward(o.idx, len(o.acct.sentinels))
            # step(closure) (L-BFGS): the closure's zero_grad() and backward() calls belong to
            # this step, and the gradients it applies exist only once the closure has run.
            # torch hands the hook step()'s arguments with the optimizer first: (opt, closure).
            closure = bool(kwargs or len(args) > 1) and (
                callable(kwargs.get("closure")) or any(callable(a) for a in args if a is not opt)
            )
            o.acct.begin_step(closure)
            it = o.acct.c.cycles + 1
            # A gradient dropped at sampled steps (a frozen layer) kept now: measured, as sampled steps
            # may not come before the run ends; not under torchrun, whose ranks sample alike.
            resumed = self.sampler.cross is None and o.acct.resumed()
            if self.sampler.sampled(it) or resumed:
                self._refresh_layout(o)
                self._measure(o, it)
                if "updates" not in self.disabled and self.opts.snapshot_mb > 0 and self.sampler.detailed(it):
                    try:
                        o.snapshot = self.sampler.snapshot(o, closure)
                    except Exception as exc:
                        self._fail("updates", exc)
        except Exception as exc:
            self._fail("steps", exc)

    def _post_step(self, idx: int, opt: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        """After optimizer `idx` stepped (its step post-hook, bound to the index)."""
        if self.closed:
            return
        o = self._opts[idx]
        try:
            if self._offered is not None and idx == 0:  # after a closure, which may run the forward
                self._take_offered()
            self._sample_count.step(idx)
            closure = o.acct.closure
            if closure and not o.acct.sentinels and o.manual is None:
                # The first step(closure) (Lightning, L-BFGS): no gradient existed before it to
                # choose the backward sentinels from; the closure's gradients exist now.
                self._ensure_sentinel(o)
            if "steps" not in self.disabled:
                # A hand-written update's step is seen after the fact (at the next forward, which
                # may be an evaluation): its mode is the one its backward pass ran in.
                o.acct.on_step(self.inv.train_mode() if o.manual is None else o.manual.train_mode)
            if o.manual is None:
                o.step_lr = [g.get("lr") for g in opt.param_groups]  # rounded when an epoch ends
            self._last_opt = o.idx
            it = o.acct.c.cycles
            if o.pending is not None:
                if closure and "g" in o.pending:
                    try:
                        self.sampler.measure_grads(o, o.pending)  # the closure's, now that it has run
                    except Exception as exc:
                        self._fail("gradients", exc)
                try:
                    self.sampler.take_update(o)
                except Exception as exc:
                    o.snapshot = None
                    self._fail("updates", exc)
                self._record(o, stepped=True, reason="step")
            elif o.acct.alarms() != o.acct.alarms_seen:
                self._record(o, stepped=True, reason="counters")
            if o.idx == 0:
                self._next_iteration(it)
        except Exception as exc:
            self._fail("steps", exc)

    def _manual_backward_end(self, idx: int) -> None:
        """A backward pass over a hand-written update's parameters is complete: its pre-step."""
        if self.closed or "steps" in self.disabled:
            return
        o = self._opts[idx]
        if o.manual is None or o.manual.pending:
            return
        self._pre_step(idx, o.ref(), (), {})
        try:
            o.manual.backward_ended(o.acct.sentinels, self.inv.train_mode())
        except Exception as exc:
            self._fail("steps", exc)

    def _manual_resolve(self, o: OptState) -> None:
        """After a backward pass of a hand-written update: did the parameters move since (see
        probes/manual.py)? A move is its post-step; no move is no step."""
        m = o.manual
        if m is None or not m.pending:
            return
        m.pending = False
        try:
            moved = m.versions_moved(o.acct.sentinels)
            if o.snapshot is not None and o.pending is not None:
                self.sampler.take_update(o)
                if not moved and bool((o.pending["d"] > 0).any()):  # a sampled iteration: one read
                    moved = m.invisible = True
            moved = moved or m.invisible
        except Exception as exc:
            self._fail("updates", exc)
            moved = True
        if moved:
            self._post_step(o.idx, o.ref(), (), {})
        else:  # accumulating, or an update that changed nothing: no step
            o.acct.in_step = False
            o.pending = None
            o.snapshot = None

    def _on_scaler_update(self, scaler: Any) -> None:
        """Before GradScaler.update() forgets them, add up its inf/NaN findings per optimizer
        (device tensors: no host read here)."""
        if self.closed or "scaler" in self.disabled:
            return
        try:
            states = getattr(scaler, "_per_optimizer_states", {})
            for o in self._opts:
                found = states.get(id(o.ref()), {}).get("found_inf_per_device", {})
                if found:
                    hit = (sum(v.to(self.inv.device) for v in found.values()) > 0).to(torch.int64)
                    o.scaler_infs = hit if o.scaler_infs is None else o.scaler_infs + hit
        except Exception as exc:
            self._fail("scaler", exc)
