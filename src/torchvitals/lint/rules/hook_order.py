"""The order in which a runner calls its hooks, when the file fixes it: the hooks are kept
sorted by a numeric class attribute (`self.hooks.sort(key=lambda h: h.priority)`,
`sorted(hooks, key=attrgetter("order"))`, mmengine's and detectron2's runners) and every hook
class says its own number. Hook-dispatch readers (scaler.py's clip before unscale) otherwise
must assume any hook may run first; with a fixed order a clip hook of priority 40 runs before
the AMP optimizer hook of priority 50, every iteration."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import Target, subclasses
from torchvitals.lint.engine import Context, callee, dotted, method
from torchvitals.lint.syntax import walk


def _sort_key(ctx: Context) -> tuple[str, bool] | None:
    """(attribute, descending) of the one sort by a hook attribute in this file: a `.sort(...)`
    or `sorted(...)` whose key is `lambda h: h.ATTR` or `attrgetter("ATTR")`; None when there is
    none or several disagree."""
    hit = ctx.memo.get("hook_sort_key", ())
    if hit != ():
        return hit  # type: ignore[return-value]
    keys = set()
    for c in ctx.calls:
        if method(c) != "sort" and callee(c) != "sorted":
            continue
        kw = {k.arg: k.value for k in c.keywords if k.arg}
        key, rev = kw.get("key"), kw.get("reverse")
        attr = None
        if isinstance(key, ast.Lambda) and len(key.args.args) == 1:
            b = key.body
            if isinstance(b, ast.Attribute) and isinstance(b.value, ast.Name) and b.value.id == key.args.args[0].arg:
                attr = b.attr
        elif isinstance(key, ast.Call) and callee(key).endswith("attrgetter") and len(key.args) == 1:
            a = key.args[0]
            attr = a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
        if attr is None or not _iterated(ctx, _sorted_into(ctx, c)):
            continue
        if rev is not None and not (isinstance(rev, ast.Constant) and isinstance(rev.value, bool)):
            return _remember(ctx, None)
        keys.add((attr, bool(rev.value) if isinstance(rev, ast.Constant) else False))
    return _remember(ctx, next(iter(keys)) if len(keys) == 1 else None)


def _sorted_into(ctx: Context, sort: ast.Call) -> str | None:
    """The name the sorted hooks are kept under: `self.hooks.sort(...)`'s receiver, or the
    target `self.hooks = sorted(...)` is assigned to."""
    if method(sort) == "sort" and isinstance(sort.func, ast.Attribute):
        return dotted(sort.func.value)
    parent = ctx.parent.get(sort)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        return dotted(parent.targets[0])
    return None


def _iterated(ctx: Context, name: str | None) -> bool:
    """A `for` loop or comprehension of this file runs over `name`: the sorted list is the one
    a runner walks to call its hooks, not some other list sorted by a number."""
    if not name:
        return False
    loops = (n.iter for n in walk(ctx.tree) if isinstance(n, (ast.For, ast.AsyncFor, ast.comprehension)))
    return any(dotted(it) == name for it in loops)


def _remember(ctx: Context, value: tuple[str, bool] | None) -> tuple[str, bool] | None:
    ctx.memo["hook_sort_key"] = value
    return value


def _class_number(ctx: Context, cls: ast.ClassDef, attr: str, depth: int = 0) -> float | None:
    """The number a class body (or, failing that, its base of this file) binds to `attr`; None
    when an instance may set it (`self.priority = ...` anywhere in the file) or it is not a
    constant number."""
    for st in cls.body:
        if isinstance(st, (ast.Assign, ast.AnnAssign)):
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            if any(isinstance(t, ast.Name) and t.id == attr for t in targets):
                v = st.value
                ok = isinstance(v, ast.Constant) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool)
                return float(v.value) if ok else None  # type: ignore[union-attr, arg-type]
    classes = {c.name: c for c in ctx.classes}
    for b in cls.bases:
        if depth < 4 and isinstance(b, ast.Name) and b.id in classes:
            return _class_number(ctx, classes[b.id], attr, depth + 1)
    return None


def _instance_sets(ctx: Context, attr: str) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.ctx, ast.Store) for n in walk(ctx.tree))


def hook_order(ctx: Context, hooks: list[Target]) -> list[Target] | None:
    """`hooks` in the order the runner calls them, when the file fixes it: sorted by one
    numeric class attribute every hook's class states, no two the same, no instance setting
    it, no subclass inheriting the method. None otherwise (the order is not the file's to say:
    the reader must assume any). Pass only the hooks that matter to the reader: a base class's
    empty default shares its number with some subclass."""
    key = _sort_key(ctx)
    if key is None or _instance_sets(ctx, key[0]):
        return None
    numbered = []
    for t in hooks:
        cls = ctx.parent.get(t.fn)
        cls = cls if isinstance(cls, ast.ClassDef) else None
        # a subclass inherits the method under its own number: which one runs when is not fixed
        n = _class_number(ctx, cls, key[0]) if cls is not None and subclasses(ctx, cls) == {cls.name} else None
        if n is None:
            return None
        numbered.append((n, t))
    if len({n for n, _ in numbered}) != len(numbered):
        return None
    return [t for _, t in sorted(numbered, key=lambda p: p[0], reverse=key[1])]
