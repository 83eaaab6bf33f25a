"""TVL006 through a loop that routes parameters to optimizer lists by name, with no `else`:

    for name, p in model.named_parameters():
        if name.endswith("_emb.weight"):
            sparse.append(p)
        elif "mlp" in name:
            dense.append(p)                # user_bias, predict: in neither list

A parameter whose name no branch accepts is in no list, so no optimizer updates it. The names
are those of the model class of this file (`self.x = nn.Linear(...)` -> "x.weight", "x.bias");
a sub-module is judged left out only when every name test is decidably false for it (a test
on an unknown suffix, `"bias" in name` on a custom block, leaves it out of the verdict), it runs
with gradients, and nothing in the file freezes it. optimizers.py reports what this finds."""

from __future__ import annotations

import ast
from collections.abc import Callable

from torchvitals.lint.calls import FUNCS, instance_class, is_param, may_resolve, resolve
from torchvitals.lint.engine import Context, callee, dotted, last, method, receiver, walk_scope
from torchvitals.lint.rules.param_groups import _frozen_anywhere, runs_with_grad
from torchvitals.lint.syntax import walk

# The parameter names of common leaf layers (buffers such as running_mean are not parameters).
LEAF_PARAMS = {
    "Embedding": ("weight",), "EmbeddingBag": ("weight",), "Linear": ("weight", "bias"),
    "Bilinear": ("weight", "bias"), "LayerNorm": ("weight", "bias"), "Conv1d": ("weight", "bias"),
    "Conv2d": ("weight", "bias"), "Conv3d": ("weight", "bias"), "BatchNorm1d": ("weight", "bias"),
    "BatchNorm2d": ("weight", "bias"), "GroupNorm": ("weight", "bias"),
}  # fmt: skip


def unrouted_parameters(ctx: Context, is_ctor: Callable[[ast.Call], bool]) -> list[tuple[ast.AST, str, list[str]]]:
    """(the routing loop, the model as the loop names it, the trained sub-modules in no list).
    `is_ctor` tells an optimizer constructor."""
    if "named_parameters" not in ctx.text:
        return []
    out = []
    for loop in (n for n in walk(ctx.tree) if isinstance(n, ast.For)):
        chain = _routing_chain(loop)
        if chain is None:
            continue
        model = receiver(loop.iter)  # type: ignore[arg-type]
        cls = _model_class(ctx, model or "", loop, 0)
        cls_node = next((c for c in ctx.classes if c.name == cls), None)
        if cls_node is None:
            continue
        if not _feeds_optimizer(ctx, loop, is_ctor):
            continue
        name = loop.target.elts[0].id  # type: ignore[attr-defined]
        left = [attr for attr, names in _parameter_names(ctx, cls_node)
                if names and all(_test(t, name, n) is False for t in chain for n in names)
                and runs_with_grad(ctx, cls_node, attr) and not _frozen_anywhere(ctx, attr)]  # fmt: skip
        if left:
            out.append((loop, model or "", left))
    return out


def _routing_chain(loop: ast.For) -> list[ast.expr] | None:
    """The tests of `if ...: a.append(p) elif ...: b.append(p)` with no `else`, the loop's only
    statement, over `for name, p in X.named_parameters()`; else None."""
    it, tgt = loop.iter, loop.target
    if not (isinstance(it, ast.Call) and method(it) == "named_parameters" and not it.args and receiver(it)):
        return None
    if not (isinstance(tgt, ast.Tuple) and len(tgt.elts) == 2 and all(isinstance(e, ast.Name) for e in tgt.elts)):
        return None
    if len(loop.body) != 1 or not isinstance(loop.body[0], ast.If):
        return None
    p = tgt.elts[1].id  # type: ignore[attr-defined]
    tests: list[ast.expr] = []
    node: ast.stmt = loop.body[0]
    while isinstance(node, ast.If):
        if not all(_appends(s, p) for s in node.body):
            return None
        tests.append(node.test)
        if not node.orelse:
            return tests if len(tests) >= 2 else None  # one `if`: a filter, judged elsewhere
        if len(node.orelse) != 1:
            return None
        node = node.orelse[0]
    return None  # an `else` catches the rest


def _appends(stmt: ast.stmt, p: str) -> bool:
    c = stmt.value if isinstance(stmt, ast.Expr) else None
    return isinstance(c, ast.Call) and method(c) == "append" and len(c.args) == 1 and isinstance(c.args[0], ast.Name) and c.args[0].id == p


