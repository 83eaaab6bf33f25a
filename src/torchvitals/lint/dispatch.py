"""Calls that run a function of this file through a value: what `resolve` adds beyond direct names.

Training code often picks its step function at run time rather than naming it at the call:

    fn = train_step                      # an alias, or `functools.partial(train_step, model=m)`
    fn = train_step if training else eval_step
    STEPS = {"train": train_step, "eval": lambda b: eval_step(b)};  STEPS[mode](batch)
    def run(step_fn): ... step_fn(batch) ...;  run(train_step)
    super().step(batch)                  # the base class's method of this file
    getattr(self, f"on_{event}")(batch)  # a runner's hook methods, picked by a name pattern
    trainer = build_trainer(cfg)         # a factory that returns an instance of a class here

`alternatives(ctx, call)` lists every function such a call may run; exactly one of them runs
each time. Two kinds of question follow, and they must not be mixed up:
  - "does X happen on every path through this call?" (a loop that clears its gradients, a
    model switched back to train()): `must_effects`, the effects all alternatives share;
  - "may X happen here?" (a helper that may step an optimizer): `may_effects`, their union.
`resolve` (calls.py) asks `single` for the one case where the two agree: one alternative.
A factory's class is found by `returned_class`, which `instance_class` asks.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable

from torchvitals.lint import calls
from torchvitals.lint.calls import FUNCS, Effects, Target
from torchvitals.lint.engine import Context, callee, dotted, receiver, walk_scope
from torchvitals.lint.hooks import hook_targets
from torchvitals.lint.rules import values as evaluator
from torchvitals.lint.syntax import walk

MAX_ALTERNATIVES = 8


def single(ctx: Context, call: ast.Call) -> Target | None:
    """The function this call runs when the value it calls can only be one function of this file."""
    alts = alternatives(ctx, call)
    return alts[0] if len(alts) == 1 else None


def alternatives(ctx: Context, call: ast.Call) -> list[Target]:
    """Every function of this file the value this call calls may be (one of them runs); [] when
    the file does not show them all (memoised per call)."""
    memo = ctx.memo.setdefault("dispatch_alternatives", {})
    hit = memo.get(id(call))
    if hit is None or hit[0] is not call:
        memo[id(call)] = (call, [])  # a value defined through itself resolves to nothing
        hit = memo[id(call)] = (call, _alternatives(ctx, call))
    return hit[1]


def runs(ctx: Context, call: ast.Call) -> list[Target]:
    """What `effects_of` adds for a call `resolve` does not follow: its alternatives, or the
    hook methods a runner's call may run by name (hooks.py: `cb.on_batch_end(self)` inside a
    helper the loop calls). Several: ask `must_effects` (the file does not say which runs)."""
    if calls.may_resolve(ctx, call) and (alts := alternatives(ctx, call)):
        return alts
    return _built_hooks(ctx, call) if isinstance(call.func, ast.Attribute) else []


def _built_hooks(ctx: Context, call: ast.Call) -> list[Target]:
    """The hook methods this call may run whose class the file builds (memoised per file)."""
    return [h for h in hook_targets(ctx, call) if _instantiated(ctx, h.fn, _made(ctx))]


def may_run(ctx: Context, call: ast.Call) -> bool:
    """Cheap test before `alternatives`: the call's shape is one this module reads."""
    f = call.func
    if isinstance(f, ast.Subscript):
        return isinstance(f.value, ast.Name)
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Call):
        return callee(f.value) == "super"
    if isinstance(f, ast.Call):
        return callee(f) == "getattr"
    return isinstance(f, ast.Name) or isinstance(f, ast.Attribute) and dotted(f.value) == "self"


def _alternatives(ctx: Context, call: ast.Call) -> list[Target]:
    f = call.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Call) and callee(f.value) == "super":
        return _super(ctx, call, f.attr)
    if isinstance(f, ast.Call):
        return _by_pattern(ctx, call, f)
    if isinstance(f, ast.Subscript) and isinstance(f.value, ast.Name):
        return _from_table(ctx, call, f)
    if isinstance(f, ast.Attribute) and dotted(f.value) == "self":
        held = _own_values(ctx, call, f"self.{f.attr}")  # `self.step_fn = self.amp_step if amp else ...`
        return _of_values(ctx, call, held) if held else _subclass_methods(ctx, call, f.attr)
    if isinstance(f, ast.Name) and f.id not in calls.defined_names(ctx):
        scope = ctx.scope_of(call)
        if isinstance(scope, FUNCS) and calls.is_param(scope, f.id):
            return _passed(ctx, call, scope, f.id)
        values = _function_values(ctx, f.id) if f.id not in _bound_otherwise(ctx) else []
        return _of_values(ctx, call, values) if values else []
    return []


