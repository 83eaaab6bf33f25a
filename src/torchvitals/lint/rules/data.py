"""Rules about data loaders: unshuffled training loader (TVL015) by the names it is bound to
(trained_loader.py finds it by the loop that trains on it); the shuffled evaluation loader whose
metrics depend on the order (TVL017) is in eval_order.py, how a loader is found in loaders.py."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import is_param
from torchvitals.lint.engine import Context, arg, callee, dotted, is_const, kwarg, last, targets_of
from torchvitals.lint.rules.eval_order import check_eval_order
from torchvitals.lint.rules.eval_predict import check_predict_order
from torchvitals.lint.rules.loaders import (
    loader_view,
    local_function,
    option_default,
    order_given_elsewhere,
    sampler_order,
    shuffle_of,
    streamed,
)
from torchvitals.lint.rules.pairing import unshuffled_by_callers
from torchvitals.lint.rules.split_tests import unshuffled_by_split_test
from torchvitals.lint.rules.values import truth
from torchvitals.lint.syntax import walk
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
        never = shuffle is not None and not isinstance(shuffle, ast.Constant) and truth(ctx, shuffle) is False
        if shuffle is not None and not is_const(shuffle, False):
            before = len(ctx.findings)
            unshuffled_by_callers(ctx, c, shuffle, UNSHUFFLED)
            unshuffled_by_split_test(ctx, c, shuffle, UNSHUFFLED)
            if not never or len(ctx.findings) > before:
                continue  # else: false for every caller; judged by the names below like `shuffle=False`
        parent = ctx.parent.get(c)
        names = targets_of(parent) if isinstance(parent, ast.Assign) else []
        names += _returned_as(ctx, c)
        if not names and (hook := _training_loader_function(ctx, c)):
            names = [hook]  # `def train_dataloader(self): return self._loader(self.a, 64)`: its name says
        ds = arg(view, 0, "dataset")
        ds_name = dotted(ds) or (callee(ds) if isinstance(ds, ast.Call) else "") or ""
        words = " ".join(names + [ds_name]).lower()
        if "train" not in words or any(w in words for w in ("val", "test", "eval", "iter", "stream", "wds")):
            continue
        if streamed(ctx, ds_name) or _not_trained_here(ctx, c, names):
            continue
        how = "with a sequential sampler" if sampler_order(ctx, view) == "sequential" else "without shuffle=True or a sampler"
        if (flag := kwarg(view, "shuffle")) is not None and not isinstance(flag, ast.Constant) and option_default(ctx, flag) is not None:
            how = f"with shuffle=`{ast.unparse(flag)}`, a command-line flag that is off unless passed"
        elif never:
            how = f"with shuffle=`{ast.unparse(shuffle)}`, false for every call of it in this file"  # type: ignore[arg-type]
        ctx.report(UNSHUFFLED, c, f"training DataLoader over `{ds_name or 'dataset'}` {how}: batches come in dataset order")


# What a file that trains shows somewhere: backward, an optimizer, a trainer's fit or training hook.
_TRAINS = ("backward(", "optim.", "Optimizer", ".fit(", "Trainer(", "training_step", "train_step", ".step(")


def _not_trained_here(ctx: Context, loader: ast.Call, names: list[str]) -> bool:
    """A loader this file reads without training on it: every read only peeks one batch
    (`next(iter(loader))`, a notebook showing a sample), or the file trains nothing at all and
    passes the loader on here (DINO's k-NN evaluation extracts features of the training split;
    an inference script loads the training set for its vocabulary). A loader the file only
    builds and hands back is judged as before: its caller may train on it."""
    bound = [n for n in names if n.isidentifier()]
    if not bound or not isinstance(ctx.parent.get(loader), ast.Assign):
        return False
    scope = ctx.scope_of(loader)
    reads = [n for n in walk(scope) if isinstance(n, ast.Name) and n.id in bound and isinstance(n.ctx, ast.Load)
             and not _shadowed(ctx, n, scope)]  # fmt: skip
    trains = bool(ctx.backwards or ctx.optimizers) or any(w in ctx.text for w in _TRAINS)
    if not reads:  # nothing imports a notebook's names: a loader it never reads trains nothing
        return ctx.path.endswith(".ipynb") and not trains
    if any(isinstance(ctx.parent.get(r), (ast.Return, ast.Tuple)) for r in reads):
        return False
    if all(_peeked(ctx, r) for r in reads):
        return True
    return not trains and all(_seen_use(ctx, r) for r in reads)


def _seen_use(ctx: Context, read: ast.Name) -> bool:
    """A read whose use this file shows: iterated here (`for x, y in loader`), measured
    (`len(loader)`, `loader.dataset`), or handed to a function of this file. Handed to an
    imported helper (`run_training(model, loader)`), it may be trained on out of sight, unless
    the helper's name says it only reads (`extract_features`, `show_batch`, `predict`)."""
    up = ctx.parent.get(read)
    if isinstance(up, (ast.For, ast.comprehension)) and up.iter is read:
        return True
    if isinstance(up, ast.Attribute) or (isinstance(up, ast.Call) and callee(up) in ("len", "iter", "enumerate")):
        return True
    if not (isinstance(up, ast.Call) and read in up.args):
        return False
    return local_function(ctx, callee(up)) is not None or bool(_READS_ONLY.search(last(callee(up)) or ""))


