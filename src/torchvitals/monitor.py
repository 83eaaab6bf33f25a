"""`watch()` and the Monitor: attach probes to a model and its optimizers, keep the record,
run the rules as evidence arrives, and hand back a Diagnosis at `close()`.

Hot path (every iteration): a few Python attribute reads and integer increments in the
optimizer step hooks, the zero_grad wrapper and one tensor hook. Sampled iterations (the
first `warmup`, then every `every`) additionally take foreach norms of gradients, weights and
the update, and read them to the host once, at the end of that iteration.
"""

from __future__ import annotations

import atexit
import functools
import numbers
import os
import sys
import time
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import nn

from torchvitals import __version__
from torchvitals.config import Options, resolve
from torchvitals.diagnose import diagnose_history
from torchvitals.findings import Diagnosis, Finding, severity_rank
from torchvitals.names import buckets_for, short_names, unwrap_compiled
from torchvitals.probes import gradients
from torchvitals.probes.activations import ActivationProbe, match_modules
from torchvitals.probes.attach import Taps, WeakHook, hide_hooks, unhide_hooks
from torchvitals.probes.compiled import ForwardHook, first_input
from torchvitals.probes.manual import ManualSteps, ManualUpdates, is_manual
from torchvitals.probes.outputs import OutputProbe
from torchvitals.probes.steps import StepAccount
from torchvitals.record import FINDINGS_FILE, SCHEMA, History, RunWriter, rounded
from torchvitals.rules import evaluate
from torchvitals.sinks import console

# Modules whose behaviour differs between train() and eval(): only these make eval mode matter.
_MODE_TYPES: tuple[type[nn.Module], ...] = (
    nn.modules.dropout._DropoutNd,
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
)
# Live rule evaluation: after each of the first records, then at most every 10th and only
# once the wall time since the last pass is 100x what that pass took. Rules rescan the history,
# so a pass costs more as a run grows: a fixed cadence made every=1 cost more with each
# thousand steps (1.4x at 1,000 steps, 2.3x at 8,000 on a small MLP); the time budget keeps the
# rules at about 1% of the run however long it is. Findings are the same: each names the
# iteration its evidence came from, and close() judges the whole record.
_LIVE_RULES_DENSE = 50
_LIVE_RULES_EVERY = 10
_LIVE_RULES_SHARE = 0.01

# Live monitors, kept alive until closed even when the caller drops the object `watch` returned
# (the hooks only hold weak references). A monitor closes by itself when its optimizer is
# garbage-collected, and every live monitor closes at interpreter exit.
_LIVE: dict[int, Monitor] = {}


def _release(key: int) -> None:
    mon = _LIVE.get(key)
    if mon is not None:
        try:
            mon.close()
        except Exception:
            _LIVE.pop(key, None)


def _release_orphan(key: int) -> None:
    """An optimizer was collected: it stops counting (a script that makes a new optimizer every
    epoch zeroes the model's gradients for the new one only), and the monitor closes once none
    of its optimizers is left."""
    mon = _LIVE.get(key)
    if mon is None:
        return
    for o in mon._opts:
        if o.ref() is None and not o.retired and o.manual is None:
            o.retired = True
            o.acct.remove()
    if mon.auto_close and all(o.ref() is None for o in mon._opts):
        _release(key)


@atexit.register
def _close_all() -> None:
    # The interpreter is exiting; after an uncaught exception Python keeps it in sys.last_value.
    err = getattr(sys, "last_value", None)
    for key in list(_LIVE):
        if isinstance(err, BaseException) and key in _LIVE and not isinstance(err, SystemExit):
            _LIVE[key].stopped_by(err)
        _release(key)


