"""Preflight checks: small experiments that show a model can learn before hours are spent
training it (issue 6).

    diagnosis = torchvitals.checks.check(model, (x, y), causal=True, factory=Net)

Each check is also callable alone and returns a list of findings; a check that lacks what it
needs raises `Skipped` with the option that would enable it (`check` collects those into
`Diagnosis.unjudged`). No check changes the user's model: parameters, buffers, train/eval mode
and the RNG state are restored, and training happens on a deep copy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from torchvitals.checks.batch import LossFn, Skipped, preserved, resolve_loss, split
from torchvitals.checks.contract import input_contract
from torchvitals.checks.leaks import batch_mixing, causal_leak, padding_leak
from torchvitals.checks.memory import memory_profile
from torchvitals.checks.overfit import OVERFIT_STEPS, init_loss, overfit_batch
from torchvitals.checks.saveload import save_load
from torchvitals.checks.step_snapshot import snapshot, snapshot_line
from torchvitals.findings import Diagnosis, Finding

__all__ = [
    "Skipped",
    "batch_mixing",
    "causal_leak",
    "check",
    "init_loss",
    "input_contract",
    "memory_profile",
    "overfit_batch",
    "padding_leak",
    "save_load",
    "snapshot",
    "snapshot_line",
]


# The checks check() runs, in order (the input contract first).
CHECK_NAMES = ("input-shape-mismatch", "init-loss-off", "cannot-overfit", "batch-mixing", "causal-leak", "padding-leak", "save-load-mismatch")


def check(
    model: nn.Module,
    batch: Any,
    loss_fn: LossFn | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    causal: bool = False,
    time_dim: int = 1,
    padding_mask: torch.Tensor | None = None,
    factory: Callable[[], nn.Module] | None = None,
    expected_features: int | None = None,
    steps: int = OVERFIT_STEPS,
    progress: Callable[[str], None] | None = None,
) -> Diagnosis:
    """Run every preflight check on `batch` = (inputs, target) and return one Diagnosis:
    findings, checks that could not run in `unjudged` (with the option that enables them), the
    loss used in `notes`. The input contract runs first; when the model cannot even run on the
    batch, the other checks are reported as unjudged. The user's model leaves bit-identical.
    `progress(name)`, when given, is called as each check begins (the CLI's progress bar)."""
    tell = progress or (lambda name: None)
    inputs, target = split(batch)
    loss_fn, kind, note = resolve_loss(loss_fn, target)
    notes = [note] if note else []
    findings: list[Finding] = []
    unjudged: dict[str, str] = {}
    ran: list[str] = []
    with preserved(model):
        tell("input-shape-mismatch")
        contract = input_contract(model, batch, expected_features=expected_features)
        findings += contract
        ran.append("input-shape-mismatch")
        plan: list[tuple[str, Callable[[], list[Finding]]]] = [
            ("init-loss-off", lambda: init_loss(model, batch, loss_fn)),
            (
                "cannot-overfit",
                lambda: overfit_batch(model, batch, loss_fn, optimizer, steps=steps),
            ),
            ("batch-mixing", lambda: batch_mixing(model, batch)),
            ("causal-leak", lambda: causal_leak(model, batch, causal=causal, time_dim=time_dim)),
            (
                "padding-leak",
                lambda: padding_leak(model, batch, padding_mask=padding_mask, time_dim=time_dim),
            ),
            ("save-load-mismatch", lambda: save_load(model, batch, factory=factory)),
        ]
        broken = next((f for f in contract if f.evidence.get("raised")), None)
        for name, run in plan:
            if broken is not None:
                unjudged[name] = "the model raised on this batch (see input-shape-mismatch)"
                continue
            try:
                tell(name)
                findings += run()
                ran.append(name)
            except Skipped as why:
                unjudged[name] = str(why)
            except Exception as exc:  # one failing check must not hide the others' findings
                unjudged[name] = f"check error: {type(exc).__name__}: {exc}"
    summary = {
        "checks_run": ran,
        "loss_kind": kind,
        "batch_size": _batch_len(inputs),
        "target_shape": list(target.shape),
    }
    return Diagnosis(findings=findings, unjudged=unjudged, summary=summary, notes=notes)


def _batch_len(inputs: Any) -> int | None:
    from torchvitals.checks.batch import primary

    try:
        x, _ = primary(inputs)
    except TypeError:
        return None
    return int(x.shape[0]) if x.dim() else None
