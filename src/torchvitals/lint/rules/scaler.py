"""TVL016: GradScaler misuse: `scaler.step()` in a loop without `scaler.update()`, and
gradients clipped while still scaled (in the loop itself, or in a helper of this file the loop
calls: `clip_gradients(model, max_norm)`, `self._clip_and_step()`)."""

from __future__ import annotations

import ast
from collections import Counter

from torchvitals.lint.calls import FUNCS, Target, enclosing_class, may_resolve, resolve
from torchvitals.lint.dispatch import may_call
from torchvitals.lint.engine import Context, callee, dotted, last, method, receiver, walk_scope
from torchvitals.lint.hooks import hook_targets
from torchvitals.lint.rules.hook_order import hook_order
from torchvitals.lint.syntax import walk
from torchvitals.rules.base import document

SCALER = document(
    "TVL016",
    "grad-scaler-misuse",
    what="`scaler.step(optimizer)` in a loop without `scaler.update()`, or gradients clipped "
    "after `scaler.scale(loss).backward()` without `scaler.unscale_(optimizer)` first.",
    why="Without `update()` the loss scale never adapts: after one overflow every step is "
    "skipped, silently. Clipping scaled gradients clips at the wrong threshold (scale "
    "65536 times too large), so clipping never happens or clips everything.",
    example="scaler.scale(loss).backward()\nclip_grad_norm_(model.parameters(), 1.0)\n"
    "scaler.step(optimizer)",
    fix="Call `scaler.unscale_(optimizer)` before clipping, and `scaler.update()` after "
    "`scaler.step(optimizer)` on every iteration.",
)


CLIPS = ("clip_grad_norm_", "clip_grad_value_")


def _calls_in(node: ast.AST) -> list[ast.Call]:
    return [n for n in walk_scope(node) if isinstance(n, ast.Call)]


def check_scaler(ctx: Context) -> None:
    scaled = {receiver(c) for c in ctx.calls if method(c) == "scale"}
    for c in ctx.calls:
        recv = receiver(c)
        if method(c) != "step" or not recv or not c.args or not (recv in ctx.scalers or recv in scaled):
            continue
        block = (ctx.loops_around(c) or [ctx.scope_of(c)])[0]
        calls = _calls_in(block)
        if ctx.loops_around(c) and not any(method(u) == "update" and receiver(u) == recv or _updates(ctx, u, recv) for u in calls):
            ctx.report(SCALER, c, f"`{recv}.step()` without `{recv}.update()` in the loop: the loss "
                       "scale never adapts, and after an overflow every step is skipped")  # fmt: skip
        elif not ctx.loops_around(c) and _never_updated(ctx, recv, c):
            ctx.report(SCALER, c, f"`{recv}.step()` and nowhere a `{recv}.update()` that runs: the loss scale "
                       "never adapts, and after an overflow every step is skipped")  # fmt: skip
        backs = [b for b in calls if b in ctx.backwards and _is_scaled(b, recv)]
        for clip in calls:
            if last(callee(clip)) not in ("clip_grad_norm_", "clip_grad_value_") or callee(clip).startswith(("accelerator", "fabric", "self.")):
                continue
            if not (clip.lineno < c.lineno and any(b.lineno < clip.lineno for b in backs)):
                continue
            start = max(b.lineno for b in backs if b.lineno < clip.lineno)
            if not any(method(u) == "unscale_" and start <= u.lineno <= clip.lineno for u in calls):
                ctx.report(SCALER, clip, f"gradients clipped while still scaled by `{recv}`: call "
                           f"`{recv}.unscale_(optimizer)` before clipping")  # fmt: skip


def _updates(ctx: Context, call: ast.Call, recv: str) -> bool:
    """A call of the loop that may run `recv.update()` (a helper, a hook, a step picked through a
    value: dispatch.may_call), the scaler named as the loop names it."""
    return may_call(ctx, call, lambda u, key: method(u) == "update" and key == recv)


