"""What the lint evaluator (values.py) asks of the file around a value: is a name written into
after it is bound, is a function handed out by reference (so calls the file does not show may
reach it), is an option set elsewhere, which parameter a call binds."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from torchvitals.lint.calls import is_param as calls_is_param
from torchvitals.lint.calls import resolve
from torchvitals.lint.engine import Context, callee, dotted, method, walk_scope
from torchvitals.lint.rules.value_kinds import Env, Seq, Table
from torchvitals.lint.syntax import walk


def referenced(ctx: Context, fn: ast.AST) -> bool:
    """`fn` is named other than as the function of a call (`partial(build, ...)`, `map(build, ...)`,
    `callbacks.append(self.on_end)`): calls the file does not show may reach it. A function
    outside a class is reached by its bare name only: `cfg.train.epochs` or `model.train` reads
    an attribute, not the file's `def train(cfg)`; a method is reached through an attribute."""
    name = fn.name  # type: ignore[attr-defined]
    refs = ctx.memo.get("values_refs")
    if refs is None:
        refs = ctx.memo["values_refs"] = (set(), set())  # (bare names, attribute names)
        defs = {n.name for n in walk(ctx.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for n in walk(ctx.tree):
            ref = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else None
            if ref in defs and isinstance(getattr(n, "ctx", None), ast.Load):  # only names a function of the file has
                par = ctx.parent.get(n)
                if not (isinstance(par, ast.Call) and par.func is n) and not _local(ctx, n):
                    refs[isinstance(n, ast.Attribute)].add(ref)
    method = isinstance(ctx.parent.get(fn), ast.ClassDef)
    return name in refs[0] or (method and name in refs[1])


def _local(ctx: Context, n: ast.AST) -> bool:
    """A bare name a function assigns or takes as a parameter (`train = TensorDataset(...)` in
    a loader builder): its own variable, not the file's function of that name."""
    if not isinstance(n, ast.Name):
        return False
    scope = ctx.scope_of(n)
    return isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and (n.id in ctx.assigns_in(scope) or is_param(scope, n.id))


def lookup(env: Env, scope: ast.AST, name: str) -> frozenset | None:
    key = (id(scope), name)
    return next((v for k, v in env if k == key), None)


def is_param(fn: ast.AST, name: str) -> bool:
    return isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and calls_is_param(fn, name)


def call_params(fn: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> list[str]:
    """The parameters `call`'s positional arguments fill, in order (`self`/`cls` left out when
    the call goes through an attribute or constructs the class)."""
    a = fn.args
    params = [p.arg for p in [*a.posonlyargs, *a.args]]
    if params[:1] in (["self"], ["cls"]) and (isinstance(call.func, ast.Attribute) or fn.name == "__init__"):
        params = params[1:]
    return params


def rebound(ctx: Context, scope: ast.AST, name: str, use: ast.AST) -> bool:
    """`name` may be rebound before `use` is read in `scope`: a binding written earlier, or one in
    a loop around the use (a later iteration reads it). A parameter rebound only after its use
    (`cfg = cfg or Config()` reading the parameter) still holds what the caller passed."""
    at = (use.lineno, use.col_offset)  # type: ignore[attr-defined]
    loops = [n for n in _ancestors(ctx, use, scope) if isinstance(n, (ast.For, ast.AsyncFor, ast.While))]
    for n in walk_scope(scope):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, (ast.Store, ast.Del)):
            stmt = _statement(ctx, n)
            if any(_inside(ctx, n, loop) for loop in loops):
                return True
            if (n.lineno, n.col_offset) < at and not _inside(ctx, use, stmt):  # `cfg = cfg or ...` binds after reading
                return True
    return False


def _ancestors(ctx: Context, node: ast.AST, stop: ast.AST) -> list[ast.AST]:
    out = []
    node = ctx.parent.get(node)
    while node is not None and node is not stop:
        out.append(node)
        node = ctx.parent.get(node)
    return out


def _statement(ctx: Context, node: ast.AST) -> ast.AST:
    while not isinstance(node, ast.stmt) and ctx.parent.get(node) is not None:
        node = ctx.parent[node]
    return node


def _inside(ctx: Context, node: ast.AST, outer: ast.AST) -> bool:
    return any(a is outer for a in _ancestors(ctx, node, ctx.tree))


MUTATORS = {"update", "setdefault", "append", "extend", "insert", "clear", "remove", "popitem", "__setitem__", "sort", "reverse"}


def mutated(ctx: Context, name: str, scope: ast.AST) -> bool:
    """`name` is written into inside `scope` (`name[k] = v`, `name.update(...)`, `name += [...]`,
    `del name[k]`, or handed to a function of this file that writes into its parameter, as a
    decorator registry's `register(REGISTRY)` does): the value it was bound to is not what it
    holds later. `name.pop(k)` is a read of one key and is judged where that key is read. A call
    of a function the file does not define is taken to read its arguments (`print(cfg)`,
    `DataLoader(ds, **cfg)`)."""
    return written_paths(ctx, name, scope) != ()


def written_paths(ctx: Context, name: str, scope: ast.AST) -> tuple | None:
    """The constant key paths `scope` writes under `name` (`CFG["train"]["epochs"] = n` writes
    ("train", "epochs")): () when nothing is written, None when some write is not such a path
    (`name.update(...)`, `name[k] = v` with a key computed at run time, a writer function)."""
    memo = ctx.memo.setdefault("values_written", {})
    key = (id(scope), name)
    if key not in memo:
        memo[key] = None  # a function handing the name back to itself
        nodes = walk(scope) if isinstance(scope, ast.Module) else walk_scope(scope)
        paths: list | None = []
        for n in nodes:
            if (_writes_into(n, name) or _handed_to_writer(ctx, n, name)) and not _in_empty_loop(ctx, n, scope):
                path = _key_path(_written_entry(n), name)
                if path is None:
                    paths = None
                    break
                paths.append(path)  # type: ignore[union-attr]
        memo[key] = tuple(paths) if paths is not None else None
    return memo[key]


# The evaluator (values.possible), which reads this module: it registers itself here when it is
# imported (`evaluate_with`), so that this module does not import it back.
_evaluator: Callable[..., Any] | None = None


def evaluate_with(possible: Callable[..., Any]) -> None:
    global _evaluator
    _evaluator = possible


def _in_empty_loop(ctx: Context, n: ast.AST, scope: ast.AST) -> bool:
    """`n` stands in a `for` loop of `scope` whose iterable the evaluator shows empty in every
    value it may hold: `for k, v in json.loads(args.override).items()` with the option's
    default `"{}"` writes nothing into a config on a run without the option (as a flag off by
    default is read off)."""
    loops = [a for a in _ancestors(ctx, n, scope) if isinstance(a, (ast.For, ast.AsyncFor)) and n not in (a.iter, a.target)]
    if not loops or "json.loads" not in ctx.text or _evaluator is None:  # the one empty iterable read so far: a parsed overlay
        return False
    for loop in loops:
        vals = _evaluator(ctx, loop.iter)
        if vals and all(isinstance(v, (Seq, Table)) and not v.items for v in vals):
            return True
    return False


def _written_entry(n: ast.AST) -> ast.AST:
    """The entry a mutator call writes (`cfg["train"].update(...)` writes `cfg["train"]`); a
    call on the name itself (`cfg.update(...)`) has no key path, so it spoils every entry."""
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Subscript):
        return n.func.value
    return n


def _key_path(n: ast.AST, name: str) -> tuple | None:
    """("train", "epochs") for the target `name["train"]["epochs"]`; None for any other write."""
    keys: list = []
    while isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Constant):
        keys.append(n.slice.value)
        n = n.value
    return tuple(reversed(keys)) if keys and isinstance(n, ast.Name) and n.id == name else None


