"""What an expression assigned to a module's attribute makes, for TVL005 (modules.py reports):
a module (a constructor, a builder of this file, a registry of builders), a plain list or dict
of modules, a plain tensor meant to learn (`requires_grad=True`)."""

from __future__ import annotations

import ast
from collections.abc import Callable

from torchvitals.lint.calls import functions, may_resolve, resolve
from torchvitals.lint.engine import (
    Context,
    callee,
    dotted,
    is_const,
    kwarg,
    last,
    method,
    receiver,
    walk_scope,
)
from torchvitals.lint.rules.value_kinds import Env, Made, Seq, Table
from torchvitals.lint.rules.value_reads import is_param, target
from torchvitals.lint.rules.values import possible
from torchvitals.lint.syntax import walk

TENSOR_FACTORIES = {"randn", "rand", "zeros", "ones", "empty", "tensor", "full", "normal", "eye", "randint", "arange"}
# nn.Module methods that return the module itself: `Block(d).to(device)` is still that module.
# (`requires_grad_` and `eval` are left out: a frozen module kept aside may be meant to stay out.)
_SELF_RETURNING = {"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train"}


def module_ctor(ctx: Context, call: ast.AST, depth: int = 0) -> bool:
    """A module constructor, also when moved or cast by a method that returns the module itself
    (`EdgeConv(d).to(device)`, `nn.Linear(a, b).cuda()`): a builder that places each block on
    its device as it makes it still hands back modules; or a deep copy of what the shared
    evaluator says is always such a module (`copy.deepcopy(layer)` with every caller passing a
    layer it builds): clones of a block are blocks."""
    while isinstance(call, ast.Call) and method(call) in _SELF_RETURNING and isinstance(call.func.value, ast.Call):  # type: ignore[attr-defined]
        call = call.func.value  # type: ignore[attr-defined]
    if isinstance(call, ast.Call) and last(callee(call)) == "deepcopy" and len(call.args) == 1 and depth < 3:
        vals = possible(ctx, call.args[0])
        return bool(vals) and all(isinstance(v, Made) and v.node is not call and module_ctor(ctx, v.node, depth + 1) for v in vals)  # type: ignore[union-attr]
    return isinstance(call, ast.Call) and ctx.is_module_ctor(call)


def _initialiser(call: ast.AST) -> bool:
    """`nn.init.trunc_normal_(t, std=0.02)`: fills its first argument in place and returns it."""
    return isinstance(call, ast.Call) and ".init." in f".{callee(call)}" and callee(call).endswith("_") and bool(call.args)


def has_module(ctx: Context, expr: ast.AST) -> bool:
    """A list/tuple/dict literal or comprehension holding module constructor calls."""
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        items = expr.elts
    elif isinstance(expr, ast.Dict):
        items = [v for v in expr.values if v is not None]
    elif isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        items = [expr.elt]
    elif isinstance(expr, ast.DictComp):
        items = [expr.value]
    elif isinstance(expr, ast.Call) and callee(expr) in ("list", "tuple", "dict") and len(expr.args) == 1 and not expr.keywords:
        return has_module(ctx, expr.args[0])  # tuple(nn.Linear(a, b) for ...): a plain container all the same
    else:
        return False
    return any(isinstance(i, ast.Call) and makes_module(ctx, i) for i in items)


def makes_module(ctx: Context, call: ast.Call) -> bool:
    """A module constructor, or a call to a function or method of this file whose every return
    is one (`self.build_encoder_layer(args)`, fairseq style)."""
    if module_ctor(ctx, call):
        return True
    if _registry_builder(ctx, call):
        return True
    if not may_resolve(ctx, call) or (t := resolve(ctx, call)) is None:
        return False
    rets = [n.value for n in walk_scope(t.fn) if isinstance(n, ast.Return)]
    return bool(rets) and all(isinstance(r, ast.Call) and module_ctor(ctx, r) for r in rets)


def _registry_builder(ctx: Context, call: ast.Call) -> bool:
    """`BUILDERS[c["type"]](c)`: a call through a dict of this file (bound once) whose every value
    names a function of this file that returns a module constructor: a config-keyed registry of
    layer builders makes a module whatever key the config picks."""
    f = call.func
    if not (isinstance(f, ast.Subscript) and isinstance(f.value, ast.Name)):
        return False
    binds = ctx.values.get(f.value.id, [])
    if any(isinstance(b, ast.Dict) and not b.values for b in binds):  # `REG = {}` filled by `@register("mlp")`
        entries, stores = _registered(ctx, f.value.id)
        return bool(entries) and len(binds) == 1 + stores and all(_builds_module(ctx, e) for e in entries)
    if len(binds) != 1 or not isinstance(d := binds[0], ast.Dict):
        return False
    funcs = functions(ctx)
    fns = [funcs.get(v.id) if isinstance(v, ast.Name) else None for v in d.values]
    return all(fn is not None and _builds_module(ctx, fn) for fn in fns)


