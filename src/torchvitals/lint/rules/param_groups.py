"""TVL006 through parameter groups and optimizer builders: the same parameters handed to an
optimizer twice. modules.py reports what these find (it owns the rule's page).

    Adam([{"params": model.parameters()}, {"params": model.head.parameters(), "lr": 1e-4}])
    shared = list(model.proj.parameters())
    opt_a = make_optimizer([model.tower_a], shared)     # `shared` goes to both optimizers
    opt_b = make_optimizer([model.tower_b], shared)

Only whole-module groups count (`X.parameters()` as the group, not a filtered comprehension):
a weight-decay split filters one module into two groups that never share a parameter."""

from __future__ import annotations

import ast
import copy

from torchvitals.lint.calls import bind, functions
from torchvitals.lint.engine import Context, callee, dotted, method, receiver, walk_scope
from torchvitals.lint.options import entry, setting
from torchvitals.lint.rules.schedule_objects import Substitute, given_args
from torchvitals.lint.syntax import walk


def _whole(expr: ast.AST | None) -> str | None:
    """`X.parameters()` or `list(X.parameters())`: the module X whose every parameter it holds."""
    if isinstance(expr, ast.Call) and callee(expr) == "list" and len(expr.args) == 1:
        expr = expr.args[0]
    if isinstance(expr, ast.Call) and method(expr) == "parameters" and not expr.args:
        return receiver(expr)
    return None


def _inside(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".")


def overlapping_groups(ctx: Context, ctor: ast.Call) -> tuple[str, str] | None:
    """Two parameter groups of one optimizer constructor where one holds all of a module and the
    other a part of it (or the same module): (whole, part). The group list may be written in
    the call, bound once to a name, or returned by a helper of this file (`AdamW(get_groups(model,
    lr))`); a group kept by `p.requires_grad` alone holds all of its module when the file freezes
    nothing (nothing writes requires_grad)."""
    groups = _group_list(ctx, ctor.args[0] if ctor.args else None)
    if groups is None:
        return None
    held: list[tuple[str, bool]] = []  # (module, whether the group holds all of it)
    for g in groups.elts:
        if isinstance(g, ast.Dict):
            params = next((v for k, v in zip(g.keys, g.values, strict=True) if isinstance(k, ast.Constant) and k.value == "params"), None)
            if (m := _whole(params) or _trainable_of(ctx, params)) is not None:
                held.append((m, True))
            elif (m := _listed_owner(params)) is not None:
                held.append((m, False))
    for i, (a, whole_a) in enumerate(held):
        for b, whole_b in held[i + 1 :]:
            if whole_a and _inside(b, a):
                return a, b
            if whole_b and _inside(a, b):
                return b, a
    return None


def _listed_owner(expr: ast.AST | None) -> str | None:
    """`[model.fc.weight, model.fc.bias]`: the sub-module owning every listed parameter (not a
    model's own attribute, `[model.alpha]`, which may be a plain tensor the model does not list)."""
    if not isinstance(expr, (ast.List, ast.Tuple)) or not expr.elts:
        return None
    paths = [dotted(e) for e in expr.elts]
    if not all(p and p.count(".") >= 2 for p in paths):
        return None
    owners = {p.rsplit(".", 1)[0] for p in paths}  # type: ignore[union-attr]
    return owners.pop() if len(owners) == 1 else None


