"""TVL001, TVL002: a trained model cut out of the loss by `no_grad` or by `.detach()`/`.item()`.

Light data flow inside one function: every assignment says which models (by name) reach the
assigned name through live edges, and which only through a cut (a `no_grad` block, `.detach()`,
`.data`, `.item()`, `.numpy()`, `torch.tensor(x)`). A model that the optimizer updates and that
reaches the backpropagated loss only through a cut gets no gradient. A model that also reaches
the loss live (stop-gradient tricks, GAN discriminator steps, RL baselines) is fine.
"""

from __future__ import annotations

import ast
import bisect

from torchvitals.lint.calls import DEPTH, Target, resolve
from torchvitals.lint.engine import (
    NESTED,
    NOT_FORWARD,
    Context,
    callee,
    dotted,
    is_const,
    is_nograd_with,
    last,
    method,
    receiver,
    targets_of,
    walk_scope,
)
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

CUT_METHODS = {"detach", "detach_", "item", "numpy", "tolist"}
CUT_FUNCS = {"torch.tensor", "torch.as_tensor", "torch.from_numpy", "np.array", "numpy.array", "float"}


def check(ctx: Context) -> None:
    scopes: dict[ast.AST, list[ast.Call]] = {}
    for call in ctx.backwards:
        scopes.setdefault(ctx.scope_of(call), []).append(call)
    for cls in ctx.classes:  # Lightning: training_step returns the loss; backward is implicit
        for fn in cls.body:
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name == "training_step":
                scopes.setdefault(fn, [])
    reported: set[tuple[str, int]] = set()
    for scope, backwards in scopes.items():
        _check_scope(ctx, scope, backwards, reported)


def _trained_models(ctx: Context, scope: ast.AST) -> set[str]:
    models: set[str] = set()
    for ms in ctx.optimizers.values():
        models |= ms
    if not models:  # no optimizer built in this file: the conventional names
        models = {"model", "net", "network"} | ctx.trained
        if _is_training_step(scope):
            models.add("self")
    return _aliases(models)


def _aliases(models: set[str]) -> set[str]:
    """`self.net = net` in __init__: the optimizer may name either."""
    return models | {f"self.{m}" for m in models if "." not in m} | {m[5:] for m in models if m.startswith("self.")}


def _is_training_step(scope: ast.AST) -> bool:
    return isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and scope.name == "training_step"


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


def _match(key: str, names: set[str]) -> bool:
    return any(key == n or key.startswith(n + ".") for n in names)


def _model_call(ctx: Context, call: ast.Call, models: set[str]) -> str | None:
    m = method(call)
    if m in NOT_FORWARD:
        return None
    key = receiver(call) if m == "forward" else callee(call)
    if not key or _match(key, ctx.frozen) or not _match(key, models):
        return None
    return key


def _sources(ctx: Context, expr: ast.AST, models: set[str], cut: tuple | None, depth: int = 0) -> list[tuple]:
    """(kind, key, cut) for every model call and name that `expr` reads; cut is None when the
    path is live, else (code, node) of the first cut on it."""
    out: list[tuple] = []
    todo: list[tuple[ast.AST, tuple | None]] = [(expr, cut)]
    while todo:
        n, c = todo.pop()
        if isinstance(n, ast.Call):
            if method(n) in CUT_METHODS and isinstance(n.func, ast.Attribute):
                todo.append((n.func.value, c or ("TVL002", n)))
                continue
            if callee(n) in CUT_FUNCS:
                todo.extend((a, c or ("TVL002", n)) for a in n.args)
                continue
            target = resolve(ctx, n) if depth < DEPTH else None
            rets = _returns(ctx, target, models, depth + 1) if target is not None else []
            out += [("model", k, c or cc) for k, cc in rets]
            cuts = _arg_cuts(target, _raw_returns(ctx, target, models, depth + 1), n) if target is not None else {}
            key = None if rets else _model_call(ctx, n, models)
            if key:
                out.append(("model", key, c))
            todo.append((n.func, c))
            todo.extend((a, c or cuts.get(i)) for i, a in enumerate(n.args))
            todo.extend((k.value, c) for k in n.keywords)
        elif isinstance(n, ast.Attribute):
            if n.attr == "data" and isinstance(n.ctx, ast.Load):
                todo.append((n.value, c or ("TVL002", n)))
                continue
            key = dotted(n)
            if key:
                out.append(("name", key, c))
            todo.append((n.value, c))
        elif isinstance(n, ast.Name):
            out.append(("name", n.id, c))
        elif not isinstance(n, NESTED):
            todo.extend((ch, c) for ch in ast.iter_child_nodes(n))
    return out


