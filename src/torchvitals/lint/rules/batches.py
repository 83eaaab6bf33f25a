"""What a field of a batch holds: `for src, src_mask, tgt in loader` (or `batch["src_mask"]`
with `for batch in loader`) over a DataLoader whose `collate_fn` is a function of this file
holds what that function returns at the same place. Rules that judge how a tensor was made (a
padding mask's polarity) follow it into the collate function instead of stopping at the loop."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import Context, callee, dotted, kwarg, last, walk_scope
from torchvitals.lint.options import entry
from torchvitals.lint.rules.loaders import _local_function, loader_paths, loader_view

WRAPPERS = ("tqdm", "track", "iter")  # iterate the loader unchanged


def collated(ctx: Context, expr: ast.AST, scope: ast.AST) -> list[tuple[ast.expr, ast.FunctionDef]]:
    """(value, collate function) for each collate function that can make this batch field; empty
    when `expr` is no field of a batch from a loader with a collate function of this file."""
    key = None
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str):
        key, expr = expr.slice.value, expr.value
    if not isinstance(expr, ast.Name) or ctx.assigns_in(scope).get(expr.id):
        return []
    bound = _bound_by_loop(scope, expr.id)
    if bound is None:
        return []
    it, path = bound
    out = []
    for p in loader_paths(ctx, it, []):
        view = loader_view(ctx, p.call)
        fn = _collate_function(ctx, kwarg(view, "collate_fn") if view is not None else None)
        if fn is None:
            return []
        for r in walk_scope(fn):
            if isinstance(r, ast.Return) and r.value is not None:
                value = _at(r.value, path, key)
                if value is None:
                    return []
                out.append((value, fn))
    return out


def _bound_by_loop(scope: ast.AST, name: str) -> tuple[ast.expr, tuple[int, ...]] | None:
    """(iterated expression, place in the loop target) of the one loop of `scope` binding `name`;
    `enumerate(...)` and progress bars looked through."""
    found = []
    for n in walk_scope(scope):
        if isinstance(n, (ast.For, ast.AsyncFor)) and (path := _place(n.target, name)) is not None:
            found.append((n.iter, path))
    if len(found) != 1:
        return None
    it, path = found[0]
    while isinstance(it, ast.Call) and it.args and last(callee(it)) in (*WRAPPERS, "enumerate"):
        if last(callee(it)) == "enumerate":
            if path[:1] != (1,):
                return None
            path = path[1:]
        it = it.args[0]
    return it, path


def _place(target: ast.expr, name: str) -> tuple[int, ...] | None:
    if isinstance(target, ast.Name):
        return () if target.id == name else None
    if isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in target.elts):
        for i, e in enumerate(target.elts):
            if (inner := _place(e, name)) is not None:
                return (i, *inner)
    return None


def _collate_function(ctx: Context, cf: ast.AST | None) -> ast.FunctionDef | None:
    """The function of this file a `collate_fn=` runs (`partial(collate, pad_id=0)` looked through)."""
    if isinstance(cf, ast.Call) and last(callee(cf)) == "partial" and cf.args:
        cf = cf.args[0]
    name = dotted(cf) if cf is not None else None
    return _local_function(ctx, name) if name and "." not in name else None


def _at(value: ast.expr, path: tuple[int, ...], key: str | None) -> ast.expr | None:
    """The element of a returned tuple at `path`, then the entry `key` of a returned dict."""
    for i in path:
        if not isinstance(value, (ast.Tuple, ast.List)) or i >= len(value.elts) or any(isinstance(e, ast.Starred) for e in value.elts):
            return None
        value = value.elts[i]
    if key is not None:
        found = entry(value, key) if isinstance(value, (ast.Dict, ast.Call)) else None
        return found if isinstance(found, ast.expr) else None
    return value if path else None
