"""The data flow behind TVL001/TVL002: which models reach a name live, and which only through a cut.

Inside one function every assignment says which models (by name) reach the assigned name through
live edges, and which only through a cut (a `no_grad` block, `.detach()`, `.data`, `.item()`,
`.numpy()`, `torch.tensor(x)`), each with the node of its first cut. Calls to functions of this
file are followed into what they return (DEPTH deep, memoised), at the element the caller reads
(`loss, logs = step(b)`, `step(b)["loss"]`); a statement that stores values into an object
(`buf.append(logp)`, `rollout.add(logp, r)`) makes the object reach them. A name read takes the
one definition that reaches it when flow.reaching shows one, else every binding of the name.
What the methods of a class store on `self` for another method is in stored_flow.py.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator

from torchvitals.lint.calls import DEPTH, Target, resolve
from torchvitals.lint.ctor_attrs import with_ctor_attrs
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
from torchvitals.lint.rules.config_branches import decide_truth, returns_no_grad
from torchvitals.lint.rules.cut_syntax import (
    Pick,
    comprehension_links,
    const_key,
    definitions,
    picked,
    unpacked,
)
from torchvitals.lint.rules.flow import COMPREHENSIONS, Bound, bounds_at, reaching
from torchvitals.lint.rules.frozen_parts import frozen
from torchvitals.lint.rules.weight_penalty import REDUCTIONS, weight_penalty, weight_term
from torchvitals.lint.syntax import positional

CUT_METHODS = {"detach", "detach_", "item", "numpy", "tolist"}
CUT_FUNCS = {"torch.tensor", "torch.as_tensor", "torch.from_numpy", "np.array", "numpy.array", "float"}

# Reads of a tensor that give numbers about it, never its values: no gradient flows through them.
SIZE_METHODS = {"size", "dim", "numel", "ndimension", "nelement", "get_device"}
SIZE_ATTRS = {"shape", "ndim", "device", "dtype", "is_cuda", "requires_grad"}


def match(key: str, names: set[str]) -> bool:
    return any(key == n or key.startswith(n + ".") for n in names)


# Methods of a list, dict or deque: `self.buffer.pop()` on a module that keeps its transitions
# in a list is no forward pass of the module.
CONTAINER_METHODS = {"pop", "popleft", "get", "items", "keys", "values", "copy", "clear", "index", "count"}


def _model_call(ctx: Context, call: ast.Call, models: set[str]) -> str | None:
    m = method(call)
    if m in NOT_FORWARD or (m in CONTAINER_METHODS and (receiver(call) or "") not in models):
        return None
    key = receiver(call) if m == "forward" else callee(call)
    if not key or match(key, frozen(ctx)) or not match(key, models) or _through_data(key, models):
        return None
    return key


def _through_data(key: str, models: set[str]) -> bool:
    """`emb.data.norm(dim=1)`: a method of a tensor's `.data` runs on values already out of the
    graph, no forward of what `emb` holds (the `.data` read itself carries the cut). A model
    held under that name (`self.data`) is one."""
    parts = key.split(".")
    return any(p == "data" and ".".join(parts[: i + 1]) not in models for i, p in enumerate(parts[1:-1], 1))


def _sources(
    ctx: Context, expr: ast.AST, models: set[str], cut: tuple | None, depth: int = 0,
    pick: Pick = None, flow: Flow | None = None,
) -> list[tuple]:  # fmt: skip
    """(kind, key, cut) for every model call and name that `expr` reads; cut is None when the
    path is live, else (code, node) of the first cut on it. `pick`: only that element of what
    `expr` (a call) returns is read (`loss, logs = step(batch)` binds `loss` to the first).
    `flow`, the scope's Flow, says which definition a read name takes, and which parameters
    (a helper's, `flow.seeds`) hold the whole model they are given: reading an attribute of one
    (`model.logit_scale`, `model.head(x)`) reaches that part of it, not all of it."""
    holders = flow.seeds if flow is not None else frozenset()
    links: dict[int, ast.expr] = {}  # a comprehension's variable read -> what it iterates over
    out: list[tuple] = []
    todo: list[tuple[ast.AST, tuple | None, Pick]] = [(expr, cut, pick)]
    while todo:
        n, c, p = todo.pop()
        if isinstance(n, ast.Subscript) and (k := const_key(n.slice)) is not None:
            if isinstance(n.value, ast.Call):
                todo.append((n.value, c, k))  # `step(batch)[0]`, `step(batch)["loss"]`
                continue
            if flow is not None and isinstance(n.value, ast.Name) and (found := flow.element(n.value, k)) is not None:
                out += [(kind, key, outer(c, cc)) for kind, key, cc in found]  # `out = step(batch)`, then `out["loss"]`
                continue
        if isinstance(n, ast.Call) and (callee(n) == "len" or method(n) in SIZE_METHODS):
            continue  # `len(outs)`, `x.size(0)`: a number about the tensor, no gradient
        if isinstance(n, ast.Attribute) and n.attr in SIZE_ATTRS and isinstance(n.ctx, ast.Load):
            continue
        if isinstance(n, ast.Call):
            if (method(n) in REDUCTIONS or callee(n) == "sum") and weight_term(ctx, n):
                continue  # `lam * sum(p.pow(2).sum() for p in net.parameters())`: no forward of the model
            if method(n) in CUT_METHODS and isinstance(n.func, ast.Attribute):
                todo.append((n.func.value, outer(c, ("TVL002", n)), None))
                continue
            if callee(n) in CUT_FUNCS:
                todo.extend((a, outer(c, ("TVL002", n)), None) for a in n.args)
                continue
            counts = _length_args(ctx, n)
            if counts:  # `ctc(log_probs, targets, out_lens, tgt_lens)`: the lengths carry no gradient
                todo.append((n.func, c, None))
                todo.extend((a, c, None) for i, a in enumerate(n.args) if i not in counts)
                todo.extend((k.value, c, None) for k in n.keywords if k.arg not in LENGTH_KWARGS)
                continue
            target = resolve(ctx, n) if depth < DEPTH else None
            if target is not None and weight_penalty(ctx, target.fn):
                continue  # `l2(model)`: a number about the weights, no forward of the model
            if target is not None:  # `self.model` inside `trainer.loss(x)` is the caller's `model`
                target = with_ctor_attrs(ctx, target, n)
            rets = _returns(ctx, target, models, depth + 1, p) if target is not None else []
            out += [("model", k, outer(c, cc)) for k, cc in rets]
            cuts = _arg_cuts(target, _raw_returns(ctx, target, models, depth + 1), n) if target is not None else {}
            key = None if rets else _model_call(ctx, n, models)
            if key:
                out.append(("model", key, c))
            f = n.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in holders:
                if not rets:  # `model.compute_loss(b)`: a method of the model itself may run any of it
                    todo.append((f.value, c, None))
            else:  # (a method of this file resolved on it: what it returns says what it reaches)
                todo.append((f, c, None))
            todo.extend((a, c or cuts.get(i), None) for i, a in enumerate(n.args))
            todo.extend((k.value, c, None) for k in n.keywords)
        elif isinstance(n, ast.Attribute):
            if n.attr == "data" and isinstance(n.ctx, ast.Load):
                todo.append((n.value, c or ("TVL002", n), None))
                continue
            key = dotted(n)
            if key and not _through_data(f"{key}.", models):  # `emb.data.norm`: the walk meets the cut
                out.append(("name", key, c))
                if key.split(".")[0] in holders:  # `model.logit_scale`: that part of the model
                    out.append(("model", key, c))
                    continue
            todo.append((n.value, c, None))
        elif isinstance(n, ast.Name) and id(n) in links:  # `[o.detach() for o in outs]`: the cut is on outs
            todo.append((links[id(n)], c, None))
        elif isinstance(n, COMPREHENSIONS):
            links.update(comprehension_links(n))
            todo.extend((part, c, None) for part in (getattr(n, "elt", None), getattr(n, "value", None)) if part is not None)  # not a key
        elif isinstance(n, ast.Name):
            out.append(("name", flow.reached(n) if flow is not None else n.id, c))
        elif not isinstance(n, NESTED):
            todo.extend((ch, c, None) for ch in ast.iter_child_nodes(n))
    return out



# Losses over sequences take integer lengths beside the scores (by position and keyword): a
# model whose forward returns `(logits, out_lens)` reaches such a loss through the lengths too,
# but no gradient flows there, so that path does not make the model live.
LENGTH_ARGS = {"ctc_loss": (2, 3), "CTCLoss": (2, 3), "rnnt_loss": (2, 3), "RNNTLoss": (2, 3)}
LENGTH_KWARGS = {"input_lengths", "target_lengths", "logit_lengths"}


def _length_args(ctx: Context, call: ast.Call) -> tuple[int, ...]:
    """The positions of `call`'s integer length arguments when it runs a sequence loss:
    `F.ctc_loss(...)`, or a name bound to `nn.CTCLoss(...)` (`ctc(...)`, `self.ctc(...)`)."""
    name = callee(call)
    if not name:
        return ()
    if (found := LENGTH_ARGS.get(last(name))) is not None:
        return found
    for v in ctx.values.get(name, []):
        if isinstance(v, ast.Call) and (found := LENGTH_ARGS.get(last(callee(v)))) is not None:
            return found
    return ()


def nograd_block(ctx: Context, node: ast.AST) -> ast.AST | None:
    for a in ctx.ancestors(node):
        if is_nograd_with(a) or _helper_nograd_with(ctx, a):
            return a
    return None


def _helper_nograd_with(ctx: Context, node: ast.AST) -> bool:
    """`with self._ctx():` where the helper (a function of this file) returns `torch.no_grad()`,
    on every path or on the one its config literal decides (config_branches.py)."""
    if not isinstance(node, (ast.With, ast.AsyncWith)):
        return False
    memo = ctx.memo.setdefault("helper_nograd_with", {})
    if id(node) not in memo:
        calls = [i.context_expr for i in node.items if isinstance(i.context_expr, ast.Call)]
        targets = [t for c in calls if (t := resolve(ctx, c)) is not None]
        found = any(returns_no_grad(ctx, t.fn) for t in targets)
        found = found or any(_nograd_item(ctx, i.context_expr, ctx.scope_of(node)) for i in node.items)
        memo[id(node)] = (node, found)
    return memo[id(node)][1]


def _nograd_item(ctx: Context, expr: ast.AST, scope: ast.AST, depth: int = 0) -> bool:
    """A `with` item that is `no_grad()` held in a name (`quiet = torch.no_grad()`, every binding
    reaching the `with`), or chosen by a test the configuration decides (`no_grad() if not
    train else nullcontext()` where every call leaves `train` at its default False)."""
    if isinstance(expr, ast.IfExp):
        taken = decide_truth(ctx, expr.test, scope)
        return taken is not None and _nograd_item(ctx, expr.body if taken else expr.orelse, scope, depth + 1)
    if isinstance(expr, ast.Name) and depth < 3:
        bs = bounds_at(ctx, expr.id, expr)
        return bool(bs) and all(not b.index and not b.loop and _nograd_item(ctx, b.value, ctx.scope_of(b.value), depth + 1) for b in bs)  # type: ignore[union-attr]
    return isinstance(expr, ast.Call) and is_nograd_with(ast.With(items=[ast.withitem(context_expr=expr)], body=[]))


class Flow:
    """Which models reach which name in one scope, live or only through a cut: a fixed point
    over the scope's assignments (by name; a name re-bound by a cut of itself, `x =
    torch.tensor(x)` in the function's own body or a loop's, is a new name for the statements
    after it)."""

    def __init__(
        self, ctx: Context, scope: ast.AST, models: set[str], depth: int = 0,
        seeds: frozenset[str] = frozenset(), given: dict[str, tuple[set[str], dict[str, tuple]]] | None = None,
    ) -> None:  # fmt: skip
        self.ctx, self.models, self.depth, self.seeds = ctx, models, depth, seeds
        self.live: dict[str, set[str]] = {p: {p} for p in seeds}  # a parameter holds itself
        self.dead: dict[str, dict[str, tuple]] = {}
        for name, (live, dead) in (given or {}).items():  # what the callers pass for a parameter
            self.live.setdefault(name, set()).update(live)
            self.dead.setdefault(name, {}).update(dead)
        self.kills: dict[str, list[int]] = {}  # name -> lines where a cut of itself re-binds it
        stmts = list(_flow_statements(ctx, scope))
        self.defs = definitions(stmts)
        self.defined = frozenset().union(*self.defs.values())
        self.defs_by_value = {id(n.iter if isinstance(n, (ast.For, ast.AsyncFor)) else n.value): n for n, _ in stmts if id(n) in self.defs}  # type: ignore[attr-defined]
        flows = []
        for n, into in stmts:
            block = nograd_block(ctx, n)
            cut = ("TVL001", block) if block is not None else None
            if into is not None:  # `buf.append(logp)`: the object holds what is stored into it
                given = [*n.value.args, *(k.value for k in n.value.keywords)]  # type: ignore[attr-defined]
                flows.append((n, [into], [s for a in given for s in self._sources(a, cut)]))
            elif isinstance(n, (ast.For, ast.AsyncFor)):  # `for logp, r in zip(saved, returns):`
                flows.append((n, self._defined(n, targets_of(n)), self._sources(n.iter, cut)))
            elif (parts := unpacked(n)) is not None:  # `loss, logs = step(batch)`: each name its element
                flows += [(n, self._defined(n, targets_of(ast.Assign(targets=[t]))), self._sources(v, cut, k)) for t, v, k in parts]
            else:
                srcs = self._sources(n.value, cut)  # type: ignore[attr-defined]
                tgts = targets_of(n)
                # only a statement of the function's own body: one in a branch, a loop or a
                # `with` may not run, or runs beside another binding of the name
                if isinstance(n, ast.Assign) and len(tgts) == 1 and _unconditional(ctx, n, scope) and _cut_of(srcs, tgts[0]):
                    self.kills.setdefault(tgts[0], []).append(n.lineno)
                flows.append((n, self._defined(n, tgts), srcs))
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

    def _sources(self, expr: ast.AST, cut: tuple | None, pick: Pick = None) -> list[tuple]:
        return _sources(self.ctx, expr, self.models, cut, self.depth, pick, self)

    def _defined(self, n: ast.AST, names: list[str]) -> list[str]:
        """The names a statement binds, and for each one it defines (see definitions) the key of
        this definition: a read that only this definition reaches takes what it holds."""
        return names + [f"{t}#{id(n)}" for t in names if t in self.defs.get(id(n), ())]

    def reached(self, node: ast.Name) -> str:
        """The key a read of a name takes: the one definition of the scope that reaches it
        (`pred` read after the training loop's own `pred = ...`, not the validation loop's), or
        the name itself (every binding of it) when the flow does not show a single one."""
        stmt = self._definition(node)
        return node.id if stmt is None else f"{node.id}#{id(stmt)}"

    def _definition(self, node: ast.Name) -> ast.AST | None:
        if node.id not in self.defined:
            return None
        b = reaching(self.ctx, node.id, node)
        if isinstance(b, Bound) and (stmt := self.defs_by_value.get(id(b.value))) is not None and node.id in self.defs[id(stmt)]:
            return stmt
        return None

    def element(self, node: ast.Name, pick: Pick) -> list[tuple] | None:
        """The sources of `out[pick]` where `out = step(batch)` is the definition reaching this
        read: the element of what the call returns, under that statement's no_grad if any."""
        stmt = self._definition(node)
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Call)):
            return None
        block = nograd_block(self.ctx, stmt)
        return self._sources(stmt.value, ("TVL001", block) if block is not None else None, pick)

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
        had = self.dead.setdefault(t, {}).get(m)
        if had is not None and _number_cut(c) >= _number_cut(had):
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
                changed |= self.add(t, m, outer(c, cc))  # the cut nearest the loss, as within one expression
        return changed

    def reach(self, key: str, expr: ast.AST, line: int, cut: tuple | None = None) -> tuple[set[str], dict[str, tuple]]:
        """(models reaching `expr` live, models reaching it only through a cut), as `key`."""
        self.absorb(key, self._renamed(self._sources(expr, cut), line))
        return self.live.get(key, set()), self.dead.get(key, {})


def outer(near: tuple | None, far: tuple | None) -> tuple | None:
    """The cut a path keeps of two on it: the one nearest the loss, except that a number
    taken out farther up (`torch.tensor(rewards)` of `env.step(action.item())`'s rewards) marks
    the whole path as one that only numbers travel (see _number_cut); a `no_grad` block stays."""
    if near is None or (far is not None and near[0] == "TVL002" and _number_cut(far)):
        return far
    return near


def _number_cut(c: tuple | None) -> bool:
    """A cut taking numbers out of a tensor (`.item()`, `.tolist()`, `.numpy()`, `float(x)`).
    Of two paths by which a model reaches a name only through cuts, the one keeping a tensor (a
    `no_grad` forward, `.detach()`, `.data`) is the one that carries its output: a number taken
    out is most often a control value that only steers what comes back (an action handed to
    an environment, an index, a count), so it is the cut reported only when no other path is."""
    if c is None:
        return False
    node = c[1]
    return c[0] == "TVL002" and isinstance(node, ast.Call) and (
        method(node) in ("item", "tolist", "numpy") or callee(node) == "float")  # fmt: skip


def _flow_statements(ctx: Context, scope: ast.AST) -> Iterator[tuple[ast.AST, str | None]]:
    """The statements of a scope that move values between names: assignments, loops, and
    `obj.m(values)` storing into an object (with the object's name)."""
    for n in walk_scope(scope):
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr)) and n.value is not None:
            yield n, None
        elif isinstance(n, (ast.For, ast.AsyncFor)):
            yield n, None
        elif isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and (into := _stored_into(ctx, n.value)):
            yield n, into


STORES = {"append", "extend", "insert", "add", "appendleft", "extendleft", "push", "put", "put_nowait", "update", "copy_", "add_"}


def _stored_into(ctx: Context, call: ast.Call) -> str | None:
    """The object a statement `obj.m(values)` stores its arguments into: a container's
    `append`/`extend`/`add`/`put`..., or a method of a class of this file that returns nothing
    (`rollout.add(logp, reward)` keeping them in lists). `self` itself is never the object (every
    `self.x` read would then carry what any method stored)."""
    recv = receiver(call)
    if not recv or recv == "self" or not (call.args or call.keywords):
        return None
    if method(call) in STORES:
        return recv
    t = resolve(ctx, call)
    if t is None or t.self_key != recv or method(call) == "forward":
        return None
    returns = any(isinstance(r, ast.Return) and r.value is not None for r in walk_scope(t.fn))
    return None if returns else recv


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
    return bool(srcs) and all(c is not None for _, _, c in srcs) and any(k == "name" and key.split("#")[0] == name for k, key, _ in srcs)


def scope_flow(ctx: Context, scope: ast.AST, models: set[str]) -> Flow:
    """The data flow of a scope for these trained models, built once per file: the rules and
    helpers that judge a scope's losses, read its callers and collect what its methods store ask
    the same questions of it (each later question adds only names of its own, `<loss@…>`)."""
    memo = ctx.memo.setdefault("scope_flows", {})
    key = (id(scope), frozenset(models))
    hit = memo.get(key)
    if hit is None or hit[0] is not scope:
        hit = memo[key] = (scope, Flow(ctx, scope, set(models)))
    return hit[1]  # type: ignore[no-any-return]


def _raw_returns(ctx: Context, t: Target, models: set[str], depth: int, pick: Pick = None) -> list[tuple[str, tuple | None]]:
    """The models reaching what a resolved function returns (or the element `pick` of it), as
    the caller names them, each with the cut on its way (None: live). `self.x` and the
    parameters are models inside it."""
    memo = ctx.memo.setdefault("gradflow_returns", {})
    params = set(positional(t.fn))
    inner = frozenset({"self", *params, *models})
    key = (id(t.fn), inner, pick)
    hit = memo.get(key)
    if hit is None or hit[0] is not t.fn:
        memo[key] = (t.fn, [])  # recursion sees nothing
        flows = ctx.memo.setdefault("gradflow_return_flows", {})
        hit = flows.get((id(t.fn), inner))
        if hit is None or hit[0] is not t.fn:  # one flow of the function, whatever the element read
            hit = flows[(id(t.fn), inner)] = (t.fn, Flow(ctx, t.fn, set(inner), depth, frozenset(params - {"self"})))
        flow = hit[1]
        live: set[str] = set()
        dead: dict[str, tuple] = {}
        deco = nograd_decorator(t.fn)
        for n in walk_scope(t.fn):
            if isinstance(n, ast.Return) and n.value is not None:
                block = deco or nograd_block(ctx, n)
                lv, dd = flow.reach(f"<return:{pick}>", picked(n.value, pick), n.lineno, ("TVL001", block) if block is not None else None)
                live |= lv
                dead.update(dd)
        raw = [(m, None) for m in sorted(live)] + [(m, c) for m, c in dead.items() if m not in live]
        hit = memo[key] = (t.fn, raw)
    return hit[1]


def _returns(ctx: Context, t: Target, models: set[str], depth: int, pick: Pick = None) -> list[tuple[str, tuple | None]]:
    """`self` as a whole (`self(x)` in a module's method) stays a model only where the caller's
    `self` is one: inside another method, renamed at last to the object the caller runs."""
    keep = "self" in models
    return [(k, c) for m, c in _raw_returns(ctx, t, models, depth, pick) if (k := t.rename(m)) and (keep or k != "self")]


def _arg_cuts(t: Target, raw: list[tuple[str, tuple | None]], call: ast.Call) -> dict[int, tuple]:
    """Arguments (by position in call.args) bound to a parameter that reaches the function's return only through a cut: `dice_loss(model(x), y)` whose
    body returns `torch.tensor(f(logits.detach().numpy()))`."""
    names = positional(t.fn)
    if t.self_key is not None and names[:1] == ["self"]:
        names = names[1:]
    live = {m.split(".")[0] for m, c in raw if c is None}  # `logits.float()` or a part, `out.logits`
    dead = {m.split(".")[0]: c for m, c in raw if c is not None}
    dead = {m: c for m, c in dead.items() if m not in live}
    return {i: dead[names[i]] for i, v in enumerate(call.args)
            if i < len(names) and names[i] in dead and not isinstance(v, ast.Starred)}  # fmt: skip


def nograd_decorator(fn: ast.AST) -> ast.AST | None:
    """`@torch.no_grad()` / `@torch.inference_mode()` on the function: all of it runs without a graph."""
    for d in getattr(fn, "decorator_list", []):
        name = last(callee(d) if isinstance(d, ast.Call) else dotted(d))
        if name in ("no_grad", "inference_mode") and not (isinstance(d, ast.Call) and d.args and not is_const(d.args[0], True)):
            return d
    return None


_nograd_decorator = nograd_decorator  # the name order_evidence.py imports
