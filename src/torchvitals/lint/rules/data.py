"""Rules about loading: unsafe `torch.load` (TVL014), unshuffled training loader (TVL015)."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import (
    Context,
    arg,
    callee,
    dotted,
    is_const,
    kwarg,
    last,
    method,
    targets_of,
)
from torchvitals.rules.base import document

UNSAFE_LOAD = document(
    "TVL014",
    "unsafe-torch-load",
    what="`torch.load` on a path that comes from the command line or the environment, without "
    "`weights_only=True`.",
    why="`torch.load` unpickles: a crafted checkpoint runs arbitrary code when loaded. Before "
    "torch 2.6 `weights_only` defaulted to False, and `weights_only=False` re-opens the hole.",
    example="ckpt = torch.load(args.resume)",
    fix="`torch.load(path, weights_only=True, map_location='cpu')`; store plain state dicts.",
)

UNSHUFFLED = document(
    "TVL015",
    "unshuffled-train-loader",
    what="A training `DataLoader` built without `shuffle=True`, a `sampler` or a `batch_sampler`.",
    why="Batches come in dataset order, often sorted by class or source: each batch is "
    "unrepresentative, the loss oscillates with the order and the model learns the order. "
    "Nothing errors.",
    example="train_loader = DataLoader(train_set, batch_size=64)",
    fix="`DataLoader(train_set, batch_size=64, shuffle=True)` (or a `DistributedSampler`).",
)

ARG_ROOTS = {"args", "opt", "opts", "cfg", "config", "hparams", "FLAGS", "flags", "sys", "os"}


def _from_arguments(ctx: Context, expr: ast.AST, depth: int = 0) -> bool:
    """The expression reads the command line (`args.x`, `sys.argv`), the environment, or input()."""
    parsed = {t for a in ctx.assigns if isinstance(getattr(a, "value", None), ast.Call)
              and method(a.value) in ("parse_args", "parse_known_args") for t in targets_of(a)}  # fmt: skip
    for n in ast.walk(expr):
        if isinstance(n, ast.Attribute):
            key = dotted(n) or ""
            root = key.split(".")[0]
            if key.startswith(("sys.argv", "os.environ")) or (root in ARG_ROOTS - {"sys", "os"} | parsed and "." in key):
                return True
        if isinstance(n, ast.Call) and callee(n) in ("input", "os.getenv", "os.environ.get"):
            return True
        if isinstance(n, ast.Name) and depth < 2 and n.id not in ARG_ROOTS:
            if any(_from_arguments(ctx, v, depth + 1) for v in ctx.values.get(n.id, [])[:3]):
                return True
    return False


def check_load(ctx: Context) -> None:
    for c in ctx.calls:
        if callee(c) != "torch.load":
            continue
        wo = kwarg(c, "weights_only")
        if is_const(wo, True) or (wo is not None and not is_const(wo, False)):
            continue
        path = arg(c, 0, "f")
        if path is None or not _from_arguments(ctx, path):
            continue
        how = "weights_only=False" if wo is not None else "no weights_only=True (the default before torch 2.6 unpickles anything)"
        ctx.report(UNSAFE_LOAD, c, f"torch.load on a path from the command line with {how}: a "
                   "crafted checkpoint runs code")  # fmt: skip


def check_loader(ctx: Context) -> None:
    for c in ctx.calls:
        if last(callee(c)) != "DataLoader" or any(k.arg is None for k in c.keywords):
            continue
        if any(kwarg(c, k) is not None for k in ("sampler", "batch_sampler")) or len(c.args) > 2:
            continue
        shuffle = kwarg(c, "shuffle")
        if shuffle is not None and not is_const(shuffle, False):
            continue
        parent = ctx.parent.get(c)
        names = targets_of(parent) if isinstance(parent, ast.Assign) else []
        ds = arg(c, 0, "dataset")
        ds_name = dotted(ds) or (callee(ds) if isinstance(ds, ast.Call) else "") or ""
        words = " ".join(names + [ds_name]).lower()
        if "train" not in words or any(w in words for w in ("val", "test", "eval", "iter", "stream", "wds")):
            continue
        if ds_name and any(last(callee(v)).endswith(("IterableDataset", "IterDataPipe", "WebDataset"))
                           for v in ctx.values.get(ds_name, []) if isinstance(v, ast.Call)):  # fmt: skip
            continue
        ctx.report(UNSHUFFLED, c, f"training DataLoader over `{ds_name or 'dataset'}` without "
                   "shuffle=True or a sampler: batches come in dataset order")  # fmt: skip


CHECKS = [check_load, check_loader]
