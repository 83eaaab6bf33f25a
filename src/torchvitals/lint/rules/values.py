"""What an expression may hold where it is read: one small evaluator the lint rules share.

Rules used to read values each in their own way (a split name through a comprehension, a
shuffle flag through a config dict, a loader through a builder's return), and every held-out
corpus showed a form one reader knew and another did not. `possible(ctx, expr)` answers for all
of them: the set of values `expr` may hold, each one of

- a Python constant (`"train"`, `False`, `0.1`, `None`);
- a `Seq` (a tuple or list the file writes out) or a `Table` (a dict: literal, `dict(...)`,
  comprehension), whose items are values in turn;
- a `Made`: a call (or an imported name, an attribute of a module) the evaluator does not reduce
  (`DataLoader(...)`, `nn.Linear(...)`), with the values of the parameters of the function it was
  reached through, so a rule can read the call's arguments as that caller made them.

Names are followed to the definitions that reach them (`flow.bounds_at`), parameters to what the
call being evaluated passes or, read on their own, to every call of the function in the file
(and its default), loop and comprehension targets to the items of what they iterate, calls of
the file's own functions to their returns with the arguments bound, `args.x` to the option's
default, `cfg.x` to the config object's field. None when the file does not show every value (a
name written into after it is bound, a function also handed out as a callback, an unknown call's
result used as a number): a rule built on it stays silent there. Nothing is imported or run.
"""

from __future__ import annotations

import ast

from torchvitals.lint.engine import Context, callee, dotted, kwarg, last, walk_scope
from torchvitals.lint.options import option
from torchvitals.lint.rules import value_reads
from torchvitals.lint.rules.flow import (
    AMBIGUOUS,
    COMPREHENSIONS,
    Bound,
    bounds_at,
    enclosing_class,
    reaching,
)
from torchvitals.lint.rules.value_calls import (
    CONTAINER_READS,
    PASS_ALONG,
    attribute_read,
    builtin,
    container_read,
    namespace_field,
    type_test,
)
from torchvitals.lint.rules.value_kinds import (
    ANY,
    MAX_VALUES,
    UNKNOWN,
    Env,
    Made,
    Seq,
    Table,
    binop,
    compare,
    entry_of,
    iterated,
    made_in,
    products,
    spoiled,
    table,
    target_names,
    truthy,
    union,
)
from torchvitals.lint.rules.value_ops import boolop, comprehension, pairwise, unary
from torchvitals.lint.rules.value_reads import (
    call_params,
    imported,
    is_param,
    lookup,
    mutated,
    rebound,
    referenced,
    set_elsewhere,
    target,
    written_outside_init,
    written_paths,
)
from torchvitals.lint.rules.value_updates import updated_entries
from torchvitals.lint.syntax import walk

MAX_DEPTH = 24


# ---- the public questions ----------------------------------------------------------------------


def possible(ctx: Context, expr: ast.AST | None, env: Env = ()) -> frozenset | None:
    """Every value `expr` may hold where it stands; None when the file does not show them all."""
    if expr is None:
        return None
    vals = _values(ctx, expr, env, 0)
    return None if ANY in vals else vals


def truth(ctx: Context, expr: ast.AST | None, env: Env = ()) -> bool | None:
    """True (False) when every value `expr` may hold is truthy (falsy); None when unknown or mixed."""
    vals = possible(ctx, expr, env)
    if not vals:
        return None
    seen = {truthy(v) for v in vals}
    return seen.pop() if len(seen) == 1 and None not in seen else None


def made(ctx: Context, expr: ast.AST | None, env: Env = ()) -> list[Made] | None:
    """The calls `expr` may be the result of (each with its parameter values), looking inside
    Seq and Table values too; None when some value is unknown."""
    vals = possible(ctx, expr, env)
    if vals is None:
        return None
    out: list[Made] = []
    for v in vals:
        out += made_in(v)
    return out


def argument(ctx: Context, m: Made, index: int, name: str) -> frozenset | None:
    """What the call of `m` passes as argument `name` (or at position `index`), as the caller made
    it, a `**settings` dict's entry included; None when it is not passed or not known."""
    call = m.node
    if not isinstance(call, ast.Call):
        return None
    given = kwarg(call, name)
    if given is None and 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        given = call.args[index]
    if given is not None:
        return possible(ctx, given, m.env)
    out: set = set()
    for k in (k for k in call.keywords if k.arg is None):  # `StepLR(opt, **cfg["sched_args"])`
        tables = possible(ctx, k.value, m.env)
        if tables is None or not all(isinstance(t, Table) for t in tables):
            return None
        out |= {t.get(name, None) for t in tables if name in t.keys()}
    return frozenset(out) if out else None


