"""Methods a runner's loop runs by name: hooks and callbacks of hand-written trainers.

mmcv, fastai and Lightning-like runners split one training step over objects whose class the
file never proves at the call site:

    for h in self.hooks: h.after_train_iter(self)         # an untyped hook list
    self.call_hook("after_train_iter")                      # getattr(h, name)(self) inside
    self("after_batch")                                     # __call__ dispatches by name
    module.optimizer_step(optimizer)                        # a module passed to fit()

`resolve` (calls.py) follows none of these, on purpose: most rules want only proven calls.
`hook_targets` names every method of this file's classes such a call may run, so that the loop
rules (gradients cleared, schedule stepped per batch) see a hook's body as part of the loop. A
method name that is also a torch API (`step`, `backward`, `train` ...) is never treated as a
hook: `optimizer.step()` must not run a class's `step()` because the file defines one.
"""

from __future__ import annotations

import ast

from torchvitals.lint.calls import (
    FUNCS,
    Effects,
    Target,
    bind,
    effects,
    enclosing_class,
    is_param,
    merge,
    resolve,
)
from torchvitals.lint.engine import Context, callee, dotted, method, receiver, walk_scope
from torchvitals.lint.syntax import walk

# Methods of tensors, modules, optimizers and schedulers: a call to one of these is the library's.
API = frozenset({
    "backward", "step", "zero_grad", "train", "eval", "forward", "to", "cuda", "cpu", "half",
    "float", "parameters", "named_parameters", "modules", "children", "state_dict",
    "load_state_dict", "apply", "update", "item", "detach", "add_param_group", "register_hook",
    "get", "items", "keys", "values", "append", "extend", "pop", "format", "join", "split",
})  # fmt: skip


def methods_named(ctx: Context) -> dict[str, list[ast.AST]]:
    """Every method of this file's classes by name (several classes may share one)."""
    hit = ctx.memo.get("hooks_by_name")
    if hit is None:
        hit = ctx.memo["hooks_by_name"] = {}
        for c in ctx.classes:
            for m in c.body:
                if isinstance(m, FUNCS):
                    hit.setdefault(m.name, []).append(m)
    return hit


def _untyped(ctx: Context, call: ast.Call, recv: str) -> bool:
    """`recv` is a loop variable, a parameter of the enclosing function or an attribute of `self`
    (`self.module.training_step(batch)`), and nothing in the file says it is an optimizer,
    scheduler or scaler."""
    if recv == "self" or ctx.is_optimizer(recv) or ctx.is_scheduler(recv) or ctx.is_scaler(recv):
        return False
    if recv.startswith("self."):
        return recv.count(".") == 1
    if "." in recv:
        return False
    fn = ctx.scope_of(call)
    if isinstance(fn, FUNCS) and is_param(fn, recv):
        return True
    return any(isinstance(a, (ast.For, ast.AsyncFor)) and dotted(a.target) == recv for a in ctx.ancestors(call)) or any(
        isinstance(a, _COMPREHENSIONS) and any(dotted(g.target) == recv for g in a.generators) for a in ctx.ancestors(call)
    )  # `[cb.on_batch_end(self) for cb in self.callbacks]`


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def hook_targets(ctx: Context, call: ast.Call) -> list[Target]:
    """The methods this call may run by name, beyond what `resolve` proves; [] for most calls
    (memoised per call: several rules ask about every call of a loop)."""
    memo = ctx.memo.setdefault("hook_targets", {})
    hit = memo.get(id(call))
    if hit is None or hit[0] is not call:
        hit = memo[id(call)] = (call, _hook_targets(ctx, call))
    return hit[1]


def _hook_targets(ctx: Context, call: ast.Call) -> list[Target]:
    m, recv = method(call), receiver(call)
    fns = methods_named(ctx).get(m or "", []) if m not in API and not (m or "_").startswith("__") else []
    if fns and recv and resolve(ctx, call) is None:
        if _untyped(ctx, call, recv):
            return [Target(fn, recv, bind(fn, call, skip_self=True)) for fn in fns]  # type: ignore[arg-type]
    outer = _dispatcher(ctx, call)
    return _by_constant(ctx, call, outer) if outer is not None else []


