"""Following calls within one file: which function a call runs, and what that function does.

Rules see one function at a time; real code splits the training loop over methods and helpers
(`self.optimizer_step()`, `validate(model, loader)`, `model(x)` running a class's `forward`).
`resolve` names the function a call runs when the source proves it, and nothing otherwise:
  - `helper(...)`: a function defined at module level (not a nested or rebound name);
  - `self.method(...)` inside a class: that class's own method;
  - `obj(...)` / `obj.forward(...)` where `obj` holds an instance of a module class of this file:
    that class's `forward`.
A model passed in as an argument is followed only by the argument's name; `getattr`, another
module's function, a method of an unknown object are never followed. `effects` summarises what
a function does, its callees included (DEPTH deep, memoised per function: linear in the file).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from torchvitals.lint.engine import (
    Context,
    callee,
    dotted,
    is_const,
    kwarg,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.syntax import walk

DEPTH = 3
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Target:
    """A resolved call: the function it runs, what `self` is inside it (a dotted name in the
    caller, or None), and each parameter bound to a dotted name of the caller."""

    fn: ast.FunctionDef | ast.AsyncFunctionDef
    self_key: str | None
    params: tuple[tuple[str, str], ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()  # self.<attr> -> the caller's name it was built from

    def rename(self, key: str | None) -> str | None:
        """A dotted name inside the function, as the caller names it (None: no caller name)."""
        if not key:
            return None
        head, _, rest = key.partition(".")
        if head == "self":
            attr, _, tail = rest.partition(".")
            if attr and (given := dict(self.attrs).get(attr)):
                return f"{given}.{tail}" if tail else given
            new = self.self_key
        else:
            new = dict(self.params).get(head)
            if new is None:
                return None if _is_param(self.fn, head) else key  # an unbound parameter: unknown
        return f"{new}.{rest}" if new and rest else new


@dataclass
class Effects:
    """What a function does, its resolvable callees included; names as the function says them."""

    evals: set[str] = field(default_factory=set)  # receivers of `.eval()` / `.train(False)`
    trains: set[str] = field(default_factory=set)  # receivers of `.train()`
    clears: bool = False  # zero_grad() or `.grad = None`
    steps: set[str] = field(default_factory=set)  # optimizers stepped
    backward: bool = False


def _is_param(fn: ast.AST, name: str) -> bool:
    a = fn.args  # type: ignore[attr-defined]
    return any(p.arg == name for p in [*a.posonlyargs, *a.args, *a.kwonlyargs])


is_param = _is_param  # for rules: `name` is a parameter of the function `fn`


def _index(ctx: Context) -> tuple[dict[str, ast.AST], dict[str, dict[str, ast.AST]]]:
    """(module-level functions by name, each class's methods by name), built once per file.
    A name bound twice at module level (two defs, or a def and an assignment) is not indexed."""
    hit = ctx.memo.get("calls_index")
    if hit is None:
        funcs: dict[str, ast.AST] = {}
        twice: set[str] = set(ctx.values)
        for n in ctx.tree.body:
            if isinstance(n, FUNCS):
                if n.name in funcs:
                    twice.add(n.name)
                funcs[n.name] = n
        methods = {c.name: {m.name: m for m in c.body if isinstance(m, FUNCS)} for c in ctx.classes}
        hit = ctx.memo["calls_index"] = ({k: v for k, v in funcs.items() if k not in twice}, methods)
    return hit


def functions(ctx: Context) -> dict[str, ast.AST]:
    """The module-level functions of this file by name (a name bound twice is left out)."""
    return _index(ctx)[0]


def defined_names(ctx: Context) -> frozenset[str]:
    """Names of the functions and methods of this file: a call to any other name resolves to
    nothing, so rules can skip it before asking `resolve` (and before walking its ancestors)."""
    hit = ctx.memo.get("defined_names")
    if hit is None:
        funcs, methods = _index(ctx)
        hit = ctx.memo["defined_names"] = frozenset(funcs) | {m for ms in methods.values() for m in ms} | set(methods)
    return hit


def may_resolve(ctx: Context, call: ast.Call) -> bool:
    """Cheap test, first thing `resolve` asks: the call names a function, method or class of
    this file, a name bound in it (`criterion(a, b)`), or a module attribute (`self.encoder(x)`)."""
    f = call.func
    if not isinstance(f, (ast.Name, ast.Attribute)) or isinstance(f.value if isinstance(f, ast.Attribute) else None, ast.Call):
        return _dispatch().may_run(ctx, call)  # `STEPS[mode](b)`, `super().step()`, `getattr(self, f"on_{e}")()`
    name = f.id if isinstance(f, ast.Name) else f.attr
    if name in defined_names(ctx) or isinstance(f, ast.Attribute) and f"self.{name}" in ctx.values and dotted(f.value) == "self":
        return True  # a function of the file, or `self.step_fn(b)` (dispatch.py reads what it holds)
    if isinstance(f, ast.Name):  # a bound name, or a parameter given instances of a module class
        if name in ctx.values:
            return True
        if name in _param_names(ctx) and not ctx.module_classes:  # `def run(step_fn): step_fn(b)`
            return _dispatch().may_run(ctx, call)
        if not ctx.module_classes or name not in _param_names(ctx):
            return False
        scope = ctx.scope_of(call)
        return isinstance(scope, FUNCS) and _is_param(scope, name)
    return callee(call) in ctx.modules


def _param_names(ctx: Context) -> frozenset[str]:
    """Every parameter name of the file's module-level functions (the cheap test first)."""
    hit = ctx.memo.get("param_names")
    if hit is None:
        hit = ctx.memo["param_names"] = frozenset(a.arg for fn in functions(ctx).values() for a in fn.args.args)  # type: ignore[attr-defined]
    return hit


def enclosing_class(ctx: Context, node: ast.AST) -> ast.ClassDef | None:
    """The class whose method holds `node` (directly: a method, not a function nested in one)."""
    fn = ctx.scope_of(node)
    par = ctx.parent.get(fn) if isinstance(fn, FUNCS) else None
    return par if isinstance(par, ast.ClassDef) else None


def resolve(ctx: Context, call: ast.Call) -> Target | None:
    """The function this call runs, when the file proves it; else None. Beyond direct names,
    a call through a value that can only be one function of this file (an alias, a partial,
    `super().m()`, a dict entry by constant key: dispatch.py)."""
    if not may_resolve(ctx, call):
        return None
    hit = _resolve(ctx, call)
    if hit is None and _dispatch().may_run(ctx, call):
        hit = _dispatch().single(ctx, call)
    return hit


class _DirectOnly:
    """What follows calls made through values (`STEPS[mode](b)`, a partial, `super().m()`) until
    dispatch.py registers itself (importing the rules does): nothing, only direct calls."""

    may_run = staticmethod(lambda ctx, call: False)
    single = returned_class = staticmethod(lambda ctx, call: None)
    runs = staticmethod(lambda ctx, call: [])
    must_effects = staticmethod(lambda ctx, targets: Effects())


_through_values: Any = _DirectOnly


def follow_values(follower: Any) -> None:
    """dispatch.py hands itself in when it is imported: calls made through values are followed
    from then on. The dependency runs one way (dispatch.py, which asks the value evaluator, uses
    this module), so call resolution stays below the evaluator that relies on it."""
    global _through_values
    _through_values = follower


def _dispatch() -> Any:
    return _through_values


def _resolve(ctx: Context, call: ast.Call) -> Target | None:
    funcs, methods = _index(ctx)
    func = call.func
    if isinstance(func, ast.Name):
        fn = funcs.get(func.id)
        if fn is not None:
            return Target(fn, None, _bind(fn, call, skip_self=False))  # type: ignore[arg-type]
        cls = ctx.modules.get(func.id)
        hit = _forward(ctx, methods, cls, func.id, call)
        if hit is None and cls is None and func.id not in ctx.values:  # def fit(..., criterion): criterion(a, b)
            hit = _forward(ctx, methods, _param_class(ctx, func.id, call), func.id, call)
        if hit is None and cls is None and func.id in ctx.values:  # criterion = Loss(model); criterion(a, b)
            cls_name = instance_class(ctx, func.id, call)
            fn = methods.get(cls_name or "", {}).get("__call__")
            if fn is not None:
                return Target(fn, func.id, _bind(fn, call, skip_self=True), ctor_attrs(ctx, cls_name, func.id))
        return hit
    recv, m = receiver(call), method(call)
    if recv == "self":
        cls = enclosing_class(ctx, call)
        fn = methods.get(cls.name, {}).get(m) if cls is not None else None
        if fn is None and cls is not None:
            fn = inherited(ctx, cls, m)
            if fn is None and not any(dotted(b) not in {c.name for c in ctx.classes} | {"object"} for b in cls.bases):
                fn = subclass_only(ctx, cls, m)  # no base from outside the file may define it
        if fn is not None and m != "forward":
            return Target(fn, "self", _bind(fn, call, skip_self=True))  # type: ignore[arg-type]
        return None
    key = recv if m == "forward" else callee(call)
    hit = _forward(ctx, methods, ctx.modules.get(key or ""), key, call)
    if hit is None and recv and m != "forward":
        cls_name = instance_class(ctx, recv, call)
        fn = methods.get(cls_name or "", {}).get(m)
        if fn is not None:
            return Target(fn, recv, _bind(fn, call, skip_self=True))  # type: ignore[arg-type]
    return hit


def held_path(ctx: Context, use: ast.AST, name: str) -> str:
    """`model = self.trainer.model` then `model.eval()`: a local name of a method bound once, to
    an attribute path of `self`, stands for that path (what a hook switches is the runner's
    model); any other name is itself."""
    scope = ctx.scope_of(use)
    if not isinstance(scope, FUNCS) or name in {a.arg for a in walk(scope.args) if isinstance(a, ast.arg)}:
        return name
    stores = [x for x in walk_scope(scope) if isinstance(x, ast.Name) and x.id == name and isinstance(x.ctx, (ast.Store, ast.Del))]
    bound = ctx.assigns_in(scope).get(name, [])
    if len(stores) != 1 or len(bound) != 1 or not isinstance(a := bound[0], ast.Assign) or a.targets[0] is not stores[0]:
        return name
    path = dotted(a.value) or ""
    return path if path.startswith("self.") else name


def subclass_only(ctx: Context, cls: ast.ClassDef, name: str) -> ast.AST | None:
    """`self.run_step(batch)` in a base runner that neither defines nor inherits `run_step`:
    the method only runs on a subclass, and when exactly one class of the file below it
    defines the name, that is the method that runs (a template method's one implementation)."""
    methods = _index(ctx)[1]
    below, found = subclasses(ctx, cls), []
    for c in ctx.classes:
        if c.name in below and c is not cls and (fn := methods.get(c.name, {}).get(name)) is not None:
            found.append(fn)
    return found[0] if len(found) == 1 else None


def subclasses(ctx: Context, cls: ast.ClassDef) -> set[str]:
    """The names of `cls` and the classes of this file below it, a few levels deep."""
    below = {cls.name}
    for _ in range(4):
        below |= {c.name for c in ctx.classes if any(dotted(b) in below for b in c.bases)}
    return below


def inherited(ctx: Context, cls: ast.ClassDef, name: str, depth: int = 0) -> ast.AST | None:
    """The method `name` a class of this file inherits from its bases of this file (a trainer
    built from mixins: `class Trainer(AMPMixin, ClipMixin)`), searched left to right as Python's
    MRO does for such flat hierarchies. A base from outside the file met first may define it
    too (nn.Module's `train`): then nothing is proven."""
    methods = _index(ctx)[1]
    classes = {c.name: c for c in ctx.classes}
    for b in cls.bases:
        if dotted(b) == "object":
            continue
        base = classes.get(dotted(b) or "")
        if base is None or base is cls or depth > 4:
            return None
        if (fn := methods.get(base.name, {}).get(name)) is not None:
            return fn
        if (fn := inherited(ctx, base, name, depth + 1)) is not None:
            return fn
        if any(dotted(bb) not in classes and dotted(bb) != "object" for bb in base.bases):
            return None
    return None


def ctor_attrs(ctx: Context, cls_name: str | None, key: str) -> tuple[tuple[str, str], ...]:
    """`self.model = model` in `__init__(self, model)` and the one `key = Cls(net, ...)` of this
    file: self.model is `net` in the caller."""
    values = ctx.values.get(key, [])
    init = _index(ctx)[1].get(cls_name or "", {}).get("__init__")
    if len(values) != 1 or not isinstance(values[0], ast.Call) or init is None:
        return ()
    given = dict(_bind(init, values[0], skip_self=True))
    out = []
    for n in walk_scope(init):
        for tgt, v in _assigned_pairs(n):
            if isinstance(v, ast.Name) and v.id in given:
                t = dotted(tgt) or ""
                if t.startswith("self.") and t.count(".") == 1:
                    out.append((t[5:], given[v.id]))
    return tuple(out)


def _assigned_pairs(n: ast.AST) -> list[tuple[ast.expr, ast.expr]]:
    """(target, value) of `a = x`, and element by element of `self.net, self.opt = net, opt`."""
    if not (isinstance(n, ast.Assign) and len(n.targets) == 1):
        return []
    tgt, v = n.targets[0], n.value
    if isinstance(tgt, ast.Tuple) and isinstance(v, ast.Tuple) and len(tgt.elts) == len(v.elts):
        return list(zip(tgt.elts, v.elts, strict=True))
    return [(tgt, v)]


def instance_class(ctx: Context, key: str, at: ast.AST) -> str | None:
    """The class of this file that every value of `key` is an instance of: `x = Trainer(...)`,
    or `self.x = x` in `__init__` where every construction of the class passes an instance
    (`Loop(model, OptimWrapper(opt))`). None when any value is something else."""
    memo = ctx.memo.setdefault("instance_class", {})
    if key not in memo:
        memo[key] = None  # a cycle resolves to nothing
        memo[key] = _instance_class(ctx, key, at)
    return memo[key]


def _instance_class(ctx: Context, key: str, at: ast.AST) -> str | None:
    classes = {c.name: c for c in ctx.classes}
    values = ctx.values.get(key, [])
    found: set[str | None] = set()
    for v in values:
        while isinstance(v, ast.Call) and method(v) in ("to", "cuda", "cpu") and isinstance(v.func, ast.Attribute):
            v = v.func.value  # `self.model = model.to(device)`: the same instance
        if isinstance(v, ast.Tuple) and v.elts and all(isinstance(e, ast.Call) for e in v.elts):
            found |= {callee(e) if callee(e) in classes else None for e in v.elts}  # a, b = A(), A()
        elif isinstance(v, ast.Call) and callee(v) in classes:
            found.add(callee(v))
        elif isinstance(v, ast.Call) and (made := _dispatch().returned_class(ctx, v)):
            found.add(made)  # `trainer = build_trainer(cfg)` returning a class of this file
        elif key.startswith("self.") and isinstance(v, ast.Name):
            found.add(_ctor_arg_class(ctx, classes, v, at))
        else:
            return None
    return found.pop() if len(found) == 1 else None


def _ctor_arg_class(ctx: Context, classes: dict[str, ast.ClassDef], v: ast.Name, at: ast.AST) -> str | None:
    """`self.x = x` in `__init__(self, ..., x)`: the class every `Cls(...)` call passes as x."""
    init = ctx.scope_of(v)
    cls = ctx.parent.get(init)
    if not (isinstance(init, FUNCS) and init.name == "__init__" and isinstance(cls, ast.ClassDef)):
        return None
    if cls is not enclosing_class(ctx, at) or not _is_param(init, v.id):
        return None
    a = init.args
    names = [p.arg for p in [*a.posonlyargs, *a.args]][1:]
    out: set[str | None] = set()
    for c in ctx.calls:
        if callee(c) != cls.name:
            continue
        given = next((k.value for k in c.keywords if k.arg == v.id), None)
        if given is None and v.id in names and names.index(v.id) < len(c.args):
            given = c.args[names.index(v.id)]
        if isinstance(given, ast.Call) and callee(given) in classes:
            out.add(callee(given))
        elif isinstance(given, ast.Name) and given.id in ctx.values:
            out.add(instance_class(ctx, given.id, given))
        else:
            return None
    return out.pop() if len(out) == 1 else None


def _param_class(ctx: Context, name: str, at: ast.AST) -> str | None:
    """The module class of this file every call of the enclosing plain function passes an
    instance of for its parameter `name` (`fit(model, loader, SMAPELoss(), ...)`)."""
    fn = ctx.scope_of(at)
    if not isinstance(fn, FUNCS) or ctx.parent.get(fn) is not ctx.tree or not _is_param(fn, name):
        return None
    params = [p.arg for p in fn.args.args]
    found = set()
    for c in ctx.calls:
        if isinstance(c.func, ast.Name) and c.func.id == fn.name:
            i = params.index(name) if name in params else -1
            given = next((k.value for k in c.keywords if k.arg == name), c.args[i] if 0 <= i < len(c.args) else None)
            found.add(callee(given) if isinstance(given, ast.Call) and callee(given) in ctx.module_classes else None)
    return found.pop() if len(found) == 1 else None


def _forward(ctx: Context, methods: dict, cls: str | None, key: str | None, call: ast.Call) -> Target | None:
    fn = methods.get(cls or "", {}).get("forward")
    if fn is None or not key:
        return None
    return Target(fn, key, _bind(fn, call, skip_self=True))


def class_forward(ctx: Context, cls: str | None, key: str | None, call: ast.Call) -> Target | None:
    """The `forward` of the module class `cls` of this file, run by `call` on the object `key`."""
    return _forward(ctx, _index(ctx)[1], cls, key, call)


def _bind(fn: ast.AST, call: ast.Call, skip_self: bool) -> tuple[tuple[str, str], ...]:
    """Parameters bound to a dotted name of the caller (positional and keyword)."""
    a = fn.args  # type: ignore[attr-defined]
    names = [p.arg for p in [*a.posonlyargs, *a.args]]
    if skip_self and names and names[0] in ("self", "cls"):
        names = names[1:]
    out = []
    for i, v in enumerate(call.args):
        if isinstance(v, ast.Starred):
            break
        if i < len(names) and (d := dotted(v)):
            out.append((names[i], d))
    for k in call.keywords:
        if k.arg and (d := dotted(k.value)):
            out.append((k.arg, d))
    return tuple(out)


bind = _bind  # for hooks.py: a method run by name, its parameters bound to the caller's names


def effects(ctx: Context, fn: ast.AST, depth: int = 0) -> Effects:
    """What `fn` does, its resolvable callees followed DEPTH deep (memoised per function)."""
    memo = ctx.memo.setdefault("effects", {})
    hit = memo.get(id(fn))
    if hit is not None and hit[0] is fn and hit[1] <= depth:
        return hit[2]
    memo[id(fn)] = (fn, depth, Effects())  # a recursive call sees nothing more
    out = effects_of(ctx, walk_scope(fn), depth)
    memo[id(fn)] = (fn, depth, out)
    return out


def effects_of(ctx: Context, nodes: Iterable[ast.AST], depth: int = 0) -> Effects:
    """Effects of some nodes (a loop's body, a function's), resolvable calls in them followed."""
    out = Effects()
    for n in nodes:
        if isinstance(n, (ast.Assign, ast.AugAssign)):
            out.clears |= any(t.endswith(".grad") or t == "grad" for t in targets_of(n))
            continue
        if not isinstance(n, ast.Call):
            continue
        m, recv = method(n), receiver(n)
        if m in ("eval", "train") and recv and "." not in recv:
            recv = held_path(ctx, n, recv)
        if m == "eval" and not n.args or m == "train" and is_const(n.args[0] if n.args else kwarg(n, "mode"), False):
            out.evals.add(recv or "")
        elif m == "train" and recv:
            out.trains.add(recv)
        elif "zero_grad" in (m or callee(n)) or (m == "zero_" and "grad" in (recv or "")):
            out.clears = True
        if n in ctx.backwards:
            out.backward = True
        opt = ctx.optimizer_step(n)
        if opt:
            out.steps.add(opt)
        if depth < DEPTH:
            t = resolve(ctx, n)
            if t is not None:
                merge(out, effects(ctx, t.fn, depth + 1), t)
            elif alts := _dispatch().runs(ctx, n):
                merge(out, _dispatch().must_effects(ctx, alts))  # one of several: what each does
    out.evals.discard("")
    return out


def merge(out: Effects, inner: Effects, t: Target | None = None) -> None:
    """Add what a callee does to `out`, renamed as the call `t` names it (None: named already)."""
    out.clears |= inner.clears
    out.backward |= inner.backward
    if t is None:
        out.evals |= inner.evals
        out.trains |= inner.trains
        out.steps |= inner.steps
        return
    out.evals |= {k for e in inner.evals if (k := t.rename(e))}
    out.trains |= {k for e in inner.trains if (k := t.rename(e))}
    out.steps |= {k for e in inner.steps if (k := t.rename(e))}


def dispatched(ctx: Context, call: ast.Call) -> list[Target]:
    """`getattr(self, mode)(loader)` in a method (an mmcv-style runner's workflow loop): the
    methods of the class it may run, every public one but the caller when `mode` is not a
    constant; [] for any other call."""
    f = call.func
    if not (isinstance(f, ast.Call) and callee(f) == "getattr" and len(f.args) >= 2 and dotted(f.args[0]) == "self"):
        return []
    cls = enclosing_class(ctx, call)
    if cls is None:
        return []
    here = ctx.scope_of(call)
    methods = _index(ctx)[1].get(cls.name, {})
    name = f.args[1]
    if isinstance(name, ast.Constant):
        fns = [methods[name.value]] if isinstance(name.value, str) and name.value in methods else []
    else:
        fns = [m for k, m in methods.items() if not k.startswith("_") and m is not here]
    return [Target(fn, "self", _bind(fn, call, skip_self=True)) for fn in fns]  # type: ignore[arg-type]
