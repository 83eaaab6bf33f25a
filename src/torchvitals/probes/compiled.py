"""Forward hooks that leave a torch.compile graph as it is.

`torch.compile(model)` traces the model's forward hooks with it (always for `model.compile()`
and for torch.nn containers such as nn.Sequential; for a module of the user's own class the
hooks of its sub-modules, and the root's hooks as frames of their own). A hook's Python traced
that way changes the user's graph: reading an output's `grad_fn` breaks it in two ("Tensor
with grad_fn"), every attribute of torchvitals' state it reads becomes a guard (a counter that
moves recompiles), and a root hook's frame becomes a graph of its own.

So while it is being traced a `ForwardHook` only picks, with plain indexing, the one tensor
it looks at, and then either
- keeps it (`pending`: one attribute store, which dynamo replays after the graph without
  adding anything to it) for the monitor to hand to the eager body at its next eager moment
  (`flush`: a backward, a zero_grad, a step). Used for the model's own input and output,
  which are in the graph anyway; or
- for an activation probe, whose tensor is inside the graph and whose gradient is wanted,
  calls an opaque function (`torch._dynamo`'s `leaf_function`, torch 2.13 and later) that runs
  the eager body at run time and receives the gradient through its gradient hook. Where torch
  has none, such a hook is skipped inside compiled regions: the graph stays whole and those
  measurements are missing, not wrong.

Nothing here imports torch._dynamo: the opaque function is made during the first trace (when
dynamo is loaded anyway), by a function dynamo runs once as a constant.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any

import torch

from torchvitals.probes.attach import WeakHook

_keys = itertools.count(1)


class _Kept:
    """`KEPT.any` turns True once a traced forward hook has kept a tensor for later (see
    ForwardHook.pending), and stays so: until then the monitor's eager moments (every backward,
    zero_grad and step) need not look at each hook. Set like `pending`, by a store dynamo replays."""

    any = False


KEPT = _Kept()
_hooks: weakref.WeakValueDictionary[str, ForwardHook] = weakref.WeakValueDictionary()


def compiling() -> bool:
    """Whether this code is being traced by torch.compile (dynamo reads it as a constant)."""
    return torch.compiler.is_compiling()


def first_grad_tensor(output: Any) -> torch.Tensor | None:
    """The first tensor that requires grad in a module's output (a tensor, tuple, list or dict)."""
    if isinstance(output, torch.Tensor):
        return output if output.requires_grad else None
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (list, tuple)):
        for o in output:
            t = first_grad_tensor(o)
            if t is not None:
                return t
    return None


class ForwardHook(WeakHook):
    """A forward (pre-)hook calling `target.<method>(*bound, module, args[, output])` in eager
    mode. Inside a traced region, `pick(args)` (pre-hooks; `pick(args, kwargs)` when registered
    with_kwargs=True) or `pick(output)` chooses the tensor
    the method needs, which later gets `(*bound, None, (tensor,))` or `(*bound, None, (),
    tensor)`: at `flush()`, or, when `on_grad` (a method name) is given, at run time, with
    `(*bound, gradient)` passed to `on_grad` when that tensor's gradient arrives."""

    __slots__ = ("_pick", "_pre", "_on_grad", "key", "bridge", "pending")

    def __init__(
        self,
        target: Any,
        method: str,
        *bound: Any,
        pick: Callable[[Any], torch.Tensor | None],
        pre: bool = False,
        on_grad: str | None = None,
    ) -> None:
        super().__init__(target, method, *bound)
        self._pick = pick
        self._pre = pre
        self._on_grad = on_grad
        # A string: dynamo keeps it a constant (an int that differs between hooks of one
        # module class would be made a symbolic size, which the constant call below refuses).
        self.key = f"tv{next(_keys)}"
        self.bridge: Any = None  # the opaque function, made during the first trace
        self.pending: tuple[torch.Tensor, bool] | None = None  # a traced call's tensor, grad mode
        _hooks[self.key] = self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not torch.compiler.is_compiling():  # eager: straight to the method (every forward)
            target = self._ref()
            return None if target is None else getattr(target, self._method)(*self._bound, *args, **kwargs)
        # Traced: only plain indexing and type checks here, then one opaque call. A pre-hook
        # registered with_kwargs=True is given (module, args, kwargs): pick reads both.
        t = self._pick(*args[1:]) if self._pre else self._pick(args[2])
        if not isinstance(t, torch.Tensor):
            return None
        if self._on_grad is None:
            self.pending = (t, torch.is_grad_enabled())  # stored, never read here: no guard
            KEPT.any = True
        elif _make_bridge(self.key):
            self.bridge(t)  # read after _make_bridge set it (a dict of them would be read once per trace)
        return None

    def flush(self) -> None:
        """Run the eager body on the tensor a traced call kept, if any, in its grad mode."""
        pending, self.pending = self.pending, None
        if pending is not None:
            with torch.set_grad_enabled(pending[1]):
                self.run(pending[0])

    def run(self, t: torch.Tensor) -> None:
        """The eager body, called at run time from a compiled graph."""
        target = self._ref()
        if target is not None:
            if self._pre:
                getattr(target, self._method)(*self._bound, None, (t,))
            else:
                getattr(target, self._method)(*self._bound, None, (), t)

    def grad(self, g: torch.Tensor) -> None:
        target = self._ref()
        if target is not None and self._on_grad is not None:
            getattr(target, self._on_grad)(*self._bound, g)


def _run(key: str, t: torch.Tensor) -> None:
    hook = _hooks.get(key)
    if hook is not None:
        hook.run(t)


def _grad(key: str, g: torch.Tensor) -> None:
    hook = _hooks.get(key)
    if hook is not None:
        hook.grad(g)


def _make_bridge(key: str) -> bool:
    """Make hook `key`'s opaque function, once; False where this torch cannot (the hook is
    then skipped inside compiled regions). Runs for real during tracing: dynamo treats it as a
    constant (the flag below is what `torch._dynamo.assume_constant_result` sets)."""
    hook = _hooks.get(key)
    if hook is None:
        return False
    if hook.bridge is not None:
        return True
    try:
        from torch._dynamo.decorators import leaf_function
    except ImportError:
        return False
    try:

        def body(t: torch.Tensor) -> None:
            _run(key, t)

        def fake(t: torch.Tensor) -> None:
            return None

        def on_grad(g: torch.Tensor) -> None:
            _grad(key, g)

        bridge = leaf_function(body)
        bridge.register_fake(fake)
        if hook._on_grad is not None:
            bridge.register_multi_grad_hook(on_grad)
    except Exception:
        return False
    hook.bridge = bridge
    return True


_make_bridge._dynamo_marked_constant = True  # type: ignore[attr-defined]