def _function_values(ctx: Context, name: str) -> list[ast.AST]:
    """The values a bare name read in a function may hold: its bindings in the file, less those
    of a class body (`criterion: str = "huber"`, a config dataclass's field, beside `criterion =
    CRITERIA[cfg.criterion]` in the training function), which a bare name never reads."""
    return [v for v in ctx.values.get(name, []) if not _in_class_body(ctx, v)]


def _in_class_body(ctx: Context, node: ast.AST) -> bool:
    stmt: ast.AST | None = node
    while stmt is not None and not isinstance(stmt, ast.stmt):
        stmt = ctx.parent.get(stmt)
    return isinstance(ctx.parent.get(stmt), ast.ClassDef) if stmt is not None else False


def _bound_otherwise(ctx: Context) -> frozenset[str]:
    """Names bound somewhere other than by an assignment (a loop or comprehension variable, a
    `with ... as`, an import, a parameter): `for fn in hooks: fn(x)` does not run what another
    `fn = train_step` of the file holds (memoised per file)."""
    hit = ctx.memo.get("dispatch_bound_otherwise")
    if hit is None:
        out: set[str] = set()
        for n in walk(ctx.tree):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and not isinstance(ctx.parent.get(n), (ast.Assign, ast.AnnAssign)):
                out.add(n.id)
            elif isinstance(n, ast.alias):
                out.add((n.asname or n.name).split(".")[0])
            elif isinstance(n, ast.arg):
                out.add(n.arg)
        hit = ctx.memo["dispatch_bound_otherwise"] = frozenset(out)
    return hit


def _of_values(ctx: Context, call: ast.Call, values: list[ast.AST]) -> list[Target]:
    """The functions a name bound to these values may hold, each bound to the call's arguments."""
    out: list[Target] = []
    for v in values:
        found = _callable(ctx, call, v)
        if not found:
            return []
        out += [t for t in found if all(t.fn is not o.fn for o in out)]
    return out if len(out) <= MAX_ALTERNATIVES else []


def _callable(ctx: Context, call: ast.Call, value: ast.AST, depth: int = 0) -> list[Target]:
    """The functions `value` (an expression held by the name or slot the call calls) may be."""
    funcs = calls.functions(ctx)
    if depth > 3:
        return []
    if isinstance(value, ast.Name) and value.id in funcs:
        fn = funcs[value.id]
        return [Target(fn, None, calls.bind(fn, call, skip_self=False))]  # type: ignore[arg-type]
    if isinstance(value, ast.IfExp):
        known = evaluator.truth(ctx, value.test)
        if known is not None:  # `fn = train_step if TRAIN else eval_step` with TRAIN a constant
            return _callable(ctx, call, value.body if known else value.orelse, depth + 1)
        a, b = _callable(ctx, call, value.body, depth + 1), _callable(ctx, call, value.orelse, depth + 1)
        return a + b if a and b else []
    if isinstance(value, ast.Call) and callee(value).rsplit(".", 1)[-1] == "partial" and value.args:
        inner = ast.Call(func=value.args[0], args=[*value.args[1:], *call.args], keywords=[*value.keywords, *call.keywords])
        return _callable(ctx, inner, value.args[0], depth + 1)
    if isinstance(value, ast.Lambda) and isinstance(value.body, ast.Call):
        return _through_lambda(ctx, call, value, depth)
    if isinstance(value, ast.Attribute) and dotted(value.value) == "self":  # a bound method of this class
        cls = calls.enclosing_class(ctx, value)
        fn = next((m for m in _class_methods(ctx, cls) if m.name == value.attr), None) if cls is not None else None
        return [Target(fn, "self", calls.bind(fn, call, skip_self=True))] if fn is not None else []  # type: ignore[arg-type]
    if isinstance(value, ast.Call) and callee(value) == "getattr":  # `step = getattr(self, f"{mode}_step")`
        return _by_pattern(ctx, call, value)
    if isinstance(value, ast.Subscript):  # `loss_fn = LOSSES[cfg["loss"]]`, then `loss_fn(out, y)`
        found = [_callable(ctx, call, v, depth + 1) for v in _table_entries(ctx, value)]
        return [t for ts in found for t in ts] if found and all(found) else []
    if isinstance(value, ast.Name) and (given := _given_to_init(ctx, value)):
        return [t for v in given for t in _callable(ctx, call, v, depth + 1)] if all(_callable(ctx, call, v, depth + 1) for v in given) else []
    if isinstance(value, ast.Name) and value.id in ctx.values and value.id not in funcs:
        vals = ctx.values[value.id]
        return [t for v in vals for t in _callable(ctx, call, v, depth + 1)] if len(vals) == 1 else []
    return []


