"""Rules about how models and optimizers are put together: unregistered sub-modules and
parameters (TVL005), optimizers over part of a model or overlapping (TVL006, in optimizers.py),
`model.forward(x)` (TVL013)."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import enclosing_class, functions, may_resolve, resolve
from torchvitals.lint.engine import (
    TRIGGERS_RE,
    Context,
    callee,
    dotted,
    is_const,
    kwarg,
    last,
    method,
    passed,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.rules.method_args import bounds_through_methods
from torchvitals.lint.rules.optimizers import check_partial_optimizer
from torchvitals.lint.rules.schedule_objects import stored_param
from torchvitals.rules.base import document

UNREGISTERED = document(
    "TVL005",
    "unregistered-submodule",
    what="Sub-modules kept in a plain `list`/`dict` attribute of an `nn.Module`, or a tensor meant "
    "as a parameter (`requires_grad=True`) assigned without `nn.Parameter`.",
    why="`nn.Module` registers only attributes that are modules or `nn.Parameter`s. Layers in a "
    "plain list are invisible to `.parameters()` (never optimized), `.to(device)`, "
    "`state_dict()` and `.train()`/`.eval()`; the model trains without them, silently.",
    example="class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.blocks = [nn.Linear(64, 64) for _ in range(4)]",
    fix="Use `nn.ModuleList([...])` / `nn.ModuleDict({...})`, and wrap learnable tensors in "
    "`nn.Parameter(...)`.",
)


FORWARD_CALL = document(
    "TVL013",
    "forward-call-skips-hooks",
    what="`model.forward(x)` called directly instead of `model(x)`.",
    why="`model(x)` runs the registered hooks (and torchvitals' probes, DDP's and FSDP's "
    "bookkeeping, pruning and quantization hooks); `model.forward(x)` skips all of them.",
    example="logits = model.forward(x)",
    fix="Call the module: `logits = model(x)`.",
)

TENSOR_FACTORIES = {"randn", "rand", "zeros", "ones", "empty", "tensor", "full", "normal", "eye", "randint", "arange"}
CONTAINERS = {"ModuleList", "ModuleDict", "Sequential", "ParameterList", "ParameterDict"}


# A builder filling a list with a module class of the file (`layers.append(GraphConv(a, b))`),
# not spelled `nn.X`: the file-level triggers parse such files for their training loop, and
# this lets the rule read them too (the class is checked to be a module when it is judged).
_APPENDS_OWN_CLASS = re.compile(r"\.append\(\s*[A-Z]\w*\(")
# A builder whose list (or dict) of blocks is a comprehension of calls (`return [Block(d, k)
# for k in sizes]`, `{t: Head(d) for t in tasks}`, or bound to a name first), whatever the
# blocks are spelled (a registry's entry too: `REG[kind](d)`): the attribute it is stored in (`self.blocks = build_blocks(cfg)`) names
# no module, so the file-level triggers cannot see it; the rule checks the calls make modules
# before it reports.
_BUILDS_BY_COMPREHENSION = re.compile(r"(?:return|\w+\s*=)\s*(?:\[|\{[^\n:]*:)\s*(?:self\.)?\w+(?:\[[^\]\n]*\])?\([^\n]*\bfor\b")
# `self.layers = tuple(nn.Linear(a, b) for ...)`: a generator of modules made a plain tuple or list.
_CONVERTED_GENERATOR = re.compile(r"self\.\w+\s*=\s*(?:list|tuple)\(\s*[\w.]+\([^\n]*\bfor\b")
_OWN_BUILDERS = (_APPENDS_OWN_CLASS, _BUILDS_BY_COMPREHENSION, _CONVERTED_GENERATOR)


def _has_module(ctx: Context, expr: ast.AST) -> bool:
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
        return _has_module(ctx, expr.args[0])  # tuple(nn.Linear(a, b) for ...): a plain container all the same
    else:
        return False
    return any(isinstance(i, ast.Call) and _makes_module(ctx, i) for i in items)


def _makes_module(ctx: Context, call: ast.Call) -> bool:
    """A module constructor, or a call to a function or method of this file whose every return
    is one (`self.build_encoder_layer(args)`, fairseq style)."""
    if ctx.is_module_ctor(call):
        return True
    if _registry_builder(ctx, call):
        return True
    if not may_resolve(ctx, call) or (t := resolve(ctx, call)) is None:
        return False
    rets = [n.value for n in walk_scope(t.fn) if isinstance(n, ast.Return)]
    return bool(rets) and all(isinstance(r, ast.Call) and ctx.is_module_ctor(r) for r in rets)


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
    return bool(rets) and all(isinstance(x, ast.Call) and ctx.is_module_ctor(x) for x in rets)


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
    for n in ast.walk(ctx.tree):
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


def check_unregistered(ctx: Context) -> None:
    inits_possible = all(p.search(ctx.text) for p in TRIGGERS_RE[-1])
    if not inits_possible and not any(p.search(ctx.text) for g in TRIGGERS_RE[-4:-1] for p in g[1:]) and not any(p.search(ctx.text) for p in _OWN_BUILDERS):
        return
    for cls in ctx.classes:
        family = _module_family(ctx, cls)
        if not family:
            continue
        registers = {last(callee(n)) for c in family for n in ast.walk(c) if isinstance(n, ast.Call)}
        if registers & {"add_module", "register_module", "setattr", "register_parameter"}:
            continue
        wrapped = set().union(*(_wrapped_attrs(ctx, c) for c in family))
        empty = {
            k: n for fn in cls.body if isinstance(fn, ast.FunctionDef) for n in walk_scope(fn)
            if isinstance(n, ast.Assign) and isinstance(n.value, (ast.List, ast.Dict))
            and not (n.value.elts if isinstance(n.value, ast.List) else n.value.keys)
            for k in targets_of(n) if k.startswith("self.")
        }  # fmt: skip
        if inits_possible:
            _initialised_tensors(ctx, cls, wrapped)
        seen: set[str] = set()  # one finding per attribute, however many appends fill it
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            for n in sorted(walk_scope(fn), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
                if (key := _filled_key(ctx, n, empty)) and key not in wrapped and key not in seen:
                    seen.add(key)
                    ctx.report(UNREGISTERED, n, f"modules stored by key in the plain dict `{key}`: "
                               "their parameters are not registered")  # fmt: skip
                if isinstance(n, ast.Assign) and len(n.targets) == 1:
                    key = dotted(n.targets[0])
                    if not key or not key.startswith("self.") or key in wrapped:
                        continue
                    if _has_module(ctx, n.value) or _builds_module_list(ctx, n.value):
                        ctx.report(UNREGISTERED, n, f"`{key}` holds modules in a plain "
                                   f"{_kind(n.value)}: their parameters are not registered (not in "
                                   f"`.parameters()`, not moved by `.to()`, not saved)")  # fmt: skip
                    elif _param_tensor(n.value):
                        ctx.report(UNREGISTERED, n, f"`{key}` is a tensor with requires_grad=True "
                                   "but not an `nn.Parameter`: `.parameters()` does not include it")  # fmt: skip
                if isinstance(n, ast.Call) and method(n) in ("append", "extend", "insert") and receiver(n) in empty:
                    key = receiver(n) or ""
                    if key in wrapped or key in seen:
                        continue
                    if any(isinstance(a, ast.Call) and ctx.is_module_ctor(a) for a in n.args):
                        seen.add(key)
                        ctx.report(UNREGISTERED, n, f"modules appended to the plain list `{key}`: "
                                   "their parameters are not registered")  # fmt: skip


def _module_family(ctx: Context, cls: ast.ClassDef) -> list[ast.ClassDef]:
    """The classes whose `self` is the module `cls`'s methods write to: `[cls]` for an
    `nn.Module` subclass; for a mixin (a plain class that a module class of this file lists as a
    base) the mixin and those module classes, since `self.x = ...` in the mixin's methods lands on
    the module all the same, and a wrap or `add_module` in either registers it; [] otherwise."""
    if cls.name in ctx.module_classes:
        return [cls]
    users = [c for c in ctx.classes if c.name in ctx.module_classes and cls.name in {last(dotted(b)) for b in c.bases}]
    return [cls, *users] if users else []


def _filled_key(ctx: Context, n: ast.AST, empty: dict[str, ast.AST]) -> str | None:
    """`self.heads = {}` then `self.heads[task] = nn.Linear(d, k)`: the dict attribute filled key by
    key with modules (a module constructor or a builder of this file returning one)."""
    if not (isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Subscript)):
        return None
    key = dotted(n.targets[0].value)
    if key not in empty or not isinstance(n.value, ast.Call) or not _makes_module(ctx, n.value):
        return None
    return key


def _initialised_tensors(ctx: Context, cls: ast.ClassDef, wrapped: set[str]) -> None:
    """`self.lora_A = torch.empty(r, d)` then `nn.init.kaiming_uniform_(self.lora_A)`: a weight
    initialiser on a plain tensor attribute says it was meant to learn, but no `nn.Parameter`
    (nor buffer) registers it: `.parameters()` leaves it out and the optimizer never updates it."""
    inits = {k for n in ast.walk(cls) if isinstance(n, ast.Call) and ".init." in f".{callee(n)}"
             and callee(n).endswith("_") and n.args and (k := dotted(n.args[0])) and k.startswith("self.")}
    if not inits:
        return
    binds: dict[str, list[ast.Assign]] = {}
    for n in ast.walk(cls):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and (k := dotted(n.targets[0])) in inits:
            binds.setdefault(k, []).append(n)
    for key, assigns in binds.items():
        if key in wrapped or not all(_plain_tensor(a.value) for a in assigns):
            continue
        ctx.report(UNREGISTERED, assigns[0], f"`{key}` is initialised like a weight (nn.init) but is a "
                   "plain tensor, not an `nn.Parameter`: `.parameters()` does not include it, so "
                   "the optimizer never trains it")  # fmt: skip


def _plain_tensor(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Call) and callee(expr).startswith("torch.") and last(callee(expr)) in TENSOR_FACTORIES


def _builds_module_list(ctx: Context, expr: ast.AST) -> bool:
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
    if _has_module(ctx, expr):
        return True
    if not isinstance(expr, ast.Name):
        return False
    binds = ctx.assigns_in(fn).get(expr.id, [])
    named = [b for b in binds if any(isinstance(t, ast.Name) for t in b.targets)]  # type: ignore[attr-defined]
    if len(named) == 1 and _empty_dict(named[0].value):  # type: ignore[attr-defined]
        return _dict_filled(ctx, fn, expr.id)
    if len(binds) == 1 and isinstance(binds[0].value, (ast.ListComp, ast.DictComp)):  # type: ignore[attr-defined]
        return _has_module(ctx, binds[0].value)  # type: ignore[attr-defined]  # blocks = [Block(k) for k in ks]
    if len(binds) != 1 or not isinstance(binds[0].value, ast.List):  # type: ignore[attr-defined]
        return False
    filled = [n for n in walk_scope(fn) if isinstance(n, ast.Call) and receiver(n) == expr.id and method(n) in ("append", "extend")]
    return _has_module(ctx, binds[0].value) or bool(filled) and all(  # type: ignore[attr-defined]
        any(isinstance(a, ast.Call) and ctx.is_module_ctor(a) or _has_module(ctx, a) for a in c.args) for c in filled
    )


def _empty_dict(v: ast.AST) -> bool:
    return isinstance(v, ast.Dict) and not v.keys or isinstance(v, ast.Call) and callee(v) in ("dict", "OrderedDict") and not v.args


def _dict_filled(ctx: Context, fn: ast.AST, name: str) -> bool:
    """`heads = {}` then `heads[task] = nn.Sequential(...)` (every store a module)."""
    stores = [n for n in walk_scope(fn) if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name for t in n.targets)]
    return bool(stores) and all(isinstance(n.value, ast.Call) and _makes_module(ctx, n.value) for n in stores)


def _kind(expr: ast.AST) -> str:
    if isinstance(expr, ast.Call):
        return "list or dict"
    return "dict" if isinstance(expr, (ast.Dict, ast.DictComp)) else "list"


def _wrapped_attrs(ctx: Context, cls: ast.ClassDef) -> set[str]:
    """`self.x` attributes that are (re)wrapped in a container somewhere in the class."""
    out: set[str] = set()
    for n in ast.walk(cls):
        if isinstance(n, ast.Call) and (last(callee(n)) in CONTAINERS or ctx.is_module_ctor(n)):
            for a in list(n.args) + [k.value for k in n.keywords]:
                a = a.value if isinstance(a, ast.Starred) else a
                for m in ast.walk(a):
                    key = dotted(m) if isinstance(m, (ast.Attribute, ast.Name)) else None
                    if key and key.startswith("self."):
                        out.add(key)
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and last(callee(n.value)) in CONTAINERS:
            out.update(k for t in n.targets if (k := dotted(t)))
    return out


def _param_tensor(expr: ast.AST, depth: int = 0) -> bool:
    """A tensor factory with requires_grad=True (or `.requires_grad_()`), also scaled or moved:
    `init_values * torch.ones(d, requires_grad=True)`, `torch.zeros(n, requires_grad=True).to(dev)`."""
    if isinstance(expr, ast.BinOp) and depth < 3:
        return _param_tensor(expr.left, depth + 1) or _param_tensor(expr.right, depth + 1)
    if isinstance(expr, ast.Call) and method(expr) in ("to", "cuda", "float", "double", "half") and depth < 3:
        return _param_tensor(expr.func.value, depth + 1)  # type: ignore[attr-defined]
    if isinstance(expr, ast.Call) and method(expr) == "requires_grad_" and not (expr.args and is_const(expr.args[0], False)):
        inner = expr.func.value  # type: ignore[attr-defined]
        while isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and not callee(inner).startswith("torch."):
            inner = inner.func.value  # torch.tensor(t0).log().requires_grad_(): a tensor method chain
        return isinstance(inner, ast.Call) and callee(inner).startswith("torch.") and last(callee(inner)) in TENSOR_FACTORIES
    if isinstance(expr, ast.Call) and callee(expr).startswith("torch.") and last(callee(expr)) in TENSOR_FACTORIES:
        rg = kwarg(expr, "requires_grad")
        return is_const(rg, True)
    return False


# ---- TVL013 ---------------------------------------------------------------------------------


def check_forward_call(ctx: Context) -> None:
    known = set(ctx.modules)
    for ms in ctx.optimizers.values():
        known |= ms
    if ctx.backwards or "training_step" in ctx.text:  # conventional names: training code only
        known |= {"model", "net"}
    known |= {f"self.{m}" for m in known if "." not in m}  # a trainer's self.model = model
    for c in ctx.calls:
        if method(c) != "forward":
            continue
        recv = receiver(c)
        if recv and recv != "self" and (recv in known or _module_attr(ctx, c, recv) or _passed_module(ctx, c.func, recv, known)):
            ctx.report(FORWARD_CALL, c, f"`{recv}.forward(...)` skips the module's hooks: call "
                       f"`{recv}(...)`")  # fmt: skip
    _forward_aliases(ctx, known)


# `fwd = model.forward` (or `getattr(model, "forward")`): a bound forward kept under a name.
_FORWARD_KEPT = re.compile(r"=\s*(?:[\w.]+\.forward\b(?!\s*\()|getattr\(\s*[\w.]+\s*,\s*[\"']forward[\"']\s*\)\s*$)", re.M)
# `model.forward = patched`: a file that replaces forward keeps the original to call it from the patch.
_FORWARD_PATCHED = re.compile(r"\.forward\s*=[^=]")


def _forward_aliases(ctx: Context, known: set[str]) -> None:
    """`forward_fn = model.forward` then `forward_fn(x)`: the bound method kept under another
    name (an engine's process function, a step closure) and called later skips `__call__` just
    like `model.forward(x)` does. Only a name bound once, to the forward of a module known as in
    `check_forward_call`, and called where that binding is seen; a file that patches some
    `forward` (saving the original to call it from the wrapper) is left alone."""
    if not _FORWARD_KEPT.search(ctx.text) or _FORWARD_PATCHED.search(ctx.text):
        return
    kept: dict[str, tuple[ast.Assign, str]] = {}
    twice: set[str] = set()
    for n in ast.walk(ctx.tree):
        if not (isinstance(n, ast.Assign) and len(n.targets) == 1 and (alias := dotted(n.targets[0]))):
            continue
        if alias in kept:
            twice.add(alias)
        if (recv := _bound_forward(n.value)) and recv != "self" and (
            recv in known or _module_attr(ctx, n.value, recv) or _passed_module(ctx, n.value, recv, known)
        ):
            kept[alias] = (n, recv)
    for c in ctx.calls:
        alias = dotted(c.func) if isinstance(c.func, (ast.Name, ast.Attribute)) else None
        if not alias or alias not in kept or alias in twice:
            continue
        bind, recv = kept[alias]
        outer, home = _all_ancestors(ctx, c), ctx.scope_of(bind)
        if alias.startswith("self."):
            home = ctx.parent.get(home)  # `self.run = model.forward` in one method, called in another
        if home in outer and not any(getattr(a, "name", "") == "forward" for a in outer):
            ctx.report(FORWARD_CALL, c, f"`{alias}` is `{recv}.forward`: calling it skips the module's hooks "
                       f"(line {bind.lineno}); keep the module and call `{recv}(...)`")  # fmt: skip


def _all_ancestors(ctx: Context, node: ast.AST) -> list[ast.AST]:
    """Every enclosing node up to the module, through nested functions (a closure is called
    where its enclosing function's names are seen)."""
    out = []
    while (node := ctx.parent.get(node)) is not None:  # type: ignore[assignment]
        out.append(node)
    return out


def _bound_forward(v: ast.AST) -> str | None:
    """The receiver of `recv.forward` or `getattr(recv, "forward")`."""
    if isinstance(v, ast.Attribute) and v.attr == "forward":
        return dotted(v.value)
    if isinstance(v, ast.Call) and callee(v) == "getattr" and len(v.args) == 2 and isinstance(f := v.args[1], ast.Constant) and f.value == "forward":
        return dotted(v.args[0])
    return None


def _passed_module(ctx: Context, use: ast.AST, recv: str, known: set[str]) -> bool:
    """`wrapped.forward(x)` in a helper `def forward_pass(wrapped, batch)` (or a method
    `def _run(self, wrapped, batch)`) that every call in this file gives a model (a name known as a module, or a module constructor): the model reached the
    helper under another name, and `.forward` skips its hooks (and a DDP wrapper's gradient sync)
    all the same."""
    if "." in recv or recv in ctx.values:
        return False
    bounds = bounds_through_methods(ctx, recv, use)  # a plain helper's or a method's parameter
    return bool(bounds) and all(
        not b.index and not b.loop
        and (dotted(b.value) in known or isinstance(b.value, ast.Call) and ctx.is_module_ctor(b.value))
        for b in bounds
    )  # fmt: skip


def _module_attr(ctx: Context, call: ast.Call, recv: str) -> bool:
    """`self.enc` of the class whose method calls `self.enc.forward(x)`, when `__init__` builds
    it with a module constructor or a function of this file that returns one."""
    cls = enclosing_class(ctx, call) if recv.startswith("self.") and recv.count(".") == 1 else None
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None) if cls else None
    if init is None:
        return False
    funcs = functions(ctx)
    for n in ast.walk(init):
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and recv in map(dotted, n.targets):
            if ctx.is_module_ctor(n.value):
                return True
            fn = funcs.get(callee(n.value))
            rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)] if fn is not None else []
            if rets and all(isinstance(r, ast.Call) and ctx.is_module_ctor(r) for r in rets):
                return True
    return _given_module(ctx, cls, init, recv[5:])  # type: ignore[arg-type]


def _given_module(ctx: Context, cls: ast.ClassDef, init: ast.FunctionDef, attr: str) -> bool:
    """`self.<attr> = module` stored from an `__init__` parameter (an engine or diffusion wrapper
    around the network), and every construction of the class in this file passes a module: a
    module constructor, or a name bound to one. A wrapper given plain callables stays quiet."""
    param = stored_param(init, attr)
    if param is None:
        return False
    names = [p.arg for p in [*init.args.posonlyargs, *init.args.args]][1:]
    given = []
    for c in ctx.calls:
        if last(callee(c)) == cls.name:
            i = names.index(param) if param in names else -1
            given.append(passed(c, i, param))
    optimized = set(ctx.trained).union(*ctx.optimizers.values())  # `model.train()`, `SGD(model.parameters())`
    return bool(given) and all(
        (isinstance(g, ast.Call) and ctx.is_module_ctor(g)) or (isinstance(g, ast.Name) and (g.id in ctx.modules or g.id in optimized))
        for g in given
    )


CHECKS = [check_unregistered, check_partial_optimizer, check_forward_call]