def _writes_into(n: ast.AST, name: str) -> bool:
    if isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.ctx, (ast.Store, ast.Del)):
        root = n
        while isinstance(root, (ast.Subscript, ast.Attribute)):
            root = root.value
        return dotted(root) == name or dotted(n.value) == name
    if isinstance(n, ast.AugAssign):
        return dotted(n.target) == name
    if not (isinstance(n, ast.Call) and method(n) in MUTATORS):
        return False
    held = n.func.value  # type: ignore[attr-defined]
    while isinstance(held, ast.Subscript):  # `cfg[section].update(values)` writes into cfg too
        held = held.value
    return dotted(held) == name


def _handed_to_writer(ctx: Context, n: ast.AST, name: str) -> bool:
    if not isinstance(n, ast.Call) or not any(dotted(a) == name for a in [*n.args, *(k.value for k in n.keywords)]):
        return False
    fn = target(ctx, n)
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    given = [p for p, v in zip(call_params(fn, n), n.args, strict=False) if dotted(v) == name]
    given += [k.arg for k in n.keywords if k.arg and dotted(k.value) == name]
    return any(_writes_into(m, p) for p in given for m in walk(fn))


def target(ctx: Context, call: ast.Call) -> ast.AST | None:
    """The function of this file `call` runs: a function or method (`calls.resolve`), or the
    `__init__` of a class of this file it constructs."""
    name = callee(call)
    cls = next((c for c in ctx.classes if c.name == name), None) if isinstance(call.func, ast.Name) else None
    if cls is not None:
        return next((m for m in cls.body if isinstance(m, ast.FunctionDef) and m.name == "__init__"), None)
    t = resolve(ctx, call)
    return t.fn if t is not None else _shadowed_def(ctx, call)


