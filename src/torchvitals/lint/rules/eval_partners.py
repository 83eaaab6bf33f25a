"""TVL017: which names hold a shuffled evaluation loader's data in the dataset's own order.

A prediction collected over a shuffled loader is only wrong where it meets data that kept the
dataset's order: the dataset itself, the arrays and frames it was built from (`TensorDataset(
X_val, y_val)`, `Windows(df[cols].values, w)`), arrays of the same split by name (`y_val` beside
`X_val`), and the attributes and parameters that hold those (`self.val_df = val_df.copy()`,
`evaluate(model, val_loader, y_val)`). eval_order.py looks for the pairing with these."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import Context, arg, callee, dotted, last, targets_of, walk_scope
from torchvitals.lint.rules.flow import bounds_at
from torchvitals.lint.rules.loaders import EVAL_WORDS, WORD, call_sites
from torchvitals.lint.rules.order_evidence import _mentions
from torchvitals.lint.rules.pairing import returned_dataset
from torchvitals.lint.rules.values import made


def _partners(ctx: Context, loader: ast.Call, iterated: str | None) -> set[str]:
    """Names that hold the evaluation data in its original order: the dataset, the arrays it
    was built from (`TensorDataset(X_val, y_val)`, `TextDataset(val_df)`), `loader.dataset`."""
    out = {f"{iterated}.dataset"} if iterated else set()
    ds = arg(loader, 0, "dataset")
    ctor = ds if isinstance(ds, ast.Call) else None
    name = dotted(ds)
    if name:
        out.add(name)
        values = [b.value for b in bounds_at(ctx, name, ds) or [] if not b.index and not b.loop]  # type: ignore[arg-type]
        ctor = values[0] if len(values) == 1 and isinstance(values[0], ast.Call) else None
    if ctor is not None:
        for a in [*ctor.args, *(k.value for k in ctor.keywords)]:
            inner = a.args if isinstance(a, ast.Call) else [a]  # torch.tensor(y_val)
            out |= {dotted(x) for x in inner if dotted(x)}  # type: ignore[misc]
            out |= {src for x in inner if isinstance(x, ast.Name) and (src := _row_source(ctx, x))}
            out |= {src for x in inner if (src := _rows_of(x))}  # Windows(df[cols].values, w): df's rows
    out |= _self_aliases(ctx, loader, out)
    return out | _split_arrays(ctx, out)


def _row_source(ctx: Context, use: ast.Name) -> str | None:
    """The table an array handed to the dataset was made from, row for row: `feats =
    torch.tensor(test_table.drop(columns=["id"]).to_numpy())` keeps `test_table`'s rows."""
    bs = bounds_at(ctx, use.id, use) or []
    value = bs[0].value if len(bs) == 1 and not bs[0].index and not bs[0].loop else None
    made = value
    while True:
        if isinstance(value, ast.Call) and last(callee(value)) in ("tensor", "as_tensor", "from_numpy", "array", "asarray") and value.args:
            value = value.args[0]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("drop", *ORDER_KEPT):
            value = value.func.value  # columns dropped, rows kept
        elif isinstance(value, ast.Attribute) and value.attr in ORDER_KEPT:
            value = value.value
        else:
            break
    if value is made:
        return None
    return dotted(value) if isinstance(value, ast.Name) else _rows_of(value)  # tensor(val[FEATS].values): val's rows


def _rows_of(value: ast.expr) -> str | None:
    """The frame or array an argument holds the rows of, in their order: `df[cols].values`,
    `table[["a", "b"]].to_numpy()`, `feats.astype("float32")` (columns picked, rows kept)."""
    start = value
    while True:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in (*ORDER_KEPT, "drop"):
            value = value.func.value  # test.drop(columns=["id"]).values: columns dropped, rows kept
        elif isinstance(value, ast.Attribute) and value.attr in ORDER_KEPT:
            value = value.value
        elif isinstance(value, ast.Subscript) and _columns(value.slice):
            value = value.value
        else:
            break
    return dotted(value) if isinstance(value, ast.Name) and value is not start else None


def site_sources(ctx: Context, loader: ast.Call, own: set[str], sites: tuple[ast.Call, ...]) -> set[str]:
    """The frames a builder's callers cut the data from: `make("test", test.drop(columns=["id"])
    .values)` fills the builder's `X`, a partner inside it, with `test`'s rows."""
    fn = ctx.scope_of(loader)
    if not isinstance(fn, ast.FunctionDef):
        return set()
    out = set()
    for p in own & _params_of(fn):
        out |= {src for c, given in call_sites(ctx, fn, p) if c in sites and (src := _rows_of(given))}
    return out


def _made_sources(ctx: Context, it: ast.expr) -> set[str]:
    """The data a loader expression's dataset was made from, as the shared evaluator follows it
    through builders and their callers: `build_loader(ds, "score")` where the caller bound `ds =
    Windows(df[cols].values, window)` gives `df`."""
    out: set[str] = set()
    for m in made(ctx, it) or []:
        if not (isinstance(m.node, ast.Call) and last(callee(m.node)) == "DataLoader"):
            continue
        for d in made(ctx, arg(m.node, 0, "dataset"), m.env) or []:
            if isinstance(d.node, ast.Call):
                for a in [*d.node.args, *(k.value for k in d.node.keywords)]:
                    out |= {x for x in (dotted(a), _rows_of(a)) if x}
    return out


