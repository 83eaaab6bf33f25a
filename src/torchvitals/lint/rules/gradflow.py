"""TVL001, TVL002: a trained model cut out of the loss by `no_grad` or by `.detach()`/`.item()`.

The data flow (cutflow.py) says which models reach the backpropagated loss live and which only
through a cut (a `no_grad` block, `.detach()`, `.data`, `.item()`, `.numpy()`, `torch.tensor(x)`).
A model that the optimizer updates and that reaches the loss only through a cut gets no gradient. A model that also reaches
the loss live (stop-gradient tricks, GAN discriminator steps, RL baselines) is fine.
"""

from __future__ import annotations

import ast
import bisect

from torchvitals.lint.calls import FUNCS, Target, effects, resolve
from torchvitals.lint.ctor_attrs import with_ctor_attrs
from torchvitals.lint.engine import Context, callee, dotted, last, method, walk_scope
from torchvitals.lint.rules.cutflow import CUT_FUNCS, Flow, frozen, match, scope_flow
from torchvitals.lint.rules.optimizers import _built_optimizers as built_optimizers
from torchvitals.lint.rules.stored_flow import stored_on_objects
from torchvitals.lint.rules.tensor_facts import WRAPPERS as MODULE_WRAPPERS
from torchvitals.lint.syntax import NOGRAD_CALLS
from torchvitals.rules.base import document

NO_GRAD = document(
    "TVL001",
    "no-grad-forward",
    what="A forward pass (or the loss) of a model that the optimizer trains is computed under "
    "`torch.no_grad()` or `torch.inference_mode()` in a training step, and its output feeds the "
    "loss that is backpropagated.",
    why="Nothing computed under `no_grad` is recorded for autograd: the model's parameters get no "
    "gradient and never change, while the rest of the network trains and the loss still goes "
    "down. Users have lost days to a `no_grad` around a sub-model's call.",
    example="with torch.no_grad():\n    prompt = encoder(tokens)   # encoder is in the optimizer\n"
    "loss = criterion(head(prompt), y)\nloss.backward()",
    fix="Move the forward pass out of the `no_grad` block. If the sub-model is meant to be frozen, "
    "freeze it explicitly (`encoder.requires_grad_(False)`) and leave it out of the optimizer.",
)

DETACHED = document(
    "TVL002",
    "detached-loss-input",
    what="`.detach()`, `.data`, `.item()`, `.numpy()` or `torch.tensor(...)` is applied to a model "
    "output that then feeds the backpropagated loss, and the model reaches the loss by no other "
    "path.",
    why="Each of these returns a value outside the autograd graph. The loss is computed and "
    "logged as usual, but the model it came from receives no gradient and does not learn.",
    example="logits = model(x)\nloss = criterion(logits.detach(), y)\nloss.backward()",
    fix="Feed the tensor itself to the loss; use `.detach()`/`.item()` only for logging and metrics.",
)


def check(ctx: Context) -> None:
    scopes: dict[ast.AST, list[ast.Call]] = {}
    for call in ctx.backwards:
        scopes.setdefault(ctx.scope_of(call), []).append(call)
    for cls in ctx.classes:  # Lightning's training_step, a Trainer's compute_loss: backward is implicit
        for fn in cls.body:
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and _returns_backpropagated(ctx, cls, fn):
                scopes.setdefault(fn, [])
    reported: set[tuple[str, int]] = set()
    live_somewhere: set[str] = set()
    for scope, backwards in scopes.items():
        live_somewhere |= _check_scope(ctx, scope, backwards, reported)
    for scope, backwards in scopes.items():
        if backwards and isinstance(scope, FUNCS):
            _check_given(ctx, scope, backwards, reported, live_somewhere)


def _trained_models(ctx: Context, scope: ast.AST) -> set[str]:
    models: set[str] = set()
    for ms in optimizer_models(ctx).values():
        models |= ms
    if not models:  # no optimizer built in this file: the conventional names
        models = {"model", "net", "network"} | ctx.trained
        if _is_training_step(scope):
            models.add("self")
    return _aliases(models, ctx)


def optimizer_models(ctx: Context) -> dict[str, set[str]]:
    """The models each optimizer of the file updates: built in place (`ctx.optimizers`), or
    by a builder of this file (`optimizer = build_optimizer(backbone, head, cfg)` returning
    `AdamW([{"params": backbone.parameters()}, ...])`), as the caller names them. A builder
    whose models are not read leaves its optimizer unknown, as before."""
    hit = ctx.memo.get("gradflow_optimizers")
    if hit is None:
        hit = {k: set(v) for k, v in ctx.optimizers.items()}
        for target, _, models in built_optimizers(ctx):
            if models:
                hit.setdefault(target, set()).update(models)
        ctx.memo["gradflow_optimizers"] = hit
    return hit


