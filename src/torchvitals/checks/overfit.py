"""Can the model learn at all? Memorize one batch (cannot-overfit) and start from the loss that
chance predicts (init-loss-off). Both from Karpathy's "A Recipe for Training Neural Networks"."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from torchvitals.checks.batch import (
    LossFn,
    Skipped,
    call,
    main_output,
    preserved,
    rebuild_optimizer,
    resolve_loss,
    split,
    training_copy,
)
from torchvitals.findings import Finding
from torchvitals.rules.base import document

# Steps of the one-batch overfit: a model with enough capacity memorizes 64 samples in a few
# hundred Adam steps; more would only make the check slow.
OVERFIT_STEPS = 300
# The eval-mode loss must fall to this fraction of its initial value: one decade. Memorizing
# a batch drives the loss near zero, so a decade is a lenient floor, not a target.
OVERFIT_FACTOR = 0.1
# How often the curve is sampled (and the early stop tested), in steps.
CURVE_EVERY = 25
# The loss at init may be this many times its chance value. A default init spreads logits a
# little (cross-entropy ≈ ln C + var/2), which stays well inside 3x; logits scaled by 10 or a
# regression head on an unnormalized target land far outside.
INIT_LOSS_FACTOR = 3.0

CANNOT_OVERFIT = document(
    "TV501",
    "cannot-overfit",
    what="Training a copy of the model on one batch for a few hundred steps does not bring the "
    "loss down by a decade. A model that cannot memorize 64 samples will not learn from millions.",
    why="The cause is almost always a bug, not the data: an output detached from the graph, a "
    "clamp or mask that blocks the gradient, parameters not given to the optimizer, a learning "
    "rate near zero, or a step gate that skips updates. Hours of training hide it.",
    example="def forward(self, x):\n    return self.head(self.body(x)).detach() + self.bias"
    "  # only the bias can learn",
    fix="Find where the gradient stops: check that the loss requires grad, that no .detach(), "
    "torch.no_grad() or clamp sits between the parameters and the output, and that the "
    "optimizer holds the parameters and its lr is not tiny.",
)

INIT_LOSS_OFF = document(
    "TV502",
    "init-loss-off",
    what="The loss before any training is far from what chance predicts: ln C for cross-entropy "
    "over C classes with balanced logits, mean(target²) for MSE with a head that starts near "
    "zero.",
    why="A loss far above chance at init means overconfident logits or a target on another scale; "
    "the first steps are spent shrinking the output instead of learning, and large early "
    "gradients can destabilize training (the 'hockey stick' loss curve).",
    example="logits = self.head(h) * 100  # cross-entropy at init ≈ 40 instead of ln 10 ≈ 2.3",
    fix="Initialize the last layer small (or zero) so logits start balanced, set its bias to the "
    "class log-priors or the target mean, and normalize regression targets.",
)


def overfit_batch(
    model: nn.Module,
    batch: Any,
    loss_fn: LossFn | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    steps: int = OVERFIT_STEPS,
) -> list[Finding]:
    """Train a deep copy on `batch` for at most `steps` steps (the user's optimizer class and
    hyperparameters rebuilt on the copy, else Adam lr=3e-3) and return a `cannot-overfit`
    finding unless its eval-mode loss falls to OVERFIT_FACTOR of the initial value. The user's
    model is not changed."""
    inputs, target = split(batch)
    loss_fn, _, _ = resolve_loss(loss_fn, target)
    with preserved(model):
        twin = training_copy(model)
        params = [p for p in twin.parameters() if p.requires_grad]
        if not params:
            return [_cannot("the model has no trainable parameters", {})]
        opt = rebuild_optimizer(optimizer, params)
        start = _eval_loss(twin, inputs, target, loss_fn)
        if not math.isfinite(start):
            msg = (
                f"the loss is {start} before training: nothing can be learned from it "
                "(a fully masked attention row, a log of zero, an inf in the inputs?)"
            )
            return [_cannot(msg, {"loss_at_init": start})]
        curve = [(0, start)]
        goal = start * OVERFIT_FACTOR
        for step in range(1, steps + 1):
            twin.train()
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(call(twin, inputs), target)
            if not loss.requires_grad:
                return [
                    _cannot(
                        "the loss does not require grad: the output is cut from every parameter "
                        "(a .detach(), torch.no_grad() or a non-differentiable op)",
                        {"loss_at_init": start},
                    )
                ]
            loss.backward()
            opt.step()
            if step % CURVE_EVERY == 0 or step == steps:
                now = _eval_loss(twin, inputs, target, loss_fn)
                curve.append((step, now))
                if now <= goal:
                    return []
    end = curve[-1][1]
    evidence = {
        "loss_at_init": start,
        "loss_at_end": end,
        "ratio": end / start if start else math.nan,
        "required_ratio": OVERFIT_FACTOR,
        "steps": steps,
        "optimizer": type(opt).__name__,
        "lr": opt.param_groups[0].get("lr"),
        "curve": [[s, round(v, 6)] for s, v in _few(curve)],
    }
    shape = " → ".join(f"{v:.3g}" for _, v in _few(curve))
    msg = (
        f"after {steps} steps on one batch the loss went {start:.4g} → {end:.4g} "
        f"({end / start if start else math.nan:.2f}x; memorizing needs ≤ {OVERFIT_FACTOR}x). "
        f"Curve: {shape}"
    )
    return [_cannot(msg, evidence)]


def _cannot(message: str, evidence: dict[str, Any]) -> Finding:
    return CANNOT_OVERFIT.finding("error", message, evidence=evidence, step=None)


def _few(curve: list[tuple[int, float]], n: int = 6) -> list[tuple[int, float]]:
    """At most n points of the curve, always the first and the last."""
    if len(curve) <= n:
        return curve
    idx = sorted({round(i * (len(curve) - 1) / (n - 1)) for i in range(n)})
    return [curve[i] for i in idx]


def _eval_loss(model: nn.Module, inputs: Any, target: torch.Tensor, loss_fn: LossFn) -> float:
    """Loss in eval mode (no dropout noise), as a float."""
    model.eval()
    with torch.no_grad():
        return float(loss_fn(call(model, inputs), target))


def init_loss(model: nn.Module, batch: Any, loss_fn: LossFn | None = None) -> list[Finding]:
    """Compare the eval-mode loss at init with its chance value (ln C for cross-entropy,
    mean(target²) for MSE) and return `init-loss-off` when the ratio exceeds INIT_LOSS_FACTOR
    (an info finding when the loss is far *below* chance). Raises Skipped for losses it does
    not recognise."""
    inputs, target = split(batch)
    loss_fn, kind, _ = resolve_loss(loss_fn, target)
    if kind is None:
        raise Skipped(
            "the chance value of a custom loss is unknown; pass loss_fn=None or an "
            "nn.CrossEntropyLoss / nn.MSELoss to check the loss at init"
        )
    with preserved(model):
        model.eval()
        with torch.no_grad():
            out = call(model, inputs)
            loss = float(loss_fn(out, target))
    if kind == "cross_entropy":
        return judge_init_loss(loss, kind, classes=main_output(out).shape[-1])
    return judge_init_loss(loss, kind, target_square_mean=float(target.float().pow(2).mean()))


def judge_init_loss(
    loss: float,
    kind: str,
    *,
    classes: int | None = None,
    target_square_mean: float | None = None,
    step: int | None = None,
) -> list[Finding]:
    """`init-loss-off` for a loss at init compared with its chance value: ln `classes` for
    "cross_entropy", `target_square_mean` for "mse" (a warning beyond INIT_LOSS_FACTOR, info
    far below). Raises Skipped when the chance value is unknown or zero."""
    if kind == "cross_entropy" and classes:
        expected = math.log(classes)
        chance = f"ln {classes} = {expected:.3g} (balanced logits over {classes} classes)"
    elif kind == "mse" and target_square_mean is not None:
        expected = target_square_mean
        chance = f"mean(target²) = {expected:.3g} (a head that starts near zero)"
    else:
        raise Skipped(f"no chance value is known for a {kind} loss")
    evidence = {"loss": loss, "loss_kind": kind}
    if not math.isfinite(loss):
        msg = f"the loss at init is {loss}, not a number the optimizer can use"
        return [INIT_LOSS_OFF.finding("error", msg, evidence=evidence, step=step)]
    if expected <= 0:
        raise Skipped("the chance loss is zero (one class, or an all-zero target)")
    ratio = loss / expected
    evidence = {
        "loss": loss,
        "expected": expected,
        "ratio": ratio,
        "loss_kind": kind,
        "factor": INIT_LOSS_FACTOR,
    }
    if ratio > INIT_LOSS_FACTOR:
        msg = f"the loss at init is {loss:.4g}, {ratio:.1f}x its chance value {chance}"
        return [INIT_LOSS_OFF.finding("warning", msg, evidence=evidence, step=step)]
    if ratio < 1 / INIT_LOSS_FACTOR:
        msg = (
            f"the loss at init is {loss:.4g}, only {ratio:.2f}x its chance value {chance}: "
            "expected for a pretrained model, suspicious (a label leak?) for a fresh one"
        )
        return [INIT_LOSS_OFF.finding("info", msg, evidence=evidence, step=step)]
    return []
