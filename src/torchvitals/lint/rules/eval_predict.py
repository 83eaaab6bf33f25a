"""TVL017 where the evaluation loop is a library's: `trainer.predict(model, dataloaders=loader)`
(Lightning) or `model.predict(loader)` runs over the loader in its order and returns what each
batch gave, in that order. When the loader shuffles and the result is paired with data kept in
the dataset's order (written next to its ids, scored against its labels), each prediction meets
another sample's row, exactly as with a hand-written loop (eval_order.py)."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import resolve
from torchvitals.lint.engine import (
    Context,
    arg,
    callee,
    dotted,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.rules.eval_order import (
    SHUFFLED_EVAL,
    _after,
    _evaluation_data,
    _report_eval,
    _shuffled,
    _shuffled_by_site,
)
from torchvitals.lint.rules.eval_partners import _partners
from torchvitals.lint.rules.loaders import loader_paths, loader_view
from torchvitals.lint.rules.order_evidence import _order_evidence
from torchvitals.lint.syntax import walk

PREDICTS = {"predict"}
LOADER_KEYWORDS = {"dataloaders", "dataloader", "loader", "data_loader", "data"}


def check_predict_order(ctx: Context) -> None:
    if "shuffle" not in ctx.text and "RandomSampler" not in ctx.text:
        return
    reported: set[int] = set()
    done = {f.evidence.get("line") for f in ctx.findings if f.code == SHUFFLED_EVAL.code}  # found by a loop already
    for c in ctx.calls:
        site = ctx.parent.get(c)
        if not isinstance(site, ast.Assign) or not (method(c) in PREDICTS or _predicts_over(ctx, c)):
            continue
        got = {t for t in targets_of(site) if "." not in t}
        given = [*c.args, *(k.value for k in c.keywords if k.arg in LOADER_KEYWORDS)]
        for expr in given:
            for loader, names, sites in loader_paths(ctx, expr, []):
                if id(loader) in reported or ctx.at(loader)[0] in done or not (_shuffled(ctx, loader) or _shuffled_by_site(ctx, loader, sites)):
                    continue
                ds = arg(loader_view(ctx, loader) or loader, 0, "dataset")
                ds_name = dotted(ds) or (callee(ds) if isinstance(ds, ast.Call) else "") or ""
                own = _evaluation_data(ctx, loader, [*names, ds_name], sites)
                if own is None or not got:
                    continue
                partners = _partners(ctx, loader, dotted(expr)) | own
                where = _order_evidence(ctx, [], _after(ctx, ctx.scope_of(site), site), set(), partners, acc=got)
                if where is not None:
                    reported.add(id(loader))
                    _report_eval(ctx, loader, ds_name, where)


def _predicts_over(ctx: Context, call: ast.Call) -> bool:
    """`predict(model, loader)`, a function of this file that iterates a loader it is given (a
    `for` or a comprehension over the parameter) and returns what that loop built: its result
    is in the loader's order, like a library's `predict`."""
    if not isinstance(call.func, ast.Name) or (t := resolve(ctx, call)) is None:
        return False
    given = {p for p, _ in t.params} | {a.arg for a in t.fn.args.args}
    loops = [n for n in walk_scope(t.fn) if isinstance(n, (ast.For, ast.comprehension)) and isinstance(n.iter, ast.Name) and n.iter.id in given]
    rets = [r.value for r in walk_scope(t.fn) if isinstance(r, ast.Return) and r.value is not None]
    if not loops or len(rets) != 1:
        return False
    made = {k for n in walk_scope(t.fn) if isinstance(n, ast.For) and n in loops for x in walk(n)
            if isinstance(x, ast.Call) and method(x) in ("append", "extend") and (k := receiver(x))}  # fmt: skip
    inside = any(isinstance(x, ast.comprehension) and x in loops for x in walk(rets[0]))
    return inside or any(isinstance(x, ast.Name) and x.id in made for x in walk(rets[0]))


CHECKS = [check_predict_order]
