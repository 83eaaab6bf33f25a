"""TVL006: optimizers over part of a model, or over the same parameters twice (two optimizers,
two groups, one name given to two builder calls, groups that leave out a trainable sub-module).
The parameter-group readings are in param_groups.py."""

from __future__ import annotations

import ast
import copy

from torchvitals.lint.calls import FUNCS, functions, instance_class, may_resolve, resolve
from torchvitals.lint.engine import (
    OPTIMIZER_CLASSES,
    Context,
    callee,
    dotted,
    last,
    method,
    receiver,
    walk_scope,
)
from torchvitals.lint.options import setting
from torchvitals.lint.rules.config_branches import decide_truth
from torchvitals.lint.rules.freezing import (
    freezes_only_when,
    frozen_elsewhere,
    holds_backward,
    may_freeze,
    may_freeze_beside,
    no_grad_regions,
    runs_sibling,
)
from torchvitals.lint.rules.param_groups import (
    listed_submodules,
    name_filtered_only,
    overlapping_groups,
    shared_builder_argument,
    unlisted_trainable,
    writes_requires_grad,
)
from torchvitals.lint.rules.param_names import doubly_grouped, ungrouped
from torchvitals.lint.rules.param_owners import module_candidates, unoptimized_modules
from torchvitals.lint.rules.param_parts import left_out, listed_parts
from torchvitals.lint.rules.param_returns import appended, selected_models
from torchvitals.lint.rules.param_routes import unrouted_parameters
from torchvitals.lint.rules.param_skips import skipped_parameters
from torchvitals.lint.rules.schedule_objects import Substitute, given_args
from torchvitals.lint.rules.values import truth
from torchvitals.lint.syntax import walk
from torchvitals.rules.base import document

PARTIAL_OPT = document(
    "TVL006",
    "partial-optimizer",
    what="An optimizer built from part of a model (`model.head.parameters()`, some of its "
    "sub-modules, a name-filtered `named_parameters()`) while the rest is called in the forward "
    "pass and never frozen, or that leaves out a separate module (an encoder beside the decoder it "
    "updates) running into the same loss, or the same parameters given twice (two optimizers, two groups).",
    why="The parts left out still receive gradients (and cost compute) but never change; the "
    "run looks normal. Two optimizers on the same parameters apply two updates per step "
    "with conflicting state (momentum, Adam moments).",
    example="model = Net()\noptimizer = torch.optim.Adam(model.head.parameters())",
    fix="Pass `model.parameters()`, or freeze what you leave out "
    "(`model.backbone.requires_grad_(False)`); give each parameter to one optimizer.",
)


# ---- TVL006 ---------------------------------------------------------------------------------


def check_partial_optimizer(ctx: Context) -> None:
    ctors = [(t, v) for t in ctx.optimizers for v in ctx.values.get(t, []) if isinstance(v, ast.Call)]
    _overlaps(ctx, ctors)
    built = _built_optimizers(ctx)
    _twice_given(ctx, ctors + [(t, v) for t, v, _ in built])
    _routed_by_name(ctx)
    if len(ctors) + len(built) == 1:
        _head_only(ctx, *(ctors or [(t, v) for t, v, _ in built])[0])
        _groups_leave_out(ctx, ctors[0] if ctors else None)
        if built:
            _frozen_only_by_flag(ctx, *built[0])
        else:
            target, ctor = ctors[0]
            scope = ctx.scope_of(ctor)  # `params = m.head.parameters() if mode == "head" else ...`: the side the settings take
            chosen = _flag_branch(ctx, ctor, scope, {}, scope) or ctor
            _frozen_only_by_flag(ctx, target, ctor, ctx.models_in(chosen) | appended(ctx, scope, chosen))
    if ctx.frozen or not (ctors or built):
        return  # something is frozen somewhere: leaving parts out is likely deliberate
    _sibling_left_out(ctx, ctors, built)
    direct = [(t, v, ctx.models_in(_flag_branch(ctx, v, ctx.scope_of(v), {}, ctx.scope_of(v)) or v) or appended(ctx, ctx.scope_of(v), v)
               or selected_models(ctx, v)) for t, v in ctors]  # fmt: skip
    others = [ms for t, ms in ctx.optimizers.items() if t not in {t for t, _ in ctors}]
    all_models = {_part_alias(ctx, m) for m in set().union(*others, *(ms for *_, ms in direct + built))}
    called: set[str | None] = set()
    told: set[str] = set()  # one report per optimizer (a builder may return one of two classes)
    for target, value, models in direct + built:
        for m in sorted({_part_alias(ctx, m) for m in models}):
            if "." not in m or m.startswith("self.") and m.count(".") == 1 or m.endswith(".module"):
                continue  # `model.module`: all of the model a DDP / DataParallel wrapper holds
            parent = m.rsplit(".", 1)[0]
            siblings = {x for x in all_models if x == parent or x.startswith(parent + ".")}
            if siblings == {m} and not called:  # the names the file calls, once a candidate needs them
                called = {callee(c) for c in ctx.calls} | {receiver(c) for c in ctx.calls if method(c) == "forward"}
            if target in told:
                continue
            if siblings == {m} and (_wrapped(parent) in called or _called_in_helper(ctx, parent)) and not may_freeze_beside(ctx, parent, m):
                told.add(target)
                ctx.report(PARTIAL_OPT, value, f"`{target}` updates only `{m}`, but `{parent}` runs "
                           f"whole and nothing else in it is frozen: the rest of `{parent}` never "
                           "changes")  # fmt: skip


