"""Finding the DataLoader behind a name, for TVL015 and TVL017.

A loader is seldom built where it is iterated: it comes through variables, tuple unpacking,
builders' returns (`get_loader(df)`), parameters filled by callers, factories
(`make_loader = partial(DataLoader, batch_size=64)`) and per-split settings splatted into the
call (`DataLoader(ds, **LOADER_CFG["test"])`). `loader_view` is the DataLoader call with what
the source says about those factories and settings filled in; `loader_paths` follows an
iterated expression back to the calls that build its loader."""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

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
    walk_scope,
)
from torchvitals.lint.options import option, setting
from torchvitals.lint.rules.evaluated_dicts import evaluated_items
from torchvitals.lint.rules.flow import bounds_at

STREAMS = ("IterableDataset", "IterDataPipe", "WebDataset")  # datasets whose order is their own
EVAL_WORDS = {"val", "valid", "validation", "test", "testing", "eval", "evaluation", "dev", "holdout", "predict",
              "pred", "prediction", "inference", "infer", "submission"}  # fmt: skip
WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_GLUED = re.compile(r"^(val|valid|test|eval)(loader|dl|set|ds|data|dataset|iter)$")  # testloader


def _is_eval_name(names: list[str]) -> bool:
    words = [w.lower() for n in names for w in WORD.findall(n)]
    if any(w.startswith("train") for w in words):
        return False
    return any(w in EVAL_WORDS or _GLUED.match(w) for w in words)


def order_given_elsewhere(c: ast.Call) -> bool:
    """A DataLoader call whose order this call does not show: a sampler or batch sampler, more
    than two positional arguments, or `**kwargs`."""
    given = [kwarg(c, k) for k in ("sampler", "batch_sampler")]  # `sampler=None` is no sampler
    return any(k.arg is None for k in c.keywords) or len(c.args) > 2 or any(g is not None and not is_const(g, None) for g in given)


def sampler_order(ctx: Context, view: ast.Call) -> str | None:
    """'sequential' or 'random' when the call's sampler (or its batch sampler's) says which:
    `SequentialSampler(ds)`, `DistributedSampler(ds, shuffle=False)`, `RandomSampler(ds)`;
    None when it shows no sampler or one whose order this file does not show."""
    s = kwarg(view, "sampler")
    bs = kwarg(view, "batch_sampler")
    if s is None and bs is not None:
        bs = _bound_once(ctx, bs)
        s = arg(bs, 0, "sampler") if isinstance(bs, ast.Call) and last(callee(bs)) == "BatchSampler" else None
    s = _bound_once(ctx, s)
    name = last(callee(s)) if isinstance(s, ast.Call) else ""
    if name == "SequentialSampler" or (name == "DistributedSampler" and is_const(kwarg(s, "shuffle"), False)):  # type: ignore[arg-type]
        return "sequential"
    return "random" if name == "RandomSampler" else None


def shuffle_of(ctx: Context, view: ast.Call) -> ast.expr | None:
    """The call's `shuffle=`, read back to its literal when it is a field of a config object this
    file builds (`cfg.shuffle` with `cfg = TrainConfig()` and `shuffle: bool = False` in the class,
    or `cfg = SimpleNamespace(shuffle=False)`)."""
    given = kwarg(view, "shuffle")
    found = _field_default(ctx, given)
    if not isinstance(found, ast.Constant):
        found = option_default(ctx, given)
    return found if isinstance(found, ast.Constant) else given


def option_default(ctx: Context, node: ast.AST | None) -> ast.Constant | None:
    """`args.shuffle` read back to what the command line gives when the flag is not passed:
    `action="store_true"` is False, `"store_false"` True, else a literal `default=`. A run that
    does not pass the flag gets that order; None when the file sets it otherwise
    (`args.shuffle = True`, `parser.set_defaults(shuffle=True)`) or the default is no literal."""
    c = option(ctx, node)
    if c is None or any(w.endswith(f".{node.attr}") for w in _written_into(ctx)):  # type: ignore[union-attr]
        return None
    if any(method(s) == "set_defaults" and kwarg(s, node.attr) is not None for s in ctx.calls):  # type: ignore[union-attr]
        return None
    action, default = kwarg(c, "action"), kwarg(c, "default")
    if default is None and isinstance(action, ast.Constant) and action.value in ("store_true", "store_false"):
        return ast.Constant(value=action.value == "store_false")
    return default if isinstance(default, ast.Constant) and isinstance(default.value, bool) else None


