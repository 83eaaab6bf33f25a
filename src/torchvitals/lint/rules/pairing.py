"""TVL015/TVL017 helpers: what a builder's or a helper's callers give it.

- A builder's `DataLoader(ds, shuffle=cfg["shuffle"])` is judged at each call with what that
  call passes (`build_dataloader(ds, LOADER_CFG["train"])`, the dict literal saying False).

- A helper that pairs two of its own parameters (`roc_auc(y_true, y_score)` indexing `y_true`
  by an order computed from `y_score`; `write_submission(df, probs)` building a DataFrame of
  both) pairs whatever its callers pass for them.
- A loader built inside a builder (`make_test_loader(df, bs)`) names its data by the builder's
  parameters; the callers name it by what they pass (`make_test_loader(test_df, 64)`)."""

from __future__ import annotations

import ast
import copy

from torchvitals.lint.calls import functions
from torchvitals.lint.engine import (
    Context,
    arg,
    callee,
    dotted,
    is_const,
    kwarg,
    last,
    method,
    passed,
    targets_of,
    walk_scope,
)
from torchvitals.lint.options import setting
from torchvitals.lint.rules.flow import bounds_at
from torchvitals.lint.rules.loaders import (
    EVAL_WORDS,
    WORD,
    call_sites,
    dict_items,
    element,
    loader_view,
    local_function,
)
from torchvitals.lint.syntax import walk

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def pairs_params(ctx: Context, call: ast.Call, mentions, derived, metric) -> bool:  # type: ignore[no-untyped-def]
    """The call runs a function of this file that pairs two of its parameters inside."""
    fn = functions(ctx).get(callee(call)) if isinstance(call.func, ast.Name) else None
    if not isinstance(fn, ast.FunctionDef):
        return False
    memo = ctx.memo.setdefault("pairs_params", {})
    if id(fn) not in memo:
        memo[id(fn)] = _pairs_inside(fn, mentions, derived, metric)
    return memo[id(fn)]


def _pairs_inside(fn: ast.FunctionDef, mentions, derived, metric) -> bool:  # type: ignore[no-untyped-def]
    params = [a.arg for a in fn.args.args if a.arg not in ("self", "model", "path", "out_path")]
    if len(params) < 2:
        return False
    body = list(fn.body)
    sides = {p: derived(body, {p}) for p in params}
    for n in walk_scope(fn):
        operands: list[ast.AST] = []
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], (ast.Eq, ast.NotEq)):
            operands = [n.left, n.comparators[0]]
        elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub):
            operands = [n.left, n.right]
        elif isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Load):
            operands = [n.value, n.slice]
        elif isinstance(n, ast.Call) and (metric(last(callee(n)) or "") or (last(callee(n)) or method(n)) in ("zip", "DataFrame", "column_stack", "stack")):
            operands = [v for a in [*n.args, *(k.value for k in n.keywords)] for v in (a.values if isinstance(a, ast.Dict) else [a])]
        owners = [{p for p, s in sides.items() if mentions(o, s)} for o in operands]
        singles = [o.pop() for o in owners if len(o) == 1]
        if len(set(singles)) >= 2:
            return True
    return False


def caller_names(ctx: Context, loader: ast.Call, partners: set[str], via: tuple[ast.Call, ...] = ()) -> set[str]:
    """Partners named by a builder's parameters, renamed to what each call of the builder passes;
    only the calls in `via` when the loader was reached through some (one builder for every
    split: `get_loader(test_df)` names the test data, `get_loader(train_df)` does not)."""
    fn = ctx.scope_of(loader)
    if isinstance(fn, ast.FunctionDef) and fn.name == "__init__" and isinstance(ctx.parent.get(fn), ast.ClassDef):
        return _constructor_names(ctx, fn, partners)
    if not isinstance(fn, ast.FunctionDef) or ctx.parent.get(fn) is not ctx.tree:
        return set()
    params = [a.arg for a in fn.args.args]
    out: set[str] = set()
    calls = [c for c in ctx.calls if isinstance(c.func, ast.Name) and c.func.id == fn.name]
    calls = [c for c in calls if c in via] or calls
    for c in calls:
        for p in partners:
            head, _, rest = p.partition(".")
            if head not in params:
                continue
            i = params.index(head)
            given = passed(c, i, head)
            name = dotted(given) if given is not None else None
            if name:
                out.add(f"{name}.{rest}" if rest else name)
    return out