def _columns(s: ast.expr) -> bool:
    """A selection of columns: a name, a string, a list of strings."""
    if isinstance(s, ast.List):
        return bool(s.elts) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in s.elts)
    return isinstance(s, ast.Name) or isinstance(s, ast.Constant) and isinstance(s.value, str)


def _self_aliases(ctx: Context, loader: ast.Call, names: set[str]) -> set[str]:
    """`self.val_ds = val_ds` in the class of a loader built in a method: the attribute holds
    the same data as the name, for the other methods that read it."""
    cls = ctx.parent.get(ctx.scope_of(loader))
    if not isinstance(cls, ast.ClassDef):
        return set()
    return {t for m in cls.body if isinstance(m, ast.FunctionDef) for n in walk_scope(m)
            if isinstance(n, ast.Assign) and dotted(n.value) in names for t in targets_of(n) if t.startswith("self.")}  # fmt: skip


# Words of a name that holds per-sample data (labels, ids, rows), as opposed to a scalar.
DATA_WORDS = {"y", "label", "labels", "target", "targets", "true", "gt", "df", "ids", "id", "files", "paths", "names"}


def _split_arrays(ctx: Context, partners: set[str]) -> set[str]:
    """Arrays of the same split, by name: with `X_val` in the dataset, `y_val` holds its labels
    in the same order even when the dataset never saw them."""
    splits = {w.lower() for p in partners for w in WORD.findall(p)} & EVAL_WORDS
    if not splits:
        return set()
    out = set()
    names = ctx.memo.get("plain_names")
    if names is None:  # every plain name in the file, gathered once (not once per loader)
        names = ctx.memo["plain_names"] = {n.id for n in ctx.parent if isinstance(n, ast.Name)}
    for name in names:
        words = {w.lower() for w in WORD.findall(name)}
        if words & splits and words & DATA_WORDS:
            out.add(name)
    return out


def _params_of(fn: ast.AST) -> set[str]:
    return {a.arg for a in fn.args.args} if isinstance(fn, ast.FunctionDef) else set()


def _stored_partners(ctx: Context, loop: ast.AST, partners: set[str]) -> set[str]:
    """`self.dataset` in a method of a class whose __init__ stores a parameter as it
    (`self.dataset, self.loader = dataset, loader`), when every construction of the class in
    this file passes evaluation data for it (`Evaluator(test_set, ...)`)."""
    cls = ctx.parent.get(ctx.scope_of(loop))
    init = next((m for m in cls.body if isinstance(m, ast.FunctionDef) and m.name == "__init__"), None) if isinstance(cls, ast.ClassDef) else None
    out: set[str] = set()
    for n in walk_scope(init) if init is not None else ():
        if not (isinstance(n, ast.Assign) and len(n.targets) == 1):
            continue
        t, v = n.targets[0], n.value
        for tt, vv in zip(t.elts, v.elts, strict=False) if isinstance(t, ast.Tuple) and isinstance(v, ast.Tuple) else [(t, v)]:
            attr = dotted(tt) or ""
            if not (attr.startswith("self.") and isinstance(vv, ast.Name)) or vv.id not in _params_of(init):
                continue
            passed = [p for _, p in call_sites(ctx, init, vv.id)]  # type: ignore[arg-type]
            if passed and all(_mentions(p, partners) for p in passed):
                out.add(attr)
    return out


# Methods and attributes that give the same rows in the same order (a frame re-indexed, copied,
# or turned into an array): what they return is still in the dataset's order.
ORDER_KEPT = {"reset_index", "copy", "to_numpy", "values", "astype", "fillna", "clone", "numpy", "tolist", "float", "double", "long", "to", "contiguous"}


def _order_kept(value: ast.expr) -> str | None:
    """The name a value keeps the row order of: `val_df`, `val_df.reset_index(drop=True)`,
    `val_df.copy()`, `y_val.values`, a column `test_df["id"].to_numpy()`."""
    while True:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ORDER_KEPT:
            value = value.func.value
        elif isinstance(value, ast.Attribute) and value.attr in ORDER_KEPT:
            value = value.value
        elif isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Constant) and isinstance(value.slice.value, str):
            value = value.value
        elif isinstance(value, ast.Subscript) and isinstance(value.slice, ast.List) and _columns(value.slice):
            value = value.value  # `val_df[["id", "hour"]]`: some columns, every row in its place
        else:
            return dotted(value)


def local_copies(ctx: Context, site: ast.AST, partners: set[str]) -> set[str]:
    """Names the function holding `site` binds, before it, to evaluation data with its rows in
    their order (`report = self.df[["id", "y"]].copy()` where `self.df` holds `val_df`): a
    column written into one of them (`report["pred"] = preds`) lands row by row."""
    scope = ctx.scope_of(site)
    out = set()
    for n in walk_scope(scope):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and n.lineno < site.lineno:  # type: ignore[attr-defined]
            if _order_kept(n.value) in partners:
                out.add(n.targets[0].id)
    return out


