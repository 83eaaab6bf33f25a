"""What a batch holds when a DataLoader draws it from a Dataset class of this file, for the tag
tracer of TVL009 (tensor_tags.py).

A default DataLoader stacks items: a part of `__getitem__`'s return that is one number (a
tensor of no dimensions) becomes a (B,) tensor in the batch. Scripts build that number in many
ways (`self.y[i]`, `self.series[i + self.lookback]`, `torch.tensor(self.labels[i],
dtype=torch.float32)`, through a local name first), and return the parts as a tuple or as a
dict (`{"x": ..., "rating": ...}`) read later as `batch["rating"]`, often in a trainer method
(`def training_step(self, batch)`) that the class's own loop calls. Everything not proved
gives no tags: precision first.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from torchvitals.lint.engine import Context, callee, dotted, kwarg, method, walk_scope
from torchvitals.lint.rules.dict_returns import returned_entries
from torchvitals.lint.rules.flow import bounds_or_args
from torchvitals.lint.rules.method_args import bounds_through_methods
from torchvitals.lint.rules.tensor_facts import (
    DTYPE_TAGS,
    FLOAT,
    INDEX,
    MAX_DEPTH,
    NONE,
    ONE_D,
    _dtype_tag,
    _int_const,
    _scalar,
    _unpacked,
    _with_dtype,
)
from torchvitals.lint.rules.tensor_rank import rank
from torchvitals.lint.syntax import walk

MOVES = {"to", "cuda", "cpu", "pin_memory", "contiguous", "detach"}  # keep a tensor's dtype and shape
Part = int | str  # a tuple position or a dict key
# tensor_tags' reader of a loader: (ctx, loader expression, index in a batch, depth) -> tags.
BatchTags = Callable[[Context, ast.AST, tuple[Part, ...], int], frozenset[str]]


# tensor_tags' tracer of an expression: (ctx, expression, depth) -> tags. Handed in by the caller
# (the tracer calls into this module and this module back into it).
Tags = Callable[[Context, ast.AST, int], frozenset[str]]


# ---- batch["key"]: a dict batch ---------------------------------------------------------------


def keyed_tags(ctx: Context, expr: ast.AST, key: str, depth: int, batch_tags: BatchTags, tags: Tags | None = None) -> frozenset[str]:
    """Tags of `expr[key]` where `expr` is a batch drawn from a loader (`for batch in loader`),
    followed through names and parameters; `batch_tags(ctx, loader, index, depth)` reads the
    loader. With `tags`, also a dict a function of this file returns (`buf = rollout(...)`,
    `buf["returns"]`): the tags of that entry in every return."""
    if tags is not None and depth <= MAX_DEPTH and (entries := returned_entries(ctx, expr, key)):
        return frozenset.intersection(*(tags(ctx, e, depth + 1) for e in entries))
    name = dotted(expr) if isinstance(expr, ast.Name) else None
    if name is None or depth > MAX_DEPTH:
        return NONE
    bs = bounds_through_methods(ctx, name, expr)
    if not bs:
        return NONE
    found = []
    for b in bs:
        if b.loop:
            found.append(batch_tags(ctx, b.value, (*b.index, key), depth + 1))
        elif not b.index:
            v = _moved_dict(b.value)
            found.append(keyed_tags(ctx, v, key, depth + 1, batch_tags, tags) if v is not None else NONE)
        else:
            return NONE
    return frozenset.intersection(*found)


def _moved_dict(value: ast.expr) -> ast.expr | None:
    """`batch` itself, or the batch `{k: v.to(device) for k, v in batch.items()}` rebuilds with
    every value moved (not converted): the same parts under the same keys."""
    if not isinstance(value, ast.DictComp):
        return value
    if len(value.generators) != 1:
        return None
    gen = value.generators[0]
    t, it = gen.target, gen.iter
    if gen.ifs or not (isinstance(t, ast.Tuple) and len(t.elts) == 2 and all(isinstance(e, ast.Name) for e in t.elts)):
        return None
    k, v = t.elts[0].id, t.elts[1].id  # type: ignore[attr-defined]
    if not (isinstance(it, ast.Call) and method(it) == "items" and not it.args and isinstance(value.key, ast.Name) and value.key.id == k):
        return None
    moved = value.value
    while isinstance(moved, ast.Call) and method(moved) in MOVES and not any(_dtype_tag(a) for a in [*moved.args, *(kw.value for kw in moved.keywords)]):
        moved = moved.func.value  # type: ignore[attr-defined]
    return it.func.value if isinstance(moved, ast.Name) and moved.id == v else None  # type: ignore[attr-defined]


def moved_each(value: ast.expr) -> ast.expr | None:
    """`(t.to(device) for t in batch)` / `[t.cuda() for t in batch]`: every part of `batch`
    moved (not converted), in order; unpacking it gives the batch's parts by position."""
    if not isinstance(value, (ast.GeneratorExp, ast.ListComp)) or len(value.generators) != 1:
        return None
    gen = value.generators[0]
    if gen.ifs or gen.is_async or not isinstance(gen.target, ast.Name):
        return None
    moved = value.elt
    while isinstance(moved, ast.Call) and method(moved) in MOVES and not any(_dtype_tag(a) for a in [*moved.args, *(kw.value for kw in moved.keywords)]):
        moved = moved.func.value  # type: ignore[attr-defined]
    return gen.iter if isinstance(moved, ast.Name) and moved.id == gen.target.id else None


