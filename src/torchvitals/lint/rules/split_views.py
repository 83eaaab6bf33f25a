"""The order a DataLoader gets from per-split settings it unpacks under a split variable.

Config-driven scripts keep every split's loader settings in one dict and build the loaders with
`**`: `{split: DataLoader(sets[split], **kw) for split, kw in cfg["loaders"].items()}`, or
`DataLoader(ds, **cfg["loaders"][split])` in a builder called as `build_loader(ds, "eval", cfg)`.
`loader_view` cannot spell such a `**` out (its dict depends on the split), so the loader's order
looks unknown. Once the split is known (the key a loop reads, `loaders["train"]`, or the constant
a builder's call passes), the unpacked dict is a constant-key lookup like any other setting, and
its root is followed through the callers (`build_loaders(CFG, sets)`, `def main(cfg=CFG)`) by
pairing.setting_through_callers. A key the dict does not have is the DataLoader's default
(`shuffle=False`, no sampler): that is how a split without `shuffle` is read."""

from __future__ import annotations

import ast
import copy

from torchvitals.lint.engine import Context, callee, dotted, is_const, kwarg, method, walk_scope
from torchvitals.lint.rules.loaders import _written_into, dict_items, loader_view
from torchvitals.lint.rules.pairing import (
    COMPREHENSIONS,
    _substituted,
    _Swap,
    root_name,
    setting_through_callers,
)
from torchvitals.lint.syntax import passed, walk

# The DataLoader keywords that set the order, with their defaults.
ORDER_KEYS = (("shuffle", False), ("sampler", None), ("batch_sampler", None))


def split_view(ctx: Context, call: ast.Call, split: str | None, sites: tuple[ast.Call, ...] = ()) -> ast.Call | None:
    """The DataLoader `call` makes for `split` (the key it is read under, if known; else what
    the builder calls in `sites` pass), with each `**` unpacked per split replaced by the order
    keywords its dict gives; None when a `**` cannot be read for that split."""
    view = loader_view(ctx, call)
    if view is None or not any(k.arg is None for k in view.keywords):
        return None
    given = {k.arg for k in view.keywords if k.arg}
    keywords = [k for k in view.keywords if k.arg]
    for k in view.keywords:
        if k.arg is not None:
            continue
        unpacked = _for_split(ctx, call, k.value, split, sites)
        if unpacked is None:
            return None
        for key, default in ORDER_KEYS:
            if key in given:
                continue
            got = ast.Call(func=ast.Attribute(value=unpacked, attr="get", ctx=ast.Load()),
                           args=[ast.Constant(value=key), ast.Constant(value=default)], keywords=[])  # fmt: skip
            found = setting_through_callers(ctx, got, ctx.scope_of(call))
            if not isinstance(found, ast.Constant):
                return None
            keywords.append(ast.keyword(arg=key, value=found))
    out = ast.Call(func=ast.Name(id="DataLoader", ctx=ast.Load()), args=list(view.args), keywords=keywords)
    return ast.copy_location(out, call)


def folded_view(ctx: Context, call: ast.Call, split: str | None) -> ast.Call | None:
    """`{s: DataLoader(sets[s], shuffle=(s == "val")) for s in splits}` read as `loaders[split]`:
    the view with `shuffle=` worked out for that split when it is a test of the split variable
    (`s == "val"`, `s != "train"`, `s in ("train",)`, `not ...`); None otherwise."""
    view = loader_view(ctx, call)
    given = kwarg(view, "shuffle") if view is not None else None
    key = _loop_key(ctx, call)
    if given is None or split is None or key is None or not any(isinstance(n, ast.Name) and n.id == key for n in walk(given)):
        return None
    value = fold(given, {**_tables(ctx, given), key: split})
    if not isinstance(value, bool):
        return None
    keywords = [k for k in view.keywords if k.arg != "shuffle"]  # type: ignore[union-attr]
    out = ast.Call(func=view.func, args=list(view.args), keywords=[*keywords, ast.keyword(arg="shuffle", value=ast.Constant(value=value))])  # type: ignore[union-attr]
    return ast.copy_location(out, call)