def called(ctx: Context, m: Made) -> str | None:
    """The name of what the call of `m` calls (`StepLR` for `SCHEDULERS[cfg["sched"]](opt)` where
    the config picks the StepLR entry), when every way gives the same one."""
    if not isinstance(m.node, ast.Call):
        return None
    funcs = possible(ctx, m.node.func, m.env)
    names = {last(dotted(f.node)) if isinstance(f, Made) and isinstance(f.node, (ast.Name, ast.Attribute)) else None for f in funcs or []}
    return names.pop() if len(names) == 1 and None not in names else None


def call_env(ctx: Context, call: ast.Call) -> Env | None:
    """The parameter values `call` gives the function of this file it runs: pass it as `env` to
    read an expression inside that function as this call runs it (a builder's `if cfg["tune"] ==
    "head":` for the caller that passes the head-only config). None when the call runs no
    function of this file."""
    fn = target(ctx, call)
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    return _bind(ctx, fn, call, (), 0)


# ---- evaluation ------------------------------------------------------------------------------


def _values(ctx: Context, e: ast.AST, env: Env, depth: int) -> frozenset:
    if depth > MAX_DEPTH:
        return UNKNOWN
    memo = ctx.memo.setdefault("values", {})
    key = (id(e), env)
    hit = memo.get(key)
    if hit is not None:
        return hit[1]
    memo[key] = (e, UNKNOWN)  # a value defined through itself (a loop's back edge) is unknown
    out = _compute(ctx, e, env, depth + 1)
    if len(out) > MAX_VALUES:
        out = UNKNOWN
    memo[key] = (e, out)
    return out