def config_field(ctx: Context, node: ast.AST | None) -> ast.expr | None:
    """`cfg.step_size` read back to its literal when `cfg` is a config object this file builds
    once and never writes into (a dataclass field's default, a SimpleNamespace keyword)."""
    found = _field_default(ctx, node)
    return found if isinstance(found, ast.Constant) else None


def _field_default(ctx: Context, node: ast.AST | None) -> ast.expr | None:
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
        return None
    made = _bound_once(ctx, node.value)
    if not isinstance(made, ast.Call) or any(k.arg is None for k in made.keywords) or f"{node.value.id}.{node.attr}" in _written_into(ctx):
        return None
    passed = kwarg(made, node.attr)
    if passed is not None or last(callee(made)) == "SimpleNamespace" or made.args:
        return passed
    classes = [c for c in ctx.classes if c.name == last(callee(made))]
    for st in classes[0].body if len(classes) == 1 else []:
        if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and st.target.id == node.attr:
            return st.value
        if isinstance(st, ast.Assign) and [dotted(t) for t in st.targets] == [node.attr]:
            return st.value
    return None


def _bound_once(ctx: Context, node: ast.AST | None) -> ast.AST | None:
    if isinstance(node, ast.Name):
        values = ctx.values.get(node.id, [])
        return values[0] if len(values) == 1 else None
    return node


def streamed(ctx: Context, name: str | None) -> bool:
    """`name` is bound to a streaming dataset (IterableDataset, a datapipe, WebDataset)."""
    return bool(name) and any(isinstance(v, ast.Call) and last(callee(v)).endswith(STREAMS) for v in ctx.values.get(name, []))


# ---- the DataLoader a call makes --------------------------------------------------------------


def loader_view(ctx: Context, call: ast.Call) -> ast.Call | None:
    """The DataLoader call `call` makes, as one call: a `partial(DataLoader, ...)` factory's
    arguments put in front of the call's own, and each `**cfg` whose dict literal the file
    shows spelled out as keywords. `call` itself when there is nothing to fill in; None when
    `call` makes no DataLoader. Rules read the view and report at `call`."""
    memo = ctx.memo.setdefault("loader_view", {})
    hit = memo.get(id(call))
    if hit is None or hit[0] is not call:
        hit = memo[id(call)] = (call, _view(ctx, call))
    return hit[1]


def _view(ctx: Context, call: ast.Call) -> ast.Call | None:
    front_args: list[ast.expr] = []
    front_kw: list[ast.keyword] = []
    if last(callee(call)) != "DataLoader":
        factory = _partial_factory(ctx, call)
        if factory is None:
            return None
        front_args, front_kw = factory.args[1:], factory.keywords
    elif not any(k.arg is None for k in call.keywords) and len(call.args) <= 2:
        return call
    keywords: list[ast.keyword] = []
    for k in [*front_kw, *call.keywords]:
        spelled = _dict_keywords(ctx, k.value) if k.arg is None else None
        keywords += spelled if spelled is not None else [k]
    last_of = {k.arg: i for i, k in enumerate(keywords) if k.arg}  # the call's keywords override the factory's
    keywords = [k for i, k in enumerate(keywords) if not k.arg or last_of[k.arg] == i]
    args = [*front_args, *call.args]
    if len(args) > 2 and not any(isinstance(a, ast.Starred) for a in args):  # DataLoader(ds, 64, True)
        keywords = [*(ast.keyword(arg=n, value=a) for n, a in zip(POSITIONAL[2:], args[2:], strict=False)), *keywords]
        args = args[:2]
    view = ast.Call(func=ast.Name(id="DataLoader", ctx=ast.Load()), args=args, keywords=keywords)
    return ast.copy_location(view, call)


