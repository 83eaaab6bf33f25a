"""Leak probes: does an output depend on inputs it must not see? Other samples of the batch
(batch-mixing), later time steps (causal-leak), padded positions (padding-leak).

Each probe runs the model in eval() (so BatchNorm uses its running statistics and dropout is
off: what remains is the model's own wiring) and differentiates a random projection of the
outputs it protects with respect to the input. A nonzero (or NaN) gradient at a forbidden
input is a dependence. Token ids are not differentiable, so for integer inputs the gradient is
taken at the output of the nn.Embedding that reads them. The user's model is not changed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from torchvitals.checks.batch import (
    Skipped,
    call,
    local_generator,
    main_output,
    preserved,
    primary,
    split,
)
from torchvitals.findings import Finding
from torchvitals.names import compact
from torchvitals.rules.base import document

# Positions probed for a causal leak: every one up to this many, evenly spaced beyond (one
# backward pass each).
CAUSAL_POSITIONS = 64

BATCH_MIXING = document(
    "TV503",
    "batch-mixing",
    what="The output of one sample depends on the inputs of other samples in the batch, with "
    "the model in eval() mode. An output that comes from one other sample's input alone is a "
    "reordered batch (sorted by length for a packed sequence), not mixing.",
    why="Samples are meant to be independent. A `view`/`reshape` where a `transpose` was meant "
    "scrambles batch and time; the model then learns from its neighbours during training and "
    "falls apart at batch size 1 or with a different batch order.",
    example="h = h.view(T, N, -1)  # h is (N, T, H): meant h.transpose(0, 1)",
    fix="Use transpose/permute (not view/reshape) to swap dimensions, keep the batch dimension "
    "where the layers expect it (batch_first=True), and do not force BatchNorm into train mode.",
)

CAUSAL_LEAK = document(
    "TV504",
    "causal-leak",
    what="For a model declared causal, the output at step t depends on inputs after t.",
    why="The model reads the answer during training and scores well, then fails when generating "
    "one step at a time. The usual cause is a mask convention inverted: in "
    "F.scaled_dot_product_attention a boolean True means *attend*, in nn.MultiheadAttention "
    "True means *ignore*.",
    example="mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)\n"
    "F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # attends to the future only",
    fix="For SDPA pass is_causal=True (or the lower-triangular boolean mask "
    "attn_mask=torch.tril(torch.ones(T, T, dtype=torch.bool))); "
    "for nn.MultiheadAttention pass attn_mask=nn.Transformer.generate_square_subsequent_mask(T) "
    "or is_causal=True with that mask.",
)

PADDING_LEAK = document(
    "TV505",
    "padding-leak",
    what="Outputs at real (non-padded) positions change when padded positions change.",
    why="Padding is filler: a model that reads it learns from noise, and its predictions depend on "
    "how long the longest sequence in the batch was. An inverted padding mask (True = padding "
    "vs True = real) is the usual cause.",
    example="# mask: True = real token\n"
    "nn.MultiheadAttention(...)(x, x, x, key_padding_mask=mask)  # expects True = padding",
    fix="Check the mask convention of the layer you pass it to: key_padding_mask in "
    "nn.MultiheadAttention masks True; SDPA's boolean attn_mask attends where True. "
    "Invert with ~mask.",
)


@contextlib.contextmanager
def _hooked_embeddings(
    model: nn.Module, ids: torch.Tensor, caught: list[torch.Tensor]
) -> Iterator[None]:
    """Replace the output of the first nn.Embedding called on a tensor shaped like `ids` by a
    leaf tensor (appended to `caught`) whose gradient stands in for the ids'."""

    def hook(mod: nn.Module, args: tuple[Any, ...], output: torch.Tensor) -> torch.Tensor | None:
        if caught or not args or tuple(args[0].shape) != tuple(ids.shape):
            return None
        leaf = output.detach().requires_grad_(True)
        caught.append(leaf)
        return leaf

    handles = [
        m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Embedding)
    ]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def forward_with_leaf(model: nn.Module, inputs: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """(output, leaf): the main output and a tensor shaped like the primary input (with a
    trailing embedding dimension for token ids) that the output can be differentiated against."""
    x, rebuild = primary(inputs)
    if x.is_floating_point():
        leaf = x.detach().clone().requires_grad_(True)
        return main_output(call(model, rebuild(leaf))), leaf
    caught: list[torch.Tensor] = []
    with _hooked_embeddings(model, x, caught):
        out = main_output(call(model, inputs))
    if not caught:
        raise Skipped(
            "the inputs are integers and no nn.Embedding reads them, so there is no gradient to "
            "measure; pass float inputs"
        )
    return out, caught[0]


def _grad(scalar: torch.Tensor, leaf: torch.Tensor) -> torch.Tensor:
    (g,) = torch.autograd.grad(scalar, [leaf], retain_graph=True, allow_unused=True)
    return torch.zeros_like(leaf) if g is None else g


def _depends(g: torch.Tensor) -> torch.Tensor:
    """True where the gradient says the output depends on the input (NaN counts)."""
    return (g != 0) | g.isnan()


def _projection(out: torch.Tensor) -> torch.Tensor:
    # A random projection, not a plain sum: the sum of a LayerNorm's outputs has zero gradient.
    return torch.randn(out.shape, generator=local_generator(out.device), device=out.device)


def batch_mixing(model: nn.Module, batch: Any, sample: int = 0, batch_dim: int = 0) -> list[Finding]:
    """Return `batch-mixing` when, in eval(), the output of `sample` has a nonzero gradient with
    respect to the inputs of any other sample; the evidence names those samples and, per input
    dimension, the positions through which they leak. `batch_dim` is where the batch lies in
    the input and the output (1 for sequence models with batch_first=False)."""
    inputs, _ = split(batch)
    with preserved(model):
        model.eval()
        out, leaf = forward_with_leaf(model, inputs)
        if leaf.dim() <= batch_dim:
            raise Skipped(f"the input {tuple(leaf.shape)} has no dimension {batch_dim}")
        n = leaf.shape[batch_dim]
        if n < 2:
            raise Skipped("the batch holds one sample; pass a batch of two or more")
        if out.dim() <= batch_dim or out.shape[batch_dim] != n:
            raise Skipped(
                f"the output's dimension {batch_dim} ({tuple(out.shape)}) is not the batch size {n}"
            )
        r = _projection(out)
        g = _grad((out.select(batch_dim, sample) * r.select(batch_dim, sample)).sum(), leaf)
    # A NaN where another sample's input is proves nothing: a sample whose own backward divides
    # 0 by 0 (the derivative of sqrt at an all-zero row, times its zero upstream gradient) gets
    # NaN without depending on sample `sample`. Mixing is judged on finite gradients; NaN alone
    # is said, not guessed.
    dep = ((g != 0) & g.isfinite()).movedim(batch_dim, 0)
    own = bool(dep[sample].any())
    dep[sample] = False
    others = [j for j in range(n) if bool(dep[j].any())]
    if len(others) == 1 and not own:
        # One other sample's input alone: the model reorders its batch (sorted by length for a
        # packed sequence, as image-captioning decoders do), it does not mix samples.
        return []
    if not others:
        bad = (~g.isfinite()).movedim(batch_dim, 0)
        bad[sample] = False
        if bool(bad.any()):
            raise Skipped("the gradient with respect to other samples' inputs is NaN or infinite, so it cannot say whether they mix")
        return []
    by_dim: dict[int, list[int]] = {}
    for d in range(1, dep.dim()):
        hit = dep.movedim(d, 0).reshape(dep.shape[d], -1).any(dim=1)
        if not bool(hit.all()):
            by_dim[d] = [i for i, h in enumerate(hit.tolist()) if h]
    where = f"dimension {batch_dim} (batch)"
    mixes = f"{where} with dimension {min(by_dim)}" if by_dim and batch_dim == 0 else where
    msg = (
        f"in eval() the output of sample {sample} depends on the inputs of sample(s) "
        f"{compact([str(j) for j in others])} of {n}: something mixes {mixes} — a view/reshape "
        "where a transpose was meant, or a normalization over the batch"
    )
    evidence = {
        "sample": sample,
        "batch_size": n,
        "batch_dim": batch_dim,
        "leaking_samples": others,
        "positions_by_dim": {str(d): v for d, v in by_dim.items()},
    }
    return [BATCH_MIXING.finding("error", msg, evidence=evidence)]


def causal_leak(
    model: nn.Module, batch: Any, causal: bool = False, time_dim: int = 1
) -> list[Finding]:
    """For `causal=True`: return `causal-leak` when, in eval(), the output at some step t has a
    nonzero gradient with respect to inputs after t, naming the earliest such t and the future
    steps it reads. Raises Skipped without `causal=True` or when the output has no time axis."""
    if not causal:
        raise Skipped(
            "pass causal=True (and time_dim=, default 1) to check a sequence model for future leaks"
        )
    inputs, _ = split(batch)
    with preserved(model):
        model.eval()
        out, leaf = forward_with_leaf(model, inputs)
        steps = leaf.shape[time_dim]
        if out.dim() <= time_dim or out.shape[time_dim] != steps:
            raise Skipped(
                f"the output {tuple(out.shape)} has no time dimension of length {steps} at "
                f"dim {time_dim}; pass time_dim= if time lies elsewhere"
            )
        r = _projection(out)
        positions = range(steps - 1)
        if steps - 1 > CAUSAL_POSITIONS:
            positions = sorted(
                {round(i * (steps - 2) / (CAUSAL_POSITIONS - 1)) for i in range(CAUSAL_POSITIONS)}
            )
        for t in positions:
            s = (out.select(time_dim, t) * r.select(time_dim, t)).sum()
            future = _depends(_grad(s, leaf)).narrow(time_dim, t + 1, steps - t - 1)
            hit = future.movedim(time_dim, 0).reshape(future.shape[time_dim], -1).any(dim=1)
            if bool(hit.any()):
                read = [t + 1 + i for i, h in enumerate(hit.tolist()) if h]
                msg = (
                    f"the output at step {t} depends on inputs at later step(s) "
                    f"{compact([str(s) for s in read])} (of {steps}): the causal mask lets the "
                    "model see the future — an inverted mask convention?"
                )
                evidence = {
                    "earliest_position": t,
                    "reads_future_steps": read,
                    "time_dim": time_dim,
                    "steps": steps,
                }
                return [CAUSAL_LEAK.finding("error", msg, evidence=evidence)]
    return []


def padding_leak(
    model: nn.Module, batch: Any, padding_mask: torch.Tensor | None = None, time_dim: int = 1
) -> list[Finding]:
    """Given `padding_mask` (batch × time, True = real position): return `padding-leak` when, in
    eval(), the outputs at real positions (all outputs, if the output has no time axis) have a
    nonzero gradient with respect to the inputs at padded positions. Raises Skipped without a
    mask or when the mask pads nothing."""
    if padding_mask is None:
        raise Skipped(
            "pass padding_mask= (batch × time, True = real token) to check padded positions"
        )
    mask = padding_mask.bool()
    if bool(mask.all()):
        raise Skipped("padding_mask marks every position real; nothing is padded")
    inputs, _ = split(batch)
    with preserved(model):
        model.eval()
        out, leaf = forward_with_leaf(model, inputs)
        if tuple(leaf.movedim(time_dim, 1).shape[:2]) != tuple(mask.shape):
            raise Skipped(
                f"padding_mask {tuple(mask.shape)} does not match the input's (batch, time) "
                f"dimensions {tuple(leaf.movedim(time_dim, 1).shape[:2])}"
            )
        r = _projection(out)
        has_time = out.dim() > time_dim and tuple(out.movedim(time_dim, 1).shape[:2]) == tuple(
            mask.shape
        )
        if has_time:
            seen = (out * r).movedim(time_dim, 1)[mask.to(out.device)]
        else:
            seen = out * r
        g = _grad(seen.sum(), leaf)
    leak = _depends(g).movedim(time_dim, 1)
    leak = leak.reshape(*mask.shape, -1).any(dim=-1) & ~mask.to(leak.device)
    if not bool(leak.any()):
        return []
    where = leak.nonzero().tolist()
    first = where[0]
    msg = (
        f"outputs at real positions depend on {len(where)} padded position(s) (first: sample "
        f"{first[0]}, step {first[1]}): the padding mask is ignored or inverted"
    )
    evidence = {
        "padded_positions_read": len(where),
        "padded_positions": int((~mask).sum()),
        "first": first,
        "time_dim": time_dim,
    }
    return [PADDING_LEAK.finding("error", msg, evidence=evidence)]
