"""What the source says about a value without following expressions into each other, for the
tag tracer of TVL009 (tensor_tags.py): the tags, the vocabulary of torch, pandas, sklearn and
Lightning calls, constants and dtypes, size arguments, pandas frames, Lightning loaders, and
class indices (argmax)."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import functions
from torchvitals.lint.engine import Context, callee, dotted, kwarg, last, method, passed, walk_scope
from torchvitals.lint.options import option
from torchvitals.lint.rules.flow import Bound, enclosing_class
from torchvitals.lint.rules.method_args import bounds_through_methods

# Tags: what the source proves about a value.
ONE_D = "1-d"  # exactly one dimension
COLUMN = "column"  # a model output with one column, (..., 1)
FLOAT = "float"  # a floating dtype
INDEX = "index"  # integer class indices
FROM_INDEX = "from-index"  # class indices converted to a floating dtype
NONE: frozenset[str] = frozenset()
SHAPE_TAGS = frozenset({ONE_D, COLUMN})
DTYPE_TAGS = frozenset({FLOAT, INDEX, FROM_INDEX})
MAX_DEPTH = 24  # expressions followed this deep (names, calls, operators); deeper chains are not judged
# Expressions looked at per loss call: names with several bindings branch, and a pathological
# file must not cost more than this (a real loss call needs a few dozen).
STEPS_PER_LOSS = 2000
_steps_left = [STEPS_PER_LOSS]

# Methods and functions that keep a tensor's shape and dtype.
KEEP = {"cuda", "cpu", "detach", "clone", "contiguous", "requires_grad_", "pin_memory", "numpy", "to_dense"}
ELEMENTWISE = {"sigmoid", "tanh", "relu", "exp", "abs", "neg", "softplus", "clamp", "clip", "leaky_relu", "elu", "gelu", "log", "log1p", "expm1", "sqrt", "log2", "log10", "square", "sin", "cos",
               "floor", "ceil", "round", "trunc"}  # fmt: skip
# Random tensors shaped like their argument.
LIKE_RANDOM = {"randn_like", "rand_like"}
# Named constants of math, numpy and torch: numbers.
NAMED_NUMBERS = {"pi", "e", "tau", "inf"}
# Methods that change the shape but not the dtype.
RESHAPES = {"squeeze", "unsqueeze", "view", "reshape", "permute", "transpose", "expand", "expand_as", "repeat",
            "view_as", "reshape_as", "t", "flatten", "ravel", "unflatten", "movedim", "narrow"}  # fmt: skip
# Module methods that return the module itself.
# pandas: readers that return a DataFrame, frame methods that return one, frame attributes
# that are not columns.
FRAME_READERS = {"read_csv", "read_excel", "read_parquet", "read_json", "read_table", "read_feather", "DataFrame"}
FRAME_METHODS = {"dropna", "fillna", "drop", "sample", "reset_index", "copy", "sort_values", "query", "astype", "drop_duplicates"}
FRAME_ATTRS = {"values", "T", "columns", "index", "iloc", "loc", "shape", "dtypes", "at", "iat", "array", "size"}
WRAPPERS = {"compile", "DataParallel", "DistributedDataParallel"}
MODULE_KEEP = {"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval", "requires_grad_", "share_memory"}
# Layers after the last Linear that keep its (B, 1) shape.
ELEMENTWISE_MODULES = {"Sigmoid", "Tanh", "ReLU", "LeakyReLU", "GELU", "SiLU", "ELU", "Softplus", "Identity", "Dropout", "Hardtanh", "ReLU6"}
FLOAT_DTYPES = {"float", "float32", "float64", "double", "half", "float16", "bfloat16", "FloatTensor", "DoubleTensor", "HalfTensor"}
INT_DTYPES = {"long", "int64", "int", "int32", "LongTensor", "IntTensor", "int16", "uint8"}
REDUCTIONS = {"mean", "std", "sum", "max", "min", "var", "item", "norm", "median", "amax", "amin"}

# Size-argument factories: name -> default dtype tag.
FACTORIES = {
    "randn": FLOAT, "rand": FLOAT, "zeros": FLOAT, "ones": FLOAT, "empty": FLOAT, "full": FLOAT,
    "normal": FLOAT, "uniform": FLOAT, "randint": INDEX, "randperm": INDEX,
}  # fmt: skip
RANGES = {"arange", "linspace", "logspace"}
# A constant target (LSGAN's `torch.ones(batch_size)`) broadcast against (B, 1) gives the same
# loss as the matching shape: sloppy but harmless, so these prove no 1-D target.
CONSTANT_FILLS = {"zeros", "ones", "empty", "full"}
DATA_CTORS = {"tensor", "as_tensor", "from_numpy", "array", "asarray", "Tensor", "FloatTensor", "DoubleTensor", "LongTensor"}
# numpy's text readers give float64 arrays unless told otherwise (`np.loadtxt(path, delimiter=",")`)
TEXT_READERS = {"loadtxt", "genfromtxt"}
# sklearn's (X, y) makers and loaders: y is 1-D, class indices or regression values.
SKLEARN_CLASS = {"make_classification", "make_blobs", "make_moons", "make_circles", "make_gaussian_quantiles",
                 "make_hastie_10_2", "load_iris", "load_digits", "load_wine", "load_breast_cancer"}  # fmt: skip
SKLEARN_REGRESSION = {"make_regression", "make_friedman1", "make_friedman2", "make_friedman3", "load_diabetes",
                      "fetch_california_housing"}  # fmt: skip
# A single size argument that names a count (not a shape tuple).
_COUNT_NAME = re.compile(r"^(n|N|B|m|n_\w+|num_\w+|\w+_size|bs|\w*_len|length|count|\w*samples|batch|\w*steps)$")
LIGHTNING_LOADERS = {"training_step": "train_dataloader", "validation_step": "val_dataloader",
                     "test_step": "test_dataloader", "predict_step": "predict_dataloader"}  # fmt: skip


def _int_const(node: ast.AST | None) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _int_const(node.operand)
        return -v if v is not None else None
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _dtype_tag(node: ast.AST | None) -> str | None:
    """FLOAT or INDEX for `torch.float32`, `np.int64`, `"float32"`, `torch.FloatTensor`, `float`."""
    if node is None:
        return None
    name = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else last(dotted(node))
    name = name.rsplit(".", 1)[-1] if isinstance(name, str) else ""
    if name in FLOAT_DTYPES:
        return FLOAT
    if name in INT_DTYPES:
        return INDEX
    return None


def _to_float(t: frozenset[str]) -> frozenset[str]:
    extra = {FROM_INDEX} if t & {INDEX, FROM_INDEX} else set()
    return (t & SHAPE_TAGS) | {FLOAT} | extra


def _with_dtype(t: frozenset[str], dtype: str | None) -> frozenset[str]:
    if dtype == FLOAT:
        return _to_float(t)
    if dtype == INDEX:
        return (t & SHAPE_TAGS) | {INDEX}
    return t


def _scalar(ctx: Context, expr: ast.AST, depth: int) -> bool:
    """A number, `x.mean()`-like reduction, `len(...)`, or a name bound only to those."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
    if isinstance(expr, ast.UnaryOp):
        return _scalar(ctx, expr.operand, depth)
    if isinstance(expr, ast.BinOp) and depth < MAX_DEPTH:  # 2 * math.pi
        return _scalar(ctx, expr.left, depth + 1) and _scalar(ctx, expr.right, depth + 1)
    if isinstance(expr, ast.Attribute) and expr.attr in NAMED_NUMBERS:
        return dotted(expr.value) in ("math", "np", "numpy", "torch")
    if isinstance(expr, ast.Call):
        return (method(expr) in REDUCTIONS and not expr.args and not expr.keywords) or callee(expr) in ("len", "float", "int")
    if isinstance(expr, ast.Name) and depth < MAX_DEPTH:
        bs = bounds_through_methods(ctx, expr.id, expr)
        return bool(bs) and all(not b.loop and _scalar(ctx, _unpacked(b.value, b.index), depth + 1) for b in bs)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self" and depth < MAX_DEPTH:
        # `self.mu, self.sd = y.mean(), y.std()` set in `__init__`: a dataset's standardising numbers
        bs = bounds_through_methods(ctx, f"self.{expr.attr}", expr)
        return bool(bs) and all(not b.loop and _scalar(ctx, _unpacked(b.value, b.index), depth + 1) for b in bs)
    return False


