"""Activation-gradient norms at named modules (seed 000's "encoder gradient hooks").

A forward hook on each probed module, armed only for sampled iterations, puts a tensor hook on
the module's output; during backward that hook stores ‖∂loss/∂output‖ (on the device). The
order in which modules run forward is remembered, so attenuation can be located between
consecutive probes.
"""

from __future__ import annotations

import fnmatch
import weakref
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from torchvitals.names import unwrap_compiled
from torchvitals.probes.compiled import ForwardHook, first_grad_tensor


def match_modules(root: nn.Module, patterns: list[str]) -> list[tuple[str, nn.Module]]:
    """Named sub-modules matching any pattern (exact names or fnmatch globs like `stack.*`)."""
    out = []
    for name, mod in unwrap_compiled(root).named_modules():
        if name and any(name == p or fnmatch.fnmatchcase(name, p) for p in patterns):
            out.append((name, mod))
    return out


class ActivationProbe:
    def __init__(self, modules: list[tuple[str, nn.Module]], on_error: Callable[[BaseException], None]) -> None:
        self.armed = False
        self.order: list[str] = []
        self.pending: dict[str, torch.Tensor] = {}
        self._on_error = on_error
        self._handles = []
        self._names: list[str] = []
        self.add(modules)

    def add(self, modules: list[tuple[str, nn.Module]]) -> None:
        for name, mod in modules:
            self._names.append(name)
            hook = ForwardHook(self, "_forward_hook", name, pick=first_grad_tensor, on_grad="_compiled_grad")
            self._handles.append(mod.register_forward_hook(hook))

    def names(self) -> list[str]:
        return list(self._names)

    def _forward_hook(self, name: str, module: nn.Module, args: Any, output: Any) -> None:
        if not self.armed or not torch.is_grad_enabled():
            return
        try:
            self._on_forward(name, output, compiled=module is None)
        except Exception as exc:
            self._on_error(exc)

    def _on_forward(self, name: str, output: Any, compiled: bool = False) -> None:
        if name not in self.order:
            self.order.append(name)
        if compiled:  # the gradient comes through _compiled_grad: this tensor has no history
            return
        t = first_grad_tensor(output)
        if t is None:
            return
        ref = weakref.ref(self)

        def grad_hook(grad: torch.Tensor) -> None:
            probe = ref()
            if probe is not None:
                probe._add_grad(name, grad)

        t.register_hook(grad_hook)

    def _compiled_grad(self, name: str, grad: torch.Tensor) -> None:
        """The output gradient of a probed module inside a compiled graph (see probes/compiled.py)."""
        if self.armed:
            self._add_grad(name, grad)

    def _add_grad(self, name: str, grad: torch.Tensor) -> None:
        try:
            n = torch.linalg.vector_norm(grad.detach(), dtype=torch.float32)
            prev = self.pending.get(name)
            # Several forwards per iteration (accumulation): combine as one norm.
            self.pending[name] = n if prev is None else torch.sqrt(prev**2 + n**2)
        except Exception as exc:  # never into the user's backward
            self._on_error(exc)

    def collect(self) -> list[tuple[str, torch.Tensor]]:
        out = [(n, self.pending[n]) for n in self.order if n in self.pending]
        self.pending = {}
        return out

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []
        self.pending = {}
