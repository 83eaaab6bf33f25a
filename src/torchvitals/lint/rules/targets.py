"""TVL009: a loss whose prediction and target do not match (rule 9 of the lint issue).

Two halves, judged only on what the source proves:
- a regression loss (MSE, L1, smooth L1, Huber) comparing the output of a model that ends in
  `nn.Linear(..., 1)`, shape (B, 1), with a 1-D target (B,): broadcasting turns the loss into
  a (B, B) comparison of every prediction with every target;
- a class-index loss given a float target: `nll_loss` never takes one, and `cross_entropy`
  reads a float target as class probabilities, so class indices passed through `.float()` are
  wrong (an error today, a silently wrong objective when the shapes happen to agree).

What the source proves about a value is a set of tags, worked out from the expression and,
through `flow`, from the assignments that reach it (a `TensorDataset` behind a `DataLoader`
included). An expression the tracer does not understand gets no tags, so the rule stays silent
on it: precision first.
"""

from __future__ import annotations

import ast
import re

from torchvitals.lint.engine import Context, arg, callee, dotted, kwarg, last, method, walk_scope
from torchvitals.lint.rules.flow import Bound, bounds_at, enclosing_class
from torchvitals.rules.base import document

LOSS_TARGET = document(
    "TVL009",
    "loss-target-mismatch",
    what="A regression loss (`mse_loss`, `l1_loss`, `smooth_l1_loss`, `huber_loss`, or their "
    "`nn.*Loss` classes) comparing the output of a model that ends in `nn.Linear(..., 1)` "
    "(shape (B, 1)) with a 1-D target (shape (B,)); or a float target given to a class-index "
    "loss: class indices converted with `.float()` for `cross_entropy`, any float target for "
    "`nll_loss`.",
    why="(B, 1) against (B,) broadcasts to (B, B): the loss compares every prediction with every "
    "target, its minimum is at the target mean, and the model learns to predict a constant while "
    "the loss still goes down. PyTorch only warns, once. A float target makes `cross_entropy` "
    "read class probabilities instead of class numbers: with (B,) targets recent PyTorch stops "
    "with a dtype error at the first step (after the job has queued and loaded its data); where "
    "the shapes happen to agree it optimizes the wrong objective in silence. `nll_loss` never "
    "takes float targets.",
    example="model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))\n"
    "y = torch.randn(512)                 # 1-D target\n"
    "loss = F.mse_loss(model(x), y)       # (512, 1) vs (512,): a (512, 512) loss\n\n"
    "loss = F.cross_entropy(logits, labels.float())   # class indices as floats",
    fix="Make the shapes equal: `model(x).squeeze(-1)` or `y.unsqueeze(-1)`. Give class-index "
    "losses integer targets (`labels.long()`); float targets to `cross_entropy` only as "
    "probabilities of the same shape as the logits.",
)

# Tags: what the source proves about a value.
ONE_D = "1-d"  # exactly one dimension
COLUMN = "column"  # a model output with one column, (..., 1)
FLOAT = "float"  # a floating dtype
INDEX = "index"  # integer class indices
FROM_INDEX = "from-index"  # class indices converted to a floating dtype
NONE: frozenset[str] = frozenset()
SHAPE_TAGS = frozenset({ONE_D, COLUMN})
DTYPE_TAGS = frozenset({FLOAT, INDEX, FROM_INDEX})
MAX_DEPTH = 10  # names followed through this many assignments; deeper chains are not judged
# Expressions looked at per loss call: names with several bindings branch, and a pathological
# file must not cost more than this (a real loss call needs a few dozen).
STEPS_PER_LOSS = 2000
_steps_left = [STEPS_PER_LOSS]