# DataLoader's parameters in their positional order (torch.utils.data.DataLoader.__init__)
POSITIONAL = ("dataset", "batch_size", "shuffle", "sampler", "batch_sampler", "num_workers", "collate_fn", "pin_memory", "drop_last")


def _partial_factory(ctx: Context, call: ast.Call) -> ast.Call | None:
    """`make_loader(ds)` where `make_loader = functools.partial(DataLoader, ...)`, bound once."""
    if not isinstance(call.func, ast.Name):
        return None
    values = ctx.values.get(call.func.id, [])
    v = values[0] if len(values) == 1 else None
    if isinstance(v, ast.Call) and last(callee(v)) == "partial" and v.args and last(dotted(v.args[0]) or "") == "DataLoader":
        return v
    return None


def _dict_keywords(ctx: Context, expr: ast.expr) -> list[ast.keyword] | None:
    """`**expr` as keywords, when the source shows every key of the dict it unpacks."""
    items = dict_items(ctx, expr)
    return [ast.keyword(arg=k, value=v) for k, v in items] if items is not None else None


def dict_items(ctx: Context, expr: ast.AST | None) -> list[tuple[str, ast.expr]] | None:
    """The (key, value) pairs of the dict literal `expr` stands for: the literal itself (`{...}`,
    `dict(k=v)`), a name bound once to one, or a constant-key lookup into one (`CFG["train"]`);
    None when it does not show every key, or when the file writes into it after building it."""
    root = expr
    while isinstance(root, ast.Subscript):
        root = root.value
    if isinstance(root, ast.Name) and root.id in _written_into(ctx):
        return None
    d = _bound_once(ctx, expr) if isinstance(expr, ast.Name) else expr if isinstance(expr, (ast.Dict, ast.Call)) else setting(ctx, expr)
    if isinstance(d, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in d.keys):
        return [(k.value, v) for k, v in zip(d.keys, d.values, strict=True)]  # type: ignore[union-attr]
    if isinstance(d, ast.Call) and callee(d) == "dict" and not d.args and all(k.arg for k in d.keywords):
        return [(k.arg, k.value) for k in d.keywords]  # type: ignore[misc]
    return evaluated_items(ctx, expr)



def _written_into(ctx: Context) -> set[str]:
    """Names whose dict is changed after it is built (`cfg["shuffle"] = True`, `cfg.update(...)`):
    their literal no longer says what the loader gets."""
    hit = ctx.memo.get("written_into")
    if hit is None:
        hit = set()
        for n in ctx.parent:
            if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store):
                base = n.value
                while isinstance(base, ast.Subscript):
                    base = base.value
                hit.add(dotted(base) or "")
            elif isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):  # cfg.shuffle = True
                hit.add(dotted(n) or "")
            elif isinstance(n, ast.Call) and method(n) in ("update", "setdefault", "pop") and isinstance(n.func, ast.Attribute):
                hit.add(dotted(n.func.value) or "")
        ctx.memo["written_into"] = hit
    return hit


# ---- following an iterated expression back to its loader -----------------------------------


class LoaderPath(NamedTuple):
    """A call making the loader, the names met on the way there, and the calls of this file's
    builders it went through (`get_loader(test_df)`): what those calls pass names the data."""

    call: ast.Call
    names: list[str]
    sites: tuple[ast.Call, ...]


def _loader_calls(ctx: Context, expr: ast.AST, names: list[str]) -> list[tuple[ast.Call, list[str]]]:
    """The DataLoader calls an iterated expression may be, with the names met on the way."""
    return [(p.call, p.names) for p in loader_paths(ctx, expr, names)]