def _sibling_left_out(ctx: Context, ctors: list[tuple[str, ast.Call]], built: list[tuple[str, ast.Call, set[str]]]) -> None:
    """A module bound to its own name (`encoder`) runs live into the loss beside one the
    optimizer updates (`decoder`), and no optimizer of the file takes it (param_owners.py).
    Judged only when every optimizer's parameters are known by the models they come from."""
    if ctx.frozen or writes_requires_grad(ctx) or not module_candidates(ctx) or frozen_elsewhere(ctx):
        return  # cheap refusals first: the parameter readings below walk the optimizer's scope
    known = {t for t, *_ in [*ctors, *built]}
    if any(ctx.is_optimizer(t) and t not in known for t in ctx.values) or set(ctx.optimizers) - known:
        return  # an optimizer built where this file cannot see: it may take the module
    owned = [ctx.models_in(v) or appended(ctx, ctx.scope_of(v), v) or selected_models(ctx, v) for _, v in ctors]
    owned += [ms for *_, ms in built]
    if not owned or not all(owned):
        return
    for name, call in unoptimized_modules(ctx, set().union(*owned)):
        ctor = ctors[0][1] if ctors else built[0][1]
        names = ", ".join(f"`{t}`" for t in dict.fromkeys(t for t, *_ in [*ctors, *built]))
        ctx.report(PARTIAL_OPT, ctor if len(ctors) + len(built) == 1 else call,
                   f"`{name}` runs into the loss backpropagated at line {call.lineno}, but no optimizer "
                   f"({names}) takes its parameters and nothing freezes it: it gets gradients and never changes")  # fmt: skip


def _frozen_only_by_flag(ctx: Context, target: str, ctor: ast.Call, models: set[str]) -> None:
    """The file's one optimizer updates one part of a model (`model.head`) whatever the
    configuration, while the rest is frozen only under a setting (`if cfg.freeze_backbone:
    freeze(model.backbone)`, freezing.py): with the setting off, the rest runs with gradients
    and never changes. The optimizer must not sit under an `if` itself (it may be the other
    side of the same choice), and no `no_grad` may run the rest of the model."""
    parts = {_part_alias(ctx, m) for m in models}
    m = parts.pop() if len(parts) == 1 else ""
    if "." not in m or m.startswith("self.") or m.endswith(".module") or any(isinstance(n, ast.IfExp) for n in walk(ctor)):
        return
    if _under_if(ctx, ctor) or not (tests := freezes_only_when(ctx)):
        return
    parent = m.rsplit(".", 1)[0]
    if not (any(callee(c) == _wrapped(parent) for c in ctx.calls) or _called_in_helper(ctx, parent)):
        return
    if any(holds_backward(ctx, r) or runs_sibling(ctx, r, parent, m) for r in no_grad_regions(ctx)):
        return
    ctx.report(PARTIAL_OPT, ctor, f"`{target}` updates only `{m}`, but the rest of `{parent}` is frozen only "
               f"under `if {ast.unparse(tests[0])}`: when that does not hold, it gets gradients and never "
               "changes")  # fmt: skip


