"""Training loops without torch.optim: a backward pass followed by an in-place update of the
parameters (`p.data -= lr * p.grad`, or `p -= lr * p.grad` under no_grad) is a step.

Such a loop has no optimizer.step() to hook, so a stand-in optimizer (`ManualUpdates`, whose
step() does nothing) is watched in its place, and its pre- and post-step are driven by what the
loop does (the monitor calls `ManualSteps` at these moments):

- the end of a backward pass (a callback the engine runs once the pass is complete, queued by the
  first sentinel hook of the pass) is just before the update: the gradients are all there and
  nothing has moved yet. That is the pre-step: gradient norms and the parameter copy for the
  true update are taken there on sampled iterations;
- the next forward of the model, the next backward pass, the model's zero_grad() or close() come
  after the update, if there was one. That is the post-step. Whether the parameters moved:
  * an update under torch.no_grad() bumps their version counters (read for the sentinel
    parameters only: a few integers);
  * an update through `.data` does not. On sampled iterations the true update shows whether
    anything moved; once it has, later iterations are taken to update the same way;
  * no change at all is no step: gradient accumulation, or an update that writes to a copy (the
    next zero_grad() then throws the gradients away: skipped-steps).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence

import torch


class ManualUpdates(torch.optim.Optimizer):
    """Stands for a hand-written update over `params` (its step() does nothing). `names` name
    parameters that no module registers (plain tensors with requires_grad).

    Optimizer.__init__ is not called: its add_param_group imports torch._dynamo (2-3 s), which a
    loop without torch.optim never pays for. What the monitor uses of an optimizer (param_groups
    and the step-hook tables) is set here."""

    def __init__(self, params: Iterable[torch.Tensor], names: Sequence[str] | None = None) -> None:  # noqa: D107
        self.defaults: dict = {}
        self.state: defaultdict = defaultdict(dict)
        self.param_groups = [{"params": list(params)}]
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        self.param_names = list(names) if names is not None else None

    def step(self, closure: object = None) -> None:  # noqa: D401 - the update is the user's
        return None


class ManualSteps:
    """Where one stand-in optimizer is between a backward pass and the update after it."""

    def __init__(self) -> None:
        self.pending = False  # a backward pass ended; its update is not resolved yet
        self.versions: list[int] = []  # the sentinels' version counters at that moment
        self.invisible = False  # updates seen to move parameters without touching versions
        self.train_mode = True  # the model's mode during that backward pass

    def backward_ended(self, sentinels: Sequence[torch.Tensor], train_mode: bool) -> None:
        self.pending = True
        self.versions = [p._version for p in sentinels]
        self.train_mode = train_mode

    def versions_moved(self, sentinels: Sequence[torch.Tensor]) -> bool:
        return [p._version for p in sentinels] != self.versions


def is_manual(opt: object) -> bool:
    return isinstance(opt, ManualUpdates)
