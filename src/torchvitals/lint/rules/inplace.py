"""In-place updates as bindings: the value `x` holds after `x /= s` or `x.unsqueeze_(1)`.

Real training code updates in place all the time (`target /= scale`, `labels.squeeze_()`,
`total += loss`, `self.y /= self.y.max()` in `__init__`). The shared flow used to stop at such
a statement (AMBIGUOUS), so every reader behind it (a tensor's rank, a constant, a config entry)
gave up. Here an update is read as a binding whose value is derived from the previous one:
`x op= y` binds `x` to a synthetic `x op y`, `x.div_(s)` to `x.div(s)`, `x.unsqueeze_(1)` to
`x.unsqueeze(1)`. The `x` inside is a fresh copy of the target placed (through `ctx.parent`) at
the updating statement, so a reader following it reaches the binding before the update. No node
of the parsed tree is changed: the synthetic nodes only point at the original operands.
Updates the flow cannot model (`x.resize_(...)`, `x[0] += 1`, a method not listed) stay
AMBIGUOUS, and so does an update in a loop or a branch, by flow's usual rules.
"""

from __future__ import annotations

import ast
import copy

from torchvitals.lint.engine import Context, dotted, method

# In-place methods whose out-of-place twin is the same name without the underscore and takes the
# same arguments: the shape-changing ones, and the elementwise ones (same shape, new values).
RESHAPES = {"squeeze_", "unsqueeze_", "t_", "transpose_", "swapdims_"}
ELEMENTWISE = {"div_", "mul_", "add_", "sub_", "pow_", "clamp_", "clamp_min_", "clamp_max_", "clip_", "abs_", "neg_",
               "exp_", "log_", "sqrt_", "sigmoid_", "tanh_", "relu_", "floor_", "ceil_", "round_", "masked_fill_"}  # fmt: skip
OUT_OF_PLACE = RESHAPES | ELEMENTWISE


def updated(ctx: Context, stmt: ast.stmt, name: str) -> ast.expr | None:
    """The value `stmt` gives `name` when it updates it in place (`name op= y`, `name.div_(y)`):
    a synthetic expression over the previous value; None when `stmt` is no such update."""
    memo = ctx.memo.setdefault("inplace", {})
    key = (id(stmt), name)
    hit = memo.get(key)
    if hit is None or hit[0] is not stmt:
        hit = memo[key] = (stmt, _build(ctx, stmt, name))
    return hit[1]


def is_update(ctx: Context, expr: ast.AST) -> bool:
    """`expr` is a value built here for an in-place update (its left operand or receiver is the
    previous value, so it has that value's shape)."""
    return id(expr) in ctx.memo.get("inplace_nodes", {})


def _build(ctx: Context, stmt: ast.stmt, name: str) -> ast.expr | None:
    if isinstance(stmt, ast.AugAssign) and dotted(stmt.target) == name:
        out: ast.expr = ast.BinOp(left=_previous(stmt.target), op=stmt.op, right=stmt.value)
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and method(stmt.value) in OUT_OF_PLACE:
        call = stmt.value
        if dotted(call.func.value) != name:  # type: ignore[attr-defined]
            return None
        func = ast.Attribute(value=_previous(call.func.value), attr=method(call)[:-1], ctx=ast.Load())  # type: ignore[attr-defined]
        out = ast.Call(func=ast.copy_location(func, call.func), args=call.args, keywords=call.keywords)
    else:
        return None
    ast.copy_location(out, stmt)
    _place(ctx, out, stmt)
    ctx.memo.setdefault("inplace_nodes", {})[id(out)] = out
    return out


def _previous(target: ast.expr) -> ast.expr:
    """A fresh copy of the updated name, read (Load) where the update stands."""
    prev = copy.deepcopy(target)
    prev.ctx = ast.Load()  # type: ignore[attr-defined]
    return prev


def _place(ctx: Context, node: ast.AST, stmt: ast.stmt) -> None:
    """Give the synthetic nodes parents, so flow reads the previous value at `stmt`; the original
    operands they hold keep their own parents."""
    ctx.parent[node] = stmt
    todo = [node]
    while todo:
        n = todo.pop()
        for child in ast.iter_child_nodes(n):
            if not isinstance(child, (ast.expr, ast.keyword)) or child in ctx.parent:
                continue  # an original operand
            ctx.parent[child] = n
            todo.append(child)
