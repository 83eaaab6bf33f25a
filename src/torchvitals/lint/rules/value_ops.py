"""How compound expressions combine the values of their parts, for the lint evaluator
(values.py): comprehensions item by item, operators over every pair of operand values, `and` /
`or` operand by operand, `not`. Each takes `ev`, the evaluator itself, to read its parts."""

from __future__ import annotations

import ast

from torchvitals.lint.rules.value_calls import Evaluate
from torchvitals.lint.rules.value_kinds import (
    ANY,
    MAX_VALUES,
    UNKNOWN,
    Env,
    Seq,
    members,
    products,
    table,
    target_names,
    truthy,
    truthy_all,
    unpack,
)


def comprehension(e: ast.ListComp | ast.GeneratorExp | ast.DictComp, env: Env, ev: Evaluate) -> frozenset:
    """A comprehension over values the file writes out, item by item with its target bound."""
    if len(e.generators) != 1 or e.generators[0].is_async:
        return UNKNOWN
    gen = e.generators[0]
    names = target_names(gen.target)
    out = set()
    for it in ev(gen.iter, env):
        items = members(it)
        if items is None or len(items) > MAX_VALUES:
            return UNKNOWN
        rows: list[list] = []
        for item in items:
            binding = unpack(gen.target, item)
            if binding is None:
                return UNKNOWN
            inner = tuple(p for p in env if p[0][0] != id(e)) + tuple(((id(e), n), frozenset({binding[n]})) for n in names)
            tests = [truthy_all(ev(t, inner)) for t in gen.ifs]
            if any(t is None for t in tests):
                return UNKNOWN
            if not all(tests):
                continue
            if isinstance(e, ast.DictComp):
                rows.append([((k, v),) for k in ev(e.key, inner) for v in ev(e.value, inner)])
            else:
                rows.append([(v,) for v in ev(e.elt, inner)])
        build = table if isinstance(e, ast.DictComp) else (lambda chunks: Seq(tuple(x for c in chunks for x in c)))
        out |= products(rows, build)
    return frozenset(out)


# ---- operators ---------------------------------------------------------------------------------

def pairwise(a: ast.expr, b: ast.expr, env: Env, ev: Evaluate, op) -> frozenset:  # noqa: ANN001
    """A binary operator or comparison over every pair of its operands' values."""
    left, right = ev(a, env), ev(b, env)
    if len(left) * len(right) > MAX_VALUES:
        return UNKNOWN
    return frozenset(op(x, y) for x in left for y in right)


def boolop(e: ast.BoolOp, env: Env, ev: Evaluate) -> frozenset:
    """`a or b` / `a and b`: Python's value, operand by operand (`cfg = cfg or Config()`)."""
    out: set = set()
    decides = isinstance(e.op, ast.Or)  # the truth that ends the expression at an operand
    for i, operand in enumerate(e.values):
        going_on = False
        for v in ev(operand, env):
            t = truthy(v)
            if i == len(e.values) - 1 or t == decides:
                out.add(v)
            elif t is None:
                out.add(ANY)
            else:
                going_on = True
        if not going_on:
            break
    return frozenset(out)


def unary(e: ast.UnaryOp, env: Env, ev: Evaluate) -> frozenset:
    """`not x`, `-x`."""
    vals = ev(e.operand, env)
    if isinstance(e.op, ast.Not):
        return frozenset(ANY if (t := truthy(v)) is None else not t for v in vals)
    if isinstance(e.op, ast.USub):
        return frozenset(-v if isinstance(v, (int, float)) and not isinstance(v, bool) else ANY for v in vals)
    return UNKNOWN
