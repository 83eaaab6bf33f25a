"""Light flow for the lint rules: which value a name holds where it is used.

`reaching(ctx, name, use)` walks back from a use through the statements before it (and out
through the enclosing blocks) to the assignment that reaches it. Anything it cannot follow for
sure (an `if` that may rebind the name, `+=`, an in-place reshape, a loop that rebinds the name
after the use) ends the walk with AMBIGUOUS, so a rule built on it stays silent there.
Names bound outside the function (globals, `self.x` set in `__init__`) come from
`outer_bounds`. Nothing here imports or runs the user's code.
"""

from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass

from torchvitals.lint.engine import (
    NESTED,
    SCOPES,
    Context,
    block,
    children,
    dotted,
    method,
    receiver,
    walk_scope,
)
from torchvitals.lint.rules.inplace import ELEMENTWISE, updated
from torchvitals.lint.syntax import walk


@dataclass(frozen=True)
class Bound:
    """One binding of a name: `name = value` (index ()), `a, name = value` (index (1,)),
    or `for a, name in value` (loop=True, index (1,))."""

    value: ast.expr
    index: tuple[int, ...] = ()
    loop: bool = False


class _Ambiguous:
    def __repr__(self) -> str:
        return "AMBIGUOUS"


AMBIGUOUS = _Ambiguous()

# In-place methods that change a tensor's shape: after `y.unsqueeze_(1)` an earlier value lies.
RESHAPE_INPLACE = {"squeeze_", "unsqueeze_", "resize_", "resize_as_", "t_", "transpose_", "swapdims_", "set_", "as_strided_"}
BLOCK_FIELDS = ("body", "orelse", "finalbody")
LOOPS = (ast.For, ast.AsyncFor, ast.While)
TRIES = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
COMPOUND = (ast.If, ast.While, ast.Try, ast.Match, *TRIES, *NESTED)


def _position(target: ast.expr, name: str, path: tuple[int, ...] = ()) -> tuple[int, ...] | None | _Ambiguous:
    """Where `name` sits in an assignment target: () for the whole target, (1,) for the second
    element of a tuple, None when the target does not bind it."""
    if dotted(target) == name:
        return path
    if isinstance(target, (ast.Tuple, ast.List)):
        for i, elt in enumerate(target.elts):
            if isinstance(elt, ast.Starred):
                if _position(elt.value, name) is not None:
                    return AMBIGUOUS
                if any(not isinstance(e, ast.Starred) and _position(e, name) is not None for e in target.elts[i + 1 :]):
                    return AMBIGUOUS  # after a starred element the positions shift
                continue
            pos = _position(elt, name, (*path, i))
            if pos is not None:
                return pos
    return None


def _touched(ctx: Context, node: ast.AST) -> frozenset[str]:
    """Every name a statement (or part of one) may rebind or reshape: the dotted names it stores
    to or deletes, with each prefix (`self.fc.weight = ...` touches `self` and `self.fc`), the
    names it defines or imports, and receivers of in-place reshapes. Nested defs and classes
    touch only their own name. Memoised per node, and a compound statement is the union of its
    parts, so every node of the file is looked at once, however many names are asked about."""
    memo = ctx.memo.setdefault("touched", {})
    hit = memo.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    out: set[str] = set()
    if isinstance(node, NESTED):
        name = getattr(node, "name", None)
        if name:
            out.add(name)
    else:
        todo = [node]
        while todo:
            n = todo.pop()
            if n is not node and isinstance(n, ast.stmt):
                out |= _touched(ctx, n)  # statements nest at most ~100 deep (Python's own limit)
                continue
            if isinstance(n, (ast.Name, ast.Attribute)) and isinstance(n.ctx, (ast.Store, ast.Del)):
                key = dotted(n)
                if key:
                    parts = key.split(".")
                    out.update(".".join(parts[: i + 1]) for i in range(len(parts)))
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                out.update(a.asname or a.name.split(".")[0] for a in n.names)
            elif isinstance(n, ast.Call) and (method(n) in RESHAPE_INPLACE or method(n) in ELEMENTWISE):
                key = receiver(n)
                if key:
                    out.add(key)
            if not isinstance(n, ast.Lambda):
                todo.extend(children(n))
    result = frozenset(out)
    memo[id(node)] = (node, result)
    return result


