"""TVL006's parameter groups built in a loop over settings: a list filled by `append` once per
configured entry, each group a comprehension over one model's `named_parameters()` kept by a
name test that reads the entry:

    groups = []
    for g in cfg["groups"]:                       # [{"prefix": "encoder."}, {"prefix": "decoder."}]
        params = [p for n, p in model.named_parameters() if n.startswith(g["prefix"])]
        groups.append({"params": params, "lr": g["lr"]})
    return groups

The shared evaluator (values.py) gives the words the entry may hold; each word makes one group,
so param_names.py judges them as it judges groups written out one by one (a name no group
takes, a name two groups take). Any other write into the list, a group this module cannot read,
or a word the file does not show leaves the groups unknown."""

from __future__ import annotations

import ast
import copy

from torchvitals.lint.calls import FUNCS, functions
from torchvitals.lint.engine import Context, callee, dotted, method, receiver, walk_scope
from torchvitals.lint.rules.values import possible

Group = tuple[str, tuple[str, list[ast.expr]], ast.AST]


def looped_groups(ctx: Context, expr: ast.AST, at: ast.AST) -> list[Group] | None:
    """The groups of a list filled in a loop (given as `expr` at `at`, or returned by a builder
    of this file), one per word its name test may read; None when they are not all known."""
    found = _filled_list(ctx, expr, at, 0)
    if found is None:
        return None
    scope, name = found
    out: list[Group] = []
    for n in walk_scope(scope):
        if isinstance(n, ast.Call) and receiver(n) == name:
            if method(n) != "append" or len(n.args) != 1:
                return None  # `groups.extend(...)`, `groups.insert(...)`: groups this module does not read
            groups = _expanded(ctx, n.args[0], scope)
            if groups is None:
                return None
            out += groups
        elif isinstance(n, ast.AugAssign) and dotted(n.target) == name:
            return None
    return out or None


def _filled_list(ctx: Context, expr: ast.AST, at: ast.AST, depth: int) -> tuple[ast.AST, str] | None:
    """(the function, the name) of a list bound once to `[]` that `expr` stands for: the name
    itself, or what a name's one binding or a builder's one `return` stands for (two deep)."""
    if depth > 2:
        return None
    if isinstance(expr, ast.Name):
        bound = ctx.assigns_in(ctx.scope_of(at)).get(expr.id, [])
        if len(bound) != 1:
            return None
        value = bound[0].value  # type: ignore[attr-defined]
        if isinstance(value, ast.List) and not value.elts:
            return ctx.scope_of(at), expr.id
        return _filled_list(ctx, value, value, depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        fn = functions(ctx).get(expr.func.id)
        rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)] if isinstance(fn, FUNCS) else []
        if len(rets) == 1 and rets[0] is not None:
            return _filled_list(ctx, rets[0], rets[0], depth + 1)
    return None


def _expanded(ctx: Context, group: ast.AST, scope: ast.AST) -> list[Group] | None:
    """One appended group, read once per word its name test may hold."""
    params = params_value(group)
    if isinstance(params, ast.Name):
        bound = ctx.assigns_in(scope).get(params.id, [])
        params = bound[0].value if len(bound) == 1 else None  # type: ignore[attr-defined]
    found = name_filter(params)
    if found is None:
        return None
    model, (var, tests) = found
    words = [w for t in tests for w in _words(t, var) if not isinstance(w, ast.Constant)]
    if not words:
        return [(model, (var, tests), params)]  # type: ignore[list-item]
    if len({ast.dump(w) for w in words}) != 1:
        return None
    vals = possible(ctx, words[0])
    if not vals or not all(isinstance(v, str) for v in vals):
        return None
    return [(model, (var, [_put(t, words[0], v) for t in tests]), params) for v in sorted(vals)]  # type: ignore[misc]


def _words(t: ast.expr, var: str) -> list[ast.expr]:
    """The words a name test compares the name with: `var.startswith(w)`, `w in var`."""
    out = []
    for n in ast.walk(t):
        if isinstance(n, ast.Call) and method(n) in ("startswith", "endswith") and n.args and dotted(n.func.value) == var:  # type: ignore[attr-defined]
            out.append(n.args[0])
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], (ast.In, ast.NotIn)) and dotted(n.comparators[0]) == var:
            out.append(n.left)
    return out


class _Put(ast.NodeTransformer):
    def __init__(self, word: ast.expr, value: str) -> None:
        self.key, self.value = ast.dump(word), value

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.expr) and ast.dump(node) == self.key:
            return ast.Constant(value=self.value)
        return super().visit(node)


def _put(test: ast.expr, word: ast.expr, value: str) -> ast.expr:
    """A copy of `test` with `word` replaced by the constant `value` (the parsed tree is kept)."""
    return _Put(word, value).visit(copy.deepcopy(test))  # type: ignore[return-value]


def params_value(group: ast.AST) -> ast.AST | None:
    if isinstance(group, ast.Dict):
        return next((v for k, v in zip(group.keys, group.values, strict=True) if isinstance(k, ast.Constant) and k.value == "params"), None)
    if isinstance(group, ast.Call) and callee(group) == "dict":
        return next((k.value for k in group.keywords if k.arg == "params"), None)
    return None


def name_filter(comp: ast.AST | None) -> tuple[str, tuple[str, list[ast.expr]]] | None:
    """`[p for n, p in X.named_parameters() if <tests on n>]`: (X, (n, the tests))."""
    if not (isinstance(comp, (ast.ListComp, ast.GeneratorExp)) and len(comp.generators) == 1):
        return None
    gen = comp.generators[0]
    it, tgt = gen.iter, gen.target
    if not (isinstance(it, ast.Call) and method(it) == "named_parameters" and not it.args and receiver(it)):
        return None
    if not (isinstance(tgt, ast.Tuple) and len(tgt.elts) == 2 and isinstance(tgt.elts[0], ast.Name)) or not gen.ifs:
        return None
    if dotted(comp.elt) != dotted(tgt.elts[1]):
        return None
    return receiver(it), (tgt.elts[0].id, list(gen.ifs))  # type: ignore[return-value]
