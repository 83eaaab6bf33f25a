"""TVL012: a loss accumulated with its autograd graph (`total += loss`, `total = total + loss`,
`history.append(loss)`, `self.sums["loss"] += loss`, a meter's update method), in a training
loop, in a backpropagating method a loop calls once per batch, or in a method that returns the
loss to the loop that backpropagates it (a LightningModule's `training_step` included). The loss
may be a name or one entry of a step's result dict (`out["loss"].backward()`)."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import FUNCS, Target, enclosing_class, resolve
from torchvitals.lint.engine import (
    Context,
    callee,
    dotted,
    is_nograd_with,
    last,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.hooks import hook_targets
from torchvitals.lint.rules.accumulate_meters import handed_to_meter, keyword_holders
from torchvitals.lint.rules.flow import Bound, reaching
from torchvitals.lint.rules.loops import LOSS_ACCUM, _names, _training_loops
from torchvitals.lint.syntax import positional, walk


def _per_batch_scopes(ctx: Context) -> list[tuple[ast.AST, set[str], set[str]]]:
    """(a loop or a method run once per batch, the loss names in it, the names backpropagated)."""
    out = []
    for loop, backwards in [*_training_loops(ctx).items(), *_batch_methods(ctx).items()]:
        losses = {d for b in backwards for t in _terms(ctx.loss_expr(b)) if (d := _loss_key(t))}  # `loss`, `out["loss"]`, `(pg + vf)`
        backed = {n for b in backwards for n in _names(ctx.loss_expr(b) or ast.Constant(0))}
        out.append((loop, losses | _loss_parts(ctx, loop, losses), backed))
    out.extend((fn, returned, set()) for fn, returned in _loss_returning_methods(ctx).items())
    return out


def check_loss_accum(ctx: Context) -> None:
    for loop, losses, backed in _per_batch_scopes(ctx):
        per_call = isinstance(loop, (ast.FunctionDef, ast.AsyncFunctionDef))
        assigned_in_loop = _reset_every_pass(ctx, loop)
        for n in walk_scope(loop):
            acc = value = None
            if isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add):
                acc, value = _acc_name(n.target), n.value
            elif isinstance(n, ast.Assign) and (right := _self_sum(n)) is not None:
                acc, value = _acc_name(n.targets[0]), right
            elif isinstance(n, ast.Call) and method(n) == "append" and len(n.args) == 1:
                acc, value = _acc_name(n.func.value), n.args[0]  # type: ignore[attr-defined]  # self.history["loss"].append(...)
            elif isinstance(n, ast.Call) and (hit := _summed_by_callee(ctx, n, losses)):
                acc, value = hit
            value = _summed_loss(value, losses)
            if not acc or acc in backed or acc in assigned_in_loop or acc.split("[")[0] in assigned_in_loop or _loss_key(value) not in losses:
                continue
            if per_call and not acc.startswith("self."):  # a local of a per-batch method starts afresh each call
                continue
            if any(is_nograd_with(a) for a in ctx.ancestors(n)) or _backwarded_later(ctx, acc):
                continue
            ctx.report(
                LOSS_ACCUM, n,
                f"`{acc}` accumulates `{ast.unparse(value)}` with its autograd graph: every "
                "iteration's graph stays in memory",
            )  # fmt: skip




def _reset_every_pass(ctx: Context, loop: ast.AST) -> set[str]:
    """Names a plain assignment in the loop rebinds (`total = 0.0`), so nothing piles up across
    iterations; except a reset to a number under an `if` of the loop (`if i % 200 == 199:
    print(running / 200); running = 0.0`): that one runs every N iterations, and the graphs of
    the N iterations between resets are all kept."""
    out = set()
    for n in walk_scope(loop):
        if not isinstance(n, ast.Assign) or _self_sum(n) is not None:
            continue
        if _is_number(n.value) and _under_if(ctx, n, loop):
            continue
        out.update(targets_of(n))
    return out


def _is_number(value: ast.expr) -> bool:
    """`0`, `0.0`, `-1.0`."""
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    return isinstance(value, ast.Constant) and type(value.value) in (int, float)


def _under_if(ctx: Context, node: ast.AST, loop: ast.AST) -> bool:
    """The statement sits in an `if` (or its `else`) between the loop and itself."""
    for a in ctx.ancestors(node):
        if a is loop:
            return False
        if isinstance(a, ast.If):
            return True
    return False










def _acc_name(target: ast.expr) -> str | None:
    """`total` / `self.total`, and a dict of metrics: `self.epoch_metrics["loss"]`, `meters[name]`."""
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) and (d := dotted(target.value)):
        return f"{d}[{target.slice.value!r}]"
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Name) and (d := dotted(target.value)):
        return f"{d}[{target.slice.id}]"
    return dotted(target)


def _loss_key(expr: ast.expr | None) -> str | None:
    """How a loop names the loss it backpropagates, to match what it adds up: `loss`,
    `self.loss`, or one entry of a step's result dict (`out["loss"].backward()`, read again in
    `total = total + out["loss"]`). Methods that keep the autograd graph are seen through
    (`losses.append(loss.cpu())` keeps every graph as surely as `losses.append(loss)`)."""
    while isinstance(expr, ast.Call) and method(expr) in GRAPH_KEEPING and not expr.keywords:
        expr = expr.func.value  # type: ignore[attr-defined]
    return _acc_name(expr) if expr is not None else None


# Tensor methods whose result is still part of the autograd graph (unlike .item(), .detach(), .tolist()).
GRAPH_KEEPING = {"cpu", "cuda", "to", "float", "double", "half", "clone", "squeeze", "unsqueeze", "view", "reshape", "contiguous"}


# Functional losses by name (torch.nn.functional), besides any `*_loss`.
LOSS_FUNCTIONS = {"cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "nll_loss"}


def _loss_parts(ctx: Context, loop: ast.AST, losses: set[str]) -> set[str]:
    """The terms the backpropagated loss is summed from in the loop (`ce` and `kl` of `loss = ce
    + beta * kl`), each bound once in the loop to a loss call (`F.cross_entropy(...)`, a
    criterion module of this file, a `*_loss` function): a term is part of the same graph, so
    summing it across batches keeps every graph as surely as summing the loss."""
    bound: dict[str, list[ast.expr]] = {}
    for n in walk_scope(loop):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            bound.setdefault(n.targets[0].id, []).append(n.value)
    out = set()
    summed_dicts = set()
    for loss in losses:
        for value in bound.get(loss, []):
            for part in {x.id for x in walk(value) if isinstance(x, ast.Name)} - {loss}:
                made = bound.get(part, [])
                if len(made) == 1 and isinstance(made[0], ast.Call) and _is_loss_call(ctx, made[0]):
                    out.add(part)
            summed_dicts |= {r for x in walk(value) if isinstance(x, ast.Call) and method(x) == "values" and (r := receiver(x))}
    return out | _dict_parts(loop, summed_dicts)


def _dict_parts(loop: ast.AST, summed: set[str]) -> set[str]:
    """`loss = sum(loss_dict.values())`: the values a loop over that dict's items or values
    binds (`for k, v in loss_dict.items()`) are terms of the loss, graph and all."""
    out = set()
    for n in walk_scope(loop):
        if not (isinstance(n, ast.For) and isinstance(n.iter, ast.Call) and receiver(n.iter) in summed):
            continue
        if method(n.iter) == "values" and isinstance(n.target, ast.Name):
            out.add(n.target.id)
        elif method(n.iter) == "items" and isinstance(n.target, ast.Tuple) and len(n.target.elts) == 2 and isinstance(n.target.elts[1], ast.Name):
            out.add(n.target.elts[1].id)
    return out


def _is_loss_call(ctx: Context, call: ast.Call) -> bool:
    name = callee(call)
    short = last(name)
    return short.endswith("_loss") or short in LOSS_FUNCTIONS or name in ctx.losses


def _batch_methods(ctx: Context) -> dict[ast.AST, list[ast.Call]]:
    """A method with backward() and no loop of its own that a loop of this file calls
    (`self.handle_batch(batch)` in a runner's epoch loop): its body runs once per batch, and
    what it adds to `self.` attributes accumulates across batches."""
    out: dict[ast.AST, list[ast.Call]] = {}
    for b in ctx.backwards:
        fn = ctx.scope_of(b)
        if ctx.loops_around(b) or not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or not enclosing_class(ctx, b):
            continue
        if any(isinstance(c.func, ast.Attribute) and c.func.attr == fn.name and ctx.loops_around(c) for c in ctx.calls):
            out.setdefault(fn, []).append(b)
    return out


def _loss_returning_methods(ctx: Context) -> dict[ast.AST, set[str]]:
    """A method that computes the loss and returns it to a loop that backpropagates it
    (`loss = module.training_step(batch, i)` then `loss.backward()`): the method runs once per
    batch, and the names it returns are that batch's loss, graph and all."""
    out: dict[ast.AST, set[str]] = {}
    for b in ctx.backwards:
        loss = ctx.loss_expr(b)
        if not isinstance(loss, ast.Name) or not ctx.loops_around(b):
            continue
        bound = reaching(ctx, loss.id, b)
        call = bound.value if isinstance(bound, Bound) and not bound.index and not bound.loop else None
        fn = _called_method(ctx, call) if isinstance(call, ast.Call) and ctx.loops_around(call) else None
        if fn is None:
            continue
        returned = _returned_names(fn)
        if returned:
            out.setdefault(fn, set()).update(returned)
    for cls in ctx.classes:  # Lightning backpropagates what training_step returns, once per batch
        if cls.name not in ctx.module_classes:
            continue
        for fn in cls.body:
            if isinstance(fn, FUNCS) and fn.name == "training_step" and not any(ctx.scope_of(b) is fn for b in ctx.backwards):
                if returned := _returned_names(fn):
                    out.setdefault(fn, set()).update(returned)
    return out


def _returned_names(fn: ast.AST) -> set[str]:
    """Names a function returns: `return loss`, or Lightning's `return {"loss": loss, ...}`."""
    out = set()
    for r in walk_scope(fn):
        v = r.value if isinstance(r, ast.Return) else None
        if isinstance(v, ast.Name):
            out.add(v.id)
        elif isinstance(v, ast.Dict):
            out |= {x.id for k, x in zip(v.keys, v.values, strict=True) if isinstance(k, ast.Constant) and k.value == "loss" and isinstance(x, ast.Name)}
    return out


def _called_method(ctx: Context, call: ast.Call) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The method of a class of this file a call runs: resolved, or else the one method of this
    file by that name called on a receiver the file does not know as anything else (a
    parameter `module` given an instance)."""
    if (t := resolve(ctx, call)) is not None:
        return t.fn if enclosing_class(ctx, t.fn.body[0]) is not None else None
    if not isinstance(call.func, ast.Attribute) or not isinstance(call.func.value, ast.Name):
        return None
    recv = call.func.value.id
    if recv in ctx.values or recv in ctx.modules or recv == "self":
        return None
    found = [m for c in ctx.classes for m in c.body if isinstance(m, FUNCS) and m.name == call.func.attr]
    return found[0] if len(found) == 1 else None


def _weighted(value: ast.expr | None, losses: set[str]) -> ast.expr | None:
    """`loss * data.num_graphs`, `bs * loss`, `loss / n`: the loss, weighted, graph and all."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Mult, ast.Div)):
        for side in (value.left, value.right):
            if _loss_key(side) in losses:
                return side
    return value


def _terms(expr: ast.expr | None) -> list[ast.expr]:
    """The terms of a sum (`actor_loss + critic_loss`, `ce - 0.1 * entropy`), each with a
    constant weight taken off: what `(a + b).backward()` backpropagates is each term's graph, so
    each term is a loss the loop adds up at its peril. A lone expression is its own term."""
    if expr is None:
        return []
    if isinstance(expr, ast.Call) and not expr.keywords and method(expr) in TERM_WRAPPERS:
        inner = expr.args[0] if len(expr.args) == 1 and method(expr) == "scale" else None if expr.args else expr.func.value  # type: ignore[attr-defined]
        return _terms(inner) if inner is not None else [expr]  # scaler.scale(a + b), (a + b).mean()
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        return _terms(expr.left)  # (loss / accum_steps).backward(): the loss, divided
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
        return [*_terms(expr.left), *_terms(expr.right)]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Mult, ast.Div)):
        if isinstance(expr.left, ast.Constant) and not isinstance(expr.right, ast.Constant):
            return [expr.right]
        if isinstance(expr.right, ast.Constant) and not isinstance(expr.left, ast.Constant):
            return [expr.left]
    return [expr]