def _test(t: ast.expr, var: str, name: str | None) -> bool | None:
    """The test's value for a parameter called `name` (None: the suffix is unknown, or the test
    is not a plain name test)."""
    if isinstance(t, ast.BoolOp):
        vals = [_test(v, var, name) for v in t.values]
        want = isinstance(t.op, ast.Or)
        return want if want in vals else None if None in vals else not want
    if isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.Not):
        v = _test(t.operand, var, name)
        return None if v is None else not v
    if name is None:
        return None
    if isinstance(t, ast.Call) and method(t) in ("startswith", "endswith") and dotted(t.func.value) == var and t.args:  # type: ignore[attr-defined]
        word = t.args[0]
        if isinstance(word, ast.Constant) and isinstance(word.value, str):
            return name.startswith(word.value) if method(t) == "startswith" else name.endswith(word.value)
        return None
    if isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.left, ast.Constant) and isinstance(t.left.value, str):
        if isinstance(t.ops[0], (ast.In, ast.NotIn)) and dotted(t.comparators[0]) == var:
            return (t.left.value in name) == isinstance(t.ops[0], ast.In)
    return None


def _parameter_names(ctx: Context, cls: ast.ClassDef) -> list[tuple[str, list[str | None]]]:
    """Each sub-module `__init__` builds, with its parameters' full names (None for one whose
    names the file does not show: a container or a custom block)."""
    init = next((f for f in cls.body if isinstance(f, FUNCS) and f.name == "__init__"), None)
    out = []
    for n in sorted(walk_scope(init), key=lambda n: getattr(n, "lineno", 0)) if init is not None else ():
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.value, ast.Call) and ctx.is_module_ctor(n.value):
            t = dotted(n.targets[0]) or ""
            if t.startswith("self.") and t.count(".") == 1:
                leaf = _leaf_params(n.value)
                out.append((t[5:], [f"{t[5:]}.{s}" for s in leaf] if leaf is not None else [None]))
    return out


def _leaf_params(ctor: ast.Call) -> tuple[str, ...] | None:
    """The parameters a leaf layer's constructor makes (`bias=False` drops the bias,
    `affine=False` both); None for a layer whose names are not known here."""
    leaf = LEAF_PARAMS.get(last(callee(ctor)))
    if leaf is None:
        return None
    off = {k.arg for k in ctor.keywords if isinstance(k.value, ast.Constant) and k.value.value is False}
    if off & {"affine", "elementwise_affine"}:
        return ()
    return tuple(s for s in leaf if s not in off)


def _model_class(ctx: Context, key: str, at: ast.AST, depth: int) -> str | None:
    """The class of `key` at `at`: an instance bound in this scope, or, for a parameter of the
    enclosing function, what every call of that function passes (two callers deep)."""
    fn = ctx.scope_of(at)
    if not (isinstance(fn, FUNCS) and is_param(fn, key)):
        return instance_class(ctx, key, at) if "." not in key else None
    if depth >= 2:
        return None
    found = set()
    for c in ctx.calls:
        if last(callee(c)) != fn.name or not may_resolve(ctx, c) or (t := resolve(ctx, c)) is None or t.fn is not fn:
            continue
        given = dict(t.params).get(key)
        found.add(_model_class(ctx, given, c, depth + 1) if given else None)
    return found.pop() if len(found) == 1 else None


def _feeds_optimizer(
    ctx: Context, loop: ast.For, is_ctor: Callable[[ast.Call], bool], lists: set[str | None] | None = None
) -> bool:
    """The lists filled by the loop go to optimizers: named in an optimizer constructor of the
    loop's function, or returned by it and, where a call of it is unpacked, named in one there
    (a loop that sorts parameters to log their norms is no optimizer's business). `lists`: the
    names the loop fills, when the caller knows them better than the receivers of its calls."""
    if lists is None:
        lists = {receiver(s.value) for s in walk(loop) if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)}  # type: ignore[arg-type]
    fn = ctx.scope_of(loop)
    if _in_ctor(fn, lists, is_ctor):
        return True
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return) and r.value is not None]
    if not isinstance(fn, FUNCS) or not rets or not all({dotted(e) for e in getattr(r, "elts", [r])} <= lists for r in rets):
        return False
    for c in ctx.calls:
        up = ctx.parent.get(c)
        if last(callee(c)) == fn.name and isinstance(up, ast.Assign) and (t := resolve(ctx, c)) is not None and t.fn is fn:
            names = {dotted(e) for tgt in up.targets for e in getattr(tgt, "elts", [tgt])}
            if _in_ctor(ctx.scope_of(c), names, is_ctor):
                return True
    return False


def _in_ctor(scope: ast.AST, names: set[str | None], is_ctor: Callable[[ast.Call], bool]) -> bool:
    return any(isinstance(n, ast.Call) and is_ctor(n) and any(isinstance(a, ast.Name) and a.id in names for a in walk(n))
               for n in walk_scope(scope))  # fmt: skip