def _compute(ctx: Context, e: ast.AST, env: Env, depth: int) -> frozenset:
    def ev(x: ast.AST, en: Env) -> frozenset:
        return _values(ctx, x, en, depth)

    if isinstance(e, ast.Constant):
        return frozenset({e.value})
    if isinstance(e, (ast.Tuple, ast.List)):
        return _sequence(ctx, e.elts, env, depth)
    if isinstance(e, ast.Dict):
        return _dict_literal(ctx, e, env, depth)
    if isinstance(e, ast.Name):
        return _name(ctx, e.id, e, env, depth)
    if isinstance(e, ast.Attribute):
        return _attribute(ctx, e, env, depth)
    if isinstance(e, ast.Subscript):
        return _subscript(ctx, e, env, depth)
    if isinstance(e, ast.Call):
        return _call(ctx, e, env, depth)
    if isinstance(e, ast.Compare) and len(e.ops) == 1:
        return pairwise(e.left, e.comparators[0], env, ev, lambda a, b: compare(e.ops[0], a, b))
    if isinstance(e, ast.BinOp):
        return pairwise(e.left, e.right, env, ev, lambda a, b: binop(e.op, a, b))
    if isinstance(e, ast.BoolOp):
        return boolop(e, env, ev)
    if isinstance(e, ast.UnaryOp):
        return unary(e, env, ev)
    if isinstance(e, ast.IfExp):
        t = {truthy(v) for v in ev(e.test, env)}
        out: frozenset = frozenset()
        if True in t or None in t:
            out |= _values(ctx, e.body, env, depth)
        if False in t or None in t:
            out |= _values(ctx, e.orelse, env, depth)
        return out
    if isinstance(e, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
        return comprehension(e, env, ev)
    if isinstance(e, ast.NamedExpr):
        return _values(ctx, e.value, env, depth)
    return frozenset({Made(e, env)}) if isinstance(e, ast.Lambda) else UNKNOWN


def _sequence(ctx: Context, elts: list[ast.expr], env: Env, depth: int) -> frozenset:
    parts: list[list[tuple]] = []
    for el in elts:
        if isinstance(el, ast.Starred):
            parts.append([v.items if isinstance(v, Seq) else (ANY,) for v in _values(ctx, el.value, env, depth)])
        else:
            parts.append([(v,) for v in _values(ctx, el, env, depth)])
    return products(parts, lambda chunks: Seq(tuple(x for c in chunks for x in c)))


def _dict_literal(ctx: Context, e: ast.Dict, env: Env, depth: int) -> frozenset:
    parts: list[list[tuple]] = []
    for k, v in zip(e.keys, e.values, strict=True):
        if k is None:  # `{**base, "lr": 0.1}`
            parts.append([t.items if isinstance(t, Table) else None for t in _values(ctx, v, env, depth)])
        else:
            parts.append([((kk, vv),) for kk in _values(ctx, k, env, depth) for vv in _values(ctx, v, env, depth)])
    return products(parts, table)


# ---- names -------------------------------------------------------------------------------------


def _name(ctx: Context, name: str, use: ast.AST, env: Env, depth: int) -> frozenset:
    comp = _comprehension_binding(ctx, name, use)
    if comp is not None and (hit := lookup(env, comp, name)) is not None:
        return hit
    scope = ctx.scope_of(use)
    if name in imported(ctx):
        return frozenset({Made(use)})  # `torch`, `nn`, `StepLR`: what the module holds
    b = reaching(ctx, name, use)
    if b is AMBIGUOUS and isinstance(scope, ast.Module) and _declared(ctx, name):
        return frozenset({Made(use)})  # `{"mse": nn.MSELoss}` at module level, after `import torch.nn as nn`
    if b is AMBIGUOUS or (b is None and is_param(scope, name)):
        if not is_param(scope, name) or rebound(ctx, scope, name, use):
            return UNKNOWN
        return _parameter(ctx, scope, name, env, depth)  # type: ignore[arg-type]
    if b is not None:  # `cfg["lr"] *= 2` between the binding and here: that entry is worked out
        vals, done = updated_entries(ctx, name, b.value, use, _bound(ctx, b, env, depth), lambda x: _values(ctx, x, env, depth))  # type: ignore[union-attr]
        return _unwritten(ctx, name, scope, vals, done)
    bs = bounds_at(ctx, name, use)  # bound outside the function: at module level, or `self.x` in the class
    if bs is None:
        return frozenset({Made(use)}) if _unbound(ctx, name) else UNKNOWN
    owner = enclosing_class(ctx, use) if name.startswith("self.") else ctx.tree
    if owner is None:
        return UNKNOWN
    return _unwritten(ctx, name, owner, union(_bound(ctx, b, (), depth) for b in bs))


def _unwritten(ctx: Context, name: str, scope: ast.AST, vals: frozenset, done: tuple = ()) -> frozenset:
    """`vals`, unless they hold a container `name` is written into in `scope` (a number or a
    string handed to a function is not changed by it; a dict may be); the key paths in `done`
    are already worked out."""
    if not any(isinstance(v, (Seq, Table)) for v in vals) or not mutated(ctx, name, scope):
        return vals
    paths = written_paths(ctx, name, scope)  # `CFG["train"]["epochs"] = n` spoils that entry only
    return UNKNOWN if paths is None else frozenset(spoiled(v, tuple(p for p in paths if p not in done)) for v in vals)


def _bound(ctx: Context, b: Bound, env: Env, depth: int) -> frozenset:
    vals = _values(ctx, b.value, env, depth)
    if b.loop:
        vals = union(iterated(v) for v in vals)
    for i in b.index:
        vals = frozenset(v.items[i] if isinstance(v, Seq) and i < len(v.items) else ANY for v in vals)
    return vals


def _comprehension_binding(ctx: Context, name: str, use: ast.AST) -> ast.AST | None:
    node = ctx.parent.get(use)
    while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)):
        if isinstance(node, COMPREHENSIONS) and any(name in target_names(g.target) for g in node.generators):
            return node
        node = ctx.parent.get(node)
    return None


def _parameter(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str, env: Env, depth: int) -> frozenset:
    """A parameter: what the call being evaluated binds it to (every parameter is bound when a
    call is evaluated), else what every call of the function in the file passes."""
    hit = lookup(env, fn, name)
    if hit is not None:
        return hit
    sites = _callers(ctx, fn)
    if not sites:
        return UNKNOWN
    out: frozenset = frozenset()
    for call, call_env in sites:
        bound = _bind(ctx, fn, call, call_env, depth)
        out |= lookup(bound, fn, name) or UNKNOWN
    return out