def _aliases(models: set[str], ctx: Context | None = None) -> set[str]:
    """`self.net = net` in __init__: the optimizer may name either. With `ctx`, also a name
    that only ever holds one of them, wrapped or not (`model = torch.compile(net)`,
    `ddp = DistributedDataParallel(net)`, `model = net`): its calls run the trained model."""
    if ctx is not None and models:
        models = models | {alias for alias, m in _wrappers(ctx).items() if match(m, models)}
    return models | {f"self.{m}" for m in models if "." not in m} | {m[5:] for m in models if m.startswith("self.")}


WRAPPERS = MODULE_WRAPPERS | {"DDP", "FullyShardedDataParallel", "FSDP"}


def _wrappers(ctx: Context) -> dict[str, str]:
    """Names whose every value in the file is one model, as it is or in a wrapper that runs
    it (WRAPPERS, `.to(device)` after either): name -> the model's name. Memoised."""
    hit = ctx.memo.get("gradflow_wrappers")
    if hit is None:
        hit = {}
        for name, values in ctx.values.items():
            held = {_wrapped(v) for v in values}
            if len(held) == 1 and (m := held.pop()) and m != name:
                hit[name] = m
        ctx.memo["gradflow_wrappers"] = hit
    return hit


def _wrapped(v: ast.AST) -> str | None:
    while isinstance(v, ast.Call) and method(v) in ("to", "cuda") and isinstance(v.func, ast.Attribute):
        v = v.func.value
    if isinstance(v, ast.Call) and last(callee(v)) in WRAPPERS and v.args:
        v = v.args[0]
    return dotted(v) if isinstance(v, (ast.Name, ast.Attribute)) else None


def _is_training_step(scope: ast.AST) -> bool:
    return isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and scope.name == "training_step"


def _returns_backpropagated(ctx: Context, cls: ast.ClassDef, fn: ast.AST) -> bool:
    """A method whose return value the framework backpropagates: Lightning's `training_step`,
    or `compute_loss` of a subclass of a trainer from outside this file (Hugging Face's
    `Trainer`, `Seq2SeqTrainer`, TRL's: their training step calls it and backpropagates its loss)."""
    if _is_training_step(fn):
        return True
    if getattr(fn, "name", "") != "compute_loss":
        return False
    local = {c.name for c in ctx.classes}
    return any(last(d).endswith("Trainer") and d not in local for b in cls.bases if (d := dotted(b)))


def _returned_loss(value: ast.expr) -> list[ast.expr]:
    """The loss in what such a method returns: `loss`, the first of `(loss, outputs)`, the
    `"loss"` entry of a dict, each branch of `a if c else b`; the outputs returned beside the
    loss (for logging, metrics) are not backpropagated."""
    if isinstance(value, ast.IfExp):
        return [*_returned_loss(value.body), *_returned_loss(value.orelse)]
    if isinstance(value, ast.Tuple) and value.elts and not isinstance(value.elts[0], ast.Starred):
        return _returned_loss(value.elts[0])
    if isinstance(value, ast.Dict):
        found = [v for k, v in zip(value.keys, value.values, strict=False) if isinstance(k, ast.Constant) and k.value == "loss"]
        return found or [value]
    return [value]


def _lightning_optimizer(ctx: Context, scope: ast.AST) -> set[str]:
    """Models of the optimizer built in the sibling `configure_optimizers` (Lightning)."""
    cls = ctx.parent.get(scope)
    if not isinstance(cls, ast.ClassDef):
        return set()
    out: set[str] = set()
    for fn in cls.body:
        if isinstance(fn, ast.FunctionDef) and fn.name == "configure_optimizers":
            for n in walk_scope(fn):
                if isinstance(n, ast.Call) and ctx.models_in(n) and method(n) not in ("parameters", "named_parameters"):
                    out |= ctx.models_in(n)
    return out


def _under_any(name: str, roots: set[str]) -> bool:
    """`name` is one of `roots` or an attribute path below one (`enc.layer` under `enc`), or one
    of `roots` is a part of `name` (`agent.actor` live: `agent` as a whole does get gradients). A
    lookup per prefix, so a scope with many losses does not compare every pair."""
    parts = name.split(".")
    return any(".".join(parts[:k]) in roots for k in range(1, len(parts) + 1)) or name in _prefixes(roots)