# ---- one item of a Dataset class --------------------------------------------------------------


def dataset_item_tags(ctx: Context, ds: ast.AST | None, part: Part, depth: int, tags: Tags) -> frozenset[str]:
    """A Dataset class of this file whose every `__getitem__(self, i)` return holds, at `part`,
    one number read from a 1-D attribute (or made a tensor): that part of a batch is (B,), with
    the number's dtype."""
    name = dotted(ds) if ds is not None else None
    bs = (bounds_through_methods(ctx, name, ds) or []) if name else []
    values = [_paired(b.value, b.index) for b in bs if not b.loop and (not b.index or len(b.index) == 1 and _random_split(b.value) or isinstance(b.value, ast.Tuple))] if name else [ds]
    if not values or depth > MAX_DEPTH:
        return NONE
    classes = {c.name: c for c in ctx.classes}
    out: set[frozenset[str]] = set()
    for v in values:
        if (whole := _split_of(ctx, v)) is not None:  # a Subset / random_split part: the same items
            out.add(dataset_item_tags(ctx, whole, part, depth + 1, tags))
            continue
        cls = classes.get(callee(v)) if isinstance(v, ast.Call) else None
        fn = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__getitem__"), None) if cls else None
        if fn is None or len(fn.args.args) != 2:
            return NONE
        for r in _labelled_returns(fn, part):
            e = _part(r.value, part)
            t = _item_tags(ctx, e, fn.args.args[1].arg, depth + 1, tags) if e is not None else None
            if t is None:
                return NONE
            out.add(t)
    return out.pop() if len(out) == 1 else NONE


def _paired(value: ast.expr, index: tuple[int, ...]) -> ast.expr:
    """`train_ds, val_ds = Ratings(800), Ratings(100)`: the element of a tuple literal a name
    is bound to (a random_split result stays whole, unpacked later)."""
    return _unpacked(value, index) if isinstance(value, ast.Tuple) else value


def _labelled_returns(fn: ast.FunctionDef, part: Part) -> list[ast.Return]:
    """The returns of `__getitem__` a batch's part `part` can come from. A dataset that serves
    both labelled and unlabelled items (`if self.y is None: return self.X[i]`) gives a loader
    that is read at position 1 only when it was built with labels: a return of one value (not a
    tuple) cannot be that item, so only the tuple returns are judged (all of them, when any)."""
    rets = [n for n in walk_scope(fn) if isinstance(n, ast.Return)]
    if isinstance(part, int) and part > 0:
        tuples = [r for r in rets if isinstance(r.value, ast.Tuple)]
        bare = [r for r in rets if isinstance(r.value, (ast.Subscript, ast.Name, ast.Attribute))]
        if tuples and len(tuples) + len(bare) == len(rets):
            return tuples
    return rets


def _split_of(ctx: Context, v: ast.expr) -> ast.expr | None:
    """The dataset a split is cut from: `Subset(full, idx)`, or one name of
    `train_ds, val_ds = random_split(full, [n, m])` (unpacked where it is bound). A split holds
    the same items as the whole, so a batch of it has the same parts."""
    if isinstance(v, ast.Call) and callee(v).split(".")[-1] == "Subset" and v.args:
        return v.args[0]
    if _random_split(v):
        return v.args[0]  # type: ignore[attr-defined]  # reached only through an unpacked name
    return None


def _random_split(v: ast.expr) -> bool:
    return isinstance(v, ast.Call) and callee(v).split(".")[-1] == "random_split" and bool(v.args)