def _own_values(ctx: Context, call: ast.Call, key: str) -> list[ast.AST]:
    """The values `self.<attr>` is given by the caller's class or its bases of this file; []
    when another class of the file gives that attribute a value too, or none is given."""
    cls = calls.enclosing_class(ctx, call)
    values = ctx.values.get(key, [])
    if cls is None or not values:
        return []
    mine = {cls.name} | {dotted(b) for b in cls.bases}
    owners = [calls.enclosing_class(ctx, v) for v in values]
    return values if all(o is not None and o.name in mine for o in owners) else []


def _given_to_init(ctx: Context, name: ast.Name) -> list[ast.AST]:
    """`self.step_fn = step_fn` in `__init__(self, step_fn=train_step)`: what every `Cls(...)`
    of this file passes for `step_fn`, its default where a call leaves it out; [] if unknown."""
    init = ctx.scope_of(name)
    cls = ctx.parent.get(init)
    if not (isinstance(init, FUNCS) and init.name == "__init__" and isinstance(cls, ast.ClassDef) and calls.is_param(init, name.id)):
        return []
    a = init.args
    pos = [p.arg for p in [*a.posonlyargs, *a.args]][1:]
    defaults = dict(zip([p.arg for p in [*a.posonlyargs, *a.args]][-len(a.defaults):], a.defaults, strict=False)) if a.defaults else {}
    out: list[ast.AST] = []
    for c in ctx.calls:
        if callee(c) != cls.name:
            continue
        i = pos.index(name.id) if name.id in pos else -1
        v = next((k.value for k in c.keywords if k.arg == name.id), c.args[i] if 0 <= i < len(c.args) else defaults.get(name.id))
        if v is None or any(isinstance(x, ast.Starred) for x in c.args) or any(k.arg is None for k in c.keywords):
            return []
        out.append(v)
    return out


def _through_lambda(ctx: Context, call: ast.Call, lam: ast.Lambda, depth: int) -> list[Target]:
    """`lambda b: train_step(b, opt)` called as `f(batch)`: train_step with b bound to `batch`."""
    params = [p.arg for p in lam.args.args]
    given = dict(zip(params, call.args, strict=False))
    body = lam.body
    assert isinstance(body, ast.Call)
    args = [given.get(a.id, a) if isinstance(a, ast.Name) else a for a in body.args]
    kws = [ast.keyword(arg=k.arg, value=given.get(k.value.id, k.value) if isinstance(k.value, ast.Name) else k.value) for k in body.keywords]
    inner = ast.Call(func=body.func, args=args, keywords=kws)
    return _callable(ctx, inner, body.func, depth + 1)


def _from_table(ctx: Context, call: ast.Call, f: ast.Subscript) -> list[Target]:
    """`STEPS[mode](batch)` with STEPS bound once to a dict literal of functions: the entry the
    key names when it is a constant, else every entry."""
    entries = _table_entries(ctx, f)
    return _of_values(ctx, call, entries) if entries else []


def _table_entries(ctx: Context, f: ast.Subscript) -> list[ast.expr]:
    """The values `TABLE[key]` may read, TABLE a name bound once to a dict literal: the entry
    the key names when it is a constant or the evaluator knows every value it may hold, else
    every entry; [] when the table is not such a literal."""
    values = ctx.values.get(f.value.id, []) if isinstance(f.value, ast.Name) else []
    if len(values) != 1 or not isinstance(table := values[0], ast.Dict) or None in table.keys:
        return []
    key = f.slice
    entries = list(zip(table.keys, table.values, strict=True))
    keys = {key.value} if isinstance(key, ast.Constant) else evaluator.possible(ctx, key)
    if keys is not None:  # the key is a constant, or the evaluator knows every value it may hold
        entries = [(k, v) for k, v in entries if isinstance(k, ast.Constant) and k.value in keys]
    return [v for _, v in entries]


def _passed(ctx: Context, call: ast.Call, scope: ast.AST, name: str) -> list[Target]:
    """`def run(step_fn): ... step_fn(batch)` at module level: the functions every call of
    `run` in this file passes as `step_fn` (none found, or any other value: nothing)."""
    if ctx.parent.get(scope) is not ctx.tree:
        return []
    a = scope.args  # type: ignore[attr-defined]
    names = [p.arg for p in [*a.posonlyargs, *a.args]]
    given: list[ast.AST] = []
    for c in ctx.calls:
        if isinstance(c.func, ast.Name) and c.func.id == scope.name:  # type: ignore[attr-defined]
            i = names.index(name) if name in names else -1
            v = next((k.value for k in c.keywords if k.arg == name), c.args[i] if 0 <= i < len(c.args) else None)
            if v is None:
                return []
            given.append(v)
    return _of_values(ctx, call, given) if given else []


