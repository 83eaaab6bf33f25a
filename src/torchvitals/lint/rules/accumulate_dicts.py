"""TVL012 beyond `total += loss`: the loss kept inside something else.

- A dict of losses: the loop backpropagates one entry (`losses["total"].backward()`) and sums
  every entry into a log that outlives the iteration (`for k, v in losses.items(): logs[k] +=
  v`), inline, in a helper it passes the dict to, or in a hook it hands the dict (or keywords).
- A record: `history.append({"step": i, "loss": loss})`, `curve.append((step, loss))`.
- A running mix: `smooth = 0.98 * smooth + 0.02 * loss` chains every step's graph to the last.

The live loss keeps its graph, so each of these keeps every iteration's graph until the log is
reset (a logging window, an epoch)."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import Target, resolve
from torchvitals.lint.engine import (
    Context,
    dotted,
    is_nograd_with,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.rules.accumulate import (
    _acc_name,
    _backwarded_later,
    _handed_keys,
    _hook_runs,
    _loss_factor,
    _loss_key,
    _per_batch_scopes,
    _self_sum,
)
from torchvitals.lint.rules.loops import LOSS_ACCUM
from torchvitals.lint.syntax import positional, walk

LOOPS = (ast.For, ast.AsyncFor, ast.While)


def check_dict_entries_accum(ctx: Context) -> None:
    if not ctx.backwards or ".items()" not in ctx.text and ".values()" not in ctx.text:
        return
    for loop, losses, backed in _per_batch_scopes(ctx):
        if not isinstance(loop, LOOPS):
            continue
        dicts = {d for key in losses if "[" in key and (d := key.partition("[")[0])} | _summed_dicts(loop, backed)
        if not dicts:
            continue
        reset = _reset_each_iteration(loop)
        for n in walk_scope(loop):
            hits: list[str] = []
            if isinstance(n, (ast.For, ast.AsyncFor)) and _iterated_dict(n) in dicts:
                hits = _sums_of_entries(n)  # the loop body sums the entries itself
            elif isinstance(n, ast.Call):
                hits = _summed_by_helper(ctx, n, dicts)
            for acc in hits:
                root = acc.partition("[")[0].partition(".")[0]
                if root in reset or acc in backed or _backwarded_later(ctx, acc) or any(is_nograd_with(a) for a in ctx.ancestors(n)):
                    continue
                ctx.report(LOSS_ACCUM, n, f"`{acc}` accumulates every entry of a loss dict whose entry is "
                           "backpropagated, with the autograd graph: every iteration's graph stays in memory "
                           "until the log is reset (add `v.item()` or `v.detach()`)")  # fmt: skip


def _reset_each_iteration(loop: ast.AST) -> set[str]:
    """Names the loop's body rebinds unconditionally (a fresh log per iteration keeps nothing);
    a rebinding under an `if` (every N steps) still lets the graphs pile up in between, and so
    does one that reads the old value (`totals = accumulate(totals, losses)` hands the same log on)."""
    out = set()
    for s in getattr(loop, "body", []):
        if isinstance(s, ast.Assign):
            read = {dotted(x) for x in walk(s.value) if isinstance(x, (ast.Name, ast.Attribute))}
            out |= {name for t in s.targets if (name := dotted(t) or "") not in read}
    return out


def _summed_dicts(loop: ast.AST, backed: set[str]) -> set[str]:
    """`loss_dict` of `loss = sum(loss_dict.values())` bound in the loop to the loss it
    backpropagates: every entry of that dict is a term of the loss, graph and all, as surely as
    `losses["total"]` is when that entry is the one backpropagated."""
    out = set()
    for n in walk_scope(loop):
        if isinstance(n, ast.Assign) and any(dotted(t) in backed for t in n.targets):
            out |= {r for x in walk(n.value) if isinstance(x, ast.Call) and method(x) == "values" and not x.args and (r := receiver(x))}
    return out


def _iterated_dict(loop: ast.For | ast.AsyncFor) -> str | None:
    it = loop.iter
    if isinstance(it, ast.Call) and method(it) in ("items", "values") and not it.args:
        return receiver(it)
    return None


def _entry_name(loop: ast.For | ast.AsyncFor) -> str | None:
    """The name a loop over `d.items()` / `d.values()` binds each value to."""
    t = loop.target
    if method(loop.iter) == "values":  # type: ignore[arg-type]
        return t.id if isinstance(t, ast.Name) else None
    if isinstance(t, ast.Tuple) and len(t.elts) == 2 and isinstance(t.elts[1], ast.Name):
        return t.elts[1].id
    return None


def _sums_of_entries(loop: ast.For | ast.AsyncFor) -> list[str]:
    """Accumulators (a container entry or attribute) the loop adds each entry to, bare or scaled."""
    name = _entry_name(loop)
    rebound = any(isinstance(n, ast.Assign) and name in {dotted(t) for t in n.targets} for n in walk_scope(loop))
    if name is None or rebound:  # `v = v.item()` first: a float is summed
        return []
    out = []
    for n in walk_scope(loop):
        if (found := _entry_sum(n)) is None:
            continue
        if any(isinstance(a, ast.If) for a in _between(loop, n)):
            continue  # `if k != "total": ...`: which entries are summed is not known
        target, value = found
        v = _loss_factor(value)
        if isinstance(v, ast.Name) and v.id == name and isinstance(target, (ast.Subscript, ast.Attribute)) and (acc := _acc_name(target)):
            out.append(acc)
    return out


def _entry_sum(n: ast.AST) -> tuple[ast.expr, ast.expr] | None:
    """(accumulator, what is added) for the ways a log keeps a value per key: `d[k] += v`,
    `d[k] = d.get(k, 0) + v` (or `d[k] + v`), `d[k].append(v)`, `d.setdefault(k, []).append(v)`."""
    if isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add):
        return n.target, n.value
    if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(t := n.targets[0], ast.Subscript):
        v = n.value
        if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add) and _reads_entry(v.left, t):
            return t, v.right
        return None
    if isinstance(n, ast.Call) and method(n) == "append" and len(n.args) == 1 and isinstance(n.func, ast.Attribute):
        recv = n.func.value
        if isinstance(recv, ast.Call) and method(recv) == "setdefault" and recv.args and isinstance(recv.func, ast.Attribute):
            recv = ast.Subscript(value=recv.func.value, slice=recv.args[0], ctx=ast.Load())
        return recv, n.args[0]
    return None


def _reads_entry(expr: ast.expr, entry: ast.Subscript) -> bool:
    """`d[k]` or `d.get(k, 0)` for the entry `d[k]`."""
    if isinstance(expr, ast.Call) and method(expr) == "get" and expr.args and isinstance(expr.func, ast.Attribute):
        expr = ast.Subscript(value=expr.func.value, slice=expr.args[0], ctx=ast.Load())
    return isinstance(expr, ast.Subscript) and ast.dump(expr.value) == ast.dump(entry.value) and ast.dump(expr.slice) == ast.dump(entry.slice)


def _between(outer: ast.AST, node: ast.AST) -> list[ast.AST]:
    """The statements of `outer`'s body that enclose `node` (`node` included)."""
    out: list[ast.AST] = []

    def visit(n: ast.AST, path: list[ast.AST]) -> bool:
        if n is node:
            out.extend(path)
            return True
        return any(visit(c, [*path, c]) for c in ast.iter_child_nodes(n))

    visit(outer, [])
    return out