class _Hook(WeakHook):
    """A WeakHook for every entry from torch into the monitor (module, optimizer, tensor and
    method hooks): whatever the monitor raises stops there, is recorded as a failed probe, and
    never reaches the user's forward(), backward(), step() or zero_grad()."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return WeakHook.__call__(self, *args, **kwargs)
        except Exception as exc:
            _swallow(self._ref(), self._method, exc)
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
    "_on_model_zero_grad": "steps",
    "_on_scheduler_step": "steps",
    "_manual_backward_end": "steps",
    "_pre_forward": "forward",
    "_post_forward": "outputs",
    "_on_plateau_step": "plateau",
    "_after_plateau_step": "plateau",
    "_on_scaler_update": "scaler",
    "_fail_activations": "activations",
}


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _named_models(model: Any) -> list[tuple[str, nn.Module]]:
    """(prefix, module) pairs: a dict's keys, a list's positions, no prefix for one module."""
    if isinstance(model, dict):
        return [(str(k), m) for k, m in model.items()]
    models = _as_list(model)
    return [(str(i) if len(models) > 1 else "", m) for i, m in enumerate(models)]


class _OptState:
    def __init__(self, idx: int, opt: torch.optim.Optimizer, pidx: list[int], params: list[torch.Tensor]) -> None:
        self.idx = idx
        self.ref = weakref.ref(opt)
        self.kind = type(opt).__name__
        self.pidx = pidx
        self.params = params
        self.acct = StepAccount()
        self.snapshot: gradients.Snapshot | None = None
        self.pending: dict[str, Any] | None = None
        self.scaler_infs: torch.Tensor | None = None  # device count of GradScaler skips
        self.next_log = 0  # next iteration at which tagged lines are due
        self.last_w: tuple[int, list[float | None]] | None = None  # (iteration, weight norms read)
        self.snap_next = 0  # where the next turn of the true-update copy starts
        self.too_big: set[int] = set()  # parameters larger than snapshot_mb (said once)
        self.manual = ManualSteps() if is_manual(opt) else None  # a hand-written update's stand-in
        self.retired = False  # a stand-in whose parameters a real optimizer took over
        self.step_lr: list[float | None] = []  # the learning rates of the latest step


class Monitor:
    """Watches a model and its optimizers. Create with `torchvitals.watch`."""

    def __init__(
        self,
        model: nn.Module | Sequence[nn.Module] | None,
        optimizers: Sequence[torch.optim.Optimizer],
        schedulers: Sequence[Any] = (),
        scaler: Any = None,
        opts: Options | None = None,
        baseline: Any = None,
    ) -> None:
        self.opts = opts or resolve()
        self._baseline = baseline
        self._outputs = OutputProbe()
        self._observed = False  # observe() was called in the current iteration
        self._sentinels_ready = False
        self.history = History()
        self.findings: dict[tuple[str, tuple[str, ...]], Finding] = {}
        self.disabled: dict[str, str] = {}
        self.event_counts: dict[str, int] = {}
        self.closed = False
        self.auto_close = True  # close when the optimizers are collected (`run` closes itself)
        self.diagnosis: Diagnosis | None = None
        self._t0 = time.perf_counter()
        self._epoch_t0 = self._t0
        self._epoch = 0
        self._samples = 0
        self._epoch_samples = 0
        self._records = 0
        self._last_opt = 0  # the optimizer whose step came last
        self._rules_at, self._rules_due = 0, 0.0  # records at, and earliest time of, the next live rule pass
        self._handles: list[Any] = []
        self._forward: list[ForwardHook] = []  # the root's forward hooks (see _flush_forward)
        self._taps = Taps()  # zero_grad, scheduler.step, scaler.update: observed on the class
        self._hidden: list[tuple[weakref.ref[nn.Module], type]] = []  # modules whose hooks pickles must not carry
        self._zero_ids: dict[int, list[int]] = {}  # id(root model) → optimizers its zero_grad clears
        self._roots: list[weakref.ref[nn.Module]] = []
        self._mode_modules: list[tuple[str, weakref.ref[nn.Module]]] = []
        self._scaler = None
        self._act: ActivationProbe | None = None
        self.run_dir = self._make_run_dir()
        self.writer = RunWriter(self.run_dir)
        if self.writer.error:
            self._note(self.writer.error)
        self._stream = sys.stderr
        self._build(_named_models(model), list(optimizers))
        for m in self._roots:
            self._attach_model(m())
        for o in self._opts:
            self._attach_optimizer(o)
        for sched in schedulers:
            self.add_scheduler(sched)
        if scaler is not None:
            self.add_scaler(scaler)
        _LIVE[id(self)] = self

    # ------------------------------------------------------------------ set-up
    def _make_run_dir(self) -> str | None:
        if not self.opts.out:
            return None
        name = self.opts.name or time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
        path = os.path.join(self.opts.out, name)
        n = 1
        while os.path.exists(os.path.join(path, "run.jsonl")):
            n += 1
            path = os.path.join(self.opts.out, f"{name}-{n}")
        return path

    def _build(self, models: list[tuple[str, nn.Module]], optimizers: list[torch.optim.Optimizer]) -> None:
        self._names: list[str] = []
        self._tensors: list[torch.Tensor] = []
        self._index: dict[int, int] = {}
        for prefix, m in models:
            self._add_model_params(m, f"{prefix}." if prefix else "")
        self._opts = [_OptState(k, opt, [], []) for k, opt in enumerate(optimizers)]
        self._manual = [o for o in self._opts if o.manual is not None]
        # Stand-ins for hand-written updates live as long as the monitor (nobody else holds them).
        self._owned = [opt for opt in optimizers if is_manual(opt)]
        for o in self._opts:
            weakref.finalize(o.ref(), _release_orphan, id(self))
        layout = self._layout()
        self._device = self._tensors[0].device if self._tensors else torch.device("cpu")
        self._emit(
            {
                "type": "header",
                "schema": SCHEMA,
                "torchvitals": __version__,
                "torch": torch.__version__,
                "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "device": str(self._device),
                **layout,
                "mode_modules": [n for n, _ in self._mode_modules],
                "probes": [],
                "options": dict(vars(self.opts)),
            },
            flush=True,
        )
        if not self._tensors:
            self._note("the model has no parameters: nothing to watch")

    def _add_model_params(self, m: nn.Module, prefix: str) -> None:
        self._roots.append(weakref.ref(m))
        for n, p in unwrap_compiled(m).named_parameters():  # a compiled model's names are the model's
            self._add_param(prefix + n, p)
        for n, mod in unwrap_compiled(m).named_modules():
            if isinstance(mod, _MODE_TYPES) and not (isinstance(mod, nn.modules.dropout._DropoutNd) and mod.p == 0):
                self._mode_modules.append((prefix + n, weakref.ref(mod)))

    def _add_param(self, name: str, p: torch.Tensor) -> int:
        if id(p) not in self._index:
            self._index[id(p)] = len(self._tensors)
            self._names.append(name)
            self._tensors.append(p)
        return self._index[id(p)]

    def _layout(self) -> dict[str, Any]:
        """Index every optimizer's parameters (adding ones the model does not own) and return
        the header's layout part: parameters, optimizers with groups, free and frozen ones."""
        specs = []
        in_opt: set[int] = set()
        for o in self._opts:
            opt = o.ref()
            groups, pidx = [], []
            names = getattr(opt, "param_names", None)
            for j, g in enumerate(opt.param_groups if opt is not None else []):
                gidx = [
                    self._add_param(names[i] if names and j == 0 and i < len(names) else f"opt{o.idx}.group{j}.param{i}", p)
                    for i, p in enumerate(g["params"])
                ]
                groups.append({"lr": rounded(g.get("lr")), "params": gidx})
                pidx.extend(gidx)
            in_opt.update(pidx)
            o.pidx, o.params = pidx, [self._tensors[i] for i in pidx]
            specs.append({"type": o.kind, "groups": groups})
        tensors = self._tensors
        self._zero_ids = {}
        self._free = [i for i, p in enumerate(tensors) if p.requires_grad and i not in in_opt]
        # Frozen when watched and in no optimizer: measured too, so that one unfrozen later
        # without being added to the optimizer (a backbone) shows up with its gradients.
        self._frozen_free = [i for i, p in enumerate(tensors) if not p.requires_grad and i not in in_opt]
        self._free_params = [tensors[i] for i in self._free + self._frozen_free]
        bks = buckets_for(self._names, self.opts.depth)
        shorts = short_names(self._names)
        params = [
            {
                "name": n,
                "short": s,
                "bucket": b,
                "shape": list(p.shape),
                "numel": p.numel(),
                "ndim": p.dim(),
                "dtype": str(p.dtype).replace("torch.", ""),
                "trainable": bool(p.requires_grad),
            }
            for n, s, b, p in zip(self._names, shorts, bks, tensors, strict=True)
        ]
        return {
            "params": params,
            "optimizers": specs,
            "free": self._free,
            "frozen_free": self._frozen_free,
            "frozen_in_optimizer": [i for i in sorted(in_opt) if not tensors[i].requires_grad],
        }

    def _refresh_layout(self, o: _OptState) -> None:
        """Parameter groups added after watch() (progressive unfreezing): re-index, record it."""
        opt = o.ref()
        if opt is not None and sum(len(g["params"]) for g in opt.param_groups) != len(o.params):
            self._emit({"type": "layout", **self._layout()}, flush=True)

    def _attach_optimizer(self, o: _OptState) -> None:
        opt = o.ref()
        self._handles.append(opt.register_step_pre_hook(_Hook(self, "_pre_step")))
        self._handles.append(opt.register_step_post_hook(_Hook(self, "_post_step")))
        self._taps.tap(opt, "zero_grad", _Hook(self, "_on_optimizer_zero_grad"))
        if o.manual is not None:  # no step will choose them: every backward must be seen
            self._ensure_sentinel(o)

    def _attach_model(self, m: nn.Module) -> None:
        self._taps.tap(m, "zero_grad", _Hook(self, "_on_model_zero_grad"))
        self._hide(m)
        # ForwardHook: traced by torch.compile, they leave the graph whole (probes/compiled.py).
        self._forward.append(ForwardHook(self, "_pre_forward", pick=first_input, pre=True))
        self._handles.append(m.register_forward_pre_hook(self._forward[-1]))
        if m is self._roots[0]() and self.opts.outputs:
            self._forward.append(ForwardHook(self, "_post_forward", pick=functools.partial(_pick_output, key=self.opts.outputs)))
            self._handles.append(m.register_forward_hook(self._forward[-1]))
        if self.opts.probe:
            mods = match_modules(m, self.opts.probe)
            if mods:
                if self._act is None:
                    self._act = ActivationProbe([], _Hook(self, "_fail_activations"))
                    self._act.armed = self._detailed(1)
                for _, mod in mods:
                    self._hide(mod)
                self._act.add(mods)
                self._emit({"type": "layout", "probes": self._act.names()}, flush=True)
            elif len(self._roots) == 1:
                self._note(f"probe={self.opts.probe}: no module of the model matches")

    # -- growing while a script runs (torchvitals run finds these one by one) ---------------
    def add_model(self, m: nn.Module, name: str = "") -> None:
        """Watch another root module (its parameters get `name.` as prefix)."""
        if self.closed or any(r() is m for r in self._roots):
            return
        self._add_model_params(m, f"{name}." if name else "")
        self._emit({"type": "layout", **self._layout()}, flush=True)
        self._attach_model(m)

    def add_optimizer(self, opt: torch.optim.Optimizer) -> None:
        """Watch another optimizer (a GAN's second one, say)."""
        if self.closed or self.optimizer_index(opt) is not None:
            return
        o = _OptState(len(self._opts), opt, [], [])
        self._opts.append(o)
        if o.manual is not None:
            self._manual.append(o)
            self._owned.append(opt)
        else:
            self._retire_stand_ins(opt)
        self._sentinels_ready = False
        weakref.finalize(opt, _release_orphan, id(self))
        self._emit({"type": "layout", **self._layout()}, flush=True)
        self._attach_optimizer(o)

    def _retire_stand_ins(self, opt: torch.optim.Optimizer) -> None:
        """A real optimizer over parameters a hand-written-update stand-in was watching: from
        now on the optimizer's steps are the steps; the stand-in stops counting."""
        ids = {id(p) for g in opt.param_groups for p in g["params"]}
        for o in self._manual:
            if any(id(p) in ids for p in o.params):
                o.retired = True
                o.manual = None
                o.acct.remove()
        self._manual = [o for o in self._manual if not o.retired]

    def add_params(self, named: list[tuple[str, torch.Tensor]]) -> None:
        """Watch parameters that belong to no watched module (found in the autograd graph)."""
        new = [(n, p) for n, p in named if id(p) not in self._index]
        if self.closed or not new:
            return
        for n, p in new:
            self._add_param(n, p)
        self._emit({"type": "layout", **self._layout()}, flush=True)

    def add_scheduler(self, sched: Any) -> None:
        """Account an LR scheduler's steps against its optimizer's; for a ReduceLROnPlateau,
        also record the metric each step() is given and the learning rates around it."""
        if self.closed or self._taps.holds(sched, "step"):
            return
        if _is_plateau(sched):
            self._taps.tap(sched, "step", _Hook(self, "_on_plateau_step"), _Hook(self, "_after_plateau_step"))
        else:
            self._taps.tap(sched, "step", _Hook(self, "_on_scheduler_step"))

    def add_scaler(self, scaler: Any) -> None:
        """Count a GradScaler's inf/NaN skips."""
        if not self.closed and self._scaler is None and hasattr(scaler, "update"):
            self._scaler = scaler
            self._taps.tap(scaler, "update", _Hook(self, "_on_scaler_update"))

    def _hide(self, m: nn.Module) -> None:
        """Keep this module's torchvitals hooks out of pickles and copies of it."""
        if not any(r() is m for r, _ in self._hidden):
            hide_hooks(type(m))
            self._hidden.append((weakref.ref(m), type(m)))

    # ------------------------------------------------------------------ safety
    def _fail(self, probe: str, exc: BaseException) -> None:
        """A probe raised: switch it off, say so once, never let it reach the training loop."""
        if probe in self.disabled:
            return
        try:
            msg = f"{type(exc).__name__}: {exc}"
        except Exception:  # an exception whose str() raises
            msg = type(exc).__name__
        self.disabled[probe] = msg
        self._emit({"type": "event", "kind": "probe-error", "probe": probe, "error": msg}, flush=True)
        if self.opts.console:
            try:
                console.say(self._stream, f"torchvitals: the {probe} probe failed ({msg}); it is switched off, training goes on")
            except Exception:
                pass

    def _fail_activations(self, exc: BaseException) -> None:
        self._fail("activations", exc)

    def _note(self, text: str) -> None:
        self._emit({"type": "event", "kind": "note", "text": text})
        if self.opts.console:
            try:
                console.say(self._stream, f"torchvitals: {text}")
            except Exception:
                pass

    def _emit(self, rec: dict[str, Any], flush: bool = False) -> None:
        """Keep a record in the History and append it to run.jsonl. Never raises: a History
        that cannot take a record switches the record off (said once, in run.jsonl too), a
        writer that cannot write switches itself off."""
        if "record" not in self.disabled:
            try:
                self.history.add(rec)
            except Exception as exc:
                msg = f"{type(exc).__name__}: {exc}"
                self.disabled["record"] = msg
                self._emit({"type": "event", "kind": "probe-error", "probe": "record", "error": msg}, flush=True)
        try:
            self.writer.write(rec, flush=flush)
        except Exception as exc:
            self.writer.error = f"run.jsonl write failed: {type(exc).__name__}: {exc}"
            self.writer.close()

    def _sampled(self, it: int) -> bool:
        return it <= self.opts.warmup or it % self.opts.every == 0

    def _detailed(self, it: int) -> bool:
        """Whether iteration `it` is sampled and also takes the dearer measurements (the true
        update, output value checks, activation probes; see the detail_every option)."""
        every = self.opts.every
        k = -(-self.opts.detail_every // every)  # every k-th sampled iteration
        return it <= self.opts.warmup or (it % every == 0 and (it // every) % k == 0)

    def _state(self, opt: Any) -> _OptState | None:
        for o in self._opts:
            if o.ref() is opt:
                return o
        return None

    def _train_mode(self) -> bool:
        """False when the model trains in eval() mode: a root is in eval(), no module holding
        trainable parameters is in train() mode (model.train() forgotten), and dropout or
        batch-norm layers are there to behave differently. Managing modes part by part (a
        frozen backbone kept in eval(), a head in train()) is not that."""
        roots = [m for r in self._roots if (m := r()) is not None]
        if all(m.training for m in roots):
            return True
        for m in roots:
            for mod in m.modules():
                if mod.training and any(p.requires_grad for p in mod.parameters(recurse=False)):
                    return True
        return not any((mm := ref()) is not None and not mm.training for _, ref in self._mode_modules)

    # ------------------------------------------------------------------ hooks
    def _pre_forward(self, module: nn.Module, args: Any) -> None:
        if self.closed or "forward" in self.disabled:
            return
        try:
            for o in self._manual:
                if o.manual is not None and o.manual.pending:
                    self._manual_resolve(o)
            if not self._sentinels_ready:  # a backward may have run with no step or zero_grad yet
                for o in self._opts:
                    self._ensure_sentinel(o)
                self._sentinels_ready = all(o.acct.sentinels for o in self._opts)
            if args and isinstance(args[0], torch.Tensor) and args[0].dim() > 0 and torch.is_grad_enabled():
                self._samples += args[0].shape[0]
                self._epoch_samples += args[0].shape[0]
        except Exception as exc:
            self._fail("forward", exc)

    def _post_forward(self, module: nn.Module, args: Any, output: Any) -> None:
        """Automatic output mode: on sampled training iterations without observe(), look at
        what the model returned (a tensor, or the entry named by the `outputs` option)."""
        if self.closed or self._observed or "outputs" in self.disabled or not torch.is_grad_enabled():
            return
        try:
            if not self._detailed(self._next_it()):
                return
            pred = _pick_output(output, self.opts.outputs)
            if pred is not None:
                self._outputs.observe(pred, None, None, None, "train", sampled=True)
        except Exception as exc:
            self._fail("outputs", exc)

    def _next_it(self) -> int:
        return self._opts[0].acct.c.cycles + 1 if self._opts else 1

    def _flush_forward(self) -> None:
        """Forward hooks that torch.compile traced kept their tensor for now (probes/compiled.py)."""
        for h in self._forward:
            h.flush()

    def _on_backward(self, idx: int, which: int) -> None:
        if self.closed or "steps" in self.disabled:
            return
        try:
            self._flush_forward()
            o = self._opts[idx]
            if o.manual is not None and o.manual.pending:
                self._manual_resolve(o)  # the previous pass's update, if any, is done by now
            if o.acct.on_backward(which) and o.manual is not None:
                torch.autograd.Variable._execution_engine.queue_callback(_Hook(self, "_manual_backward_end", idx))
            c = o.acct.c
            if c.steps == 0 and o.acct.since_step == self.opts.max_accum:
                # Gradients pile up and no step ever comes: a gate that never opens, without
                # zero_grad. Record it now; the rules decide.
                o.pending = {"it": c.backward}
                self._record(o, stepped=False, reason="no-step")
        except Exception as exc:
            self._fail("steps", exc)

    def _ensure_sentinel(self, o: _OptState) -> None:
        if o.acct.sentinels:
            return
        ref = weakref.ref(self)
        idx = o.idx

        def make_hook(which: int) -> Any:
            def hook(grad: torch.Tensor) -> None:
                mon = ref()
                if mon is not None:
                    try:
                        mon._on_backward(idx, which)
                    except Exception as exc:  # never into the user's backward()
                        _swallow(mon, "steps", exc)

            return hook

        buckets = [self.history.params[i]["bucket"] for i in o.pidx]
        o.acct.choose_sentinels(o.params, buckets, make_hook, need_grad=o.manual is None)

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
            ids = self._zero_ids.get(id(model))
            if ids is None:
                own = {id(p) for p in model.parameters()}
                ids = self._zero_ids[id(model)] = [o.idx for o in self._opts if any(id(p) in own for p in o.params)]
        except Exception as exc:
            self._fail("steps", exc)
            return
        self._on_zero_grad(ids)

    def _on_zero_grad(self, ids: list[int]) -> None:
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
                has = o.acct.sentinel is None and any(p.grad is not None for p in o.params)
                if has:
                    self._ensure_sentinel(o)
                if o.acct.on_zero_grad(has_grads=has):
                    it = o.acct.c.cycles
                    if self._sampled(it):
                        self._measure(o, it)
                        self._record(o, stepped=False, reason="zero_grad")
                    elif o.acct.alarms() != o.acct.alarms_seen:
                        self._record(o, stepped=False, reason="counters")
                    if idx == 0 and self._act is not None:
                        self._act.armed = self._detailed(it + 1)
        except Exception as exc:
            self._fail("steps", exc)

    def _on_scheduler_step(self, sched: Any) -> None:
        if self.closed or "steps" in self.disabled:
            return
        try:
            o = self._state(getattr(sched, "optimizer", None))
            if o is not None:
                o.acct.on_scheduler_step()
        except Exception as exc:
            self._fail("steps", exc)

    def _on_plateau_step(self, sched: Any) -> list[float | None] | None:
        """Before ReduceLROnPlateau.step(): account the step, and return the learning rates
        as they are now (the after-hook compares: a drop is a cut)."""
        self._on_scheduler_step(sched)
        if self.closed or "plateau" in self.disabled:
            return None
        try:
            o = self._state(getattr(sched, "optimizer", None))
            return None if o is None else _lrs(o.ref())
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
            o = self._state(getattr(sched, "optimizer", None))
            if o is None:
                return
            metric = args[0] if args else kwargs.get("metrics")
            self._emit(
                {
                    "type": "plateau",
                    "opt": o.idx,
                    "it": o.acct.c.cycles,
                    "metric": _host_scalar(metric),
                    "mode": str(getattr(sched, "mode", "min")),
                    "threshold_mode": str(getattr(sched, "threshold_mode", "rel")),
                    "threshold": rounded(float(getattr(sched, "threshold", 0.0))),
                    "lr_before": lr_before,
                    "lr": _lrs(o.ref()),
                },
                flush=True,
            )
        except Exception as exc:
            self._fail("plateau", exc)
            return
        self._live_rules()

    def _hooked(self, opt: Any) -> _OptState | None:
        """The state of a watched optimizer whose hook fired (None once closed)."""
        return None if self.closed else self._state(opt)

    def _pre_step(self, opt: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        o = self._hooked(opt)
        if o is None:
            return
        try:
            self._flush_forward()
            self._ensure_sentinel(o)
            # step(closure) (L-BFGS): the closure's zero_grad() and backward() calls belong to
            # this step, and the gradients it applies exist only once the closure has run.
            closure = callable(args[0]) if args else callable(kwargs.get("closure"))
            o.acct.begin_step(closure)
            it = o.acct.c.cycles + 1
            if self._sampled(it):
                self._refresh_layout(o)
                self._measure(o, it)
                if "updates" not in self.disabled and self.opts.snapshot_mb > 0 and self._detailed(it):
                    try:
                        o.snapshot = self._snapshot(o, closure)
                    except Exception as exc:
                        self._fail("updates", exc)
        except Exception as exc:
            self._fail("steps", exc)

    def _post_step(self, opt: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        o = self._hooked(opt)
        if o is None:
            return
        try:
            closure = o.acct.closure
            if "steps" not in self.disabled:
                # A hand-written update's step is seen after the fact (at the next forward, which
                # may be an evaluation): its mode is the one its backward pass ran in.
                o.acct.on_step(self._train_mode() if o.manual is None else o.manual.train_mode)
            if o.manual is None:
                o.step_lr = [g.get("lr") for g in opt.param_groups]  # rounded when an epoch ends
            self._last_opt = o.idx
            it = o.acct.c.cycles
            if o.pending is not None:
                if closure and "g" in o.pending:
                    try:
                        self._measure_grads(o, o.pending)  # the closure's, now that it has run
                    except Exception as exc:
                        self._fail("gradients", exc)
                if o.snapshot is not None:
                    try:
                        o.pending["d"] = o.snapshot.delta_norms(o.params, self._device)
                        o.pending["d_which"] = o.snapshot.which
                    except Exception as exc:
                        self._fail("updates", exc)
                    o.snapshot = None
                self._record(o, stepped=True, reason="step")
            elif o.acct.alarms() != o.acct.alarms_seen:
                self._record(o, stepped=True, reason="counters")
            if o.idx == 0 and self._act is not None:
                self._act.armed = self._detailed(it + 1)
        except Exception as exc:
            self._fail("steps", exc)

    def _manual_backward_end(self, idx: int) -> None:
        """A backward pass over a hand-written update's parameters is complete: its pre-step."""
        if self.closed or "steps" in self.disabled:
            return
        o = self._opts[idx]
        if o.manual is None or o.manual.pending:
            return
        self._pre_step(o.ref(), (), {})
        try:
            o.manual.backward_ended(o.acct.sentinels, self._train_mode())
        except Exception as exc:
            self._fail("steps", exc)

    def _manual_resolve(self, o: _OptState) -> None:
        """After a backward pass of a hand-written update: did the parameters move since (see
        probes/manual.py)? A move is its post-step; no move is no step."""
        m = o.manual
        if m is None or not m.pending:
            return
        m.pending = False
        try:
            moved = m.versions_moved(o.acct.sentinels)
            if o.snapshot is not None and o.pending is not None:
                o.pending["d"] = o.snapshot.delta_norms(o.params, self._device)
                o.pending["d_which"] = o.snapshot.which
                o.snapshot = None
                if not moved and bool((o.pending["d"] > 0).any()):  # a sampled iteration: one read
                    moved = m.invisible = True
            moved = moved or m.invisible
        except Exception as exc:
            self._fail("updates", exc)
            moved = True
        if moved:
            self._post_step(o.ref(), (), {})
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
                    hit = (sum(v.to(self._device) for v in found.values()) > 0).to(torch.int64)
                    o.scaler_infs = hit if o.scaler_infs is None else o.scaler_infs + hit
        except Exception as exc:
            self._fail("scaler", exc)

    # ------------------------------------------------------------------ measuring
    def _snapshot(self, o: _OptState, closure: bool = False) -> gradients.Snapshot:
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
            names = ", ".join(self._names[o.pidx[i]] for i in new[:3]) + (" …" if len(new) > 3 else "")
            self._note(
                f"{len(new)} parameter(s) larger than snapshot_mb={self.opts.snapshot_mb:g} MiB ({names}): "
                "their true update is not measured; raise TORCHVITALS_SNAPSHOT_MB to include them"
            )
        return gradients.Snapshot(o.params, which)

    def _measure(self, o: _OptState, it: int) -> None:
        """Take gradient norms, and weight norms on detailed iterations (device tensors); read
        at the end of the iteration. Other iterations' records carry the last weight norms read:
        weights move by about 1e-3 of their norm per step, and lr·‖g‖/‖w‖ needs no more."""
        if "gradients" in self.disabled or not o.params:
            o.pending = {"it": it}
            return
        try:
            fresh = self._detailed(it) or o.last_w is None or len(o.last_w[1]) != len(o.params)
            w = gradients.norms([p.detach() for p in o.params], self._device) if fresh else None
            o.pending = {
                "it": it,
                "w": w,
                "frozen": [o.pidx[i] for i, p in enumerate(o.params) if not p.requires_grad],
                "lr": [] if o.manual is not None else [grp.get("lr") for grp in o.ref().param_groups],
            }
            self._measure_grads(o, o.pending)
        except Exception as exc:
            o.pending = {"it": it}
            self._fail("gradients", exc)

    def _measure_grads(self, o: _OptState, pending: dict[str, Any]) -> None:
        """Gradient norms of the optimizer's parameters (and, for the first optimizer, of the
        parameters in no optimizer), into `pending`."""
        grads = [p.grad for p in o.params]
        free = [p.grad for p in self._free_params] if o.idx == 0 else []
        pending["g"] = gradients.norms(grads + free, self._device)
        pending["missing"] = [i for i, t in enumerate(grads + free) if t is None]
        pending["sparse"] = [i for i, t in enumerate(grads) if t is not None and t.is_sparse]

    def _record(self, o: _OptState, stepped: bool, reason: str) -> None:
        """Read the iteration's device numbers once, write the record, run the rules."""
        p = o.pending or {"it": o.acct.c.cycles}
        o.pending = None
        rec: dict[str, Any] = {"type": "step", "opt": o.idx, "it": p["it"], "stepped": stepped, "reason": reason}
        if "g" in p:
            n_own, n_g = len(o.params), p["g"].numel()
            dev = [t for t in (p["g"], p["w"], p.get("d")) if t is not None]
            flat = torch.cat([t.reshape(-1) for t in dev]).tolist()  # the one host read
            g = [rounded(x) for x in flat[:n_g]]
            for i in p["missing"]:
                g[i] = None
            rec["lr"] = [rounded(x) for x in p["lr"]]
            rec["g"] = g[:n_own]
            if p["w"] is not None:
                o.last_w = (p["it"], [rounded(x) for x in flat[n_g : n_g + n_own]])
                rec["w"] = o.last_w[1]
            elif o.last_w is not None:
                rec["w"], rec["w_it"] = o.last_w[1], o.last_w[0]
            if o.idx == 0 and self._free_params:
                rec["gf"] = g[n_own:]
            if "d" in p:
                d: list[float | None] = [None] * n_own  # None: not copied this time
                for i, x in zip(p["d_which"], flat[n_g + (n_own if p["w"] is not None else 0) :], strict=True):
                    d[i] = rounded(x)
                rec["d"] = d
            if p["frozen"]:
                rec["frozen"] = p["frozen"]
            if p.get("sparse"):
                rec["sparse"] = p["sparse"]
        if o.idx == 0 and self._act is not None:
            acts = self._act.collect()
            if acts:
                vals = torch.stack([t.to(self._device) for _, t in acts]).tolist()
                rec["act"] = [[n, rounded(v)] for (n, _), v in zip(acts, vals, strict=True)]
        if o.idx == 0 and "outputs" not in self.disabled:
            try:
                out = self._outputs.take_interval()
                if out:
                    rec["out"] = {k: v if isinstance(v, str) else rounded(v) for k, v in out.items()}
            except Exception as exc:
                self._fail("outputs", exc)
            self._observed = False
        rec["train"] = self._train_mode()
        self._sync_scaler(o)
        rec["counters"] = o.acct.c.as_dict()
        o.acct.alarms_seen = o.acct.alarms()
        rec["samples"] = self._samples
        rec["time"] = round(time.perf_counter() - self._t0, 3)
        self._emit(rec, flush=True)
        self._records += 1
        if self.opts.console and self.opts.log_every and "g" in rec and p["it"] >= o.next_log:
            console.tagged_lines(self._stream, self.history, rec)
            o.next_log = (p["it"] // self.opts.log_every + 1) * self.opts.log_every
        n = self._records
        if n <= _LIVE_RULES_DENSE or (
            n - self._rules_at >= _LIVE_RULES_EVERY and time.perf_counter() >= self._rules_due
        ):
            self._live_rules()

    def _sync_scaler(self, o: _OptState) -> None:
        """Read the device count of GradScaler skips (only when a record is written)."""
        if o.scaler_infs is not None:
            o.acct.c.scaler_skips = int(o.scaler_infs.item())

    def _live_rules(self) -> None:
        if "rules" in self.disabled:
            return
        t0 = time.perf_counter()
        try:
            found, _ = evaluate(self.history)
        except Exception as exc:
            self._fail("rules", exc)
            return
        t1 = time.perf_counter()
        self._rules_at, self._rules_due = self._records, t1 + (t1 - t0) / _LIVE_RULES_SHARE
        for f in found:
            seen = self.findings.get(f.key)
            # New, or worse than when it was last told: a finding that grows from info to a
            # warning is printed when it does.
            if seen is not None and severity_rank(f.severity) <= severity_rank(seen.severity):
                continue
            self.findings[f.key] = f
            self._emit({"type": "event", "kind": "finding", "finding": f.to_dict()})
            if self.opts.console and self.opts.live and f.severity != "info":
                console.live_finding(self._stream, f)

    # ------------------------------------------------------------------ public API
    def event(self, kind: str, **fields: Any) -> None:
        """Record something a guard or the user did (a head reset, a gated skip): an `event`
        record in run.jsonl and a count in the diagnosis summary. Never raises."""
        if self.closed:
            return
        try:
            self.event_counts[kind] = self.event_counts.get(kind, 0) + 1
            rec = {"type": "event", "kind": kind, "it": self._next_it(), "count": self.event_counts[kind]}
            rec.update({k: _jsonable(v) for k, v in fields.items()})
            self._emit(rec, flush=True)
        except Exception as exc:
            self._fail("events", exc)

    def steps_without_backward(self) -> int:
        """Optimizer steps so far that no backward pass reached (a model trained elsewhere)."""
        return sum(o.acct.c.steps_no_backward for o in self._opts)

    def optimizer_index(self, opt: Any) -> int | None:
        """The position of `opt` among the watched optimizers (None when not watched)."""
        return next((o.idx for o in self._opts if o.ref() is opt), None)

    # public counts for the runner
    def watches_param(self, p: Any) -> bool:
        """Whether tensor `p` is one of the watched parameters."""
        return id(p) in self._index

    def watched_param_ids(self) -> set[int]:
        """The ids of every watched parameter (one set, for checking many tensors)."""
        return set(self._index)

    def roots(self) -> list[nn.Module]:
        """The watched root modules still alive."""
        return [m for r in self._roots if (m := r()) is not None]

    def backward_passes(self) -> int:
        """Backward passes so far that reached a watched optimizer's parameters, summed over
        the optimizers."""
        return sum(o.acct.c.backward for o in self._opts)

    def iteration(self) -> int:
        """The first optimizer's iterations so far (0 with none)."""
        return self._opts[0].acct.c.cycles if self._opts else 0

    def observe(
        self,
        pred: torch.Tensor | None = None,
        target: torch.Tensor | None = None,
        loss: torch.Tensor | float | None = None,
        inputs: Any = None,
        *,
        baseline: torch.Tensor | None = None,
        split: str | None = None,
        loss_fn: Any = None,
    ) -> None:
        """Show torchvitals one batch: the model's output, the target, the loss (all optional).

        Feeds the output-health rules (collapse, trivial baselines, shape and probability
        checks) and the per-epoch metrics. `split` is "train" or "val"; by default "train" when
        gradients are enabled. `baseline` is a persistence prediction for this batch (or give
        `watch(..., baseline=callable)` and pass `inputs`). `loss_fn` (e.g. F.cross_entropy)
        lets the checks know the loss. Nothing is read back to the host here; bad input is
        reported once and skipped, never raised.
        """
        if self.closed or "outputs" in self.disabled:
            return
        try:
            split = split or ("train" if torch.is_grad_enabled() else "val")
            if split not in ("train", "val"):
                raise ValueError(f"split must be 'train' or 'val', got {split!r}")
            if baseline is None and callable(self._baseline) and inputs is not None:
                with torch.no_grad():
                    baseline = self._baseline(inputs)
            elif baseline is None and isinstance(self._baseline, torch.Tensor):
                baseline = self._baseline
            sampled = split == "train" and self._detailed(self._next_it())
            if split == "train":
                self._observed = True
            self._outputs.observe(pred, target, loss, baseline, split, sampled, _loss_kind(loss_fn))
            while self._outputs.messages:
                msg = self._outputs.messages.pop(0)
                self.event(msg.pop("kind"), **msg)
                if self.opts.console:
                    console.say(self._stream, f"torchvitals: {msg['text']}")
        except Exception as exc:
            self._fail("outputs", exc)

    def epoch_end(self, train: Any = None, val: Any = None, extra: dict[str, Any] | None = None) -> str:
        """Close an epoch: record it and print the compact per-epoch line (its fields: README, 'Reading the console lines').

        `train` / `val` are metric dicts (or a single loss value); `extra` adds model-specific
        tokens (`{"SR": 0.010}` prints `SR=0.010`). Returns the line.
        """
        if self.closed:
            return ""
        try:
            self._epoch += 1
            now = time.perf_counter()
            elapsed = now - self._epoch_t0
            rec = {
                "type": "epoch",
                "epoch": self._epoch,
                "train": _metrics(train),
                "val": _metrics(val),
                "extra": {k: _jsonable(v) for k, v in (extra or {}).items()},
                "seconds": round(elapsed, 3),
                "samples": self._epoch_samples,
                "gpu_gib": _gpu_gib(self._device),
                "metrics": self._epoch_metrics(),
                "it": self._opts[self._last_opt].acct.c.cycles if self._opts else 0,
                # The optimizer that stepped last (a script may make a new one every epoch) and
                # the learning rates its last step used.
                "opt": self._last_opt,
                "lr": [rounded(x) for x in self._opts[self._last_opt].step_lr] if self._opts else [],
            }
            line = console.epoch_line(self.history, rec)
            rec["line"] = line
            self._emit(rec, flush=True)
            self._epoch_t0 = now
            self._epoch_samples = 0
            if self.opts.console:
                console.say(self._stream, line)
            self._live_rules()
            return line
        except Exception as exc:
            self._fail("epoch", exc)
            return ""

    def _epoch_metrics(self) -> dict[str, dict[str, Any]]:
        if "outputs" in self.disabled:
            return {}
        try:
            got = self._outputs.take_epoch()
            return {split: {k: rounded(v) for k, v in m.items()} for split, m in got.items()}
        except Exception as exc:
            self._fail("outputs", exc)
            return {}

    def close(self) -> Diagnosis:
        """Detach every hook, run the rules on the whole record, write findings.json, print the
        diagnosis (findings first) and return it. Safe to call twice; never raises: whatever
        fails on the way is a note in the diagnosis."""
        if self.diagnosis is not None:
            return self.diagnosis
        trouble: list[str] = []

        def attempt(what: str, fn: Any, *args: Any) -> None:
            try:
                fn(*args)
            except Exception as exc:
                trouble.append(f"closing: {what} failed: {type(exc).__name__}: {exc}")

        for o in list(getattr(self, "_manual", [])):
            attempt("the last hand-written update", self._manual_resolve, o)
        self.closed = True
        for o in self._opts:
            attempt("reading the GradScaler's skips", self._sync_scaler, o)
        attempt("detaching the hooks", self._detach)
        _LIVE.pop(id(self), None)
        attempt("the end record", self._emit_end)
        try:
            diag = diagnose_history(self.history)
        except Exception as exc:  # a rule bug must not cost the user the run
            diag = Diagnosis(notes=[f"rules failed: {type(exc).__name__}: {exc}"])
        diag.run_dir = self.run_dir
        # A probe switched off has its probe-error event in the record, which the notes come
        # from (as offline); one whose event could not be kept is added here, once.
        for probe, err in self.disabled.items():
            note = f"the {probe} probe failed and was switched off: {err}"
            if note not in diag.notes:
                diag.notes.append(note)
        diag.notes.extend(trouble)
        self.diagnosis = diag
        try:
            self.writer.write_json(FINDINGS_FILE, diag.to_dict())
        except Exception as exc:
            self.writer.error = f"{FINDINGS_FILE} write failed: {type(exc).__name__}: {exc}"
        try:
            self.writer.close()
        except Exception:
            pass
        if self.writer.error and self.writer.error not in diag.notes:
            diag.notes.append(self.writer.error)
        if self.opts.console:
            try:
                console.print_diagnosis(diag, self._stream)
            except Exception:
                pass
        return diag

    def _emit_end(self) -> None:
        self._emit(
            {
                "type": "end",
                "counters": [o.acct.c.as_dict() for o in self._opts],
                "seconds": round(time.perf_counter() - self._t0, 3),
                "samples": self._samples,
                "disabled": dict(self.disabled),
            },
            flush=True,
        )

    def _detach(self) -> None:
        """Take every hook, tap and reducer away; each piece on its own, so that one that fails
        does not leave the others in the user's objects (the first error is raised at the end)."""
        errors: list[Exception] = []

        def undo(fn: Any, *args: Any) -> None:
            try:
                fn(*args)
            except Exception as exc:
                errors.append(exc)

        for h in self._handles:
            undo(h.remove)
        self._handles = []
        undo(self._taps.remove)
        for _, cls in self._hidden:
            undo(unhide_hooks, cls)
        self._hidden = []
        for o in self._opts:
            undo(o.acct.remove)
            o.snapshot = None
            o.params = []
        _LIVE.pop(id(self), None)
        if self._act is not None:
            undo(self._act.remove)
        self._free_params = []
        self._tensors = []
        if errors:
            raise errors[0]

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc is not None:
            self.stopped_by(exc)
        self.close()

    def stopped_by(self, exc: BaseException | str) -> None:
        """Record that the training stopped with an error before its end: the diagnosis then
        says it judged only what came before, instead of calling the run healthy."""
        if self.closed:
            return
        text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}".rstrip(": ")
        self.event("script-error", error=text[:500])


class _NullMonitor(Monitor):
    """What watch() returns with TORCHVITALS_ENABLED=0: same API, does nothing."""

    def __init__(self) -> None:  # noqa: D107 - deliberately skips all set-up
        self.closed = True
        self.diagnosis = Diagnosis(notes=["torchvitals disabled (TORCHVITALS_ENABLED=0)"])
        self.findings = {}
        self.run_dir = None

    def epoch_end(self, train: Any = None, val: Any = None, extra: dict[str, Any] | None = None) -> str:
        return ""

    def observe(self, *args: Any, **kwargs: Any) -> None:
        return None

    def event(self, kind: str, **fields: Any) -> None:
        return None

    def close(self) -> Diagnosis:
        return self.diagnosis  # type: ignore[return-value]


def monitor_for(obj: Any) -> Monitor | None:
    """The live monitor watching `obj`: one of its optimizers, one of its root models, or a
    sub-module or parameter of one. None when nothing watches it."""
    for mon in list(_LIVE.values()):
        for o in mon._opts:
            if o.ref() is obj:
                return mon
        for r in mon._roots:
            root = r()
            if root is None:
                continue
            if root is obj or (isinstance(obj, nn.Module) and any(m is obj for m in root.modules())):
                return mon
            if isinstance(obj, torch.Tensor) and any(p is obj for p in root.parameters()):
                return mon
    return None


def _metrics(x: Any) -> dict[str, Any]:
    if x is None:
        return {}
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    return {"loss": _jsonable(x)}


def _jsonable(v: Any) -> Any:
    if isinstance(v, torch.Tensor):
        v = v.detach().float().mean().item() if v.numel() else float("nan")
    if isinstance(v, (int, float)):
        return rounded(v) if isinstance(v, float) else v
    if isinstance(v, (str, bool)) or v is None:
        return v
    try:
        return rounded(float(v))
    except (TypeError, ValueError):
        return str(v)


def _is_plateau(sched: Any) -> bool:
    plateau = getattr(torch.optim.lr_scheduler, "ReduceLROnPlateau", None)
    return type(sched).__name__ == "ReduceLROnPlateau" or (plateau is not None and isinstance(sched, plateau))


def _lrs(opt: Any) -> list[float | None]:
    return [rounded(float(g["lr"])) for g in opt.param_groups] if opt is not None else []


def _host_scalar(v: Any) -> float | None:
    """A Python (or NumPy) number, or a 0-d tensor, as a float; None for anything else (no
    guessing at what a container holds)."""
    if isinstance(v, torch.Tensor):
        return rounded(float(v.detach().item())) if v.dim() == 0 else None
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return rounded(float(v))
    return None


def _pick_output(output: Any, key: str) -> torch.Tensor | None:
    """The tensor the automatic output mode looks at: the output itself, or output[key]."""
    if isinstance(output, torch.Tensor):
        return output
    if key and key != "auto":
        if isinstance(output, dict):
            return output.get(key)
        if isinstance(output, (list, tuple)) and key.isdigit() and int(key) < len(output):
            return output[int(key)]
        return getattr(output, key, None)
    if isinstance(output, dict) and "logits" in output:
        return output["logits"]
    if isinstance(output, (list, tuple)) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    return None


def _loss_kind(loss_fn: Any) -> str | None:
    if loss_fn is None:
        return None
    name = (loss_fn if isinstance(loss_fn, str) else getattr(loss_fn, "__name__", type(loss_fn).__name__)).lower()
    if "binary_cross_entropy_with_logits" in name or "bcewithlogits" in name:
        return "binary_cross_entropy_with_logits"
    if "binary_cross_entropy" in name or name.startswith("bce"):
        return "binary_cross_entropy"
    for kind, words in (("cross_entropy", ("cross_entropy", "crossentropy")), ("nll", ("nll",)), ("kl_div", ("kl_div", "kldiv"))):
        if any(w in name for w in words):
            return kind
    return name


def _gpu_gib(device: torch.device) -> float | None:
    if device.type == "cuda" and torch.cuda.is_available():
        return round(torch.cuda.max_memory_allocated(device) / 2**30, 2)
    return None


def watch(
    model: nn.Module | Sequence[nn.Module] | dict[str, nn.Module] | None,
    optimizer: torch.optim.Optimizer | Iterable[torch.optim.Optimizer] | None = None,
    *,
    scheduler: Any = None,
    scaler: Any = None,
    baseline: Any = None,
    **options: Any,
) -> Monitor:
    """Attach torchvitals to a model and its optimizer(s); the training loop stays unchanged.

    `model` may be a module, a list of modules, or a dict naming them (`{"generator": g,
    "discriminator": d}`: parameter names get the key as prefix);
    `optimizer` one optimizer or several; None for a loop that updates the parameters by hand
    (`p.data -= lr * p.grad`): each backward pass followed by a change of the model's trainable
    parameters is then a step (see probes/manual.py). `scheduler` (one or a list) and `scaler` (a
    GradScaler) are optional and let steps and skips be accounted (and the metric a
    ReduceLROnPlateau is given be judged). `baseline` is a persistence
    predictor for regression: a callable of the inputs given to `observe`. Options are keyword
    arguments or TORCHVITALS_<NAME> variables (see `torchvitals.config.Options`).

    Watching an optimizer that another live monitor watches closes that monitor first, so
    hooks never double.
    """
    opts = resolve(**options)
    if not opts.enabled:
        return _NullMonitor()
    if optimizer is None:
        trainable = {id(p): p for _, m in _named_models(model) for p in m.parameters() if p.requires_grad}
        optimizer = [ManualUpdates(trainable.values())] if trainable else []
    optimizers = [optimizer] if isinstance(optimizer, torch.optim.Optimizer) else list(optimizer)
    for opt in optimizers:
        if not isinstance(opt, torch.optim.Optimizer):
            raise TypeError(f"watch() expects torch.optim.Optimizer instances, got {type(opt).__name__}")
    for _, m in _named_models(model):
        if not isinstance(m, nn.Module):
            raise TypeError(f"watch() expects nn.Module instances, got {type(m).__name__}")
    for old in list(_LIVE.values()):
        if any(o.ref() is opt for o in old._opts for opt in optimizers):
            old.close()
    # A GatedScheduler steps its inner scheduler only after real steps: account the inner one.
    schedulers = [getattr(s, "scheduler", s) if type(s).__name__ == "GatedScheduler" else s for s in _as_list(scheduler)]
    return Monitor(model, optimizers, schedulers=schedulers, scaler=scaler, opts=opts, baseline=baseline)