def _prefixes(names: set[str]) -> set[str]:
    return {".".join(parts[:k]) for n in names if "." in n for parts in [n.split(".")] for k in range(1, len(parts))}


def _check_scope(ctx: Context, scope: ast.AST, backwards: list[ast.Call], reported: set) -> set[str]:
    """Judges the losses of one scope; returns the models that reach one of them live."""
    models = _trained_models(ctx, scope)
    models |= _ctor_models(ctx, scope, models)
    flow = scope_flow(ctx, scope, models)

    losses: list[tuple[ast.AST, ast.AST, str | None]] = []  # (loss expr, anchor, optimizer)
    for call in backwards:
        expr = ctx.loss_expr(call)
        if expr is not None:
            losses.append((expr, call, _paired_step(ctx, scope, call)))
    cls = ctx.parent.get(scope)
    implicit = isinstance(cls, ast.ClassDef) and _returns_backpropagated(ctx, cls, scope)
    if implicit and not backwards and not effects(ctx, scope).backward:
        # Lightning's automatic optimization backpropagates what training_step returns (a
        # Trainer what compute_loss returns). One that calls backward itself, or through a
        # helper of the file (manual optimization, Hugging Face's Trainer, a shared step),
        # returns the loss for logging, usually detached: not a loss to judge.
        for n in walk_scope(scope):
            if isinstance(n, ast.Return) and n.value is not None:
                losses += [(v, n, None) for v in _returned_loss(n.value)]

    reached = [(flow.reach(f"<loss@{id(anchor)}>", expr, getattr(anchor, "lineno", 0)), anchor, opt) for expr, anchor, opt in losses]
    # A model that reaches another backpropagated loss of this scope live learns from that one:
    # its output detached for this loss is a stop-gradient (a GAN's `fake.detach()` for the
    # discriminator, SAC's `log_pi.detach()` for the temperature), not a cut model.
    live_any = set().union(*(lv for (lv, _), _, _ in reached)) if backwards else set()
    for (live_l, dead_l), anchor, opt in reached:
        relevant = _aliases(optimizer_models(ctx).get(opt or "", set()), ctx) or models
        lightning = _lightning_optimizer(ctx, scope) if _is_training_step(scope) else set()
        handed = _handed_optimizer(ctx, scope, opt) if opt and opt not in optimizer_models(ctx) else set()
        if lightning or handed:
            relevant = lightning or handed
        elif not opt or opt not in optimizer_models(ctx):
            # Unpaired backward: judge only when no trained model reaches the loss live.
            if any(match(m, relevant) for m in live_l):
                continue
        live_all = live_l | live_any
        for m, (code, node) in sorted(dead_l.items()):  # one message per cut, naming the same model every run
            if not match(m, relevant) or _under_any(m, live_all):
                continue
            _report(ctx, m, code, node, getattr(anchor, "lineno", 0), reported)
    return {m for (lv, _), _, _ in reached for m in lv}


def _report(ctx: Context, m: str, code: str, node: ast.AST, bline: int, reported: set, via: str = "") -> None:
    """One finding per cut: `via` says how the cut value reached the loss's function. A module
    the file freezes (`model.bert` by a `name.startswith("bert")` loop) is meant to get no
    gradient: running it under no_grad is the point, not a cut."""
    if match(m, frozen(ctx)):
        return
    line = getattr(node, "lineno", 0)
    if (code, line) in reported:
        return
    reported.add((code, line))
    if code == "TVL001":
        ctx.report(
            NO_GRAD, node,
            f"`{m}` runs under {_ctx_name(node)} and its output feeds the loss "
            f"backpropagated at line {bline}{via}: its parameters get no gradient",
            model=m, backward_line=bline,
        )  # fmt: skip
    else:
        ctx.report(
            DETACHED, node,
            f"`{_cut_name(node)}` cuts `{m}`'s output out of the graph before the loss "
            f"backpropagated at line {bline}{via}: `{m}` gets no gradient",
            model=m, backward_line=bline,
        )  # fmt: skip