def _under_if(ctx: Context, node: ast.AST) -> bool:
    """`node` runs under an `if` of its function (or of the module: not `__name__ == "__main__"`)
    that the file does not decide. An `if` whose test the shared evaluator reads to the side
    holding `node` for every value the file gives it (`if cfg.optim.name == "adam":` with the one
    config the file builds) is no choice: the optimizer is built there whatever else is set."""
    child = node
    for a in ctx.ancestors(node):
        if isinstance(a, ast.If) and "__name__" not in ast.unparse(a.test) and child is not a.test:
            side = truth(ctx, a.test)
            if side is None or side != any(child is s for s in a.body):
                return True
        if isinstance(a, FUNCS):
            return False
        child = a
    return False


def _wrapped(parent: str) -> str:
    """`model.module` (the model a DDP / DataParallel wrapper holds) runs when `model` is called."""
    return parent.removesuffix(".module")


def _part_alias(ctx: Context, name: str) -> str:
    """`head` bound once, to `net.head`: the part it names (`head = net.head` then
    `SGD(head.parameters())` updates net.head only)."""
    values = ctx.values.get(name, []) if "." not in name else []
    path = dotted(values[0]) if len(values) == 1 and isinstance(values[0], ast.Attribute) else None
    return path if path and path.count(".") == 1 and not path.startswith("self.") else name


def _twice_given(ctx: Context, ctors: list[tuple[str, ast.Call]]) -> None:
    """Parameters handed to optimizers twice: two groups of one constructor, or one name of
    parameters passed to two calls of an optimizer builder (param_groups.py)."""
    for target, ctor in ctors:
        if pair := overlapping_groups(ctx, ctor):
            ctx.report(PARTIAL_OPT, ctor, f"two parameter groups of `{target}` hold `{pair[1]}` (one holds all of "
                       f"`{pair[0]}`): building it raises (parameters in more than one group) or, with a "
                       "custom optimizer, updates them twice")  # fmt: skip
        elif both := doubly_grouped(ctx, ctor):
            ctx.report(PARTIAL_OPT, ctor, f"the name tests of two parameter groups of `{target}` both take "
                       f"`{both[0]}.{both[1]}`: building it raises (parameters in more than one group) or, "
                       "with a custom optimizer, updates it twice")  # fmt: skip
        elif not (ctx.frozen or frozen_elsewhere(ctx) or writes_requires_grad(ctx)) and (left := ungrouped(ctx, ctor)):
            ctx.report(PARTIAL_OPT, ctor, f"no parameter group of `{target}` takes `{left[0]}.{left[1]}` (each "
                       "group's name test refuses it), and it is not frozen: it gets gradients and never changes")  # fmt: skip
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
    if not found or may_freeze(ctx) or frozen_elsewhere(ctx):
        return
    model, kept = found
    if any(last(callee(c)) == last(model) for c in ctx.calls):  # `model(**inputs)`: it runs whole
        ctx.report(PARTIAL_OPT, ctor, f"`{target}` gets only the parameters of `{model}` {kept}, and "
                   "nothing freezes the rest: their gradients are computed and never applied")  # fmt: skip


def _routed_by_name(ctx: Context) -> None:
    """A loop routes parameters by name into optimizer lists and some trained sub-module of the
    model matches no branch (param_routes.py)."""
    if ctx.frozen or frozen_elsewhere(ctx) or writes_requires_grad(ctx):
        return  # a freeze by name may be what keeps the left-out parameters still
    for loop, model, attrs in unrouted_parameters(ctx, _optimizer_ctor):
        parts = ", ".join(f"`{model}.{a}`" for a in attrs)
        ctx.report(PARTIAL_OPT, loop, f"no branch of this loop over `{model}.named_parameters()` takes the "
                   f"parameters of {parts}: they are in no optimizer's list, get gradients and never change")  # fmt: skip
    for loop, model, attrs in skipped_parameters(ctx, _optimizer_ctor):
        parts = ", ".join(f"`{model}.{a}`" for a in attrs)
        ctx.report(PARTIAL_OPT, loop, f"this loop over `{model}.named_parameters()` skips the parameters of "
                   f"{parts} before filling the optimizer's lists, and nothing freezes them: they get gradients "
                   "and never change")  # fmt: skip


