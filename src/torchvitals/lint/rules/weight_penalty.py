"""Weight penalties: helpers whose value is a number about a model's weights, never its output.

`l2(model)` returning `sum(p.pow(2).sum() for p in model.parameters())`, or a module's
`sparsity()` returning `self.l1 * self.gate.abs().sum()`, put a term on the weights into the
loss: the weights get a gradient from it, but no input runs through the model there. A model
whose forward is cut out of the loss is not made live by such a term (TVL001/TVL002, cutflow.py):
its data term still teaches it nothing.
"""

from __future__ import annotations

import ast

from torchvitals.lint.calls import resolve
from torchvitals.lint.engine import Context, callee, last, method, walk_scope
from torchvitals.lint.syntax import walk

WEIGHT_READS = {"parameters", "named_parameters"}
REDUCTIONS = {"sum", "norm", "mean", "vector_norm", "matrix_norm"}
# Calls on the weights that compute numbers from them (no module runs).
TENSOR_MATH = {
    "abs", "pow", "square", "sqrt", "sum", "mean", "norm", "exp", "log", "clamp", "view", "flatten",
    "reshape", "t", "mm", "matmul", "float", "values", "items", "numel",
}  # fmt: skip
BUILTINS = {"sum", "abs", "zip", "len", "float", "max", "min"}
NUMERIC_MODULES = ("torch.", "F.", "np.", "math.")
FREE = BUILTINS | {"torch", "F", "np", "math"}  # names of the numeric calls themselves


def weight_penalty(ctx: Context, fn: ast.AST) -> bool:
    """`fn` returns only weight terms (see weight_term): `l2(model)`, a module's `sparsity()`."""
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    memo = ctx.memo.setdefault("weight_penalty", {})
    hit = memo.get(id(fn))
    if hit is None or hit[0] is not fn:
        returns = [n.value for n in walk_scope(fn) if isinstance(n, ast.Return)]
        found = bool(returns) and all(r is not None and weight_term(ctx, r, fn) for r in returns)
        hit = memo[id(fn)] = (fn, found)
    return hit[1]


def weight_term(ctx: Context, expr: ast.expr, fn: ast.AST | None = None) -> bool:
    """`expr` is a reduction (`sum(...)`, `.sum()`, `.norm()`, a constant times one) computed
    only from weights: `m.parameters()` of any model, attributes of `self` that the class sets
    only in `__init__`, and numbers (constants, parameters defaulting to one). It calls no
    module and no function of this file, and reads no input or activation."""
    if not _reduced(expr):
        return False
    fn = fn if fn is not None else ctx.scope_of(expr)
    state = _init_only_attrs(ctx, fn)
    bound = {t.id for c in walk(expr) if isinstance(c, COMPS) for g in c.generators for t in walk(g.target) if isinstance(t, ast.Name)}
    weights = False
    for n in walk(expr):
        if isinstance(n, ast.Call):
            if not _numeric_call(ctx, n):
                return False
            weights |= method(n) in WEIGHT_READS
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            if n.id == "self":
                par = ctx.parent.get(n)
                if not (isinstance(par, ast.Attribute) and state is not None and par.attr in state):
                    return False  # `self(x)`, or state set by another method (an activation kept by forward)
                weights = True
            elif not (n.id in bound or n.id in FREE or _weights_of(ctx, n) or _number(ctx, n.id, fn)):
                return False  # an input or activation read as it is
    return weights


COMPS = (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)


def _number(ctx: Context, name: str, fn: ast.AST) -> bool:
    """A parameter of `fn` defaulting to a number, or a name every binding of which is a number."""
    args = getattr(fn, "args", None)
    if args is not None:
        pos = [*args.posonlyargs, *args.args]
        defaults = dict(zip([a.arg for a in pos][len(pos) - len(args.defaults):], args.defaults, strict=True))
        defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}
        if name in defaults:
            return _numeric(defaults[name])
        if name in {a.arg for a in [*pos, *args.kwonlyargs]}:
            return False
    values = ctx.values.get(name, [])
    return bool(values) and all(_numeric(v) for v in values)


def _numeric(v: ast.AST) -> bool:
    return all(isinstance(x, (ast.Constant, ast.operator, ast.unaryop, ast.BinOp, ast.UnaryOp, ast.expr_context)) for x in walk(v)) and not (
        isinstance(v, ast.Constant) and not isinstance(v.value, (int, float))
    )


def _reduced(expr: ast.expr) -> bool:
    """A number: a reduction call, or arithmetic of one with constants and names."""
    if isinstance(expr, ast.BinOp):
        return (_reduced(expr.left) and _scalar(expr.right)) or (_reduced(expr.right) and _scalar(expr.left))
    if isinstance(expr, ast.UnaryOp):
        return _reduced(expr.operand)
    return isinstance(expr, ast.Call) and (last(callee(expr)) in REDUCTIONS or method(expr) in REDUCTIONS)


def _scalar(expr: ast.expr) -> bool:
    return isinstance(expr, (ast.Constant, ast.Name, ast.Attribute)) or _reduced(expr)


def _numeric_call(ctx: Context, call: ast.Call) -> bool:
    """A call that computes numbers from weights: a builtin, torch/numpy math, a tensor method,
    or `m.parameters()`; not a module run or a function of this file."""
    if resolve(ctx, call) is not None:
        return False
    name = callee(call)
    if isinstance(call.func, ast.Name):
        return name in BUILTINS
    if name.startswith(NUMERIC_MODULES) and name.count(".") <= 2:
        return True
    m = method(call)
    if m in WEIGHT_READS:
        return True
    recv = call.func.value if isinstance(call.func, ast.Attribute) else None
    return m in TENSOR_MATH and not (isinstance(recv, ast.Name) and recv.id == "self")  # `self.norm(x)`: a module


def _weights_of(ctx: Context, name: ast.Name) -> bool:
    """A parameter read only as `m.parameters()`/`m.named_parameters()`."""
    par = ctx.parent.get(name)
    return isinstance(par, ast.Attribute) and par.attr in WEIGHT_READS and isinstance(ctx.parent.get(par), ast.Call)


def _init_only_attrs(ctx: Context, fn: ast.AST) -> set[str] | None:
    """The attributes the class of method `fn` sets on `self` in `__init__` and nowhere else
    (None when `fn` is no method)."""
    cls = ctx.parent.get(fn)
    if not isinstance(cls, ast.ClassDef):
        return None
    memo = ctx.memo.setdefault("init_only_attrs", {})
    if id(cls) not in memo:
        memo[id(cls)] = (cls, _set_only_in_init(cls))
    return memo[id(cls)][1]


def _set_only_in_init(cls: ast.ClassDef) -> set[str]:
    init: set[str] = set()
    other: set[str] = set()
    for m in cls.body:
        if not isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for n in walk_scope(m):
            for t in getattr(n, "targets", [getattr(n, "target", None)]):
                for x in walk(t) if t is not None else ():
                    if isinstance(x, ast.Attribute) and isinstance(x.value, ast.Name) and x.value.id == "self" and isinstance(x.ctx, ast.Store):
                        (init if m.name == "__init__" else other).add(x.attr)
    return init - other
