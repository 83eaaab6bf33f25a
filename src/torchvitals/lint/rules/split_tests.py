"""TVL015 where a shared loader builder decides the order by testing the split it is given.

`def build_loader(ds, split): return DataLoader(ds, shuffle=(split == "training"))` shuffles
only for the spelling it tests. When its callers spell the training split otherwise ("train",
from a literal, a per-split config entry, or the key of a loop over the splits), the training
loader is built unshuffled and nothing errors. Each call of the builder is judged with what it
passes for the training split: the test is folded with that literal (pairing's `_per_split`
names the split, `setting_through_callers` reads a config entry back to its literal); only a
test that comes out False for a call the source shows to be for training is reported."""

from __future__ import annotations

import ast
import copy

from torchvitals.lint.engine import Context, callee, passed, walk_scope
from torchvitals.lint.options import entry
from torchvitals.lint.rules.pairing import _per_split, default_of, setting_through_callers
from torchvitals.lint.rules.split_views import STR_TESTS, _local_bound, fold
from torchvitals.lint.syntax import walk

TESTS = (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Call)  # a call only as a string method (`_literal_test`)


def unshuffled_by_split_test(ctx: Context, loader: ast.Call, shuffle: ast.expr, doc) -> None:  # type: ignore[no-untyped-def]
    """Report each call of the builder around `loader` that builds the training split's loader
    with a split the builder's `shuffle=` test (`split == "training"`) does not accept."""
    fn = ctx.scope_of(loader)
    if not (isinstance(fn, ast.FunctionDef) and ctx.parent.get(fn) is ctx.tree):
        return
    test = _inlined(fn, shuffle)
    params = [a.arg for a in fn.args.args]
    read = {n.id for n in walk(test) if isinstance(n, ast.Name)} if isinstance(test, TESTS) else set()
    if len(read) != 1 or not read <= set(params) or not _literal_test(test):
        return
    param = read.pop()
    if _binding(ctx, fn, param):
        return  # `if split == "training": split = "train"`: the builder renames the split first
    for c in ctx.calls:
        if not (isinstance(c.func, ast.Name) and c.func.id == fn.name) or _splats(c):
            continue
        given = passed(c, params.index(param), param)
        given = default_of(fn, param) if given is None else _local_bound(ctx, given, ctx.scope_of(c))
        for value, split in _per_split(ctx, c, given):
            if "train" not in split or any(w in split for w in ("val", "test", "eval")):
                continue
            literal = value if isinstance(value, ast.Constant) else setting_through_callers(ctx, value, ctx.scope_of(c))
            literal = literal if isinstance(literal, ast.Constant) else module_entry(ctx, value, ctx.scope_of(c))
            if isinstance(literal, ast.Constant) and fold(test, {param: literal.value}) is False:
                ctx.report(doc, c, f"`{fn.name}(...)` shuffles only when `{ast.unparse(test)}`, and this call builds the "
                           f"training split's loader with {param}={literal.value!r}: the test is False, so batches "
                           "come in dataset order")  # fmt: skip
                break


def module_entry(ctx: Context, expr: ast.expr, scope: ast.AST) -> ast.AST | None:
    """`cfg["data"]["train"]["split"]` read in `scope` from the dict literal the module binds
    `cfg` to, once. Writes into other keys (`cfg["work_dir"] = args.work_dir`) leave the entry
    as written; a write on its path, a computed key, or `cfg.update(...)` leave it unknown."""
    keys: list[str] = []
    while isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str):
        keys.insert(0, expr.slice.value)
        expr = expr.value
    if not (isinstance(expr, ast.Name) and keys) or _binding(ctx, scope, expr.id) or _is_param(scope, expr.id):
        return None
    bound = _binding(ctx, ctx.tree, expr.id)
    rebound = any(isinstance(n, ast.Global) and expr.id in n.names for n in ctx.parent)  # `global cfg` in a function
    if len(bound) != 1 or rebound or any(not _other_key(w, keys) for w in _writes(ctx, expr.id)):
        return None
    d: ast.AST | None = bound[0].value  # type: ignore[attr-defined]
    for k in keys:
        d = entry(d, k) if d is not None else None
    return d


