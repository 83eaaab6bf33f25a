"""Dict entries updated in place between a binding and a read: `cfg["lr"] *= 2`.

The evaluator (values.py) used to spoil any entry written after its dict was bound, so a config
scaled in place (`hp = {"lr": 1e-3, "warmup": 100}; hp["lr"] *= world_size`) lost that entry.
When the binding, every update of the entry and the read stand in one block, in that order
(straight-line code: no loop or branch between them), and the entry is written nowhere else in
the scope, the update is computed: the entry holds the operation over its previous values.
Anything else is left to the evaluator's spoiling, as before.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Callable

from torchvitals.lint.engine import Context, walk_scope
from torchvitals.lint.rules.flow import BLOCK_FIELDS
from torchvitals.lint.rules.value_kinds import ANY, MAX_VALUES, UNKNOWN, Table, binop
from torchvitals.lint.rules.value_reads import (
    _key_path,
    _statement,
    _writes_into,
    _written_entry,
    written_paths,
)
from torchvitals.lint.syntax import walk

Evaluate = Callable[[ast.AST], frozenset]


def updated_entries(ctx: Context, name: str, bound: ast.AST, use: ast.AST, vals: frozenset, ev: Evaluate) -> tuple[frozenset, tuple]:
    """`vals` (what `name` was bound to by `bound`) with the entries updated in place before `use`
    worked out, and the key paths so handled (the evaluator spoils only the others)."""
    if not any(isinstance(v, Table) for v in vals):
        return vals, ()
    augs = _updates_between(ctx, name, _statement(ctx, bound), _statement(ctx, use))
    scope = ctx.scope_of(use)
    paths = written_paths(ctx, name, scope) if augs else None
    if not paths:
        return vals, ()
    writes = _write_counts(ctx, name, scope)
    done = tuple(p for p in dict.fromkeys(p for p, _ in augs)
                 if writes.get(p) == sum(q == p for q, _ in augs) and not any(q != p and q[: len(p)] == p[: len(q)] for q in paths))  # fmt: skip
    if not done:
        return vals, ()
    out: set = set()
    for v in vals:
        out |= _apply(v, [(p, a) for p, a in augs if p in done], ev) if isinstance(v, Table) else {v}
        if len(out) > MAX_VALUES:
            return UNKNOWN, ()
    return frozenset(out), done


def _updates_between(ctx: Context, name: str, first: ast.AST, last: ast.AST) -> list[tuple[tuple, ast.AugAssign]]:
    """The `name[k] op= v` statements standing between `first` and `last` in their one block."""
    par = ctx.parent.get(first)
    if par is None or ctx.parent.get(last) is not par:
        return []
    for field in BLOCK_FIELDS:
        at, updates = _block_updates(ctx, par, field)
        i, j = at.get(id(first)), at.get(id(last))
        if i is not None and j is not None and i < j:
            found = updates.get(name, [])
            return [(path, aug) for k, path, aug in found[bisect.bisect_right(found, i, key=lambda u: u[0]) :] if k < j]
    return []


def _block_updates(ctx: Context, par: ast.AST, field: str) -> tuple[dict[int, int], dict[str, list]]:
    """For one block: each statement's position, and by name the `name[k] op= v` statements in
    it (position, key path, statement), indexed once per block."""
    memo = ctx.memo.setdefault("entry_updates", {})
    hit = memo.get((id(par), field))
    if hit is None or hit[0] is not par:
        stmts = getattr(par, field, None) or []
        updates: dict[str, list] = {}
        for i, s in enumerate(stmts):
            if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Subscript):
                root = s.target
                while isinstance(root, ast.Subscript):
                    root = root.value
                if isinstance(root, ast.Name) and (path := _key_path(s.target, root.id)) is not None:
                    updates.setdefault(root.id, []).append((i, path, s))
        hit = memo[(id(par), field)] = (par, {id(s): i for i, s in enumerate(stmts)}, updates)
    return hit[1], hit[2]


def _write_counts(ctx: Context, name: str, scope: ast.AST) -> dict[tuple, int]:
    """How many times the scope writes each key path under `name` (worked out once per name)."""
    memo = ctx.memo.setdefault("entry_write_counts", {})
    key = (id(scope), name)
    if key not in memo:
        counts: dict[tuple, int] = {}
        for n in walk(scope) if isinstance(scope, ast.Module) else walk_scope(scope):
            if _writes_into(n, name) and (path := _key_path(_written_entry(n), name)) is not None:
                counts[path] = counts.get(path, 0) + 1
        memo[key] = counts
    return memo[key]


def _apply(v: Table, augs: list[tuple[tuple, ast.AugAssign]], ev: Evaluate) -> frozenset:
    """Every table `v` may become after `augs`, in order."""
    tables = {v}
    for path, aug in augs:
        rights = ev(aug.value)
        nxt = set()
        for t in tables:
            for old in _entries(t, path):
                nxt |= {_replaced(t, path, binop(aug.op, old, r)) for r in rights}
        if len(nxt) > MAX_VALUES:
            return UNKNOWN
        tables = nxt
    return frozenset(tables)


def _entries(v: object, path: tuple) -> set:
    for k in path:
        v = v.get(k) if isinstance(v, Table) else ANY
    return {v}


def _replaced(v: object, path: tuple, new: object) -> object:
    if not isinstance(v, Table) or path[0] not in v.keys():
        return ANY
    return Table(tuple((k, (new if len(path) == 1 else _replaced(x, path[1:], new)) if k == path[0] else x) for k, x in v.items))
