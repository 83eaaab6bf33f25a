"""The last layers of a module list built step by step, for the tag tracer of TVL009.

Builders often grow a plain list and unpack it (`layers = []`, a loop adding hidden blocks,
`layers.append(nn.Linear(d, 1))`, `return nn.Sequential(*layers)`). What the model outputs is
decided by the layers added last, and those are usually added in straight-line code after the
loop. Only what the function's own top-level statements prove is read: a loop, a branch or any
other use of the list after the last known addition leaves its end unknown (precision first),
except an `if` whose test the file decides (config_branches).
"""

from __future__ import annotations

import ast

from torchvitals.lint.engine import Context, dotted, method
from torchvitals.lint.rules.config_branches import decide_truth
from torchvitals.lint.syntax import walk


def sequential_layers(ctx: Context, call: ast.Call) -> list[ast.expr] | None:
    """The layers of an `nn.Sequential(...)` call in order, as far as the file shows them: its
    arguments, a list it unpacks (its known end), or the values of an `OrderedDict([("fc",
    nn.Linear(h, 1)), ...])` / `OrderedDict({...})` it is given."""
    if tail := unpacked_list_tail(ctx, call):
        return tail
    if len(call.args) == 1 and isinstance(od := call.args[0], ast.Call) and dotted(od.func) in ("OrderedDict", "collections.OrderedDict"):
        items = od.args[0] if len(od.args) == 1 and not od.keywords else None
        if isinstance(items, ast.Dict) and None not in items.keys:
            return list(items.values)
        if isinstance(items, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Tuple) and len(e.elts) == 2 for e in items.elts):
            return [e.elts[1] for e in items.elts]  # type: ignore[attr-defined]
        return None
    return None if any(isinstance(a, ast.Starred) for a in call.args) or call.keywords else list(call.args)


def unpacked_list_tail(ctx: Context, call: ast.Call) -> list[ast.expr] | None:
    """The layers last added, in order, to the list a call unpacks as its only argument
    (`nn.Sequential(*layers)`, in a function or at the top of a script); None when the file
    does not show how that list ends."""
    if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Starred):
        return None
    memo = ctx.memo.setdefault("list_tail", {})  # asked again by each rule and each use of the model
    hit = memo.get(id(call))
    if hit is None or hit[0] is not call:
        hit = memo[id(call)] = (call, _list_tail(ctx, call))
    return hit[1]


def _list_tail(ctx: Context, call: ast.Call) -> list[ast.expr] | None:
    star = call.args[0].value  # type: ignore[attr-defined]
    name = star.id if isinstance(star, ast.Name) else None
    fn = ctx.scope_of(call)
    if name is None or not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        return None
    tail: list[ast.expr] | None = None
    for stmt in fn.body:
        if _contains(stmt, call):
            return tail or None
        tail = _through(ctx, stmt, name, tail, fn)
    return None


def _through(ctx: Context, stmt: ast.stmt, name: str, tail: list[ast.expr] | None, fn: ast.AST) -> list[ast.expr] | None:
    """The known end of the list after a statement; an `if` the file decides (a config literal
    nothing writes into: `if cfg["head"] == "scalar":`) is read through the branch it takes."""
    if not _mentions(stmt, name):
        return tail
    if isinstance(stmt, ast.If) and (taken := decide_truth(ctx, stmt.test, fn)) is not None:
        for inner in stmt.body if taken else stmt.orelse:
            tail = _through(ctx, inner, name, tail, fn)
        return tail
    return _after(stmt, name, tail)


def _after(stmt: ast.stmt, name: str, tail: list[ast.expr] | None) -> list[ast.expr] | None:
    """The known end of the list after one statement that reads or writes it."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        value = _assigned(stmt.targets[0], stmt.value, name)
        return list(value.elts) if isinstance(value, ast.List) and not _starred(value) else None
    if isinstance(stmt, ast.AugAssign) and dotted(stmt.target) == name and isinstance(stmt.op, ast.Add):
        return _extended(tail, stmt.value)
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and dotted(stmt.value.func.value if isinstance(stmt.value.func, ast.Attribute) else None) == name:  # type: ignore[arg-type]
        call = stmt.value
        if method(call) == "append" and len(call.args) == 1 and not call.keywords:
            return [*(tail or []), call.args[0]]
        if method(call) == "extend" and len(call.args) == 1 and not call.keywords:
            return _extended(tail, call.args[0])
    return None  # a loop, a branch, `layers.pop()`, `layers[-1] = ...`: the end is no longer known


def _assigned(target: ast.expr, value: ast.expr, name: str) -> ast.expr | None:
    """What `name` gets: `layers = [...]`, or the paired element of `layers, d = [], d_in`."""
    if isinstance(target, ast.Name):
        return value if target.id == name else None
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
        for t, v in zip(target.elts, value.elts, strict=True):
            if isinstance(t, ast.Name) and t.id == name:
                return v
    return None


def _extended(tail: list[ast.expr] | None, added: ast.expr) -> list[ast.expr] | None:
    if not isinstance(added, (ast.List, ast.Tuple)) or _starred(added):
        return None
    return [*(tail or []), *added.elts] if added.elts else tail


def _starred(seq: ast.List | ast.Tuple) -> bool:
    return any(isinstance(e, ast.Starred) for e in seq.elts)


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in walk(node))


def _contains(node: ast.AST, target: ast.AST) -> bool:
    return any(n is target for n in walk(node))