def _part(value: ast.AST | None, part: Part) -> ast.expr | None:
    """`(x, y)[1]` or `{"x": x, "y": y}["y"]` of a return value."""
    if isinstance(part, int) and isinstance(value, ast.Tuple):
        if part < len(value.elts) and not any(isinstance(e, ast.Starred) for e in value.elts):
            return value.elts[part]
    if isinstance(part, str) and isinstance(value, ast.Dict) and None not in value.keys:
        for k, v in zip(value.keys, value.values, strict=True):
            if isinstance(k, ast.Constant) and k.value == part:
                return v
    if isinstance(part, str) and isinstance(value, ast.Call) and callee(value) == "dict" and not value.args:
        return next((kw.value for kw in value.keywords if kw.arg == part), None)  # dict(x=..., y=...)
    return None


def _local(ctx: Context, e: ast.expr) -> ast.expr:
    """A name bound once where it is read (`y = self.series[j]; return x, y`): its value."""
    if isinstance(e, ast.Name):
        bs = bounds_or_args(ctx, e.id, e)
        if bs and len(bs) == 1 and not bs[0].index and not bs[0].loop:
            return bs[0].value
    return e


def _item_tags(ctx: Context, e: ast.expr, i: str, depth: int, tags: Tags) -> frozenset[str] | None:
    """Tags of the batch of this part of an item; None when the part is not proved one number."""
    e = _local(ctx, e)
    if depth > MAX_DEPTH:
        return None
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and (dtype := _conversion(e)) is not None:
        t = _item_tags(ctx, e.func.value, i, depth + 1, tags)  # torch.tensor(self.y[i]).float()
        return _with_dtype(t, dtype) if t is not None else None
    if isinstance(e, ast.Call) and _numpy_scalar(e) is not None and len(e.args) == 1:
        t = _item_tags(ctx, e.args[0], i, depth + 1, tags)  # np.float32(self.y[i])
        return _with_dtype(t, _numpy_scalar(e)) if t is not None else None
    if isinstance(e, ast.Call) and callee(e) in ("torch.tensor", "torch.as_tensor") and len(e.args) == 1:
        dtype = _dtype_tag(kwarg(e, "dtype"))
        inner = _local(ctx, e.args[0])
        if one_number(inner):
            return frozenset({ONE_D, dtype}) if dtype else None
        t = _number_tags(ctx, inner, i, depth + 1, tags)
        if t is None and _frame_cell(ctx, inner, i):
            t = frozenset({ONE_D})
        return _with_dtype(t, dtype) if t is not None else None
    if one_number(e):  # a Python number: the default collate stacks it into a (B,) tensor
        return frozenset({ONE_D}) | _number_dtype(e)
    return _number_tags(ctx, e, i, depth + 1, tags)


def _number_tags(ctx: Context, e: ast.expr, i: str, depth: int, tags: Tags) -> frozenset[str] | None:
    """One element of an attribute (`self.y[i]`), or one shifted or scaled by numbers: a
    standardised target (`(self.y[i] - self.mu) / self.sd`) is still one number per item, a
    float after a true division or when the element is one (an integer's dtype after `-` or `*`
    depends on the other number, so it is dropped)."""
    if not isinstance(e, ast.BinOp):
        return _element_tags(ctx, e, i, depth, tags)
    if not isinstance(e.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)) or depth > MAX_DEPTH:
        return None
    for this, other in ((e.left, e.right), (e.right, e.left)):
        if _scalar(ctx, other, depth + 1):
            t = _item_tags(ctx, this, i, depth + 1, tags)
            if t is None:
                return None
            return (t & {ONE_D, FLOAT}) | ({FLOAT} if isinstance(e.op, ast.Div) else set())
    return None


def _conversion(call: ast.Call) -> str | None:
    """The dtype tag a method converts to: `.float()`, `.long()`, `.to(torch.float32)`; a move
    (`.to(device)`, `.cuda()`) keeps the dtype: ""."""
    m = method(call)
    if m in ("float", "double", "half", "long", "int") and not call.args and not call.keywords:
        return _dtype_tag(ast.Name(id=m))
    if m == "to":
        given = [*call.args, *(k.value for k in call.keywords if k.arg == "dtype")]
        tags = [t for a in given if (t := _dtype_tag(a))]
        return tags[0] if tags else ""
    return "" if m in MOVES and m != "to" else None


