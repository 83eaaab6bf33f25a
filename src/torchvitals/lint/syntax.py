"""Small questions about Python syntax the lint rules share: dotted names, calls' callee,
receiver and arguments, a scope's nodes, an assignment's targets, a no-grad `with`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

NOGRAD_CALLS = {"no_grad", "inference_mode"}

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)
NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
LOOPS = (ast.For, ast.AsyncFor, ast.While)


def dotted(node: ast.AST | None) -> str | None:
    """`a.b.c` for a chain of names and attributes, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if not isinstance(node, ast.Attribute):
        return None
    found = _DOTTED.get(node, _UNSEEN)
    if found is _UNSEEN:
        found = _DOTTED[node] = _dotted_chain(node)
    return found  # type: ignore[return-value]


def _dotted_chain(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def last(name: str | None) -> str:
    return name.rsplit(".", 1)[-1] if name else ""


def callee(call: ast.Call) -> str:
    return dotted(call.func) or ""


def method(call: ast.Call) -> str:
    """The attribute name of a method call (`x.detach()` -> `detach`), else ''."""
    return call.func.attr if isinstance(call.func, ast.Attribute) else ""


def receiver(call: ast.Call) -> str | None:
    return dotted(call.func.value) if isinstance(call.func, ast.Attribute) else None


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def arg(call: ast.Call, index: int, name: str) -> ast.expr | None:
    """Positional argument `index`, or keyword `name`."""
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return kwarg(call, name)


def passed(call: ast.Call, index: int, name: str) -> ast.expr | None:
    """What `call` passes for the parameter at position `index` (< 0: keyword only) named `name`:
    the positional argument there (a `*args` one too, unlike `arg`), else the keyword."""
    if 0 <= index < len(call.args):
        return call.args[index]
    return kwarg(call, name)


def is_const(node: ast.AST | None, value: Any) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


# What the walks below found, per node, for the file being linted: a file's rules walk the same
# scopes thousands of times (walking was a third of the lint time). Keyed by the node itself (not
# its id, which a freed node could pass on); `forget()` empties it when a file's lint starts and
# ends. Nodes are never edited in place once walked: rules that rewrite an expression rewrite a copy.
_KIDS: dict[ast.AST, list[ast.AST]] = {}
_SCOPE: dict[ast.AST, tuple[ast.AST, ...]] = {}
_WALK: dict[ast.AST, tuple[ast.AST, ...]] = {}
_DOTTED: dict[ast.AST, str | None] = {}
_UNSEEN = object()


def forget() -> None:
    """Drop what the walks remembered (a new file, or the end of one)."""
    _KIDS.clear()
    _SCOPE.clear()
    _WALK.clear()
    _DOTTED.clear()


def _children(node: ast.AST) -> list[ast.AST]:
    out = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    out.append(item)
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def children(node: ast.AST) -> list[ast.AST]:
    """The direct child nodes, in field order: `ast.iter_child_nodes` without its two nested
    generators, which made walking the tree cost more than parsing it. The list is shared by
    every caller: read it, do not change it."""
    kids = _KIDS.get(node)
    if kids is None:
        kids = _KIDS[node] = _children(node)
    return kids


def block(node: ast.AST, field: str) -> list[ast.stmt]:
    """The statement list in `node.<field>` (`body`, `orelse`, `finalbody`), or [] where that
    field is not one: `IfExp.body` and `Lambda.body` are single expressions, and iterating one
    (`0.0 if skip else F.cross_entropy(...)`) was a crash."""
    value = getattr(node, field, None)
    return value if isinstance(value, list) else []


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` (not `node` itself), not descending into nested defs/classes."""
    found = _SCOPE.get(node)
    if found is None:
        out = []
        todo = list(children(node))
        while todo:
            n = todo.pop()
            out.append(n)
            if not isinstance(n, NESTED):
                todo.extend(children(n))
        found = _SCOPE[node] = tuple(out)
    return iter(found)


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk`: `node` and every node under it, breadth first, in the same order."""
    found = _WALK.get(node)
    if found is None:
        out = [node]
        i = 0
        while i < len(out):
            out.extend(children(out[i]))
            i += 1
        found = _WALK[node] = tuple(out)
    return iter(found)


def targets_of(stmt: ast.AST) -> list[str]:
    """Dotted names an assignment writes (tuples unpacked)."""
    if isinstance(stmt, ast.Assign):
        tgts = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
        tgts = [stmt.target]
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        tgts = [stmt.target]
    else:
        return []
    out: list[str] = []
    todo = list(tgts)
    while todo:
        t = todo.pop()
        if isinstance(t, (ast.Tuple, ast.List)):
            todo.extend(t.elts)
        elif isinstance(t, ast.Starred):
            todo.append(t.value)
        elif isinstance(t, ast.Subscript):
            key = dotted(t.value)
            if key:
                out.append(key)
        else:
            key = dotted(t)
            if key:
                out.append(key)
    return out


def is_nograd_with(node: ast.AST) -> bool:
    """`with torch.no_grad():`, `inference_mode()`, `set_grad_enabled(False)`."""
    if not isinstance(node, (ast.With, ast.AsyncWith)):
        return False
    for item in node.items:
        e = item.context_expr
        if isinstance(e, ast.Call):
            name = last(callee(e))
            if name in NOGRAD_CALLS and not any(is_const(a, False) for a in e.args):
                return True
            if name == "set_grad_enabled" and e.args and is_const(e.args[0], False):
                return True
    return False


def positional(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    """The names of `fn`'s positional parameters, in order (`self` included for a method)."""
    return [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
