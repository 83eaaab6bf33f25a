"""A `**splat`'s dict read through the shared evaluator (values.py) when loaders.dict_items's
literal forms do not show it: `dict(COMMON)`, `dict(COMMON, shuffle=False)`, `{**BASE, ...}`,
a lookup or a helper's return. Split from loaders.py, which asks it last."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import Context
from torchvitals.lint.rules import values
from torchvitals.lint.rules.value_kinds import Table
from torchvitals.lint.syntax import walk

_PLAIN = (bool, int, float, str, type(None))


def _fixed(ctx: Context, expr: ast.AST) -> bool:
    """`expr` names no parameter of its function and no loop or comprehension variable, and
    looks up only constant keys: it stands for one dict wherever it is read."""
    if any(isinstance(n, ast.Subscript) and not isinstance(n.slice, ast.Constant) for n in walk(expr)):
        return False
    names = {n.id for n in walk(expr) if isinstance(n, ast.Name)}
    fn = ctx.scope_of(expr)
    args = getattr(fn, "args", None)
    if args is not None and names & {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}:
        return False
    for a in ctx.ancestors(expr):
        loops = [a.target] if isinstance(a, (ast.For, ast.AsyncFor)) else [g.target for g in getattr(a, "generators", [])]
        if any(isinstance(t, ast.Name) and t.id in names for lp in loops for t in walk(lp)):
            return False
    return True


def evaluated_items(ctx: Context, expr: ast.AST | None) -> list[tuple[str, ast.expr]] | None:
    """The shared evaluator's reading of a dict the literal forms above do not show: one built
    from another (`dict(COMMON)`, `dict(COMMON, shuffle=False)`, `{**BASE, "drop_last": True}`),
    reached through a lookup or a helper's return. Only one possible dict, every key a string
    and every value a plain constant: the keywords a loader gets, spelled out. Not for a dict
    picked by a loop variable or a parameter (`**OPTS[split]`): the split-aware readers keep
    the splat and read it per split."""
    if expr is None or not _fixed(ctx, expr):
        return None
    found = values.possible(ctx, expr)
    if found is None or len(found) != 1 or not isinstance(t := next(iter(found)), Table):
        return None
    if not all(isinstance(k, str) and type(v) in _PLAIN for k, v in t.items):
        return None
    return [(k, ast.Constant(value=v)) for k, v in t.items]