def _binding(ctx: Context, scope: ast.AST, name: str) -> list[ast.AST]:
    """The assignments in `scope` that bind `name` itself (not `name[k] = v`)."""
    return [a for a in ctx.assigns_in(scope).get(name, []) if any(isinstance(t, ast.Name) and t.id == name for t in _targets(a))]


def _writes(ctx: Context, root: str) -> list[list[str] | None]:
    """The constant key paths written under `root` (`cfg["a"]["b"] = v`: ["a", "b"]); None for
    a write this cannot spell (a computed key, `cfg.update(...)`, `cfg["a"].setdefault(...)`)."""
    out: list[list[str] | None] = []
    for n in ctx.parent:
        node, changed = None, isinstance(n, ast.Subscript) and isinstance(n.ctx, (ast.Store, ast.Del))
        if changed:
            node = n
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("update", "setdefault", "pop", "clear"):
            node, changed = n.func.value, True
        path: list[str] | None = []
        while isinstance(node, ast.Subscript):
            k = node.slice
            path = [k.value, *path] if isinstance(k, ast.Constant) and isinstance(k.value, str) and path is not None else None  # type: ignore[list-item]
            node = node.value
        if changed and isinstance(node, ast.Name) and node.id == root:
            out.append(None if isinstance(n, ast.Call) else path)
    return out


def _other_key(written: list[str] | None, read: list[str]) -> bool:
    """A write at `written` leaves the entry at `read` as the literal says: neither path holds
    the other."""
    if written is None:
        return False
    n = min(len(written), len(read))
    return written[:n] != read[:n]


def _is_param(scope: ast.AST, name: str) -> bool:
    a = getattr(scope, "args", None)
    return a is not None and name in [p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]]


def _inlined(fn: ast.FunctionDef, shuffle: ast.expr) -> ast.expr:
    """`shuffle` as the test it names: `shuffle = split == "training"` bound once in the builder."""
    if not isinstance(shuffle, ast.Name):
        return shuffle
    bound = [n for n in walk_scope(fn) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
             and any(isinstance(t, ast.Name) and t.id == shuffle.id for t in _targets(n))]  # fmt: skip
    if len(bound) != 1 or not isinstance(bound[0], ast.Assign) or len(bound[0].targets) != 1:
        return shuffle
    return copy.deepcopy(bound[0].value)


def _targets(n: ast.AST) -> list[ast.AST]:
    """What an assignment binds: its targets, tuples unpacked (not the names inside `d[k]`)."""
    todo = list(n.targets) if isinstance(n, ast.Assign) else [n.target]  # type: ignore[attr-defined]
    out = []
    while todo:
        t = todo.pop()
        out.append(t)
        todo += t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t.value] if isinstance(t, ast.Starred) else []
    return out


def _literal_test(test: ast.expr) -> bool:
    """A test made only of the parameter, string literals, and/or/not, ==, !=, in, not in: what
    fold can decide once the parameter is known, string methods on it included (`split.startswith("train")`)."""
    ok = (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Tuple, ast.List, ast.Set,
          ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.And, ast.Or, ast.Not, ast.Load)  # fmt: skip
    calls = [n for n in walk(test) if isinstance(n, ast.Call)]
    if any(not (isinstance(c.func, ast.Attribute) and c.func.attr in STR_TESTS) for c in calls):
        return False
    methods = {id(c.func) for c in calls}  # `split.lower()`: the method's attribute node is part of the test
    return all(isinstance(n, ok) or isinstance(n, ast.Call) or id(n) in methods for n in walk(test))


def _splats(call: ast.Call) -> bool:
    return any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords) or not callee(call)