def _bind(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, env: Env, depth: int) -> Env:
    """The values `call` (evaluated in `env`) gives each parameter of `fn`."""
    a = fn.args
    params = call_params(fn, call)
    defaults = dict(zip(params[len(params) - len(a.defaults):], a.defaults, strict=False))
    defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None})
    star = any(isinstance(x, ast.Starred) for x in call.args) or any(k.arg is None for k in call.keywords)
    out = []
    for i, p in enumerate([*params, *(k.arg for k in a.kwonlyargs)]):
        given = next((k.value for k in call.keywords if k.arg == p), None)
        if given is None and i < len(params) and i < len(call.args) and not star:
            given = call.args[i]
        if given is not None:
            vals = _values(ctx, given, env, depth)
        elif star:
            vals = UNKNOWN
        else:
            vals = _values(ctx, defaults[p], (), depth) if p in defaults else UNKNOWN
        out.append(((id(fn), p), vals))
    return tuple(out)


def _callers(ctx: Context, fn: ast.AST) -> list[tuple[ast.Call, Env]]:
    """Every call of `fn` in the file (with no env: each caller's own values), or [] when the
    function may also be called in ways the file does not show (handed out by reference). Only
    calls whose name is the function's (or, for `__init__`, its class's) are resolved."""
    memo = ctx.memo.setdefault("values_callers", {})
    if id(fn) not in memo:
        by_name = ctx.memo.get("values_calls_by_name")
        if by_name is None:
            by_name = ctx.memo["values_calls_by_name"] = {}
            for c in ctx.calls:
                by_name.setdefault(last(callee(c)), []).append(c)
        owner = ctx.parent.get(fn)
        name = owner.name if fn.name == "__init__" and isinstance(owner, ast.ClassDef) else fn.name  # type: ignore[attr-defined]
        memo[id(fn)] = (fn, [c for c in by_name.get(name, []) if target(ctx, c) is fn])
    calls = memo[id(fn)][1]
    if not calls or len(calls) > 8 or referenced(ctx, fn):
        return []
    return [(c, ()) for c in calls]


def _unbound(ctx: Context, name: str) -> bool:
    """A name the file never assigns (an import, a builtin, a class or function of the file)."""
    return "." not in name and name not in ctx.values


def _declared(ctx: Context, name: str) -> bool:
    """A name the file binds only by imports, `def` and `class` (never assigns, loops over or
    takes as a parameter): what it names is the module, function or class itself."""
    memo = ctx.memo.setdefault("values_declared", {})
    if name not in memo:
        stores = (n for n in walk(ctx.tree) if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
                  or isinstance(n, ast.arg) and n.arg == name or isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names)  # fmt: skip
        memo[name] = _unbound(ctx, name) and next(stores, None) is None
    return memo[name]


# ---- attributes, subscripts, calls ------------------------------------------------------------


def _attribute(ctx: Context, e: ast.Attribute, env: Env, depth: int) -> frozenset:
    name = dotted(e)
    if name and name.startswith("self.") and name.count(".") == 1:
        return _name(ctx, name, e, env, depth)
    if (opt := option(ctx, e)) is not None:
        return _option_default(ctx, e, opt, depth)
    out = set()
    for base in _values(ctx, e.value, env, depth):
        if isinstance(base, Made) and isinstance(base.node, ast.Call):
            out |= _field(ctx, base, e.attr, depth)
        elif isinstance(base, Made) and isinstance(base.node, (ast.Name, ast.Attribute)):
            out.add(Made(e))  # `torch.optim.SGD`, `nn.functional`: what the module holds
        else:
            out.add(ANY)
    return frozenset(out)


def _option_default(ctx: Context, e: ast.Attribute, opt: ast.Call, depth: int) -> frozenset:
    """`args.flag` as a run that does not pass the flag gets it; unknown when the file sets it otherwise."""
    if e.attr in set_elsewhere(ctx):
        return UNKNOWN
    action, default = kwarg(opt, "action"), kwarg(opt, "default")
    if default is None and isinstance(action, ast.Constant) and action.value in ("store_true", "store_false"):
        return frozenset({action.value == "store_false"})
    return _values(ctx, default, (), depth) if default is not None else frozenset({None})


NAMESPACES = {"SimpleNamespace", "Namespace", "EasyDict", "edict", "AttrDict", "ConfigDict", "Munch", "DotMap", "Box"}