# Calls a backpropagated expression is wrapped in that keep each term's graph: a GradScaler's
# `scale(loss)`, and a reduction of a sum of per-sample terms.
TERM_WRAPPERS = {"scale", "mean", "sum"}


def _summed_loss(value: ast.expr | None, losses: set[str]) -> ast.expr | None:
    """The loss an added value carries: the value itself weighted (`loss * bs`), or one term of
    a sum of losses (`total += actor_loss + critic_loss`)."""
    for term in _terms(value) if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)) else []:
        if _loss_key(w := _weighted(term, losses)) in losses:
            return w
    return _weighted(value, losses)


def _self_sum(n: ast.Assign) -> ast.expr | None:
    """`total = total + x`, `sums["loss"] = sums["loss"] + x` (an augmented assignment spelled
    out): x."""
    v = n.value
    if len(n.targets) == 1 and isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add):
        if (d := _acc_name(n.targets[0])) and _acc_name(v.left) == d:
            return v.right
    return None


def _summed_by_callee(ctx: Context, call: ast.Call, losses: set[str]) -> tuple[str, ast.expr] | None:
    """`meter.update(loss, n)` where the method (a class of this file) does `self.sum += val * n`
    or `self.values.append(val)` with the parameter the loss is passed as: (the accumulator as
    the caller names it, the loss)."""
    passed = [(i, a) for i, a in enumerate(call.args) if dotted(a) in losses]
    by_name = [kw.value for kw in call.keywords if kw.arg and dotted(kw.value) in losses]
    if not (passed or by_name) or (t := resolve(ctx, call)) is None:
        return None
    names = positional(t.fn)
    names = names[1:] if t.self_key and names and names[0] == "self" else names
    params = {names[i]: v for i, v in passed if i < len(names)}
    for n in walk_scope(t.fn):
        if isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add):
            target, v = n.target, n.value
        elif isinstance(n, ast.Call) and method(n) == "append" and len(n.args) == 1:
            target, v = n.func.value, n.args[0]  # type: ignore[attr-defined]  # self.values.append(val)
        else:
            continue
        v = v.left if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Mult) else v
        if isinstance(v, ast.Name) and v.id in params and (acc := t.rename(dotted(target))):
            return acc, params[v.id]
    held = set(params) | keyword_holders(t, call, losses)  # a logger handing the loss to its meters
    if held and (owner := handed_to_meter(ctx, t.fn, held)) and (acc := t.rename(owner)):
        return acc, (passed[0][1] if passed else by_name[0])
    return None


