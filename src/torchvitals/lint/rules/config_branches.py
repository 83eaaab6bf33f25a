"""Which branch of a config-driven builder a call takes, when the file decides it.

    CONFIG = {"scheduler": {"name": "step", "decay_epochs": 30}}
    def build_scheduler(opt, cfg):
        if cfg["name"] == "step":
            return StepLR(opt, step_size=cfg["decay_epochs"])
        if cfg["name"] == "cosine":
            return CosineAnnealingLR(opt, T_max=cfg["t_max"])
    Trainer(CONFIG)  ->  self.sched = build_scheduler(self.opt, cfg["scheduler"])

A builder with several branches is otherwise unknown (one may build a per-batch schedule). When
the config the caller passes is a dict literal of this file that nothing writes into, the test
`cfg["name"] == "cosine"` reads back to a constant comparison, and the branch it guards is dead
for that call. Anything not read back to a literal leaves the branch alive (undecided)."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import FUNCS, enclosing_class
from torchvitals.lint.engine import Context, callee, last, method, walk_scope
from torchvitals.lint.options import option
from torchvitals.lint.rules.values import truth
from torchvitals.lint.syntax import is_nograd_with, kwarg, passed, positional, targets_of, walk

_WRITES = ("update", "setdefault", "pop", "clear", "__setitem__", "popitem")


def decided_false(ctx: Context, test: ast.expr, caller: ast.AST) -> bool:
    """`test` (a builder's `if`, rewritten with what the call passes) reads back to False for
    a call made in scope `caller`."""
    return _decide(ctx, test, caller) is False


def guards(ctx: Context, ret: ast.AST, fn: ast.AST) -> list[ast.expr]:
    """The tests of the `if`s of `fn` whose body (not else) holds `ret`."""
    out: list[ast.expr] = []
    child = ret
    for a in ctx.ancestors(ret):
        if isinstance(a, ast.If) and any(child is s for s in a.body):
            out.append(a.test)
        if a is fn:
            break
        child = a
    return out


def returned_before(ctx: Context, ret: ast.AST, fn: ast.AST) -> list[ast.expr]:
    """The tests of the `if`s of `fn` that come before `ret` in a block holding it and whose body
    ends in a `return` (`if cfg["kind"] == "step": return StepLR(...)` then a fallback return):
    when one reads back to True, `ret` never runs."""
    out: list[ast.expr] = []
    child = ret
    for a in ctx.ancestors(ret):
        for body in (getattr(a, "body", None), getattr(a, "orelse", None)):
            if isinstance(body, list) and any(child is s for s in body):
                for stmt in body[: next(i for i, s in enumerate(body) if s is child)]:
                    if isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], ast.Return):
                        out.append(stmt.test)
        if a is fn:
            break
        child = a
    return out


def _decide(ctx: Context, test: ast.expr, scope: ast.AST) -> bool | None:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))):
        return None
    left, right = _literal(ctx, test.left, scope, 0), _literal(ctx, test.comparators[0], scope, 0)
    if not (isinstance(left, ast.Constant) and isinstance(right, ast.Constant)):
        return None
    same = left.value == right.value
    return same if isinstance(test.ops[0], ast.Eq) else not same


def _literal(ctx: Context, node: ast.AST | None, scope: ast.AST, depth: int, path: tuple[object, ...] = ()) -> ast.AST | None:
    """The constant or dict literal `node` stands for: a literal, `x["key"]` of one, a name bound
    once to one and never written into where it is read (`path`: the keys read below `node`;
    `cfg["train"]["epochs"] = n` leaves `cfg["sched"]` as written), an option's default, or a
    parameter every caller passes one for."""
    if depth > 6 or node is None:
        return None
    if isinstance(node, (ast.Constant, ast.Dict)) or isinstance(node, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Constant) for e in node.elts):
        return node
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        outer = _literal(ctx, node.value, scope, depth + 1, (node.slice.value, *path))
        if isinstance(outer, ast.Dict):
            hits = [v for k, v in zip(outer.keys, outer.values, strict=True) if isinstance(k, ast.Constant) and k.value == node.slice.value]
            return _literal(ctx, hits[0], scope, depth + 1) if len(hits) == 1 else None
        return None
    if isinstance(node, ast.Call) and method(node) == "get" and node.args and isinstance(node.args[0], ast.Constant):
        return _dict_get(ctx, node, scope, depth, path)  # cfg.get("amp", False)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return _self_attr(ctx, node.attr, scope, depth)
    if isinstance(node, ast.Call) and (last(callee(node)) in _class_names(ctx) or last(callee(node)) in _NAMESPACES):
        return node  # a config object (`TrainCfg()`, `SimpleNamespace(lr=...)`): its fields are read below
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args and not node.keywords:
        return _made_by(ctx, node.func.id, depth)  # `cfg = get_cfg()`
    if isinstance(node, ast.Attribute) and (default := _option_default(ctx, node)) is not None:
        return _literal(ctx, default, scope, depth + 1)  # `args.scope` of `add_argument("--scope", default="head")`
    if isinstance(node, ast.Attribute):
        return _field(ctx, node, scope, depth)
    if not isinstance(node, ast.Name) or _written_into(ctx, node.id, path):
        return None
    if isinstance(scope, FUNCS) and node.id in [a.arg for a in [*scope.args.posonlyargs, *scope.args.args, *scope.args.kwonlyargs]]:
        if (filled := _filled_default(ctx, scope, node.id)) is not None:
            return _literal(ctx, filled, scope, depth + 1, path)
        return _from_callers(ctx, scope, node.id, depth, path)
    vals = ctx.values.get(node.id, [])
    return _literal(ctx, vals[0], scope, depth + 1, path) if len(vals) == 1 else None


def _option_default(ctx: Context, node: ast.Attribute) -> ast.expr | None:
    """`args.scope` where `args = parser.parse_args()` (bound once) and the file declares
    `add_argument("--scope", default="head")`: the default, what runs when nobody passes the
    flag (False / True for a `store_true` / `store_false` flag). None when the option is
    required, has no default, or the file assigns `.scope` anywhere."""
    base = node.value
    made = ctx.values.get(base.id, []) if isinstance(base, ast.Name) else []
    if len(made) != 1 or not (isinstance(made[0], ast.Call) and method(made[0]) in ("parse_args", "parse_known_args")):
        return None
    if (opt := option(ctx, node)) is None or _attr_assigned(ctx, node.attr) or _true(kwarg(opt, "required")):
        return None
    if (default := kwarg(opt, "default")) is not None:
        return default
    action = kwarg(opt, "action")
    flag = action.value if isinstance(action, ast.Constant) else None
    return ast.Constant(value=flag == "store_false") if flag in ("store_true", "store_false") else None


def _true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)


def _class_names(ctx: Context) -> set[str]:
    hit = ctx.memo.get("class_names")
    if hit is None:
        hit = ctx.memo["class_names"] = {c.name for c in ctx.classes}
    return hit


def _field(ctx: Context, node: ast.Attribute, scope: ast.AST, depth: int) -> ast.AST | None:
    """`cfg.precision` (`self.cfg.precision`) of a config object built from a class of this file
    (a dataclass): the keyword its construction passes, else the class's default. Unknown when
    the construction passes positional arguments or the file assigns that attribute anywhere."""
    spaces = "Namespace(" in ctx.text
    if node.attr not in _field_names(ctx) and not spaces:
        return None  # no class of this file declares such a field: nothing to read back
    made = _literal(ctx, node.value, scope, depth + 1)
    if not isinstance(made, ast.Call) or _attr_assigned(ctx, node.attr):
        return None
    if last(callee(made)) in _NAMESPACES:  # SimpleNamespace(MODEL=SimpleNamespace(FREEZE_AT=0), ...)
        given = [k.value for k in made.keywords if k.arg == node.attr]
        return _literal(ctx, given[0], ctx.scope_of(made), depth + 1) if len(given) == 1 and not made.args else None
    if node.attr not in _field_names(ctx):
        return None
    if any(k.arg is None for k in made.keywords):
        return None
    given = next((k.value for k in made.keywords if k.arg == node.attr), None)
    if given is not None:
        return _literal(ctx, given, ctx.scope_of(made), depth + 1)
    classes = [c for c in ctx.classes if c.name == last(callee(made))]
    if made.args or len(classes) != 1:
        return None
    for st in classes[0].body:
        if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and st.target.id == node.attr and st.value is not None:
            return _literal(ctx, st.value, classes[0], depth + 1)
    return None


_NAMESPACES = {"SimpleNamespace", "Namespace"}


def _made_by(ctx: Context, name: str, depth: int) -> ast.AST | None:
    """`get_cfg()`, a function of this file with no parameters and one `return`: the literal
    config it returns."""
    fn = next((f for f in ctx.tree.body if isinstance(f, FUNCS) and f.name == name), None)
    if fn is None or fn.args.args or fn.args.posonlyargs or fn.args.kwonlyargs:
        return None
    rets = [r for r in walk_scope(fn) if isinstance(r, ast.Return)]
    return _literal(ctx, rets[0].value, fn, depth + 1) if len(rets) == 1 else None


def _field_names(ctx: Context) -> set[str]:
    """The fields the classes of this file declare (`precision: str = "fp32"`), once per file."""
    hit = ctx.memo.get("field_names")
    if hit is None:
        hit = ctx.memo["field_names"] = {
            st.target.id for c in ctx.classes for st in c.body if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)
        }
    return hit


def _attr_assigned(ctx: Context, attr: str) -> bool:
    """Some statement of the file assigns `<anything>.attr` (a config field changed after it
    is built: from the command line, a sweep). The attributes are gathered once per file."""
    hit = ctx.memo.get("attrs_assigned")
    if hit is None:
        hit = ctx.memo["attrs_assigned"] = set()
        for n in walk(ctx.tree):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, (ast.AugAssign, ast.AnnAssign)) else []
            for t in targets:
                for x in walk(t):
                    if isinstance(x, ast.Attribute) and isinstance(x.ctx, ast.Store):
                        hit.add(x.attr)
        if "setattr" in ctx.text:
            hit.add("*")
    return attr in hit or "*" in hit


def literal_value(ctx: Context, node: ast.AST, scope: ast.AST) -> ast.AST | None:
    """The literal `node` reads back to in `scope` (a setting, a parameter every caller passes
    one for, a config object's field), else None."""
    return _literal(ctx, node, scope, 0)


def decide_truth(ctx: Context, test: ast.expr, scope: ast.AST) -> bool | None:
    """`test` read back to True or False (a comparison or a config value), else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = decide_truth(ctx, test.operand, scope)
        return None if inner is None else not inner
    if isinstance(test, ast.Compare):
        decided = _decide(ctx, test, scope)
    else:
        found = _literal(ctx, test, scope, 0)
        decided = bool(found.value) if isinstance(found, ast.Constant) else None
    if decided is None and test in ctx.parent and ctx.scope_of(test) is scope:
        decided = truth(ctx, test)  # the shared evaluator: comprehensions, builders, dict defaults, `or` fallbacks
    return decided


def _dict_get(ctx: Context, node: ast.Call, scope: ast.AST, depth: int, path: tuple[object, ...] = ()) -> ast.AST | None:
    key = node.args[0].value  # type: ignore[attr-defined]
    outer = _literal(ctx, node.func.value, scope, depth + 1, (key, *path))  # type: ignore[attr-defined]
    if not isinstance(outer, ast.Dict):
        return None
    hits = [v for k, v in zip(outer.keys, outer.values, strict=True) if isinstance(k, ast.Constant) and k.value == key]
    if len(hits) == 1:
        return _literal(ctx, hits[0], scope, depth + 1)
    if any(k is None for k in outer.keys):
        return None  # `{**base, ...}`: the key may come from elsewhere
    return _literal(ctx, node.args[1], scope, depth + 1) if len(node.args) > 1 else ast.Constant(value=None)


def _self_attr(ctx: Context, attr: str, scope: ast.AST, depth: int) -> ast.AST | None:
    """`self.cfg` in a method: the parameter `__init__` stores there (`self.cfg = cfg`, the only
    binding of `self.cfg` in the class), read back from what every construction passes."""
    cls = enclosing_class(ctx, scope.body[0]) if isinstance(scope, FUNCS) and scope.body else None
    if cls is None or _written_into(ctx, f"self.{attr}"):
        return None
    binds = [n for n in walk(cls) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
             and any(_dotted(t) == f"self.{attr}" for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]  # fmt: skip
    init = next((f for f in cls.body if isinstance(f, FUNCS) and f.name == "__init__"), None)
    if init is None or len(binds) != 1 or not isinstance(binds[0], ast.Assign) or not isinstance(binds[0].value, ast.Name):
        return None
    if ctx.scope_of(binds[0]) is not init:
        return None
    return _literal(ctx, binds[0].value, init, depth + 1)


def _dotted(n: ast.AST) -> str | None:
    if isinstance(n, ast.Name):
        return n.id
    if isinstance(n, ast.Attribute) and (base := _dotted(n.value)):
        return f"{base}.{n.attr}"
    return None


def _from_callers(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, param: str, depth: int, path: tuple[object, ...] = ()) -> ast.AST | None:
    """The one literal every call of `fn` (of `Cls(...)` for an `__init__`) passes for `param`."""
    names = positional(fn)
    cls = enclosing_class(ctx, fn.body[0]) if fn.body else None
    if cls is not None:
        names = names[1:]
    target = cls.name if cls is not None and fn.name == "__init__" else fn.name
    if cls is not None and fn.name != "__init__":  # `self.backbone.freeze(cfg.FREEZE_AT)`: a method no other class names
        if sum(1 for c in ctx.classes for f in c.body if isinstance(f, FUNCS) and f.name == fn.name) != 1:
            return None
        calls = [c for c in ctx.calls if isinstance(c.func, ast.Attribute) and c.func.attr == target]
    else:
        calls = [c for c in ctx.calls if last(callee(c)) == target and (cls is not None or callee(c) == target)]
    i = names.index(param) if param in names else -1
    found = [_literal(ctx, passed(c, i, param), ctx.scope_of(c), depth + 1, path) for c in calls]
    if not found or any(f is None for f in found) or len({ast.dump(f) for f in found}) != 1:  # type: ignore[arg-type]
        return None
    return found[0]


def _filled_default(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, param: str) -> ast.expr | None:
    """`def main(cfg=None): cfg = cfg or Config()` (or `Config() if cfg is None else cfg`), the
    parameter's only rebinding, a statement of the body, and every call of `fn` in the file
    passes nothing (or None) for it: the parameter is the fallback."""
    binds = [n for n in walk_scope(fn) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and param in targets_of(n)]
    if len(binds) != 1 or binds[0] not in fn.body or not isinstance(binds[0], ast.Assign):
        return None
    v = binds[0].value
    if isinstance(v, ast.BoolOp) and isinstance(v.op, ast.Or) and len(v.values) == 2 and _is_name(v.values[0], param):
        fallback = v.values[1]
    elif (isinstance(v, ast.IfExp) and _is_name(v.orelse, param) and isinstance(v.test, ast.Compare) and _is_name(v.test.left, param)
          and isinstance(v.test.ops[0], ast.Is) and isinstance(v.test.comparators[0], ast.Constant) and v.test.comparators[0].value is None):
        fallback = v.body
    else:
        return None
    names = positional(fn)
    i = names.index(param) if param in names else -1
    calls = [c for c in ctx.calls if callee(c) == fn.name]
    if not calls or any(not _none_or_absent(passed(c, i, param)) for c in calls):
        return None
    return fallback


def _is_name(n: ast.AST, name: str) -> bool:
    return isinstance(n, ast.Name) and n.id == name


def _none_or_absent(n: ast.AST | None) -> bool:
    return n is None or isinstance(n, ast.Constant) and n.value is None


def _written_into(ctx: Context, name: str, path: tuple[object, ...] = ()) -> bool:
    """`name[...] = ...`, `name["a"]["b"] = ...`, `name.update(...)`: a dict changed after it is
    built (from the command line, a sweep) is not read from its literal. (`name` may be dotted:
    `self.cfg`.) A write under constant keys changes only that branch: `cfg["train"]["epochs"] =
    n` leaves `path` ("sched", "step_size") as written. Writes through an alias (`cfg = CONFIG`,
    then `cfg[...] = ...`) count for both names."""
    names = {name} | {a for a, vs in ctx.values.items() if len(vs) == 1 and isinstance(vs[0], ast.Name) and vs[0].id == name}
    if isinstance(ctx.values.get(name, [None])[0], ast.Name) and len(ctx.values[name]) == 1:
        names.add(ctx.values[name][0].id)  # type: ignore[union-attr]
    for n in walk(ctx.tree):
        if isinstance(n, ast.Subscript) and isinstance(n.ctx, (ast.Store, ast.Del)) and _root(n) in names and _crosses(_keys(n), path):
            return True
    return any(method(c) in _WRITES and _root(c.func.value) in names and _crosses(_keys(c.func.value), path)
               for c in ctx.calls if isinstance(c.func, ast.Attribute))  # fmt: skip


def _keys(n: ast.AST) -> tuple[object, ...] | None:
    """The constant keys from the root down to `n` (`cfg["a"]["b"]` -> ("a", "b")); None when
    one is not a constant (`cfg[k] = v` may write any key)."""
    keys: list[object] = []
    while isinstance(n, ast.Subscript):
        if not isinstance(n.slice, ast.Constant):
            return None
        keys.append(n.slice.value)
        n = n.value
    return tuple(reversed(keys))


def _crosses(written: tuple[object, ...] | None, read: tuple[object, ...]) -> bool:
    """A write at key path `written` may change what a read at `read` sees: one path is a
    prefix of the other (or the write's keys are unknown)."""
    if written is None:
        return True
    k = min(len(written), len(read))
    return written[:k] == read[:k]


def _root(n: ast.AST) -> str | None:
    """The dotted name under subscripts: `cfg["a"]["b"]` -> cfg, `self.cfg["a"]` -> self.cfg."""
    while isinstance(n, ast.Subscript):
        n = n.value
    return _dotted(n)


def returns_no_grad(ctx: Context, fn: ast.AST) -> bool:
    """Every return of `fn` (a context helper: `with self._grad_ctx():`) gives `torch.no_grad()`
    or `inference_mode()`, an `x if cond else y` counted by the branch its config decides
    (`no_grad() if self.cfg.get("fast_forward") else nullcontext()` with the flag set)."""
    rets = [r.value for r in _reachable_returns(ctx, fn.body, fn)[0]]  # type: ignore[attr-defined]
    return bool(rets) and all(_gives_no_grad(ctx, r, fn) for r in rets)


def _reachable_returns(ctx: Context, body: list[ast.stmt], fn: ast.AST) -> tuple[list[ast.Return], bool]:
    """The returns of `body` that may run, and whether it may run past its end: an `if` whose
    test the configuration decides (`if precision == "bf16": return autocast(...)` with the
    setting "fp32-infer") counts only by its taken side, and what follows a return that always
    runs is dead. Any other statement keeps every return inside it."""
    out: list[ast.Return] = []
    for st in body:
        if isinstance(st, ast.Return):
            return [*out, st], False
        if isinstance(st, ast.If) and (taken := decide_truth(ctx, st.test, fn)) is not None:
            rets, falls = _reachable_returns(ctx, st.body if taken else st.orelse, fn)
            out += rets
            if not falls:
                return out, False
            continue
        out += [n for n in walk_scope(st) if isinstance(n, ast.Return)] if not isinstance(st, FUNCS) else []
    return out, True


def _gives_no_grad(ctx: Context, expr: ast.AST | None, fn: ast.AST) -> bool:
    if isinstance(expr, ast.IfExp):
        taken = decide_truth(ctx, expr.test, fn)
        return taken is not None and _gives_no_grad(ctx, expr.body if taken else expr.orelse, fn)
    if not isinstance(expr, ast.Call):
        return False
    return is_nograd_with(ast.With(items=[ast.withitem(context_expr=expr)], body=[]))