def _shadowed_def(ctx: Context, call: ast.Call) -> ast.AST | None:
    """`train(CONFIG)` running the file's one `def train(cfg)` while another function keeps a
    variable of that name (`train = TensorDataset(...)` in a loader builder), which makes
    `calls.resolve` leave the name alone: the def, when nothing at module level nor in the
    calling function binds the name otherwise (an assignment, a loop, an import)."""
    name = call.func.id if isinstance(call.func, ast.Name) else None
    defs = ctx.memo.get("values_defs")
    if defs is None:
        defs = ctx.memo["values_defs"] = {}
        for n in ctx.tree.body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defs.setdefault(n.name, []).append(n)
    if name is None or len(defs.get(name, ())) != 1:
        return None
    scope = ctx.scope_of(call)
    memo = ctx.memo.setdefault("values_shadowed", {})
    for s in (ctx.tree, scope):
        key = (id(s), name)
        if key not in memo:
            memo[key] = is_param(s, name) or any(_binds(n, name) for n in walk_scope(s))
        if memo[key]:
            return None
    return defs[name][0]


def _binds(n: ast.AST, name: str) -> bool:
    if isinstance(n, ast.Name):
        return n.id == name and isinstance(n.ctx, (ast.Store, ast.Del))
    if isinstance(n, (ast.Import, ast.ImportFrom)):
        return any((a.asname or a.name.split(".")[0]) == name for a in n.names)
    return isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names


def set_elsewhere(ctx: Context) -> frozenset[str]:
    """Attribute names the file assigns (`args.lr = 0.1`) or gives `set_defaults(lr=...)`: indexed once."""
    hit = ctx.memo.get("values_set_attrs")
    if hit is None:
        stored = {n.attr for n in walk(ctx.tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)}
        stored |= {k.arg for c in ctx.calls if method(c) == "set_defaults" for k in c.keywords if k.arg}
        hit = ctx.memo["values_set_attrs"] = frozenset(stored)
    return hit


def popped_elsewhere(ctx: Context, read: ast.Call, root: str, keys: frozenset) -> bool:
    scope = ctx.scope_of(read)
    for n in walk_scope(scope):
        if n is not read and isinstance(n, ast.Call) and method(n) == "pop" and dotted(n.func.value) == root:  # type: ignore[attr-defined]
            k = n.args[0] if n.args else None
            if not isinstance(k, ast.Constant) or k.value in keys:
                return True
    return False


def written_outside_init(ctx: Context, cls: ast.ClassDef, attr: str) -> bool:
    """`<obj>.attr` is assigned somewhere other than `self.attr = ...` in `cls.__init__`
    (`cfg.shuffle = True` after building the config, a method of `cls` changing it); another
    class's `self.attr` is another object's."""
    stores = ctx.memo.setdefault("values_attr_stores", {})
    if attr not in stores:
        stores[attr] = [n for n in walk(ctx.tree) if isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.ctx, (ast.Store, ast.Del))]
    init = next((m for m in cls.body if isinstance(m, ast.FunctionDef) and m.name == "__init__"), None)
    for n in stores[attr]:
        if dotted(n.value) != "self":
            return True  # `cfg.shuffle = True`: any object's, as far as this file shows
        fn = ctx.scope_of(n)
        if ctx.parent.get(fn) is cls and fn is not init:
            return True  # another method of the class changes it
    return False


def imported(ctx: Context) -> frozenset[str]:
    """Names the file binds only by `import` (`torch`, `nn`, `StepLR`), never by assignment."""
    hit = ctx.memo.get("values_imported")
    if hit is None:
        names = {(a.asname or a.name).split(".")[0] for n in walk(ctx.tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        hit = ctx.memo["values_imported"] = frozenset(n for n in names if n not in ctx.values)
    return hit