REGRESSION_FUNCS = {"mse_loss": "MSELoss", "l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss", "huber_loss": "HuberLoss"}
CLASS_FUNCS = {"cross_entropy": "CrossEntropyLoss", "nll_loss": "NLLLoss"}
REGRESSION = set(REGRESSION_FUNCS.values())
CLASS_INDEX = set(CLASS_FUNCS.values())
FUNCTIONAL = ("F.", "torch.nn.functional.", "nn.functional.", "functional.")
TEXT_GATE = (*REGRESSION_FUNCS, *REGRESSION, *CLASS_FUNCS, *CLASS_INDEX)

# Methods and functions that keep a tensor's shape and dtype.
KEEP = {"cuda", "cpu", "detach", "clone", "contiguous", "requires_grad_", "pin_memory", "numpy", "to_dense"}
ELEMENTWISE = {"sigmoid", "tanh", "relu", "exp", "abs", "neg", "softplus", "clamp", "clip", "leaky_relu", "elu", "gelu"}
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
        return NONE
    if isinstance(expr, ast.IfExp):
        return tags(ctx, expr.body, depth + 1) & tags(ctx, expr.orelse, depth + 1)
    return NONE


def _scalar(ctx: Context, expr: ast.AST, depth: int) -> bool:
    """A number, `x.mean()`-like reduction, `len(...)`, or a name bound only to those."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
    if isinstance(expr, ast.UnaryOp):
        return _scalar(ctx, expr.operand, depth)
    if isinstance(expr, ast.Call):
        return (method(expr) in REDUCTIONS and not expr.args and not expr.keywords) or callee(expr) in ("len", "float", "int")
    if isinstance(expr, ast.Name) and depth < MAX_DEPTH:
        bs = bounds_at(ctx, expr.id, expr)
        return bool(bs) and all(not b.index and not b.loop and _scalar(ctx, b.value, depth + 1) for b in bs)
    return False


def _name_tags(ctx: Context, expr: ast.Name | ast.Attribute, depth: int) -> frozenset[str]:
    name = dotted(expr)
    bs = bounds_at(ctx, name, expr) if name else None
    if bs:
        return frozenset.intersection(*(_bound_tags(ctx, b, depth + 1) for b in bs))
    if isinstance(expr, ast.Attribute):
        if expr.attr == "data":
            return tags(ctx, expr.value, depth + 1)
        if expr.attr == "values" and _is_series(ctx, expr.value, depth):
            return frozenset({ONE_D})  # df["price"].values: a pandas Series is 1-D
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


def _is_series(ctx: Context, node: ast.AST, depth: int) -> bool:
    """One column of a pandas DataFrame: `df["price"]`, `df.iloc[:, -1]`, `df.loc[:, "price"]`,
    or `df.price` on a name bound to `pd.read_csv(...)`."""
    if isinstance(node, ast.Subscript):
        s, base = node.slice, node.value
        if isinstance(s, ast.Constant) and isinstance(s.value, str):
            return True
        if isinstance(base, ast.Attribute) and base.attr in ("iloc", "loc") and isinstance(s, ast.Tuple):
            if len(s.elts) == 2 and _full_slice(s.elts[0]):
                k = s.elts[1]
                return _int_const(k) is not None if base.attr == "iloc" else isinstance(k, ast.Constant) and isinstance(k.value, str)
        return False
    if isinstance(node, ast.Attribute) and node.attr not in FRAME_ATTRS:
        return _is_frame(ctx, node.value, depth + 1)
    return False


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
    bs = bounds_at(ctx, name, node) if name else None
    return bool(bs) and all(not b.index and not b.loop and _is_frame(ctx, b.value, depth + 1) for b in bs)  # type: ignore[union-attr]


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
        bs = bounds_at(ctx, dotted(value), value)  # type: ignore[arg-type]
        if not bs:
            lit = _lightning_loader(ctx, value) if isinstance(value, ast.Name) else None
            return _batch_tags(ctx, lit, index, depth + 1) if lit is not None else NONE
        return frozenset.intersection(*(_bound_tags(ctx, Bound(b.value, b.index + index, b.loop), depth + 1) for b in bs))
    if not isinstance(value, ast.Call) or len(index) != 1:
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
        return expr if last(callee(expr)) == cls else None
    name = dotted(expr)
    if name is None or depth > MAX_DEPTH:
        return None
    bs = bounds_at(ctx, name, expr)  # type: ignore[arg-type]
    if not bs or len(bs) != 1 or bs[0].index or bs[0].loop:
        return None
    return _resolve_call(ctx, bs[0].value, cls, depth + 1)


def _batch_tags(ctx: Context, it: ast.AST | None, index: tuple[int, ...], depth: int) -> frozenset[str]:
    """Tags of part `index` of a batch from `for ... in it`, when `it` is a DataLoader over a
    TensorDataset: a batch of a 1-D tensor is 1-D (shape (B,)), with the tensor's dtype."""
    if it is None or depth > MAX_DEPTH:
        return NONE
    unwrapped = _unwrap_iter(it, index)
    if unwrapped is None:
        return NONE
    it, index = unwrapped
    loader = _resolve_call(ctx, it, "DataLoader", depth + 1)
    if loader is None or len(index) != 1 or kwarg(loader, "collate_fn") is not None:
        return NONE
    bs = kwarg(loader, "batch_size")
    if isinstance(bs, ast.Constant) and bs.value is None:
        return NONE  # no batching: items, not batches
    ds = _resolve_call(ctx, arg(loader, 0, "dataset"), "TensorDataset", depth + 1)
    if ds is None or ds.keywords or any(isinstance(a, ast.Starred) for a in ds.args) or index[0] >= len(ds.args):
        return NONE
    return tags(ctx, ds.args[index[0]], depth + 1) & (SHAPE_TAGS - {COLUMN} | DTYPE_TAGS)


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
        if m in ELEMENTWISE:
            return tags(ctx, recv, d) & (SHAPE_TAGS | {FLOAT})
        if m in ("argmax", "argmin"):
            return frozenset({INDEX})
        if m in RESHAPES:
            t = tags(ctx, recv, d)
            if _flattens(call):
                return (t & DTYPE_TAGS) | {ONE_D}
            return t & DTYPE_TAGS
        if m == "to_numpy" and _is_series(ctx, recv, d):
            return frozenset({ONE_D})
    name = callee(call)
    short = last(name)
    lib = name.split(".")[0] if "." in name else ""
    if lib in ("torch", "np", "numpy"):
        return _library_tags(ctx, call, name, short, d)
    if short in ELEMENTWISE and lib in ("F", "nn", "functional") and call.args:
        return tags(ctx, call.args[0], d) & (SHAPE_TAGS | {FLOAT})
    if _column_module(ctx, call.func, d):
        return frozenset({COLUMN})
    return NONE


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


