"""Models whose output has one column, (B, 1), for the tag tracer of TVL009 (tensor_tags.py):
a module ending in `nn.Linear(..., 1)` (directly, after elementwise layers of a Sequential, built
by a helper of this file, wrapped by `torch.compile`/DataParallel, or a class of this file whose
forward returns such an output), reached through names, attributes and parameters."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager

from torchvitals.lint.calls import functions
from torchvitals.lint.engine import Context, arg, callee, dotted, last, method, walk_scope
from torchvitals.lint.rules.batch_items import Tags
from torchvitals.lint.rules.config_branches import literal_value
from torchvitals.lint.rules.flow import enclosing_class
from torchvitals.lint.rules.layer_lists import sequential_layers
from torchvitals.lint.rules.method_args import bounds_through_methods
from torchvitals.lint.rules.tensor_facts import (
    COLUMN,
    ELEMENTWISE_MODULES,
    MAX_DEPTH,
    MODULE_KEEP,
    WRAPPERS,
    _int_const,
)
from torchvitals.lint.rules.values import Made, possible


def helper_returns(ctx: Context, call: ast.Call) -> list[ast.expr] | None:
    """What a call of a module-level function of this file returns (every `return`'s value; an
    empty list when one returns nothing); None when the call is not one. A value built in a
    helper (`y = torch.tensor(..., dtype=torch.float32); return x, y`) keeps its tags."""
    fn = functions(ctx).get(call.func.id) if isinstance(call.func, ast.Name) else None
    if fn is None:
        return None
    memo = ctx.memo.setdefault("helper_returns", {})
    if id(fn) not in memo:  # asked for every call the tracer meets: each helper is walked once
        rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)]
        memo[id(fn)] = [] if not rets or any(r is None for r in rets) else rets
    return memo[id(fn)]


def column_module(ctx: Context, func: ast.AST, depth: int, tags: Tags) -> bool:
    """The callable is a module whose output has one column: ends in `nn.Linear(..., 1)`."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(func, ast.Call):  # nn.Linear(8, 1)(x)
        return _column_ctor(ctx, func, depth + 1, tags)
    name = dotted(func)
    if name is None:
        return False
    if name == "self":
        cls = enclosing_class(ctx, func)
        cls = ctx.memo.get("self_as", {}).get(id(cls), cls)  # a base-class method read for a subclass
        return cls is not None and _column_class(ctx, cls, depth + 1, tags)
    bs = bounds_through_methods(ctx, name, func)
    if bs and all(not b.index and not b.loop for b in bs):
        return all(_column_ctor(ctx, b.value, depth + 1, tags) for b in bs)  # type: ignore[union-attr]
    return _made_column(ctx, func, depth, tags)


def _made_column(ctx: Context, func: ast.AST, depth: int, tags: Tags) -> bool:
    """The modules a name may hold as the shared evaluator reads them (unpacked from a tuple,
    `self.net, self.opt = net, opt`, given by every caller of a trainer's constructor): each a
    construction whose output has one column."""
    vals = possible(ctx, func)
    return bool(vals) and all(isinstance(v, Made) and isinstance(v.node, ast.Call) and _column_ctor(ctx, v.node, depth + 1, tags) for v in vals)  # type: ignore[union-attr]


def _column_ctor(ctx: Context, value: ast.AST, depth: int, tags: Tags) -> bool:
    while isinstance(value, ast.Call) and method(value) in MODULE_KEEP:
        value = value.func.value  # type: ignore[attr-defined]  # nn.Linear(8, 1).to(device)
    if isinstance(value, (ast.Name, ast.Attribute)):
        return column_module(ctx, value, depth + 1, tags)
    if not isinstance(value, ast.Call) or depth > MAX_DEPTH:
        return False
    cls = last(callee(value))
    if cls in WRAPPERS and value.args:  # torch.compile(model), nn.DataParallel(model)
        return _column_ctor(ctx, value.args[0], depth + 1, tags)
    if cls == "Linear":
        return _is_one(ctx, arg(value, 1, "out_features"), depth + 1)
    if cls == "LazyLinear":
        return _is_one(ctx, arg(value, 0, "out_features"), depth + 1)
    if cls == "Sequential":
        layers = sequential_layers(ctx, value)  # its arguments, a built list, an OrderedDict
        if not layers:
            return False
        while len(layers) > 1 and isinstance(layers[-1], ast.Call) and last(callee(layers[-1])) in ELEMENTWISE_MODULES:
            layers.pop()
        return _column_ctor(ctx, layers[-1], depth + 1, tags)
    if (given := _passed_through(ctx, value)) is not None:  # layer_init(nn.Linear(64, 1), std=1.0)
        return _column_ctor(ctx, given, depth + 1, tags)
    if rets := helper_returns(ctx, value):  # model = make_mlp(16, 64): what the builder returns
        return all(_column_ctor(ctx, r, depth + 1, tags) for r in rets)
    if cls in ctx.module_classes:
        first = ctx.memo.get(("first_class", cls))
        if first is None:
            first = ctx.memo[("first_class", cls)] = next(c for c in ctx.classes if c.name == cls)
        return _column_class(ctx, first, depth + 1, tags)
    return False