def _constructor_names(ctx: Context, init: ast.FunctionDef, partners: set[str]) -> set[str]:
    """A loader built in a class's `__init__` from its parameters (`Evaluator(model, valid_df)`
    with `DataLoader(Rows(frame), ...)` inside): what each construction passes names the data."""
    params = {a.arg for a in init.args.args}
    out: set[str] = set()
    for p in partners:
        head, _, rest = p.partition(".")
        if head not in params or head == "self":
            continue
        for _, given in call_sites(ctx, init, head):
            if name := dotted(given):
                out.add(f"{name}.{rest}" if rest else name)
    return out


def unshuffled_by_callers(ctx: Context, loader: ast.Call, shuffle: ast.AST, doc) -> None:  # type: ignore[no-untyped-def]
    """`shuffle=` read from a builder's parameter (`cfg["shuffle"]`, `cfg.get("shuffle", False)`,
    `shuffle`): each call of the builder whose argument makes it False and whose result is for
    the training split (bound to a training name, or built in a loop over a per-split config
    for its training key)."""
    negated = isinstance(shuffle, ast.UnaryOp) and isinstance(shuffle.op, ast.Not)  # `shuffle=not eval_mode`
    shuffle = shuffle.operand if negated else shuffle  # type: ignore[attr-defined]
    root = root_name(shuffle)  # `cfg["shuffle"]`, `cfg.get("shuffle", False)`, `getattr(cfg, "shuffle", False)`
    fn = ctx.scope_of(loader)
    if not (isinstance(root, ast.Name) and isinstance(fn, ast.FunctionDef) and ctx.parent.get(fn) is ctx.tree):
        return
    params = [a.arg for a in fn.args.args]
    if root.id not in params and (inlined := _through_local(fn, shuffle, root, params)) is not None:
        shuffle, root = inlined  # `c = cfg[split]` ... `shuffle=c.get("shuffle", False)`
    if root.id not in params or kwarg(loader, "sampler") is not None:
        return
    i = params.index(root.id)
    for c in ctx.calls:
        if not (isinstance(c.func, ast.Name) and c.func.id == fn.name):
            continue
        given_arg = passed(c, i, root.id)
        if given_arg is None and not any(k.arg is None for k in c.keywords):
            given_arg = default_of(fn, root.id)
        for given, names in _per_split(ctx, c, given_arg):
            if "train" not in names or any(w in names for w in ("val", "test", "eval")):
                continue
            value = given if shuffle is root else _substituted(shuffle, root, given)
            value = _Swap(_other_args(fn, c, root.id)).visit(copy.deepcopy(value))  # `split` -> "train"
            value = setting_through_callers(ctx, value, ctx.scope_of(c))  # `main(cfg)` run as `main(CFG)`: read on
            if is_const(value, negated):  # `not x` with x True: shuffle is False
                said = f"not {ast.unparse(given)}" if negated else ast.unparse(given)
                ctx.report(doc, c, f"`{fn.name}(...)` builds this training DataLoader with `shuffle` taken from "
                           f"`{said}`, where it is False, and no sampler: batches come in dataset order")  # fmt: skip


def _through_local(fn: ast.FunctionDef, shuffle: ast.expr, root: ast.Name, params: list[str]) -> tuple[ast.expr, ast.Name] | None:
    """`shuffle=c.get("shuffle", False)` where the builder binds `c = cfg[split]` once, from its
    parameters: the expression with `c` spelled out, and its new root (`cfg`)."""
    bound = [n.value for n in walk_scope(fn) if isinstance(n, ast.Assign) and [dotted(t) for t in n.targets] == [root.id]]
    if len(bound) != 1 or any(isinstance(n, (ast.AugAssign, ast.AnnAssign)) and dotted(n.target) == root.id for n in walk_scope(fn)):
        return None
    new_root = bound[0]
    while isinstance(new_root, (ast.Subscript, ast.Attribute)):
        new_root = new_root.value
    if not (isinstance(new_root, ast.Name) and new_root.id in params):
        return None
    return _Swap({root.id: bound[0]}).visit(copy.deepcopy(shuffle)), new_root


def _other_args(fn: ast.FunctionDef, call: ast.Call, skip: str) -> dict[str, ast.expr]:
    """The constants a builder's call passes for its other parameters (`"train"` for `split`)."""
    params = [a.arg for a in fn.args.args]
    given = list(zip(params, call.args, strict=False)) + [(k.arg, k.value) for k in call.keywords if k.arg]
    return {p: v for p, v in given if p != skip and isinstance(v, ast.Constant)}


