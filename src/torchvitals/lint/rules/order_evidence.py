"""TVL017's evidence: where results collected over a shuffled loader meet data kept in the
dataset's order. `_order_evidence` looks in the statements after the evaluation loop for a
comparison, a difference, a metric of (truth, prediction), a zip or DataFrame of both, or a
row-by-row write of the results into the data's own frame; `_paired_where_used` looks in the
expression around a comprehension or a helper's call. Names are followed by assignment
(`_derived`), and what the loop collects batch by batch is `_accumulated`."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import effects_of
from torchvitals.lint.engine import (
    Context,
    callee,
    dotted,
    is_nograd_with,
    kwarg,
    last,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.rules.cutflow import _nograd_decorator
from torchvitals.lint.rules.flow import bounds_at
from torchvitals.lint.rules.pairing import pairs_params
from torchvitals.lint.syntax import walk

# A metric or pairing call: which of its positional arguments pair element by element.
_METRIC = re.compile(r"(_score|_error|_curve|_matrix|_loss)$|^(pearsonr|spearmanr|kendalltau)$")
PAIRING = {"zip", "DataFrame", "column_stack", "stack", "equal", "eq", "isclose", "allclose", "corrcoef"}
METRIC_MODULES = ("sklearn.metrics", "torchmetrics", "scipy.stats")


def _is_metric(ctx: Context, call: ast.Call) -> bool:
    """A metric of (truth, prediction): named like one (`f1_score`, `mean_squared_error`), or a
    function of a metrics library (`matthews_corrcoef` from sklearn.metrics, `skm.cohen_kappa_score`)."""
    name = callee(call) or ""
    if _METRIC.search(last(name) or ""):
        return True
    functions, modules = _metric_imports(ctx)
    return name in functions or "." in name and name.rsplit(".", 1)[0] in modules


def _metric_imports(ctx: Context) -> tuple[set[str], set[str]]:
    """Names imported from metrics libraries, and the names the libraries are imported as."""
    hit = ctx.memo.get("metric_imports")
    if hit is None:
        hit = (set(), set())
        for n in walk_scope(ctx.tree):
            if isinstance(n, ast.ImportFrom) and (n.module or "").startswith(METRIC_MODULES):
                hit[0].update(a.asname or a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom) and f"{n.module}.metrics".startswith(METRIC_MODULES):
                hit[1].update(a.asname or a.name for a in n.names if a.name == "metrics")  # from sklearn import metrics
            elif isinstance(n, ast.Import):
                hit[1].update(a.asname or a.name for a in n.names if a.name.startswith(METRIC_MODULES))
        ctx.memo["metric_imports"] = hit
    return hit


def _mentions(node: ast.AST | None, names: set[str]) -> bool:
    """The expression reads one of `names` (or an attribute of it), not just its length."""
    if node is None:
        return False
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Call) and callee(n) == "len":
            continue
        key = dotted(n) if isinstance(n, (ast.Name, ast.Attribute)) else None
        if key:  # a whole dotted chain: judged here, not again by its parts
            if any(key == x or key.startswith(x + ".") and _per_sample(key[len(x) + 1 :]) for x in names):
                return True
            continue
        if (keyed := keyed_chain(n)) and any(keyed.startswith(x + ".") and _per_sample(keyed[len(x) + 1 :]) for x in names):
            return True  # `self.loaders['val'].dataset.labels` with `self.loaders['val'].dataset` a partner
        todo.extend(ast.iter_child_nodes(n))
    return False


def keyed_chain(node: ast.AST | None) -> str | None:
    """`self.loaders['val'].dataset` as written (ast.unparse) when it is a dotted name looked up
    under a constant key, then attributes: a name for what the entry holds; None otherwise."""
    inner = node
    while isinstance(inner, ast.Attribute):
        inner = inner.value
    if inner is node or not (isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Constant) and dotted(inner.value)):
        return None
    return ast.unparse(node)  # type: ignore[arg-type]


def iterated_name(it: ast.expr) -> str | None:
    """The name an evaluation loop's iterable goes by: `val_loader`, or `self.loaders['val']`
    as written (its `.dataset` then names the loader's data, read by `keyed_chain`)."""
    if isinstance(it, ast.Subscript) and isinstance(it.slice, ast.Constant) and dotted(it.value):
        return ast.unparse(it)
    return dotted(it)


# Dataset attributes that describe the classes, not the samples: `val_set.classes[p]` is a lookup.
META_ATTRS = {"classes", "class_to_idx", "idx_to_class", "class_names", "label_names", "vocab",
              "num_classes", "n_classes", "transform", "target_transform", "tokenizer"}  # fmt: skip


def _per_sample(attrs: str) -> bool:
    return attrs.split(".")[0] not in META_ATTRS


def _accumulated(body: list[ast.AST]) -> set[str]:
    """Names that collect values batch after batch: `.append`, `.extend`, `+= [...]`, `torch.cat([acc, x])`."""
    out = set()
    for node in body:
        for n in [node, *walk_scope(node)]:
            if isinstance(n, ast.Call) and method(n) in ("append", "extend") and receiver(n):
                out.add(receiver(n))
            elif isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add) and _is_list(n.value):
                out |= set(targets_of(n))
            elif isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and last(callee(n.value)) in ("cat", "concatenate", "append", "vstack", "hstack"):
                tgts = set(targets_of(n))
                if _mentions(n.value, tgts):
                    out |= tgts
    return out


