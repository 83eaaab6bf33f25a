"""Calls the lint evaluator (values.py) reads without running them: builtins that build or copy
containers and the reads of a dict's entries. Each takes `ev`, the evaluator itself, to read its
arguments."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable

from torchvitals.lint.engine import Context, dotted
from torchvitals.lint.rules.value_kinds import (
    ANY,
    MAX_VALUES,
    UNKNOWN,
    Env,
    Seq,
    Table,
    members,
    products,
    zipped,
)
from torchvitals.lint.rules.value_reads import popped_elsewhere

Evaluate = Callable[[ast.AST, Env], frozenset]

CONTAINER_READS = {"get", "pop", "items", "keys", "values", "copy"}
PASS_ALONG = {"dict", "list", "tuple", "copy", "deepcopy", "copy.copy", "copy.deepcopy", "OrderedDict", "collections.OrderedDict"}



def container_read(ctx: Context, e: ast.Call, receivers: frozenset, env: Env, ev: Evaluate) -> frozenset:
    """`d.get(k, default)`, `d.pop(k, default)`, `d.items()`, `.keys()`, `.values()`, `.copy()` of a Table."""
    attr = e.func.attr  # type: ignore[attr-defined]
    if attr in ("get", "pop"):
        if not e.args or e.keywords:
            return UNKNOWN
        root = dotted(e.func.value)  # type: ignore[attr-defined]
        keys = ev(e.args[0], env)
        if attr == "pop" and root and popped_elsewhere(ctx, e, root, keys):
            return UNKNOWN
        default = ev(e.args[1], env) if len(e.args) > 1 else frozenset({None if attr == "get" else ANY})
        out: set = set()
        for r in receivers:
            for k in keys:
                v = r.get(k, None) if isinstance(r, Table) else ANY
                out |= default if v is None and isinstance(r, Table) and k not in r.keys() else {v}
        return frozenset(out)
    if attr == "copy":
        return receivers
    out = set()
    for r in receivers:
        if not isinstance(r, Table):
            out.add(ANY)
        elif attr == "items":
            out.add(Seq(tuple(Seq((k, v)) for k, v in r.items)))
        else:
            out.add(Seq(r.keys() if attr == "keys" else tuple(v for _, v in r.items)))
    return frozenset(out)


def builtin(e: ast.Call, name: str, env: Env, ev: Evaluate) -> frozenset:
    """`dict(...)`, `list(...)`, `tuple(...)`, `copy.deepcopy(...)`, `range(n)`, `enumerate(...)`, `zip(...)`."""
    args = [ev(a, env) for a in e.args if not isinstance(a, ast.Starred)]
    if len(args) != len(e.args):
        return UNKNOWN
    if name in ("dict", "OrderedDict", "collections.OrderedDict"):
        if len(e.args) > 1:
            return UNKNOWN
        literal = ast.Dict(keys=[*([None] if e.args else []), *(None if k.arg is None else ast.Constant(k.arg) for k in e.keywords)],
                           values=[*e.args, *(k.value for k in e.keywords)])  # fmt: skip
        return ev(literal, env)
    if name in ("list", "tuple"):
        if len(args) != 1:
            return frozenset({Seq(())}) if not args else UNKNOWN
        return frozenset(Seq(v.items) if isinstance(v, Seq) else Seq(v.keys()) if isinstance(v, Table) else ANY for v in args[0])
    if name in ("copy", "deepcopy", "copy.copy", "copy.deepcopy"):
        return args[0] if len(args) == 1 else UNKNOWN
    if name == "range":
        ints = [a for a in args if len(a) == 1 and isinstance(next(iter(a)), int)]
        if len(ints) != len(args) or not 1 <= len(args) <= 3:
            return UNKNOWN
        r = range(*(next(iter(a)) for a in ints))
        return frozenset({Seq(tuple(r))}) if len(r) <= MAX_VALUES else UNKNOWN
    if name == "enumerate" and len(args) == 1 and not e.keywords:
        return frozenset(Seq(tuple(Seq((i, x)) for i, x in enumerate(members(v)))) if members(v) is not None else ANY for v in args[0])
    if name == "zip" and args and not e.keywords:
        return products([list(a) for a in args], lambda vs: zipped(vs))
    if name == "json.loads" and len(args) == 1 and not e.keywords:
        return _parsed_json(args[0])
    return UNKNOWN


def _parsed_json(texts: frozenset) -> frozenset:
    """`json.loads(args.override)` with the option's default `"{}"`: the document each known
    string holds (a config overlay a run without the option leaves empty). Parsing is not
    running: nothing of the file is executed."""
    out = set()
    for t in texts:
        if not isinstance(t, str) or len(t) > 2000:
            return UNKNOWN
        try:
            out.add(_json_value(json.loads(t)))
        except (ValueError, RecursionError):
            return UNKNOWN
    return frozenset(out)


def _json_value(v: object) -> object:
    if isinstance(v, dict):
        return Table(tuple((k, _json_value(x)) for k, x in v.items()))
    if isinstance(v, list):
        return Seq(tuple(_json_value(x) for x in v))
    return v


_TYPES = {"dict": dict, "list": list, "tuple": tuple, "str": str, "int": int, "float": float, "bool": bool}


def type_test(e: ast.Call, env: Env, ev: Evaluate) -> frozenset | None:
    """`isinstance(v, dict)` (a recursive config converter's test) of a value the file shows: a
    Table is a dict, a constant is what Python says; a Seq (list or tuple, not told apart) only
    when the test names both or neither. None (read as before: the call's result) for any other
    class named or a value of unknown type."""
    kinds = e.args[1] if len(e.args) == 2 and not e.keywords else None
    names = [dotted(k) for k in (kinds.elts if isinstance(kinds, ast.Tuple) else [kinds])] if kinds is not None else []
    if not names or any(n not in _TYPES for n in names):
        return None
    types = tuple(_TYPES[n] for n in names)  # type: ignore[index]
    out = set()
    for v in ev(e.args[0], env):
        if isinstance(v, Table):
            out.add(dict in types)
        elif isinstance(v, Seq):
            seqs = {list, tuple} & set(types)
            out.add(ANY if len(seqs) == 1 else bool(seqs))
        elif v is None or isinstance(v, (str, int, float, bool)):
            out.add(isinstance(v, types))
        else:
            return None
    return frozenset(out) if ANY not in out else None


Field = Callable[[object, str, "frozenset | None"], frozenset]


def attribute_read(e: ast.Call, env: Env, ev: Evaluate, field: Field) -> frozenset | None:
    """`getattr(cfg, "shuffle", False)`, `getattr(cfg.data, split)`: the field of each config
    object the first argument may be, for each name the second may be, the default where a
    namespace lacks the name. None (read as before: the call's result) unless every object is a
    call's result whose fields the file shows (a module's attribute, `getattr(lr_scheduler,
    name)`, stays what the caller made of it)."""
    if e.keywords or not 2 <= len(e.args) <= 3:
        return None
    bases, keys = ev(e.args[0], env), ev(e.args[1], env)
    if not bases or any(not (hasattr(b, "node") and isinstance(b.node, ast.Call)) for b in bases):  # type: ignore[attr-defined]
        return None
    if not keys or not all(isinstance(k, str) for k in keys):
        return None
    default = ev(e.args[2], env) if len(e.args) == 3 else None
    out: frozenset = frozenset()
    for b in bases:
        for k in keys:
            out |= field(b, k, default)
    return None if ANY in out else out  # not every field known: the call's result, as before


def namespace_field(call: ast.Call, attr: str, env: Env, ev: Evaluate, absent: frozenset | None = None) -> frozenset:
    """`ns.attr` of `SimpleNamespace(a=1, **entries)` (an EasyDict of a dict, ...): the keyword
    given, else the entry of the one dict it was built from; where the namespace lacks it,
    `absent` (getattr's default) or unknown."""
    given = next((k.value for k in call.keywords if k.arg == attr), None)
    if given is not None:
        return ev(given, env)
    items = [*call.args, *(k.value for k in call.keywords if k.arg is None)]
    if len(items) > 1 or not items and absent is None:
        return UNKNOWN
    tables = ev(items[0], env) if items else frozenset({Table(())})
    out: set = set()
    for t in tables:
        if isinstance(t, Table) and attr in t.keys():
            out.add(t.get(attr))
        else:
            out |= absent if isinstance(t, Table) and absent is not None else UNKNOWN
    return frozenset(out)

