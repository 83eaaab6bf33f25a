"""How the monitor attaches: the record's header and layout, hooks on the models and the
optimizers, and what `torchvitals run` adds while a script runs (another model, optimizer,
scheduler, GradScaler, parameters found in the autograd graph). A mixin of `Monitor`
(monitor/core.py), which owns the state."""

from __future__ import annotations

import functools
import time
import weakref
from typing import Any

import torch
from torch import nn

from torchvitals import ranks, registry
from torchvitals.monitor.hooks import Guarded
from torchvitals.probes.activations import ActivationProbe, match_modules
from torchvitals.probes.attach import hide_hooks
from torchvitals.probes.batches import batch_input
from torchvitals.probes.compiled import ForwardHook
from torchvitals.probes.cross_rank import data_parallel_wrapper, is_sharded
from torchvitals.probes.discovery import owning_roots
from torchvitals.probes.manual import is_manual
from torchvitals.probes.sample import OptState
from torchvitals.probes.values import is_plateau, pick_output
from torchvitals.record import SCHEMA
from torchvitals.version import __version__


class Wiring:
    """The attaching half of `Monitor`."""

    def _build(self, models: list[tuple[str, nn.Module]], optimizers: list[torch.optim.Optimizer]) -> None:
        self._compiled = any(type(m).__name__ == "OptimizedModule" for _, m in models)  # torch.compile, then watch()
        for prefix, m in models:
            self.inv.add_model(m, f"{prefix}." if prefix else "")
        self._opts = [OptState(k, opt) for k, opt in enumerate(optimizers)]
        self._manual = [o for o in self._opts if o.manual is not None]
        # Stand-ins for hand-written updates live as long as the monitor (nobody else holds them).
        self._owned = [opt for opt in optimizers if is_manual(opt)]
        for o in self._opts:
            weakref.finalize(o.ref(), registry.release_orphan, id(self))
        layout = self._layout()
        self._emit(
            {
                "type": "header",
                "schema": SCHEMA,
                "torchvitals": __version__,
                "torch": torch.__version__,
                "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "device": str(self.inv.device),
                **layout,
                "mode_modules": [n for n, _ in self.inv.mode_modules],
                "probes": [],
                "options": {**vars(self.opts), "sinks": [x if isinstance(x, str) else type(x).__name__ for x in self.opts.sinks]},
                **self._dist_header(),
            },
        )
        if not self.inv.tensors:
            self._note("the model has no parameters: nothing to watch")

    def _dist_header(self) -> dict[str, Any]:
        """Under torchrun: this rank, the world, and how the model is spread over the ranks."""
        dist = ranks.describe()
        if dist is None:
            return {}
        dist["wrapper"] = data_parallel_wrapper(self.inv.live_roots())
        # Sharded parameters without an FSDP module are tensor parallelism: no wrapper, since
        # its ranks share their input on purpose.
        dist["sharded"] = [i for i, t in enumerate(self.inv.tensors) if is_sharded(t)]
        return {"dist": dist}

    def _in_step(self) -> bool:
        """Whether the ranks train in step: a data-parallel wrapper (DDP, FSDP) all-reduces at
        every backward, so no rank runs ahead of another by more than an iteration."""
        d = self.history.header.get("dist")
        return isinstance(d, dict) and d.get("wrapper") is not None

    def _late_wrapper(self) -> None:
        """A model wrapped in DistributedDataParallel (or sharded) after the monitor was made:
        the optimizer came first (the DDP tutorial's and minGPT-ddp's Trainer wrap the model
        they were handed with its optimizer), so the header found no wrapper, and the rules
        took the job for independent runs. At the first record, once: the outermost modules
        that own the watched parameters now; a wrapper among them updates the header's `dist`
        (a layout record)."""
        d = self.history.header.get("dist")
        if not isinstance(d, dict) or d.get("wrapper") is not None:
            return
        try:
            wrapper = data_parallel_wrapper(owning_roots({id(t) for t in self.inv.tensors}))
        except Exception as exc:
            self._fail("distributed", exc)
            return
        if wrapper is not None:
            self._emit({"type": "layout", "dist": {**d, "wrapper": wrapper}})

    def _late_departures(self) -> None:
        """A module of the model replaced after watching began (a fine-tuning head swapped after
        the optimizer was made): its old parameters, which the optimizer still holds, are
        marked departed (a layout record), once, at the first record."""
        try:
            gone = self.inv.departed_positions(self.inv.held())
        except Exception as exc:
            self._fail("inventory", exc)
            return
        if gone != self.history.header.get("departed", []):
            self._emit({"type": "layout", "departed": gone})

    def _layout(self) -> dict[str, Any]:
        self._zero_ids, self._mode_refs = {}, {}
        return self.inv.layout(self._opts)

    def _refresh_layout(self, o: OptState) -> None:
        """Parameter groups added after watch() (progressive unfreezing): re-index, record it."""
        opt = o.ref()
        if opt is not None and sum(len(g["params"]) for g in opt.param_groups) != len(o.params):
            self._complete(keep=0)  # records still to be written belong to the old layout
            self._emit({"type": "layout", **self._layout()})

    def _attach_optimizer(self, o: OptState) -> None:
        opt = o.ref()
        # Bound to the optimizer's index: the hooks need not look its state up at every step.
        self._handles.append(opt.register_step_pre_hook(Guarded(self, "_pre_step", o.idx)))
        self._handles.append(opt.register_step_post_hook(Guarded(self, "_post_step", o.idx)))
        self._taps.tap(opt, "zero_grad", Guarded(self, "_on_zero_grad", (o.idx,)))
        if o.manual is not None:  # no step will choose them: every backward must be seen
            self._ensure_sentinel(o)

    def _attach_model(self, m: nn.Module) -> None:
        self._taps.tap(m, "zero_grad", Guarded(self, "_on_model_zero_grad"))
        self._hide(m)
        # ForwardHook: traced by torch.compile, they leave the graph whole (probes/compiled.py).
        # With keyword arguments: a model called as model(**batch) has its input there.
        self._forward.append(ForwardHook(self, "_pre_forward", pick=batch_input, pre=True))
        self._handles.append(m.register_forward_pre_hook(self._forward[-1], with_kwargs=True))
        if m is self.inv.roots[0]():  # its outputs (the `outputs` option) and FSDP2's backward count
            self._arm_preflight(m)
            self._forward.append(ForwardHook(self, "_post_forward", pick=functools.partial(pick_output, key=self.opts.outputs)))
            self._handles.append(m.register_forward_hook(self._forward[-1]))
        if self.opts.probe:
            mods = match_modules(m, self.opts.probe)
            if mods:
                if self._act is None:
                    self._act = ActivationProbe([], Guarded(self, "_fail_activations"))
                    self._act.armed = self.sampler.detailed(1)
                for _, mod in mods:
                    self._hide(mod)
                self._act.add(mods)
                self._emit({"type": "layout", "probes": self._act.names()})
            elif len(self.inv.roots) == 1:
                self._note(f"probe={self.opts.probe}: no module of the model matches")

    def _hide(self, m: nn.Module) -> None:
        """Keep this module's torchvitals hooks out of pickles and copies of it."""
        if not any(r() is m for r, _ in self._hidden):
            hide_hooks(type(m))
            self._hidden.append((weakref.ref(m), type(m)))

    def add_model(self, m: nn.Module, name: str = "") -> None:
        """Watch another root module (its parameters get `name.` as prefix)."""
        if self.closed or self.inv.holds_root(m):
            return
        self.inv.add_model(m, f"{name}." if name else "")
        self._emit({"type": "layout", **self._layout()})
        self._attach_model(m)

    def add_optimizer(self, opt: torch.optim.Optimizer) -> None:
        """Watch another optimizer (a GAN's second one, say)."""
        if self.closed or self.optimizer_index(opt) is not None:
            return
        o = OptState(len(self._opts), opt)
        self._opts.append(o)
        if o.manual is not None:
            self._manual.append(o)
            self._owned.append(opt)
        else:
            self._retire_stand_ins(opt)
        self._sentinels_ready = False
        weakref.finalize(opt, registry.release_orphan, id(self))
        self._emit({"type": "layout", **self._layout()})
        self._attach_optimizer(o)

    def add_optimizer_alias(self, alias: Any, opt: torch.optim.Optimizer) -> None:
        """Count `alias.zero_grad()` as `opt.zero_grad()`: a framework's wrapper that shares the
        optimizer's state (Lightning's LightningOptimizer, whose methods run on the wrapper)."""
        o = self._state(opt)
        if self.closed or o is None or alias is opt or not hasattr(alias, "zero_grad") or self._taps.holds(alias, "zero_grad"):
            return
        self._aliases[id(alias)] = (weakref.ref(alias), o)
        self._taps.tap(alias, "zero_grad", Guarded(self, "_on_optimizer_zero_grad"))

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

    def retire_collected(self) -> None:
        """Optimizers that were garbage-collected stop counting (registry.py)."""
        for o in self._opts:
            if o.ref() is None and not o.retired and o.manual is None:
                o.retired = True
                o.acct.remove()

    def all_optimizers_gone(self) -> bool:
        return all(o.ref() is None for o in self._opts)

    def add_params(self, named: list[tuple[str, torch.Tensor]]) -> None:
        """Watch parameters that belong to no watched module (found in the autograd graph)."""
        new = [(n, p) for n, p in named if id(p) not in self.inv.index]
        if self.closed or not new:
            return
        for n, p in new:
            self.inv.add_param(n, p)
        self._emit({"type": "layout", **self._layout()})

    def add_scheduler(self, sched: Any) -> None:
        """Account an LR scheduler's steps against its optimizer's; for a ReduceLROnPlateau,
        also record the metric each step() is given and the learning rates around it."""
        if self.closed or self._taps.holds(sched, "step"):
            return
        if is_plateau(sched):
            self._taps.tap(sched, "step", Guarded(self, "_on_plateau_step"), Guarded(self, "_after_plateau_step"))
        else:
            self._taps.tap(sched, "step", Guarded(self, "_on_scheduler_step"))

    def add_scaler(self, scaler: Any) -> None:
        """Count a GradScaler's inf/NaN skips."""
        if not self.closed and self._scaler is None and hasattr(scaler, "update"):
            self._scaler = scaler
            self._taps.tap(scaler, "update", Guarded(self, "_on_scaler_update"))