def _nograd_block(ctx: Context, node: ast.AST) -> ast.AST | None:
    for a in ctx.ancestors(node):
        if is_nograd_with(a):
            return a
    return None


class Flow:
    """Which models reach which name in one scope, live or only through a cut: a fixed point
    over the scope's assignments (by name; a name re-bound by a cut of itself, `x =
    torch.tensor(x)` in the function's own body or a loop's, is a new name for the statements
    after it)."""

    def __init__(self, ctx: Context, scope: ast.AST, models: set[str], depth: int = 0, seeds: frozenset[str] = frozenset()) -> None:
        self.ctx, self.models, self.depth = ctx, models, depth
        self.live: dict[str, set[str]] = {p: {p} for p in seeds}  # a parameter holds itself
        self.dead: dict[str, dict[str, tuple]] = {}
        self.kills: dict[str, list[int]] = {}  # name -> lines where a cut of itself re-binds it
        flows = []
        for n in walk_scope(scope):
            if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr)) and n.value is not None:
                block = _nograd_block(ctx, n)
                cut = ("TVL001", block) if block is not None else None
                srcs = _sources(ctx, n.value, models, cut, depth)
                tgts = targets_of(n)
                # only a statement of the function's own body: one in a branch, a loop or a
                # `with` may not run, or runs beside another binding of the name
                if isinstance(n, ast.Assign) and len(tgts) == 1 and _unconditional(ctx, n, scope) and _cut_of(srcs, tgts[0]):
                    self.kills.setdefault(tgts[0], []).append(n.lineno)
                flows.append((n, tgts, srcs))
        for lines in self.kills.values():
            lines.sort()
        self.flows = [(self._names(tgts, n.lineno, True), self._renamed(srcs, n.lineno)) for n, tgts, srcs in flows]
        for _ in range(8):  # fixed point; chains in real code are short
            changed = False
            for tgts, srcs in self.flows:
                for t in tgts:
                    changed |= self.absorb(t, srcs)
            if not changed:
                break

    def _version(self, name: str, line: int, store: bool) -> str:
        lines = self.kills.get(name)
        if not lines:
            return name
        i = bisect.bisect_right(lines, line) if store else bisect.bisect_left(lines, line)
        return f"{name}@{lines[i - 1]}" if i else name

    def _names(self, names: list[str], line: int, store: bool) -> list[str]:
        return [self._version(t, line, store) for t in names]

    def _renamed(self, srcs: list[tuple], line: int) -> list[tuple]:
        if not self.kills:
            return srcs
        return [(k, self._version(key, line, False) if k == "name" else key, c) for k, key, c in srcs]

    def add(self, t: str, m: str, c: tuple | None) -> bool:
        if c is None:
            if m in self.live.setdefault(t, set()):
                return False
            self.live[t].add(m)
            return True
        if m in self.dead.setdefault(t, {}):
            return False
        self.dead[t][m] = c
        return True

    def absorb(self, t: str, srcs: list[tuple]) -> bool:
        changed = False
        for kind, key, c in srcs:
            if kind == "model":
                changed |= self.add(t, key, c)
                continue
            for m in list(self.live.get(key, ())):
                changed |= self.add(t, m, c)
            for m, cc in list(self.dead.get(key, {}).items()):
                changed |= self.add(t, m, cc)
        return changed

    def reach(self, key: str, expr: ast.AST, line: int, cut: tuple | None = None) -> tuple[set[str], dict[str, tuple]]:
        """(models reaching `expr` live, models reaching it only through a cut), as `key`."""
        self.absorb(key, self._renamed(_sources(self.ctx, expr, self.models, cut, self.depth), line))
        return self.live.get(key, set()), self.dead.get(key, {})