def _unpacked(value: ast.expr, index: tuple[int, ...]) -> ast.expr:
    """Element `index` of a tuple literal (`n, steps = 4000, 20`); the value itself otherwise
    (a value that is not a literal tuple is not judged: an empty tuple is no number)."""
    for i in index:
        if not isinstance(value, ast.Tuple) or i >= len(value.elts) or any(isinstance(e, ast.Starred) for e in value.elts):
            return ast.Tuple(elts=[], ctx=ast.Load())
        value = value.elts[i]
    return value


def _str_param(ctx: Context, node: ast.AST) -> bool:
    """`df[target_col]` in `def __init__(self, df, target_col="price")`, called without that
    argument or with a string: one column's name."""
    if not isinstance(node, ast.Name):
        return False
    fn = ctx.scope_of(node)
    a = getattr(fn, "args", None)
    if a is None or a.vararg or a.kwarg:
        return False
    pos = [*a.posonlyargs, *a.args]
    defaults = dict(zip([p.arg for p in pos][len(pos) - len(a.defaults):], a.defaults, strict=True))
    defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None})
    d = defaults.get(node.id)
    if not (isinstance(d, ast.Constant) and isinstance(d.value, str)):
        return False
    names = [p.arg for p in pos]
    owner = ctx.parent.get(fn)
    called = owner.name if isinstance(owner, ast.ClassDef) and fn.name == "__init__" else fn.name  # type: ignore[attr-defined]
    for c in ctx.calls:
        if last(callee(c)) != called:
            continue
        skip = 1 if names[:1] == ["self"] else 0
        i = names.index(node.id) - skip
        given = passed(c, i, node.id)
        if any(isinstance(x, ast.Starred) for x in c.args) or any(k.arg is None for k in c.keywords):
            return False
        if given is not None and not (isinstance(given, ast.Constant) and isinstance(given.value, str)):
            return False
    return True


