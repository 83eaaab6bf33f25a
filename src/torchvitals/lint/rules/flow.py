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
import functools
from dataclasses import dataclass

from torchvitals.lint.engine import NESTED, SCOPES, Context, dotted, method, receiver, walk_scope


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


def _rebinds_anywhere(node: ast.AST, name: str) -> bool:
    """Some statement inside `node` may rebind or reshape `name` (or an attribute under it)."""
    if isinstance(node, NESTED):  # a def's own locals are not this scope's
        return getattr(node, "name", None) == name
    prefix = name + "."
    for n in [node, *walk_scope(node)]:
        if isinstance(n, (ast.Name, ast.Attribute)) and isinstance(n.ctx, (ast.Store, ast.Del)):
            key = dotted(n)
            if key == name or (key and key.startswith(prefix)):
                return True
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == name:
            return True
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name.split(".")[0]) == name for a in n.names):
                return True
        elif isinstance(n, ast.Call) and method(n) in RESHAPE_INPLACE and receiver(n) == name:
            return True
    return False


def binds(stmt: ast.stmt, name: str) -> Bound | _Ambiguous | None:
    """How one statement binds `name`: a Bound, AMBIGUOUS, or None when it leaves it alone."""
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        tgts = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for t in tgts:
            pos = _position(t, name)
            if pos is AMBIGUOUS:
                return AMBIGUOUS
            if pos is not None:
                return Bound(stmt.value, pos)  # type: ignore[arg-type]
        return AMBIGUOUS if _rebinds_anywhere(stmt, name) else None
    if isinstance(stmt, (ast.With, ast.AsyncWith)):  # straight-line: the last binding inside
        if any(i.optional_vars is not None and _rebinds_anywhere(i.optional_vars, name) for i in stmt.items):
            return AMBIGUOUS
        return _last_in(stmt.body, name)
    return AMBIGUOUS if _rebinds_anywhere(stmt, name) else None


def _last_in(body: list[ast.stmt], name: str) -> Bound | _Ambiguous | None:
    for stmt in reversed(body):
        b = binds(stmt, name)
        if b is not None:
            return b
    return None


def _is_param(fn: ast.AST, name: str) -> bool:
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return False
    a = fn.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(p for p in (a.vararg, a.kwarg) if p)]
    return any(p.arg == name for p in params)


def reaching(ctx: Context, name: str, use: ast.AST) -> Bound | _Ambiguous | None:
    """The binding of `name` that reaches `use` inside its function (or module); None when the
    name is not bound there before the use (a global, an attribute set in another method)."""
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
        field = next((f for f in BLOCK_FIELDS if any(s is node for s in getattr(par, f, None) or [])), None)
        if field is not None:
            block = getattr(par, field)
            b = _last_in(block[: next(i for i, s in enumerate(block) if s is node)], name)
            if b is not None:
                return b
            if isinstance(par, (ast.For, ast.AsyncFor)) and field == "body":
                pos = _position(par.target, name)
                if pos is not None:
                    return pos if pos is AMBIGUOUS else Bound(par.iter, pos, loop=True)  # type: ignore[arg-type]
            if isinstance(par, LOOPS) and field == "body" and _rebinds_in(par.body, name):
                return AMBIGUOUS  # a later iteration sees the rebinding (back edge)
            if isinstance(par, (*LOOPS, *TRIES)) and field != "body" and _rebinds_outside(par, field, name):
                return AMBIGUOUS  # `else:`/`finally:` run after a body that may rebind it
        elif isinstance(par, TRIES) and _rebinds_in(par.body, name):
            return AMBIGUOUS  # an `except` block runs after part of the body
        elif isinstance(par, ast.ExceptHandler) and par.name == name:
            return AMBIGUOUS
        elif isinstance(par, ast.While) and node is par.test and _rebinds_in(par.body, name):
            return AMBIGUOUS
        if isinstance(par, SCOPES):
            return AMBIGUOUS if _is_param(par, name) else None
        if isinstance(par, ast.ClassDef):
            return None
        node = par


def _rebinds_in(stmts: list[ast.stmt], name: str) -> bool:
    return any(_rebinds_anywhere(s, name) for s in stmts)


def _rebinds_outside(stmt: ast.stmt, field: str, name: str) -> bool:
    """A loop's or try's parts other than block `field` (body, target, handlers) rebind `name`."""
    parts: list[ast.AST] = [*stmt.body, *getattr(stmt, "handlers", [])]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        parts.append(stmt.target)
    if field == "finalbody":
        parts += stmt.orelse  # type: ignore[attr-defined]
    return any(_rebinds_anywhere(p, name) for p in parts)


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
        stmts = [n for n in ast.walk(cls) if isinstance(n, ast.stmt)]
    else:
        scope = ctx.scope_of(use)
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_param(scope, name):
            return None
        stmts = _module_statements(ctx.tree)
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
            if any(i.optional_vars is not None and _rebinds_anywhere(i.optional_vars, name) for i in stmt.items):
                return None
            continue  # the statements inside are visited on their own
        if isinstance(stmt, COMPOUND):
            if isinstance(stmt, NESTED) and getattr(stmt, "name", None) == name:
                return None
            continue
        b = binds(stmt, name)
        if b is AMBIGUOUS:
            return None
        if b is not None:
            out.append(b)  # type: ignore[arg-type]
    return out or None


@functools.lru_cache(maxsize=4)
def _module_statements(tree: ast.Module) -> list[ast.stmt]:
    """Every statement outside functions and classes (cached: asked once per name looked up)."""
    return [n for n in walk_scope(tree) if isinstance(n, ast.stmt)]


def bounds_at(ctx: Context, name: str, use: ast.AST) -> list[Bound] | None:
    """The bindings that may reach `use`: the local one, else every outer one; None if unknown."""
    b = reaching(ctx, name, use)
    if b is AMBIGUOUS:
        return None
    if b is not None:
        return [b]  # type: ignore[list-item]
    return outer_bounds(ctx, name, use)