def loader_paths(ctx: Context, expr: ast.AST, names: list[str], depth: int = 0, sites: tuple[ast.Call, ...] = ()) -> list[LoaderPath]:
    """The calls making the loader an iterated expression may be (variables, call-site
    arguments, functions returning the loader followed), each with the way there."""
    if depth > 4:
        return []
    if isinstance(expr, ast.Call):
        if loader_view(ctx, expr) is not None:
            return [LoaderPath(expr, names, sites)]
        if method(expr) in PASS_THROUGH and len(expr.args) == 1:  # loader = accelerator.prepare(loader)
            return loader_paths(ctx, expr.args[0], names, depth + 1, sites)
        fn = local_function(ctx, callee(expr)) or instance_method(ctx, expr)  # get_loader(...) defined in this file
        if fn is None:
            return []
        rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return) and r.value is not None]
        return [x for r in rets for x in loader_paths(ctx, r, [*names, fn.name], depth + 1, (*sites, expr))]
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str):
        key = expr.slice.value  # loaders["val"] of `loaders = {"train": DataLoader(...), "val": ...}`
        items = dict_items(ctx, expr.value) if isinstance(expr.value, ast.Name) else None
        entry = next((v for k, v in items or [] if k == key), None)
        if entry is None and len(stored := stored_loaders(ctx, expr) or []) == 1:
            entry = stored[0]  # the one DataLoader(...) a dict filled per split holds
        held = [entry] if entry is not None else _held_entries(ctx, expr.value, key)
        return [x for e in held for x in loader_paths(ctx, e, [*names, dotted(expr.value) or "", key], depth + 1, sites)]
    name = dotted(expr)
    if name is None:
        return []
    names = [*names, name]
    bs = bounds_at(ctx, name, expr)
    if bs:
        out = []
        for b in bs:
            if not b.loop and (v := element(ctx, b.value, b.index)) is not None:
                via = (b.value,) if isinstance(b.value, ast.Call) and v is not b.value and local_function(ctx, callee(b.value)) else ()
                out += loader_paths(ctx, v, names, depth + 1, (*sites, *via))
        return out
    held = self_attribute(ctx, expr, name) if name.startswith("self.") and name.count(".") == 1 else None
    if held is not None:  # self.val_loader: the one value the class assigns to it
        return loader_paths(ctx, held, names, depth + 1, sites)
    fn = ctx.scope_of(expr)
    if not isinstance(fn, ast.FunctionDef) or name not in [a.arg for a in fn.args.args]:
        return []
    out = []  # a parameter: what the callers in this file pass
    for _site, passed in call_sites(ctx, fn, name):
        out += loader_paths(ctx, passed, names, depth + 1, sites)
    return out


def stored_loaders(ctx: Context, it: ast.Subscript) -> list[ast.Call] | None:
    """The calls `loaders["train"]` may read from a dict of loaders filled entry by entry: in
    the function that reads it (`loaders = {}` then `loaders[split] = DataLoader(...)` in a loop
    over the splits), or in a builder of this file that returns one (`loaders =
    build_dataloaders(sets, cfg)`; a returned dict comprehension too). Every entry stored under
    that key or under a key computed at run time is a candidate; None when one of them is not
    a DataLoader call, or when the dict cannot be followed."""
    if not (isinstance(it.slice, ast.Constant) and isinstance(it.slice.value, str) and isinstance(it.value, ast.Name)):
        return None
    stores = _dict_stores(ctx, it.value.id, it, 0)
    key = it.slice.value
    picked = [v for k, v in stores or [] if not (isinstance(k, ast.Constant) and k.value != key)]
    if not picked or any(not isinstance(v, ast.Call) or loader_view(ctx, v) is None for v in picked):
        return None
    return picked  # type: ignore[return-value]


def _held_entries(ctx: Context, held: ast.expr, key: str) -> list[ast.expr]:
    """`self.loaders["val"]` where the class keeps, under that attribute, a parameter of its
    `__init__` that each construction fills with a dict of loaders (`Trainer(model,
    build_loaders())`, the builder returning a literal or a comprehension): the entries that
    may be stored under `key` (a constant key must match; a computed one may)."""
    name = dotted(held) or ""
    value = self_attribute(ctx, held, name) if name.startswith("self.") and name.count(".") == 1 else None
    init = ctx.scope_of(value) if isinstance(value, ast.Name) else None
    if not (isinstance(init, ast.FunctionDef) and value.id in [a.arg for a in init.args.args]):  # type: ignore[union-attr]
        return []
    out = []
    for site, given in call_sites(ctx, init, value.id):  # type: ignore[union-attr]
        found = _dict_stores(ctx, given.id, given, 1) if isinstance(given, ast.Name) else _entries(ctx, given, ctx.scope_of(site), "", 1)
        out += [v for k, v in found or [] if not (isinstance(k, ast.Constant) and k.value != key)]
    return out