def _summed_by_helper(ctx: Context, call: ast.Call, dicts: set[str]) -> list[str]:
    """`accumulate(logs, losses)`: a function of this file given the loss dict loops over its
    entries and adds them into a container the caller passed (or `self`'s): the accumulators as
    the caller names them."""
    if not any(dotted(a) in dicts for a in call.args) or (t := resolve(ctx, call)) is None:
        return []
    given = {p for p, v in t.params if v in dicts}
    out = []
    for n in walk_scope(t.fn):
        if isinstance(n, (ast.For, ast.AsyncFor)) and _iterated_dict(n) in given:
            for acc in _sums_of_entries(n):
                head, bracket, rest = acc.partition("[")
                root = head.partition(".")[0]
                if root != "self" and not any(p == root for p, _ in t.params):
                    continue  # the helper's own local: starts afresh at every call
                if (new := t.rename(head)) and new not in dicts:
                    out.append(f"{new}{bracket}{rest}")
    return out


def check_handed_dict_accum(ctx: Context) -> None:
    """A training loop hands a hook a dict whose values include a live loss (`cb.on_batch_end(
    {"ce": ce, "reg": reg})`, a dict it built first, or keywords the hook takes as `**kwargs`),
    and the hook keeps every entry of that dict in something that outlives the call (`for k, v
    in logs.items(): self.totals[k] += v`), or keeps the dict itself (`self.rows.append(logs)`).
    The hook runs once per batch, so every batch's graph is kept until the totals are reset."""
    if not ctx.backwards or not any(w in ctx.text for w in (".items()", ".values()", ".append(")):
        return
    for loop, losses, backed in _per_batch_scopes(ctx):
        held = _handed_keys(loop, losses)
        for call in (n for n in walk_scope(loop) if isinstance(n, ast.Call)):
            if not _hands_loss(call, losses, held) or any(is_nograd_with(a) for a in ctx.ancestors(call)):
                continue
            for t in _hook_runs(ctx, call):
                for acc in _hook_entry_sums(t, call, losses, held):
                    if acc in backed or _backwarded_later(ctx, acc):
                        continue
                    ctx.report(LOSS_ACCUM, call, f"`{acc}` keeps every entry of the dict this call hands over, "
                               f"which holds the loss tensor of the training loop at line {getattr(loop, 'lineno', 0)} "
                               "with its autograd graph: every batch's graph stays in memory (hand over "
                               "`v.item()` / `v.detach()` values)")  # fmt: skip


