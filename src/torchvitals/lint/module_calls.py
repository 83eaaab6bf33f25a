"""Calls on a module's parts that run a module class of this file: a sub-module called on
`self` (`self.attn(x, mask)`) and an element of a layer list in a loop (`for blk in self.blocks:
x = blk(x)`). Kept out of `calls.resolve` on purpose: the rules that follow a model's output
through calls would otherwise also follow every sub-module a class calls on itself; the
attention rule asks for them where a mask travels into a module."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import Target, class_forward
from torchvitals.lint.engine import Context, callee, dotted, last, receiver


def submodule_forward(ctx: Context, call: ast.Call) -> Target | None:
    """`self.attn(x, mask)` where `self.attn` holds a module class of this file: its forward.
    (Not part of `resolve`: the rules that follow a model's output through calls would then
    also follow every sub-module a class calls on itself.)"""
    if receiver(call) != "self":
        return None
    return class_forward(ctx, ctx.modules.get(callee(call)), callee(call), call)


def element_forward(ctx: Context, call: ast.Call) -> Target | None:
    """`for blk in self.blocks: x = blk(x, mask)` where `self.blocks = nn.ModuleList([Block(...)
    for _ in range(n)])` (or a list literal of one class): that class's forward."""
    if not isinstance(call.func, ast.Name):
        return None
    loop = next((a for a in ctx.ancestors(call) if isinstance(a, (ast.For, ast.AsyncFor))
                 and _loop_source(a, call.func.id) is not None), None)  # fmt: skip
    src = dotted(_loop_source(loop, call.func.id)) if loop is not None else None
    cls = _element_class(ctx, src) if src else None
    return class_forward(ctx, cls, call.func.id, call) if cls else None


def _loop_source(loop: ast.For | ast.AsyncFor, name: str) -> ast.expr | None:
    """What the loop variable `name` runs over: `for blk in X` -> X; `for attn, norm in
    zip(A, B)` -> A for attn."""
    if isinstance(loop.target, ast.Name):
        return loop.iter if loop.target.id == name else None
    it = loop.iter
    if isinstance(loop.target, ast.Tuple) and isinstance(it, ast.Call) and callee(it) == "zip" and len(it.args) == len(loop.target.elts):
        return next((a for t, a in zip(loop.target.elts, it.args, strict=False) if isinstance(t, ast.Name) and t.id == name), None)
    return None


def _element_class(ctx: Context, key: str) -> str | None:
    for v in ctx.values.get(key, []):
        if isinstance(v, ast.Call) and last(callee(v)) in ("ModuleList", "Sequential") and len(v.args) == 1:
            items = v.args[0]
            elts = [items.elt] if isinstance(items, (ast.ListComp, ast.GeneratorExp)) else list(getattr(items, "elts", []))
            names = {callee(e) for e in elts if isinstance(e, ast.Call)}
            if len(names) == 1 and len(elts) >= 1 and all(isinstance(e, ast.Call) for e in elts):
                name = names.pop()
                return name if name in ctx.module_classes else None
    return None