def _is_series(ctx: Context, node: ast.AST, depth: int) -> bool:
    """One column of a pandas DataFrame: `df["price"]`, `df.iloc[:, -1]`, `df.loc[:, "price"]`,
    or `df.price` on a name bound to `pd.read_csv(...)`."""
    if isinstance(node, ast.Subscript):
        s, base = node.slice, node.value
        if isinstance(s, ast.Constant) and isinstance(s.value, str) or _str_param(ctx, s):
            return True
        if isinstance(base, ast.Attribute) and base.attr in ("iloc", "loc") and isinstance(s, ast.Tuple):
            if len(s.elts) == 2 and _full_slice(s.elts[0]):
                k = s.elts[1]
                return _int_const(k) is not None if base.attr == "iloc" else isinstance(k, ast.Constant) and isinstance(k.value, str)
        return False
    if isinstance(node, ast.Attribute) and node.attr == "codes" and isinstance(node.value, ast.Attribute) and node.value.attr == "cat":
        return True  # df["cls"].astype("category").cat.codes: one code per row
    if isinstance(node, ast.Attribute) and node.attr not in FRAME_ATTRS:
        return _is_frame(ctx, node.value, depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and depth < MAX_DEPTH:
        recv = node.func.value
        if node.func.attr == "pop" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            return _is_frame(ctx, recv, depth + 1)  # y = df.pop("price")
        return node.func.attr in SERIES_KEEP and _is_series(ctx, recv, depth + 1)  # df["y"].astype("float32")
    if isinstance(node, ast.Compare) and len(node.comparators) == 1 and depth < MAX_DEPTH:  # (df["score"] > 0.8)
        return _is_series(ctx, node.left, depth + 1) and _scalar(ctx, node.comparators[0], depth + 1)
    if isinstance(node, ast.Name) and depth < MAX_DEPTH:  # target = df["price"]; target.values
        bs = bounds_through_methods(ctx, node.id, node)
        return bool(bs) and all(not b.index and not b.loop and _is_series(ctx, b.value, depth + 1) for b in bs)
    return False


def _series_dtype(ctx: Context, node: ast.AST, depth: int) -> frozenset[str]:
    """The dtype tag a Series was cast to (`df["y"].astype("float32")`, through names bound
    once); none when no cast shows."""
    if depth > MAX_DEPTH:
        return NONE
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SERIES_KEEP:
        if node.func.attr == "astype" and node.args:
            tag = _dtype_tag(node.args[0])
            return frozenset({tag}) if tag else NONE
        return _series_dtype(ctx, node.func.value, depth + 1)
    if isinstance(node, ast.Name):
        bs = bounds_through_methods(ctx, node.id, node)
        if bs and len(bs) == 1 and not bs[0].index and not bs[0].loop:
            return _series_dtype(ctx, bs[0].value, depth + 1)
    return NONE


SERIES_KEEP = {"astype", "fillna", "copy", "map", "replace", "clip", "abs"}  # one column, one value per row


def _is_frame(ctx: Context, node: ast.AST, depth: int) -> bool:
    """A pandas DataFrame: read with `pd.read_*`, built with `pd.DataFrame`, or a frame method's result."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(node, ast.Call):
        name = callee(node)
        if name.startswith(("pd.", "pandas.")):
            return last(name) in FRAME_READERS
        return method(node) in FRAME_METHODS and _is_frame(ctx, node.func.value, depth + 1)  # type: ignore[attr-defined]
    name = dotted(node)
    bs = bounds_through_methods(ctx, name, node) if name else None
    return bool(bs) and all(not b.index and not b.loop and _is_frame(ctx, b.value, depth + 1) for b in bs)  # type: ignore[union-attr]


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _max_has_dim(call: ast.Call) -> bool:
    """`torch.max(x, 1)` or `x.max(1)` (returns values and indices), not `torch.max(x)`."""
    positional = 2 if callee(call) in ("torch.max", "np.max") else 1
    return len(call.args) >= positional or kwarg(call, "dim") is not None


def _unwrap_iter(it: ast.AST, index: tuple[int, ...]) -> tuple[ast.AST, tuple[int, ...]] | None:
    """`enumerate(loader)` / `tqdm(loader)` -> (loader, index inside one batch)."""
    while isinstance(it, ast.Call) and last(callee(it)) in ("enumerate", "tqdm", "iter", "track", "progress_bar") and it.args:
        if last(callee(it)) == "enumerate":
            if not index or index[0] != 1:
                return None
            index = index[1:]
        it = it.args[0]
    return it, index


def _resolve_call(ctx: Context, expr: ast.AST | None, cls: str, depth: int) -> ast.Call | None:
    """The `cls(...)` call an expression is, or that a name is bound to (once, unambiguously)."""
    if isinstance(expr, ast.Call):
        if last(callee(expr)) in ("tqdm", "iter", "track", "progress_bar") and expr.args and depth <= MAX_DEPTH:
            return _resolve_call(ctx, expr.args[0], cls, depth + 1)  # pbar = tqdm(loader)
        if last(callee(expr)) == cls:
            return expr
        fn = functions(ctx).get(expr.func.id) if isinstance(expr.func, ast.Name) and depth <= MAX_DEPTH else None
        rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)] if fn is not None else []
        return _resolve_call(ctx, rets[0], cls, depth + 1) if len(rets) == 1 and rets[0] is not None else None  # make_loader(ds)
    name = dotted(expr)
    if name is None or depth > MAX_DEPTH:
        return None
    bs = bounds_through_methods(ctx, name, expr)  # type: ignore[arg-type]
    if not bs or len(bs) != 1 or bs[0].loop:
        return None
    value = _returned_tuple(ctx, bs[0].value) if bs[0].index else bs[0].value  # train_dl, dev_dl = build_loaders()
    return _resolve_call(ctx, _unpacked(value, bs[0].index), cls, depth + 1)  # a, b = make(x), make(y)


def _returned_tuple(ctx: Context, value: ast.expr) -> ast.expr:
    """The tuple a helper of this file returns, when it has one `return` of a tuple literal
    (`return train_loader, val_loader`): unpacking its call gives those elements in order. Any
    other value is itself."""
    fn = functions(ctx).get(value.func.id) if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) else None
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)] if fn is not None else []
    return rets[0] if len(rets) == 1 and isinstance(rets[0], ast.Tuple) else value


def _lightning_method(ctx: Context, node: ast.AST) -> ast.FunctionDef | None:
    fn = ctx.scope_of(node)
    return fn if isinstance(fn, ast.FunctionDef) and fn.name in LIGHTNING_LOADERS else None


def _lightning_loader(ctx: Context, name: ast.Name) -> ast.expr | None:
    """In `training_step(self, batch, ...)`, the loader the class's `train_dataloader` returns."""
    fn = _lightning_method(ctx, name)
    cls = enclosing_class(ctx, name)
    if fn is None or cls is None or len(fn.args.args) < 2 or fn.args.args[1].arg != name.id:
        return None
    for m in cls.body:
        if isinstance(m, ast.FunctionDef) and m.name == LIGHTNING_LOADERS[fn.name]:
            rets = [r.value for r in walk_scope(m) if isinstance(r, ast.Return) and r.value is not None]
            return rets[0] if len(rets) == 1 else None
    return None


def _is_module_name(name: str | None) -> bool:
    """`torch.randn`, `np.zeros`, `F.relu`: a library function, not a method of a value."""
    return bool(name) and name.split(".")[0] in ("torch", "np", "numpy", "F", "nn", "functional")  # type: ignore[union-attr]


def _flattens(call: ast.Call) -> bool:
    """`.view(-1)`, `.reshape(-1)`, `.reshape((n,))`, `.flatten()`, `.ravel()`: 1-D for sure."""
    m = method(call)
    if m in ("flatten", "ravel"):
        return not call.args and not call.keywords or (m == "flatten" and len(call.args) == 1 and _int_const(call.args[0]) == 0)
    if m in ("view", "reshape") and len(call.args) == 1 and not call.keywords:
        a = call.args[0]
        if isinstance(a, (ast.Tuple, ast.List)) and len(a.elts) == 1:
            a = a.elts[0]
        return _int_const(a) is not None
    return False


def _literal_tags(data: ast.List | ast.Tuple) -> frozenset[str]:
    """`[0, 2, 1]`: 1-D class indices; `[0.5, 1.5]`: 1-D floats. One element could be a single
    sample's target, so it proves nothing about a batch."""
    values = [e.operand if isinstance(e, ast.UnaryOp) else e for e in data.elts]
    if len(values) < 2 or not all(isinstance(v, ast.Constant) and type(v.value) in (int, float) for v in values):
        return NONE
    floats = any(type(v.value) is float for v in values)  # type: ignore[attr-defined]
    return frozenset({ONE_D, FLOAT if floats else INDEX})


def _single_size(ctx: Context, call: ast.Call, short: str) -> bool:
    """The factory call makes a 1-D tensor of more than one element: `torch.randn(n)`,
    `torch.randint(0, 10, (n,))`, `np.random.normal(size=n)`."""
    args = call.args
    if any(isinstance(a, ast.Starred) for a in args):
        return False
    numpy = callee(call).startswith(("np.", "numpy."))
    size = kwarg(call, "size")
    if size is None:
        if short == "randint" and numpy:
            size = args[2] if len(args) >= 3 else None  # np.random.randint(low, high, size)
        elif short == "randint":  # torch.randint([low,] high, size): size is a tuple
            size = args[-1] if len(args) >= 2 and isinstance(args[-1], (ast.Tuple, ast.List)) else None
        elif short in ("normal", "uniform"):
            size = args[2] if numpy and len(args) >= 3 else None  # torch.normal(mean, std): tensors
        elif short in ("full", "randperm") or len(args) == 1:
            size = args[0] if args else None
        else:
            return False
    if isinstance(size, (ast.Tuple, ast.List)):
        if len(size.elts) != 1:
            return False
        size = size.elts[0]
    return _count(ctx, size)


def _count(ctx: Context, node: ast.AST | None, depth: int = 0) -> bool:
    """An expression that is a number of elements larger than one (not a shape tuple)."""
    if node is None or depth > MAX_DEPTH:
        return False
    c = _int_const(node)
    if c is not None:
        return c > 1
    if isinstance(node, ast.BinOp):  # n * 2, len(x) - 1; not shape[:1] + (1,)
        sides = (node.left, node.right)
        return all(_count(ctx, x, depth + 1) or _int_const(x) is not None for x in sides) and any(
            _count(ctx, x, depth + 1) for x in sides
        )
    if isinstance(node, ast.Subscript):  # x.shape[0]
        return isinstance(node.value, ast.Attribute) and node.value.attr == "shape" and _int_const(node.slice) is not None
    if isinstance(node, ast.Call):
        return callee(node) == "len" or (method(node) == "size" and len(node.args) == 1)
    if _int_option(ctx, node):
        return True  # `torch.randn(args.users)` with `add_argument("--users", type=int, default=6040)`
    name = dotted(node)
    if not name:
        return False
    bs = bounds_through_methods(ctx, name, node)
    if bs and all(not b.index and not b.loop for b in bs):  # size = (64, 1) is a shape, n = 64 a count
        return all(_count(ctx, b.value, depth + 1) for b in bs)
    if bs and all(not b.loop and len(b.index) == 1 and isinstance(b.value, ast.Tuple) for b in bs):
        return all(_count(ctx, _unpacked(b.value, b.index), depth + 1) for b in bs)  # N, D = 1460, 79
    return bool(_COUNT_NAME.match(last(name)))


def _int_option(ctx: Context, node: ast.AST) -> bool:
    """`args.users` read back to an `add_argument` of type int whose default is a count (> 1):
    a command-line size is one number, never a shape tuple (`nargs` would make it a list)."""
    if not isinstance(node, ast.Attribute) or dotted(node.value) == "self":
        return False
    c = option(ctx, node)
    if c is None or kwarg(c, "nargs") is not None or dotted(kwarg(c, "type")) != "int":
        return False
    default = _int_const(kwarg(c, "default"))
    return default is not None and default > 1


# ---- class indices --------------------------------------------------------------------------


def _names(node: ast.AST, name: str) -> bool:
    """`name`, or `name` through methods that keep its values (`.to(device)`, `.view_as(p)`)."""
    while True:
        if isinstance(node, ast.Call) and method(node) in KEEP | RESHAPES | {"to", "long"}:
            node = node.func.value  # type: ignore[attr-defined]
        elif isinstance(node, ast.Attribute) and node.attr == "data":
            node = node.value
        else:
            return dotted(node) == name


def _used_as_class_index(ctx: Context, name: str, use: ast.AST, depth: int) -> bool:
    """In the same function, `name` is compared with an argmax (accuracy) or one-hot encoded:
    it holds class indices."""
    if depth > MAX_DEPTH - 3:
        return False
    for n in walk_scope(ctx.scope_of(use)):
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], (ast.Eq, ast.NotEq)):
            pairs = [(n.left, n.comparators[0]), (n.comparators[0], n.left)]
        elif isinstance(n, ast.Call) and method(n) == "eq" and len(n.args) == 1:
            pairs = [(n.func.value, n.args[0]), (n.args[0], n.func.value)]  # type: ignore[attr-defined]
        elif isinstance(n, ast.Call) and last(callee(n)) == "one_hot" and n.args:
            if _names(n.args[0], name):
                return True
            continue
        else:
            continue
        for mine, other in pairs:
            if _names(mine, name) and not _names(other, name) and _is_argmax(ctx, other, depth + 3):
                return True
    return False