def _super(ctx: Context, call: ast.Call, name: str) -> list[Target]:
    """`super().step(batch)` in a method: the method `name` the enclosing class inherits from its
    bases of this file (nothing when a base from elsewhere may define it first)."""
    cls = calls.enclosing_class(ctx, call)
    fn = calls.inherited(ctx, cls, name) if cls is not None else None
    return [Target(fn, "self", calls.bind(fn, call, skip_self=True))] if fn is not None else []  # type: ignore[arg-type]


def _subclass_methods(ctx: Context, call: ast.Call, name: str) -> list[Target]:
    """`self.training_step(batch)` in a base class of this file that neither defines nor
    inherits it (all its bases are of this file): the subclasses' methods of that name, of the
    subclasses the file builds (two subclasses, one used: that one runs)."""
    cls = calls.enclosing_class(ctx, call)
    own = {c.name for c in ctx.classes} | {"object"}
    if cls is None or any(m.name == name for m in _class_methods(ctx, cls)) or any(dotted(b) not in own for b in cls.bases):
        return []
    if calls.inherited(ctx, cls, name) is not None or f"self.{name}" in ctx.values:
        return []  # inherited, or an attribute holding a callable (`self.loss_fn = ...`)
    below, made = calls.subclasses(ctx, cls), _made(ctx)
    fns = [m for c in ctx.classes if c.name in below and c is not cls for m in c.body if isinstance(m, FUNCS) and m.name == name]
    out = [Target(m, "self", calls.bind(m, call, skip_self=True)) for m in fns if _instantiated(ctx, m, made)]  # type: ignore[arg-type]
    return out if len(out) <= MAX_ALTERNATIVES else []


def _made(ctx: Context) -> set[str]:
    """The names this file calls: the classes it builds among them (memoised per file)."""
    made = ctx.memo.get("dispatch_made")
    if made is None:
        made = ctx.memo["dispatch_made"] = {callee(c) for c in ctx.calls}
    return made