def _is_list(node: ast.AST) -> bool:
    """`[...]`, `list(...)`, `x.tolist()`: `acc += ...` of these extends a list."""
    return isinstance(node, (ast.List, ast.ListComp)) or (
        isinstance(node, ast.Call) and (callee(node) == "list" or method(node) == "tolist")
    )


def _derived(region: list[ast.AST], acc: set[str]) -> set[str]:
    """`acc` and every name assigned from it in `region` (`preds = torch.cat(preds).numpy()`)."""
    out = set(acc)
    assigns = [n for node in region for n in [node, *walk_scope(node)] if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None]
    for _ in range(3):
        for a in assigns:
            if _mentions(a.value, out):  # `df["pred"] = preds` writes into df; it is not derived
                out |= {t for t in targets_of(a) if not isinstance(a, ast.Assign) or not any(isinstance(x, ast.Subscript) for x in a.targets)}
    return out


def _operands(ctx: Context, n: ast.AST) -> list[ast.AST]:
    """The operands `n` pairs element by element: `a == b`, `a - b`, a metric's (truth,
    prediction), `zip(...)`, a DataFrame's columns, a helper of this file pairing its parameters."""
    if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], (ast.Eq, ast.NotEq)):
        return [n.left, n.comparators[0]]
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub):
        return [n.left, n.right]
    if not isinstance(n, ast.Call):
        return []
    if pairs_params(ctx, n, _mentions, _derived, _METRIC.search):
        return [*n.args, *(k.value for k in n.keywords)]
    if not (_is_metric(ctx, n) or (last(callee(n)) or method(n)) in PAIRING):
        return []
    pairs = list(n.args[:2]) if _is_metric(ctx, n) else list(n.args)
    if method(n) == "eq":
        pairs.append(n.func.value)  # type: ignore[attr-defined]
    pairs += [k.value for k in n.keywords if k.arg in ("y_true", "y_pred", "y_score", "y_prob", "data")]
    return [v for p in pairs for v in (p.values if isinstance(p, ast.Dict) else [p])]


def _paired_where_used(ctx: Context, results: ast.AST, partners: set[str]) -> ast.AST | None:
    """The expression around `results` (up to its statement) that pairs them with data in the
    dataset's order: `f1_score(y_val, <results>)`, `pd.DataFrame({"id": ids, "y": <results>})`."""
    for a in ctx.ancestors(results):
        if isinstance(a, ast.stmt):
            return None
        ops = _operands(ctx, a)
        ours = [p for p in ops if any(x is results for x in walk(p))]
        if ours and any(p not in ours and _mentions(p, partners) for p in ops):
            return a
    return None


def _order_evidence(ctx: Context, body: list[ast.AST], after: list[ast.AST], counters: set[str], partners: set[str],
                    acc: set[str] | None = None) -> ast.AST | None:
    """Where the evaluation pairs shuffled results with data in the dataset's order, if anywhere."""
    for node in body:  # the batch number indexes the dataset: `val_set.files[i * bs + j]`
        for n in [node, *walk_scope(node)]:
            if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Load) and _mentions(n.slice, counters) and _mentions(n.value, partners):
                return n
    acc = _accumulated(body) if acc is None else acc
    if not acc:
        return None
    mine = _derived([*body, *after], acc)
    partners = partners | (_derived(after, partners) - mine)  # test_targets = y_te.numpy()
    templates = {t for node in after for n in [node, *walk_scope(node)] if isinstance(n, ast.Assign)
                 and isinstance(n.value, ast.Call) and last(callee(n.value)) == "read_csv" for t in targets_of(n)}  # fmt: skip
    for node in after:
        for n in [node, *walk_scope(node)]:
            pairs = _operands(ctx, n)
            if isinstance(n, ast.Assign) and _mentions(n.value, mine):
                for t in n.targets:
                    if isinstance(t, ast.Subscript) and _mentions(t.value, partners | templates) and not _mentions(t.value, mine) \
                            and not _mentions(t.slice, mine):  # rows picked by ids the same batches gave: aligned
                        return n  # val_df["pred"] = preds: written row by row in the shuffled order
            ours = [p for p in pairs if _mentions(p, mine) and not _mentions(p, partners)]
            theirs = [p for p in pairs if _mentions(p, partners) and not _mentions(p, mine)]
            if ours and theirs:
                return n
    return None