def _is_argmax(ctx: Context, node: ast.AST, depth: int) -> bool:
    """A prediction of class indices: `.argmax(1)`, `.max(1)[1]`, `_, pred = torch.max(out, 1)`."""
    while isinstance(node, ast.Call) and method(node) in KEEP | RESHAPES | {"to", "long"}:
        node = node.func.value  # type: ignore[attr-defined]
    if isinstance(node, ast.Call):
        return (method(node) or last(callee(node))) in ("argmax", "argmin")
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Call) and method(node.value) == "max" and _int_const(node.slice) == 1
    if isinstance(node, ast.Attribute) and node.attr == "indices":
        return True
    if isinstance(node, ast.Name) and depth <= MAX_DEPTH:
        bs = bounds_through_methods(ctx, node.id, node)
        return bool(bs) and all(_bound_is_argmax(ctx, b, depth + 1) for b in bs)  # type: ignore[union-attr]
    return False


def _bound_is_argmax(ctx: Context, b: Bound, depth: int) -> bool:
    if b.loop:
        return False
    if not b.index:
        return _is_argmax(ctx, b.value, depth)
    v = b.value
    return b.index == (1,) and isinstance(v, ast.Call) and (method(v) or last(callee(v))) == "max" and _max_has_dim(v)


def _full_slice(node: ast.AST) -> bool:
    return isinstance(node, ast.Slice) and node.lower is None and node.upper is None and node.step is None
