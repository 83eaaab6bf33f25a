"""How many dimensions a tensor or array has, when the source proves it, for the tag tracer of
TVL009.

The tags say "1-D" only of values built 1-D. A target is as often cut from a bigger array: the
mean over the atoms of a (n, atoms, features) tensor, `data[i + seq_len, -1]` of a (time,
features) series. Counting dimensions through factories with explicit sizes, reductions over
given dims, integer indexing (`None` adds an axis), joins of arrays of one rank, conversions
(`torch.from_numpy`) and helpers of this file that return one rank prove those too. Anything
not understood (a shape tuple in a variable, `...` in an index, broadcasting of two unknown
operands) gives None: no rank, no finding.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from torchvitals.lint.calls import functions
from torchvitals.lint.engine import Context, callee, dotted, kwarg, last, method, walk_scope
from torchvitals.lint.rules.inplace import ELEMENTWISE as INPLACE_ELEMENTWISE
from torchvitals.lint.rules.inplace import is_update
from torchvitals.lint.rules.method_args import bounds_through_methods
from torchvitals.lint.rules.tensor_facts import (
    ELEMENTWISE,
    INDEX,
    KEEP,
    MAX_DEPTH,
    RANGES,
    _count,
    _int_const,
    _is_frame,
    _is_series,
    _scalar,
    _unpacked,
)

SIZED = {"randn", "rand", "zeros", "ones", "empty", "standard_normal", "random_sample"}  # f(*sizes) or f((sizes))
SIZE_KW = {"normal", "uniform", "integers", "randint", "random", "standard_normal", "lognormal", "exponential"}
CONVERTS = {"from_numpy", "as_tensor", "asarray", "array", "tensor"}
JOINS = {"concatenate", "cat", "concat", "stack"}  # of a literal list: its arrays all have the same rank
REDUCE = {"mean", "sum", "std", "var", "amax", "amin", "prod", "nanmean", "nansum", "logsumexp"}  # not norm: its first argument is p
SAME_SHAPE = KEEP | ELEMENTWISE | {"float", "double", "half", "long", "int", "to", "astype", "type", "cumsum", "cumprod", "copy", "pow",
                                   "t", "transpose", "swapdims"}  # fmt: skip
UPDATES_KEEP = {m[:-1] for m in INPLACE_ELEMENTWISE}


def rank(ctx: Context, expr: ast.AST | None, depth: int = 0) -> int | None:
    """The number of dimensions of `expr`'s value, or None when not proved."""
    if expr is None or depth > MAX_DEPTH:
        return None
    d = depth + 1
    if isinstance(expr, ast.Attribute) and expr.attr == "values" and (r := _frame_rank(ctx, expr.value, d)) is not None:
        return r  # df[cols].values: a table, df["price"].values: a column
    if isinstance(expr, (ast.Name, ast.Attribute)):
        name = dotted(expr)
        bs = bounds_through_methods(ctx, name, expr) if name else None
        if not bs or any(b.loop or b.index and not isinstance(b.value, ast.Tuple) for b in bs):
            return None  # `self.a, self.b = a, b`: the element of a tuple literal is the value
        ranks = {rank(ctx, _unpacked(b.value, b.index) if b.index else b.value, d) for b in bs}
        return ranks.pop() if len(ranks) == 1 else None
    if isinstance(expr, ast.Subscript):
        return _indexed(ctx, expr, d)
    if isinstance(expr, ast.BinOp) and is_update(ctx, expr) and not isinstance(expr.op, ast.MatMult):
        return rank(ctx, expr.left, d)  # `x /= s`: an in-place result keeps x's shape (it cannot broadcast)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.MatMult):
        return _matmul_rank(rank(ctx, expr.left, d), rank(ctx, expr.right, d))
    if isinstance(expr, ast.BinOp):
        return _broadcast_rank(ctx, expr.left, expr.right, d)
    if isinstance(expr, ast.Compare) and len(expr.comparators) == 1:  # (rng.random((n, d)) < 0.05)
        return _broadcast_rank(ctx, expr.left, expr.comparators[0], d)
    if isinstance(expr, ast.Call):
        return _call_rank(ctx, expr, d)
    if isinstance(expr, (ast.List, ast.Tuple)):
        return _nested_rank(expr, 0)
    return None


