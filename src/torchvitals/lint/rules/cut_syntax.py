"""Syntax the cut flow reads (cutflow.py): which element of a returned literal a caller reads,
which statements define a name whole, what a comprehension's variable runs over. Pure syntax:
no Context, no calls followed."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import dotted, targets_of
from torchvitals.lint.syntax import walk

Pick = int | str | None  # an element of a returned tuple (by position) or dict (by constant key)


def comprehension_links(comp: ast.AST) -> dict[int, ast.expr]:
    """Each read of a comprehension's variable (in its element, or a later `for`'s iterable),
    by node id, to the iterable the variable runs over: the values flow only through them,
    with the cuts on their way (the filters and unused iterables carry nothing)."""
    bound: dict[str, ast.expr] = {}
    links: dict[int, ast.expr] = {}

    def link(part: ast.AST) -> None:
        for n in walk(part):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in bound:
                links[id(n)] = bound[n.id]

    for g in comp.generators:  # type: ignore[attr-defined]
        link(g.iter)
        bound.update({t.id: g.iter for t in walk(g.target) if isinstance(t, ast.Name)})
    for part in (getattr(comp, "elt", None), getattr(comp, "key", None), getattr(comp, "value", None)):
        if part is not None:
            link(part)
    return links


def const_key(node: ast.AST) -> Pick:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)) and not isinstance(node.value, bool):
        return node.value
    return None


def picked(value: ast.expr, pick: Pick) -> ast.expr:
    """The element `pick` of a returned `(loss, logs)` or `{"loss": loss, ...}` literal; the
    whole value when it is no such literal (then every element may be the one read)."""
    if isinstance(pick, int) and isinstance(value, (ast.Tuple, ast.List)) and 0 <= pick < len(value.elts):
        if not any(isinstance(e, ast.Starred) for e in value.elts):
            return value.elts[pick]
    if isinstance(pick, str) and isinstance(value, ast.Dict) and None not in value.keys:
        found = [v for k, v in zip(value.keys, value.values, strict=True) if const_key(k) == pick]  # type: ignore[arg-type]
        if len(found) == 1:
            return found[0]
    return value


def definitions(stmts: list[tuple[ast.AST, str | None]]) -> dict[int, frozenset[str]]:
    """By statement id, the plain names it defines whole: `x = ...`, `a, x = ...`, `for x in`.
    A name also changed in place (`x += y`, `x[i] = y`, `x.append(y)`, `(x := y)`) is left
    out: a definition that reaches its read then does not say all it holds."""
    changed: set[str] = set()
    for n, into in stmts:
        if into is not None:
            changed.add(into.split(".")[0])
        elif isinstance(n, (ast.AugAssign, ast.NamedExpr)):
            changed.update(t.split(".")[0] for t in targets_of(n))
        else:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]  # type: ignore[attr-defined]
            for t in targets:
                changed.update(d.split(".")[0] for x in walk(t) if isinstance(x, ast.Subscript) and (d := dotted(x.value)))
    out = {}
    for n, into in stmts:
        if into is None and isinstance(n, (ast.Assign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            names = frozenset(t for t in targets_of(n) if "." not in t and t not in changed)
            if names:
                out[id(n)] = names
    return out


def unpacked(n: ast.AST) -> list[tuple[ast.expr, ast.expr, Pick]] | None:
    """(target, value, element read) per element of `a, b = f(x)` (the call, read at the
    element's position) or `a, b = x, y`; None for any other assignment, or a starred element."""
    if not (isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], (ast.Tuple, ast.List))):
        return None
    elts = n.targets[0].elts
    if any(isinstance(e, ast.Starred) for e in elts):
        return None
    if isinstance(n.value, ast.Call):
        return [(e, n.value, i) for i, e in enumerate(elts)]
    if isinstance(n.value, (ast.Tuple, ast.List)) and len(n.value.elts) == len(elts) and not any(isinstance(v, ast.Starred) for v in n.value.elts):
        return [(e, v, None) for e, v in zip(elts, n.value.elts, strict=True)]
    return None