def default_of(fn: ast.FunctionDef, param: str) -> ast.expr | None:
    """The default of `param` (`def get_loader(ds, shuffle=False)` called without it)."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    if param in [p.arg for p in positional]:
        k = [p.arg for p in positional].index(param) - (len(positional) - len(a.defaults))
        return a.defaults[k] if k >= 0 else None
    kw = [p.arg for p in a.kwonlyargs]
    return a.kw_defaults[kw.index(param)] if param in kw else None


def split_keys(ctx: Context, call: ast.Call) -> list[str]:
    """The splits a call in a loop or comprehension over split names builds for
    (`{s: DataLoader(sets[s], batch_size=8) for s in ["train", "val"]}`: 'train' and 'val')."""
    return [key for _, key in _per_split(ctx, call, ast.Constant(value=None), per_key_only=False)]


def _per_split(ctx: Context, call: ast.Call, given: ast.expr | None, per_key_only: bool = True) -> list[tuple[ast.expr, str]]:
    """(argument, the split's name) for a builder's call: the names the result is bound to, or,
    in a loop or comprehension over a per-split config (`{s: build(ds[s], cfg[s]) for s in cfg}`),
    the argument once per key of the config with the loop variable replaced by that key. With
    `per_key_only`, only an argument that reads the loop variable is split: one literal for every
    split (`build(ds[s], shuffle=False)` to extract features) says nothing of training."""
    if given is None:
        return []
    site = ctx.parent.get(call)
    bound = " ".join(targets_of(site)).lower() if isinstance(site, ast.Assign) else _paired_target(ctx, call)
    if any(w in bound for w in ("train", "val", "test", "eval")):
        return [(given, bound)]
    around = next((a for a in ctx.ancestors(call) if isinstance(a, (*COMPREHENSIONS, ast.For))), None)
    loop = around.generators[0] if isinstance(around, COMPREHENSIONS) and len(around.generators) == 1 else around
    if not isinstance(loop, (ast.comprehension, ast.For)):
        return []
    keyed = _keys_of(ctx, loop.iter)
    if keyed is None:
        return []
    d, items = keyed
    tgt = loop.target
    names = [tgt] if isinstance(tgt, ast.Name) else list(tgt.elts) if isinstance(tgt, ast.Tuple) else []
    if not names or not all(isinstance(n, ast.Name) for n in names) or len(names) > (2 if items else 1):
        return []
    loop_vars = {n.id for n in names}  # type: ignore[attr-defined]
    if per_key_only and not any(isinstance(x, ast.Name) and x.id in loop_vars for x in walk(given)):
        return []
    out = []
    for key, value in d:
        swap = {names[0].id: ast.Constant(value=key)}  # type: ignore[attr-defined]
        if len(names) == 2:
            swap[names[1].id] = value  # type: ignore[attr-defined]
        out.append((_Swap(swap).visit(copy.deepcopy(given)), key.lower()))
    return out


def _paired_target(ctx: Context, call: ast.Call) -> str:
    """`train_dl, val_dl = make(a), make(b)`: the name the call's place in the tuple binds."""
    tup = ctx.parent.get(call)
    site = ctx.parent.get(tup) if isinstance(tup, ast.Tuple) else None
    if not (isinstance(site, ast.Assign) and len(site.targets) == 1 and isinstance(t := site.targets[0], ast.Tuple)):
        return ""
    if len(t.elts) != len(tup.elts):  # type: ignore[union-attr]
        return ""
    return (dotted(t.elts[tup.elts.index(call)]) or "").lower()  # type: ignore[union-attr]


def _keys_of(ctx: Context, it: ast.expr) -> tuple[list[tuple[str, ast.expr]], bool] | None:
    """The (key, value) pairs of what a loop runs over: a dict literal (`cfg`, `cfg.keys()`,
    `cfg.items()`) or a tuple of split names (values None); and whether it takes the items."""
    items = isinstance(it, ast.Call) and method(it) == "items"
    if isinstance(it, ast.Call) and method(it) in ("items", "keys") and not it.args:
        it = it.func.value  # type: ignore[attr-defined]
    if isinstance(it, (ast.List, ast.Tuple)) and not items:  # for split in ("train", "val")
        keys = [e.value for e in it.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return ([(k, ast.Constant(value=None)) for k in keys], False) if len(keys) == len(it.elts) else None
    found = dict_items(ctx, it)
    return (found, items) if found is not None else None


def root_name(expr: ast.AST) -> ast.Name | None:
    """The name a setting is read from: `cfg` of `cfg["loader"]["shuffle"]`, `cfg.get("x")`, `cfg.x`."""
    while True:
        if isinstance(expr, ast.Call) and method(expr) == "get":
            expr = expr.func.value  # type: ignore[attr-defined]
        elif _getattr_key(expr) is not None:
            expr = expr.args[0]  # type: ignore[attr-defined]
        elif isinstance(expr, (ast.Subscript, ast.Attribute)):
            expr = expr.value
        else:
            return expr if isinstance(expr, ast.Name) else None


def setting_through_callers(ctx: Context, value: ast.AST, scope: ast.AST, depth: int = 0) -> ast.AST | None:
    """The literal a setting read in `scope` stands for, its root parameter filled in by what
    the callers of this file pass, caller after caller (`loader_cfg["shuffle"]` in
    `make_loader(ds, cfg["loader"])` in `main(cfg)` called as `main(CFG)`: `CFG["loader"]["shuffle"]`).
    Every call must give the same literal; None when any does not, or when nothing is known."""
    if isinstance(value, ast.Constant) or depth > 3:
        return value if isinstance(value, ast.Constant) else None
    found = _looked_up(ctx, value)
    if isinstance(found, ast.Constant):
        return found
    root = root_name(value)
    if root is None or not isinstance(scope, ast.FunctionDef) or root.id not in [a.arg for a in scope.args.args]:
        return None
    results = []
    for site, given in call_sites(ctx, scope, root.id):
        results.append(setting_through_callers(ctx, _substituted(value, root, given), ctx.scope_of(site), depth + 1))
    if not results and (default := default_of(scope, root.id)) is not None and ctx.parent.get(scope) is ctx.tree:
        results.append(setting_through_callers(ctx, _substituted(value, root, default), ctx.tree, depth + 1))  # `def main(cfg=CFG)`
    literals = {r.value for r in results if isinstance(r, ast.Constant)}
    return results[0] if results and len(literals) == 1 and all(isinstance(r, ast.Constant) for r in results) else None


class _Swap(ast.NodeTransformer):
    """Loop variables replaced by what they hold for one key."""

    def __init__(self, swap: dict[str, ast.expr]) -> None:
        self.swap = swap

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.swap.get(node.id, node)


def _looked_up(ctx: Context, value: ast.AST) -> ast.AST | None:
    """What a setting says (`CFG["train"]["shuffle"]`), and for `d.get("shuffle", default)` on a
    dict literal the file shows: the entry, or the default when the literal has no such key."""
    if (key := _getattr_key(value)) is not None:
        ns = _namespace(ctx, value.args[0])  # type: ignore[attr-defined]
        default = value.args[2] if len(value.args) > 2 else None  # type: ignore[attr-defined]
        if ns is None or any(isinstance(t, ast.Attribute) and t.attr == key for n in ctx.assigns for t in getattr(n, "targets", [])):
            return None  # `cfg.train.shuffle = True` somewhere: the literal is not the last word
        return kwarg(ns, key) or default
    if not (isinstance(value, ast.Call) and method(value) == "get" and value.args and isinstance(value.args[0], ast.Constant)):
        return setting(ctx, value)
    found = dict_items(ctx, value.func.value)  # type: ignore[attr-defined]
    if found is None:
        return None
    default = value.args[1] if len(value.args) > 1 else ast.Constant(value=None)
    return dict(found).get(value.args[0].value, default)  # type: ignore[arg-type]


def _getattr_key(expr: ast.AST) -> str | None:
    """"shuffle" of `getattr(cfg, "shuffle", False)`."""
    if isinstance(expr, ast.Call) and callee(expr) == "getattr" and len(expr.args) in (2, 3):
        key = expr.args[1]
        return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
    return None


def _namespace(ctx: Context, expr: ast.AST, depth: int = 0) -> ast.Call | None:
    """The `SimpleNamespace(...)` call an expression stands for: a name bound once to one, or a
    field of one (`CFG.data.train`), none of them given `**` (its fields are then all known)."""
    if depth > 6:
        return None
    if isinstance(expr, ast.Name):
        values = ctx.values.get(expr.id, [])
        if len(values) != 1 or any(dotted(t).startswith(f"{expr.id}.") for n in ctx.assigns for t in getattr(n, "targets", [getattr(n, "target", None)]) if t is not None and dotted(t)):
            return None  # written into somewhere: its fields are not what the literal says
        found: ast.AST | None = values[0]
    elif isinstance(expr, ast.Attribute):
        outer = _namespace(ctx, expr.value, depth + 1)
        found = kwarg(outer, expr.attr) if outer is not None else None
    else:
        return None
    if isinstance(found, ast.Call) and last(callee(found)) == "SimpleNamespace" and not found.args and all(k.arg for k in found.keywords):
        return found
    return None


def _substituted(expr: ast.AST, root: ast.Name, given: ast.expr) -> ast.AST:
    """`cfg["shuffle"]` with `cfg` replaced by what a caller passes."""
    if expr is root:
        return given
    if _getattr_key(expr) is not None:  # getattr(cfg, "shuffle", False)
        return ast.Call(func=expr.func, args=[_substituted(expr.args[0], root, given), *expr.args[1:]], keywords=[])  # type: ignore[attr-defined]
    if isinstance(expr, ast.Subscript):
        return ast.Subscript(value=_substituted(expr.value, root, given), slice=expr.slice, ctx=ast.Load())  # type: ignore[arg-type]
    if isinstance(expr, ast.Attribute):
        return ast.Attribute(value=_substituted(expr.value, root, given), attr=expr.attr, ctx=ast.Load())  # type: ignore[arg-type]
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):  # cfg.get("shuffle", False)
        return ast.Call(func=_substituted(expr.func, root, given), args=expr.args, keywords=expr.keywords)  # type: ignore[arg-type]
    return expr


def returned_dataset(ctx: Context, value: ast.expr, use: ast.AST, partners: set[str]) -> bool:
    """`ev_ds` of `tr_ds, ev_ds, tr_dl, ev_dl = make_data()` where the builder returns, at that
    place, the very dataset (a partner name) it wraps in a DataLoader (`return tr, ev,
    DataLoader(tr, ...), DataLoader(ev, ...)`): the caller's name holds the loader's data in
    its own order, whatever it is called."""
    bounds = bounds_at(ctx, value.id, use) if isinstance(value, ast.Name) else None
    for b in bounds or []:
        got = element(ctx, b.value, b.index) if not b.loop and isinstance(b.value, ast.Call) else None
        fn = local_function(ctx, callee(b.value)) if got is not None else None
        if not (isinstance(got, ast.Name) and got.id in partners and fn is not None and ctx.scope_of(got) is fn):
            continue
        if any(loader_view(ctx, c) is not None and dotted(arg(c, 0, "dataset")) == got.id for c in walk_scope(fn) if isinstance(c, ast.Call)):
            return True
    return False


# Words that say an attribute holds rows of a split (`self.test_frame`, `self.val_labels`).
ROW_WORDS = {"y", "label", "labels", "target", "targets", "df", "frame", "rows", "table", "ids", "id", "files", "paths", "names"}


def receiver_partners(ctx: Context, loader: ast.Call, sites: tuple[ast.Call, ...], partners: set[str]) -> set[str]:
    """`dm.test` and `dm.test_frame` for a loader over `self.test` that `dm.test_dataloader()`
    builds: the dataset attribute as the caller's object holds it, and the attributes the same
    class fills with rows of that split (the split's word and a word of rows in the name), which
    keep the dataset's order as surely as arrays named for the split do."""
    out: set[str] = set()
    for site in sites:
        recv = site.func.value.id if isinstance(site.func, ast.Attribute) and isinstance(site.func.value, ast.Name) else None
        fn = ctx.scope_of(loader)
        cls = ctx.parent.get(fn)
        if recv in (None, "self") or not isinstance(fn, ast.FunctionDef) or site.func.attr != fn.name or not isinstance(cls, ast.ClassDef):  # type: ignore[attr-defined]
            continue
        own = {p[5:] for p in partners if p.startswith("self.") and p.count(".") == 1}
        splits = {w.lower() for a in own for w in WORD.findall(a)} & EVAL_WORDS
        attrs = {t.attr for m in cls.body if isinstance(m, ast.FunctionDef) for n in walk_scope(m) if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Attribute) and dotted(t.value) == "self"}  # fmt: skip
        for a in attrs:
            words = {w.lower() for w in WORD.findall(a)}
            if a in own or words & splits and words & ROW_WORDS:
                out.add(f"{recv}.{a}")
    return out