def _stored_copies(ctx: Context, loop: ast.AST, partners: set[str]) -> set[str]:
    """`self.val_df = val_df.reset_index(drop=True)` in a method of the evaluation loop's class,
    where `val_df` is evaluation data that method holds (a parameter or a local): the attribute
    holds the same rows in the same order for the method that evaluates."""
    cls = ctx.parent.get(ctx.scope_of(loop))
    if not isinstance(cls, ast.ClassDef):
        return set()
    out = set()
    for m in cls.body:
        if not isinstance(m, ast.FunctionDef):
            continue
        held = _params_of(m) | set(ctx.assigns_in(m))
        for n in walk_scope(m):
            if not (isinstance(n, ast.Assign) and len(n.targets) == 1 and (attr := dotted(n.targets[0]) or "").startswith("self.")):
                continue
            src = _order_kept(n.value)
            if src in partners and src in held:
                out.add(attr)
    return out


def _param_partners(ctx: Context, loop: ast.AST, partners: set[str]) -> set[str]:
    """Parameters of the loop's function that its callers fill with evaluation data
    (`evaluate(model, val_loader, y_val)`)."""
    fn = ctx.scope_of(loop)
    if not isinstance(fn, ast.FunctionDef):
        return set()
    out = set()
    for p in fn.args.args:
        if any(_mentions(passed, partners) or returned_dataset(ctx, passed, site, partners) for site, passed in call_sites(ctx, fn, p.arg)):
            out.add(p.arg)
    return out


def keyed_siblings(ctx: Context, loader: ast.Call, keys: list[str]) -> set[str]:
    """`datasets['val']` where a builder makes one loader per entry of a dict of datasets
    (`{k: DataLoader(ds, ...) for k, ds in splits.items()}`, or a loop filling `loaders[k]`)
    and hands that dict back beside the loaders (`return splits, loaders`, bound by the caller
    as `datasets, loaders = build_loaders(args)`): the dataset dict's entry under the key the
    loader was looked up by holds its data in the dataset's own order. `keys` are the names met
    on the way to the loader, its lookup key among them."""
    memo = ctx.memo.setdefault("keyed_sibling_dicts", {})
    if id(loader) not in memo:  # one scan of the builder's callers per loader, not per pass
        memo[id(loader)] = (loader, _sibling_dicts(ctx, loader))
    return {f"{h}[{k!r}]" for h in memo[id(loader)][1] for k in keys if k.isidentifier()}


def _sibling_dicts(ctx: Context, loader: ast.Call) -> set[str]:
    """The names of the dataset dict a loader is made per entry of: in the builder, and where
    its callers unpack what it returns."""
    ds = arg(loader, 0, "dataset")
    source = _dict_iterated_for(ctx, loader, ds.id) if isinstance(ds, ast.Name) else _looked_up_per_key(ctx, loader, ds)
    if source is None:
        return set()
    held = {source}
    fn = ctx.scope_of(loader)
    for r in walk_scope(fn) if isinstance(fn, ast.FunctionDef) else ():
        if not (isinstance(r, ast.Return) and isinstance(r.value, ast.Tuple)):
            continue
        at = [i for i, e in enumerate(r.value.elts) if dotted(e) == source]
        for c in ctx.calls if at else ():
            site = ctx.parent.get(c)
            if callee(c) == fn.name and isinstance(site, ast.Assign) and isinstance(t := site.targets[0], ast.Tuple):
                held |= {d for i in at if i < len(t.elts) and (d := dotted(t.elts[i]))}
    return held


def _dict_iterated_for(ctx: Context, loader: ast.Call, name: str) -> str | None:
    """The dict whose entries a comprehension or loop around the loader binds `name` to
    (`for split, ds in splits.items()`, `for ds in splits.values()`)."""
    for a in ctx.ancestors(loader):
        gens = a.generators if isinstance(a, (ast.DictComp, ast.ListComp)) else [a] if isinstance(a, ast.For) else []
        for g in gens:
            it, t = g.iter, g.target
            if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and not it.args and (d := dotted(it.func.value))):
                continue
            if it.func.attr == "items" and isinstance(t, ast.Tuple) and len(t.elts) == 2 and dotted(t.elts[1]) == name:
                return d
            if it.func.attr == "values" and dotted(t) == name:
                return d
    return None


def _looked_up_per_key(ctx: Context, loader: ast.Call, ds: ast.expr | None) -> str | None:
    """`sets` of `DataLoader(sets[split], ...)` made in a loop or comprehension whose target is
    `split`: one loader per key of the dataset dict."""
    if not (isinstance(ds, ast.Subscript) and isinstance(ds.slice, ast.Name) and (d := dotted(ds.value))):
        return None
    for a in ctx.ancestors(loader):
        gens = a.generators if isinstance(a, (ast.DictComp, ast.ListComp)) else [a] if isinstance(a, ast.For) else []
        if any(isinstance(g.target, ast.Name) and g.target.id == ds.slice.id for g in gens):
            return d
    return None