def _unconditional(ctx: Context, stmt: ast.stmt, scope: ast.AST) -> bool:
    """A statement of the function's own body, or of a loop's body in it (every iteration runs
    it before the statements after it); not one in a branch, a `with`, a `try` or an else."""
    node: ast.AST = stmt
    while (par := ctx.parent.get(node)) is not scope:
        if not (isinstance(par, (ast.For, ast.AsyncFor, ast.While)) and node in par.body):
            return False
        node = par
    return True


def _cut_of(srcs: list[tuple], name: str) -> bool:
    """`x = torch.tensor(x, requires_grad=True)`, `x = x.detach()`: every source of the new
    value is cut, and the old value of the name is one of them."""
    return bool(srcs) and all(c is not None for _, _, c in srcs) and any(k == "name" and key == name for k, key, _ in srcs)


def _raw_returns(ctx: Context, t: Target, models: set[str], depth: int) -> list[tuple[str, tuple | None]]:
    """The models reaching what a resolved function returns, as the caller names them, each
    with the cut on its way (None: live). `self.x` and the parameters are models inside it."""
    memo = ctx.memo.setdefault("gradflow_returns", {})
    params = {p.arg for p in [*t.fn.args.posonlyargs, *t.fn.args.args]}
    inner = frozenset({"self", *params, *models})
    key = (id(t.fn), inner)
    hit = memo.get(key)
    if hit is None or hit[0] is not t.fn:
        memo[key] = (t.fn, [])  # recursion sees nothing
        flow = Flow(ctx, t.fn, set(inner), depth, frozenset(params - {"self"}))
        live: set[str] = set()
        dead: dict[str, tuple] = {}
        deco = _nograd_decorator(t.fn)
        for n in walk_scope(t.fn):
            if isinstance(n, ast.Return) and n.value is not None:
                block = deco or _nograd_block(ctx, n)
                lv, dd = flow.reach("<return>", n.value, n.lineno, ("TVL001", block) if block is not None else None)
                live |= lv
                dead.update(dd)
        raw = [(m, None) for m in sorted(live)] + [(m, c) for m, c in dead.items() if m not in live]
        hit = memo[key] = (t.fn, raw)
    return hit[1]


def _returns(ctx: Context, t: Target, models: set[str], depth: int) -> list[tuple[str, tuple | None]]:
    return [(k, c) for m, c in _raw_returns(ctx, t, models, depth) if (k := t.rename(m)) and k != "self"]


def _arg_cuts(t: Target, raw: list[tuple[str, tuple | None]], call: ast.Call) -> dict[int, tuple]:
    """Arguments (by position in call.args) bound to a parameter that reaches the function's return only through a cut: `dice_loss(model(x), y)` whose
    body returns `torch.tensor(f(logits.detach().numpy()))`."""
    a = t.fn.args
    names = [p.arg for p in [*a.posonlyargs, *a.args]]
    if t.self_key is not None and names[:1] == ["self"]:
        names = names[1:]
    live = {m for m, c in raw if c is None}
    dead = {m: c for m, c in raw if c is not None and m not in live}
    return {i: dead[names[i]] for i, v in enumerate(call.args)
            if i < len(names) and names[i] in dead and not isinstance(v, ast.Starred)}  # fmt: skip