def _dict_stores(ctx: Context, name: str, use: ast.AST, depth: int) -> list[tuple[ast.expr, ast.expr]] | None:
    """(key, value) of every entry put into the dict `name` holds at `use`."""
    bs = bounds_at(ctx, name, use)
    if not bs or depth > 2:
        return None
    out: list[tuple[ast.expr, ast.expr]] = []
    for b in bs:
        if b.loop:
            return None
        if b.index:  # `sets, loaders = build_loaders(cfg)`: the dict the builder returns there
            found = _unpacked_entries(ctx, b.value, b.index, depth)
        else:
            found = _entries(ctx, b.value, ctx.scope_of(use), name, depth)
        if found is None:
            return None
        out += found
    return out


def _unpacked_entries(ctx: Context, value: ast.expr, index: tuple[int, ...], depth: int) -> list[tuple[ast.expr, ast.expr]] | None:
    """The entries of the dict a tuple assignment binds from a builder of this file (`splits,
    loaders = build_loaders(args)` with `return splits, loaders`): the element at `index`,
    followed to what it holds where it is returned."""
    v = element(ctx, value, index)
    if isinstance(v, ast.Name) and v is not value:
        return _dict_stores(ctx, v.id, v, depth + 1)
    return _entries(ctx, v, ctx.scope_of(v), "", depth + 1) if isinstance(v, (ast.Dict, ast.DictComp)) else None


def _entries(ctx: Context, value: ast.expr, scope: ast.AST, name: str, depth: int) -> list[tuple[ast.expr, ast.expr]] | None:
    """The entries of a dict made by `value`: a literal (filled later in `scope` by `name[k] =
    v`), a comprehension, or the dict a builder of this file returns."""
    if isinstance(value, ast.DictComp):
        return [(value.key, value.value)]
    if isinstance(value, ast.Dict) or isinstance(value, ast.Call) and callee(value) == "dict" and not value.args:
        made = list(zip(value.keys, value.values, strict=True)) if isinstance(value, ast.Dict) else [(ast.Constant(k.arg), k.value) for k in value.keywords]
        if any(k is None for k, _ in made):
            return None  # `{**other}`: entries this file does not show
        filled = _filled(scope, name)
        return made + filled if filled is not None else None  # type: ignore[operator]
    fn = local_function(ctx, callee(value)) if isinstance(value, ast.Call) else None
    if fn is None:
        return None
    out: list[tuple[ast.expr, ast.expr]] = []
    for r in walk_scope(fn):
        if not isinstance(r, ast.Return) or r.value is None:
            continue
        v = r.value
        found = _dict_stores(ctx, v.id, r, depth + 1) if isinstance(v, ast.Name) else _entries(ctx, v, fn, "", depth + 1)
        if found is None:
            return None
        out += found
    return out


def _filled(scope: ast.AST, name: str) -> list[tuple[ast.expr, ast.expr]] | None:
    """`name[k] = v` statements of the scope (in loops and branches too); None when the scope
    also fills it in ways not read here (`name.update(...)`, `name.setdefault(...)`)."""
    out = []
    for n in walk_scope(scope):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and dotted(n.func.value) == name and n.func.attr in ("update", "setdefault"):
            return None
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(t := n.targets[0], ast.Subscript) and dotted(t.value) == name:
            out.append((t.slice, n.value))
    return out


def self_attribute(ctx: Context, use: ast.AST, name: str) -> ast.expr | None:
    """The one value the methods of the class around `use` assign to `self.<attr>` (`name`)."""
    cls = ctx.parent.get(ctx.scope_of(use))
    if not isinstance(cls, ast.ClassDef):
        return None
    found = [v for m in cls.body if isinstance(m, ast.FunctionDef) for n in walk_scope(m)
             if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None and name in targets_of(n)
             for v in [_assigned_to(n, name)]]  # fmt: skip
    return found[0] if len(found) == 1 else None