def _library_tags(ctx: Context, call: ast.Call, name: str, short: str, d: int) -> frozenset[str]:
    dtype = _dtype_tag(kwarg(call, "dtype"))
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
        else:
            t = tags(ctx, data, d) & (SHAPE_TAGS - {COLUMN} | DTYPE_TAGS)
        if short in ("Tensor", "FloatTensor", "DoubleTensor"):
            dtype = FLOAT
        elif short == "LongTensor":
            dtype = INDEX
        return _with_dtype(t, dtype)
    if short in ("argmax", "argmin"):
        return frozenset({INDEX})
    if short in ("flatten", "ravel") and len(call.args) == 1 and not call.keywords:
        return (tags(ctx, call.args[0], d) & DTYPE_TAGS) | {ONE_D}
    if short in ("squeeze", "unsqueeze", "reshape") and call.args:
        return tags(ctx, call.args[0], d) & DTYPE_TAGS
    if short in ELEMENTWISE and call.args:
        return tags(ctx, call.args[0], d) & (SHAPE_TAGS | {FLOAT})
    return NONE


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
    name = dotted(node)
    if not name:
        return False
    bs = bounds_at(ctx, name, node)
    if bs and all(not b.index and not b.loop for b in bs):  # size = (64, 1) is a shape, n = 64 a count
        return all(_count(ctx, b.value, depth + 1) for b in bs)
    return bool(_COUNT_NAME.match(last(name)))