def _is_one(ctx: Context, node: ast.AST | None, depth: int) -> bool:
    """The literal 1, or a name every binding of which is 1: `nn.Linear(hidden, output_size)` in
    `__init__(self, ..., output_size=1)` that no construction overrides; or a config field that
    reads back to 1 (a dataclass default no construction or assignment changes)."""
    if _int_const(node) == 1:
        return True
    if isinstance(node, ast.Attribute):  # nn.Linear(cfg.hidden, cfg.out_dim) with a config default of 1
        return _int_const(literal_value(ctx, node, ctx.scope_of(node))) == 1
    if not isinstance(node, ast.Name) or depth > MAX_DEPTH:
        return False
    bs = bounds_through_methods(ctx, node.id, node)
    return bool(bs) and all(not b.index and not b.loop and _is_one(ctx, b.value, depth + 1) for b in bs)  # type: ignore[union-attr]


def _column_class(ctx: Context, cls: ast.ClassDef, depth: int, tags: Tags) -> bool:
    """Every `return` of the class's `forward` gives a one-column output."""
    for fn in cls.body:
        if isinstance(fn, ast.FunctionDef) and fn.name == "forward":
            rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)]
            return bool(rets) and all(r is not None and COLUMN in tags(ctx, r, depth + 1) for r in rets)
    return False


def _passed_through(ctx: Context, call: ast.Call) -> ast.expr | None:
    """The argument a helper of this file hands back unchanged: `def layer_init(layer, std):
    nn.init.orthogonal_(layer.weight, std); return layer` returns the module it was given, so
    `layer_init(nn.Linear(64, 1))` is that Linear. None when the helper returns anything else or
    rebinds the parameter it returns."""
    fn = functions(ctx).get(call.func.id) if isinstance(call.func, ast.Name) else None
    rets = helper_returns(ctx, call) if fn is not None else None
    if not rets or not all(isinstance(r, ast.Name) and r.id == rets[0].id for r in rets):  # type: ignore[attr-defined]
        return None
    name = rets[0].id  # type: ignore[attr-defined]
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]  # type: ignore[union-attr]
    if name not in params or any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in walk_scope(fn)):  # type: ignore[arg-type]
        return None
    return arg(call, params.index(name), name)


def method_returns(ctx: Context, call: ast.Call) -> tuple[list[ast.expr], ast.ClassDef, ast.ClassDef] | None:
    """What `obj.m(...)` returns when `obj` is, as the shared evaluator reads it, always an
    instance of one class of this file and `m` a method that class defines or inherits from a
    base class of this file (`model.predict(batch)` with `predict` in `BaseForecaster` returning
    `self(batch["x"])`): every return's value, the class defining `m`, the instance's class.
    None for anything else, or a method with a bare `return`."""
    f = call.func
    if not isinstance(f, ast.Attribute):
        return None
    classes = {c.name: c for c in ctx.classes}
    if isinstance(f.value, ast.Name) and f.value.id == "self":
        cls = _self_class(ctx, call, f.attr)
        return _defined_returns(cls, f.attr, classes) if cls is not None else None
    vals = possible(ctx, f.value)
    names = {callee(v.node) for v in vals or () if isinstance(v, Made) and isinstance(v.node, ast.Call)}
    if not vals or len(names) != 1 or not all(isinstance(v, Made) for v in vals) or next(iter(names)) not in classes:
        return None
    return _defined_returns(classes[next(iter(names))], f.attr, classes)


def _self_class(ctx: Context, call: ast.Call, name: str) -> ast.ClassDef | None:
    """The class `self` is an instance of in `self.name(...)`: the one a base-class method is
    being read for (`self_as`), else the enclosing class when no class of this file derived from
    it defines `name` again (an override would make the call another method's)."""
    cls = enclosing_class(ctx, call)
    if cls is None:
        return None
    inst = ctx.memo.get("self_as", {}).get(id(cls))
    if inst is not None:
        return inst
    derived = [c for c in ctx.classes if c is not cls and any(dotted(b) == cls.name for b in c.bases)]
    if any(isinstance(b, ast.FunctionDef) and b.name == name for c in derived for b in c.body):
        return None
    return cls


def _defined_returns(cls: ast.ClassDef, name: str, classes: dict[str, ast.ClassDef]) -> tuple[list[ast.expr], ast.ClassDef, ast.ClassDef] | None:
    """The returns of method `name` of `cls` or of the base class of this file it inherits it from."""
    owner, seen = cls, set()
    while owner is not None and id(owner) not in seen:
        seen.add(id(owner))
        fn = next((b for b in owner.body if isinstance(b, ast.FunctionDef) and b.name == name), None)
        if fn is not None:
            rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)]
            return (rets, owner, cls) if rets and all(r is not None for r in rets) else None  # type: ignore[return-value]
        bases = [classes.get(dotted(b) or "") for b in owner.bases]
        owner = bases[0] if len(bases) == 1 else None
    return None


@contextmanager
def self_as(ctx: Context, owner: ast.ClassDef, cls: ast.ClassDef) -> Iterator[None]:
    """While a base-class method is read for an instance of `cls`, `self` in it is that instance
    (its `self(x)` runs the subclass's forward)."""
    table = ctx.memo.setdefault("self_as", {})
    before = table.get(id(owner))
    table[id(owner)] = cls
    try:
        yield
    finally:
        if before is None:
            table.pop(id(owner), None)
        else:
            table[id(owner)] = before
