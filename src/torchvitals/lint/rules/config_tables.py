"""Which entry of a lookup table a config-decided key picks.

Config-driven builders often choose a layer or a loss from a dict literal keyed by a config
string rather than with an `if`:

    ACTS = {"softmax": lambda: nn.Softmax(dim=-1), "none": nn.Identity}
    CFG = {"head": {"out_act": "softmax"}, "loss": "nll"}
    def build_head(cfg):
        h = cfg["head"]
        return nn.Sequential(nn.Linear(64, 10), ACTS[h["out_act"]]())
    def build_criterion(cfg):
        return {"nll": nn.NLLLoss(), "ce": nn.CrossEntropyLoss()}[cfg["loss"]]

The table (a literal, or a name bound once to one that nothing writes into) and the key are
read back with config_branches: each constant key of the table is compared with the key
expression, and the entry is known only when exactly one comparison reads back to True. The
key's names are first replaced by their one reaching value (`h` -> `cfg["head"]`) and a helper's
parameter by what its one caller passes, so the config is followed out of the builder.
"""

from __future__ import annotations

import ast
import re

from torchvitals.lint.engine import Context, callee, dotted, last, method
from torchvitals.lint.rules.config_branches import decide_truth
from torchvitals.lint.rules.flow import Bound, bounds_or_args
from torchvitals.lint.rules.values import Made, possible

_WRITES = r"\s*\[[^\]\n]*\]\s*=|\.(?:update|setdefault|pop)\("


def picked_entry(ctx: Context, sub: ast.Subscript) -> ast.expr | None:
    """The value of the table entry `table[key]` picks, when the file decides the key."""
    table = _table(ctx, sub.value)
    if table is None:
        return None
    key, scope = _lifted(ctx, sub.slice, ctx.scope_of(sub), 0)
    hits = [
        v for k, v in zip(table.keys, table.values, strict=True)
        if isinstance(k, ast.Constant) and decide_truth(ctx, ast.Compare(left=key, ops=[ast.Eq()], comparators=[k]), scope)
    ]  # fmt: skip
    return hits[0] if len(hits) == 1 else None


def picked_attr(ctx: Context, call: ast.Call, names: tuple[str, ...]) -> str | None:
    """`getattr(nn, cfg["act"])`: the one of `names` (class names of `torch.nn`) the config key
    reads back to, when the file decides it; None otherwise."""
    if not (isinstance(call.func, ast.Name) and call.func.id == "getattr" and len(call.args) == 2 and not call.keywords):
        return None
    if dotted(call.args[0]) not in ("nn", "torch.nn"):
        return None
    key, scope = _lifted(ctx, call.args[1], ctx.scope_of(call), 0)
    hits = [n for n in names if decide_truth(ctx, ast.Compare(left=key, ops=[ast.Eq()], comparators=[ast.Constant(n)]), scope)]
    return hits[0] if len(hits) == 1 else None


def made_by(entry: ast.expr) -> str | None:
    """The class name a table entry makes when called: `nn.Softmax`, `lambda: nn.Softmax(-1)`,
    `partial(nn.Softmax, dim=-1)`, or an entry that is itself a constructor call."""
    if isinstance(entry, ast.Lambda):
        entry = entry.body
        return last(dotted(entry.func)) if isinstance(entry, ast.Call) else None
    if isinstance(entry, ast.Call) and last(dotted(entry.func)) == "partial" and entry.args:
        return last(dotted(entry.args[0]))
    return last(dotted(entry)) or None


def _table(ctx: Context, node: ast.expr) -> ast.Dict | None:
    if isinstance(node, ast.Dict):
        return node if None not in node.keys else None
    if not isinstance(node, ast.Name):
        return None
    values = ctx.values.get(node.id, [])
    if len(values) != 1 or not isinstance(values[0], ast.Dict) or None in values[0].keys:
        return None
    return None if re.search(rf"\b{re.escape(node.id)}(?:{_WRITES})", ctx.text) else values[0]


