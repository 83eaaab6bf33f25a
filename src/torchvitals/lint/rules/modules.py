"""Rules about how models and optimizers are put together: unregistered sub-modules and
parameters (TVL005), optimizers over part of a model or overlapping (TVL006, in optimizers.py),
`model.forward(x)` (TVL013)."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import enclosing_class, functions
from torchvitals.lint.engine import (
    OPTIMIZER_CLASSES,
    TRIGGERS_RE,
    Context,
    callee,
    dotted,
    is_const,
    last,
    method,
    passed,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.rules.method_args import bounds_through_methods
from torchvitals.lint.rules.module_makers import (
    builds_module_list,
    has_module,
    makes_module,
    param_tensor,
    passed_modules,
    plain_tensor,
)
from torchvitals.lint.rules.optimizers import check_partial_optimizer
from torchvitals.lint.rules.schedule_objects import stored_param
from torchvitals.lint.syntax import walk
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
# A helper returning a tensor meant to learn (`return torch.zeros(1, d, requires_grad=True)`,
# `return init(t).requires_grad_()`), stored by `self.pos = make_pos(d)`: the line that stores it
# names no tensor factory, so the file-level triggers cannot see it.
_RETURNS_LEARNABLE = re.compile(r"return\s[^\n]*requires_grad(?:\s*=\s*True|_\()")
# Clones of one block made in a comprehension (`[copy.deepcopy(layer) for _ in range(n)]`).
_CLONED = re.compile(r"deepcopy\([^\n]*\bfor\b")
# A call given a list or tuple it writes out of modules (`Chain([nn.Linear(4, 8), Block(8)])`),
# and an attribute made an empty container to be filled later (by a builder's blocks, say).
_GIVEN_LIST = re.compile(r"\(\s*[\[(]\s*(?:nn\.)?[A-Z]\w*\(")
_FILLED_LATER = re.compile(r"self\.\w+\s*=\s*(?:\[\]|\{\}|(?:list|dict|OrderedDict)\(\))")
# A tensor attribute made to learn after it is bound (`self.scale.requires_grad_()`).
_SET_LEARNABLE = re.compile(r"self\.\w+\.requires_grad(?:_\(\s*(?:True)?\s*\)|\s*=\s*True)")
_OWN_BUILDERS = (_APPENDS_OWN_CLASS, _BUILDS_BY_COMPREHENSION, _CONVERTED_GENERATOR, _RETURNS_LEARNABLE, _CLONED, _GIVEN_LIST,
                 _FILLED_LATER, _SET_LEARNABLE)



def check_unregistered(ctx: Context) -> None:
    inits_possible = all(p.search(ctx.text) for p in TRIGGERS_RE[-1])
    if not inits_possible and not any(p.search(ctx.text) for g in TRIGGERS_RE[-4:-1] for p in g[1:]) and not any(p.search(ctx.text) for p in _OWN_BUILDERS):
        return
    for cls in ctx.classes:
        family = _module_family(ctx, cls)
        if not family:
            continue
        registers = {last(callee(n)) for c in family for n in walk(c) if isinstance(n, ast.Call)}
        if registers & {"add_module", "register_module", "setattr", "register_parameter"}:
            continue
        wrapped = set().union(*(_wrapped_attrs(ctx, c) for c in family))
        empty = {
            k: n for fn in cls.body if isinstance(fn, ast.FunctionDef) for n in walk_scope(fn)
            if isinstance(n, ast.Assign) and _empty_container(n.value)
            for k in targets_of(n) if k.startswith("self.")
        }  # fmt: skip
        seen: set[str] = set()  # one finding per attribute, however many appends fill it
        if inits_possible:
            seen |= _initialised_tensors(ctx, cls, wrapped)
        if _SET_LEARNABLE.search(ctx.text):
            _made_learnable(ctx, cls, wrapped)
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
                    if has_module(ctx, n.value) or builds_module_list(ctx, n.value) or passed_modules(ctx, fn, n):
                        ctx.report(UNREGISTERED, n, f"`{key}` holds modules in a plain "
                                   f"{_kind(n.value)}: their parameters are not registered (not in "
                                   f"`.parameters()`, not moved by `.to()`, not saved)")  # fmt: skip
                    elif key not in seen and param_tensor(ctx, n.value) and not _optimized_directly(ctx, key):
                        ctx.report(UNREGISTERED, n, f"`{key}` is a tensor with requires_grad=True "
                                   "but not an `nn.Parameter`: `.parameters()` does not include it")  # fmt: skip
                if isinstance(n, ast.Call) and method(n) in ("append", "extend", "insert") and receiver(n) in empty:
                    key = receiver(n) or ""
                    if key in wrapped or key in seen:
                        continue
                    if any(isinstance(a, ast.Call) and makes_module(ctx, a) for a in n.args):  # a builder's block too
                        seen.add(key)
                        ctx.report(UNREGISTERED, n, f"modules appended to the plain list `{key}`: "
                                   "their parameters are not registered")  # fmt: skip


def _empty_container(v: ast.AST) -> bool:
    """`[]`, `{}`, `list()`, `dict()`, `OrderedDict()`: a plain container filled later."""
    if isinstance(v, (ast.List, ast.Dict)):
        return not (v.elts if isinstance(v, ast.List) else v.keys)
    return isinstance(v, ast.Call) and last(callee(v)) in ("list", "dict", "OrderedDict") and not v.args and not v.keywords


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
    if key not in empty or not isinstance(n.value, ast.Call) or not makes_module(ctx, n.value):
        return None
    return key


def _initialised_tensors(ctx: Context, cls: ast.ClassDef, wrapped: set[str]) -> set[str]:
    """`self.lora_A = torch.empty(r, d)` then `nn.init.kaiming_uniform_(self.lora_A)`: a weight
    initialiser on a plain tensor attribute says it was meant to learn, but no `nn.Parameter`
    (nor buffer) registers it: `.parameters()` leaves it out and the optimizer never updates it."""
    inits = {k for n in walk(cls) if isinstance(n, ast.Call) and ".init." in f".{callee(n)}"
             and callee(n).endswith("_") and n.args and (k := dotted(n.args[0])) and k.startswith("self.")}
    if not inits:
        return set()
    binds: dict[str, list[ast.Assign]] = {}
    for n in walk(cls):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and (k := dotted(n.targets[0])) in inits:
            binds.setdefault(k, []).append(n)
    reported: set[str] = set()  # the caller's requires_grad check would say the same of these
    for key, assigns in binds.items():
        if key in wrapped or not all(plain_tensor(a.value) for a in assigns) or _optimized_directly(ctx, key):
            continue
        reported.add(key)
        ctx.report(UNREGISTERED, assigns[0], f"`{key}` is initialised like a weight (nn.init) but is a "
                   "plain tensor, not an `nn.Parameter`: `.parameters()` does not include it, so "
                   "the optimizer never trains it")  # fmt: skip
    return reported



def _made_learnable(ctx: Context, cls: ast.ClassDef, wrapped: set[str]) -> None:
    """`self.scale = torch.ones(d)` then `self.scale.requires_grad_()` (or `.requires_grad = True`):
    the class means the tensor to learn, but a plain tensor attribute is not registered, so
    `.parameters()` leaves it out. Only an attribute every binding of which in the class is a
    tensor factory call (or a helper returning one)."""
    marked: dict[str, ast.AST] = {}
    for n in walk(cls):
        if isinstance(n, ast.Call) and method(n) == "requires_grad_" and not (n.args and is_const(n.args[0], False)) \
                and isinstance(ctx.parent.get(n), ast.Expr):
            key = receiver(n) or ""
        elif isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(t := n.targets[0], ast.Attribute) \
                and t.attr == "requires_grad" and is_const(n.value, True):
            key = dotted(t.value) or ""
        else:
            continue
        if key.startswith("self.") and key.count(".") == 1:
            marked.setdefault(key, n)
    for key, mark in marked.items():
        binds = [n for n in walk(cls) if isinstance(n, ast.Assign) and len(n.targets) == 1 and dotted(n.targets[0]) == key]
        if key in wrapped or not binds or not all(plain_tensor(b.value) or param_tensor(ctx, b.value) for b in binds) or _optimized_directly(ctx, key):
            continue
        ctx.report(UNREGISTERED, binds[0], f"`{key}` is made to require grad (line {mark.lineno}) but is a plain "  # type: ignore[attr-defined]
                   "tensor, not an `nn.Parameter`: `.parameters()` does not include it, so the optimizer never trains it")  # fmt: skip


def _optimized_directly(ctx: Context, key: str) -> bool:
    """The tensor attribute is handed to an optimizer by name (`Adam([agent.log_alpha])`, a
    temperature with its own optimizer): it learns without being a parameter."""
    attr = key.rsplit(".", 1)[-1]
    return any(
        last(callee(c)) in OPTIMIZER_CLASSES
        and any(isinstance(x, ast.Attribute) and x.attr == attr for a in [*c.args, *(k.value for k in c.keywords)] for x in walk(a))
        for c in ctx.calls
    )  # fmt: skip


def _kind(expr: ast.AST) -> str:
    if isinstance(expr, ast.Call):
        return "list or dict"
    return "dict" if isinstance(expr, (ast.Dict, ast.DictComp)) else "list"


def _wrapped_attrs(ctx: Context, cls: ast.ClassDef) -> set[str]:
    """`self.x` attributes that are (re)wrapped in a container somewhere in the class."""
    out: set[str] = set()
    for n in walk(cls):
        if isinstance(n, ast.Call) and (last(callee(n)) in CONTAINERS or ctx.is_module_ctor(n)):
            for a in list(n.args) + [k.value for k in n.keywords]:
                a = a.value if isinstance(a, ast.Starred) else a
                for m in walk(a):
                    key = dotted(m) if isinstance(m, (ast.Attribute, ast.Name)) else None
                    if key and key.startswith("self."):
                        out.add(key)
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and last(callee(n.value)) in CONTAINERS:
            out.update(k for t in n.targets if (k := dotted(t)))
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
        if recv and _plain_object(ctx, recv):
            continue
        if recv and recv != "self" and (recv in known or _module_attr(ctx, c, recv) or _passed_module(ctx, c.func, recv, known)):
            ctx.report(FORWARD_CALL, c, f"`{recv}.forward(...)` skips the module's hooks: call "
                       f"`{recv}(...)`")  # fmt: skip
    _forward_aliases(ctx, known)


def _plain_object(ctx: Context, name: str) -> bool:
    """Every value bound to `name` is built from a class of this file with no base class
    (`class NeuralNetMLP:` written in NumPy to teach backpropagation): its `forward` is an
    ordinary method with no hooks to skip."""
    values = ctx.values.get(name, [])
    if not values:
        return False
    plain = {n.name for n in ctx.tree.body if isinstance(n, ast.ClassDef)
             and all(isinstance(b, ast.Name) and b.id == "object" for b in n.bases)}  # fmt: skip
    return all(isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id in plain for v in values)


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
    for n in walk(ctx.tree):
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
    for n in walk(init):
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
