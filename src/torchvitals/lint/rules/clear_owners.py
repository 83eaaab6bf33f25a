"""TVL003 for a loop that steps several optimizers (a GAN's discriminator and generator, an
actor and a critic) and clears only some of them: `d_step()` calls `opt_d.zero_grad()`,
`g_step()` backpropagates and calls `opt_g.step()` with nothing clearing `opt_g`, so the
generator's gradients pile up across iterations. The loop as a whole "clears", which is why the
per-loop check in loops.py is silent; here every clear must name an optimizer, so a stepped
optimizer that no clear names is known to keep its gradients."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import effects, may_resolve, resolve
from torchvitals.lint.engine import (
    Context,
    callee,
    dotted,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.hooks import hook_targets

_DEPTH = 2


def _cleared(ctx: Context, nodes: list[ast.AST], depth: int = 0) -> set[str] | None:
    """The optimizers whose `zero_grad()` runs among `nodes` (resolved helpers followed, their
    names renamed to the caller's); None when some clear names no optimizer (`model.zero_grad()`,
    `p.grad = None`, a helper's clear of an unbound name): then who is cleared is unknown."""
    out: set[str] = set()
    for n in nodes:
        if isinstance(n, (ast.Assign, ast.AugAssign)) and any(t.endswith(".grad") or t == "grad" for t in targets_of(n)):
            return None
        if not isinstance(n, ast.Call):
            continue
        m, recv = method(n), receiver(n)
        if "zero_grad" in (m or callee(n)) or (m == "zero_" and "grad" in (recv or "")):
            if m != "zero_grad" or not ctx.is_optimizer(recv):
                return None
            out.add(recv)  # type: ignore[arg-type]
        if hook_targets(ctx, n) and any(effects(ctx, t.fn).clears for t in hook_targets(ctx, n)):
            return None
        if may_resolve(ctx, n) and (t := resolve(ctx, n)) is not None:
            inner = _cleared(ctx, list(walk_scope(t.fn)), depth + 1) if depth < _DEPTH else None
            if inner is None and effects(ctx, t.fn).clears:
                return None
            for k in inner or ():
                if (named := t.rename(k)) is None:
                    return None
                out.add(named)
    return out


def _stepped(ctx: Context, nodes: list[ast.AST]) -> dict[str, ast.Call] | None:
    """Each optimizer stepped among `nodes` -> the call that steps it (directly, or the helper
    call whose function steps it); None when a helper steps one the caller cannot name."""
    out: dict[str, ast.Call] = {}
    for n in nodes:
        if not isinstance(n, ast.Call):
            continue
        if opt := ctx.optimizer_step(n):
            out.setdefault(opt, n)
        elif may_resolve(ctx, n) and (t := resolve(ctx, n)) is not None:
            for o in sorted(effects(ctx, t.fn).steps):
                if (named := t.rename(o)) is None:
                    return None
                out.setdefault(named, n)
    return out


def uncleared_optimizer(ctx: Context, loop: ast.AST) -> tuple[str, ast.Call] | None:
    """In a loop that steps two or more optimizers and clears only by naming optimizers, one
    stepped optimizer whose gradients nothing clears (and where it is stepped). Every cleared
    optimizer must be stepped here too: an optimizer kept only to clear (`opt_all.zero_grad()`
    over the parameters of two stepping ones) may cover the others."""
    nodes = list(walk_scope(loop))
    stepped = _stepped(ctx, nodes)
    if not stepped or len(stepped) < 2:
        return None
    cleared = _cleared(ctx, nodes)
    if not cleared or not cleared <= set(stepped):
        return None
    missing = [k for k in stepped if k not in cleared and "<" not in k and not _handed_away(ctx, nodes, k)]
    return (missing[0], stepped[missing[0]]) if missing else None


def _handed_away(ctx: Context, nodes: list[ast.AST], opt: str) -> bool:
    """`opt` is passed to a call this file cannot follow (`utils.reset(opt_g)`, a library's
    `clip_and_clear(opt_g)`): that call may clear it. `scaler.step(opt_g)` only steps."""
    for n in nodes:
        if not isinstance(n, ast.Call) or ctx.optimizer_step(n) or (may_resolve(ctx, n) and resolve(ctx, n) is not None):
            continue
        if any(dotted(a) == opt for a in [*n.args, *(k.value for k in n.keywords)]):
            return True
    return False