def _groups_leave_out(ctx: Context, ctor: tuple[str, ast.Call] | None) -> None:
    """The file's one optimizer has a group per sub-module of a model class of this file, and a
    trainable sub-module the class runs with gradients has none (param_groups.py)."""
    if frozen_elsewhere(ctx):
        return
    for target, call, at in [ctor + (ctor[1],)] if ctor else _built_calls(ctx):
        found = listed_submodules(ctx, call)
        cls_name = instance_class(ctx, found[0], at) if found else None
        cls = next((c for c in ctx.classes if c.name == cls_name), None)
        missing = unlisted_trainable(ctx, cls, found[1]) if cls is not None and found else []
        if missing:
            ctx.report(PARTIAL_OPT, at, f"`{target}` is given the parameters of {', '.join(sorted(found[1]))} of "
                       f"`{found[0]}` but not `{missing[0]}`, which trains with gradients and is not frozen: "
                       "it never changes")  # fmt: skip
        elif (parts := listed_parts(ctx, call, 1 if found else 2)) and (gone := left_out(ctx, parts, at)):  # a module handed in, too
            listed = ", ".join(f"`{r}`" if a is None else ", ".join(f"`{r}.{x}`" for x in sorted(a)) for r, a in parts.items())
            ctx.report(PARTIAL_OPT, at, f"`{target}` is given the parameters of {listed} but not `{gone[0]}`, "
                       "which runs with gradients in its model and is in no other listed part: it never changes")  # fmt: skip


def _built_calls(ctx: Context) -> list[tuple[str, ast.Call, ast.Call]]:
    """`optimizer = build_optimizer(model, CFG)`: (the name, the builder's optimizer constructor
    with its parameters and local group list replaced by the caller's, the call)."""
    out = []
    for target, values in ctx.values.items():
        for v in values if ctx.is_optimizer(target) else ():
            fn = functions(ctx).get(callee(v)) if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) else None
            if fn is None:
                continue
            local = {n.targets[0].id: n.value for n in walk_scope(fn) if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)}
            sub = Substitute(dict(given_args(fn, v)))
            for r in walk_scope(fn):
                if isinstance(r, ast.Return) and isinstance(r.value, ast.Call) and _optimizer_ctor(r.value) and r.value.args:
                    first = r.value.args[0]
                    first = local.get(first.id, first) if isinstance(first, ast.Name) else first
                    out.append((target, ast.Call(func=r.value.func, args=[sub.visit(copy.deepcopy(first))], keywords=[]), v))
    return out


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
            given = dict(given_args(t.fn, v)) if isinstance(t.fn, ast.FunctionDef) else {}
            for r in walk_scope(t.fn):
                if isinstance(r, ast.Return) and isinstance(r.value, ast.Call) and _optimizer_ctor(r.value):
                    if _untaken(ctx, r, t.fn, given, ctx.scope_of(v)):
                        continue
                    chosen = _flag_branch(ctx, r.value, t.fn, given, ctx.scope_of(v))
                    models = ctx.models_in(chosen or r.value) | appended(ctx, t.fn, chosen or r.value) or selected_models(ctx, chosen or r.value)
                    models = {k for m in models if (k := t.rename(m))}
                    out.append((target, r.value, models))
    return out


