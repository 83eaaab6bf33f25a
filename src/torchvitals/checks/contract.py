"""Input contract: does the batch fit the model? Seed 003's data had 25 features and the model
was built for 24; the error surfaced as a matrix-shape RuntimeError deep inside the forward."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from torchvitals.checks.batch import call, preserved, primary, split
from torchvitals.findings import Finding
from torchvitals.rules.base import document

INPUT_SHAPE_MISMATCH = document(
    "TV507",
    "input-shape-mismatch",
    what="The batch does not fit the model: its feature dimension differs from what the first "
    "layer (or expected_features=) expects, token ids exceed the embedding's vocabulary, or the "
    "forward pass raises on it.",
    why="A feature pipeline and a model config drift apart silently (a feature added, a column "
    "dropped); the crash, if any, names a matrix multiply, not the config line to change.",
    example="features = build_features(df)        # 25 columns\n"
    "model = Model(n_variables=24)         # built for 24",
    fix="Make the data and the model agree: drop or add the feature, or build the model from "
    "the data (n_features = x.shape[-1]).",
)

# Layers whose construction fixes the size of the input they accept.
_SIZED = (nn.Linear, nn.Bilinear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.RNNBase, nn.Embedding)


def _expects(layer: nn.Module) -> tuple[int, int, str] | None:
    """(size, axis of the input it applies to, attribute name), or None for a lazy layer."""
    if isinstance(layer, nn.Linear):
        return (layer.in_features, -1, "in_features") if layer.in_features else None
    if isinstance(layer, nn.Bilinear):
        return layer.in1_features, -1, "in1_features"
    if isinstance(layer, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return (layer.in_channels, 1, "in_channels") if layer.in_channels else None
    if isinstance(layer, nn.RNNBase):
        return layer.input_size, -1, "input_size"
    return None


def input_contract(
    model: nn.Module, batch: Any, expected_features: int | None = None
) -> list[Finding]:
    """Return `input-shape-mismatch` when the batch's feature count differs from
    `expected_features` or from the first sized layer the model calls (both numbers in the
    message), when token ids fall outside the first embedding's vocabulary, or when the forward
    pass raises on the batch (the error is reported instead of propagated; its finding carries
    evidence['raised'] = True)."""
    inputs, _ = split(batch)
    x, _ = primary(inputs)
    first, error = _first_sized_layer(model, inputs)

    findings: list[Finding] = []
    feats = x.shape[-1] if x.dim() else None
    if expected_features is not None and x.is_floating_point() and feats != expected_features:
        findings.append(
            _mismatch(
                f"the batch has {feats} features (last dimension of inputs {tuple(x.shape)}) but "
                f"expected_features={expected_features}",
                {"batch_features": feats, "expected_features": expected_features},
                [],
            )
        )
    if first is not None and isinstance(first[1], nn.Embedding) and not x.is_floating_point():
        emb = first[1]
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= emb.num_embeddings:
            findings.append(
                _mismatch(
                    f"token ids span {lo}..{hi} but the first embedding `{first[0]}` has "
                    f"num_embeddings={emb.num_embeddings}",
                    {"min_id": lo, "max_id": hi, "num_embeddings": emb.num_embeddings},
                    [first[0]],
                )
            )
    elif error is not None and first is not None and x.is_floating_point() and not findings:
        findings.extend(_first_layer_mismatch(x, first, error))
    if error is not None:
        if findings:
            findings[0].evidence["raised"] = True
            findings[0].evidence.setdefault("error", f"{type(error).__name__}: {error}")
        else:
            findings.append(
                _mismatch(
                    f"the model raised {type(error).__name__} on this batch "
                    f"(inputs {_shapes(inputs)}): {error}",
                    {"raised": True, "error": f"{type(error).__name__}: {error}"},
                    [],
                )
            )
    return findings


def _first_sized_layer(model: nn.Module, inputs: Any) -> tuple[tuple[str, nn.Module] | None, Exception | None]:
    """Run the model once on the inputs (eval, no_grad, state preserved): the first layer with
    a known input size that it called (or, if it raised first, the first such layer it has),
    and the error it raised, if any."""
    called: list[tuple[str, nn.Module]] = []
    names = {m: n for n, m in model.named_modules()}

    def pre_hook(mod: nn.Module, args: tuple[Any, ...]) -> None:
        if not called:
            called.append((names.get(mod, "?"), mod))

    handles = [
        m.register_forward_pre_hook(pre_hook) for m in model.modules() if isinstance(m, _SIZED)
    ]
    error: Exception | None = None
    try:
        with preserved(model), torch.no_grad():
            model.eval()
            call(model, inputs)
    except Exception as exc:  # the contract's purpose: say what went wrong instead of crashing
        error = exc
    finally:
        for h in handles:
            h.remove()
    first = (
        called[0]
        if called
        else next(((n, m) for n, m in model.named_modules() if isinstance(m, _SIZED)), None)
    )
    return first, error


def _first_layer_mismatch(x: torch.Tensor, first: tuple[str, nn.Module], error: Exception) -> list[Finding]:
    """The forward raised: is it because the batch's feature count is not the first layer's?"""
    findings: list[Finding] = []
    sized = _expects(first[1])
    if sized is not None and -x.dim() <= sized[1] < x.dim():
        size, axis, attr = sized
        got = x.shape[axis]
        if got != size:
            findings.append(
                _mismatch(
                    f"the batch has {got} features ({_axis(axis)} of inputs {tuple(x.shape)}) "
                    f"but the model's first layer `{first[0]}` ({type(first[1]).__name__}) "
                    "expects "
                    f"{attr}={size}",
                    {
                        "batch_features": got,
                        "model_features": size,
                        "layer": first[0],
                        "raised": True,
                        "error": f"{type(error).__name__}: {error}",
                    },
                    [first[0]],
                )
            )
    return findings


def _axis(axis: int) -> str:
    return "last dimension" if axis == -1 else f"dimension {axis}"


def _mismatch(message: str, evidence: dict[str, Any], where: list[str]) -> Finding:
    return INPUT_SHAPE_MISMATCH.finding("error", message, evidence=evidence, where=where)


def _shapes(inputs: Any) -> str:
    if isinstance(inputs, torch.Tensor):
        return str(tuple(inputs.shape))
    if isinstance(inputs, dict):
        return "{" + ", ".join(f"{k}: {_shapes(v)}" for k, v in inputs.items()) + "}"
    if isinstance(inputs, (tuple, list)):
        return "(" + ", ".join(_shapes(v) for v in inputs) + ")"
    return type(inputs).__name__