def _never_updated(ctx: Context, recv: str, step: ast.Call) -> bool:
    """A step method (`optimizer_step(self)`, run per batch by a loop elsewhere) whose scaler no
    code of this file updates, under its name or any scaler's, nor hands to other code. An
    update in a method nothing calls (see `_dead_update`) does not count."""
    names = {recv} if recv in ctx.scalers else _scaler_names(ctx, ctx.scope_of(step), recv)
    if not names:
        return False
    for u in ctx.calls:
        r = receiver(u) or ""
        if method(u) == "update" and (r in names or r in ctx.scalers or "scaler" in r.lower()) and not _dead_update(ctx, u, step):
            return False
        for a in [*u.args, *(k.value for k in u.keywords)]:
            if dotted(a) in names and _handed_off(ctx, u, dotted(a)):  # type: ignore[arg-type]
                return False  # passed on: another function may update it
    return True


def _scaler_names(ctx: Context, fn: ast.AST, param: str, depth: int = 0) -> set[str]:
    """The names a GradScaler of this file goes by on its way into `param` of `fn`: some call
    of `fn` here binds it to one, directly or through the caller's own parameter
    (`train(..., grad_scaler)` -> `step(loss, opt, grad_scaler)`). Empty when no call proves
    it: a helper no code here calls may be library code whose callers update the scaler."""
    if depth > 3 or not isinstance(fn, FUNCS):
        return set()
    for site in _call_sites(ctx, fn):
        t = resolve(ctx, site)
        given = dict(t.params).get(param) if t is not None else None
        if given in ctx.scalers:
            return {param, given}  # type: ignore[arg-type]
        if given and (more := _scaler_names(ctx, ctx.scope_of(site), given, depth + 1)):
            return {param, *more}
    return set()


def _handed_off(ctx: Context, call: ast.Call, key: str, depth: int = 0) -> bool:
    """`call` hands the scaler to code that may update it: code outside this file, or a function
    of this file that updates it, keeps it (stores, returns, wraps it) or hands it on in turn.
    A helper of this file that only steps with it (`optimizer_step(loss, opt, scaler)`) is
    read, not trusted: else every scaler passed to a helper would silence the rule."""
    if depth > 3 or not may_resolve(ctx, call) or (t := resolve(ctx, call)) is None:
        return True
    inner = {p for p, given in t.params if given == key}
    if not inner:
        return True  # bound through *args/**kwargs or a default: unknown
    for node in walk(t.fn):
        if not (isinstance(node, ast.Name) and node.id in inner):
            continue
        up = ctx.parent.get(node)
        if isinstance(up, ast.Attribute) and isinstance(ctx.parent.get(up), ast.Call) and ctx.parent[up].func is up:
            if up.attr == "update":
                return True
        elif isinstance(up, ast.Call) and node in up.args + [k.value for k in up.keywords]:
            if _handed_off(ctx, up, node.id, depth + 1):
                return True
        elif not (isinstance(up, ast.arguments) or isinstance(node.ctx, ast.Store)):
            return True  # kept, returned, rebound: its later life is not followed
    return False


def _dead_update(ctx: Context, update: ast.Call, step: ast.Call) -> bool:
    """`def update(self): self.scaler.update()` in an AMP helper class of this file whose `step`
    method the file calls, while nothing in the file names `update` (no call, no reference, no
    string): the update never runs. Only a class with no base class: a framework's hook method
    (a Lightning callback's) is called by the framework without being named here."""
    fn, step_fn = ctx.scope_of(update), ctx.scope_of(step)
    cls = enclosing_class(ctx, update)
    if cls is None or any(dotted(b) != "object" for b in cls.bases) or fn is step_fn or not isinstance(step_fn, FUNCS):
        return False
    named = _names_used(ctx, ctx.tree)
    inside = _names_used(ctx, fn)  # `self.scaler.update()` itself names `update`
    stepping = named[step_fn.name] > _names_used(ctx, step_fn)[step_fn.name]  # type: ignore[attr-defined]
    return named[fn.name] <= inside[fn.name] and stepping  # type: ignore[attr-defined]


def _names_used(ctx: Context, node: ast.AST) -> Counter[str]:
    """How often each attribute, name and string occurs under `node` (definitions are not uses)."""
    key = ("names_used", id(node))
    if key not in ctx.memo:
        ctx.memo[key] = Counter(
            n.attr if isinstance(n, ast.Attribute) else n.id if isinstance(n, ast.Name) else n.value
            for n in walk(node)
            if isinstance(n, (ast.Attribute, ast.Name)) or isinstance(n, ast.Constant) and isinstance(n.value, str)
        )  # fmt: skip
    return ctx.memo[key]