def _check_given(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, backwards: list[ast.Call],
                 reported: set, live_somewhere: set[str]) -> None:  # fmt: skip
    """The loss's function is given the cut value from outside: by its callers (`fake =
    sample(G)` returning `G(z).detach()`, then `g_step(D, opt_g, fake)`; a rollout collected
    under `@no_grad()` handed to `update(policy, opt, rollout)`), or by another method of its
    class through `self` (`act()` under `@no_grad()` appending log-probabilities to
    `self.log_probs`, which `finish_episode()` stacks into the loss). A model live in one of the
    values is live. A cut model is judged only when the loss's optimizer is known (by name, or
    through what the callers pass for it) and trains it, and the model reaches no
    backpropagated loss of the file live."""
    sites = _call_sites(ctx, fn)
    sites = sites if len(sites) <= 4 else []
    given, via = _from_callers(ctx, fn, sites)
    owner = ctx.parent.get(fn)
    if isinstance(owner, (ast.ClassDef, ast.Module)):
        for name, (live, dead) in stored_on_objects(ctx, owner, _trained_models(ctx, fn)).items():
            given.setdefault(name, (set(), {}))
            given[name][0].update(live)
            for m, c in dead.items():
                given[name][1].setdefault(m, c)
                via.setdefault(m, f" (through `{name}`, filled by another function)")
    seeded = {m: via[m] for live, dead in given.values() for m in dead if m not in live}
    seeded.update(_given_live(ctx, fn, given, seeded))
    if not seeded:
        return
    flow = Flow(ctx, fn, _trained_models(ctx, fn), given=given)
    for call in backwards:
        expr = ctx.loss_expr(call)
        if expr is None:
            continue
        live_l, dead_l = flow.reach(f"<loss@{id(call)}>", expr, call.lineno)
        opt = _paired_step(ctx, fn, call)
        relevant = _optimized_by(ctx, opt, [t for _, t in sites]) if opt else set()
        live = live_l | live_somewhere | {k for _, t in sites for m in live_l if (k := t.rename(m))}
        for m, (code, node) in sorted(dead_l.items()):
            if m in seeded and match(m, relevant) and not _same_model(m, live, relevant):
                _report(ctx, m, code, node, call.lineno, reported, seeded[m])


def _given_live(ctx: Context, fn: ast.AST, given: dict, seeded: dict[str, str]) -> dict[str, str]:
    """Models whose output the callers hand in live (`ld, fake = d_step(...)` returning `G(z)`,
    then `g_step(D, fake, opt_g)`): the loss's function may cut them itself (`D(fake.detach())`,
    inline or in a helper it calls), so they are judged like the ones handed in cut. A model
    passed as itself (`g_step(D, ...)`) is the scope's own business, not a handed output."""
    params = {p.arg for p in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]} if isinstance(fn, FUNCS) else set()
    name = getattr(fn, "name", "")
    out: dict[str, str] = {}
    for p, (live, _) in given.items():
        if p not in params or match(p, _trained_models(ctx, fn)):
            continue
        for m in live:
            if m not in seeded and m != p:
                out.setdefault(m, f" (its output handed in live through the parameter `{p}` of `{name}()`)")
    return out


def _from_callers(ctx: Context, fn: ast.AST, sites: list[tuple[ast.Call, Target]]) -> tuple[dict, dict[str, str]]:
    """Each parameter's (live, cut) models, from what the calls of `fn` pass for it, and for
    each cut model the words saying how it came in."""
    given: dict[str, tuple[set[str], dict[str, tuple]]] = {}
    via: dict[str, str] = {}
    for call, t in sites:
        caller = ctx.scope_of(call)
        if caller is fn:
            continue  # a recursive call passes on what the function already has
        cflow = _scope_flow(ctx, caller)
        for p, expr in _passed(t, call):
            live, dead = cflow.reach(f"<arg@{id(call)}:{p}>", expr, call.lineno)
            g = given.setdefault(p, (set(), {}))
            g[0].update(live)
            if (d := dotted(expr)) and match(d, cflow.models):
                g[0].add(d)  # the model itself: whatever the function does with it may be live
            for m, c in dead.items():
                g[1].setdefault(m, c)
                via.setdefault(m, f" (through the parameter `{p}` of `{getattr(fn, 'name', '')}()`)")
    return given, via


def _call_sites(ctx: Context, fn: ast.AST) -> list[tuple[ast.Call, Target]]:
    """The calls of this file that run `fn` (by its name, resolved to it)."""
    name = getattr(fn, "name", "")
    out = []
    for c in ctx.calls:
        f = c.func
        if (f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "") != name:
            continue
        t = resolve(ctx, c)
        if t is not None and t.fn is fn:
            out.append((c, t))
    return out


def _scope_flow(ctx: Context, scope: ast.AST) -> Flow:
    """The data flow of a caller's scope, built once per scope."""
    return scope_flow(ctx, scope, _trained_models(ctx, scope))


