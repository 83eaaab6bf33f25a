"""TVL017 helpers: pairings that happen in another function of the file.

- A helper that pairs two of its own parameters (`roc_auc(y_true, y_score)` indexing `y_true`
  by an order computed from `y_score`; `write_submission(df, probs)` building a DataFrame of
  both) pairs whatever its callers pass for them.
- A loader built inside a builder (`make_test_loader(df, bs)`) names its data by the builder's
  parameters; the callers name it by what they pass (`make_test_loader(test_df, 64)`)."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import functions
from torchvitals.lint.engine import Context, callee, dotted, last, method, walk_scope


def pairs_params(ctx: Context, call: ast.Call, mentions, derived, metric) -> bool:  # type: ignore[no-untyped-def]
    """The call runs a function of this file that pairs two of its parameters inside."""
    fn = functions(ctx).get(callee(call)) if isinstance(call.func, ast.Name) else None
    if not isinstance(fn, ast.FunctionDef):
        return False
    memo = ctx.memo.setdefault("pairs_params", {})
    if id(fn) not in memo:
        memo[id(fn)] = _pairs_inside(fn, mentions, derived, metric)
    return memo[id(fn)]


def _pairs_inside(fn: ast.FunctionDef, mentions, derived, metric) -> bool:  # type: ignore[no-untyped-def]
    params = [a.arg for a in fn.args.args if a.arg not in ("self", "model", "path", "out_path")]
    if len(params) < 2:
        return False
    body = list(fn.body)
    sides = {p: derived(body, {p}) for p in params}
    for n in walk_scope(fn):
        operands: list[ast.AST] = []
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], (ast.Eq, ast.NotEq)):
            operands = [n.left, n.comparators[0]]
        elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub):
            operands = [n.left, n.right]
        elif isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Load):
            operands = [n.value, n.slice]
        elif isinstance(n, ast.Call) and (metric(last(callee(n)) or "") or (last(callee(n)) or method(n)) in ("zip", "DataFrame", "column_stack", "stack")):
            operands = [v for a in [*n.args, *(k.value for k in n.keywords)] for v in (a.values if isinstance(a, ast.Dict) else [a])]
        owners = [{p for p, s in sides.items() if mentions(o, s)} for o in operands]
        singles = [o.pop() for o in owners if len(o) == 1]
        if len(set(singles)) >= 2:
            return True
    return False


def caller_names(ctx: Context, loader: ast.Call, partners: set[str]) -> set[str]:
    """Partners named by a builder's parameters, renamed to what each call of the builder passes."""
    fn = ctx.scope_of(loader)
    if not isinstance(fn, ast.FunctionDef) or ctx.parent.get(fn) is not ctx.tree:
        return set()
    params = [a.arg for a in fn.args.args]
    out: set[str] = set()
    for c in ctx.calls:
        if not (isinstance(c.func, ast.Name) and c.func.id == fn.name):
            continue
        for p in partners:
            head, _, rest = p.partition(".")
            if head not in params:
                continue
            i = params.index(head)
            given = next((k.value for k in c.keywords if k.arg == head), c.args[i] if i < len(c.args) else None)
            name = dotted(given) if given is not None else None
            if name:
                out.add(f"{name}.{rest}" if rest else name)
    return out