def _is_scaled(backward: ast.Call, scaler: str) -> bool:
    recv = backward.func.value if isinstance(backward.func, ast.Attribute) else None
    return isinstance(recv, ast.Call) and method(recv) == "scale" and receiver(recv) == scaler



def check_helper_clip(ctx: Context) -> None:
    """After `scaler.scale(loss).backward()` in a loop, the gradient calls that follow in the
    loop body, helpers of this file inlined in order: a clip met before any `unscale_` clips
    scaled gradients. (Clips written in the loop itself are check_scaler's.)"""
    if not any(w in ctx.text for w in CLIPS):
        return
    for b in ctx.backwards:
        recv = b.func.value if isinstance(b.func, ast.Attribute) else None
        if not (isinstance(recv, ast.Call) and method(recv) == "scale" and receiver(recv)):
            continue
        # the loop's body, or the function's (a step method a training loop calls: run_step())
        body = (ctx.loops_around(b) or [ctx.scope_of(b)])[0]
        _scan_after(ctx, b, recv, body, b)
        if not ctx.loops_around(b) and isinstance(body, FUNCS) and not _events(ctx, _after(body, b), 0):
            # a backward helper (`self._backward(loss)`, a shim's `backward(loss)`): the clip
            # that matters follows its call in the caller's loop
            # the call's loop, or its function (a `train_step(batch)` some loop or comprehension
            # runs per batch): what follows the call there runs after the backward in order
            for site in _call_sites(ctx, body):
                if not _steps_in(body, receiver(recv)):
                    _scan_after(ctx, b, recv, (ctx.loops_around(site) or [ctx.scope_of(site)])[0], site)


def _after(body: ast.AST, mark: ast.AST) -> list[ast.Call]:
    return [c for c in _ordered_calls(body) if (c.lineno, c.col_offset) > (mark.lineno, mark.col_offset)]  # type: ignore[attr-defined]


def _call_sites(ctx: Context, fn: ast.AST) -> list[ast.Call]:
    """The calls of this file that run `fn` (by its name, resolved to it)."""
    name = getattr(fn, "name", "")
    return [c for c in ctx.calls if last(callee(c)) == name and may_resolve(ctx, c) and (t := resolve(ctx, c)) is not None and t.fn is fn]


def _scan_after(ctx: Context, b: ast.Call, recv: ast.Call, body: ast.AST, mark: ast.Call) -> None:
    """The gradient calls after `mark` (the backward, or the call of the helper holding it) in
    `body`, in order: a clip met before any unscale_ or step clips scaled gradients."""
    scaler = receiver(recv)
    for call, where in _events(ctx, _after(body, mark), 0):
        kind = _kind(call)
        if kind == "unscale" or kind == "step":
            break
        if kind == "clip":
            direct = where is call and last(callee(call)) in CLIPS and mark is b
            # a clip written in the backward's loop is check_scaler's, unless no scaler.step
            # shares its block (a backward_pass() method; the step is in another method)
            if not direct or not _steps_in(body, scaler) and not callee(call).startswith("self.") and _same_path(ctx, b, call):
                ctx.report(SCALER, where, f"`{callee(where)}(...)` clips gradients still scaled by "
                           f"`{scaler}` (line {call.lineno}): call "
                           f"`{scaler}.unscale_(optimizer)` before clipping")  # fmt: skip
            break


def _same_path(ctx: Context, first: ast.AST, then: ast.AST) -> bool:
    """`then` can run after `first`: no `if` puts them in opposite branches (an AMP backward in
    the `if`, a plain backward and its clip in the `else`)."""
    for a in ctx.ancestors(then):
        if isinstance(a, ast.If):
            in_body = any(then in walk(s) for s in a.body)
            other = a.orelse if in_body else a.body
            if any(first in walk(s) for s in other):
                return False
    return True


def _steps_in(body: ast.AST, scaler: str | None) -> bool:
    return any(method(c) == "step" and c.args and receiver(c) == scaler for c in _calls_in(body))