def _group_list(ctx: Context, expr: ast.AST | None) -> ast.List | ast.Tuple | None:
    """The literal list of groups `expr` stands for: itself, a name's one value, or the one
    `return` of a function of this file that the call runs."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and (fn := functions(ctx).get(expr.func.id)) is not None:
        rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)]
        expr = rets[0] if len(rets) == 1 else None
    if isinstance(expr, ast.Name):
        return _grown_list(ctx, expr.id)
    return expr if isinstance(expr, (ast.List, ast.Tuple)) else None


def _grown_list(ctx: Context, name: str) -> ast.List | None:
    """A name bound once to a list literal, with the groups its scope adds to it
    (`groups.append({...})`, `groups.extend([...])`, `groups += [...]`): one list of them all."""
    vals = ctx.values.get(name, [])
    if len(vals) != 1 or not isinstance(vals[0], (ast.List, ast.Tuple)):
        return None
    elts = list(vals[0].elts)
    for n in walk_scope(ctx.scope_of(vals[0])):
        if isinstance(n, ast.Call) and dotted(n.func) in (f"{name}.append", f"{name}.extend") and len(n.args) == 1:
            elts += n.args[0].elts if method(n) == "extend" and isinstance(n.args[0], (ast.List, ast.Tuple)) else [n.args[0]]
        elif isinstance(n, ast.AugAssign) and dotted(n.target) == name and isinstance(n.value, (ast.List, ast.Tuple)):
            elts += n.value.elts
    return ast.List(elts=elts, ctx=ast.Load())


def _trainable_of(ctx: Context, expr: ast.AST | None) -> str | None:
    """`[p for p in X.parameters() if p.requires_grad]` or `filter(lambda p: p.requires_grad,
    X.parameters())` in a file that freezes nothing: X, all of whose parameters it holds."""
    if isinstance(expr, ast.ListComp) and len(expr.generators) == 1 and isinstance(expr.generators[0].target, ast.Name):
        gen, var = expr.generators[0], expr.generators[0].target.id
        source, tests = gen.iter, gen.ifs
        kept = len(tests) == 1 and _reads_flag(tests[0], var) and isinstance(expr.elt, ast.Name) and expr.elt.id == var
    elif isinstance(expr, ast.Call) and callee(expr) == "filter" and len(expr.args) == 2 and isinstance(expr.args[0], ast.Lambda):
        fn, source = expr.args[0], expr.args[1]
        var = fn.args.args[0].arg if len(fn.args.args) == 1 else ""
        kept = _reads_flag(fn.body, var)
    else:
        return None
    if not kept or _whole(source) is None or writes_requires_grad(ctx):
        return None
    return _whole(source)


def _reads_flag(test: ast.AST, var: str) -> bool:
    return isinstance(test, ast.Attribute) and test.attr == "requires_grad" and isinstance(test.value, ast.Name) and test.value.id == var


def writes_requires_grad(ctx: Context) -> bool:
    """Something in the file may freeze a parameter: `requires_grad_(...)`, `requires_grad = ...`,
    a `requires_grad=` keyword (memoised). Reading the flag (`if p.requires_grad`) freezes nothing."""
    if "requires_grad" not in ctx.text:
        return False
    if "writes_requires_grad" not in ctx.memo:
        ctx.memo["writes_requires_grad"] = any(
            (isinstance(n, ast.Attribute) and (n.attr == "requires_grad_" or n.attr == "requires_grad" and not isinstance(n.ctx, ast.Load)))
            or (isinstance(n, ast.keyword) and n.arg in ("requires_grad", "requires_grad_"))
            for n in walk(ctx.tree)
        )  # fmt: skip
    return ctx.memo["writes_requires_grad"]


def shared_builder_argument(ctx: Context, calls: list[tuple[str, ast.Call]]) -> tuple[str, str, str] | None:
    """Two optimizers built by calls to a builder of this file (`make_optimizer(mods, extra)`)
    that pass the same name, bound to parameters (`shared = list(m.proj.parameters())`), to a
    parameter the builder reads: (first optimizer, second, the shared name)."""
    funcs = functions(ctx)
    seen: dict[str, str] = {}
    for target, call in calls:
        fn = funcs.get(callee(call))
        if fn is None:
            continue
        read = {n.id for n in walk_scope(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for param, name in bind(fn, call, skip_self=False):
            if param not in read or "." in name or not _holds_parameters(ctx, name):
                continue
            if name in seen and seen[name] != target:
                return seen[name], target, name
            seen.setdefault(name, target)
    return None


def _holds_parameters(ctx: Context, name: str) -> bool:
    """Every value of `name` reads some module's `.parameters()` (or a parameter attribute)."""
    vals = ctx.values.get(name, [])
    return bool(vals) and all(any(isinstance(n, ast.Call) and method(n) == "parameters" for n in walk(v)) for v in vals)



