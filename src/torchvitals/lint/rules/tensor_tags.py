"""The tag tracer of TVL009: what the source proves about a value (a set of tags from
tensor_facts.py), worked out from the expression and, through `flow`, from the assignments
that reach it (a `TensorDataset` behind a `DataLoader` included)."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import functions
from torchvitals.lint.engine import Context, arg, callee, dotted, kwarg, last, method, walk_scope
from torchvitals.lint.rules import tensor_lists, tensor_rank
from torchvitals.lint.rules.batch_items import (
    collated_dtype,
    dataset_item_tags,
    gathered_tags,
    keyed_tags,
    moved_each,
    one_number,
)
from torchvitals.lint.rules.flow import Bound
from torchvitals.lint.rules.inplace import is_update
from torchvitals.lint.rules.method_args import bounds_through_methods
from torchvitals.lint.rules.tensor_columns import (
    column_module,
    helper_returns,
    method_returns,
    self_as,
)
from torchvitals.lint.rules.tensor_facts import (
    COLUMN,
    CONSTANT_FILLS,
    DATA_CTORS,
    DTYPE_TAGS,
    ELEMENTWISE,
    FACTORIES,
    FLOAT,
    INDEX,
    KEEP,
    LIKE_RANDOM,
    MAX_DEPTH,
    NONE,
    ONE_D,
    RANGES,
    RESHAPES,
    SHAPE_TAGS,
    SKLEARN_CLASS,
    SKLEARN_REGRESSION,
    TEXT_READERS,
    _count,
    _dtype_tag,
    _flattens,
    _full_slice,
    _int_const,
    _is_module_name,
    _is_series,
    _is_true,
    _lightning_loader,
    _literal_tags,
    _max_has_dim,
    _resolve_call,
    _scalar,
    _series_dtype,
    _single_size,
    _steps_left,
    _to_float,
    _unpacked,
    _unwrap_iter,
    _used_as_class_index,
    _with_dtype,
)
from torchvitals.lint.rules.tensor_lists import appended_numbers, filled_in_place
from torchvitals.lint.rules.tensor_rank import JOINS, REDUCE, UPDATES_KEEP, numpy_draw_size, rank
from torchvitals.lint.rules.values import possible


def tags(ctx: Context, expr: ast.AST | None, depth: int = 0) -> frozenset[str]:
    """What the source proves about the value of `expr` (shape and dtype tags)."""
    _steps_left[0] -= 1
    if expr is None or depth > MAX_DEPTH or _steps_left[0] < 0:
        return NONE
    if isinstance(expr, (ast.Name, ast.Attribute)):
        return _name_tags(ctx, expr, depth)
    if isinstance(expr, ast.Call):
        return _call_tags(ctx, expr, depth)
    if isinstance(expr, ast.Subscript):
        return _subscript_tags(ctx, expr, depth)
    if isinstance(expr, ast.BinOp):
        for this, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if _scalar(ctx, other, depth):
                t = tags(ctx, this, depth + 1)
                return (t & SHAPE_TAGS) | (t & {FLOAT})
        if isinstance(expr.op, ast.MatMult):  # features @ weights: a (n, d) matrix times a (d,) vector
            return frozenset({ONE_D}) if rank(ctx, expr, depth + 1) == 1 else NONE
        if not isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            return NONE
        left = tags(ctx, expr.left, depth + 1)
        right = tags(ctx, expr.right, depth + 1) if ONE_D in left else NONE
        if ONE_D in right:  # two 1-D operands broadcast to 1-D
            return frozenset({ONE_D}) | (left & right & {FLOAT})
        return frozenset({ONE_D}) if rank(ctx, expr, depth + 1) == 1 else NONE  # X @ w + noise
    if isinstance(expr, ast.IfExp):  # `None if y is None else torch.from_numpy(y)`: a tensor is the other
        if _is_none(expr.body) or _is_none(expr.orelse):
            return tags(ctx, expr.orelse if _is_none(expr.body) else expr.body, depth + 1)
        return tags(ctx, expr.body, depth + 1) & tags(ctx, expr.orelse, depth + 1)
    if isinstance(expr, ast.Compare):  # (X.sum(axis=1) > 2.5): one flag per row
        return frozenset({ONE_D}) if rank(ctx, expr, depth + 1) == 1 or _is_series(ctx, expr, depth + 1) else NONE
    return NONE


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _name_tags(ctx: Context, expr: ast.Name | ast.Attribute, depth: int) -> frozenset[str]:
    name = dotted(expr)
    bs = bounds_through_methods(ctx, name, expr) if name else None
    if bs and (given := [b for b in bs if b.index or b.loop or not _is_none(b.value)]):
        # a None default (`def __init__(self, X, y=None)` given no labels) is no tensor: a value
        # used as one is one of the others
        found = frozenset.intersection(*(_bound_tags(ctx, b, depth + 1) for b in given))
        if ONE_D not in found and len(bs) == 1 and not bs[0].index and not bs[0].loop and filled_in_place(ctx, expr, bs[0].value):
            return found | ({ONE_D} if rank(ctx, bs[0].value, depth + 1) == 1 else set())  # adv = np.zeros(T); adv[t] = gae
        return found
    if isinstance(expr, ast.Attribute):
        if expr.attr == "data":
            return tags(ctx, expr.value, depth + 1)
        if expr.attr == "values" and _is_series(ctx, expr.value, depth):
            return frozenset({ONE_D}) | _series_dtype(ctx, expr.value, depth)  # df["price"].values: a pandas Series is 1-D
        if expr.attr == "indices" and isinstance(expr.value, ast.Call) and method(expr.value) == "max":
            return frozenset({INDEX})
    return NONE


def _converted_tags(ctx: Context, recv: ast.AST, depth: int) -> frozenset[str]:
    """Tags of a value about to change dtype; a name compared with an argmax in the same
    function holds class indices even when nothing else says so (`labels` from a loader)."""
    t = tags(ctx, recv, depth)
    if isinstance(recv, ast.Name) and not t & {FLOAT, INDEX} and _used_as_class_index(ctx, recv.id, recv, depth):
        t = t | {INDEX}
    return t


def _bound_tags(ctx: Context, b: Bound, depth: int) -> frozenset[str]:
    if b.loop:
        return _batch_tags(ctx, b.value, b.index, depth)
    if not b.index:
        return tags(ctx, b.value, depth)
    return _item_tags(ctx, b.value, b.index, depth)


def _item_tags(ctx: Context, value: ast.expr, index: tuple[int, ...], depth: int) -> frozenset[str]:
    """Tags of element `index` of a tuple-valued expression (`X, y = make_regression(...)`)."""
    if depth > MAX_DEPTH:
        return NONE
    if isinstance(value, (ast.Tuple, ast.List)):
        if any(isinstance(e, ast.Starred) for e in value.elts) or index[0] >= len(value.elts):
            return NONE
        sub = value.elts[index[0]]
        return tags(ctx, sub, depth + 1) if len(index) == 1 else _item_tags(ctx, sub, index[1:], depth + 1)
    if isinstance(value, (ast.Name, ast.Attribute)) and dotted(value):
        bs = bounds_through_methods(ctx, dotted(value), value)  # type: ignore[arg-type]
        if not bs:
            lit = _lightning_loader(ctx, value) if isinstance(value, ast.Name) else None
            return _batch_tags(ctx, lit, index, depth + 1) if lit is not None else NONE
        return frozenset.intersection(*(_bound_tags(ctx, Bound(b.value, b.index + index, b.loop), depth + 1) for b in bs))
    if (parts := moved_each(value)) is not None:  # users, items, y = (t.to(dev) for t in batch)
        return _item_tags(ctx, parts, index, depth + 1)
    if not isinstance(value, ast.Call):
        return NONE
    if (converted := _mapped_conversion(value)) is not None:  # a, y = map(torch.as_tensor, (a, y))
        return _item_tags(ctx, converted, index, depth + 1) & (SHAPE_TAGS - {COLUMN} | DTYPE_TAGS)
    if (helper := helper_returns(ctx, value)) is not None:  # xtr, ytr = to_tensors(df)
        return frozenset.intersection(*(_item_tags(ctx, r, index, depth + 1) for r in helper)) if helper else NONE
    if found := method_returns(ctx, value):  # _, logp, v = agent.act(obs): a method of the model's class
        rets, owner, cls = found
        with self_as(ctx, owner, cls):
            return frozenset.intersection(*(_item_tags(ctx, r, index, depth + 1) for r in rets))
    if len(index) != 1:
        return NONE
    fn = last(callee(value)) or method(value)
    if fn == "train_test_split" and not any(isinstance(a, ast.Starred) for a in value.args):
        k = index[0] // 2  # (a_train, a_test, b_train, b_test, ...)
        return tags(ctx, value.args[k], depth + 1) & (SHAPE_TAGS | DTYPE_TAGS) if k < len(value.args) else NONE
    if index == (1,) and fn in SKLEARN_CLASS | SKLEARN_REGRESSION:
        if fn.startswith(("load_", "fetch_")) and not _is_true(kwarg(value, "return_X_y")):
            return NONE
        if fn == "make_regression" and (kwarg(value, "n_targets") is not None and _int_const(kwarg(value, "n_targets")) != 1):
            return NONE
        return frozenset({ONE_D, INDEX if fn in SKLEARN_CLASS else FLOAT})
    if fn == "max" and index == (1,) and _max_has_dim(value):
        return frozenset({INDEX})  # _, predicted = torch.max(logits, 1)
    return NONE


def _batch_tags(ctx: Context, it: ast.AST | None, index: tuple[int | str, ...], depth: int) -> frozenset[str]:
    """Tags of part `index` of a batch from `for ... in it`, when `it` is a DataLoader over a
    TensorDataset: a batch of a 1-D tensor is 1-D (shape (B,)), with the tensor's dtype; over a
    Dataset class of this file, part `index` (a position or a dict key) of its items, batched."""
    if it is None or depth > MAX_DEPTH:
        return NONE
    unwrapped = _unwrap_iter(it, index)
    if unwrapped is None:
        return NONE
    it, index = unwrapped
    if not index and (whole := _split_whole(it)) is not None:  # for idx in perm.split(64): pieces of perm
        return tags(ctx, whole, depth + 1) & ({ONE_D} | DTYPE_TAGS)
    if isinstance(it, ast.Call) and (yielded := _yielded(ctx, it)):  # for x, y in batches(...)
        if not all(isinstance(i, int) for i in index):
            return NONE
        return frozenset.intersection(*(_item_tags(ctx, v, index, depth + 1) for v in yielded))  # type: ignore[arg-type]
    if (several := _several_bindings(ctx, it)) is not None:  # run_epoch(model, train_dl) and (model, val_dl)
        return frozenset.intersection(*(_batch_tags(ctx, v, index, depth + 1) for v in several))
    loader = _resolve_call(ctx, it, "DataLoader", depth + 1)
    if loader is None or len(index) != 1:
        return NONE
    part = index[0]
    if (collate := kwarg(loader, "collate_fn")) is not None:
        return _collate_tags(ctx, collate, part, depth + 1) if isinstance(part, int) else NONE
    bs = kwarg(loader, "batch_size")
    if isinstance(bs, ast.Constant) and bs.value is None:
        return NONE  # no batching: items, not batches
    return _dataset_tags(ctx, arg(loader, 0, "dataset"), part, depth + 1)


def _dataset_tags(ctx: Context, ds_expr: ast.expr | None, part: int | str, depth: int) -> frozenset[str]:
    """Tags of part `part` of a batch drawn from this dataset: a TensorDataset's tensor, batched,
    or a Dataset class's items; a loader builder's `ds` parameter given several datasets is
    judged on each (all must agree)."""
    if ds_expr is None or depth > MAX_DEPTH:
        return NONE
    if (several := _several_bindings(ctx, ds_expr)) is not None:  # make_loader(train_ds), make_loader(val_ds)
        return frozenset.intersection(*(_dataset_tags(ctx, v, part, depth + 1) for v in several))
    ds = _resolve_call(ctx, ds_expr, "TensorDataset", depth + 1)
    if ds is None:
        return dataset_item_tags(ctx, ds_expr, part, depth + 1, tags)
    if not isinstance(part, int) or ds.keywords or any(isinstance(a, ast.Starred) for a in ds.args) or part >= len(ds.args):
        return NONE
    return tags(ctx, ds.args[part], depth + 1) & (SHAPE_TAGS - {COLUMN} | DTYPE_TAGS)


def _mapped_conversion(call: ast.Call) -> ast.expr | None:
    """The tuple `map(torch.as_tensor, (a, b))` converts element by element (the conversions
    keep each array's shape and dtype); None for any other call."""
    if callee(call) != "map" or len(call.args) != 2 or call.keywords:
        return None
    fn, seq = call.args
    name = dotted(fn) or ""
    ok = name.split(".")[0] in ("torch", "np", "numpy") and last(name) in ("as_tensor", "from_numpy", "asarray", "tensor", "array")
    return seq if ok and isinstance(seq, (ast.Tuple, ast.List)) else None


SPLITS = {"split", "chunk", "tensor_split", "array_split"}


def _split_whole(it: ast.AST) -> ast.expr | None:
    """The tensor a loop over `t.split(k)`, `t.chunk(n)`, `torch.split(t, k)` or
    `np.array_split(t, n)` cuts into pieces along its first axis: each piece has its rank and
    dtype (a minibatch of row numbers from `torch.randperm(n).split(bs)` is 1-D). A `dim=`
    other than the first is not judged."""
    if not isinstance(it, ast.Call) or kwarg(it, "dim") is not None or kwarg(it, "axis") is not None:
        return None
    if not isinstance(it.func, ast.Attribute) or it.func.attr not in SPLITS:
        return None
    if dotted(it.func.value) in ("torch", "np", "numpy"):
        return it.args[0] if len(it.args) == 2 else None
    return it.func.value if len(it.args) == 1 else None


def _yielded(ctx: Context, call: ast.Call) -> list[ast.expr]:
    """What a generator function of this file yields, when every `yield` gives a value and it
    never returns one: the batches a loop over its call draws."""
    fn = functions(ctx).get(call.func.id) if isinstance(call.func, ast.Name) else None
    if fn is None:
        return []
    memo = ctx.memo.setdefault("yielded", {})
    if id(fn) not in memo:
        nodes = list(walk_scope(fn))
        ys = [n.value for n in nodes if isinstance(n, ast.Yield)]
        bad = any(isinstance(n, ast.YieldFrom) or isinstance(n, ast.Return) and n.value is not None for n in nodes)
        memo[id(fn)] = [] if not ys or any(v is None for v in ys) or bad else ys
    return memo[id(fn)]


def _several_bindings(ctx: Context, it: ast.AST) -> list[ast.expr] | None:
    """The values of a name bound more than once, each plainly (a helper's `loader` parameter
    given the training loader by one call and the validation loader by another); None otherwise."""
    name = dotted(it) if isinstance(it, (ast.Name, ast.Attribute)) else None
    bs = bounds_through_methods(ctx, name, it) if name else None
    if not bs or len(bs) < 2 or any(b.index or b.loop for b in bs):
        return None
    return [b.value for b in bs]


RNG_DRAWS = {"normal", "uniform", "standard_normal", "random", "integers", "randint", "lognormal", "exponential"}


def _one_size(size: ast.AST | None) -> bool:
    """`size=1460`, `size=(n,)`, `size=n_samples` (a name that does not say shape)."""
    if isinstance(size, ast.Tuple):
        return len(size.elts) == 1 and not isinstance(size.elts[0], ast.Starred)
    if isinstance(size, (ast.Name, ast.Attribute)):
        return not any(w in last(dotted(size)).lower() for w in ("shape", "size", "dims"))
    return isinstance(size, ast.Constant) and isinstance(size.value, int)


def _collate_tags(ctx: Context, collate: ast.AST, index: int, depth: int) -> frozenset[str]:
    """A `collate_fn` of this file builds the batch: part `index` is what every return of it
    holds there (`labels = torch.tensor([b[1] for b in batch], dtype=torch.float32)`)."""
    fn = functions(ctx).get(collate.id) if isinstance(collate, ast.Name) else None
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)] if fn is not None else []
    if not rets or not all(isinstance(r, ast.Tuple) and index < len(r.elts) for r in rets):
        return NONE
    found = frozenset.intersection(*(tags(ctx, r.elts[index], depth) for r in rets))  # type: ignore[attr-defined]
    if found & DTYPE_TAGS:
        return found
    gathered = [gathered_tags(ctx, fn, r.elts[index], depth + 1, tags) for r in rets]  # type: ignore[arg-type, attr-defined]
    if all(g for g in gathered):  # np.array([b[1] for b in batch]): the items' part 1, when it is known
        return found | frozenset.intersection(*gathered)  # type: ignore[arg-type]
    dtypes = {collated_dtype(ctx, fn, r.elts[index], depth + 1, tags) for r in rets}  # type: ignore[arg-type, attr-defined]
    return found | dtypes.pop() if len(dtypes) == 1 else found


