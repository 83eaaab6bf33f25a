"""Calls the lint evaluator (values.py) reads without running them: builtins that build or copy
containers and the reads of a dict's entries. Each takes `ev`, the evaluator itself, to read its
arguments."""

from __future__ import annotations

import ast
from collections.abc import Callable

from torchvitals.lint.engine import Context, dotted
from torchvitals.lint.rules.value_kinds import (
    ANY,
    MAX_VALUES,
    UNKNOWN,
    Env,
    Seq,
    Table,
    members,
    products,
    zipped,
)
from torchvitals.lint.rules.value_reads import popped_elsewhere

Evaluate = Callable[[ast.AST, Env], frozenset]

CONTAINER_READS = {"get", "pop", "items", "keys", "values", "copy"}
PASS_ALONG = {"dict", "list", "tuple", "copy", "deepcopy", "copy.copy", "copy.deepcopy", "OrderedDict", "collections.OrderedDict"}



def container_read(ctx: Context, e: ast.Call, receivers: frozenset, env: Env, ev: Evaluate) -> frozenset:
    """`d.get(k, default)`, `d.pop(k, default)`, `d.items()`, `.keys()`, `.values()`, `.copy()` of a Table."""
    attr = e.func.attr  # type: ignore[attr-defined]
    if attr in ("get", "pop"):
        if not e.args or e.keywords:
            return UNKNOWN
        root = dotted(e.func.value)  # type: ignore[attr-defined]
        keys = ev(e.args[0], env)
        if attr == "pop" and root and popped_elsewhere(ctx, e, root, keys):
            return UNKNOWN
        default = ev(e.args[1], env) if len(e.args) > 1 else frozenset({None if attr == "get" else ANY})
        out: set = set()
        for r in receivers:
            for k in keys:
                v = r.get(k, None) if isinstance(r, Table) else ANY
                out |= default if v is None and isinstance(r, Table) and k not in r.keys() else {v}
        return frozenset(out)
    if attr == "copy":
        return receivers
    out = set()
    for r in receivers:
        if not isinstance(r, Table):
            out.add(ANY)
        elif attr == "items":
            out.add(Seq(tuple(Seq((k, v)) for k, v in r.items)))
        else:
            out.add(Seq(r.keys() if attr == "keys" else tuple(v for _, v in r.items)))
    return frozenset(out)


def builtin(e: ast.Call, name: str, env: Env, ev: Evaluate) -> frozenset:
    """`dict(...)`, `list(...)`, `tuple(...)`, `copy.deepcopy(...)`, `range(n)`, `enumerate(...)`, `zip(...)`."""
    args = [ev(a, env) for a in e.args if not isinstance(a, ast.Starred)]
    if len(args) != len(e.args):
        return UNKNOWN
    if name in ("dict", "OrderedDict", "collections.OrderedDict"):
        if len(e.args) > 1:
            return UNKNOWN
        literal = ast.Dict(keys=[*([None] if e.args else []), *(None if k.arg is None else ast.Constant(k.arg) for k in e.keywords)],
                           values=[*e.args, *(k.value for k in e.keywords)])  # fmt: skip
        return ev(literal, env)
    if name in ("list", "tuple"):
        if len(args) != 1:
            return frozenset({Seq(())}) if not args else UNKNOWN
        return frozenset(Seq(v.items) if isinstance(v, Seq) else Seq(v.keys()) if isinstance(v, Table) else ANY for v in args[0])
    if name in ("copy", "deepcopy", "copy.copy", "copy.deepcopy"):
        return args[0] if len(args) == 1 else UNKNOWN
    if name == "range":
        ints = [a for a in args if len(a) == 1 and isinstance(next(iter(a)), int)]
        if len(ints) != len(args) or not 1 <= len(args) <= 3:
            return UNKNOWN
        r = range(*(next(iter(a)) for a in ints))
        return frozenset({Seq(tuple(r))}) if len(r) <= MAX_VALUES else UNKNOWN
    if name == "enumerate" and len(args) == 1 and not e.keywords:
        return frozenset(Seq(tuple(Seq((i, x)) for i, x in enumerate(members(v)))) if members(v) is not None else ANY for v in args[0])
    if name == "zip" and args and not e.keywords:
        return products([list(a) for a in args], lambda vs: zipped(vs))
    return UNKNOWN