def _nograd_decorator(fn: ast.AST) -> ast.AST | None:
    """`@torch.no_grad()` / `@torch.inference_mode()` on the function: all of it runs without a graph."""
    for d in getattr(fn, "decorator_list", []):
        name = last(callee(d) if isinstance(d, ast.Call) else dotted(d))
        if name in ("no_grad", "inference_mode") and not (isinstance(d, ast.Call) and d.args and not is_const(d.args[0], True)):
            return d
    return None


def _under_any(name: str, roots: set[str]) -> bool:
    """`name` is one of `roots` or an attribute path below one (`enc.layer` under `enc`): a
    lookup per prefix, so a scope with many losses does not compare every pair."""
    parts = name.split(".")
    return any(".".join(parts[:k]) in roots for k in range(1, len(parts) + 1))


def _check_scope(ctx: Context, scope: ast.AST, backwards: list[ast.Call], reported: set) -> None:
    models = _trained_models(ctx, scope)
    flow = Flow(ctx, scope, models)

    losses: list[tuple[ast.AST, ast.AST, str | None]] = []  # (loss expr, anchor, optimizer)
    for call in backwards:
        expr = ctx.loss_expr(call)
        if expr is not None:
            losses.append((expr, call, _paired_step(ctx, scope, call)))
    if _is_training_step(scope) and not backwards:
        # Lightning's automatic optimization backpropagates what training_step returns. A
        # training_step that calls backward itself (manual optimization, Hugging Face's
        # Trainer) returns the loss for logging, usually detached: not a loss to judge.
        for n in walk_scope(scope):
            if isinstance(n, ast.Return) and n.value is not None:
                losses.append((n.value, n, None))

    reached = [(flow.reach(f"<loss@{id(anchor)}>", expr, getattr(anchor, "lineno", 0)), anchor, opt) for expr, anchor, opt in losses]
    # A model that reaches another backpropagated loss of this scope live learns from that one:
    # its output detached for this loss is a stop-gradient (a GAN's `fake.detach()` for the
    # discriminator, SAC's `log_pi.detach()` for the temperature), not a cut model.
    live_any = set().union(*(lv for (lv, _), _, _ in reached)) if backwards else set()
    for (live_l, dead_l), anchor, opt in reached:
        relevant = _aliases(ctx.optimizers.get(opt or "", set())) or models
        lightning = _lightning_optimizer(ctx, scope) if _is_training_step(scope) else set()
        if lightning:
            relevant = lightning
        elif not opt or opt not in ctx.optimizers:
            # Unpaired backward: judge only when no trained model reaches the loss live.
            if any(_match(m, relevant) for m in live_l):
                continue
        live_all = live_l | live_any
        for m, (code, node) in dead_l.items():
            if not _match(m, relevant) or _under_any(m, live_all):
                continue
            line = getattr(node, "lineno", 0)
            if (code, line) in reported:
                continue
            reported.add((code, line))
            bline = getattr(anchor, "lineno", 0)
            if code == "TVL001":
                ctx.report(
                    NO_GRAD, node,
                    f"`{m}` runs under `{_ctx_name(node)}` and its output feeds the loss "
                    f"backpropagated at line {bline}: its parameters get no gradient",
                    model=m, backward_line=bline,
                )  # fmt: skip
            else:
                what = _cut_name(node)
                ctx.report(
                    DETACHED, node,
                    f"`{what}` cuts `{m}`'s output out of the graph before the loss "
                    f"backpropagated at line {bline}: `{m}` gets no gradient",
                    model=m, backward_line=bline,
                )  # fmt: skip


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
    if isinstance(node, ast.Call) and not isinstance(node.func, ast.Call):  # a decorator
        return "@" + last(callee(node)) + "()"
    if isinstance(node, ast.With) and isinstance(node.items[0].context_expr, ast.Call):
        return last(callee(node.items[0].context_expr)) + "()"
    return "no_grad()"


def _cut_name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return ".data"
    if isinstance(node, ast.Call):
        m = method(node)
        return f".{m}()" if m and callee(node) not in CUT_FUNCS else f"{callee(node)}(...)"
    return "detach"