# ---- models with one output column ------------------------------------------------------------


def _column_module(ctx: Context, func: ast.AST, depth: int) -> bool:
    """The callable is a module whose output has one column: ends in `nn.Linear(..., 1)`."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(func, ast.Call):  # nn.Linear(8, 1)(x)
        return _column_ctor(ctx, func, depth + 1)
    name = dotted(func)
    if name is None:
        return False
    if name == "self":
        cls = enclosing_class(ctx, func)
        return cls is not None and _column_class(ctx, cls, depth + 1)
    bs = bounds_at(ctx, name, func)
    return bool(bs) and all(not b.index and not b.loop and _column_ctor(ctx, b.value, depth + 1) for b in bs)  # type: ignore[union-attr]


def _column_ctor(ctx: Context, value: ast.AST, depth: int) -> bool:
    while isinstance(value, ast.Call) and method(value) in MODULE_KEEP:
        value = value.func.value  # type: ignore[attr-defined]  # nn.Linear(8, 1).to(device)
    if isinstance(value, (ast.Name, ast.Attribute)):
        return _column_module(ctx, value, depth + 1)
    if not isinstance(value, ast.Call) or depth > MAX_DEPTH:
        return False
    cls = last(callee(value))
    if cls in WRAPPERS and value.args:  # torch.compile(model), nn.DataParallel(model)
        return _column_ctor(ctx, value.args[0], depth + 1)
    if cls == "Linear":
        return _int_const(arg(value, 1, "out_features")) == 1
    if cls == "LazyLinear":
        return _int_const(arg(value, 0, "out_features")) == 1
    if cls == "Sequential":
        layers = list(value.args)
        if value.keywords or not layers or any(isinstance(a, ast.Starred) for a in layers):
            return False
        while len(layers) > 1 and isinstance(layers[-1], ast.Call) and last(callee(layers[-1])) in ELEMENTWISE_MODULES:
            layers.pop()
        return _column_ctor(ctx, layers[-1], depth + 1)
    if cls in ctx.module_classes:
        first = ctx.memo.get(("first_class", cls))
        if first is None:
            first = ctx.memo[("first_class", cls)] = next(c for c in ctx.classes if c.name == cls)
        return _column_class(ctx, first, depth + 1)
    return False


def _column_class(ctx: Context, cls: ast.ClassDef, depth: int) -> bool:
    """Every `return` of the class's `forward` gives a one-column output."""
    for fn in cls.body:
        if isinstance(fn, ast.FunctionDef) and fn.name == "forward":
            rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)]
            return bool(rets) and all(r is not None and COLUMN in tags(ctx, r, depth + 1) for r in rets)
    return False


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
        bs = bounds_at(ctx, node.id, node)
        return bool(bs) and all(_bound_is_argmax(ctx, b, depth + 1) for b in bs)  # type: ignore[union-attr]
    return False


def _bound_is_argmax(ctx: Context, b: Bound, depth: int) -> bool:
    if b.loop:
        return False
    if not b.index:
        return _is_argmax(ctx, b.value, depth)
    v = b.value
    return b.index == (1,) and isinstance(v, ast.Call) and (method(v) or last(callee(v))) == "max" and _max_has_dim(v)


def _subscript_tags(ctx: Context, expr: ast.Subscript, depth: int) -> frozenset[str]:
    d = depth + 1
    s = expr.slice
    if isinstance(expr.value, ast.Call) and (method(expr.value) or last(callee(expr.value))) == "max" and _int_const(s) == 1:
        return frozenset({INDEX}) if _max_has_dim(expr.value) else NONE  # .max(1)[1]
    if isinstance(s, ast.Tuple) and len(s.elts) == 2 and _full_slice(s.elts[0]) and _int_const(s.elts[1]) is not None:
        return (tags(ctx, expr.value, d) & DTYPE_TAGS) | {ONE_D}  # y[:, 0]
    if isinstance(s, ast.Slice):
        return tags(ctx, expr.value, d)  # y[a:b] keeps the number of dimensions
    t = tags(ctx, expr.value, d)
    if ONE_D in t and ONE_D in tags(ctx, s, d) and INDEX in tags(ctx, s, d):
        return t  # y[idx] with a 1-D index tensor (a shuffled minibatch)
    return NONE