def _hands_loss(call: ast.Call, losses: set[str], held: set[str]) -> bool:
    return any(_carries_loss(a, losses, held) for a in [*call.args, *(k.value for k in call.keywords)]) or any(
        k.arg and _loss_key(k.value) in losses for k in call.keywords
    )


def _carries_loss(arg: ast.expr, losses: set[str], held: set[str]) -> bool:
    """A dict literal (or `dict(k=v)`) with a live loss among its values, or the name of a dict
    the loop stored a live loss in (`logs["loss"] = loss`)."""
    if isinstance(arg, ast.Dict):
        return any(_loss_key(v) in losses for v in arg.values)
    if isinstance(arg, ast.Call) and dotted(arg.func) == "dict" and not arg.args:
        return any(_loss_key(k.value) in losses for k in arg.keywords)
    return bool((d := dotted(arg)) and any(h.startswith(f"{d}[") for h in held))


def _dict_params(t: Target, call: ast.Call, losses: set[str], held: set[str]) -> set[str]:
    """The hook's parameters that hold a dict with a live loss: one given such a dict, and its
    `**kwargs` when the call passes a live loss (or a dict of them) as keywords it does not name."""
    names = positional(t.fn)
    names = names[1:] if names and names[0] in ("self", "cls") else names
    named = {*names, *(a.arg for a in t.fn.args.kwonlyargs)}
    out = {names[i] for i, a in enumerate(call.args) if i < len(names) and _carries_loss(a, losses, held)}
    out |= {k.arg for k in call.keywords if k.arg in named and _carries_loss(k.value, losses, held)}
    spread = [k for k in call.keywords if k.arg not in named]
    if t.fn.args.kwarg and any(_loss_key(k.value) in losses if k.arg else _carries_loss(k.value, losses, held) for k in spread):
        out.add(t.fn.args.kwarg.arg)
    return out


def _hook_entry_sums(t: Target, call: ast.Call, losses: set[str], held: set[str]) -> list[str]:
    """The accumulators a hook keeps each entry of a dict it was given in, or the dict itself,
    when they outlive the call (the hook object's `self.` attributes, not reset in the hook)."""
    params = _dict_params(t, call, losses, held)
    if not params:
        return []
    reset = {k for n in walk_scope(t.fn) if isinstance(n, ast.Assign) for tt in n.targets if (k := dotted(tt))}
    out = []
    for n in walk_scope(t.fn):
        if isinstance(n, (ast.For, ast.AsyncFor)) and _iterated_dict(n) in params:
            out += [a for a in _sums_of_entries(n) if a.startswith("self.") and a.partition("[")[0] not in reset]
        elif isinstance(n, ast.Call) and method(n) == "append" and len(n.args) == 1 and dotted(n.args[0]) in params:
            acc = _acc_name(n.func.value)  # type: ignore[attr-defined]  # self.rows.append(logs)
            if acc and acc.startswith("self.") and acc.partition("[")[0] not in reset:
                out.append(acc)
    return out


