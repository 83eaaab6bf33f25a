"""A training loop with no torch.optim optimizer, seen by `torchvitals run` (run.py): from the
second backward pass on, the loop is taken to update its parameters by hand, and a monitor
watches the trainable tensors both passes reached, with a stand-in for the update
(probes/manual.py: each backward followed by a change of the parameters is a step)."""

from __future__ import annotations

import sys
import weakref
from typing import Any

import torch

from torchvitals.monitor import Monitor, watch
from torchvitals.names import describe, named_roots, variable_name
from torchvitals.probes.discovery import graph_leaves, owning_roots
from torchvitals.probes.manual import ManualUpdates
from torchvitals.sinks import console

# Backward passes without any optimizer after which the loop is taken to update by hand.
MANUAL_AFTER = 2


class HandWritten:
    """Counts the backward passes no optimizer watches and decides, at the second, what to watch."""

    def __init__(self) -> None:
        self.backwards = 0
        self._first_leaves: dict[int, Any] = {}  # id → weakref, trainable leaves of the first pass

    def on_backward(self, loss: torch.Tensor, options: dict[str, Any], tells: bool) -> Monitor | None:
        """The monitor of the hand-written update, made at the second backward pass; None before,
        after, and when there is nothing to watch. Watches the trainable tensors both graphs
        reach (an input made to require grad is a new tensor each time: not a parameter). A model
        kept in eval() with no plain tensors is being inspected (saliency, attacks), not trained."""
        self.backwards += 1
        if self.backwards > MANUAL_AFTER or loss.grad_fn is None:
            return None  # decided at the second pass: one graph walk each for the first two
        leaves = [t for t in graph_leaves(loss.grad_fn) if t.requires_grad]
        if self.backwards < MANUAL_AFTER:
            self._first_leaves = {id(t): weakref.ref(t) for t in leaves}
            return None
        leaves = [t for t in leaves if (ref := self._first_leaves.get(id(t))) is not None and ref() is t]
        self._first_leaves = {}
        if not leaves:
            return None
        roots = owning_roots({id(t) for t in leaves})
        owned = {id(p) for m in roots for p in m.parameters()}
        main = sys.modules.get("__main__")
        order = {id(v): i for i, v in enumerate(vars(main).values())} if main else {}
        loose = sorted((t for t in leaves if id(t) not in owned), key=lambda t: order.get(id(t), len(order)))
        if not loose and not any(m.training for m in roots):
            return None
        names = [variable_name(t) or f"tensor{i}" for i, t in enumerate(loose)]
        params = list({id(p): p for m in roots for p in m.parameters() if p.requires_grad}.values())
        # Names for the plain tensors (module parameters are named after their module).
        stand_in = ManualUpdates(params + loose, names=[""] * len(params) + names)
        named = named_roots(roots)
        models = dict(named) if len(named) > 1 else [m for _, m in named] or None
        mon = watch(models, stand_in, **options)
        mon.auto_close = False
        if tells and mon.opts.console:
            tensors = f"{len(loose)} plain tensor(s) ({', '.join(names[:4])})" if loose else ""
            what = ", ".join(x for x in (describe(named) if named else "", tensors) if x)
            console.say(sys.stderr, f"torchvitals: no torch.optim optimizer; watching the hand-written update of {what}; run directory {mon.run_dir}")
        return mon