def _kind(call: ast.Call) -> str | None:
    name = callee(call)
    if last(name) in CLIPS and not name.startswith(("accelerator", "fabric")):
        return "clip"
    if "clip" in last(name).lower() and any(isinstance(a, ast.Call) and method(a) == "parameters" for a in call.args):
        return "clip"  # a clipper built elsewhere, given the parameters: self.grad_clipper(model.parameters())
    if method(call) == "unscale_":
        return "unscale"
    if method(call) == "step" and call.args:
        return "step"
    return None


def _ordered_calls(node: ast.AST) -> list[ast.Call]:
    return sorted(_calls_in(node), key=lambda c: (c.lineno, c.col_offset))


def _events(ctx: Context, calls: list[ast.Call], depth: int, where: ast.Call | None = None) -> list[tuple[ast.Call, ast.Call]]:
    """(gradient call, the loop's call it happens in) in order, helpers inlined 2 deep."""
    out: list[tuple[ast.Call, ast.Call]] = []
    for c in calls:
        # a helper of this file is read, not judged by its name: a shim's `clip_grad_norm_`
        # may unscale first, its `step(optimizer)` may unscale before stepping
        if depth < 2 and may_resolve(ctx, c) and (t := resolve(ctx, c)) is not None:
            inner = _events(ctx, _ordered_calls(t.fn), depth + 1, where or c)
            if not inner and (hooks := hook_targets(ctx, c)):  # a dispatcher: `getattr(h, stage)(self)` per hook
                inner = _hook_events(ctx, hooks, depth, where or c)
            out += inner
        elif _kind(c):
            out.append((c, where or c))
        elif depth < 2 and (hooks := hook_targets(ctx, c)):
            out += _hook_events(ctx, hooks, depth, where or c)
    return out

def _hook_events(ctx: Context, hooks: list[Target], depth: int, where: ast.Call) -> list[tuple[ast.Call, ast.Call]]:
    """`for h in self.hooks: h.after_backward(self)`: each hook method of that name may run, in an
    order the file does not fix. When one of them unscales on every call, it may run first: an
    unscale. Otherwise a hook that clips before its own unscale clips scaled gradients (an
    unscale under an `if`, every n steps for logging, does not cover the other steps)."""
    per_hook = [_events(ctx, _ordered_calls(t.fn), depth + 1, where) for t in hooks]
    acting = [(t, ev) for t, ev in zip(hooks, per_hook, strict=True) if any(_kind(e) in ("clip", "unscale", "step") for e, _ in ev)]
    if len(acting) > 1 and (ordered := hook_order(ctx, [t for t, _ in acting])) is not None:
        events_of = {id(t): ev for t, ev in acting}
        return _ordered_hook_events(ctx, [(t, events_of[id(t)]) for t in ordered])
    for t, events in zip(hooks, per_hook, strict=True):
        if any(_kind(e) == "unscale" and _always(ctx, e, t.fn) for e, _ in events):
            return [next((e, w) for e, w in events if _kind(e) == "unscale")]
    for events in per_hook:
        first = next((ev for ev in events if _kind(ev[0]) in ("clip", "unscale", "step")), None)
        if first is not None and _kind(first[0]) == "clip":
            return [first]
    return []


def _ordered_hook_events(ctx: Context, hooks: list[tuple[Target, list[tuple[ast.Call, ast.Call]]]]) -> list[tuple[ast.Call, ast.Call]]:
    """Hooks the runner calls in a fixed order (hook_order.py), each with its gradient events:
    the first event of the first hook decides. A clip there clips scaled gradients; an unscale
    on every call, or a step, ends the scan; an unscale under an `if` proves nothing either way."""
    t, events = hooks[0]
    first = next(ev for ev in events if _kind(ev[0]) in ("clip", "unscale", "step"))
    if _kind(first[0]) == "unscale" and not _always(ctx, first[0], t.fn):
        return []
    return [first]


def _always(ctx: Context, call: ast.Call, fn: ast.AST) -> bool:
    """`call` runs on every call of `fn`: no `if`, loop or `try` between them (a call in a
    helper that `fn` calls counts as conditional: not proven)."""
    if ctx.scope_of(call) is not fn:
        return False
    return not any(isinstance(a, (ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While, ast.Try)) for a in ctx.ancestors(call))


CHECKS = [check_scaler, check_helper_clip]