def _lifted(ctx: Context, key: ast.expr, scope: ast.AST, depth: int) -> tuple[ast.expr, ast.AST]:
    """`key` with its root name replaced by the one value that reaches it (`h["out_act"]` with
    `h = cfg["head"]` -> `cfg["head"]["out_act"]`), and a parameter of a plain helper by what its
    one caller passes, in the caller's scope; unchanged where more than one value may reach."""
    path: list[ast.Subscript] = []
    root = key
    while isinstance(root, ast.Subscript):
        path.append(root)
        root = root.value
    if not isinstance(root, ast.Name) or depth > 3:
        return key, scope
    bounds = bounds_or_args(ctx, root.id, root)
    if not bounds or len(bounds) != 1 or not isinstance(b := bounds[0], Bound) or b.index or b.loop:
        return key, scope
    if not isinstance(b.value, (ast.Name, ast.Subscript)):
        return key, scope
    new_root, new_scope = _lifted(ctx, b.value, ctx.scope_of(b.value), depth + 1)
    for sub in reversed(path):
        new_root = ast.Subscript(value=new_root, slice=sub.slice, ctx=ast.Load())
    return new_root, new_scope



# Methods of a module that return the module itself (`criterion.to(device)`).
_SAME_MODULE = {"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval", "requires_grad_"}


def makers(ctx: Context, expr: ast.AST, env: tuple = ()) -> set[str] | None:
    """The dotted names of what `expr` may hold, asked of the shared evaluator: a callable held by
    reference (`F.mse_loss`) gives its own name, an object gives the name of the class that made
    it, through tables a config key picks from (`CRITERIA[hp["loss"]]()`, `{"mse": nn.MSELoss()}
    [name]`), lambdas and `partial` entries, and moves (`.to(device)`); None when some value is
    none of these (a call of an unknown factory, a value the file does not show)."""
    vals = possible(ctx, expr, env)
    if not vals:
        return None
    out: set[str] = set()
    for v in vals:
        names = _maker(ctx, v, 0)
        if names is None:
            return None
        out |= names
    return out


def _maker(ctx: Context, v: object, depth: int) -> set[str] | None:
    if not isinstance(v, Made) or depth > 3:
        return None
    node = v.node
    if isinstance(node, (ast.Name, ast.Attribute)):
        return {dotted(node)} if dotted(node) else None
    if not isinstance(node, ast.Call):
        return None  # a lambda held as it is: what it calls depends on its arguments
    if last(callee(node)) == "partial" and node.args:
        return makers(ctx, node.args[0], v.env)
    if method(node) in _SAME_MODULE and isinstance(node.func, ast.Attribute):
        return makers(ctx, node.func.value, v.env)  # criterion.to(device): the same object
    called = possible(ctx, node.func, v.env)  # nn.MSELoss(), CRITERIA[key](): the class called
    out: set[str] = set()
    for f in called or [None]:
        if isinstance(f, Made) and isinstance(f.node, ast.Lambda) and not _takes_args(f.node) and isinstance(f.node.body, ast.Call):
            names = _maker(ctx, Made(f.node.body, f.env), depth + 1)  # {"mse": lambda: nn.MSELoss()}[key]()
        elif isinstance(f, Made) and isinstance(f.node, ast.Call) and callee(f.node) == "getattr":
            names = _looked_up(ctx, f)  # getattr(nn, cfg["loss"])()
        else:
            names = _maker(ctx, f, depth + 1) if isinstance(f, Made) and isinstance(f.node, (ast.Name, ast.Attribute)) else None
        if names is None:
            return None
        out |= names
    return out


def _looked_up(ctx: Context, m: Made) -> set[str] | None:
    """`getattr(nn, key)` with every value of `key` a string the file writes: `nn.<key>`."""
    call: ast.Call = m.node  # type: ignore[assignment]
    owner = dotted(call.args[0]) if len(call.args) == 2 and not call.keywords else None
    keys = possible(ctx, call.args[1], m.env) if owner else None
    if not keys or not all(isinstance(k, str) and k.isidentifier() for k in keys):
        return None
    return {f"{owner}.{k}" for k in keys}


def _takes_args(fn: ast.Lambda) -> bool:
    a = fn.args
    return bool(a.posonlyargs or a.args or a.kwonlyargs or a.vararg or a.kwarg)