def _one_return_models(ctx: Context, ctor: ast.Call) -> set[str]:
    """`Adam(self.net.actor_parameters())` where the method (of a class of this file) has one
    `return`, of `list(self.trunk.parameters()) + ...`: the models it names, as the caller
    names them. A helper with several returns may pick one by its argument, and one that
    filters the whole object's parameters splits it by name: neither is read here."""
    first = ctor.args[0] if ctor.args else None
    if not (isinstance(first, ast.Call) and may_resolve(ctx, first)) or (t := resolve(ctx, first)) is None:
        return set()
    rets = [r.value for r in walk_scope(t.fn) if isinstance(r, ast.Return)]
    if len(rets) != 1 or rets[0] is None or any(isinstance(n, ast.comprehension) and n.ifs for n in walk(rets[0])):
        return set()  # a filter (`if "trunk" not in name`) splits what the names alone do not
    return {k for m in ctx.models_in(rets[0]) if m != "self" and (k := t.rename(m))}


def _flag_branch(ctx: Context, ctor: ast.Call, scope: ast.AST, given: dict[str, ast.expr], caller: ast.AST | None = None) -> ast.AST | None:
    """`params = model.head.parameters() if cfg["head_only"] else model.parameters()` (bound in
    `scope`, or given inline; or bound in both branches of an `if` statement) where the caller's
    configuration decides the flag: the parameters it takes. None when there is no such choice
    or the flag is not a literal setting: the models of both branches then count, as before."""
    first = ctor.args[0] if ctor.args else next((k.value for k in ctor.keywords if k.arg == "params"), None)
    if isinstance(first, ast.Name):
        bound = ctx.assigns_in(scope).get(first.id, [])
        up = ctx.parent.get(bound[0]) if len(bound) == 2 else None
        if isinstance(up, ast.If) and {id(s) for s in bound} == {id(up.body[-1]), id(up.orelse[-1] if up.orelse else None)}:
            flag = _flag(ctx, up.test, given, caller)
            return None if flag is None else (up.body if flag else up.orelse)[-1].value  # type: ignore[attr-defined]
        first = bound[0].value if len(bound) == 1 else None  # type: ignore[attr-defined]
    if not isinstance(first, ast.IfExp) or (flag := _flag(ctx, first.test, given, caller)) is None:
        return None
    return first.body if flag else first.orelse


def _flag(ctx: Context, test: ast.expr, given: dict[str, ast.expr], caller: ast.AST | None = None) -> bool | None:
    """The truth of a test that is a literal setting once the caller's arguments stand in for
    the parameters (`cfg["head_only"]`, `args.probe`), or a mode compared with a literal read
    back in the caller's scope `caller` (config_branches.py); None when unknown."""
    written = test
    test = Substitute(given).visit(copy.deepcopy(test))
    value = setting(ctx, test)
    if isinstance(value, ast.Constant) and isinstance(value.value, (bool, int)):
        return bool(value.value)
    # `cfg["scope"] == "head"` with `cfg` the caller's parameter, given a dict literal by its callers
    found = decide_truth(ctx, test, caller or ctx.tree)
    # else the shared evaluator, on the test as written: the same for every call the file makes
    return found if found is not None else truth(ctx, written)


def _untaken(ctx: Context, node: ast.AST, fn: ast.AST, given: dict[str, ast.expr], caller: ast.AST | None = None) -> bool:
    """`node` (a return of a builder) cannot run for this call: it sits on the side of an `if`
    the configuration rules out, or after an `if` the configuration takes and that returns."""
    child = node
    for a in ctx.ancestors(node):
        if isinstance(a, ast.If) and (flag := _flag(ctx, a.test, given, caller)) is not None:
            if (child in a.body and not flag) or (child in a.orelse and flag):
                return True
        body = a.body if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.If, ast.For, ast.While, ast.With)) else []
        if child in body:
            for stmt in body[: body.index(child)]:  # type: ignore[arg-type]
                if isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], ast.Return) and _flag(ctx, stmt.test, given, caller):
                    return True
        if a is fn:
            return False
        child = a
    return False


def _optimizer_ctor(call: ast.Call) -> bool:
    name = callee(call)
    return last(name) in OPTIMIZER_CLASSES or name.startswith(("torch.optim.", "optim.")) and last(name)[:1].isupper()


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
            m1, m2 = ctx.models_in(v1) or _one_return_models(ctx, v1), ctx.models_in(v2) or _one_return_models(ctx, v2)
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
