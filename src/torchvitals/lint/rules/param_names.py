"""TVL006 through parameter groups split by name: each group a comprehension over one model's
`named_parameters()` kept by a test on the name, and some parameter of the model passes the
tests of two groups:

    decay    = [p for n, p in model.named_parameters() if "bias" not in n]
    no_decay = [p for n, p in model.named_parameters() if "bias" in n or "norm" in n]
    AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}])   # norm_f.weight: both

or no group takes one (`"bias" not in n and "norm" not in n` / `"bias" in n`: norm weights in
neither, so they get gradients and never change).

The names are those the model class of this file gives its parameters (param_routes.py reads
them: `self.norm_f = nn.LayerNorm(d)` -> "norm_f.weight", "norm_f.bias", one level of
sub-module classes deep); a test this module cannot decide for a name (a test on the tensor,
an unknown suffix) leaves that name out of the verdict, so only a decidable overlap is reported.
optimizers.py reports what this finds."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import FUNCS, functions
from torchvitals.lint.engine import Context, callee, dotted, walk_scope
from torchvitals.lint.rules.param_groups import _frozen_anywhere, runs_with_grad
from torchvitals.lint.rules.param_loops import looped_groups, name_filter, params_value
from torchvitals.lint.rules.param_routes import _model_class, _parameter_names, _test
from torchvitals.lint.syntax import walk


def doubly_grouped(ctx: Context, ctor: ast.Call) -> tuple[str, str] | None:
    """(the model, a parameter name two name-split groups of `ctor` both take), else None."""
    found = _split_model(ctx, ctor)
    if found is None:
        return None
    model, cls, groups, _ = found
    for name in _full_names(ctx, cls):
        # one comprehension read once per configured word (param_loops.py) may stand for groups
        # of different calls: only groups written apart are known to be built together
        if len({id(comp) for _, (var, tests), comp in groups if all(_test(t, var, name) is True for t in tests)}) >= 2:
            return model, name
    return None


def ungrouped(ctx: Context, ctor: ast.Call) -> tuple[str, str] | None:
    """(the model, a parameter name no group takes) when every group of `ctor` is split by name
    from one model and each group's tests decidably refuse the name, whose sub-module runs with
    gradients and is frozen nowhere: it gets gradients and no optimizer holds it."""
    found = _split_model(ctx, ctor, least=1)  # one group, `[{"params": decay, ...}]`, whose twin was never added
    if found is None or not found[3]:
        return None
    model, cls, groups, _ = found
    for name in _full_names(ctx, cls):
        attr = name.split(".")[0]
        refused = all(any(_test(t, var, name) is False for t in tests) for _, (var, tests), _ in groups)
        if refused and runs_with_grad(ctx, cls, attr) and not _frozen_anywhere(ctx, attr):
            return model, name
    return None


def _split_model(ctx: Context, ctor: ast.Call, least: int = 2) -> tuple[str, ast.ClassDef, list, bool] | None:
    """(the model, its class, the name-split groups, whether they are all of `ctor`'s groups),
    when there are at least `least` such groups."""
    groups, total = _name_split_groups(ctx, ctor)
    if len(groups) < least or len({model for model, _, _ in groups}) != 1:
        return None
    model, _, at = groups[0]
    cls_name = _model_class(ctx, model, at, 0)
    cls = next((c for c in ctx.classes if c.name == cls_name), None)
    return (model, cls, groups, len(groups) == total) if cls is not None else None


def _name_split_groups(ctx: Context, ctor: ast.Call) -> tuple[list[tuple[str, tuple[str, list[ast.expr]], ast.AST]], int]:
    """The groups of `ctor` that are name-filtered comprehensions over `X.named_parameters()`:
    (X, (the name variable, the tests), the comprehension); and how many groups there are."""
    listing = _group_list(ctx, ctor.args[0] if ctor.args else None, ctor)
    if not (isinstance(listing, ast.List) and listing.elts) and ctor.args and (looped := looped_groups(ctx, ctor.args[0], ctor)) is not None:
        return looped, len(looped)
    elts = listing.elts if isinstance(listing, ast.List) else []
    out = []
    for g in elts:
        params = params_value(g)
        comp = _bound(ctx, params, g) if isinstance(params, ast.Name) else params
        found = name_filter(comp)
        if found is not None:
            out.append((found[0], found[1], comp))
    return out, len(elts)


def _group_list(ctx: Context, expr: ast.AST | None, at: ast.AST) -> ast.AST | None:
    """The list literal of groups: given inline, bound once to a name, or returned by a function
    of this file (`AdamW(param_groups(model, 0.1))`)."""
    if isinstance(expr, ast.Name):
        return _bound(ctx, expr, at)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        fn = functions(ctx).get(expr.func.id)
        rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)] if isinstance(fn, FUNCS) else []
        if len(rets) == 1 and rets[0] is not None:
            return _bound(ctx, rets[0], rets[0]) if isinstance(rets[0], ast.Name) else rets[0]
    return expr


def _bound(ctx: Context, name: ast.Name, at: ast.AST) -> ast.AST | None:
    """The one value `name` is bound to in the scope of `at`."""
    found = ctx.assigns_in(ctx.scope_of(at)).get(name.id, [])
    return found[0].value if len(found) == 1 else None  # type: ignore[attr-defined]


def _full_names(ctx: Context, cls: ast.ClassDef, depth: int = 0) -> list[str]:
    """The parameter names the class gives, as far as the file shows them: leaf layers of its
    `__init__` directly, and those of a sub-module built from another class of this file."""
    out = []
    for attr, names in _parameter_names(ctx, cls):
        out += [n for n in names if n is not None]
        inner = _built_class(ctx, cls, attr)
        if inner is not None and depth < 1:
            out += [f"{attr}.{n}" for n in _full_names(ctx, inner, depth + 1)]
    return out


def _built_class(ctx: Context, cls: ast.ClassDef, attr: str) -> ast.ClassDef | None:
    """The class of this file `self.<attr> = Cls(...)` builds in `cls.__init__`."""
    for n in walk(cls):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and dotted(n.targets[0]) == f"self.{attr}" and isinstance(n.value, ast.Call):
            return next((c for c in ctx.classes if c.name == callee(n.value)), None)
    return None
