"""A method call resolved on an object the caller built: the object's constructor attributes
named as the caller names them (`trainer = Trainer(model)`, then `trainer.loss(x)` reads
`self.model`, which is the caller's `model`). Used by the gradient-flow rules."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import Target, ctor_attrs
from torchvitals.lint.engine import Context, callee


def with_ctor_attrs(ctx: Context, t: Target, call: ast.Call) -> Target:
    """`trainer.loss(x)` (the `call`) resolved to a method of `Trainer`, with `trainer =
    Trainer(model)` the one value of `trainer`, built in the caller's own scope, and `self.model
    = model` in its `__init__`: the same Target, whose `self.model` the caller names `model`
    (rename), as `__call__` targets already are."""
    cls = ctx.parent.get(t.fn)
    if t.attrs or not t.self_key or t.self_key == "self" or not isinstance(cls, ast.ClassDef):
        return t
    values = ctx.values.get(t.self_key, [])
    if len(values) != 1 or not isinstance(values[0], ast.Call) or callee(values[0]) != cls.name:
        return t
    if ctx.scope_of(values[0]) is not ctx.scope_of(call):
        return t  # built elsewhere: the caller does not know the model by that name
    attrs = ctor_attrs(ctx, cls.name, t.self_key)
    return Target(t.fn, t.self_key, t.params, attrs) if attrs else t
