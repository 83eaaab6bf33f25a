"""TVL017: a shuffled evaluation loader whose evaluation depends on the order.

A shuffled validation or test loader is only a bug when its results meet data kept in the
dataset's own order: predictions collected batch after batch and compared with the dataset's
labels, written next to its ids, or the batch number indexing into it. A metric computed from
(prediction, label) pairs of the same batches is order-free and is not reported. The loader is
found from the evaluation loop (a `for` statement, or a comprehension collecting the batches'
results) through loaders.loader_paths; the pairing is looked for after the loop, in the
function's callers when it returns what it collected, and in Lightning's epoch-end hooks."""

from __future__ import annotations

import ast
import bisect
from typing import NamedTuple

from torchvitals.lint.engine import (
    Context,
    arg,
    callee,
    dotted,
    is_const,
    last,
    passed,
    targets_of,
    walk_scope,
)
from torchvitals.lint.rules.eval_partners import (
    _made_sources,
    _param_partners,
    _params_of,
    _partners,
    _split_arrays,
    _stored_copies,
    _stored_partners,
    keyed_siblings,
    local_copies,
    site_sources,
)
from torchvitals.lint.rules.loaders import (
    _is_eval_name,
    _loader_calls,
    loader_paths,
    loader_view,
    local_function,
    sampler_order,
    shuffle_of,
)
from torchvitals.lint.rules.order_evidence import (
    _accumulated,
    _derived,
    _mentions,
    _order_evidence,
    _paired_where_used,
    grad_free_pass,
    iterated_name,
    sibling_frames,
)
from torchvitals.lint.rules.pairing import (
    _substituted,
    caller_names,
    default_of,
    receiver_partners,
    root_name,
    setting_through_callers,
)
from torchvitals.lint.rules.split_views import has_splat, shuffled_split, split_data
from torchvitals.rules.base import document

# Rule 15's second half has its own code: finding names are stable, and TVL015's name says
# "unshuffled-train-loader", which a shuffled evaluation loader is not.
SHUFFLED_EVAL = document(
    "TVL017",
    "shuffled-eval-order",
    what="A validation/test `DataLoader` built with `shuffle=True` (or a `RandomSampler`) whose evaluation depends on "
    "the order: predictions collected over it are compared with (or written next to) the "
    "dataset's own labels, ids or rows in their original order, or the batch number indexes "
    "into the dataset.",
    why="Shuffling reorders the samples but not the arrays they are paired with: each prediction "
    "is scored against another sample's label (a good model looks like chance) or written "
    "to another sample's row of a submission. Nothing errors. A shuffled loader whose metric "
    "is an average over batches is harmless and is not reported.",
    example="val_loader = DataLoader(val_set, batch_size=256, shuffle=True)\n"
    "preds = [model(x).argmax(1) for x, _ in val_loader]\n"
    "acc = (torch.cat(preds) == val_set.targets).float().mean()",
    fix="`shuffle=False` for evaluation loaders (order never helps evaluation), or collect the "
    "labels and ids from the same batches as the predictions.",
)

LIGHTNING_EVAL = {  # loader hook -> (step hook, epoch-end hooks)
    "val_dataloader": ("validation_step", ("on_validation_epoch_end", "validation_epoch_end")),
    "test_dataloader": ("test_step", ("on_test_epoch_end", "test_epoch_end")),
    "predict_dataloader": ("predict_step", ("on_predict_epoch_end", "predict_epoch_end")),
}


def _shuffled(ctx: Context, call: ast.Call) -> bool:
    view = loader_view(ctx, call)
    return view is not None and (is_const(shuffle_of(ctx, view), True) or sampler_order(ctx, view) == "random")


def _shuffle_param(ctx: Context, call: ast.Call) -> tuple[ast.FunctionDef, ast.Name, ast.expr] | None:
    """`DataLoader(ds, shuffle=shuffle)` in a builder with a `shuffle` parameter, or a setting
    read from one (`shuffle=loader_cfg["shuffle"]`, `cfg.get("shuffle")`): (the builder, the
    parameter's name where it is read, what `shuffle=` is given); None otherwise."""
    view = loader_view(ctx, call)
    given = shuffle_of(ctx, view) if view is not None else None
    fn = ctx.scope_of(call)
    root = root_name(given) if given is not None else None
    if root is not None and isinstance(fn, ast.FunctionDef) and root.id in _params_of(fn):
        return fn, root, given  # type: ignore[return-value]
    return None


