"""What a configuration value in the source says: `args.milestones` read back to its
`parser.add_argument("--milestones", default=[15, 25], help="epochs at which ...")`, and
`cfg["train"]["shuffle"]` read back to the dict literal bound once to `cfg`. Rules ask this when
a constructor's argument is a setting instead of a literal (builders and config-driven scripts)."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import Context
from torchvitals.lint.syntax import callee, kwarg, last


def _options(ctx: Context) -> dict[str, ast.Call]:
    """`add_argument` calls of this file by destination (`--decay-epochs` -> decay_epochs)."""
    hit = ctx.memo.get("options")
    if hit is None:
        hit = {}
        for c in ctx.calls:
            if last(callee(c)) != "add_argument":
                continue
            dest = kwarg(c, "dest")
            names = [a.value for a in c.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            longs = [n for n in names if n.startswith("--")] or names
            key = dest.value if isinstance(dest, ast.Constant) else longs[0].lstrip("-") if longs else None
            if isinstance(key, str):
                hit[key.replace("-", "_")] = c
        ctx.memo["options"] = hit
    return hit


def option(ctx: Context, node: ast.AST | None) -> ast.Call | None:
    """The `add_argument` call behind `args.name` (any receiver: args, opt, self.args)."""
    if not isinstance(node, ast.Attribute) or "add_argument" not in ctx.text:
        return None
    return _options(ctx).get(node.attr)


def option_words(ctx: Context, node: ast.AST | None) -> str:
    """The option's name and help text, lower-case ('' when `node` is no option)."""
    c = option(ctx, node)
    if c is None:
        return ""
    help_ = kwarg(c, "help")
    text = help_.value if isinstance(help_, ast.Constant) and isinstance(help_.value, str) else ""
    return f"{node.attr} {text}".lower()  # type: ignore[union-attr]


def setting(ctx: Context, node: ast.AST | None, depth: int = 0) -> ast.AST | None:
    """The literal a setting stands for: an option's default, or a constant-key lookup in a dict
    literal (or `dict(...)`) bound once (`CFG["train"]["shuffle"]`). None when unknown."""
    if node is None or depth > 4:
        return None
    if isinstance(node, ast.Attribute) and (c := option(ctx, node)) is not None:
        return kwarg(c, "default")
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        inner = node.value
        if isinstance(inner, ast.Name):
            vals = ctx.values.get(inner.id, [])
            d = vals[0] if len(vals) == 1 else None
        else:
            d = setting(ctx, inner, depth + 1)
        return entry(d, node.slice.value) if d is not None else None
    return None


def entry(d: ast.AST, key: str) -> ast.AST | None:
    """`d[key]` of a dict literal or a `dict(key=...)` call."""
    if isinstance(d, ast.Call) and callee(d) == "dict":
        return next((k.value for k in d.keywords if k.arg == key), None)
    if isinstance(d, ast.Dict):
        return next((v for k, v in zip(d.keys, d.values, strict=True) if isinstance(k, ast.Constant) and k.value == key), None)
    return None


def literal_or_setting(ctx: Context, node: ast.AST | None) -> ast.AST | None:
    """`node` when it is a literal, else the literal the setting stands for (else `node`)."""
    if node is None or isinstance(node, (ast.Constant, ast.List, ast.Tuple)):
        return node
    return setting(ctx, node) or node