def _numpy_scalar(call: ast.Call) -> str | None:
    """`np.float32(x)`, `np.int64(x)`: a numpy number of that dtype."""
    name = callee(call)
    return _dtype_tag(call.func) if name.split(".")[0] in ("np", "numpy") and name.count(".") == 1 else None


def _number_dtype(e: ast.expr) -> frozenset[str]:
    """float(...) and float literals collate to float64; int(...), len(...) and int literals to int64."""
    if isinstance(e, ast.Constant):
        return frozenset({FLOAT if isinstance(e.value, float) else INDEX})
    name = callee(e) if isinstance(e, ast.Call) else ""
    return frozenset({FLOAT}) if name == "float" else frozenset({INDEX}) if name in ("int", "len") else NONE


def _frame_cell(ctx: Context, e: ast.expr, i: str) -> bool:
    """One cell of a pandas frame at the item's row: `df.iloc[i]["price"]`, `row["price"]` or
    `row.price` with `row = df.iloc[i]`, `df.iloc[i, 3]`, `df.loc[i, "price"]`, `df.at[i, "price"]`."""
    if isinstance(e, ast.Attribute) and e.attr not in SERIES_ATTRS and not e.attr.startswith("_"):
        row = _local(ctx, e.value) if isinstance(e.value, ast.Name) else e.value
        return _frame_row(ctx, row, i)
    if not isinstance(e, ast.Subscript):
        return False
    s, base = e.slice, e.value
    if isinstance(s, ast.Constant) and isinstance(s.value, str):
        row = _local(ctx, base) if isinstance(base, ast.Name) else base
        return _frame_row(ctx, row, i)
    if isinstance(base, ast.Attribute) and base.attr in ("iloc", "loc", "at", "iat") and isinstance(s, ast.Tuple) and len(s.elts) == 2:
        col = s.elts[1]
        one_col = isinstance(col, ast.Constant) and isinstance(col.value, (str, int)) and not isinstance(col.value, bool)
        return one_col and _position(ctx, s.elts[0], i, 0)
    return False


# Attributes of a pandas row (a Series) that are not one of its cells.
SERIES_ATTRS = {"values", "index", "name", "dtype", "dtypes", "shape", "size", "ndim", "empty", "T", "array", "axes",
                "iloc", "loc", "at", "iat", "str", "dt", "cat", "hasnans", "is_unique", "nbytes"}  # fmt: skip


def _frame_row(ctx: Context, row: ast.AST, i: str) -> bool:
    """`df.iloc[i]` / `df.loc[i]`: the row at the item's position."""
    return isinstance(row, ast.Subscript) and isinstance(row.value, ast.Attribute) and row.value.attr in ("iloc", "loc") \
        and _position(ctx, row.slice, i, 0)


def _element_tags(ctx: Context, e: ast.expr, i: str, depth: int, tags: Tags) -> frozenset[str] | None:
    """`self.y[i]` (or `self.y[i + k]`) with `self.y` 1-D, `self.data[i + k, -1]` with
    `self.data` 2-D: one number, batched to (B,)."""
    if isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name) and rank(ctx, e, depth + 1) == 0:
        row = _local(ctx, e.value)  # `row = self.table[i]; return row[:-1], row[-1]`: one cell of the row
        if isinstance(row, ast.Subscript) and (dotted(row.value) or "").startswith("self.") and _position(ctx, row.slice, i, 0):
            return (tags(ctx, row.value, depth + 1) & DTYPE_TAGS) | {ONE_D}
    if not (isinstance(e, ast.Subscript) and (dotted(e.value) or "").startswith("self.")):
        return None
    if _position(ctx, e.slice, i, 0):
        t = tags(ctx, e.value, depth + 1)
        if ONE_D in t or rank(ctx, e, depth + 1) == 0:  # a 1-D attribute, built or counted 1-D
            return (t & DTYPE_TAGS) | {ONE_D}
        return None
    if isinstance(e.slice, ast.Tuple) and rank(ctx, e, depth + 1) == 0:
        return (tags(ctx, e.value, depth + 1) & DTYPE_TAGS) | {ONE_D}
    return None


def _position(ctx: Context, s: ast.AST, i: str, depth: int) -> bool:
    """The index argument `i`, or an offset from it (`i + self.lookback`, `j` bound to one)."""
    if isinstance(s, ast.Name):
        if s.id == i:
            return True
        v = _local(ctx, s)
        return v is not s and depth < 3 and _position(ctx, v, i, depth + 1)
    if isinstance(s, ast.BinOp) and isinstance(s.op, (ast.Add, ast.Sub)):
        sides = (s.left, s.right)
        return any(_position(ctx, x, i, depth + 1) for x in sides) and all(
            _position(ctx, x, i, depth + 1) or _offset(x) for x in sides
        )
    return False