def built_split_view(ctx: Context, call: ast.Call, split: str, site: ast.Call) -> ast.Call | None:
    """`loaders["train"]` of `{k: build_loader(sets[k], cfg["data"][k]) for k in ("train", "val")}`
    where the builder's DataLoader (`call`) reads its shuffle from a parameter (`shuffle=dcfg.get(
    "shuffle", False)`): the argument `site` passes for it, with the comprehension's key read as
    `split`, followed to its literal through the callers; the view with that shuffle, or None
    when it cannot be read for that split."""
    view = loader_view(ctx, call)
    given = kwarg(view, "shuffle") if view is not None else None
    fn = ctx.scope_of(call)
    root = root_name(given) if given is not None else None
    key = _loop_key(ctx, site)
    if root is None or key is None or not isinstance(fn, ast.FunctionDef) or callee(site).split(".")[-1] != fn.name or _rebound(fn, root.id):
        return None
    names = [a.arg for a in fn.args.args]
    if root.id not in names or names[:1] == ["self"] or any(k.arg is None for k in view.keywords):  # type: ignore[union-attr]
        return None
    unpacked = any(isinstance(a, ast.Starred) for a in site.args) or any(k.arg is None for k in site.keywords)
    passed_arg = None if unpacked else passed(site, names.index(root.id), root.id)
    if passed_arg is None or _rebound(ctx.scope_of(site), key):
        return None
    for_split = _Swap({key: ast.Constant(value=split)}).visit(copy.deepcopy(_substituted(given, root, passed_arg)))
    found = setting_through_callers(ctx, as_lookups(_local_bound(ctx, for_split, ctx.scope_of(site))), ctx.scope_of(site))
    if not isinstance(found, ast.Constant):
        return None
    keywords = [k for k in view.keywords if k.arg != "shuffle"]  # type: ignore[union-attr]
    out = ast.Call(func=view.func, args=list(view.args), keywords=[*keywords, ast.keyword(arg="shuffle", value=found)])  # type: ignore[union-attr]
    return ast.copy_location(out, call)


# Wrappers that let a config dict be read by attribute: `SimpleNamespace(**cfg).data` is `cfg["data"]`.
SPLATTED_NAMESPACES = ("SimpleNamespace", "Namespace")
WRAPPED_NAMESPACES = ("EasyDict", "edict", "AttrDict", "Munch", "munchify", "Box", "DotMap")