def _shuffled_by_site(ctx: Context, call: ast.Call, sites: tuple[ast.Call, ...]) -> bool:
    """The builder's `shuffle` parameter is True for the call the loader was reached through
    (`make_loader(test_ds, 256)` with `def make_loader(ds, bs=64, shuffle=True)`), or the setting
    it reads is True in what that call passes, followed through its own callers
    (`make_loader(test_ds, cfg["loader"])` in `main(cfg)`, run as `main(CFG)`)."""
    found = _shuffle_param(ctx, call)
    if found is None or sampler_order(ctx, loader_view(ctx, call)) is not None:  # type: ignore[arg-type]
        return False
    fn, root, given = found
    made = [c for c in sites if callee(c) == fn.name]
    for c in made:
        passed_in = _passed(fn, c, root.id)
        value = passed_in if given is root or passed_in is None else _substituted(given, root, passed_in)
        if value is None or not is_const(setting_through_callers(ctx, value, ctx.scope_of(c)), True):
            return False
    return bool(made)


def _passed(fn: ast.FunctionDef, call: ast.Call, param: str) -> ast.expr | None:
    """What `call` gives `fn`'s parameter: its argument, else the parameter's default."""
    names = [a.arg for a in fn.args.args]
    i = names.index(param)
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    given = passed(call, i, param)
    return given if given is not None else default_of(fn, param)


















def _inline_evidence(ctx: Context, ps: Pass, partners: set[str]) -> ast.AST | None:
    """`accuracy_score(y_test, torch.cat([m(x) for x in test_loader]))`: the comprehension's
    results paired with the data in the statement that holds it."""
    return _paired_where_used(ctx, ps.node, partners) if isinstance(ps.node, COMPREHENSIONS) else None


# How far after an evaluation loop its results are followed: the nearest statements after it.
# Without a bound, a script of many evaluation loops at module level costs (loops x script).
AFTER_STATEMENTS = 250


def _after(ctx: Context, scope: ast.AST, loop: ast.AST) -> list[ast.AST]:
    """Statements of the function that run after the loop (textually after it): the nearest
    AFTER_STATEMENTS of them, in the order walk_scope meets them."""
    end = getattr(loop, "end_lineno", loop.lineno) or loop.lineno  # type: ignore[attr-defined]
    stmts, order, lines = _statements(ctx, scope)
    first = bisect.bisect_right(lines, end)
    return [stmts[i] for i in sorted(order[first : first + AFTER_STATEMENTS])]


def _assigned_before(ctx: Context, scope: ast.AST, loop: ast.AST) -> list[ast.AST]:
    """The nearest AFTER_STATEMENTS plain assignments of the function above the loop
    (`y_true = val_ds.targets` before the loop runs)."""
    stmts, order, lines = _statements(ctx, scope)
    last_before = bisect.bisect_left(lines, loop.lineno)  # type: ignore[attr-defined]
    near = order[max(0, last_before - AFTER_STATEMENTS) : last_before]
    return [stmts[i] for i in sorted(near) if isinstance(stmts[i], (ast.Assign, ast.AnnAssign))]


def _statements(ctx: Context, scope: ast.AST) -> tuple[list[ast.stmt], list[int], list[int]]:
    """The statements of a scope, the order that sorts them by line, and their sorted lines:
    built once per scope, so each loop's neighbours are found by bisection."""
    memo = ctx.memo.setdefault("statements_by_line", {})
    hit = memo.get(id(scope))
    if hit is None or hit[0] is not scope:
        stmts = [n for n in walk_scope(scope) if isinstance(n, ast.stmt) and not isinstance(n, ast.FunctionDef)]
        order = sorted(range(len(stmts)), key=lambda i: stmts[i].lineno)
        hit = memo[id(scope)] = (scope, stmts, order, [stmts[i].lineno for i in order])
    return hit[1], hit[2], hit[3]


class Pass(NamedTuple):
    """One pass of an evaluation over a loader: a `for` loop, or a comprehension collecting the
    batches' results (`preds = torch.cat([model(x) for x, _ in loader])`)."""

    node: ast.AST  # the For or the comprehension
    iter: ast.expr
    target: ast.expr
    body: list[ast.AST]  # the loop's statements, or the comprehension's element
    anchor: ast.stmt  # what runs after it follows this statement
    acc: set[str] | None  # the names holding the results (None: what the body accumulates)
    returned: bool  # the comprehension is returned as it is


COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)