def _frame_rank(ctx: Context, x: ast.AST, d: int) -> int | None:
    """2 for a pandas DataFrame (read, built, a frame method's result, or columns picked from one
    by a list: `df[["a", "b"]]`, `df.iloc[:, 1:]`), 1 for one of its columns; None otherwise."""
    if _is_series(ctx, x, d):
        return 1
    if isinstance(x, ast.Subscript) and isinstance(x.slice, ast.List) and x.slice.elts:
        return 2 if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in x.slice.elts) and _is_frame(ctx, x.value, d) else None
    if isinstance(x, ast.Subscript) and isinstance(x.value, ast.Attribute) and x.value.attr in ("iloc", "loc"):
        s = x.slice
        both = isinstance(s, ast.Tuple) and len(s.elts) == 2 and all(isinstance(e, ast.Slice) for e in s.elts)
        return 2 if (isinstance(s, ast.Slice) or both) and _is_frame(ctx, x.value.value, d) else None
    return 2 if _is_frame(ctx, x, d) else None


def _nested_rank(seq: ast.List | ast.Tuple, depth: int) -> int | None:
    """A literal of numbers (`[0.3, -0.1]`) is 1-D, a literal of such literals of one rank one
    more (`[[1, 0], [0, 1]]`): what `np.array`/`torch.tensor` make of it. Anything else inside
    (a name, a starred part) leaves the rank unproved, and so does one number alone (`[0.5]`:
    it may be one sample's target, and it broadcasts like a number), as the tags say."""
    if len(seq.elts) < 2 or depth > 3:
        return None
    if all(_number(e) for e in seq.elts):
        return 1
    inner = {_nested_rank(e, depth + 1) if isinstance(e, (ast.List, ast.Tuple)) else None for e in seq.elts}
    return inner.pop() + 1 if len(inner) == 1 and None not in inner else None  # type: ignore[operator]


def _number(e: ast.AST) -> bool:
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)):
        e = e.operand
    return isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool)


def _broadcast_rank(ctx: Context, left: ast.AST, right: ast.AST, d: int) -> int | None:
    """An elementwise operation of two operands: a number leaves the other's rank; two operands
    of proved ranks broadcast to the larger (numpy and torch pad the smaller on the left)."""
    for this, other in ((left, right), (right, left)):
        if _scalar(ctx, other, d):
            return rank(ctx, this, d)
    a = rank(ctx, left, d)
    b = rank(ctx, right, d) if a is not None else None
    return max(a, b) if a is not None and b is not None else None


def _matmul_rank(a: int | None, b: int | None) -> int | None:
    """`a @ b` of a matrix and a vector (either side) is a vector, of two matrices a matrix, of two
    vectors a number; batched operands (3-D and up) broadcast, so they are left unproved."""
    if a is None or b is None or not (1 <= a <= 2 and 1 <= b <= 2):
        return None
    return a + b - 2