# Helpers that look at data rather than learn from it.
_READS_ONLY = re.compile(r"extract|feature|embed|predict|infer|show|plot|visuali[sz]e|inspect", re.I)


def _shadowed(ctx: Context, read: ast.Name, scope: ast.AST) -> bool:
    """`read` is in a function below `scope` where the name is that function's own parameter."""
    for up in ctx.ancestors(read):
        if up is scope:
            return False
        if isinstance(up, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and is_param(up, read.id):
            return True
    return False


def _peeked(ctx: Context, read: ast.Name) -> bool:
    """`next(iter(loader))`: one batch taken to look at."""
    up = ctx.parent.get(read)
    if not (isinstance(up, ast.Call) and callee(up) == "iter" and up.args == [read]):
        return False
    top = ctx.parent.get(up)
    return isinstance(top, ast.Call) and callee(top) == "next"


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

def _training_loader_function(ctx: Context, loader: ast.Call) -> str | None:
    """The function that hands out, as the training loader, what a builder shared by the splits
    returns (`def train_dataloader(self): return self._loader(self.a, 64)` beside
    `val_dataloader` doing the same): by its name (Lightning's `train_dataloader`,
    `get_train_loader`), when it is the one such function among the builder's callers and no
    call passes anything that may set the order. A DataLoader written in the training hook
    itself is left to the names of its dataset: real code (Lightning's own demos) does so over
    random data, where the order does not matter."""
    if not isinstance(ctx.parent.get(loader), ast.Return):
        return None
    fn = ctx.scope_of(loader)
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if _trains_by_name(fn.name):
        return None  # a DataLoader written in the hook itself: Lightning's demos do so over random data
    callers = [c for c in ctx.calls if callee(c) in (fn.name, f"self.{fn.name}")]
    outers = {ctx.scope_of(c) for c in callers if isinstance(ctx.parent.get(c), ast.Return)}
    named = [o.name for o in outers if isinstance(o, (ast.FunctionDef, ast.AsyncFunctionDef)) and _trains_by_name(o.name)]
    return named[0] if len(named) == 1 and not any(_args_differ_in_order(c) for c in callers) else None


def _trains_by_name(name: str) -> bool:
    words = name.lower().split("_")
    return "train" in words and (any(w in ("dataloader", "loader", "dl") for w in words)) and not any(
        w in ("val", "valid", "test", "eval") for w in words
    )


def _args_differ_in_order(call: ast.Call) -> bool:
    """A builder's call that passes a keyword or flag that may set the order (`shuffle=True`,
    `train=True`, `sampler=...`): the builder's own DataLoader call alone does not say it."""
    return len(call.args) > 2 or any(k.arg is None or k.arg in ("shuffle", "sampler", "train", "is_train", "training") for k in call.keywords)


CHECKS = [check_loader, check_eval_order, check_predict_order]