def _passes(ctx: Context) -> list[Pass]:
    out = []
    for n in ctx.parent:
        if isinstance(n, (ast.For, ast.AsyncFor)):
            out.append(Pass(n, n.iter, n.target, list(n.body), n, None, False))
        elif isinstance(n, COMPREHENSIONS) and len(n.generators) == 1:
            stmt = next((a for a in ctx.ancestors(n) if isinstance(a, ast.stmt)), None)
            if stmt is not None:
                acc = {t for t in targets_of(stmt) if "." not in t} if isinstance(stmt, ast.Assign) else set()
                gen = n.generators[0]
                out.append(Pass(n, gen.iter, gen.target, [n.elt], stmt, acc, isinstance(stmt, ast.Return)))
    return out


def check_eval_order(ctx: Context) -> None:
    if ("shuffle" not in ctx.text and "RandomSampler" not in ctx.text) or not any(
        _shuffled(ctx, c) or _shuffle_param(ctx, c) or has_splat(ctx, c) for c in ctx.calls
    ):
        return  # cheap exit: most files build no shuffled loader at all
    reported: set[int] = set()
    for ps in _passes(ctx):
        it, counters = ps.iter, set()
        while isinstance(it, ast.Call) and last(callee(it)) in ("enumerate", "tqdm", "track", "iter") and it.args:
            if last(callee(it)) == "enumerate" and isinstance(ps.target, ast.Tuple) and ps.target.elts:
                counters.add(dotted(ps.target.elts[0]) or "")
            it = it.args[0]
        for loader, names, sites in loader_paths(ctx, it, []):
            split = shuffled_split(ctx, loader, sites, it)  # `**cfg["loaders"][split]`, given "eval" on the way
            if id(loader) in reported or not (_shuffled(ctx, loader) or _shuffled_by_site(ctx, loader, sites) or split):
                continue
            ds = arg(loader_view(ctx, loader) or loader, 0, "dataset")
            ds_name = dotted(ds) or (callee(ds) if isinstance(ds, ast.Call) else "") or ""
            own = _evaluation_data(ctx, loader, [*names, ds_name, split or ""], sites, grad_free_pass(ctx, ps.anchor, ps.body))
            ds_name = ast.unparse(ds) if isinstance(ds, ast.Subscript) else ds_name  # sets[split]
            if own is None:
                continue
            for node in ps.body:  # running offsets: `start += len(x)`
                counters |= {t for n in [node, *walk_scope(node)] if isinstance(n, ast.AugAssign) for t in targets_of(n)}
            partners = _partners(ctx, loader, iterated_name(it)) | own | _param_partners(ctx, ps.anchor, own) | split_data(ctx, loader, split)
            partners |= keyed_siblings(ctx, loader_view(ctx, loader) or loader, names)  # datasets["val"] beside loaders["val"]
            partners |= _made_sources(ctx, it)  # build_loader(ds, "score") with ds = Windows(df[cols].values, w)
            partners |= site_sources(ctx, loader, own, sites)  # make("test", test.drop(columns=["id"]).values)
            partners |= receiver_partners(ctx, loader, sites, partners)  # dm.test_frame of dm.test_dataloader()
            partners |= _stored_partners(ctx, ps.anchor, partners)  # self.dataset = dataset, given test_set
            partners |= _stored_copies(ctx, ps.anchor, partners)  # self.val_df = val_df.reset_index(drop=True)
            partners |= _derived(_assigned_before(ctx, ctx.scope_of(ps.anchor), ps.anchor), partners)  # y_true = ds.targets
            after = _after(ctx, ctx.scope_of(ps.anchor), ps.anchor)
            where = _inline_evidence(ctx, ps, partners) or _order_evidence(ctx, ps.body, after, counters - {""}, partners, ps.acc)
            where = where or _evidence_at_callers(ctx, ps, partners)
            if where is not None:
                reported.add(id(loader))
                _report_eval(ctx, loader, ds_name, where)
    _check_lightning(ctx, reported)


def _evaluation_data(ctx: Context, loader: ast.Call, names: list[str], sites: tuple[ast.Call, ...], by_use: bool = False) -> set[str] | None:
    """The names holding the loader's data in its own order (the dataset, the arrays it was
    built from, what the builder calls on the way pass for them), when the names met say
    evaluation, or the pass runs without a graph (`by_use`) and no name says training; None
    when the loader is not an evaluation loader."""
    site = ctx.parent.get(loader)
    assigned = targets_of(site) if isinstance(site, ast.Assign) else []
    own = _partners(ctx, loader, None)
    given = caller_names(ctx, loader, own, sites)  # the data a builder's callers pass (test_df)
    own |= given | _split_arrays(ctx, given)
    # a builder's own parameters (`train=True` of a shared get_loader) say nothing of the split
    # once its callers have named the data
    said = own - _params_of(ctx.scope_of(loader)) if given else own
    # a pass without a graph evaluates (`by_use`) unless a name says it is the training data
    return own if _is_eval_name([*names, *assigned, *said, *(["eval"] if by_use else [])]) else None