def _call_rank(ctx: Context, call: ast.Call, d: int) -> int | None:
    m, short = method(call), last(callee(call))
    lib = (dotted(call.func) or "").split(".")[0] in ("torch", "np", "numpy")
    if m and not lib:  # a method of a value: x.mean(dim=1), x.astype(np.float32)
        recv = call.func.value  # type: ignore[attr-defined]
        if m == "to_numpy" and (r := _frame_rank(ctx, recv, d)) is not None:
            return r
        if m in SAME_SHAPE or m in UPDATES_KEEP and is_update(ctx, call):
            return rank(ctx, recv, d)  # `x.div_(s)` read as `x.div(s)`: in place, it keeps x's shape
        if m in REDUCE:
            return _reduced(rank(ctx, recv, d), call, first_positional=0)
        if m == "unsqueeze" and len(call.args) + len(call.keywords) == 1 and (r := rank(ctx, recv, d)) is not None:
            return r + 1  # y.unsqueeze(1), and `y.unsqueeze_(1)` read as a binding
        if m in SIZE_KW and (size := kwarg(call, "size")) is not None:
            return _sizes(ctx, [size])  # rng.normal(size=(n, d)): a numpy Generator's draw
        if (size := numpy_draw_size(ctx, call)) is not None:
            return _sizes(ctx, [size])  # rng.normal(0, 0.3, n), rng.random((n, d))
        return None
    if short in CONVERTS and lib and len(call.args) == 1:
        return rank(ctx, call.args[0], d)  # torch.from_numpy(a), np.asarray(t): the same array
    if not lib and isinstance(call.func, ast.Name) and (fn := functions(ctx).get(call.func.id)) is not None:
        return _helper_rank(ctx, fn, d)
    if short in JOINS and call.args and isinstance(call.args[0], (ast.List, ast.Tuple)):
        ranks = {rank(ctx, e, d) for e in call.args[0].elts if not isinstance(e, ast.Starred)} - {None}
        return ranks.pop() + (short == "stack") if len(ranks) == 1 else None  # joined arrays share one rank
    if short in RANGES and lib and call.args:
        return 1  # np.arange(n), torch.linspace(0, 1, steps): always one axis
    if short in SIZED and call.args:
        numpy_shape = short in ("zeros", "ones", "empty") and not (dotted(call.func) or "").startswith("torch")
        return _sizes(ctx, call.args[:1] if numpy_shape else call.args)  # np.zeros(shape, dtype)
    if short in SIZE_KW and (size := kwarg(call, "size")) is not None:
        return _sizes(ctx, [size])
    if short == "randint" and lib and 2 <= len(call.args) <= 3 and isinstance(call.args[-1], (ast.Tuple, ast.List)):
        return _sizes(ctx, call.args[-1:])  # torch.randint(0, n, (rows,)): the size is the tuple after the bounds
    if m and (size := numpy_draw_size(ctx, call)) is not None:
        return _sizes(ctx, [size])  # np.random.poisson(3, n): the module's draw, size by position
    if short in REDUCE and call.args:
        return _reduced(rank(ctx, call.args[0], d), call, first_positional=1)
    if short in SAME_SHAPE and call.args and lib:
        return rank(ctx, call.args[0], d)  # np.cumsum(x, axis=0), torch.sin(x)
    return None


def _helper_rank(ctx: Context, fn: ast.AST, d: int) -> int | None:
    """The rank every return of a function of this file has (`def make_table(n): ...; return
    np.concatenate(...)`); worked out once per function, a recursive one proves nothing."""
    memo = ctx.memo.setdefault("helper_rank", {})
    if id(fn) not in memo:
        memo[id(fn)] = None
        rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)]
        ranks = {rank(ctx, r, d) if r is not None else None for r in rets}
        memo[id(fn)] = ranks.pop() if len(ranks) == 1 and rets else None
    return memo[id(fn)]


def _sizes(ctx: Context, args: list[ast.expr]) -> int | None:
    """The rank a factory's size arguments give: `(n, 16, 32)` or `n, 16, 32` is 3 (several
    positional sizes are each one number, or torch would refuse them); one argument is 1 only
    when it is a count, not a shape held in a variable."""
    if any(isinstance(a, ast.Starred) for a in args):
        return None
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        elts = args[0].elts
        return len(elts) if elts and not any(isinstance(e, ast.Starred) for e in elts) else None
    if len(args) == 1:
        return 1 if _int_const(args[0]) is not None or _count(ctx, args[0]) else None
    return len(args) or None