def name_filtered_only(ctx: Context, ctor: ast.Call) -> tuple[str, str] | None:
    """The optimizer's only parameters are one model's `named_parameters()` kept by a name test
    (`[p for n, p in model.named_parameters() if n.startswith("classifier")]`): (the model, the
    name tested for). The caller checks that nothing is frozen and no other optimizer exists."""
    first = ctor.args[0] if ctor.args else next((k.value for k in ctor.keywords if k.arg == "params"), None)
    if isinstance(first, ast.Name):
        vals = ctx.values.get(first.id, [])
        first = vals[0] if len(vals) == 1 else None
    if not (isinstance(first, ast.ListComp) and len(first.generators) == 1):
        return None
    gen = first.generators[0]
    it, tgt = gen.iter, gen.target
    if not (isinstance(it, ast.Call) and method(it) == "named_parameters" and receiver(it)):
        return None
    if not (isinstance(tgt, ast.Tuple) and len(tgt.elts) == 2 and isinstance(tgt.elts[0], ast.Name)) or len(gen.ifs) != 1:
        return None
    name, value = tgt.elts[0].id, dotted(tgt.elts[1])
    word = _kept_by_name(gen.ifs[0], name)
    if word:
        return receiver(it), f"named with '{word}'"  # type: ignore[return-value]
    if _tests_name_only(gen.ifs[0], name, value):
        return receiver(it), f"whose names pass `{ast.unparse(gen.ifs[0])}`"  # type: ignore[return-value]
    return None


def _tests_name_only(test: ast.AST, name: str, value: str | None) -> bool:
    """The filter reads the parameter's name and not the parameter itself (`any(r.search(n)
    for r in patterns)`, not `p.requires_grad`, which keeps exactly the trainable ones)."""
    names = {n.id for n in walk(test) if isinstance(n, ast.Name)}
    return name in names and value not in names


def _kept_by_name(test: ast.AST, name: str) -> str | None:
    """`name.startswith("head")` or `"head" in name`: the word a parameter's name must hold."""
    if isinstance(test, ast.Call) and method(test) == "startswith" and dotted_is(test, name) and test.args:
        arg = test.args[0]
        return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In):
        left, right = test.left, test.comparators[0]
        if isinstance(left, ast.Constant) and isinstance(left.value, str) and isinstance(right, ast.Name) and right.id == name:
            return left.value
    return None


def dotted_is(call: ast.Call, name: str) -> bool:
    return isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) and call.func.value.id == name


def listed_submodules(ctx: Context, ctor: ast.Call) -> tuple[str, set[str]] | None:
    """Parameter groups that each hold one sub-module of the same model: (the model, the
    attributes listed). Groups may be literal (`{"params": model.enc.parameters()}`) or made
    from a config list (`[{"params": getattr(model, g["module"]).parameters()} for g in cfg]`)."""
    groups = ctor.args[0] if ctor.args else None
    if isinstance(groups, ast.Name):
        vals = ctx.values.get(groups.id, [])
        groups = vals[0] if len(vals) == 1 else None
    groups = _returned_groups(ctx, groups) or groups
    if isinstance(groups, ast.List):
        parts = [p for g in groups.elts for p in _wholes(_params_of(g)) or [None]]
        if len(parts) < 2 or None in parts:  # one group: the whole-model check (optimizers.py) judges it
            return None
        roots = {p.rsplit(".", 1)[0] for p in parts if "." in p}  # type: ignore[union-attr]
        if len(roots) != 1 or any(p.count(".") != next(iter(roots)).count(".") + 1 for p in parts):  # type: ignore[union-attr]
            return None
        return next(iter(roots)), {p.rsplit(".", 1)[1] for p in parts}  # type: ignore[union-attr]
    if isinstance(groups, ast.ListComp) and len(groups.generators) == 1:
        return _config_groups(ctx, groups)
    return _joined(groups) if groups is not None else None


