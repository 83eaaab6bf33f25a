"""Following a value into a method's parameter, for the tag tracer of TVL009.

flow's `bounds_or_args` follows a parameter of a plain function to what its callers pass.
Training code as often hands a batch, a loader or a model to a method: a trainer's loop calls
`self.training_step(batch)`, a script calls `Trainer(model).fit(train_loader)` or
`trainer = Trainer(...); trainer.fit(loader)`. When every such call of the method in this file
is found (at most three, none with `*args`/`**kwargs`), what they pass binds the parameter.
"""

from __future__ import annotations

import ast

from torchvitals.lint.calls import FUNCS, enclosing_class, instance_class
from torchvitals.lint.engine import Context, callee, dotted, passed
from torchvitals.lint.rules.flow import Bound, bounds_or_args

MAX_CALLS = 3
MAX_FORWARD_CALLS = 6  # a model is called in training, evaluation and prediction


def bounds_through_methods(ctx: Context, name: str, use: ast.AST) -> list[Bound] | None:
    """flow's `bounds_or_args`, and for a parameter of a method, what every call of that method
    on `self` or on an instance of its class passes."""
    bs = bounds_or_args(ctx, name, use)
    if bs is not None or "." in name:
        return bs
    fn = ctx.scope_of(use)
    if not isinstance(fn, FUNCS) or not isinstance(ctx.parent.get(fn), ast.ClassDef) or fn.name == "__init__":
        return None
    memo = ctx.memo.setdefault("method_arg_bounds", {})
    key = (id(fn), name)
    if key not in memo:
        memo[key] = _method_arg_bounds(ctx, fn, name)
    return memo[key]


def _calls_on(ctx: Context, cls: ast.ClassDef, method_name: str) -> list[ast.Call]:
    """`self.m(...)` inside the class, `Cls(...).m(...)` and `obj.m(...)` with obj an instance."""
    out = []
    for c in ctx.calls:
        f = c.func
        if not (isinstance(f, ast.Attribute) and f.attr == method_name):
            continue
        recv = f.value
        if isinstance(recv, ast.Name) and recv.id == "self":
            ok = enclosing_class(ctx, c) is cls
        elif isinstance(recv, ast.Call):
            ok = callee(recv) == cls.name
        elif isinstance(recv, ast.Name):
            ok = instance_class(ctx, recv.id, c) == cls.name
        else:
            ok = False
        if not ok and _other_object(ctx, recv):
            continue  # `self.opt.step()` next to the trainer's own `step(batch)`
        if not ok:
            return []  # a call of a same-named method on something else: not every caller is known
        out.append(c)
    return out + _module_calls(ctx, cls) if method_name == "forward" and cls.name in ctx.module_classes else out


def _module_calls(ctx: Context, cls: ast.ClassDef) -> list[ast.Call]:
    """`model(x, y)` with `model` an instance of the module class (or `self(x)` inside it):
    calling a module runs its `forward` with these arguments."""
    out = []
    for c in ctx.calls:
        f = c.func
        if isinstance(f, ast.Name) and (f.id == "self" and enclosing_class(ctx, c) is cls or instance_class(ctx, f.id, c) == cls.name):
            out.append(c)
    return out


def _other_object(ctx: Context, recv: ast.AST) -> bool:
    """The receiver is an optimizer, scheduler, scaler, loss or torch module of this file: its
    methods are not the class's, whatever they are called."""
    key = dotted(recv)
    if not key:
        return False
    return key in ctx.optimizers or key in ctx.schedulers or key in ctx.scalers or key in ctx.losses or key in ctx.modules


def _method_arg_bounds(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> list[Bound] | None:
    cls = ctx.parent.get(fn)
    params = [p.arg for p in [*fn.args.posonlyargs, *fn.args.args]][1:]
    if name not in params or not isinstance(cls, ast.ClassDef):
        return None
    pos = params.index(name)
    calls = _calls_on(ctx, cls, fn.name)
    if not calls or len(calls) > (MAX_FORWARD_CALLS if fn.name == "forward" else MAX_CALLS):
        return None
    out = []
    for c in calls:
        if any(isinstance(x, ast.Starred) for x in c.args) or any(k.arg is None for k in c.keywords):
            return None
        given = passed(c, pos, name) or _default(fn, name)  # model(x) leaves `y=None` at its default
        if given is None:
            return None
        out.append(Bound(given))
    return out


def _default(fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> ast.expr | None:
    """The default value of a positional parameter, when it has one."""
    params = [*fn.args.posonlyargs, *fn.args.args]
    k = next((i for i, p in enumerate(params) if p.arg == name), None)
    first_default = len(params) - len(fn.args.defaults)
    return fn.args.defaults[k - first_default] if k is not None and k >= first_default else None