def _reduced(r: int | None, call: ast.Call, first_positional: int) -> int | None:
    """Dimensions left after reducing over `dim`/`axis` (an int or a tuple of ints)."""
    if r is None or kwarg(call, "keepdim") is not None or kwarg(call, "keepdims") is not None:
        return None
    dim = kwarg(call, "dim") or kwarg(call, "axis")
    if dim is None and len(call.args) > first_positional:
        dim = call.args[first_positional]
    if dim is None:
        return None  # a reduction over everything: a number, but also `.sum()` of a loss: not judged
    if isinstance(dim, ast.Tuple):
        return r - len(dim.elts) if all(_int_const(e) is not None for e in dim.elts) else None
    return r - 1 if _int_const(dim) is not None else None


def _indexed(ctx: Context, expr: ast.Subscript, d: int) -> int | None:
    """`x[i]` drops a dimension, `x[a:b]` keeps it, `x[i, -1]` drops two; `None`, `...`, masks
    and index tensors are not judged."""
    if (taken := _gathered(ctx, expr, d)) is not None:
        return taken
    parts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
    dropped = added = 0
    for p in parts:
        if isinstance(p, ast.Slice):
            continue
        if isinstance(p, ast.Constant) and p.value is None:
            added += 1  # y[:, None]: a new axis of length one
            continue
        if not _one_index(ctx, p):
            return None
        dropped += 1
    r = rank(ctx, expr.value, d)
    return r - dropped + added if r is not None and r >= len(parts) - added else None


# tensor_tags.tags, which reads ranks: it registers itself here when it is imported
# (`tags_with`), so that this module does not import it back.
_tags: Callable[..., Any] | None = None


def tags_with(tags: Callable[..., Any]) -> None:
    global _tags
    _tags = tags


def _gathered(ctx: Context, expr: ast.Subscript, d: int) -> int | None:
    """`bias[users]`: a tensor indexed by one tensor of integer positions (a per-row lookup) has
    the index's dimensions in place of its first: (n,) by (B,) is (B,). Only an index the tags
    prove integer (`torch.randint`, `.long()`) is read so; a mask or a list of columns is not."""
    if isinstance(expr.slice, (ast.Tuple, ast.Slice, ast.Constant)) or _one_index(ctx, expr.slice):
        return None
    if _tags is None or INDEX not in _tags(ctx, expr.slice, d) or (k := rank(ctx, expr.slice, d)) is None or k < 1:
        return None
    r = rank(ctx, expr.value, d)
    return r - 1 + k if r is not None and r >= 1 else None


def _one_index(ctx: Context, p: ast.AST) -> bool:
    """An integer position: a constant, `__getitem__`'s index, a name bound to a position, and
    a position plus an offset (`i + self.seq_len`)."""
    if _int_const(p) is not None:
        return True
    if isinstance(p, ast.BinOp) and isinstance(p.op, (ast.Add, ast.Sub)):
        sides = (p.left, p.right)
        return any(_one_index(ctx, x) for x in sides) and all(_one_index(ctx, x) or _self_attr(x) for x in sides)
    return isinstance(p, ast.Name) and (_int_param(ctx, p) or _range_item(ctx, p)) or _int_attr(ctx, p)


def _int_attr(ctx: Context, p: ast.AST) -> bool:
    """`self.n_mfcc` bound only to int literals, directly or through an `__init__` parameter
    that every construction leaves an int (`def __init__(self, n_mfcc=40)`): a dataset's fixed
    column (`self.table[i, self.n_mfcc]` is one cell), not a list of columns."""
    if not _self_attr(p):
        return False
    bs = bounds_through_methods(ctx, dotted(p) or "", p)
    if not bs or any(b.loop for b in bs):
        return False
    for b in bs:
        v = _unpacked(b.value, b.index)
        if isinstance(v, ast.Name):
            given = bounds_through_methods(ctx, v.id, v)
            if not given or not all(not g.loop and _int_const(_unpacked(g.value, g.index)) is not None for g in given):
                return False
        elif _int_const(v) is None:
            return False
    return True


def _self_attr(x: ast.AST) -> bool:
    """`self.seq_len` as an offset from a position (alone it could be a list of columns)."""
    return isinstance(x, ast.Attribute) and isinstance(x.value, ast.Name) and x.value.id == "self"