def _rebinds_anywhere(ctx: Context, node: ast.AST, name: str) -> bool:
    """Some statement inside `node` may rebind or reshape `name` (or an attribute under it)."""
    return name in _touched(ctx, node)


def _block_index(ctx: Context, block: list[ast.stmt]) -> dict[str, list[int]]:
    """For one block of statements: name -> positions of the statements that may rebind it."""
    memo = ctx.memo.setdefault("blocks", {})
    hit = memo.get(id(block))
    if hit is not None and hit[0] is block:
        return hit[1]
    index: dict[str, list[int]] = {}
    for i, stmt in enumerate(block):
        for name in _touched(ctx, stmt):
            index.setdefault(name, []).append(i)
    memo[id(block)] = (block, index)
    return index


def _slot(ctx: Context, par: ast.AST, node: ast.AST) -> tuple[str, int] | None:
    """(block field, position) of statement `node` in its parent `par`, or None when `node` is
    not in one of its blocks (an expression, a handler). Indexed once per parent."""
    memo = ctx.memo.setdefault("slots", {})
    hit = memo.get(id(par))
    if hit is None or hit[0] is not par:
        slots: dict[int, tuple[str, int]] = {}
        for f in BLOCK_FIELDS:
            for i, stmt in enumerate(block(par, f)):
                slots.setdefault(id(stmt), (f, i))
        hit = memo[id(par)] = (par, slots)
    return hit[1].get(id(node))


def binds(ctx: Context, stmt: ast.stmt, name: str) -> Bound | _Ambiguous | None:
    """How one statement binds `name`: a Bound, AMBIGUOUS, or None when it leaves it alone."""
    if name not in _touched(ctx, stmt):
        return None  # nothing in it stores to the name
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        tgts = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for t in tgts:
            pos = _position(t, name)
            if pos is AMBIGUOUS:
                return AMBIGUOUS
            if pos is not None:
                return Bound(stmt.value, pos)  # type: ignore[arg-type]
        return AMBIGUOUS
    if isinstance(stmt, (ast.With, ast.AsyncWith)):  # straight-line: the last binding inside
        if any(i.optional_vars is not None and _rebinds_anywhere(ctx, i.optional_vars, name) for i in stmt.items):
            return AMBIGUOUS
        return _last_in(ctx, stmt.body, name)
    if isinstance(stmt, (ast.AugAssign, ast.Expr)) and (value := updated(ctx, stmt, name)) is not None:
        return Bound(value)  # `x /= s`, `x.unsqueeze_(1)`: derived from the binding before it
    return AMBIGUOUS


def _last_in(ctx: Context, body: list[ast.stmt], name: str, end: int | None = None) -> Bound | _Ambiguous | None:
    """The binding by the last statement of `body[:end]` that binds `name`; only the statements
    that touch the name are looked at."""
    positions = _block_index(ctx, body).get(name, [])
    k = bisect.bisect_left(positions, len(body) if end is None else end) - 1
    while k >= 0:
        b = binds(ctx, body[positions[k]], name)
        if b is not None:
            return b
        k -= 1
    return None


def _is_param(fn: ast.AST, name: str) -> bool:
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return False
    a = fn.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(p for p in (a.vararg, a.kwarg) if p)]
    return any(p.arg == name for p in params)


def reaching(ctx: Context, name: str, use: ast.AST) -> Bound | _Ambiguous | None:
    """The binding of `name` that reaches `use` inside its function (or module); None when the
    name is not bound there before the use (a global, an attribute set in another method).
    Memoised per (name, use): every data flow built over a scope asks the same questions."""
    memo = ctx.memo.setdefault("reaching", {})
    hit = memo.get((name, id(use)))
    if hit is not None and hit[0] is use:
        return hit[1]  # type: ignore[no-any-return]
    found = _reaching(ctx, name, use)
    memo[(name, id(use))] = (use, found)
    return found


