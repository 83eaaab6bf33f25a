"""Save/load round trip: state_dict → torch.save → torch.load(weights_only=True) → a fresh
instance, and the same outputs in eval(). A field report's test failed for the wrong reason (dropout
left on), so outputs that differ only because dropout is active are reported as that."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from torchvitals.checks.batch import Skipped, call, device_of, main_output, preserved, split
from torchvitals.findings import Finding
from torchvitals.names import compact
from torchvitals.rules.base import document

# Outputs of the original and the reloaded model must agree this closely. Same weights, same
# input, same device give bit-identical results on CPU; the slack covers CUDA kernels that
# pick a different (nondeterministic) algorithm on the second call.
RTOL = 1e-5
ATOL = 1e-6
# A fixed seed before each compared call, so stochastic ops draw the same numbers for both.
_SEED = 1234

SAVE_LOAD_MISMATCH = document(
    "TV506",
    "save-load-mismatch",
    what="A state_dict round trip through torch.save/torch.load into a fresh instance does not "
    "reproduce the model: keys are missing or unexpected, state lives outside the state_dict "
    "(plain tensor attributes, parameters or modules in plain lists), or outputs differ in eval().",
    why="A checkpoint that silently loses state resumes or deploys a different model than the one "
    "trained; the bug surfaces weeks later as 'the reloaded model is worse'.",
    example="self.scale = torch.randn(24)             # not saved\n"
    "self.layers = [nn.Linear(8, 8)]         # not registered, not saved, not trained",
    fix="Register tensors with self.register_buffer('scale', t), keep submodules in nn.ModuleList "
    "/ nn.ModuleDict and parameters in nn.Parameter / nn.ParameterList.",
)

DROPOUT_ACTIVE = document(
    "TV508",
    "dropout-active",
    what="Two identical calls of the model give different outputs because dropout (or another "
    "stochastic layer) is active: either the model is in train mode, or it is in eval() and the "
    "forward still drops — `F.dropout(x, p, training=True)`, `F.dropout(x, p)` (training "
    "defaults to True) or `F.scaled_dot_product_attention(..., dropout_p=0.1)` without "
    "`if self.training`.",
    why="A test that compares outputs (save/load, export, a reference implementation) fails for "
    "the wrong reason. When eval() does not switch dropout off, every validation metric and "
    "every prediction in production is noisy and worse than the model can do, and nothing "
    "says so: model.eval() only changes modules, not functional calls.",
    example="model = Net()              # train mode by default\n"
    "a = model(x); torch.save(...); b = loaded.eval()(x)  # differ: dropout, not save/load\n"
    "# or, in forward():\n"
    "h = F.dropout(h, 0.1, training=True)   # drops in eval() too\n"
    "F.scaled_dot_product_attention(q, k, v, dropout_p=0.1)  # likewise",
    fix="Call model.eval() before comparing outputs, in both the saved and the loaded model. In a "
    "forward, tie functional dropout to the module's mode: F.dropout(h, p, training=self.training) "
    "(or use nn.Dropout), and pass dropout_p=self.p if self.training else 0.0 to "
    "scaled_dot_product_attention.",
)


def save_load(
    model: nn.Module, batch: Any, factory: Callable[[], nn.Module] | None = None
) -> list[Finding]:
    """Round-trip the state_dict (through BytesIO, weights_only=True) into `factory()` and return
    `save-load-mismatch` findings naming missing/unexpected keys, state kept outside the
    state_dict and differing eval() outputs; plus `dropout-active` (info) when the model, as
    given, is in train mode and two identical calls differ. Raises Skipped without `factory`."""
    if factory is None:
        raise Skipped(
            "pass factory= (a callable returning a fresh, untrained instance) to check save/load"
        )
    inputs, _ = split(batch)
    findings: list[Finding] = []
    with preserved(model):
        if model.training:
            findings += _dropout_note(model, inputs)
        buf = io.BytesIO()
        torch.save(model.state_dict(), buf)
        buf.seek(0)
        state = torch.load(buf, weights_only=True)
        fresh = factory().to(device_of(model))
        result = fresh.load_state_dict(state, strict=False)
        findings += _keys(result.missing_keys, result.unexpected_keys)
        findings += _unregistered(model, fresh)
        model.eval()
        fresh.eval()
        a, b = _seeded(model, inputs), _seeded(fresh, inputs)
    if a.shape != b.shape or not torch.allclose(
        a.float(), b.float(), rtol=RTOL, atol=ATOL, equal_nan=True
    ):
        diff = float((a.float() - b.float()).abs().max()) if a.shape == b.shape else float("nan")
        msg = (
            "in eval() the reloaded model's output differs from the original's "
            f"(max |diff| {diff:.3g})"
        )
        if findings:
            msg += ": see the state named above"
        findings.append(SAVE_LOAD_MISMATCH.finding("error", msg, evidence={"max_abs_diff": diff}))
    return findings


def _seeded(model: nn.Module, inputs: Any) -> torch.Tensor:
    torch.manual_seed(_SEED)
    with torch.no_grad():
        return main_output(call(model, inputs)).detach()


def _dropout_note(model: nn.Module, inputs: Any) -> list[Finding]:
    """dropout-active when two identical train-mode calls differ (the trap of a comparison in train mode)."""
    with torch.no_grad():
        a = main_output(call(model, inputs))
        b = main_output(call(model, inputs))
    if torch.equal(a, b):
        return []
    drops = [
        n or type(m).__name__
        for n, m in model.named_modules()
        if isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0
    ]
    what = f"dropout ({compact(drops)})" if drops else "a stochastic layer (dropout?)"
    msg = (
        f"the model is in train mode and two identical calls differ: {what} is active. This is "
        "not a save/load bug — compare outputs after model.eval() (the check did)"
    )
    return [DROPOUT_ACTIVE.finding("info", msg, evidence={"dropout_modules": drops}, where=drops)]


def _keys(missing: list[str], unexpected: list[str]) -> list[Finding]:
    out = []
    if missing:
        out.append(
            SAVE_LOAD_MISMATCH.finding(
                "error",
                f"keys the fresh instance needs but the saved state_dict lacks: {compact(missing)}",
                evidence={"missing_keys": missing},
                where=missing,
            )
        )
    if unexpected:
        out.append(
            SAVE_LOAD_MISMATCH.finding(
                "error",
                "keys in the saved state_dict the fresh instance does not have: "
                f"{compact(unexpected)}",
                evidence={"unexpected_keys": unexpected},
                where=unexpected,
            )
        )
    return out


# nn.Module's own bookkeeping in __dict__ (its registered parameters, buffers and children).
_MODULE_INTERNALS = {"_parameters", "_buffers", "_modules"}


def _unregistered(model: nn.Module, fresh: nn.Module) -> list[Finding]:
    """State kept outside the state_dict: tensor attributes that are not buffers (named when
    their values differ from the fresh instance's, so a reload loses them), and parameters or
    modules held in plain lists/dicts (never saved, never given to the optimizer)."""
    fresh_modules = dict(fresh.named_modules())
    lost: list[str] = []
    hidden: list[str] = []
    for name, mod in model.named_modules():
        twin = fresh_modules.get(name)
        for attr, value in vars(mod).items():
            if attr in _MODULE_INTERNALS:
                continue
            full = f"{name}.{attr}" if name else attr
            if isinstance(value, nn.Parameter):
                hidden.append(full)
            elif isinstance(value, torch.Tensor):
                other = getattr(twin, attr, None) if twin is not None else None
                same = (
                    isinstance(other, torch.Tensor)
                    and other.shape == value.shape
                    and torch.equal(other.to(value.device), value)
                )
                if not same:
                    lost.append(full)
            elif isinstance(value, (list, tuple, dict)):
                items = value.values() if isinstance(value, dict) else value
                if any(isinstance(v, (nn.Module, nn.Parameter)) for v in items):
                    hidden.append(full)
    out = []
    if lost:
        out.append(
            SAVE_LOAD_MISMATCH.finding(
                "error",
                "tensor(s) kept as plain attributes, not buffers, are not in the state_dict and "
                f"differ after reload: {compact(lost)} — register them with register_buffer",
                evidence={"plain_tensor_attributes": lost},
                where=lost,
            )
        )
    if hidden:
        out.append(
            SAVE_LOAD_MISMATCH.finding(
                "error",
                "parameters or modules held outside the module tree (plain list/dict or "
                f"attribute set after init) are not saved: {compact(hidden)} — use "
                "nn.ModuleList/ParameterList",
                evidence={"unregistered": hidden},
                where=hidden,
            )
        )
    return out