def check_loss_records(ctx: Context) -> None:
    """A training loop appends a record holding the live loss to a list that outlives the
    iteration: `history.append({"step": i, "loss": loss})`, `log.append((epoch, loss))`. The
    record keeps the tensor, and the tensor its batch's graph, as surely as `history.append(loss)`."""
    if not ctx.backwards or ".append(" not in ctx.text:
        return
    for loop, losses, backed in _per_batch_scopes(ctx):
        per_call = isinstance(loop, (ast.FunctionDef, ast.AsyncFunctionDef))
        fresh = {t for n in walk_scope(loop) if isinstance(n, ast.Assign) for t in targets_of(n)}
        for n in walk_scope(loop):
            if not (isinstance(n, ast.Call) and method(n) == "append" and len(n.args) == 1 and _record_with_loss(n.args[0], losses)):
                continue
            acc = _acc_name(n.func.value)  # type: ignore[attr-defined]
            if not acc or acc in backed or acc in fresh or acc.partition("[")[0] in fresh or (per_call and not acc.startswith("self.")):
                continue  # a list made anew each iteration (or a per-call method's local) keeps nothing
            if any(is_nograd_with(a) for a in ctx.ancestors(n)) or _backwarded_later(ctx, acc):
                continue
            ctx.report(LOSS_ACCUM, n, f"`{acc}` keeps a record holding the loss tensor with its autograd graph: "
                       "every iteration's graph stays in memory (store `loss.item()`)")  # fmt: skip


def _record_with_loss(value: ast.expr, losses: set[str]) -> bool:
    """A dict literal, `dict(...)` or tuple with the live loss among its values."""
    if isinstance(value, ast.Dict):
        return any(v is not None and _loss_key(v) in losses for v in value.values)
    if isinstance(value, ast.Call) and dotted(value.func) == "dict" and not value.args:
        return any(_loss_key(k.value) in losses for k in value.keywords)
    return isinstance(value, ast.Tuple) and any(_loss_key(e) in losses for e in value.elts)


def check_running_mix(ctx: Context) -> None:
    """`ema = 0.9 * ema + 0.1 * loss` (or `avg = loss if avg is None else beta * avg + (1 -
    beta) * loss`) in the training loop: the new value is a sum of the old one and the live loss,
    so each step's graph hangs on the next one's and none is ever freed."""
    for loop, losses, backed in _per_batch_scopes(ctx):
        per_call = isinstance(loop, (ast.FunctionDef, ast.AsyncFunctionDef))
        for n in walk_scope(loop):
            if not (isinstance(n, ast.Assign) and len(n.targets) == 1 and (acc := _acc_name(n.targets[0]))):
                continue
            if per_call and not acc.startswith("self."):
                continue  # a per-call method's local starts afresh
            if acc in backed or acc in losses or _self_sum(n) is not None or not _mixes(n.value, acc, losses):  # `t = t + loss`: check_loss_accum's
                continue
            if any(is_nograd_with(a) for a in ctx.ancestors(n)) or _backwarded_later(ctx, acc):
                continue
            ctx.report(LOSS_ACCUM, n, f"`{acc}` is a running mix of its old value and the loss tensor: each step's "
                       "autograd graph stays linked to the next and none is freed (mix in `loss.item()`)")  # fmt: skip


def _mixes(value: ast.expr, acc: str, losses: set[str]) -> bool:
    """`value` adds the live loss to the accumulator's old value (each possibly scaled), in every
    branch of a conditional expression that does not just take the loss."""
    if isinstance(value, ast.IfExp):
        sides = [v for v in (value.body, value.orelse) if _loss_key(v) not in losses]
        return bool(sides) and all(_mixes(v, acc, losses) for v in sides)
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add)):
        return False
    left, right = _factors(value.left), _factors(value.right)
    return acc in left and bool(right & losses) or acc in right and bool(left & losses)


def _factors(term: ast.expr) -> set[str]:
    """The names multiplied or divided together in a term (`beta * avg`, `(1 - beta) * loss`)."""
    if isinstance(term, ast.BinOp) and isinstance(term.op, (ast.Mult, ast.Div)):
        return _factors(term.left) | _factors(term.right)
    return {k} if (k := _loss_key(term)) else set()






CHECKS = [check_dict_entries_accum, check_handed_dict_accum, check_loss_records, check_running_mix]