def _call_tags(ctx: Context, call: ast.Call, depth: int) -> frozenset[str]:
    d = depth + 1
    m = method(call)
    if m and not _is_module_name(dotted(call.func)):  # a method of a value: y.float(), y.view(-1)
        recv = call.func.value  # type: ignore[attr-defined]
        if m in KEEP:
            return tags(ctx, recv, d)
        if m in ("float", "double", "half", "bfloat16") and not call.args:
            return _to_float(_converted_tags(ctx, recv, d))
        if m in ("long", "int") and not call.args:
            return _with_dtype(tags(ctx, recv, d), INDEX)
        if m in ("to", "type", "astype"):
            dtype = kwarg(call, "dtype")
            for a in call.args:
                dtype = dtype or (a if _dtype_tag(a) else None)
            dtype_tag = _dtype_tag(dtype)
            recv_tags = _converted_tags(ctx, recv, d) if dtype_tag == FLOAT else tags(ctx, recv, d)
            return _with_dtype(recv_tags, dtype_tag)
        if m in ELEMENTWISE or m in UPDATES_KEEP and is_update(ctx, call):  # y.div_(s) read as y.div(s): same shape
            return tags(ctx, recv, d) & (SHAPE_TAGS | {FLOAT})
        if m in ("argmax", "argmin"):
            return frozenset({INDEX})
        if m in REDUCE and rank(ctx, call, d) == 1:
            return frozenset({ONE_D})  # x.mean(dim=(1, 2)) of a 3-D x
        if m in RESHAPES:
            t = tags(ctx, recv, d)
            if _flattens(call):
                return (t & DTYPE_TAGS) | {ONE_D}
            return t & DTYPE_TAGS
        if m == "to_numpy" and _is_series(ctx, recv, d):
            dtype = _dtype_tag(kwarg(call, "dtype") or (call.args[0] if call.args else None))
            return _with_dtype(frozenset({ONE_D}) | _series_dtype(ctx, recv, d), dtype)
        if m in ("fit_transform", "transform") and len(call.args) == 1 and _resolve_call(ctx, recv, "LabelEncoder", d):
            return frozenset({ONE_D, INDEX})  # LabelEncoder().fit_transform(df.cls): class numbers
        if m in RNG_DRAWS and (_one_size(kwarg(call, "size")) or _one_size(numpy_draw_size(ctx, call))):
            return frozenset({ONE_D})  # rng.normal(size=n): numpy's Generator/RandomState
    name = callee(call)
    short = last(name)
    if short == "permutation" and len(call.args) == 1 and not call.keywords and _count(ctx, call.args[0]):
        return frozenset({ONE_D, INDEX})  # rng.permutation(n), np.random.permutation(n): shuffled row numbers
    lib = name.split(".")[0] if "." in name else ""
    if lib in ("torch", "np", "numpy"):
        return _library_tags(ctx, call, name, short, d)
    if short in ELEMENTWISE and lib in ("F", "nn", "functional") and call.args:
        return tags(ctx, call.args[0], d) & (SHAPE_TAGS | {FLOAT})
    if column_module(ctx, call.func, d, tags):
        return frozenset({COLUMN})
    if helper := helper_returns(ctx, call):  # y = make_targets(df)
        return frozenset.intersection(*(tags(ctx, r, d) for r in helper))
    if found := method_returns(ctx, call):  # pred = model.predict(batch): a method of the model's class
        rets, owner, cls = found
        with self_as(ctx, owner, cls):
            return frozenset.intersection(*(tags(ctx, r, d) for r in rets))
    return NONE


