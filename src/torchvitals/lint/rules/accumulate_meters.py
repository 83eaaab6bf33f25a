"""TVL012 through a logger of meters: `metric_logger.update(loss=loss)` where the logger's
`update(self, **kwargs)` hands each value on to a meter it holds (`for k, v in kwargs.items():
self.meters[k].update(v)`) and the meter's `update(self, value)` adds it to its own total
(`self.total += value * n`). The logger outlives the loop, its meters with it, so every
batch's loss graph stays alive until the epoch ends.

The meter may be held in a dict made by `defaultdict(Meter)` (or `defaultdict(lambda:
Meter(...))`), a dict literal or comprehension of `Meter()` values, or a plain attribute
(`self.loss_meter = Meter()`); the hand-on may be a named parameter or `**kwargs` read through
`.items()` / `.values()`. Everything not proved is left alone: a value converted on the way
(`float(v)`, `v.item()`) is not the tensor any more."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import FUNCS, Target, instance_class
from torchvitals.lint.engine import Context, callee, dotted, method, walk_scope
from torchvitals.lint.syntax import positional

MAX_HOPS = 2


def keyword_holders(t: Target, call: ast.Call, losses: set[str]) -> set[str]:
    """The names inside the called method that hold a loss passed by keyword: the parameter of
    that name, or the `**kwargs` dict that collects it."""
    named = set(positional(t.fn)) | {a.arg for a in t.fn.args.kwonlyargs}
    out = set()
    for kw in call.keywords:
        if kw.arg is None or dotted(kw.value) not in losses:
            continue
        if kw.arg in named:
            out.add(kw.arg)
        elif t.fn.args.kwarg is not None:
            out.add(t.fn.args.kwarg.arg)
    return out


def handed_to_meter(ctx: Context, fn: ast.AST, held: set[str], hops: int = 0) -> str | None:
    """The attribute of `self` (`self.meters`) whose meter adds up a value `fn` holds in `held`
    (a parameter, or a `**kwargs` dict whose values it hands on); None when none is proved."""
    if hops >= MAX_HOPS:
        return None
    carriers = (held | _values_of(fn, held)) - _rebound(fn)  # `v = v.item()` before the hand-on: a number
    cls = ctx.parent.get(fn)
    cls = cls if isinstance(cls, ast.ClassDef) else None
    for n in walk_scope(fn):
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and cls is not None):
            continue
        passed = [i for i, a in enumerate(n.args) if isinstance(a, ast.Name) and a.id in carriers]
        owner = _self_attr(n.func.value)
        if not passed or owner is None:
            continue
        meter = _meter_class(ctx, cls, owner, n)
        inner = _method(ctx, meter, n.func.attr) if meter else None
        if inner is None:
            continue
        names = positional(inner)[1:]
        params = {names[i] for i in passed if i < len(names)}
        if params and (_adds_to_self(inner, params) or handed_to_meter(ctx, inner, params, hops + 1)):
            return owner
    return None


def _values_of(fn: ast.AST, held: set[str]) -> set[str]:
    """`v` of `for k, v in kwargs.items()` or `for v in kwargs.values()` over a held dict."""
    out = set()
    for n in walk_scope(fn):
        if not (isinstance(n, (ast.For, ast.AsyncFor)) and isinstance(n.iter, ast.Call) and dotted(getattr(n.iter.func, "value", None)) in held):
            continue
        m, tgt = method(n.iter), n.target
        if m == "items" and isinstance(tgt, ast.Tuple) and len(tgt.elts) == 2 and isinstance(tgt.elts[1], ast.Name):
            out.add(tgt.elts[1].id)
        elif m == "values" and isinstance(tgt, ast.Name):
            out.add(tgt.id)
    return out


def _self_attr(recv: ast.AST) -> str | None:
    """`self.meters[k]` -> "self.meters", `self.loss_meter` -> "self.loss_meter"."""
    if isinstance(recv, ast.Subscript):
        recv = recv.value
    name = dotted(recv)
    return name if name and name.startswith("self.") and name.count(".") == 1 else None


def _meter_class(ctx: Context, cls: ast.ClassDef, owner: str, call: ast.Call) -> str | None:
    """The class of this file every meter at `owner` is made from."""
    if not isinstance(call.func.value, ast.Subscript):  # type: ignore[attr-defined]
        return instance_class(ctx, owner, call)
    classes = {c.name for c in ctx.classes}
    found = set()
    for v in ctx.values.get(owner, []):
        if isinstance(v, ast.Call) and callee(v).split(".")[-1] == "defaultdict" and len(v.args) == 1:
            made = v.args[0].body if isinstance(v.args[0], ast.Lambda) else v.args[0]
            found.add(callee(made) if isinstance(made, ast.Call) else dotted(made))
        elif isinstance(v, ast.Dict) and v.values:
            found |= {callee(x) if isinstance(x, ast.Call) else None for x in v.values}
        elif isinstance(v, ast.DictComp):
            found.add(callee(v.value) if isinstance(v.value, ast.Call) else None)
        else:
            return None
    return found.pop() if len(found) == 1 and found <= classes else None


def _method(ctx: Context, cls_name: str, name: str) -> ast.AST | None:
    cls = next((c for c in ctx.classes if c.name == cls_name), None)
    return next((m for m in cls.body if isinstance(m, FUNCS) and m.name == name), None) if cls else None


def _adds_to_self(fn: ast.AST, params: set[str]) -> bool:
    """`self.total += value * n`, `self.total = self.total + value`, `self.values.append(value)`:
    the parameter itself (a tensor stays one), kept on the meter; a parameter the method
    rebinds (`value = value.item()`) is not judged."""
    params = params - _rebound(fn)
    for n in walk_scope(fn):
        if isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add):
            target, v = n.target, n.value
        elif isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.value, ast.BinOp) and isinstance(n.value.op, ast.Add):
            target, v = n.targets[0], n.value.right
            if dotted(n.value.left) != dotted(target):
                continue
        elif isinstance(n, ast.Call) and method(n) == "append" and len(n.args) == 1:
            target, v = n.func.value, n.args[0]  # type: ignore[attr-defined]
        else:
            continue
        while isinstance(v, ast.BinOp) and isinstance(v.op, (ast.Mult, ast.Div)):
            v = v.left
        if isinstance(v, ast.Name) and v.id in params and (dotted(target) or "").startswith("self."):
            return True
    return False


def _rebound(fn: ast.AST) -> set[str]:
    """Names a plain assignment of `fn` binds (`value = value.item()`): not the value passed in."""
    out = set()
    for n in walk_scope(fn):
        for t in n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []:
            out |= {e.id for e in (t.elts if isinstance(t, ast.Tuple) else [t]) if isinstance(e, ast.Name)}
    return out