def _builds_module(ctx: Context, entry: ast.AST) -> bool:
    """A module class of this file, or a function whose every return is a module constructor."""
    if isinstance(entry, ast.ClassDef):
        return entry.name in ctx.module_classes
    rets = [n.value for n in walk_scope(entry) if isinstance(n, ast.Return)]
    return bool(rets) and all(isinstance(x, ast.Call) and module_ctor(ctx, x) for x in rets)


def _registered(ctx: Context, reg: str) -> tuple[list[ast.AST], int]:
    """What a module-level registry dict (bound once to `{}`) is filled with: functions or classes
    of this file stored by `REG[key] = fn`, and those a register decorator stores (`def
    register(kind): def deco(fn): REG[kind] = fn` used as `@register("mlp")`, or `@deco` itself).
    Empty when any store is something else, or the dict is filled another way (`REG.update`);
    with the number of stores (each is one of the name's values besides the `{}`)."""
    if any(isinstance(c.func, ast.Attribute) and dotted(c.func.value) == reg for c in ctx.calls if method(c) != "get"):
        return [], 0
    top = {n.name: n for n in ctx.tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    out: list[ast.AST] = []
    stores = 0
    for n in walk(ctx.tree):
        if not (isinstance(n, ast.Assign) and any(isinstance(t, ast.Subscript) and dotted(t.value) == reg for t in n.targets)):
            continue
        stores += 1
        v, deco = n.value, ctx.scope_of(n)
        params = {a.arg for a in deco.args.args} if isinstance(deco, ast.FunctionDef) else set()  # type: ignore[attr-defined]
        if isinstance(v, ast.Name) and v.id in params:
            outer = ctx.scope_of(deco)
            users = _decorated(ctx, deco.name, outer.name if isinstance(outer, ast.FunctionDef) else None)  # type: ignore[attr-defined]
            if not users:
                return [], 0
            out += users
        elif isinstance(v, ast.Name) and v.id in top and deco is ctx.tree:
            out.append(top[v.id])
        else:
            return [], 0
    return out, stores


def _decorated(ctx: Context, deco: str, maker: str | None) -> list[ast.AST]:
    """Module-level functions and classes decorated with `@deco`, or with `@maker(...)` when the
    decorator is made by a function (a register with a key)."""
    out: list[ast.AST] = []
    for n in ctx.tree.body:
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and any(
            (maker is None and isinstance(d, ast.Name) and d.id == deco)
            or (maker is not None and isinstance(d, ast.Call) and callee(d) == maker)
            for d in n.decorator_list
        ):
            out.append(n)
    return out

def plain_tensor(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Call) and callee(expr).startswith("torch.") and last(callee(expr)) in TENSOR_FACTORIES


def builds_module_list(ctx: Context, expr: ast.AST) -> bool:
    """`make_stages(cfg)` or `self._make_stages(cfg)`: a function or method of this file whose every return is a plain list of
    modules (a literal, or a name bound to `[]` and filled with `.append(nn.X(...))`)."""
    own_method = isinstance(expr, ast.Call) and receiver(expr) == "self"  # `self._make_layers(dims)`
    if not (isinstance(expr, ast.Call) and (isinstance(expr.func, ast.Name) or own_method)):
        return False
    if (t := resolve(ctx, expr)) is None or t.self_key != ("self" if own_method else None):
        return False
    rets = [n.value for n in walk_scope(t.fn) if isinstance(n, ast.Return)]
    return bool(rets) and all(r is not None and _module_list(ctx, t.fn, r) for r in rets)


def _module_list(ctx: Context, fn: ast.AST, expr: ast.AST) -> bool:
    if has_module(ctx, expr):
        return True
    if not isinstance(expr, ast.Name):
        return False
    binds = ctx.assigns_in(fn).get(expr.id, [])
    named = [b for b in binds if any(isinstance(t, ast.Name) for t in b.targets)]  # type: ignore[attr-defined]
    if len(named) == 1 and _empty_dict(named[0].value):  # type: ignore[attr-defined]
        return _dict_filled(ctx, fn, expr.id)
    if len(binds) == 1 and isinstance(binds[0].value, (ast.ListComp, ast.DictComp)):  # type: ignore[attr-defined]
        return has_module(ctx, binds[0].value)  # type: ignore[attr-defined]  # blocks = [Block(k) for k in ks]
    if len(binds) != 1 or not isinstance(binds[0].value, ast.List):  # type: ignore[attr-defined]
        return False
    filled = [n for n in walk_scope(fn) if isinstance(n, ast.Call) and receiver(n) == expr.id and method(n) in ("append", "extend")]
    return has_module(ctx, binds[0].value) or bool(filled) and all(  # type: ignore[attr-defined]
        any(isinstance(a, ast.Call) and module_ctor(ctx, a) or has_module(ctx, a) for a in c.args) for c in filled
    )


def _empty_dict(v: ast.AST) -> bool:
    return isinstance(v, ast.Dict) and not v.keys or isinstance(v, ast.Call) and callee(v) in ("dict", "OrderedDict") and not v.args


def _dict_filled(ctx: Context, fn: ast.AST, name: str) -> bool:
    """`heads = {}` then `heads[task] = nn.Sequential(...)` (every store a module)."""
    stores = [n for n in walk_scope(fn) if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name for t in n.targets)]
    return bool(stores) and all(isinstance(n.value, ast.Call) and makes_module(ctx, n.value) for n in stores)