def _offset(x: ast.AST) -> bool:
    """An int constant or a plain attribute of the dataset (`self.lookback`)."""
    if _int_const(x) is not None:
        return True
    return isinstance(x, ast.Attribute) and isinstance(x.value, ast.Name) and x.value.id == "self"


def one_number(e: ast.AST) -> bool:
    """A literal number, `int(...)`/`float(...)`/`len(...)`, `seq.index(x)` or `t.item()`."""
    if isinstance(e, ast.Constant):
        return isinstance(e.value, (int, float)) and not isinstance(e.value, bool)
    return isinstance(e, ast.Call) and (callee(e) in ("int", "float", "len") or method(e) in ("index", "item"))


# ---- a collate_fn's parts: the dtype of the items it stacks --------------------------------------

STACKERS = {"pad_sequence", "stack", "cat", "vstack", "hstack"}  # keep their inputs' dtype


def collated_dtype(ctx: Context, fn: ast.FunctionDef, e: ast.expr, depth: int, tags: Tags) -> frozenset[str]:
    """The dtype tag of `e`, a part a `collate_fn` of this file returns, when it stacks or pads
    one part of the items (`ys = pad_sequence(ys, ...)` after `xs, ys = zip(*batch)`): the dtype
    every `__getitem__` of the datasets given this collate_fn has at that part. Shapes are not
    claimed (padding and stacking add dimensions), only dtypes."""
    if depth > MAX_DEPTH or not fn.args.args:
        return NONE
    e = _local(ctx, e)
    if isinstance(e, ast.Call) and callee(e).split(".")[-1] in STACKERS and e.args and not _dtype_tag(kwarg(e, "dtype")):
        return collated_dtype(ctx, fn, e.args[0], depth + 1, tags)
    if not isinstance(e, ast.Name):
        return NONE
    bs = bounds_or_args(ctx, e.id, e)
    if not bs or len(bs) != 1 or bs[0].loop or len(bs[0].index) != 1 or not _unzips(bs[0].value, fn.args.args[0].arg):
        return NONE
    found = {_stored_part_dtype(ctx, ds, bs[0].index[0], depth + 1, tags) for ds in _datasets_collated_by(ctx, fn)}
    one = found.pop() if len(found) == 1 else None
    return one if one is not None else NONE


def _unzips(v: ast.expr, batch: str) -> bool:
    """`zip(*batch)`: the items' parts, one tuple per position."""
    return (isinstance(v, ast.Call) and callee(v) == "zip" and len(v.args) == 1 and isinstance(v.args[0], ast.Starred)
            and isinstance(v.args[0].value, ast.Name) and v.args[0].value.id == batch)  # fmt: skip


def _datasets_collated_by(ctx: Context, fn: ast.FunctionDef) -> list[ast.ClassDef]:
    """Dataset classes of this file that every DataLoader given `collate_fn=<fn>` draws from."""
    classes = {c.name: c for c in ctx.classes}
    out = []
    for c in ctx.calls:
        if callee(c).split(".")[-1] != "DataLoader" or dotted(kwarg(c, "collate_fn")) != fn.name:  # type: ignore[arg-type]
            continue
        ds = c.args[0] if c.args else kwarg(c, "dataset")
        if isinstance(ds, ast.Name):
            bs = bounds_or_args(ctx, ds.id, ds) or []
            ds = bs[0].value if len(bs) == 1 and not bs[0].index and not bs[0].loop else None
        cls = classes.get(callee(ds)) if isinstance(ds, ast.Call) else None
        if cls is None:
            return []
        out.append(cls)
    return out


def _stored_part_dtype(ctx: Context, cls: ast.ClassDef, part: int, depth: int, tags: Tags) -> frozenset[str] | None:
    """The dtype of part `part` of the items `__getitem__` returns: a tuple it builds, or
    `self.items[i]` of a list filled with `self.items.append((x, y))` tuples."""
    get = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__getitem__"), None)
    rets = [r.value for r in walk_scope(get) if isinstance(r, ast.Return)] if get is not None else []
    parts: list[ast.expr] = []
    for r in rets:
        if (p := _part(r, part)) is not None:
            parts.append(p)
        elif isinstance(r, ast.Subscript) and (store := dotted(r.value)) and store.startswith("self."):
            filled = [n.args[0] for n in walk(cls) if isinstance(n, ast.Call) and method(n) == "append"
                      and dotted(n.func.value) == store and len(n.args) == 1]  # type: ignore[attr-defined]  # fmt: skip
            if not filled or any(_part(f, part) is None for f in filled):
                return None
            parts += [_part(f, part) for f in filled]  # type: ignore[misc]
        else:
            return None
    dtypes = {tags(ctx, p, depth + 1) & DTYPE_TAGS for p in parts}
    return dtypes.pop() if len(dtypes) == 1 and parts else None


