"""What a field of a batch holds: `for src, src_mask, tgt in loader` (or `batch["src_mask"]`
with `for batch in loader`) over a DataLoader whose `collate_fn` is a function of this file
holds what that function returns at the same place. Rules that judge how a tensor was made (a
padding mask's polarity) follow it into the collate function instead of stopping at the loop."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import (
    Context,
    arg,
    callee,
    dotted,
    kwarg,
    last,
    method,
    targets_of,
    walk_scope,
)
from torchvitals.lint.options import entry
from torchvitals.lint.rules.loaders import loader_paths, loader_view, local_function

WRAPPERS = ("tqdm", "track", "iter")  # iterate the loader unchanged


def collated(ctx: Context, expr: ast.AST, scope: ast.AST) -> list[tuple[ast.expr, ast.FunctionDef]]:
    """(value, function) for each function that can make this batch field: the loader's
    `collate_fn`, or without one its dataset's `__getitem__` (the default collate keeps each
    field as it is, stacked). Empty when `expr` is no field of such a batch.

    A batch name that several loops of `scope` bind (`for batch in train_dl:` then `for batch in
    dev_dl:`, the training and the evaluation pass) is read from the loop around the use, as if
    that loop were the whole scope: each loop's loader answers for the uses inside it."""
    found = _collated(ctx, expr, scope)
    base = expr.value if isinstance(expr, ast.Subscript) else expr
    if found or not isinstance(base, ast.Name):
        return found
    loop = next((a for a in ctx.ancestors(base) if isinstance(a, (ast.For, ast.AsyncFor)) and base.id in targets_of(a)), None)
    return _collated(ctx, expr, ast.Module(body=[loop], type_ignores=[])) if loop is not None else []


def _collated(ctx: Context, expr: ast.AST, scope: ast.AST) -> list[tuple[ast.expr, ast.FunctionDef]]:
    key = None
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str):
        key, expr = expr.slice.value, expr.value
    bound = _field(ctx, expr.id, scope) if isinstance(expr, ast.Name) else None
    if bound is None:
        return []
    it, path = bound
    out = []
    for p in loader_paths(ctx, it, []):
        view = loader_view(ctx, p.call)
        cf = kwarg(view, "collate_fn") if view is not None else None
        fn = _collate_function(ctx, cf) if cf is not None else _getitem(ctx, arg(view, 0, "dataset") if view is not None else None)
        if fn is None:
            return []
        for r in walk_scope(fn):
            if isinstance(r, ast.Return) and r.value is not None:
                value = _at(r.value, path, key)
                if value is None:
                    return []
                out.append((value, fn))
    return out


MOVES = ("to", "cuda", "cpu", "contiguous", "pin_memory", "non_blocking")


def _field(ctx: Context, name: str, scope: ast.AST, depth: int = 0) -> tuple[ast.expr, tuple[int, ...]] | None:
    """(loader expression, place in its batch) for a name holding part of a batch: bound by the
    loop over the loader, or unpacked from such a name (`src, mask, y = batch`); re-binding it
    moved to a device (`mask = mask.to(device)`) keeps the field."""
    binds = [a for a in ctx.assigns_in(scope).get(name, []) if not _moved(a, name)]
    if not binds:
        return _bound_by_loop(scope, name)
    if len(binds) > 1 or depth > 2 or not isinstance(binds[0], ast.Assign) or len(binds[0].targets) != 1:
        return None
    place = _place(binds[0].targets[0], name)
    src = binds[0].value
    if isinstance(src, (ast.ListComp, ast.GeneratorExp)) and len(src.generators) == 1:  # (t.to(dev) for t in batch)
        src = src.generators[0].iter
    if not place or not isinstance(src, ast.Name):
        return None
    inner = _field(ctx, src.id, scope, depth + 1)
    return (inner[0], (*inner[1], *place)) if inner else None


def _moved(a: ast.AST, name: str) -> bool:
    """`name = name.to(device)`, `tok, name = tok.to(d), name.to(d)` or
    `name = {k: v.to(device) for k, v in name.items()}`."""
    v = paired_element(a, name)
    if isinstance(v, ast.DictComp) and len(v.generators) == 1:
        v = v.generators[0].iter.func.value if method(v.generators[0].iter) == "items" else None  # type: ignore[attr-defined]
    while isinstance(v, ast.Call) and method(v) in MOVES:
        v = v.func.value  # type: ignore[attr-defined]
    return isinstance(v, ast.Name) and v.id == name


def paired_element(n: ast.AST, name: str) -> ast.AST | None:
    """The value `name` gets from an assignment: `m = v`, or the paired element of `x, m = a, v`."""
    if targets_of(n) == [name]:
        return n.value  # type: ignore[attr-defined]
    tgt, val = (n.targets[0], n.value) if isinstance(n, ast.Assign) and len(n.targets) == 1 else (None, None)
    if isinstance(tgt, ast.Tuple) and isinstance(val, ast.Tuple) and len(tgt.elts) == len(val.elts):
        return next((v for t, v in zip(tgt.elts, val.elts, strict=False) if isinstance(t, ast.Name) and t.id == name), None)
    return None


def _getitem(ctx: Context, ds: ast.AST | None) -> ast.FunctionDef | None:
    """`__getitem__` of the dataset class of this file a loader reads (`DataLoader(PadSet(...))`)."""
    if isinstance(ds, ast.Name):
        values = ctx.values.get(ds.id, [])
        ds = values[0] if len(values) == 1 else None
    if not isinstance(ds, ast.Call):
        return None
    cls = [c for c in ctx.classes if c.name == last(callee(ds))]
    items = [f for c in cls for f in c.body if isinstance(f, ast.FunctionDef) and f.name == "__getitem__"]
    return items[0] if len(cls) == 1 and len(items) == 1 else None


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
    return local_function(ctx, name) if name and "." not in name else None


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
