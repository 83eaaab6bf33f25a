"""The values the lint evaluator (values.py) works with, and what can be done with them without
reading the file: a constant, a `Seq`, a `Table`, a `Made` call, or ANY (what the file does not
show); comparisons, arithmetic, truth, unpacking."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from torchvitals.lint.syntax import walk

MAX_VALUES = 32  # more alternatives than this: unknown (keeps evaluation linear in practice)
Env = tuple  # ((scope id, name), frozenset of values) pairs: what the parameters hold


class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()  # a value the file does not show (inside a Seq or Table it spoils only that item)
UNKNOWN = frozenset({ANY})


@dataclass(frozen=True)
class Seq:
    """A tuple or list written out in the file."""

    items: tuple


@dataclass(frozen=True)
class Table:
    """A dict the file writes out: (key, value) in insertion order."""

    items: tuple

    def get(self, key: object, default: object = ANY) -> object:
        return next((v for k, v in self.items if k == key), default)

    def keys(self) -> tuple:
        return tuple(k for k, _ in self.items)


@dataclass(frozen=True, eq=False)
class Made:
    """A value made by `node` (a call the evaluator does not reduce), with the parameter values
    of the function it was reached through. Equal only to itself."""

    node: ast.AST
    env: Env = ()


def products(parts: list[list], build) -> frozenset:  # noqa: ANN001
    n = 1
    for p in parts:
        n *= max(len(p), 1)
        if n > MAX_VALUES:
            return UNKNOWN
    out = set()
    for combo in itertools.product(*parts):
        out.add(ANY if any(c is None for c in combo) else build(combo))
    return frozenset(out)


def table(chunks: Iterable[tuple]) -> object:
    merged: dict = {}
    for chunk in chunks:
        for k, v in chunk:
            if k is ANY or isinstance(k, (Made, Seq, Table)):
                return ANY
            merged.pop(k, None)
            merged[k] = v
    return Table(tuple(merged.items()))


def spoiled(v: object, paths: tuple) -> object:
    """`v` with the entry at each key path made unknown; a path through a key the table does not
    hold (a new key: its key list changes) or through anything but a table spoils it whole."""
    for path in paths:
        v = _spoil(v, path)
    return v


def _spoil(v: object, path: tuple) -> object:
    if not isinstance(v, Table) or path[0] not in v.keys():
        return ANY
    return Table(tuple((k, (ANY if len(path) == 1 else _spoil(x, path[1:])) if k == path[0] else x) for k, x in v.items))


def entry_of(base: object, k: object) -> object:
    if isinstance(base, Table):
        return base.get(k)
    if isinstance(base, Seq) and isinstance(k, int) and not isinstance(k, bool) and -len(base.items) <= k < len(base.items):
        return base.items[k]
    return ANY


def members(v: object) -> tuple | None:
    return v.items if isinstance(v, Seq) else v.keys() if isinstance(v, Table) else None


def zipped(vs: tuple) -> object:
    items = [members(v) for v in vs]
    if any(i is None for i in items):
        return ANY
    return Seq(tuple(Seq(t) for t in zip(*items, strict=False)))  # type: ignore[misc]


def target_names(target: ast.AST) -> list[str]:
    return [n.id for n in walk(target) if isinstance(n, ast.Name)]


def unpack(target: ast.AST, item: object) -> dict[str, object] | None:
    if isinstance(target, ast.Name):
        return {target.id: item}
    if isinstance(target, (ast.Tuple, ast.List)):
        if not isinstance(item, Seq) or len(item.items) != len(target.elts) or any(isinstance(t, ast.Starred) for t in target.elts):
            return {n: ANY for n in target_names(target)}
        out: dict[str, object] = {}
        for t, v in zip(target.elts, item.items, strict=True):
            inner = unpack(t, v)
            if inner is None:
                return None
            out.update(inner)
        return out
    return None


SCALARS = (str, int, float, bool, type(None), bytes)


def compare(op: ast.cmpop, a: object, b: object) -> object:
    if isinstance(op, (ast.In, ast.NotIn)):
        items = members(b) if isinstance(b, (Seq, Table)) else None
        if items is None or not isinstance(a, SCALARS) or any(i is ANY or isinstance(i, Made) for i in items):
            return ANY
        found = any(a == i for i in items)
        return found if isinstance(op, ast.In) else not found
    if not isinstance(a, SCALARS) or not isinstance(b, SCALARS):
        return ANY
    try:
        return {ast.Eq: lambda: a == b, ast.NotEq: lambda: a != b, ast.Is: lambda: a is b if a is None or b is None else ANY,
                ast.IsNot: lambda: a is not b if a is None or b is None else ANY, ast.Lt: lambda: a < b, ast.LtE: lambda: a <= b,
                ast.Gt: lambda: a > b, ast.GtE: lambda: a >= b}[type(op)]()  # type: ignore[operator]  # fmt: skip
    except (TypeError, KeyError):
        return ANY


def binop(op: ast.operator, a: object, b: object) -> object:
    if isinstance(op, ast.Add) and isinstance(a, Seq) and isinstance(b, Seq):
        return Seq(a.items + b.items)
    if isinstance(op, ast.BitOr) and isinstance(a, Table) and isinstance(b, Table):
        return table([a.items, b.items])
    if not (isinstance(a, (int, float, str)) and isinstance(b, (int, float, str))):
        return ANY
    try:
        return {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b, ast.Div: lambda: a / b,
                ast.FloorDiv: lambda: a // b, ast.Mod: lambda: a % b}[type(op)]()  # type: ignore[operator]  # fmt: skip
    except (TypeError, KeyError, ZeroDivisionError, OverflowError, ValueError):
        return ANY


def truthy(v: object) -> bool | None:
    """The truth of one value: None for a value the file does not show (or a call's result)."""
    if v is ANY or isinstance(v, Made):
        return None
    if isinstance(v, (Seq, Table)):
        return bool(v.items)
    return bool(v)


def truthy_all(vals: frozenset) -> bool | None:
    seen = {truthy(v) for v in vals}
    return seen.pop() if len(seen) == 1 and None not in seen else None


def made_in(v: object) -> list[Made]:
    if isinstance(v, Made):
        return [v]
    if isinstance(v, Seq):
        return [m for i in v.items for m in made_in(i)]
    if isinstance(v, Table):
        return [m for _, i in v.items for m in made_in(i)]
    return []


def union(parts: Iterable[frozenset]) -> frozenset:
    """Every value any part may hold; unknown past MAX_VALUES alternatives."""
    out: frozenset = frozenset()
    for p in parts:
        out |= p
        if len(out) > MAX_VALUES:
            return UNKNOWN
    return out


def iterated(v: object) -> frozenset:
    """What a loop over `v` may bind, one item per iteration."""
    if isinstance(v, Seq):
        return frozenset(v.items)
    if isinstance(v, Table):
        return frozenset(v.keys())
    return UNKNOWN