def _assigned_to(n: ast.Assign | ast.AnnAssign, name: str) -> ast.expr | None:
    """The value `n` gives `name`: the whole value, or its element in `self.a, self.b = a, b`."""
    tgts = n.targets if isinstance(n, ast.Assign) else [n.target]
    if len(tgts) == 1 and dotted(tgts[0]) == name:
        return n.value
    t = tgts[0] if len(tgts) == 1 else None
    if isinstance(t, ast.Tuple) and isinstance(n.value, ast.Tuple) and len(t.elts) == len(n.value.elts):
        return next((v for e, v in zip(t.elts, n.value.elts, strict=True) if dotted(e) == name), None)
    return None


# Methods that hand back their arguments wrapped, in the order given:
# `model, opt, loader = accelerator.prepare(model, opt, loader)`.
PASS_THROUGH = ("prepare", "setup_dataloaders")


def element(ctx: Context, value: ast.expr, index: tuple[int, ...]) -> ast.expr | None:
    """What `a, b = value` binds to the target at `index`: the element of a tuple literal, or of
    the one tuple a function of this file returns (`train_dl, test_dl = build_loaders(...)`)."""
    for i in index:
        if isinstance(value, ast.Call) and method(value) in PASS_THROUGH and i < len(value.args):
            value = ast.Tuple(elts=list(value.args), ctx=ast.Load())  # returns its arguments, prepared
        if isinstance(value, ast.Call) and (fn := local_function(ctx, callee(value))) is not None:
            rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return) and r.value is not None]
            value = rets[0] if len(rets) == 1 else value
        if not isinstance(value, (ast.Tuple, ast.List)) or i >= len(value.elts) or any(isinstance(e, ast.Starred) for e in value.elts):
            return None
        value = value.elts[i]
    return value


def instance_method(ctx: Context, call: ast.Call) -> ast.FunctionDef | None:
    """`dm.test_dataloader()` on a plain name: the one method of that name the classes of this
    file define (no module function shares it), as the call that makes what it returns."""
    if not (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)) or call.func.value.id == "self":
        return None
    fns = functions_by_name(ctx).get(call.func.attr, [])
    return fns[0] if len(fns) == 1 and isinstance(ctx.parent.get(fns[0]), ast.ClassDef) else None


def local_function(ctx: Context, name: str) -> ast.FunctionDef | None:
    short = last(name)
    if not short or ("." in name and not name.startswith("self.")):
        return None
    fns = functions_by_name(ctx).get(short, [])
    return fns[0] if len(fns) == 1 else None


def functions_by_name(ctx: Context) -> dict[str, list[ast.FunctionDef]]:
    """Module-level functions and class methods by name (built once per file, not per call)."""
    index = ctx.memo.get("functions_by_name")
    if index is None:
        index = {}
        for n in walk_scope(ctx.tree):
            if isinstance(n, ast.FunctionDef):
                index.setdefault(n.name, []).append(n)
        for cls in ctx.classes:
            for n in cls.body:
                if isinstance(n, ast.FunctionDef):
                    index.setdefault(n.name, []).append(n)
        ctx.memo["functions_by_name"] = index
    return index


def call_sites(ctx: Context, fn: ast.FunctionDef, param: str) -> list[tuple[ast.Call, ast.expr]]:
    """(call, argument) for every call of `fn` in the file that passes `param`."""
    params = [a.arg for a in fn.args.args]
    out = []
    by_name = ctx.memo.get("calls_by_name")
    if by_name is None:  # the file's calls by the name called, in file order: indexed once
        by_name = ctx.memo["calls_by_name"] = {}
        for c in ctx.calls:
            by_name.setdefault(last(callee(c)), []).append(c)
    cls = ctx.parent.get(fn) if fn.name == "__init__" else None
    made = isinstance(cls, ast.ClassDef)  # `Evaluator(test_set, test_loader)` runs its __init__
    for c in by_name.get(cls.name if made else fn.name, []):  # type: ignore[union-attr]
        if any(isinstance(a, ast.Starred) for a in c.args):
            continue
        pos = params.index(param) - (1 if params[:1] == ["self"] and (made or isinstance(c.func, ast.Attribute)) else 0)
        passed = kwarg(c, param) or (c.args[pos] if 0 <= pos < len(c.args) else None)
        if passed is not None:
            out.append((c, passed))
    return out