def _library_tags(ctx: Context, call: ast.Call, name: str, short: str, d: int) -> frozenset[str]:
    dtype = _dtype_tag(kwarg(call, "dtype"))
    if short == "full":
        fill = _fill_dtype(ctx, call)
        return _with_dtype(frozenset({fill} if fill else ()), dtype)
    if short in FACTORIES:
        shape = {ONE_D} if short not in CONSTANT_FILLS and _single_size(ctx, call, short) else set()
        return _with_dtype(frozenset(shape | {FACTORIES[short]}), dtype)  # randint(..., dtype=float)
    if short in RANGES:
        floats = any(isinstance(a, ast.Constant) and isinstance(a.value, float) for a in call.args)
        default = INDEX if short == "arange" and not floats else FLOAT
        return _with_dtype(frozenset({ONE_D, default}), dtype)
    if short in DATA_CTORS and call.args:
        data = call.args[0]
        if isinstance(data, (ast.List, ast.Tuple)):
            t = _literal_tags(data)
        elif isinstance(data, ast.ListComp) and one_number(data.elt):
            t = frozenset({ONE_D})  # torch.tensor([int(s[1]) for s in batch])
        elif isinstance(data, ast.Name) and appended_numbers(ctx, data, d):
            t = frozenset({ONE_D})  # vals = []; vals.append(v.item()); np.array(vals)
        else:
            t = tags(ctx, data, d) & (SHAPE_TAGS - {COLUMN} | DTYPE_TAGS)
        if short in ("Tensor", "FloatTensor", "DoubleTensor"):
            dtype = FLOAT
        elif short == "LongTensor":
            dtype = INDEX
        return _with_dtype(t, dtype)
    if short in ("argmax", "argmin"):
        return frozenset({INDEX})
    if short in JOINS and call.args and isinstance(joined := call.args[0], (ast.List, ast.Tuple)) and joined.elts:
        parts = [tags(ctx, e, d) & {FLOAT, INDEX} if not isinstance(e, ast.Starred) else NONE for e in joined.elts]
        return _with_dtype(frozenset.intersection(*parts), dtype)  # np.concatenate([feats, labels], 1): their dtype
    if short in TEXT_READERS and name.split(".")[0] in ("np", "numpy"):
        if kwarg(call, "dtype") is not None and dtype is None:
            return NONE  # dtype=None or a record type: columns of their own types
        return _with_dtype(frozenset({FLOAT}), dtype)  # a table read from text: float unless dtype= says
    if short in LIKE_RANDOM and call.args:
        return (tags(ctx, call.args[0], d) & {ONE_D}) | {FLOAT}
    if short in ("flatten", "ravel") and len(call.args) == 1 and not call.keywords:
        return (tags(ctx, call.args[0], d) & DTYPE_TAGS) | {ONE_D}
    if short in ("squeeze", "unsqueeze", "reshape") and call.args:
        return tags(ctx, call.args[0], d) & DTYPE_TAGS
    if short in ELEMENTWISE and call.args:
        return tags(ctx, call.args[0], d) & (SHAPE_TAGS | {FLOAT})
    return NONE