def _by_pattern(ctx: Context, call: ast.Call, f: ast.Call) -> list[Target]:
    """`getattr(self, f"on_{event}")(batch)` in a method: the methods of the class (its own and
    inherited from this file) whose names fit the f-string's fixed parts."""
    if not (len(f.args) >= 2 and dotted(f.args[0]) == "self" and isinstance(f.args[1], ast.JoinedStr)):
        return []
    cls = calls.enclosing_class(ctx, call)
    if cls is None:
        return []
    parts = [v.value for v in f.args[1].values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    head = f.args[1].values[0]
    prefix = head.value if isinstance(head, ast.Constant) else ""
    here = ctx.scope_of(call)
    out = []
    for m in _class_methods(ctx, cls):
        if m is not here and m.name.startswith(prefix) and all(p in m.name for p in parts):  # type: ignore[attr-defined]
            out.append(Target(m, "self", calls.bind(m, call, skip_self=True)))  # type: ignore[arg-type]
    return out if len(out) <= MAX_ALTERNATIVES else []


def _class_methods(ctx: Context, cls: ast.ClassDef) -> list[ast.AST]:
    """The methods a class of this file has: its own, then those its bases of this file add."""
    own = [m for m in cls.body if isinstance(m, FUNCS)]
    names = {m.name for m in own}
    classes = {c.name: c for c in ctx.classes}
    for b in cls.bases:
        base = classes.get(dotted(b) or "")
        if base is not None and base is not cls:
            own += [m for m in base.body if isinstance(m, FUNCS) and m.name not in names]
    return own


def returned_class(ctx: Context, made: ast.Call) -> str | None:
    """`build_trainer(cfg)`, a module function of this file every `return` of which builds an
    instance of one class of this file (directly or through a local name bound once): that class.
    Also `LOSSES[cfg["loss"]](delta=0.5)`, a registry of classes: the class its key names."""
    if isinstance(made.func, ast.Subscript):
        named = {dotted(e) for e in _table_entries(ctx, made.func)}
        one = named.pop() if len(named) == 1 else None
        return one if one in {c.name for c in ctx.classes} else None
    fn = calls.functions(ctx).get(callee(made)) if isinstance(made.func, ast.Name) else None
    if fn is None:
        return None
    classes = {c.name for c in ctx.classes}
    found: set[str | None] = set()
    for r in walk(fn):
        if isinstance(r, (*FUNCS, ast.Lambda, ast.ClassDef)) and r is not fn:
            continue
        if not isinstance(r, ast.Return):
            continue
        v = r.value
        if isinstance(v, ast.Name):
            local = [a for a in ctx.assigns_in(fn).get(v.id, [])]
            v = local[0].value if len(local) == 1 and isinstance(local[0], ast.Assign) else None
        found.add(callee(v) if isinstance(v, ast.Call) and callee(v) in classes else None)
    return found.pop() if len(found) == 1 else None


def must_effects(ctx: Context, targets: list[Target]) -> Effects:
    """What happens whichever alternative runs (their effects' intersection, in caller names)."""
    each = []
    for t in targets:
        e = Effects()
        calls.merge(e, calls.effects(ctx, t.fn, 1), t)
        each.append(e)
    if not each:
        return Effects()
    return Effects(
        evals=set.intersection(*(e.evals for e in each)),
        trains=set.intersection(*(e.trains for e in each)),
        clears=all(e.clears for e in each),
        steps=set.intersection(*(e.steps for e in each)),
        backward=all(e.backward for e in each),
    )


def may_effects(ctx: Context, targets: list[Target]) -> Effects:
    """What may happen when one of these alternatives runs (their effects' union)."""
    out = Effects()
    for t in targets:
        calls.merge(out, calls.effects(ctx, t.fn, 1), t)
    return out



def callers(ctx: Context, fn: ast.AST) -> list[tuple[ast.Call, Target]]:
    """Every call of this file that may run `fn`, by name, through a value or as a hook, with
    the Target that binds it (built once per file: every call resolved once)."""
    memo = ctx.memo.get("dispatch_callers")
    if memo is None:
        memo = ctx.memo["dispatch_callers"] = {}
        for c in ctx.calls:
            t = calls.resolve(ctx, c) if calls.may_resolve(ctx, c) else None
            alts = [t] if t is not None else alternatives(ctx, c) if calls.may_resolve(ctx, c) else []
            for x in [*alts, *_built_hooks(ctx, c)]:
                memo.setdefault(id(x.fn), []).append((c, x))
    return [(c, t) for c, t in memo.get(id(fn), []) if t.fn is fn]


def loops_above(ctx: Context, call: ast.Call, depth: int = 0) -> int:
    """How many loops run `call` once per iteration: those around it in its function, and those
    around the callers of that function (the most along any chain, three calls up). A loop over
    the hook objects a call dispatches to (`for cb in self.callbacks: cb.on_batch()`) does not
    count: it runs each hook once."""
    r = receiver(call) if isinstance(call.func, ast.Attribute) else None
    here = sum(1 for a in ctx.loops_around(call) if not (isinstance(a, ast.For) and r and dotted(a.target) == r))
    fn = ctx.scope_of(call)
    if depth >= 3 or not isinstance(fn, FUNCS):
        return here
    return here + max((loops_above(ctx, c, depth + 1) for c, _ in callers(ctx, fn) if c is not call), default=0)


def _instantiated(ctx: Context, fn: ast.AST, made: set[str]) -> bool:
    """A method whose class, or a class of this file below it, is built somewhere in the file
    (a hook class the file only defines never runs)."""
    cls = ctx.parent.get(fn)
    if not isinstance(cls, ast.ClassDef):
        return True
    below = {cls.name}
    for _ in range(4):
        below |= {c.name for c in ctx.classes if any(dotted(b) in below for b in c.bases)}
    return bool(below & made)


def may_call(ctx: Context, call: ast.Call, want: Callable[[ast.Call, str | None], bool], depth: int = 2) -> bool:
    """Some function `call` may run (itself, an alternative, a hook of a class the file builds,
    `depth` calls deep) makes a call `u` with `want(u, receiver of u as the caller names it)`:
    "may X happen here", for a rule that must stay silent when it may (`scaler.update()` in a
    helper the loop calls)."""
    t = calls.resolve(ctx, call) if calls.may_resolve(ctx, call) else None
    for x in [*([t] if t is not None else alternatives(ctx, call) if calls.may_resolve(ctx, call) else []), *_built_hooks(ctx, call)]:
        for u in walk_scope(x.fn):
            if not isinstance(u, ast.Call):
                continue
            if want(u, x.rename(receiver(u))):
                return True
            if depth > 1 and may_call(ctx, u, lambda v, key, x=x: want(v, x.rename(key)), depth - 1):
                return True
    return False


calls.follow_values(sys.modules[__name__])  # calls.resolve and effects_of follow calls through values