def _backwarded_later(ctx: Context, name: str) -> bool:
    """The accumulated sum is itself backpropagated or fed to a call (e.g. torch.stack)."""
    for b in ctx.backwards:
        if name in _names(ctx.loss_expr(b) or ast.Constant(0)):
            return True
    for c in ctx.calls:
        if any(dotted(a) == name for a in c.args) and last(callee(c)) in ("stack", "cat", "sum", "mean") and _may_backward(ctx, c):
            return True
    return False


def _may_backward(ctx: Context, call: ast.Call) -> bool:
    """The combined losses may be backpropagated: the call is inside a backward's expression, is
    returned, or is assigned to a name a backward reads (`total = torch.stack(losses).mean()`).
    `print(sum(losses) / len(losses))` only logs: the graphs were kept for nothing."""
    backed = {n for b in ctx.backwards for n in _names(ctx.loss_expr(b) or ast.Constant(0))}
    for a in ctx.ancestors(call):
        if a in ctx.backwards or isinstance(a, ast.Return):
            return True
        if isinstance(a, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            return any(t in backed for t in targets_of(a))
        if isinstance(a, ast.stmt):
            return False
    return False


def check_handed_loss_accum(ctx: Context) -> None:
    """A hook sums the loss a training loop hands it: the loop stores the live loss in a
    container it passes (`state["loss"] = loss`, then `cb.on_batch_end(state)` for each callback)
    or passes the loss itself (`h.after_iter(loss)`), and the method that call may run adds it to
    something that outlives the call (`state["loss_sum"] += state["loss"] * n`, `self.total +=
    loss`). The hook's body runs once per batch, so every batch's graph is kept."""
    if not ctx.backwards:
        return
    for loop, losses, backed in _per_batch_scopes(ctx):
        held = _handed_keys(loop, losses)
        if not held:
            continue
        rebound = {k for n in walk_scope(loop) if isinstance(n, ast.Assign) and not _self_sum(n) for k in _written_keys(n)}
        for call in (n for n in walk_scope(loop) if isinstance(n, ast.Call)):
            if _summed_by_callee(ctx, call, losses) or any(is_nograd_with(a) for a in ctx.ancestors(call)):
                continue  # a meter's update(loss) is check_loss_accum's
            for t in _hook_runs(ctx, call):
                for node, acc, value in _hook_sums(ctx, t, held):
                    if acc in backed or acc in rebound or acc.split("[")[0] in rebound or _backwarded_later(ctx, acc):
                        continue  # reset by the loop each batch (or the container made anew), or backpropagated
                    ctx.report(LOSS_ACCUM, node, f"`{acc}` accumulates `{value}`, the loss tensor the training loop at "
                               f"line {getattr(loop, 'lineno', 0)} hands to this method once per batch, with its autograd "
                               "graph: every batch's graph stays in memory (hand over `loss.item()` or `loss.detach()`)")  # fmt: skip


def _handed_keys(loop: ast.AST, losses: set[str]) -> set[str]:
    """How the loop's body holds the live loss: its own names, and the container entries it
    stores the loss in (`state["loss"] = loss`, `ctx.loss = loss`, in a tuple assignment too)."""
    out = set(losses)
    for n in walk_scope(loop):
        if not (isinstance(n, ast.Assign) and len(n.targets) == 1):
            continue
        t, v = n.targets[0], n.value
        pairs = zip(t.elts, v.elts, strict=False) if isinstance(t, ast.Tuple) and isinstance(v, ast.Tuple) else [(t, v)]
        for tt, vv in pairs:
            if isinstance(tt, (ast.Subscript, ast.Attribute)) and _loss_key(vv) in losses and (key := _acc_name(tt)):
                out.add(key)
            elif (d := dotted(tt)) and isinstance(vv, ast.Dict):  # `self.outputs = {"loss": loss, "n": len(x)}`
                out |= {f"{d}[{k.value!r}]" for k, x in zip(vv.keys, vv.values, strict=True)
                        if isinstance(k, ast.Constant) and isinstance(k.value, str) and _loss_key(x) in losses}  # fmt: skip
    return out


def _hook_runs(ctx: Context, call: ast.Call) -> list[Target]:
    """The methods of this file a call in the loop may run: the one it resolves to, or the
    hooks of every class that defines a method by that name (`cb.on_batch_end(state)`)."""
    t = resolve(ctx, call)
    return [*([t] if t is not None else []), *hook_targets(ctx, call)]  # `self.call_hook("after_iter")`: both


def _hook_sums(ctx: Context, t: Target, held: set[str]) -> list[tuple[ast.AST, str, str]]:
    """(node, accumulator, value) for each sum in the hook of something the caller holds the
    live loss in, both named as the caller names them; the accumulator outlives the call (an
    attribute of `self` or an entry of a container the caller passed), and the hook does not
    reset it itself."""
    out = []
    reset = {_accumulator_key(t, k) for n in walk_scope(t.fn) if isinstance(n, ast.Assign) and not _self_sum(n) for k in _written_keys(n)}
    for n in walk_scope(t.fn):
        if isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add):
            target, value = n.target, n.value
        elif isinstance(n, ast.Assign) and (right := _self_sum(n)) is not None:
            target, value = n.targets[0], right
        elif isinstance(n, ast.Call) and method(n) == "append" and len(n.args) == 1:
            target, value = n.func.value, n.args[0]  # type: ignore[attr-defined]  # self.losses.append(loss)
        else:
            continue
        if not isinstance(target, (ast.Subscript, ast.Attribute)):
            continue  # `total += loss` on a parameter rebinds the hook's own name
        acc = _accumulator_key(t, _acc_name(target))
        added = _in_caller_names(t, _loss_key(_loss_factor(value)))
        if acc and added in held and acc not in reset and not any(is_nograd_with(a) for a in ctx.ancestors(n)):
            out.append((n, acc, added))
    return out