# ---- a collate_fn that gathers one part of every item ---------------------------------------------

GATHERERS = {"array", "asarray", "tensor", "as_tensor", "from_numpy", "stack", "Tensor", "FloatTensor", "LongTensor"}


def gathered_tags(ctx: Context, fn: ast.FunctionDef, e: ast.expr, depth: int, tags: Tags) -> frozenset[str] | None:
    """Tags of `e`, a part a `collate_fn` returns, when it gathers part k of every item into one
    array (`torch.from_numpy(np.array([b[1] for b in batch]))`, `torch.tensor([y for _, y in
    batch])`): what the default collate would have built from that part (one number per item
    gives a (B,) batch with the number's dtype), with a `dtype=` of the gatherer applied. None
    when `e` is not such a gathering."""
    if depth > MAX_DEPTH or not fn.args.args:
        return None
    e, dtype = _local(ctx, e), None
    while isinstance(e, ast.Call) and callee(e).split(".")[-1] in GATHERERS and len(e.args) == 1:
        dtype = dtype or _dtype_tag(kwarg(e, "dtype")) or _ctor_dtype(e)
        e = _local(ctx, e.args[0])
    part = _comprehended_part(e, fn.args.args[0].arg)
    if part is None:
        part = _unzipped_part(ctx, e, fn.args.args[0].arg)
    if part is None:
        return None
    datasets = _collated_datasets(ctx, fn)
    if not datasets:
        return None
    found = frozenset.intersection(*(dataset_item_tags(ctx, ds, part, depth + 1, tags) for ds in datasets))
    return _with_dtype(found, dtype) if dtype and found else found


def _ctor_dtype(call: ast.Call) -> str | None:
    name = callee(call).split(".")[-1]
    return FLOAT if name in ("Tensor", "FloatTensor") else INDEX if name == "LongTensor" else None


def _comprehended_part(e: ast.AST, batch: str) -> int | None:
    """k for `[b[k] for b in batch]` or `[y for x, y in batch]` (a plain name of the unpacked
    item at position k); None for any other expression."""
    if not isinstance(e, (ast.ListComp, ast.GeneratorExp)) or len(e.generators) != 1:
        return None
    gen = e.generators[0]
    if gen.ifs or not (isinstance(gen.iter, ast.Name) and gen.iter.id == batch):
        return None
    t, elt = gen.target, e.elt
    if isinstance(t, ast.Name) and isinstance(elt, ast.Subscript) and isinstance(elt.value, ast.Name) and elt.value.id == t.id:
        k = _int_const(elt.slice)
        return k if k is not None and k >= 0 else None
    if isinstance(t, ast.Tuple) and isinstance(elt, ast.Name) and not any(isinstance(x, ast.Starred) for x in t.elts):
        hits = [k for k, x in enumerate(t.elts) if isinstance(x, ast.Name) and x.id == elt.id]
        return hits[0] if len(hits) == 1 else None
    return None


def _unzipped_part(ctx: Context, e: ast.AST, batch: str) -> int | None:
    """k for a name unpacked at position k from `zip(*batch)` (`xs, ys = zip(*batch)`): the
    items' part k, one value per item."""
    bs = bounds_or_args(ctx, e.id, e) if isinstance(e, ast.Name) else None
    if not bs or len(bs) != 1 or bs[0].loop or len(bs[0].index) != 1 or not _unzips(bs[0].value, batch):
        return None
    return bs[0].index[0]


def _collated_datasets(ctx: Context, fn: ast.FunctionDef) -> list[ast.expr]:
    """The dataset arguments of every DataLoader given `collate_fn=<fn>`."""
    out = []
    for c in ctx.calls:
        if callee(c).split(".")[-1] != "DataLoader" or dotted(kwarg(c, "collate_fn")) != fn.name:  # type: ignore[arg-type]
            continue
        ds = c.args[0] if c.args else kwarg(c, "dataset")
        if ds is None:
            return []
        out.append(ds)
    return out