def _evidence_at_callers(ctx: Context, ps: Pass, partners: set[str]) -> ast.AST | None:
    """`preds = predict(model, val_loader)` where predict() returns what its loop collected: the
    pairing is looked for after each call site, with the bound name as the collected results;
    `test_df["label"] = predict(model, test_loader)` writes them into the data's own rows."""
    fn = ctx.scope_of(ps.anchor)
    if not isinstance(fn, ast.FunctionDef) or local_function(ctx, fn.name) is not fn:
        return None
    acc = _accumulated(ps.body) if ps.acc is None else ps.acc
    mine = _derived([*ps.body, *_after(ctx, fn, ps.anchor)], acc)
    if not ps.returned and (not mine or not any(isinstance(r, ast.Return) and _mentions(r.value, mine) for r in walk_scope(fn))):
        return None
    for c in ctx.calls:
        site = ctx.parent.get(c)
        if not _runs(ctx, c, fn):
            continue
        if (where := _paired_where_used(ctx, c, partners)) is not None:
            return where
        if not isinstance(site, ast.Assign):
            continue
        got = {t for t in targets_of(site) if "." not in t}
        frames = {t for a in walk_scope(ctx.scope_of(site)) if isinstance(a, ast.Assign) and isinstance(a.value, ast.Call)
                  and last(callee(a.value)) in ("read_csv", "DataFrame") and not _mentions(a.value, got) for t in targets_of(a)}  # fmt: skip
        sibs = sibling_frames(ctx, c)  # `def annotate(self, meta_df, x)` called with a frame for meta_df
        sibs |= local_copies(ctx, site, partners)  # `report = self.df[cols].copy(); report["pred"] = ...`
        if any(isinstance(t, ast.Subscript) and _mentions(t.value, partners | sibs) for t in site.targets):
            return site
        held = partners | frames | _param_partners(ctx, site, partners) | sibs  # `evaluate(model, val_ds.labels)` fills `labels`
        where = _order_evidence(ctx, [], _after(ctx, ctx.scope_of(site), site), set(), held, acc=got) if got else None
        if where is not None:
            return where
    return None


def _runs(ctx: Context, call: ast.Call, fn: ast.FunctionDef) -> bool:
    """`call` runs `fn`: by its name, or `self.fn(...)` from a method of fn's own class."""
    if callee(call) == fn.name:
        return True
    cls = ctx.parent.get(fn)
    return callee(call) == f"self.{fn.name}" and isinstance(cls, ast.ClassDef) and ctx.parent.get(ctx.scope_of(call)) is cls












def _check_lightning(ctx: Context, reported: set[int]) -> None:
    """`val_dataloader` returns a shuffled loader and `validation_step` indexes the dataset by
    `batch_idx`, or the epoch-end hook pairs collected predictions with the dataset's labels."""
    for cls in ctx.classes:
        methods = {m.name: m for m in cls.body if isinstance(m, ast.FunctionDef)}
        for hook, (step_name, ends) in LIGHTNING_EVAL.items():
            if hook not in methods or step_name not in methods:
                continue
            step = methods[step_name]
            rets = [r.value for r in walk_scope(methods[hook]) if isinstance(r, ast.Return) and r.value is not None]
            for loader, _ in [x for r in rets for x in _loader_calls(ctx, r, [hook])]:
                if id(loader) in reported or not _shuffled(ctx, loader):
                    continue
                params = [a.arg for a in step.args.args]
                counters = {params[2]} if len(params) > 2 else set()
                after = [*step.body, *(s for e in ends if e in methods for s in methods[e].body)]
                where = _order_evidence(ctx, step.body, after, counters, _partners(ctx, loader, None))
                if where is not None:
                    reported.add(id(loader))
                    ds = arg(loader, 0, "dataset")
                    _report_eval(ctx, loader, dotted(ds) or "dataset", where)


def _report_eval(ctx: Context, loader: ast.Call, ds_name: str, where: ast.AST) -> None:
    line = getattr(where, "lineno", 0)
    ctx.report(SHUFFLED_EVAL, loader, f"evaluation DataLoader over `{ds_name or 'dataset'}` with shuffle=True, "
               f"and line {line} pairs its results with data kept in the dataset's original order: each "
               "prediction meets another sample's label or row", pairing_line=line)  # fmt: skip


CHECKS = [check_eval_order]
