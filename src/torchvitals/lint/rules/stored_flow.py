"""What the functions of a class (or module) store on a shared object, as another function
reading it sees it: `act()` under `@no_grad()` appending log-probabilities to
`self.log_probs`, which `finish_episode()` stacks into the loss (TVL001/TVL002, gradflow.py).
"""

from __future__ import annotations

import ast

from torchvitals.lint.calls import resolve
from torchvitals.lint.engine import Context, targets_of, walk_scope
from torchvitals.lint.rules.cutflow import nograd_block, nograd_decorator, scope_flow


def stored_on_objects(ctx: Context, owner: ast.ClassDef | ast.Module, models: set[str]) -> dict[str, tuple[set[str], dict[str, tuple]]]:
    """What the methods of a class store into `self.<attr>`, or the module's functions into an
    attribute of a module-level object (`policy.saved_log_probs.append(...)`), as another
    function reading it sees it: the models reaching it live, and those reaching it only
    through a cut (all that a function decorated `@no_grad()` stores is cut)."""
    memo = ctx.memo.setdefault("stored_on_objects", {})
    key = (id(owner), frozenset(models))
    hit = memo.get(key)
    if hit is not None and hit[0] is owner:
        return hit[1]
    out: dict[str, tuple[set[str], dict[str, tuple]]] = {}
    for fn in owner.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        flow = scope_flow(ctx, fn, models)
        deco = nograd_decorator(fn) or _only_called_without_grad(ctx, fn)
        local = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
        local |= {t for n in walk_scope(fn) for t in targets_of(n) if "." not in t}
        for name in {*flow.live, *flow.dead}:
            head = name.split(".")[0]
            shared = head == "self" if isinstance(owner, ast.ClassDef) else head not in local
            if not shared or name.count(".") != 1 or "@" in name:
                continue
            live, dead = out.setdefault(name, (set(), {}))
            for m in flow.live.get(name, ()):
                if deco is None:
                    live.add(m)
                else:
                    dead.setdefault(m, ("TVL001", deco))
            for m, c in flow.dead.get(name, {}).items():
                dead.setdefault(m, c)
    memo[key] = (owner, out)
    return out


def _only_called_without_grad(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST | None:
    """The `no_grad` block (or decorator) around the first call of `fn`, when every call of it in
    this file runs without a graph (`with torch.no_grad(): agent.act(obs)`); else None."""
    first: ast.AST | None = None
    for c in ctx.calls:
        f = c.func
        if (f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else "") != fn.name:
            continue
        t = resolve(ctx, c)
        if t is None or t.fn is not fn:
            continue
        block = nograd_block(ctx, c) or nograd_decorator(ctx.scope_of(c))
        if block is None:
            return None
        first = first or block
    return first
