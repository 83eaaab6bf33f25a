"""Which modules a file freezes, as TVL001/TVL002 (cutflow.py, gradflow.py) read it: a frozen
module is meant to get no gradient, so running it under `no_grad` or detaching its output is the
point (a momentum encoder, a pretrained backbone under a head), not a cut model."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import Context, callee, dotted, is_const, method, receiver

# Calls a module goes through on its way to its name that leave it the module: `.to(device)`,
# `.eval()`, `copy.deepcopy(...)`, and the freezing itself.
CHAIN_METHODS = {"to", "cuda", "cpu", "eval", "train", "float", "half", "requires_grad_"}

# Ways to put several modules' parameters into one iterable without changing them.
JOINERS = {"list", "tuple", "chain", "itertools.chain"}


def frozen(ctx: Context) -> set[str]:
    """The modules frozen in this file: `ctx.frozen` (`m.requires_grad_(False)`, a loop setting
    `p.requires_grad = False`), names bound to a module frozen as it is built or copied
    (`self.target = copy.deepcopy(self.online).requires_grad_(False)`, a momentum encoder), and
    every module of a loop over several modules' parameters joined into one iterable: their
    calls run no trained parameters, whatever optimizer takes the owner's parameters."""
    hit = ctx.memo.get("cutflow_frozen")
    if hit is None:
        hit = set(ctx.frozen)
        for a in ctx.assigns:
            if isinstance(a, ast.Assign) and _frozen_chain(a.value):
                hit.update(d for t in a.targets if (d := dotted(t)))
            elif (sub := _prefix_frozen(ctx, a)) is not None:
                hit.add(sub)
            else:
                hit.update(_joined_frozen(ctx, a))
        ctx.memo["cutflow_frozen"] = hit
    return hit


def _freezes(a: ast.AST) -> bool:
    """`x.requires_grad = False`."""
    return (isinstance(a, ast.Assign) and is_const(a.value, False)
            and any(isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in a.targets))  # fmt: skip


def _prefix_frozen(ctx: Context, a: ast.AST) -> str | None:
    """`for name, p in model.named_parameters(): if name.startswith("bert"): p.requires_grad =
    False` freezes the submodule `model.bert` (a pretrained encoder kept fixed under the head)."""
    if not _freezes(a):
        return None
    test = ctx.parent.get(a)
    loop = ctx.parent.get(test) if isinstance(test, ast.If) and a in test.body else None
    if not (isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call) and method(loop.iter) == "named_parameters"):
        return None
    t = test.test  # type: ignore[union-attr]
    if not (isinstance(t, ast.Call) and method(t) == "startswith" and t.args and isinstance(t.args[0], ast.Constant)):
        return None
    prefix = str(t.args[0].value).strip(".")
    recv = receiver(loop.iter)
    return f"{recv}.{prefix}" if recv and prefix.isidentifier() else None


def _joined_frozen(ctx: Context, a: ast.AST) -> list[str]:
    """`for p in list(self.target_enc.parameters()) + list(self.target_proj.parameters()):
    p.requires_grad = False` (or `itertools.chain(a.parameters(), b.parameters())`, `[*a.parameters(),
    *b.parameters()]`, a name bound once to one of these) freezes every module joined: the
    assignment stands in the loop's own body (not under a test picking some parameters) and
    sets the loop's variable."""
    if not _freezes(a):
        return []
    loop = ctx.parent.get(a)
    if not (isinstance(loop, (ast.For, ast.AsyncFor)) and a in loop.body and isinstance(loop.target, ast.Name)):
        return []
    if not any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == loop.target.id
               for t in a.targets):  # type: ignore[attr-defined]  # fmt: skip
        return []
    it: ast.AST = loop.iter
    if isinstance(it, ast.Name):
        values = ctx.values.get(it.id, [])
        if len(values) != 1:
            return []
        it = values[0]
    return _joined_modules(it) or []


def _joined_modules(it: ast.AST) -> list[str] | None:
    """The modules whose `.parameters()` an iterable joins, or None when any part of it is
    something else (a filter, a slice, another list)."""
    if isinstance(it, ast.Call) and method(it) == "parameters" and not it.args:
        recv = receiver(it)
        return [recv] if recv else None
    if isinstance(it, ast.Call) and callee(it) in JOINERS and it.args and not it.keywords:
        parts = [_joined_modules(x) for x in it.args]
    elif isinstance(it, ast.BinOp) and isinstance(it.op, ast.Add):
        parts = [_joined_modules(it.left), _joined_modules(it.right)]
    elif isinstance(it, (ast.List, ast.Tuple)) and it.elts and all(isinstance(e, ast.Starred) for e in it.elts):
        parts = [_joined_modules(e.value) for e in it.elts]  # type: ignore[attr-defined]
    else:
        return None
    return None if any(p is None for p in parts) else [m for p in parts for m in p or []]


def _frozen_chain(v: ast.AST) -> bool:
    """`X.requires_grad_(False)`, possibly among `.to(...)`/`.eval()` calls on the way."""
    while isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr in CHAIN_METHODS:
        if v.func.attr == "requires_grad_" and v.args and is_const(v.args[0], False):
            return True
        v = v.func.value
    return False