class _Lookups(ast.NodeTransformer):
    """An attribute read on a namespace made from a dict, rewritten as the key lookup it is."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        self.generic_visit(node)
        c = node.value
        if not isinstance(c, ast.Call) or not isinstance(node.ctx, ast.Load):
            return node
        name = callee(c).split(".")[-1]
        splat = name in SPLATTED_NAMESPACES and not c.args and len(c.keywords) == 1 and c.keywords[0].arg is None
        wrapped = name in WRAPPED_NAMESPACES and len(c.args) == 1 and not c.keywords
        if not (splat or wrapped):
            return node
        source = c.keywords[0].value if splat else c.args[0]
        return ast.Subscript(value=source, slice=ast.Constant(value=node.attr), ctx=ast.Load())


def as_lookups(expr: ast.expr) -> ast.expr:
    """`SimpleNamespace(**cfg).data["train"].get("shuffle")` as `cfg["data"]["train"].get(...)`:
    scripts wrap the config dict to read it by attribute (`c = SimpleNamespace(**cfg)`, then
    `c.data[split]`); the setting is the same entry of the same dict literal."""
    return _Lookups().visit(copy.deepcopy(expr))  # type: ignore[no-any-return]


def _local_bound(ctx: Context, expr: ast.expr, scope: ast.AST) -> ast.expr:
    """`dc["train"].get("shuffle")` with `dc` replaced by the one value the file binds it to in
    `scope` (`dc = cfg["data"]`), so the setting's root is the function's parameter again."""
    root = root_name(expr)
    bound = ctx.values.get(root.id, []) if root is not None else []
    if root is None or len(bound) != 1 or ctx.scope_of(bound[0]) is not scope or _rebound_in_place(scope, root.id):
        return expr
    return _substituted(expr, root, bound[0])  # type: ignore[return-value]


def _rebound_in_place(scope: ast.AST, name: str) -> bool:
    """`name.update(...)`, `name[k] = v`: the dict is changed after it is bound."""
    for n in walk_scope(scope):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and dotted(n.func.value) == name and n.func.attr in ("update", "setdefault", "pop"):
            return True
        if isinstance(n, (ast.Assign, ast.AugAssign)) and any(isinstance(t, ast.Subscript) and _root(t) == name for t in getattr(n, "targets", [getattr(n, "target", None)])):
            return True
    return False


def fold(expr: ast.expr, known: dict[str, object]) -> object:
    """The value of a small test of known names and literals (`s == "val"`, `not train`,
    `s in ("a", "b") and flag`); `...` (Ellipsis) when it cannot be worked out."""
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.Name):
        return known.get(expr.id, ...)
    if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
        items = [fold(e, known) for e in expr.elts]
        return ... if ... in items else tuple(items)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        v = fold(expr.operand, known)
        return ... if v is ... else not v
    if isinstance(expr, ast.BoolOp):
        vals = [fold(v, known) for v in expr.values]
        if ... in vals:
            return ...
        return all(vals) if isinstance(expr.op, ast.And) else any(vals)
    if isinstance(expr, ast.Subscript):  # `SHUFFLE[s]` of a table of literals
        table, k = fold(expr.value, known), fold(expr.slice, known)
        return table.get(k, ...) if isinstance(table, dict) and isinstance(k, str) else ...
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
        a, b = fold(expr.left, known), fold(expr.comparators[0], known)
        if a is ... or b is ...:
            return ...
        op = expr.ops[0]
        tests = {ast.Eq: lambda: a == b, ast.NotEq: lambda: a != b, ast.In: lambda: a in b, ast.NotIn: lambda: a not in b}  # type: ignore[operator]
        container = isinstance(b, tuple) or isinstance(a, str) and isinstance(b, str)  # ("train", "dev") or a substring
        return tests[type(op)]() if type(op) in tests and (not isinstance(op, (ast.In, ast.NotIn)) or container) else ...
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in STR_TESTS and not expr.keywords:
        s, args = fold(expr.func.value, known), [fold(a, known) for a in expr.args]  # split.startswith("train")
        if isinstance(s, str) and all(isinstance(a, str) for a in args):
            return getattr(s, expr.func.attr)(*args)
    return ...


# String methods a split test may call on the split's name (`mode.lower() == "train"`).
STR_TESTS = ("startswith", "endswith", "lower", "upper", "strip", "casefold")


def _tables(ctx: Context, expr: ast.expr) -> dict[str, dict[str, object]]:
    """The tables of literals a test looks its split up in (`SHUFFLE = {"train": False, "val":
    True}` read as `shuffle=SHUFFLE[s]`): each name subscripted in `expr` that is bound once to a
    dict literal of constants the file never writes into, as a dict to fold with."""
    out = {}
    for n in walk(expr):
        if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name):
            items = dict_items(ctx, n.value)
            if items is not None and all(isinstance(v, ast.Constant) for _, v in items):
                out[n.value.id] = {k: v.value for k, v in items}  # type: ignore[attr-defined]
    return out


def shuffled_split(ctx: Context, call: ast.Call, sites: tuple[ast.Call, ...], it: ast.expr | None = None) -> str | None:
    """A loader built with `**` per split that shuffles for the split it is used as: read under a
    literal key (`for x, y in loaders["val"]`, `it`), or built by a builder every call of which on
    the way passes one split (`DataLoader(ds, **cfg["loaders"][split])` called with "eval").
    Returns that split's name, which names the loader's data as surely as a variable name; None
    when the loader does not shuffle for it or the split is not known."""
    read = it.slice.value if isinstance(it, ast.Subscript) and isinstance(it.slice, ast.Constant) and isinstance(it.slice.value, str) else None
    view = split_view(ctx, call, read, sites)
    if view is None or not is_const(kwarg(view, "shuffle"), True):
        return None
    names = [k for kw in call.keywords if kw.arg is None for k in _split_keys(ctx, call, kw.value, read, sites)]
    names += [read] if read is not None else []
    return names[0] if len(set(names)) == 1 else None


def split_data(ctx: Context, call: ast.Call, split: str | None) -> set[str]:
    """`sets` of `DataLoader(sets[split], **cfg[split])` built for an evaluation split: the
    per-split datasets, read again as `sets["val"]` where the predictions are scored."""
    ds = call.args[0] if call.args else None
    if split is None or not (isinstance(ds, ast.Subscript) and isinstance(ds.slice, ast.Name)):
        return set()
    fn = ctx.scope_of(call)
    params = [a.arg for a in fn.args.args] if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
    keyed = ds.slice.id == _loop_key(ctx, call) or ds.slice.id in params
    return {d} if keyed and (d := dotted(ds.value)) else set()


def _split_keys(ctx: Context, call: ast.Call, expr: ast.expr, read: str | None, sites: tuple[ast.Call, ...]) -> list[str]:
    """The keys a split variable stands for in `**settings[split]` (those a literal does not give)."""
    out = []
    while isinstance(expr, ast.Subscript):
        if isinstance(expr.slice, ast.Name) and (key := _key(ctx, call, expr.slice, read, sites)):
            out.append(key)
        expr = expr.value
    return out


def has_splat(ctx: Context, call: ast.Call) -> bool:
    """A DataLoader call with a `**` its view could not spell out."""
    view = loader_view(ctx, call)
    return view is not None and any(k.arg is None for k in view.keywords)


def _for_split(ctx: Context, call: ast.Call, expr: ast.expr, split: str | None, sites: tuple[ast.Call, ...]) -> ast.expr | None:
    """The unpacked expression with its split variable replaced by the split's name: the value
    variable of a loop over `settings.items()` becomes `settings["<split>"]`, a parameter used
    as a key becomes the constant the builder's call passes. None when the expression is
    changed on the way (`kw.setdefault(...)`) or its split is not known."""
    if (root := dotted(expr) or _root(expr)) and root.split(".")[0] in _written_into(ctx):
        return None
    if isinstance(expr, ast.Name):
        source = _items_source(ctx, call, expr.id)
        if source is None or split is None or _rebound(ctx.scope_of(call), expr.id):
            return None
        return ast.Subscript(value=source, slice=ast.Constant(value=split), ctx=ast.Load())
    if isinstance(expr, ast.Subscript):
        inner = _for_split(ctx, call, expr.value, split, sites) if not _constant_key(expr.value) else expr.value
        key = _key(ctx, call, expr.slice, split, sites)
        if inner is None or key is None:
            return None
        return ast.Subscript(value=inner, slice=ast.Constant(value=key), ctx=ast.Load())
    return None


def _constant_key(expr: ast.expr) -> bool:
    """`cfg["loaders"]`, `cfg`: a lookup that needs no split."""
    while isinstance(expr, ast.Subscript):
        if not (isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str)):
            return False
        expr = expr.value
    return isinstance(expr, (ast.Name, ast.Attribute))


def _root(expr: ast.expr) -> str | None:
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    return dotted(expr)


def _key(ctx: Context, call: ast.Call, key: ast.expr, split: str | None, sites: tuple[ast.Call, ...]) -> str | None:
    """A subscript's key as a constant: a literal, the key variable of the loop over the splits
    the call sits in (the split read), or a builder's parameter every call in `sites` passes the
    same literal for."""
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    if not isinstance(key, ast.Name):
        return None
    if _loop_key(ctx, call) == key.id:
        return split
    fn = ctx.scope_of(call)
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or _rebound(fn, key.id):
        return None
    names = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
    if key.id not in names:
        return None
    found = set()
    for site in (s for s in sites if callee(s).split(".")[-1] == fn.name):
        i = names.index(key.id) - (1 if names[:1] == ["self"] and isinstance(site.func, ast.Attribute) else 0)
        given = passed(site, i, key.id)
        if not (isinstance(given, ast.Constant) and isinstance(given.value, str)):
            return None
        found.add(given.value)
    return found.pop() if len(found) == 1 else None


def _loop(ctx: Context, call: ast.Call) -> ast.comprehension | ast.For | None:
    """The comprehension or `for` statement (within the call's function) the call is built in."""
    scope = ctx.scope_of(call)
    for a in ctx.ancestors(call):
        if a is scope:
            return None
        if isinstance(a, COMPREHENSIONS) and len(a.generators) == 1:
            return a.generators[0]
        if isinstance(a, ast.For):
            return a
    return None


def _loop_key(ctx: Context, call: ast.Call) -> str | None:
    """The key variable of `for split, kw in settings.items()` (or `for split in settings`),
    counted or not (`for i, (split, n) in enumerate(sizes.items())`)."""
    loop = _loop(ctx, call)
    t, it = _uncounted(loop.target, loop.iter) if loop is not None else (None, None)
    if isinstance(t, ast.Tuple) and len(t.elts) == 2 and isinstance(it, ast.Call) and method(it) == "items":
        t = t.elts[0]
    return t.id if isinstance(t, ast.Name) else None


def _uncounted(target: ast.expr, it: ast.expr) -> tuple[ast.expr, ast.expr]:
    """The loop's target and iterable with a counter taken off: `i, (split, kw)` over
    `enumerate(settings.items())` is `split, kw` over `settings.items()`. A counter only
    numbers the items (a seed, an index); the split variable is the same."""
    if (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "enumerate" and len(it.args) == 1
            and isinstance(target, ast.Tuple) and len(target.elts) == 2):  # fmt: skip
        return target.elts[1], it.args[0]
    return target, it


def _items_source(ctx: Context, call: ast.Call, value: str) -> ast.expr | None:
    """`settings` of `for split, kw in settings.items()`, when `value` is `kw` there."""
    loop = _loop(ctx, call)
    t, it = _uncounted(loop.target, loop.iter) if loop is not None else (None, None)
    if not (isinstance(it, ast.Call) and method(it) == "items" and not it.args):
        return None
    if isinstance(t, ast.Tuple) and len(t.elts) == 2 and isinstance(t.elts[1], ast.Name) and t.elts[1].id == value:
        return it.func.value  # type: ignore[attr-defined, no-any-return]
    return None


def _rebound(scope: ast.AST, name: str) -> bool:
    """The name is assigned, or changed in place, in the scope (beyond its loop's binding)."""
    for n in walk_scope(scope):
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            tgts = n.targets if isinstance(n, ast.Assign) else [n.target]
            if any(isinstance(x, ast.Name) and x.id == name for t in tgts for x in walk(t)):
                return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and dotted(n.func.value) == name:
            if n.func.attr in ("update", "setdefault", "pop"):
                return True
    return False