def _dispatcher(ctx: Context, call: ast.Call) -> Target | None:
    """`self(...)` in a method (the class's `__call__`), or any resolvable call."""
    if isinstance(call.func, ast.Name) and call.func.id == "self":
        cls = enclosing_class(ctx, call)
        fn = next((f for f in cls.body if isinstance(f, FUNCS) and f.name == "__call__"), None) if cls else None
        return Target(fn, "self", bind(fn, call, skip_self=True)) if fn is not None else None
    return resolve(ctx, call) if any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args) else None


def _by_constant(ctx: Context, call: ast.Call, outer: Target) -> list[Target]:
    """`self.call_hook("after_train_iter")` whose body runs `getattr(h, name)(self)`: the methods
    named "after_train_iter", their parameters renamed to the caller's names."""
    a = outer.fn.args
    names = [p.arg for p in [*a.posonlyargs, *a.args]]
    names = names[1:] if names and names[0] in ("self", "cls") and outer.self_key else names
    given = {n: v.value for n, v in zip(names, call.args, strict=False) if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    nodes = list(walk_scope(outer.fn))
    looked_up = {n.targets[0].id: n.value for n in nodes if isinstance(n, ast.Assign) and len(n.targets) == 1
                 and isinstance(n.targets[0], ast.Name) and _is_getattr(n.value)}  # fn = getattr(cb, event, None)
    out: list[Target] = []
    for inner in nodes:
        f = inner.func if isinstance(inner, ast.Call) else None
        f = looked_up.get(f.id) if isinstance(f, ast.Name) else f
        if not (isinstance(f, ast.Call) and _is_getattr(f)):
            continue
        name = given.get(f.args[1].id)
        for fn in methods_named(ctx).get(name or "", []):
            params = tuple((p, k) for p, v in bind(fn, inner, skip_self=True) if (k := outer.rename(v)))  # type: ignore[arg-type]
            out.append(Target(fn, None, params))  # type: ignore[arg-type]
    return out


def _is_getattr(node: ast.AST) -> bool:
    """`getattr(obj, name)` with `name` a variable (a parameter the caller gives a constant)."""
    return isinstance(node, ast.Call) and callee(node) == "getattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Name)


def merge_hooks(ctx: Context, out: Effects, calls: list[ast.Call]) -> None:
    """Add to `out` what the hooks these calls run do, in the caller's names."""
    for c in calls:
        for t in hook_targets(ctx, c):
            merge(out, effects(ctx, t.fn, 1), t)


def runner_names(ctx: Context, calls: list[ast.Call]) -> dict[str, str]:
    """`h.trainer.model` as the runner says it (`self.model`) for the hooks these calls run,
    when the runner hands each hook a reference to itself (detectron2's `h.trainer = self`,
    `weakref.proxy(self)`) or to a part of itself (Keras-like `cb.model = self.model`):
    {`h.trainer`: `self`, `h.model`: `self.model`} per hook receiver and attribute."""
    out: dict[str, str] = {}
    for c in calls:
        recv = receiver(c)
        cls = enclosing_class(ctx, c) if recv and hook_targets(ctx, c) else None
        for attr, given in back_references(ctx, cls).items() if cls is not None else ():
            out[f"{recv}.{attr}"] = given
    return out


def back_references(ctx: Context, cls: ast.ClassDef) -> dict[str, str]:
    """Attributes a method of `cls` sets on other objects to the instance itself or one of its
    attributes (`h.trainer = self`, `cb.runner = weakref.proxy(self)`, `cb.model = self.model`),
    with what they are set to; an attribute set to two different things is left out. Memoised."""
    memo = ctx.memo.setdefault("back_references", {})
    if id(cls) not in memo:
        found: dict[str, set[str]] = {}
        for n in walk(cls):
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(t := n.targets[0], ast.Attribute):
                v = n.value.args[0] if isinstance(n.value, ast.Call) and callee(n.value).endswith("proxy") and n.value.args else n.value
                given = dotted(v) or ""
                if (given == "self" or given.startswith("self.") and given.count(".") == 1) and dotted(t.value) not in (None, "self"):
                    found.setdefault(t.attr, set()).add(given)
        memo[id(cls)] = (cls, {a: next(iter(g)) for a, g in found.items() if len(g) == 1})
    return memo[id(cls)][1]


def hook_self_says(ctx: Context, call: ast.Call, key: str) -> str:
    """A hook's own `self.learn.model`, run by name from a runner that set `cb.learn = self`
    (fastai's `self("after_epoch")`), as the runner says it: `self.model`; "" when unknown."""
    cls = enclosing_class(ctx, call)
    head, _, rest = key.partition(".")
    attr, _, tail = rest.partition(".")
    given = back_references(ctx, cls).get(attr) if cls is not None and head == "self" and attr else None
    return (f"{given}.{tail}" if tail else given) if given else ""


def as_runner_says(key: str, names: dict[str, str]) -> str:
    """`key` with a hook's back-reference prefix replaced by the runner's own name for it."""
    for prefix, new in names.items():
        if key == prefix or key.startswith(prefix + "."):
            return new + key[len(prefix):]
    return key


def batch_loop(ctx: Context, call: ast.Call) -> ast.AST | None:
    """The innermost loop around `call` that is not a loop over the hooks themselves
    (`for h in self.hooks: h.after_train_iter(self)` runs once per batch of the loop outside)."""
    r = receiver(call)
    return next((lp for lp in ctx.loops_around(call) if not (isinstance(lp, ast.For) and r and dotted(lp.target) == r)), None)


def _iteration_event(expr: ast.AST) -> bool:
    """`Events.ITERATION_COMPLETED`, `"iteration_completed"`, `Events.ITERATION_STARTED`: once per
    batch. `Events.ITERATION_COMPLETED(every=n)` is left out (n may be an epoch's length)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value.lower().startswith("iteration_")
    return isinstance(expr, ast.Attribute) and expr.attr.upper().startswith("ITERATION_")


def _dunder_call(ctx: Context, made: ast.Call) -> ast.AST | None:
    """The `__call__` method of the class of this file that `made` constructs (a handler object
    the engine calls like a function), else None."""
    name = callee(made)
    classes = [c for c in ctx.classes if c.name == name]
    if len(classes) != 1:
        return None
    return next((m for m in classes[0].body if isinstance(m, FUNCS) and m.name == "__call__"), None)


def per_batch_functions(ctx: Context) -> list[ast.AST]:
    """Functions (and lambdas) an engine runs once per batch with no loop in this file around
    them: ignite's process function `Engine(update)`, handlers registered for an iteration event
    (`@trainer.on(Events.ITERATION_COMPLETED)`, `add_event_handler("iteration_completed", fn)`)."""
    hit = ctx.memo.get("per_batch_functions")
    if hit is not None:
        return hit
    if "Engine(" not in ctx.text and "event_handler" not in ctx.text and ".on(" not in ctx.text:
        ctx.memo["per_batch_functions"] = []
        return []
    local = {n.name: n for n in walk(ctx.tree) if isinstance(n, FUNCS)}
    out: list[ast.AST] = []
    for c in ctx.calls:
        given: ast.AST | None = None
        if callee(c).rsplit(".", 1)[-1] == "Engine" and c.args:
            given = c.args[0]
        elif method(c) == "add_event_handler" and len(c.args) >= 2 and _iteration_event(c.args[0]):
            given = c.args[1]
        if isinstance(given, ast.Lambda):
            out.append(given)
        elif isinstance(given, ast.Name) and given.id in local:
            out.append(local[given.id])
        elif isinstance(given, ast.Call) and (call := _dunder_call(ctx, given)) is not None:
            out.append(call)  # `add_event_handler(ITERATION_COMPLETED, LRHandler(sched))`: its __call__
    for fn in local.values():
        for d in fn.decorator_list:
            if isinstance(d, ast.Call) and method(d) == "on" and d.args and _iteration_event(d.args[0]):
                out.append(fn)
    ctx.memo["per_batch_functions"] = out
    return out