def _fill_dtype(ctx: Context, call: ast.Call) -> str | None:
    """`torch.full(size, PAD)` and `np.full(n, 0)` take their dtype from the fill value: an int
    fill makes integer tensors (token ids padded with PAD), a float fill float ones. None when
    the file does not show the fill, so no dtype is claimed for it."""
    fill = kwarg(call, "fill_value") or (call.args[1] if len(call.args) > 1 else None)
    vals = possible(ctx, fill)
    if not vals:
        return None
    if all(type(v) is int for v in vals):
        return INDEX
    if all(type(v) is float for v in vals):
        return FLOAT
    return None


def _subscript_tags(ctx: Context, expr: ast.Subscript, depth: int) -> frozenset[str]:
    d = depth + 1
    s = expr.slice
    if isinstance(s, ast.Constant) and isinstance(s.value, str) and isinstance(expr.value, ast.Name):
        return keyed_tags(ctx, expr.value, s.value, d, _batch_tags, tags)  # batch["rating"], buf["returns"]
    if isinstance(expr.value, ast.Call) and (method(expr.value) or last(callee(expr.value))) == "max" and _int_const(s) == 1:
        return frozenset({INDEX}) if _max_has_dim(expr.value) else NONE  # .max(1)[1]
    if isinstance(expr.value, ast.Name) and (k := _int_const(s)) is not None and k >= 0:
        if part := _item_tags(ctx, expr.value, (k,), d):  # batch[1] of `for batch in loader`
            return part
    if isinstance(s, ast.Tuple) and len(s.elts) == 2 and _full_slice(s.elts[0]) and _int_const(s.elts[1]) is not None:
        return (tags(ctx, expr.value, d) & DTYPE_TAGS) | {ONE_D}  # y[:, 0]
    if isinstance(s, ast.Tuple) and len(s.elts) == 2 and _full_slice(s.elts[0]) and _int_name(ctx, s.elts[1], d) and rank(ctx, expr.value, d) in (2, None):
        return (tags(ctx, expr.value, d) & DTYPE_TAGS) | {ONE_D}  # table[:, label_col] with label_col=24
    if isinstance(s, ast.Slice):
        return tags(ctx, expr.value, d)  # y[a:b] keeps the number of dimensions
    if isinstance(s, ast.Tuple) and rank(ctx, expr, d) == 1:
        return (tags(ctx, expr.value, d) & DTYPE_TAGS) | {ONE_D}  # series[:, k, 0] of a 3-D series
    t = tags(ctx, expr.value, d)
    if ONE_D in t and ONE_D in tags(ctx, s, d):
        return t  # y[idx], y[mask]: a 1-D array picked by positions or a mask stays 1-D
    return t & DTYPE_TAGS  # y[train_mask]: indexing never changes the dtype


def _int_name(ctx: Context, node: ast.AST, depth: int) -> bool:
    """A name every binding of which is an int literal (`label_col=24` given to the class that
    reads `table[:, label_col]`): one column, not a list of columns."""
    if not isinstance(node, ast.Name) or depth > MAX_DEPTH:
        return False
    bs = bounds_through_methods(ctx, node.id, node)
    return bool(bs) and all(not b.loop and _int_const(_unpacked(b.value, b.index)) is not None for b in bs)  # type: ignore[union-attr]


tensor_rank.tags_with(tags)  # tensor_rank asks for tags through this, never importing tensor_tags
tensor_lists.tags_with(tags)  # and so does tensor_lists