def _passed(t: Target, call: ast.Call) -> list[tuple[str, ast.expr]]:
    """Each parameter of the called function and the expression this call passes for it."""
    a = t.fn.args
    names = [p.arg for p in [*a.posonlyargs, *a.args]]
    if t.self_key is not None and names[:1] in (["self"], ["cls"]):
        names = names[1:]
    out = []
    for name, v in zip(names, call.args, strict=False):
        if isinstance(v, ast.Starred):
            break
        out.append((name, v))
    return out + [(k.arg, k.value) for k in call.keywords if k.arg]


def _ctor_models(ctx: Context, scope: ast.AST, models: set[str]) -> set[str]:
    """`self.net` inside a method of `Fitter`, where every `Fitter(wrapper, opt)` running it
    (built in the caller's scope) stores a trained model as `self.net = net` in `__init__`."""
    out: set[str] = set()
    for c, t in _call_sites(ctx, scope) if isinstance(ctx.parent.get(scope), ast.ClassDef) else []:
        out |= {f"self.{attr}" for attr, given in with_ctor_attrs(ctx, t, c).attrs if match(given, models)}
    return out


def _handed_optimizer(ctx: Context, scope: ast.AST, opt: str) -> set[str]:
    """The models of `self.optimizer` stepped in a method, where every object running it is
    built in its caller's scope from an optimizer of this file (`trainer = Trainer(model, opt)`,
    `self.optimizer = optimizer` in `__init__`): that optimizer's models, as the method names
    them. Empty when any caller's object is built elsewhere or no optimizer is known."""
    sites = _call_sites(ctx, scope) if opt.startswith("self.") else []
    targets = [with_ctor_attrs(ctx, t, c) for c, t in sites]
    if not targets or any(not t.attrs for t in targets):
        return set()
    out = _optimized_by(ctx, opt, targets)
    return out | {f"self.{a}" for t in targets for a, given in t.attrs if match(given, out)}


def _optimized_by(ctx: Context, opt: str, targets: list[Target]) -> set[str]:
    """The models of the optimizer a function steps as `opt`: its own name for one of this file,
    or what the callers pass for it."""
    known = optimizer_models(ctx)
    out = set(known.get(opt, set()))
    for t in targets:
        out |= known.get(t.rename(opt) or "", set())
    return _aliases(out, ctx)


def _same_model(m: str, live: set[str], models: set[str]) -> bool:
    """`m` (or the model it belongs to) reaches a loss live: under a live name, or a live name is
    a part of the same trained model (`agent.act` cut, `agent.evaluate` live)."""
    roots = {r for r in models if match(m, {r})}
    return _under_any(m, live) or any(match(k, roots) for k in live)


def _paired_step(ctx: Context, scope: ast.AST, backward: ast.Call) -> str | None:
    """The optimizer stepped first after this backward in the same function (of steps on one
    line, the first walk_scope meets)."""
    lines, opts = _steps_in(ctx, scope)
    i = bisect.bisect_left(lines, backward.lineno)
    return opts[i] if i < len(lines) else None


def _steps_in(ctx: Context, scope: ast.AST) -> tuple[list[int], list[str]]:
    """The optimizer steps of a scope sorted by line (found once per scope, not per backward)."""
    memo = ctx.memo.setdefault("steps_in", {})
    hit = memo.get(id(scope))
    if hit is None or hit[0] is not scope:
        steps = []
        for i, n in enumerate(walk_scope(scope)):
            if isinstance(n, ast.Call):
                opt = ctx.optimizer_step(n)
                if opt:
                    steps.append((n.lineno, i, opt))
        steps.sort()
        hit = memo[id(scope)] = (scope, [s[0] for s in steps], [s[2] for s in steps])
    return hit[1], hit[2]


def _ctx_name(node: ast.AST) -> str:
    """How the message names the cut, in backticks: `@no_grad()`, `no_grad()`, or a context helper
    of this file that returns one."""
    if isinstance(node, ast.Call) and not isinstance(node.func, ast.Call):  # a decorator
        return "`@" + last(callee(node)) + "()`"
    if isinstance(node, ast.With) and isinstance(node.items[0].context_expr, ast.Call):
        name = last(callee(node.items[0].context_expr))
        return f"`{name}()`" if name in NOGRAD_CALLS or name == "set_grad_enabled" else f"`{name}()` (a helper returning `no_grad()`)"
    return "`no_grad()`"


def _cut_name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return ".data"
    if isinstance(node, ast.Call):
        m = method(node)
        return f".{m}()" if m and callee(node) not in CUT_FUNCS else f"{callee(node)}(...)"
    return "detach"
