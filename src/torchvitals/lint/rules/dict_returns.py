"""The entries of dicts a function of this file returns, for the tag tracer of TVL009: a rollout
or a data-preparation helper often hands its tensors back as `{"obs": ..., "returns": ...}`, and
the caller (or a function it passes the dict to) reads them by key (`buf["returns"][idx]`)."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import functions
from torchvitals.lint.engine import Context, walk_scope


def returned_entries(ctx: Context, call: ast.AST, key: str) -> list[ast.expr] | None:
    """`key`'s value in every dict literal a plain function of this file returns, for a call of
    it (`return {"obs": ..., "returns": adv + values}`); None unless every return is one that
    holds `key`."""
    fn = functions(ctx).get(call.func.id) if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) else None
    if fn is None:
        return None
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)]
    out = []
    for r in rets:
        v = next((v for k, v in zip(r.keys, r.values, strict=True) if isinstance(k, ast.Constant) and k.value == key), None) if isinstance(r, ast.Dict) else None
        if v is None:
            return None
        out.append(v)
    return out or None