def _reaching(ctx: Context, name: str, use: ast.AST) -> Bound | _Ambiguous | None:
    node: ast.AST = use
    while True:
        par = ctx.parent.get(node)
        if par is None:
            return None
        if isinstance(par, ast.Lambda):
            return AMBIGUOUS if _is_param(par, name) else None
        if isinstance(par, COMPREHENSIONS):  # `[f(y) for x, y in loader]` binds like a loop
            for gen in par.generators:
                pos = _position(gen.target, name)
                if pos is not None:
                    return pos if pos is AMBIGUOUS else Bound(gen.iter, pos, loop=True)  # type: ignore[arg-type]
        slot = _slot(ctx, par, node)
        if slot is not None:
            field, at = slot
            b = _last_in(ctx, getattr(par, field), name, end=at)
            if b is not None:
                return b
            if isinstance(par, (ast.For, ast.AsyncFor)) and field == "body":
                pos = _position(par.target, name)
                if pos is not None:
                    return pos if pos is AMBIGUOUS else Bound(par.iter, pos, loop=True)  # type: ignore[arg-type]
            if isinstance(par, LOOPS) and field == "body" and _rebinds_in(ctx, par.body, name):
                return AMBIGUOUS  # a later iteration sees the rebinding (back edge)
            if isinstance(par, (*LOOPS, *TRIES)) and field != "body" and _rebinds_outside(ctx, par, field, name):
                return AMBIGUOUS  # `else:`/`finally:` run after a body that may rebind it
        elif isinstance(par, TRIES) and _rebinds_in(ctx, par.body, name):
            return AMBIGUOUS  # an `except` block runs after part of the body
        elif isinstance(par, ast.ExceptHandler) and par.name == name:
            return AMBIGUOUS
        elif isinstance(par, ast.While) and node is par.test and _rebinds_in(ctx, par.body, name):
            return AMBIGUOUS
        if isinstance(par, SCOPES):
            return AMBIGUOUS if _is_param(par, name) else None
        if isinstance(par, ast.ClassDef):
            return None
        node = par


def _rebinds_in(ctx: Context, stmts: list[ast.stmt], name: str) -> bool:
    return name in _block_index(ctx, stmts)


def _rebinds_outside(ctx: Context, stmt: ast.stmt, field: str, name: str) -> bool:
    """A loop's or try's parts other than block `field` (body, target, handlers) rebind `name`."""
    if _rebinds_in(ctx, stmt.body, name):  # type: ignore[attr-defined]
        return True
    parts: list[ast.AST] = list(getattr(stmt, "handlers", []))
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        parts.append(stmt.target)
    if field == "finalbody" and _rebinds_in(ctx, stmt.orelse, name):  # type: ignore[attr-defined]
        return True
    return any(_rebinds_anywhere(ctx, p, name) for p in parts)


def enclosing_class(ctx: Context, node: ast.AST) -> ast.ClassDef | None:
    node = ctx.parent.get(node)
    while node is not None and not isinstance(node, ast.ClassDef):
        node = ctx.parent.get(node)
    return node


def outer_bounds(ctx: Context, name: str, use: ast.AST) -> list[Bound] | None:
    """Every binding of a name the function reads from outside: `self.x` from the enclosing
    class's methods, a plain name from module level. None when one of them cannot be followed."""
    if name.split(".")[0] == "self":
        cls = enclosing_class(ctx, use)
        if cls is None:
            return None
        owner: ast.AST = cls
    else:
        scope = ctx.scope_of(use)
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_param(scope, name):
            return None
        owner = ctx.tree
    memo = ctx.memo.setdefault("outer", {})
    key = (id(owner), name)
    if key not in memo:  # the same for every use: looked up once per name and class (or module)
        stmts, index = _outer_index(ctx, owner)
        memo[key] = _outer_bounds(ctx, name, [stmts[i] for i in index.get(name, [])])
    return memo[key]


def _outer_index(ctx: Context, owner: ast.AST) -> tuple[list[ast.stmt], dict[str, list[int]]]:
    """The statements bindings are read from (every statement of a class; the module's outside
    functions and classes) and, by name, those of them that may bind it, in order."""
    memo = ctx.memo.setdefault("outer_index", {})
    hit = memo.get(id(owner))
    if hit is not None and hit[0] is owner:
        return hit[1], hit[2]
    if isinstance(owner, ast.Module):
        stmts = [n for n in walk_scope(owner) if isinstance(n, ast.stmt)]
    else:
        stmts = [n for n in walk(owner) if isinstance(n, ast.stmt)]
    index: dict[str, list[int]] = {}
    for i, stmt in enumerate(stmts):
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            names = _touched(ctx, stmt.target)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            names = frozenset().union(*(_touched(ctx, it.optional_vars) for it in stmt.items if it.optional_vars is not None))
        elif isinstance(stmt, COMPOUND):
            names = _touched(ctx, stmt) if isinstance(stmt, NESTED) else frozenset()
        else:
            names = _touched(ctx, stmt)
        for name in names:
            index.setdefault(name, []).append(i)
    memo[id(owner)] = (owner, stmts, index)
    return stmts, index


