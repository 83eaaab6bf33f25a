"""Rules about how models and optimizers are put together: unregistered sub-modules and
parameters (TVL005), optimizers over part of a model or overlapping (TVL006), `model.forward(x)`
(TVL013)."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import enclosing_class, functions, may_resolve, resolve
from torchvitals.lint.engine import (
    OPTIMIZER_CLASSES,
    TRIGGERS_RE,
    Context,
    callee,
    dotted,
    is_const,
    kwarg,
    last,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.rules.param_groups import (
    name_filtered_only,
    overlapping_groups,
    shared_builder_argument,
)
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

PARTIAL_OPT = document(
    "TVL006",
    "partial-optimizer",
    what="An optimizer built from part of a model (`model.head.parameters()`) while the rest is "
    "called in the forward pass and never frozen, or two optimizers over overlapping "
    "parameters.",
    why="The parts left out still receive gradients (and cost compute) but never change; the "
    "run looks normal. Two optimizers on the same parameters apply two updates per step "
    "with conflicting state (momentum, Adam moments).",
    example="model = Net()\noptimizer = torch.optim.Adam(model.head.parameters())",
    fix="Pass `model.parameters()`, or freeze what you leave out "
    "(`model.backbone.requires_grad_(False)`); give each parameter to one optimizer.",
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
    else:
        return False
    return any(isinstance(i, ast.Call) and _makes_module(ctx, i) for i in items)


def _makes_module(ctx: Context, call: ast.Call) -> bool:
    """A module constructor, or a call to a function or method of this file whose every return
    is one (`self.build_encoder_layer(args)`, fairseq style)."""
    if ctx.is_module_ctor(call):
        return True
    if not may_resolve(ctx, call) or (t := resolve(ctx, call)) is None:
        return False
    rets = [n.value for n in walk_scope(t.fn) if isinstance(n, ast.Return)]
    return bool(rets) and all(isinstance(r, ast.Call) and ctx.is_module_ctor(r) for r in rets)


def check_unregistered(ctx: Context) -> None:
    inits_possible = all(p.search(ctx.text) for p in TRIGGERS_RE[-1])
    if not inits_possible and not any(p.search(ctx.text) for g in TRIGGERS_RE[-4:-1] for p in g[1:]):
        return
    for cls in ctx.classes:
        if cls.name not in ctx.module_classes:
            continue
        registers = {last(callee(n)) for n in ast.walk(cls) if isinstance(n, ast.Call)}
        if registers & {"add_module", "register_module", "setattr", "register_parameter"}:
            continue
        wrapped = _wrapped_attrs(ctx, cls)
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
    """`make_stages(cfg)`: a function of this file whose every return is a plain list of
    modules (a literal, or a name bound to `[]` and filled with `.append(nn.X(...))`)."""
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)) or (t := resolve(ctx, expr)) is None or t.self_key is not None:
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


# ---- TVL006 ---------------------------------------------------------------------------------


def check_partial_optimizer(ctx: Context) -> None:
    ctors = [(t, v) for t in ctx.optimizers for v in ctx.values.get(t, []) if isinstance(v, ast.Call)]
    _overlaps(ctx, ctors)
    built = _built_optimizers(ctx)
    _twice_given(ctx, ctors + [(t, v) for t, v, _ in built])
    if len(ctors) + len(built) == 1:
        _head_only(ctx, *(ctors or [(t, v) for t, v, _ in built])[0])
    if ctx.frozen or not (ctors or built):
        return  # something is frozen somewhere: leaving parts out is likely deliberate
    all_models = set().union(*ctx.optimizers.values(), *(ms for _, _, ms in built))
    called: set[str | None] = set()
    for target, value, models in [(t, v, ctx.models_in(v)) for t, v in ctors] + built:
        for m in models:
            if "." not in m or m.startswith("self.") and m.count(".") == 1:
                continue
            parent = m.rsplit(".", 1)[0]
            siblings = {x for x in all_models if x == parent or x.startswith(parent + ".")}
            if siblings == {m} and not called:  # the names the file calls, once a candidate needs them
                called = {callee(c) for c in ctx.calls} | {receiver(c) for c in ctx.calls if method(c) == "forward"}
            if siblings == {m} and (parent in called or _called_in_helper(ctx, parent)) and not _may_freeze(ctx):
                ctx.report(PARTIAL_OPT, value, f"`{target}` updates only `{m}`, but `{parent}` runs "
                           f"whole and nothing else in it is frozen: the rest of `{parent}` never "
                           "changes")  # fmt: skip


def _twice_given(ctx: Context, ctors: list[tuple[str, ast.Call]]) -> None:
    """Parameters handed to optimizers twice: two groups of one constructor, or one name of
    parameters passed to two calls of an optimizer builder (param_groups.py)."""
    for target, ctor in ctors:
        if pair := overlapping_groups(ctor):
            ctx.report(PARTIAL_OPT, ctor, f"two parameter groups of `{target}` hold `{pair[1]}` (one holds all of "
                       f"`{pair[0]}`): building it raises (parameters in more than one group) or, with a "
                       "custom optimizer, updates them twice")  # fmt: skip
    builds = [(t, v) for t, vs in ctx.values.items() if ctx.is_optimizer(t) for v in vs
              if isinstance(v, ast.Call) and isinstance(v.func, ast.Name)]  # fmt: skip
    builds.sort(key=lambda tv: (tv[1].lineno, tv[1].col_offset))
    found = shared_builder_argument(ctx, builds) if len(builds) >= 2 else None
    if found:
        a, b, name = found
        va, vb = next(v for t, v in builds if t == a), next(v for t, v in builds if t == b)
        stepped = {ctx.optimizer_step(c) for c in ctx.calls} & {a, b} == {a, b}
        if stepped and not _exclusive(ctx, va, vb) and not _retired(ctx, a, va, vb):
            ctx.report(PARTIAL_OPT, vb, f"`{name}` is given to both `{a}` and `{b}`: its parameters "
                       "get two conflicting updates per step")  # fmt: skip


def _head_only(ctx: Context, target: str, ctor: ast.Call) -> None:
    """The file's one optimizer gets a name-filtered part of a model that runs whole, and nothing
    freezes the rest (no requires_grad, no no_grad, no parameter-efficient library)."""
    found = name_filtered_only(ctx, ctor)
    if not found or _may_freeze(ctx) or "add_param_group" in ctx.text or _PEFT.search(ctx.text.lower()) or "inference_mode" in ctx.text:
        return
    model, word = found
    if any(last(callee(c)) == last(model) for c in ctx.calls):  # `model(**inputs)`: it runs whole
        ctx.report(PARTIAL_OPT, ctor, f"`{target}` gets only the parameters of `{model}` named "
                   f"with '{word}', and nothing freezes the rest: their gradients are computed and never applied")  # fmt: skip


_PEFT = re.compile(r"\b(peft|lora|adapter|prefix_tuning|prompt_tuning)")


def _built_optimizers(ctx: Context) -> list[tuple[str, ast.Call, set[str]]]:
    """`optimizer = build_optimizer(model, cfg)` / `self.optimizer = self.configure_optimizers()`
    where the builder (a function of this file) returns an optimizer constructor: (the name bound,
    the constructor, the models it updates as the caller names them)."""
    out = []
    for target, values in ctx.values.items():
        if not ctx.is_optimizer(target) or target in ctx.optimizers:
            continue
        for v in values:
            if not (isinstance(v, ast.Call) and may_resolve(ctx, v)) or (t := resolve(ctx, v)) is None:
                continue
            for r in walk_scope(t.fn):
                if isinstance(r, ast.Return) and isinstance(r.value, ast.Call) and _optimizer_ctor(r.value):
                    models = {k for m in ctx.models_in(r.value) if (k := t.rename(m))}
                    out.append((target, r.value, models))
    return out


def _optimizer_ctor(call: ast.Call) -> bool:
    name = callee(call)
    return last(name) in OPTIMIZER_CLASSES or name.startswith(("torch.optim.", "optim.")) and last(name)[:1].isupper()


def _may_freeze(ctx: Context) -> bool:
    """The code (not a comment) touches requires_grad or no_grad (walked once, only when asked)."""
    if "requires_grad" not in ctx.text and "no_grad" not in ctx.text:
        return False
    if "may_freeze" not in ctx.memo:
        ctx.memo["may_freeze"] = _freezes(ctx)
    return ctx.memo["may_freeze"]


def _freezes(ctx: Context) -> bool:
    for n in ast.walk(ctx.tree):
        if isinstance(n, ast.Attribute) and n.attr in ("requires_grad", "requires_grad_", "no_grad"):
            return True
        if isinstance(n, (ast.Name, ast.keyword)) and (getattr(n, "id", None) or getattr(n, "arg", None)) in ("requires_grad", "no_grad"):
            return True
    return False


def _called_in_helper(ctx: Context, model: str) -> bool:
    """`train_model(model_ft, ...)` whose function runs its parameter: `outputs = model(inputs)`."""
    for c in ctx.calls:
        if not any(dotted(a) == model for a in [*c.args, *(k.value for k in c.keywords)]):
            continue
        t = resolve(ctx, c)
        params = {p for p, key in (t.params if t else ()) if key == model}
        if params and any(isinstance(n, ast.Call) and callee(n) in params for n in walk_scope(t.fn)):  # type: ignore[union-attr]
            return True
    return False


def _overlaps(ctx: Context, ctors: list[tuple[str, ast.Call]]) -> None:
    for i, (t1, v1) in enumerate(ctors):
        for t2, v2 in ctors[i + 1 :]:
            if t1 == t2 or ctx.scope_of(v1) is not ctx.scope_of(v2) or _exclusive(ctx, v1, v2):
                continue
            m1, m2 = ctx.models_in(v1), ctx.models_in(v2)
            shared = sorted(a for a in m1 for b in m2 if a == b or a.startswith(b + ".") or b.startswith(a + "."))
            if shared and not (_retired(ctx, t1, v1, v2) or _retired(ctx, t2, v2, v1)):
                ctx.report(PARTIAL_OPT, v2, f"`{t1}` and `{t2}` both update `{shared[0]}`: its "
                           "parameters get two conflicting updates per step")  # fmt: skip
                return


def _retired(ctx: Context, name: str, ctor: ast.AST, later: ast.AST) -> bool:
    """Training in phases: every step of `name` (built first) runs in the same function before
    the other optimizer is built (Adam, then L-BFGS over the same model), so no step sees both."""
    if ctor.lineno >= later.lineno:  # type: ignore[attr-defined]
        return False
    steps = [c for c in ctx.calls if ctx.optimizer_step(c) == name]
    scope = ctx.scope_of(later)
    loops = [a for a in ctx.ancestors(later) if isinstance(a, (ast.For, ast.AsyncFor, ast.While))]
    return bool(steps) and all(
        ctx.scope_of(c) is scope and c.lineno < later.lineno and not any(lp.lineno <= c.lineno <= (lp.end_lineno or 0) for lp in loops) for c in steps  # type: ignore[attr-defined]
    )


def _exclusive(ctx: Context, a: ast.AST, b: ast.AST) -> bool:
    """a and b sit in different branches of one `if`."""
    path_a = _branches(ctx, a)
    path_b = _branches(ctx, b)
    return any(node in path_b and path_b[node] != side for node, side in path_a.items())


def _branches(ctx: Context, node: ast.AST) -> dict[ast.AST, str]:
    out: dict[ast.AST, str] = {}
    prev = node
    for a in ctx.ancestors(node):
        if isinstance(a, ast.If):
            out[a] = "body" if prev in a.body else "orelse" if prev in a.orelse else "test"
        prev = a
    return out


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
        if recv and recv != "self" and (recv in known or _module_attr(ctx, c, recv)):
            ctx.report(FORWARD_CALL, c, f"`{recv}.forward(...)` skips the module's hooks: call "
                       f"`{recv}(...)`")  # fmt: skip


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
            given.append(c.args[i] if 0 <= i < len(c.args) else next((k.value for k in c.keywords if k.arg == param), None))
    optimized = set(ctx.trained).union(*ctx.optimizers.values())  # `model.train()`, `SGD(model.parameters())`
    return bool(given) and all(
        (isinstance(g, ast.Call) and ctx.is_module_ctor(g)) or (isinstance(g, ast.Name) and (g.id in ctx.modules or g.id in optimized))
        for g in given
    )


CHECKS = [check_unregistered, check_partial_optimizer, check_forward_call]