def _full_slice(node: ast.AST) -> bool:
    return isinstance(node, ast.Slice) and node.lower is None and node.upper is None and node.step is None


# ---- the rule -------------------------------------------------------------------------------


def _functional_imports(ctx: Context) -> set[str]:
    """Loss functions imported by name from `torch.nn.functional`."""
    out = set()
    for n in ctx.tree.body:
        if isinstance(n, ast.ImportFrom) and (n.module or "").endswith("functional"):
            out |= {a.asname or a.name for a in n.names if a.name in REGRESSION_FUNCS or a.name in CLASS_FUNCS}
    return out


def loss_kind(ctx: Context, call: ast.Call, imported: set[str]) -> str | None:
    """The loss class a call computes (`MSELoss` for `F.mse_loss(...)` or `criterion(...)`)."""
    if isinstance(call.func, ast.Call):  # nn.MSELoss()(pred, y)
        kind = last(callee(call.func))
        return kind if kind in REGRESSION | CLASS_INDEX else None
    name = callee(call)
    if not name:
        return None
    if name.startswith(FUNCTIONAL) or name in imported:
        short = last(name)
        return REGRESSION_FUNCS.get(short) or CLASS_FUNCS.get(short)
    key = ("loss_kind", name)
    if key not in ctx.memo:  # asked for every call in the file: each name's values are read once
        kinds = set()
        for v in ctx.values.get(name, []):
            if isinstance(v, ast.Call) and method(v) in MODULE_KEEP and dotted(v.func.value) == name:  # type: ignore[attr-defined]
                continue  # criterion = criterion.to(device)
            kinds.add(last(callee(v)) if isinstance(v, ast.Call) else None)
        kind = kinds.pop() if len(kinds) == 1 else None
        ctx.memo[key] = kind if kind in REGRESSION | CLASS_INDEX else None
    return ctx.memo[key]


def _show(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def check(ctx: Context) -> None:
    if not any(w in ctx.text for w in TEXT_GATE):
        return
    imported = _functional_imports(ctx)
    for c in ctx.calls:
        kind = loss_kind(ctx, c, imported)
        if kind is None:
            continue
        pred, target = arg(c, 0, "input"), arg(c, 1, "target")
        if pred is None or target is None:
            continue
        _steps_left[0] = STEPS_PER_LOSS
        if kind in REGRESSION:
            tp = tags(ctx, pred)
            if not tp & {COLUMN, ONE_D}:
                continue
            tt = tags(ctx, target)
            if COLUMN in tp and ONE_D in tt or ONE_D in tp and COLUMN in tt:
                col, flat = (pred, target) if COLUMN in tp else (target, pred)
                ctx.report(LOSS_TARGET, c, f"{kind} compares `{_show(col)}` (shape (B, 1): the model ends in "
                           f"nn.Linear(..., 1)) with the 1-D `{_show(flat)}` (B,): broadcasting makes a (B, B) "
                           "loss that pairs every prediction with every target", loss=kind)  # fmt: skip
            continue
        tt = tags(ctx, target)
        if FROM_INDEX in tt:
            ctx.report(LOSS_TARGET, c, f"{kind} gets class indices as floats (`{_show(target)}`): it reads a float "
                       "target as class probabilities, not class numbers; pass integer (long) targets", loss=kind)  # fmt: skip
        elif kind == "NLLLoss" and FLOAT in tt:
            ctx.report(LOSS_TARGET, c, f"NLLLoss gets a float target (`{_show(target)}`); it needs integer class "
                       "indices", loss=kind)  # fmt: skip


CHECKS = [check]