def _written_keys(n: ast.Assign) -> list[str]:
    """What a plain assignment writes, entries of containers included (`state["sum"] = 0.0`)."""
    tgts = [e for t in n.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
    return [k for t in tgts if (k := _acc_name(t))]


def _in_caller_names(t: Target, key: str | None) -> str | None:
    """A hook's `state['loss']` / `self.total` as the caller names it (`state['loss']`,
    `cb.total`); None for the hook's own locals, which start afresh at every call."""
    if not key:
        return None
    head, bracket, rest = key.partition("[")
    root = head.split(".")[0]
    if root != "self" and not any(p == root for p, _ in t.params):
        return None
    new = t.rename(head)
    return f"{new}{bracket}{rest}" if new else None


def _accumulator_key(t: Target, key: str | None) -> str | None:
    """A hook's accumulator as the caller names it, else the hook object's own `self.x` (a hook
    run by name from a list of hooks lives as long as the list)."""
    return _in_caller_names(t, key) or (key if key and key.startswith("self.") else None)


def _loss_factor(value: ast.expr) -> ast.expr:
    """`loss * bs`, `n * loss`, `loss / steps`: the factor that is not a plain number or size."""
    while isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Mult, ast.Div)):
        value = value.left if isinstance(value.left, (ast.Subscript, ast.Attribute, ast.Name)) and _acc_name(value.left) else value.right
    return value


CHECKS = [check_loss_accum, check_handed_loss_accum]
