"""Rules about data loaders: unshuffled training loader (TVL015) by the names it is bound to
(trained_loader.py finds it by the loop that trains on it); the shuffled evaluation loader whose
metrics depend on the order (TVL017) is in eval_order.py, how a loader is found in loaders.py."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import Context, arg, callee, dotted, is_const, targets_of
from torchvitals.lint.rules.eval_order import check_eval_order
from torchvitals.lint.rules.loaders import (
    loader_view,
    local_function,
    order_given_elsewhere,
    sampler_order,
    shuffle_of,
    streamed,
)
from torchvitals.lint.rules.pairing import unshuffled_by_callers
from torchvitals.rules.base import document

UNSHUFFLED = document(
    "TVL015",
    "unshuffled-train-loader",
    what="A training `DataLoader` built without `shuffle=True`, a `sampler` or a `batch_sampler`, "
    "or with a sampler that keeps the dataset order (`SequentialSampler`, "
    "`DistributedSampler(..., shuffle=False)`).",
    why="Batches come in dataset order, often sorted by class or source: each batch is "
    "unrepresentative, the loss oscillates with the order and the model learns the order. "
    "Nothing errors.",
    example="train_loader = DataLoader(train_set, batch_size=64)",
    fix="`DataLoader(train_set, batch_size=64, shuffle=True)` (or a `DistributedSampler`).",
)


def check_loader(ctx: Context) -> None:
    for c in ctx.calls:
        view = loader_view(ctx, c)  # a partial(DataLoader, ...) factory and **cfg filled in
        if view is None or order_given_elsewhere(view) and sampler_order(ctx, view) != "sequential":
            continue
        shuffle = shuffle_of(ctx, view)
        if shuffle is not None and not is_const(shuffle, False):
            unshuffled_by_callers(ctx, c, shuffle, UNSHUFFLED)
            continue
        parent = ctx.parent.get(c)
        names = targets_of(parent) if isinstance(parent, ast.Assign) else []
        names += _returned_as(ctx, c)
        ds = arg(view, 0, "dataset")
        ds_name = dotted(ds) or (callee(ds) if isinstance(ds, ast.Call) else "") or ""
        words = " ".join(names + [ds_name]).lower()
        if "train" not in words or any(w in words for w in ("val", "test", "eval", "iter", "stream", "wds")):
            continue
        if streamed(ctx, ds_name):
            continue
        how = "with a sequential sampler" if sampler_order(ctx, view) == "sequential" else "without shuffle=True or a sampler"
        ctx.report(UNSHUFFLED, c, f"training DataLoader over `{ds_name or 'dataset'}` {how}: batches come in dataset order")


def _returned_as(ctx: Context, loader: ast.Call) -> list[str]:
    """`return DataLoader(...)` in a builder of this file: the names its callers bind the
    result to (`train_loader = build_dataloader("train", bs)`), when every caller binds one."""
    if not isinstance(ctx.parent.get(loader), ast.Return):
        return []
    fn = ctx.scope_of(loader)
    if not isinstance(fn, ast.FunctionDef) or local_function(ctx, fn.name) is not fn:
        return []
    names: list[str] = []
    for c in ctx.calls:
        if callee(c) == fn.name:
            parent = ctx.parent.get(c)
            if not isinstance(parent, ast.Assign):
                return []
            names += targets_of(parent)
    # one builder for every split: the loader it builds for the training split is the one judged
    return [n for n in names if "train" in n.lower() and not any(w in n.lower() for w in ("val", "test", "eval"))]

CHECKS = [check_loader, check_eval_order]
