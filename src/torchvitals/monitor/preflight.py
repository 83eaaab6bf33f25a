"""When the monitor runs the first-batch preflight (checks/first_batch.py), and how its own
passes stay out of the record. A mixin of `Monitor` (monitor/core.py), which owns the state.

The checks need the batch: a one-shot forward pre-hook on the first watched model catches its
first training forward (grad enabled, model in train mode), runs the checks there, before the
user's forward, and removes itself. While they run, `_in_preflight` makes every entry point of
every monitor (forward hooks, backward sentinels, output and activation probes) return at once,
so nothing of the preflight is counted, by this monitor or by another watching the same model. The initial loss is judged at the first training loss
the script shows the monitor (observe(), or the loss calls `torchvitals run` sees)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from torchvitals.probes.compiled import compiling
from torchvitals.probes.loader import active_batch_size
from torchvitals.probes.steps import recomputing

# Data-parallel wrappers whose forward must not be called out of turn: DDP prepares a gradient
# reduction at each grad-enabled forward and raises when the next one comes without it.
_WRAPPERS = ("DistributedDataParallel", "DataParallel", "FullyShardedDataParallel")

# How many preflights are running now, in any monitor: their passes are nobody's training.
_running = [0]

# Training forwards inside torch.utils.checkpoint (or another saved-tensor hook, save_on_cpu)
# that the preflight lets pass before it gives up: its own forwards there would be saved with
# the user's, and the checkpoint's recomputation, which does not run them, would not match.
SAVED_HOOKS_PATIENCE = 3


def saving_hooks_active() -> bool:
    """Whether a saved-tensor hook (torch.utils.checkpoint's, save_on_cpu's) is in force now."""
    try:
        return torch._C._autograd._top_saved_tensors_default_hooks(False) is not None
    except Exception:  # a torch without it: checkpointed forwards cannot be told apart
        return False


class Preflights:
    """The preflight half of `Monitor`."""

    @property
    def _in_preflight(self) -> bool:
        return _running[0] > 0

    def _arm_preflight(self, m: nn.Module) -> None:
        if not self.opts.preflight or self._preflight_handle is not None or self._preflight_done:
            return
        if self.world > 1 or type(m).__name__ in _WRAPPERS:
            self._preflight_done = True
            self._preflight_skipped("the model is trained by several processes or wrapped for data parallelism")
            return
        if getattr(self, "_compiled", False):
            # Calls of a module compiled before watch() go through its compiled frame: the
            # preflight's no_grad and eval() forwards would add graphs to the user's cache.
            self._preflight_done = True
            self._preflight_skipped("the model was compiled (torch.compile) before watch(); watch it first, or run torchvitals.check()")
            return
        from torchvitals.monitor.hooks import Guarded

        self._preflight_handle = m.register_forward_pre_hook(Guarded(self, "_preflight_hook"), with_kwargs=True, prepend=True)

    def _preflight_hook(self, module: nn.Module, args: Any, kwargs: Any) -> None:
        if compiling() or self._in_preflight or recomputing():  # traced, our own forward, a checkpoint's recomputation
            return
        if self.closed or not torch.is_grad_enabled() or not module.training:
            return  # an evaluation before training: wait for the first training forward
        if saving_hooks_active():
            self._preflight_waits += 1
            if self._preflight_waits >= SAVED_HOOKS_PATIENCE:
                self._disarm_preflight()
                self._preflight_skipped("the model's forward runs inside torch.utils.checkpoint (or another "
                                        "saved-tensor hook), which the preflight's own forwards would disturb")
            return
        self._disarm_preflight()
        from torchvitals.checks.first_batch import first_batch

        armed = self._act.armed if self._act is not None else None
        _running[0] += 1
        try:
            if self._act is not None:
                self._act.armed = False
            result = first_batch(module, tuple(args), dict(kwargs or {}), active_batch_size())
        finally:
            _running[0] -= 1
            if self._act is not None and armed is not None:
                self._act.armed = armed
        self._emit(
            {
                "type": "event",
                "kind": "preflight",
                "it": 1,
                "findings": [f.to_dict() for f in result.findings],
                "unjudged": result.unjudged,
                "seconds": round(result.seconds, 4),
            }
        )

    def _disarm_preflight(self) -> None:
        self._preflight_done = True
        if self._preflight_handle is not None:
            self._preflight_handle.remove()
            self._preflight_handle = None

    def _preflight_skipped(self, why: str) -> None:
        unjudged = {name: f"preflight skipped: {why}" for name in ("batch-mixing", "dropout-active")}
        self._emit({"type": "event", "kind": "preflight", "it": 1, "findings": [], "unjudged": unjudged})

    def _preflight_loss(self, pred: Any, target: Any, loss: Any, kind: str | None) -> None:
        """The first training loss with a target, before any step: judge the loss at init (once;
        a loss against no target, kl_div's or another soft one's, cannot say what chance gives)."""
        if self._init_loss_judged or not self.opts.preflight or target is None:
            return
        self._init_loss_judged = True
        if any(o.acct.c.steps for o in self._opts):
            return  # watched after training began: this is no loss at init
        from torchvitals.checks.batch import Skipped
        from torchvitals.checks.first_batch import init_loss_seen

        try:
            found, unjudged = init_loss_seen(pred, target, loss, kind), {}
        except Skipped as why:
            found, unjudged = [], {"init-loss-off": str(why)}
        self._emit({"type": "event", "kind": "preflight", "it": 1, "findings": [f.to_dict() for f in found], "unjudged": unjudged})