def _wholes(expr: ast.AST | None) -> list[str] | None:
    """A group's `params`: one whole module, or whole modules joined by `+`
    (`list(m.emb.parameters()) + list(m.rnn.parameters())`); None for anything else."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = _wholes(expr.left), _wholes(expr.right)
        return left + right if left is not None and right is not None else None
    one = _whole(expr)
    return [one] if one is not None else None


def _returned_groups(ctx: Context, expr: ast.AST | None) -> ast.List | None:
    """`Adam(param_groups(model, lr))` where the function (of this file) has one `return`, of a
    literal list of groups: that list with the function's parameters replaced by what the
    call passes, so `model.enc` reads as the caller's model's `enc`."""
    fn = functions(ctx).get(callee(expr)) if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) else None
    if not isinstance(fn, ast.FunctionDef):
        return None
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)]
    if len(rets) != 1 or not isinstance(rets[0], ast.List):
        return None
    listed = Substitute(dict(given_args(fn, expr))).visit(copy.deepcopy(rets[0]))  # type: ignore[arg-type]
    return listed if isinstance(listed, ast.List) else None


def _joined(expr: ast.AST) -> tuple[str, set[str]] | None:
    """`list(m.enc.parameters()) + list(m.head.parameters())`, `chain(m.enc.parameters(), ...)`,
    `[*m.enc.parameters(), *m.head.parameters()]`: every parameter source is a whole sub-module
    of one model (no comprehension filters them, no other name adds to them)."""
    if any(isinstance(n, (ast.ListComp, ast.GeneratorExp, ast.Name)) and not _part_of_call(n, expr) for n in walk(expr)):
        return None
    parts = {receiver(n) for n in walk(expr) if isinstance(n, ast.Call) and method(n) == "parameters"}
    if not parts or None in parts or any(p.count(".") < 1 for p in parts):  # type: ignore[union-attr]
        return None
    roots = {p.rsplit(".", 1)[0] for p in parts}  # type: ignore[union-attr]
    if len(roots) != 1 or len(parts) < 2:
        return None
    return next(iter(roots)), {p.rsplit(".", 1)[1] for p in parts}  # type: ignore[union-attr]


def _part_of_call(node: ast.AST, root: ast.AST) -> bool:
    """A name that only spells a callee or a receiver (`list`, `itertools.chain`, `model`)."""
    if not isinstance(node, ast.Name):
        return False
    for n in walk(root):
        if isinstance(n, ast.Call) and (n.func is node or (isinstance(n.func, ast.Attribute) and node in walk(n.func))):
            return True
    return False


def _params_of(group: ast.AST) -> ast.AST | None:
    if not isinstance(group, ast.Dict):
        return None
    return next((v for k, v in zip(group.keys, group.values, strict=True) if isinstance(k, ast.Constant) and k.value == "params"), None)


def _config_groups(ctx: Context, comp: ast.ListComp) -> tuple[str, set[str]] | None:
    """`[{"params": getattr(model, g["module"]).parameters(), ...} for g in CFG["groups"]]`."""
    gen = comp.generators[0]
    params = _params_of(comp.elt)
    got = params.func.value if isinstance(params, ast.Call) and method(params) == "parameters" else None  # type: ignore[attr-defined]
    if not (isinstance(got, ast.Call) and callee(got) == "getattr" and len(got.args) == 2 and isinstance(gen.target, ast.Name)):
        return None
    model, key = dotted(got.args[0]), got.args[1]
    if not (model and isinstance(key, ast.Subscript) and isinstance(key.value, ast.Name) and key.value.id == gen.target.id):
        return None
    field = key.slice.value if isinstance(key.slice, ast.Constant) else None
    items = setting(ctx, gen.iter) if not isinstance(gen.iter, ast.List) else gen.iter
    if not isinstance(items, ast.List) or not isinstance(field, str):
        return None
    names = [entry(d, field) for d in items.elts]
    if not names or not all(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in names):
        return None
    return model, {n.value for n in names}  # type: ignore[union-attr]


def unlisted_trainable(ctx: Context, cls: ast.ClassDef, listed: set[str]) -> list[str]:
    """Sub-modules `cls.__init__` builds that run with gradients in its methods and are not in
    `listed`, nor frozen or copied (an EMA target) anywhere in the file."""
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    if init is None:
        return []
    made = [(t[5:], n.value) for n in walk_scope(init) if isinstance(n, ast.Assign) and len(n.targets) == 1
            and (t := dotted(n.targets[0]) or "").startswith("self.") and t.count(".") == 1 and _builds_module(ctx, n.value)]  # fmt: skip
    if not listed <= {a for a, _ in made}:
        return []
    held = [a for a, v in made if not _parameter_free(v)]
    return [a for a in held if a not in listed and runs_with_grad(ctx, cls, a) and not _frozen_anywhere(ctx, a)]


# torch.nn layers that hold no parameters: a group list has no reason to name them
_PARAMETER_FREE = ("Pool", "Dropout", "ReLU", "GELU", "SiLU", "Tanh", "Sigmoid", "Softmax", "Identity",
                   "Flatten", "Unflatten", "Upsample", "Pad", "Shuffle", "Softplus", "ELU", "Mish", "Hardswish")  # fmt: skip


def _parameter_free(value: ast.AST) -> bool:
    """`nn.AdaptiveAvgPool2d(1)`, `nn.Dropout(0.1)`, `nn.ReLU()`: a torch.nn constructor of a layer with no parameters."""
    name = callee(value) if isinstance(value, ast.Call) else None
    layer = (name or "").rsplit(".", 1)[-1]
    return (name or "").split(".")[0] in ("nn", "torch") and layer != "PReLU" and any(k in layer for k in _PARAMETER_FREE)


def _builds_module(ctx: Context, value: ast.AST) -> bool:
    """A module constructor or a function of this file returning one; not a copy, not frozen."""
    if not isinstance(value, ast.Call) or any(isinstance(n, ast.Call) and method(n) in ("requires_grad_", "deepcopy") for n in walk(value)):
        return False
    if ctx.is_module_ctor(value):
        return True
    fn = functions(ctx).get(callee(value))
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)] if fn is not None else []
    return bool(rets) and all(isinstance(r, ast.Call) and ctx.is_module_ctor(r) for r in rets)


def runs_with_grad(ctx: Context, cls: ast.ClassDef, attr: str) -> bool:
    """`self.<attr>(...)` in a method of `cls`, outside `torch.no_grad()`."""
    for n in walk(cls):
        if isinstance(n, ast.Call) and dotted(n.func) == f"self.{attr}":
            up = ctx.parent.get(n)
            detached = isinstance(up, ast.Attribute) and up.attr == "detach"
            if not detached and not any(_no_grad_scope(a) for a in ctx.ancestors(n)):
                return True
    return False


def _no_grad_scope(node: ast.AST) -> bool:
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return any("no_grad" in ast.unparse(i.context_expr) or "inference_mode" in ast.unparse(i.context_expr) for i in node.items)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return any("no_grad" in ast.unparse(d) or "inference_mode" in ast.unparse(d) for d in node.decorator_list)
    return False


def _frozen_anywhere(ctx: Context, attr: str) -> bool:
    """A statement of the file names `.attr` and touches requires_grad (an assignment only when
    it assigns to `.attr`: `self.target = deepcopy(self.online).requires_grad_(False)` freezes
    the copy, not `online`)."""
    for n in walk(ctx.tree):
        scope = n.targets if isinstance(n, ast.Assign) else [n] if isinstance(n, (ast.Expr, ast.For)) else []
        if any(isinstance(a, ast.Attribute) and a.attr == attr for t in scope for a in walk(t)):
            text = ast.unparse(n)
            if "requires_grad" in text:
                return True
    return False