def grad_free_pass(ctx: Context, anchor: ast.AST, body: list[ast.AST]) -> bool:
    """The pass over a loader runs without a graph (in `with torch.no_grad():`, or in a function
    decorated `@torch.no_grad()` / `@torch.inference_mode()`) and backpropagates nothing: it
    evaluates, whatever the names of its loader and data say."""
    if effects_of(ctx, [n for b in body for n in walk(b)]).backward:
        return False
    if any(is_nograd_with(a) for a in ctx.ancestors(anchor)):
        return True
    return _nograd_decorator(ctx.scope_of(anchor)) is not None


# Calls that make a table of rows: a frame handed on from one of these keeps one row per sample.
FRAME_MAKERS = ("DataFrame", "read_csv", "read_parquet", "read_json", "read_table", "read_feather", "read_excel")
ROW_VIEWS = ("iloc", "loc", "copy", "reset_index", "head", "tail")


def sibling_frames(ctx: Context, site: ast.Call) -> set[str]:
    """Parameters of the function around `site` that hold a table of the samples: `def
    annotate(self, meta_df, signals): probs = self.predict_proba(signals)` where every call of
    annotate passes a frame for `meta_df` (`pd.DataFrame(...)` or `read_csv(...)`, sliced
    `meta.iloc[4000:]` or copied) and `site` is given another of its parameters, the data the
    frame describes. Writing the results into that frame as a column pairs them row by row
    with the samples in the dataset's order."""
    fn = ctx.scope_of(site)
    if not isinstance(fn, ast.FunctionDef):
        return set()
    params = [a.arg for a in fn.args.args if a.arg != "self"]
    given = {x.id for a in [*site.args, *(k.value for k in site.keywords)] for x in walk(a) if isinstance(x, ast.Name)}
    out = set()
    sites = [c for c in ctx.calls if _calls_by_name(c, fn)]  # `Runner(model).annotate(...)` too
    for i, p in enumerate(params):
        if p in given or not given & (set(params) - {p}):
            continue
        passed = [kwarg(c, p) or (c.args[i] if i < len(c.args) else None) for c in sites]
        if passed and all(v is not None and _made_as_frame(ctx, v) for v in passed):
            out.add(p)
    return out


def _calls_by_name(call: ast.Call, fn: ast.FunctionDef) -> bool:
    """`fn(...)`, or `<anything>.fn(...)` for a method (its `self` not among the arguments);
    a call that unpacks `*args` or `**kw` is not read."""
    method_call = isinstance(call.func, ast.Attribute) and call.func.attr == fn.name and fn.args.args[:1] and fn.args.args[0].arg == "self"
    plain = isinstance(call.func, ast.Name) and call.func.id == fn.name and not (fn.args.args[:1] and fn.args.args[0].arg == "self")
    unpacked = any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)
    return bool(method_call or plain) and not unpacked


def _made_as_frame(ctx: Context, expr: ast.expr) -> bool:
    """`meta.iloc[4000:]`, `df.copy()`, `df` where the name is bound once to a frame maker."""
    while True:
        if isinstance(expr, ast.Subscript):
            expr = expr.value
        elif isinstance(expr, ast.Attribute) and expr.attr in ROW_VIEWS:
            expr = expr.value
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ROW_VIEWS:
            expr = expr.func.value
        else:
            break
    if isinstance(expr, ast.Call):
        return last(callee(expr)) in FRAME_MAKERS
    if not isinstance(expr, ast.Name):
        return False
    bs = bounds_at(ctx, expr.id, expr) or []
    return len(bs) == 1 and not bs[0].index and not bs[0].loop and isinstance(bs[0].value, ast.Call) and last(callee(bs[0].value)) in FRAME_MAKERS