def _field(ctx: Context, base: Made, attr: str, depth: int, absent: frozenset | None = None) -> frozenset:
    """`cfg.attr` of a config object the file builds and never writes `attr` into afterwards: a
    namespace's keyword (or its dict's entry); for a class of this file, the keyword or positional
    argument the construction passes for a dataclass field, else the field's default, or what its
    `__init__` stores in `self.attr` as this construction runs it."""
    call: ast.Call = base.node  # type: ignore[assignment]
    if "setattr(" in ctx.text:
        return UNKNOWN
    name = last(callee(call))
    given = kwarg(call, attr)
    if name in NAMESPACES:
        return namespace_field(call, attr, base.env, lambda x, en: _values(ctx, x, en, depth), absent)
    if any(k.arg is None for k in call.keywords):
        return UNKNOWN
    cls = next(iter(c for c in ctx.classes if c.name == callee(call)), None)
    if cls is None or len([c for c in ctx.classes if c.name == cls.name]) != 1 or written_outside_init(ctx, cls, attr):
        return UNKNOWN
    init = next((m for m in cls.body if isinstance(m, ast.FunctionDef) and m.name == "__init__"), None)
    if init is not None:
        stores = [n for n in walk(init) if isinstance(n, ast.Assign) and [dotted(t) for t in n.targets] == [f"self.{attr}"]]
        if len(stores) != 1:
            return UNKNOWN
        return _values(ctx, stores[0].value, _bind(ctx, init, call, base.env, depth), depth)
    fields = [st for st in cls.body if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)]
    order = [st.target.id for st in fields]  # type: ignore[union-attr]
    if given is None and attr in order and order.index(attr) < len(call.args):
        given = call.args[order.index(attr)]
    if given is not None:
        return _values(ctx, given, base.env, depth)
    for st in cls.body:
        value = st.value if isinstance(st, ast.AnnAssign) and dotted(st.target) == attr else None
        value = st.value if isinstance(st, ast.Assign) and [dotted(t) for t in st.targets] == [attr] else value
        if isinstance(value, ast.Call) and last(callee(value)) == "field":
            value = kwarg(value, "default")  # `field(default=False)`; a default_factory is not read
        if value is not None:
            return _values(ctx, value, (), depth)
    return UNKNOWN


def _subscript(ctx: Context, e: ast.Subscript, env: Env, depth: int) -> frozenset:
    if isinstance(e.slice, ast.Slice):
        return UNKNOWN
    keys = _values(ctx, e.slice, env, depth)
    out = set()
    for base in _values(ctx, e.value, env, depth):
        for k in keys:
            out.add(entry_of(base, k))
    return frozenset(out)


def _call(ctx: Context, e: ast.Call, env: Env, depth: int) -> frozenset:
    name = callee(e)
    if isinstance(e.func, ast.Attribute) and e.func.attr in CONTAINER_READS:
        receivers = _values(ctx, e.func.value, env, depth)
        if receivers and all(isinstance(r, (Table, Seq)) for r in receivers):
            return container_read(ctx, e, receivers, env, lambda x, en: _values(ctx, x, en, depth))
    if name in PASS_ALONG or name in ("enumerate", "zip", "range", "json.loads"):
        return builtin(e, name, env, lambda x, en: _values(ctx, x, en, depth))
    if name == "isinstance" and (got := type_test(e, env, lambda x, en: _values(ctx, x, en, depth))) is not None:
        return got
    if name == "getattr":
        got = attribute_read(e, env, lambda x, en: _values(ctx, x, en, depth), lambda b, k, d: _field(ctx, b, k, depth, d))  # type: ignore[arg-type]
        if got is not None:
            return got
    fn = target(ctx, e) if not (isinstance(e.func, ast.Name) and any(c.name == e.func.id for c in ctx.classes)) else None
    if fn is not None and isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name != "__init__":
        return _returned(ctx, fn, _bind(ctx, fn, e, env, depth), depth)
    return frozenset({Made(e, env)})


def _returned(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, env: Env, depth: int) -> frozenset:
    rets = [r for r in walk_scope(fn) if isinstance(r, ast.Return)]
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in walk_scope(fn)) or len(rets) > 6:
        return UNKNOWN
    out = union(_values(ctx, r.value, env, depth) if r.value is not None else frozenset({None}) for r in rets)
    if not rets or not _ends_in_return(fn.body):
        out |= {None}  # falls off the end
    return out


def _ends_in_return(body: list[ast.stmt]) -> bool:
    tail = body[-1] if body else None
    if isinstance(tail, (ast.Return, ast.Raise)):
        return True
    if isinstance(tail, ast.If):
        return _ends_in_return(tail.body) and _ends_in_return(tail.orelse)
    return False


value_reads.evaluate_with(possible)  # value_reads asks the evaluator through this, never importing it