def _outer_bounds(ctx: Context, name: str, stmts: list[ast.stmt]) -> list[Bound] | None:
    """outer_bounds over the statements that may bind `name`, in order."""
    out: list[Bound] = []
    for stmt in stmts:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            pos = _position(stmt.target, name)
            if pos is AMBIGUOUS:
                return None
            if pos is not None:
                out.append(Bound(stmt.iter, pos, loop=True))  # type: ignore[arg-type]
            continue
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            if any(i.optional_vars is not None and _rebinds_anywhere(ctx, i.optional_vars, name) for i in stmt.items):
                return None
            continue  # the statements inside are visited on their own
        if isinstance(stmt, COMPOUND):
            if isinstance(stmt, NESTED) and getattr(stmt, "name", None) == name:
                return None
            continue
        b = binds(ctx, stmt, name)
        if b is AMBIGUOUS or (b is not None and _update_of_unknown(ctx, stmt, name)):
            return None
        if b is not None:
            out.append(b)  # type: ignore[arg-type]
    return out or None


def _update_of_unknown(ctx: Context, stmt: ast.stmt, name: str) -> bool:
    """`stmt` updates `name` in place and no binding of its own scope reaches it (`self.n += 1`
    in a method other than the one that set it): what it updates is any binding of the class in
    turn, which the flow does not follow."""
    return isinstance(stmt, (ast.AugAssign, ast.Expr)) and not isinstance(reaching(ctx, name, stmt), Bound)


def bounds_at(ctx: Context, name: str, use: ast.AST) -> list[Bound] | None:
    """The bindings that may reach `use`: the local one, else every outer one; None if unknown."""
    b = reaching(ctx, name, use)
    if b is AMBIGUOUS:
        return None
    if b is not None:
        return [b]  # type: ignore[list-item]
    return outer_bounds(ctx, name, use)


def bounds_or_args(ctx: Context, name: str, use: ast.AST) -> list[Bound] | None:
    """`bounds_at`, and for a parameter of a plain function (`def fit(model, loader)`), what every
    call of the function in this file passes for it (at most 3 calls, each passing it, or its
    default). A value fact then travels from the caller into the helper."""
    bs = bounds_at(ctx, name, use)
    if bs is not None or "." in name:
        return bs
    fn = ctx.scope_of(use)
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or not _is_param(fn, name):
        return None
    memo = ctx.memo.setdefault("arg_bounds", {})
    key = (id(fn), name)
    if key not in memo:
        memo[key] = _arg_bounds(ctx, fn, name)
    return memo[key]


def _arg_bounds(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> list[Bound] | None:
    owner = ctx.parent.get(fn)
    called = fn.name
    if isinstance(owner, ast.ClassDef) and fn.name == "__init__" and ctx.parent.get(owner) is ctx.tree:
        called = owner.name  # `Dataset(X, y)` runs `__init__(self, X, y)`
    elif owner is not ctx.tree:
        return None  # another method or a nested function: its callers are not plain calls by name
    a = fn.args
    params = [p.arg for p in [*a.posonlyargs, *a.args]][1 if called != fn.name else 0:]
    pos = params.index(name) if name in params else -1
    defaults = dict(zip(params[len(params) - len(a.defaults):], a.defaults, strict=False))
    calls = [c for c in ctx.calls if isinstance(c.func, ast.Name) and c.func.id == called]
    if not calls or len(calls) > 3:
        return None
    out = []
    for c in calls:
        if any(isinstance(x, ast.Starred) for x in c.args) or any(k.arg is None for k in c.keywords):
            return None
        given = next((k.value for k in c.keywords if k.arg == name), None)
        if given is None:
            given = c.args[pos] if 0 <= pos < len(c.args) else defaults.get(name)
        if given is None:
            return None
        out.append(Bound(given))
    return out