def _int_param(ctx: Context, p: ast.Name) -> bool:
    """The index parameter of `__getitem__`, or a name bound once to an integer position."""
    fn = ctx.scope_of(p)
    args = getattr(fn, "args", None)
    if getattr(fn, "name", "") == "__getitem__" and args is not None and len(args.args) == 2 and args.args[1].arg == p.id:
        return True
    bs = bounds_through_methods(ctx, p.id, p)
    return bool(bs) and len(bs) == 1 and not bs[0].index and not bs[0].loop and isinstance(bs[0].value, ast.BinOp) and _one_index(ctx, bs[0].value)


def _range_item(ctx: Context, p: ast.Name) -> bool:
    """A position unpacked from a table of positions: `s, d = self.index[k]` where every binding
    of `self.index` is a comprehension of tuples of loop counters over `range(...)` (`[(s, d)
    for s in range(n) for d in range(lo, hi)]`), the usual index of a windowed dataset."""
    bs = bounds_through_methods(ctx, p.id, p)
    if not bs or len(bs) != 1 or bs[0].loop or len(bs[0].index) != 1 or not isinstance(bs[0].value, ast.Subscript):
        return False
    table, at = bs[0].value.value, bs[0].index[0]
    name = dotted(table)
    tables = bounds_through_methods(ctx, name, table) if name else None
    return bool(tables) and all(not t.index and not t.loop and _counter_column(t.value, at) for t in tables)  # type: ignore[union-attr]


def _counter_column(value: ast.expr, at: int) -> bool:
    """Item `at` of every tuple `value` (a list comprehension) makes is a counter of `range`."""
    if not isinstance(value, ast.ListComp) or not isinstance(value.elt, ast.Tuple) or at >= len(value.elt.elts):
        return False
    item = value.elt.elts[at]
    return isinstance(item, ast.Name) and any(isinstance(g.target, ast.Name) and g.target.id == item.id and isinstance(g.iter, ast.Call)
                                              and callee(g.iter) == "range" for g in value.generators)  # fmt: skip


# numpy's draws that take `size` by position (after their distribution's parameters), on a
# Generator or RandomState: `rng.random((n, d))`, `rng.normal(0, 0.3, n)`.
DRAW_SIZE_AT = {"random": 0, "random_sample": 0, "standard_normal": 0, "normal": 2, "uniform": 2, "integers": 2,
                "randint": 2, "lognormal": 2, "binomial": 2, "exponential": 1, "poisson": 1, "gamma": 2, "beta": 2,
                "laplace": 2, "geometric": 1, "chisquare": 1}  # fmt: skip
GENERATORS = {"default_rng", "RandomState", "Generator"}


def numpy_draw_size(ctx: Context, call: ast.Call) -> ast.expr | None:
    """The `size` a numpy draw is given by position, when its receiver is proved a numpy random
    generator (`rng = np.random.default_rng(0)`); other objects' methods of these names (a
    torch distribution, Python's `random`) are not read."""
    m = method(call)
    at = DRAW_SIZE_AT.get(m or "")
    if at is None or len(call.args) <= at or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    recv = call.func.value  # type: ignore[attr-defined]
    return call.args[at] if dotted(recv) in ("np.random", "numpy.random") or _generator(ctx, recv, 0) else None


def _generator(ctx: Context, expr: ast.AST, depth: int) -> bool:
    """`np.random.default_rng(seed)` (or RandomState, Generator), or a name every binding of
    which is one: a module-level `rng` handed to a helper as its parameter included."""
    if isinstance(expr, ast.Call):
        return last(callee(expr)) in GENERATORS
    name = dotted(expr)
    if not name or depth > 4:
        return False
    bs = bounds_through_methods(ctx, name, expr)
    return bool(bs) and all(not b.index and not b.loop and _generator(ctx, b.value, depth + 1) for b in bs)  # type: ignore[union-attr]