def param_tensor(ctx: Context, expr: ast.AST, depth: int = 0, env: Env = ()) -> bool:
    """A tensor factory with requires_grad=True (or `.requires_grad_()`), also scaled or moved:
    `init_values * torch.ones(d, requires_grad=True)`, `torch.zeros(n, requires_grad=True).to(dev)`;
    or what a helper of this file returns when every value it may return is one
    (`self.pos = make_pos_embedding(n, d)`: an initialiser returning a plain tensor), which the
    file's evaluator (values.py) reads, through helpers that call helpers."""
    if isinstance(expr, ast.BinOp) and depth < 3:
        return param_tensor(ctx, expr.left, depth + 1, env) or param_tensor(ctx, expr.right, depth + 1, env)
    if isinstance(expr, ast.Call) and method(expr) in ("to", "cuda", "float", "double", "half") and depth < 3:
        return param_tensor(ctx, expr.func.value, depth + 1, env)  # type: ignore[attr-defined]
    if isinstance(expr, ast.Call) and method(expr) == "requires_grad_" and not (expr.args and is_const(expr.args[0], False)):
        inner = expr.func.value  # type: ignore[attr-defined]
        while isinstance(inner, ast.Call):
            if _initialiser(inner):
                inner = inner.args[0]  # nn.init.normal_(torch.empty(n, d)).requires_grad_()
            elif method(inner) in ("to", "cuda", "float", "double", "half", "mul_", "div_", "normal_", "uniform_", "zero_", "fill_"):
                inner = inner.func.value  # type: ignore[attr-defined]  # torch.empty(d).normal_(std=0.02).requires_grad_()
            elif isinstance(inner.func, ast.Attribute) and not callee(inner).startswith("torch."):
                inner = inner.func.value  # torch.tensor(t0).log().requires_grad_(): a tensor method chain
            else:
                break
        if isinstance(inner, ast.BinOp):  # (torch.randn(1, d) * 0.02).requires_grad_()
            return any(plain_tensor(side) for side in (inner.left, inner.right))
        return plain_tensor(inner) or depth < 3 and _helper_returns(ctx, inner, env, lambda n, _: plain_tensor(n))
    if isinstance(expr, ast.Call) and callee(expr).startswith("torch.") and last(callee(expr)) in TENSOR_FACTORIES:
        rg = kwarg(expr, "requires_grad")
        return is_const(rg, True)
    return depth < 3 and _helper_returns(ctx, expr, env, lambda n, e: param_tensor(ctx, n, depth + 1, e))


def _helper_returns(ctx: Context, expr: ast.AST, env: Env, test: Callable[[ast.AST, Env], bool]) -> bool:
    """`expr` calls a function of this file, and every value it may return is a call the
    evaluator leaves as made that passes `test` (None, a number, or anything unknown does not)."""
    fn = target(ctx, expr) if isinstance(expr, ast.Call) else None
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.name == "__init__":
        return False
    vals = possible(ctx, expr, env)
    return bool(vals) and all(isinstance(v, Made) and v.node is not expr and test(v.node, v.env) for v in vals)  # type: ignore[union-attr]


def passed_modules(ctx: Context, fn: ast.AST, assign: ast.Assign) -> bool:
    """`self.layers = layers` (or `list(layers)`) in a module's method whose parameter every
    caller fills, as the shared evaluator reads it, with a list, tuple or dict it writes out of
    module constructors (`Net([nn.Linear(4, 8), nn.Linear(8, 2)])`): those modules live only in
    that container, and the attribute keeps it plain. The parameter must be read nowhere else
    in the method (`nn.Sequential(*layers)` beside it would register them)."""
    v = assign.value
    if isinstance(v, ast.Call) and callee(v) in ("list", "tuple", "dict") and len(v.args) == 1 and not v.keywords:
        v = v.args[0]
    if not (isinstance(v, ast.Name) and is_param(fn, v.id)):
        return False
    if sum(isinstance(n, ast.Name) and n.id == v.id for n in walk_scope(fn)) != 1:
        return False
    vals = possible(ctx, v)
    if not vals:
        return False
    for val in vals:
        items = val.items if isinstance(val, Seq) else [x for _, x in val.items] if isinstance(val, Table) else ()
        if not items or not all(isinstance(x, Made) and _written_in_container(ctx, x.node) and module_ctor(ctx, x.node) for x in items):
            return False
    return True


def _written_in_container(ctx: Context, node: ast.AST) -> bool:
    """A call written as an item of a list, tuple or dict display, or as a comprehension's item:
    the container is the only thing that holds what it makes."""
    up = ctx.parent.get(node)
    if isinstance(up, (ast.List, ast.Tuple)):
        return node in up.elts
    if isinstance(up, ast.Dict):
        return node in up.values
    if isinstance(up, (ast.ListComp, ast.GeneratorExp)):
        return up.elt is node
    return isinstance(up, ast.DictComp) and up.value is node
