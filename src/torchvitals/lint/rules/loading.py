"""TVL014: `torch.load` of a path from the command line or the environment without
`weights_only=True` (directly, through a helper of this file whose callers pass one, an
attribute set from one (`self.cfg` built from `parse_args()`), or a parameter the command line
fills (click, typer, hydra, fire))."""

from __future__ import annotations

import ast

from torchvitals.lint.engine import (
    Context,
    arg,
    callee,
    dotted,
    is_const,
    kwarg,
    last,
    method,
    targets_of,
    walk_scope,
)
from torchvitals.lint.rules.loaders import call_sites, functions_by_name, local_function
from torchvitals.lint.syntax import walk
from torchvitals.rules.base import document

UNSAFE_LOAD = document(
    "TVL014",
    "unsafe-torch-load",
    what="`torch.load` on a path that comes from the command line or the environment, without "
    "`weights_only=True`.",
    why="`torch.load` unpickles: a crafted checkpoint runs arbitrary code when loaded. Before "
    "torch 2.6 `weights_only` defaulted to False, and `weights_only=False` re-opens the hole.",
    example="ckpt = torch.load(args.resume)",
    fix="`torch.load(path, weights_only=True, map_location='cpu')`; store plain state dicts.",
)

ARG_ROOTS = {"args", "opt", "opts", "cfg", "config", "hparams", "FLAGS", "flags", "sys", "os"}


def _from_arguments(ctx: Context, expr: ast.AST, depth: int = 0) -> bool:
    """The expression reads the command line (`args.x`, `sys.argv`), the environment, or input()."""
    parsed = {t for a in ctx.assigns if isinstance(getattr(a, "value", None), ast.Call)
              and _parses_command_line(a.value) for t in targets_of(a)}  # fmt: skip
    for n in walk(expr):
        if isinstance(n, ast.Attribute):
            key = dotted(n) or ""
            root = key.split(".")[0]
            if key.startswith(("sys.argv", "os.environ")) or (root in ARG_ROOTS - {"sys", "os"} | parsed and "." in key):
                return True
        if isinstance(n, ast.Call) and callee(n) in ("input", "os.getenv", "os.environ.get"):
            return True
        if isinstance(n, ast.Call) and _parses_command_line(n):
            return True  # cls(**vars(parser.parse_args()))
        if depth < 3 and isinstance(n, ast.Attribute) and (dotted(n) or "").count(".") == 1 and dotted(n).startswith("self."):  # type: ignore[union-attr]
            if _attr_from_arguments(ctx, dotted(n), depth):  # type: ignore[arg-type]
                return True
        if depth < 3 and isinstance(n, ast.Call) and _returns_arguments(ctx, n, depth):
            return True
        if isinstance(n, ast.Name) and depth < 3 and n.id not in ARG_ROOTS:
            if any(_from_arguments(ctx, v, depth + 1) for v in ctx.values.get(n.id, [])[:3]):
                return True
            if _passed_from_arguments(ctx, n, depth):
                return True
        if isinstance(n, ast.Subscript) and depth < 3 and isinstance(n.value, ast.Name) and n.value.id in ARG_ROOTS - {"sys", "os"}:
            if any(_from_arguments(ctx, _entry(v, n.slice), depth + 1) for v in ctx.values.get(n.value.id, [])[:3]):
                return True  # cfg["resume"] with cfg = apply_overrides(DEFAULTS, args.overrides)
        if isinstance(n, ast.Attribute) and depth < 3 and _settings_attr(ctx, n, depth):
            return True
    return False


def _entry(value: ast.expr, key: ast.expr) -> ast.expr:
    """What `value[key]` reads when `value` is a dict literal with that constant key (only that
    entry counts: `{"ckpt": "w.pt", "lr": args.lr}["ckpt"]` is no command-line path)."""
    if isinstance(value, ast.Dict) and isinstance(key, ast.Constant):
        for k, v in zip(value.keys, value.values, strict=True):
            if isinstance(k, ast.Constant) and k.value == key.value:
                return v
    return value


def _settings_attr(ctx: Context, node: ast.Attribute, depth: int) -> bool:
    """`settings.ckpt` where `settings` is an instance of a class of this file whose class body
    sets `ckpt` from the environment or the command line (`ckpt = os.environ.get(...)`, or a
    helper that reads it): a settings object, however it is passed around."""
    if not isinstance(node.value, ast.Name) or node.value.id in ARG_ROOTS:
        return False
    classes = {c.name: c for c in ctx.classes}
    for cls_name in _instance_classes(ctx, node.value, classes, depth):
        for stmt in classes[cls_name].body:
            value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
            if value is not None and targets_of(stmt) == [node.attr] and _from_arguments(ctx, value, depth):
                return True
    return False


def _instance_classes(ctx: Context, name: ast.Name, classes: dict, depth: int) -> set[str]:
    """Classes of this file a name may hold: its values (`s = Settings()`), or for a parameter
    what the callers of its function pass (a name again, or a construction), a few calls deep."""
    out = set()
    for v in ctx.values.get(name.id, [])[:3]:
        if isinstance(v, ast.Call) and callee(v) in classes:
            out.add(callee(v))
    fn = ctx.scope_of(name)
    if out or depth >= 3 or not isinstance(fn, ast.FunctionDef) or local_function(ctx, fn.name) is not fn:
        return out
    if name.id not in [a.arg for a in fn.args.args]:
        return out  # a local name or a keyword-only parameter: callers do not pass it by place
    for _site, passed in call_sites(ctx, fn, name.id)[:4]:
        if isinstance(passed, ast.Call) and callee(passed) in classes:
            out.add(callee(passed))
        elif isinstance(passed, ast.Name):
            out |= _instance_classes(ctx, passed, classes, depth + 1)
    return out


PARSE_METHODS = {"parse_args", "parse_known_args", "parse_args_into_dataclasses"}
PARSE_FUNCS = {"tyro.cli", "jsonargparse.CLI", "fire.Fire"}


def _parses_command_line(call: ast.Call) -> bool:
    """argparse's (and HfArgumentParser's) parse methods, tyro/jsonargparse/fire entry points."""
    return method(call) in PARSE_METHODS or callee(call) in PARSE_FUNCS


CLI_DECORATOR_ROOTS = ("click.", "hydra.")
CLI_RUNNERS = {"typer.run", "fire.Fire", "click.command"}


def _cli_entry_point(ctx: Context, fn: ast.FunctionDef) -> bool:
    """A function whose parameters the command line fills: decorated by click (`@click.option`,
    `@click.command()`), hydra (`@hydra.main`) or a typer/click app (`@app.command()`), or handed
    to `typer.run(main)` / `fire.Fire(main)`."""
    for d in fn.decorator_list:
        name = callee(d) if isinstance(d, ast.Call) else dotted(d) or ""
        if name.startswith(CLI_DECORATOR_ROOTS) or (name.endswith(".command") and "import typer" in ctx.text):
            return True
    return any(callee(c) in CLI_RUNNERS and any(dotted(a) == fn.name for a in c.args) for c in ctx.calls)


def _passed_from_arguments(ctx: Context, name: ast.Name, depth: int) -> bool:
    """A parameter of a function of this file (`def load_model(ckpt_path)`) that a caller
    passes a command-line or environment value (`load_model(args.checkpoint)`)."""
    fn = ctx.scope_of(name)
    if not isinstance(fn, ast.FunctionDef) or name.id not in [a.arg for a in [*fn.args.args, *fn.args.kwonlyargs]]:
        return False
    if _cli_entry_point(ctx, fn):
        return True
    if local_function(ctx, fn.name) is not fn:
        return False
    return any(_from_arguments(ctx, passed, depth + 1) for _site, passed in call_sites(ctx, fn, name.id)[:4])


def _attr_from_arguments(ctx: Context, key: str, depth: int) -> bool:
    """`self.cfg` set from a command-line value: directly, or in `__init__` from a parameter
    that a construction of the class passes one (`Trainer(TrainConfig.from_cli())`)."""
    for v in ctx.values.get(key, [])[:3]:
        init = ctx.scope_of(v)
        cls = ctx.parent.get(init)
        if isinstance(v, ast.Name) and isinstance(init, ast.FunctionDef) and init.name == "__init__" and isinstance(cls, ast.ClassDef):
            params = [a.arg for a in init.args.args][1:]
            if v.id not in params:
                continue
            for c in ctx.calls:
                if last(callee(c)) != cls.name or any(isinstance(a, ast.Starred) for a in c.args):
                    continue
                i = params.index(v.id)
                passed = kwarg(c, v.id) or (c.args[i] if i < len(c.args) else None)
                if passed is not None and _value_from_arguments(ctx, passed, depth + 1):
                    return True
        elif _value_from_arguments(ctx, v, depth + 1):
            return True
    return False


def _value_from_arguments(ctx: Context, expr: ast.AST, depth: int) -> bool:
    """`_from_arguments`, and for a bare name (`cfg`), what is assigned to it, or for a
    parameter what its function's callers pass (`run(cfg)` called as `run(parse_config())`,
    then `Checkpointer(cfg)` inside: the whole parsed config travels, not just one field)."""
    if isinstance(expr, ast.Name):
        if any(_from_arguments(ctx, v, depth + 1) for v in ctx.values.get(expr.id, [])[:3]):
            return True
        return depth < 3 and _passed_from_arguments(ctx, expr, depth)
    return _from_arguments(ctx, expr, depth)


def _returns_arguments(ctx: Context, call: ast.Call, depth: int) -> bool:
    """A function or method of this file (`TrainConfig.from_cli()`, `load_config()`) that
    returns a value read from the command line."""
    fns = functions_by_name(ctx).get(last(callee(call)) or method(call), [])
    if len(fns) != 1:
        return False
    rets = [r.value for r in walk_scope(fns[0]) if isinstance(r, ast.Return) and r.value is not None]
    return any(_from_arguments(ctx, r, depth + 1) for r in rets)


def _template(expr: ast.AST) -> str | None:
    """The fixed text of a path built by formatting: `"ckpt/%s_%d.pth" % (...)`,
    `f"ckpt/{name}_{epoch}.pth"`, `"ckpt/{}_{}.pth".format(...)` (fields as `{}`)."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod) and isinstance(expr.left, ast.Constant):
        return str(expr.left.value)
    if isinstance(expr, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in expr.values)
    if isinstance(expr, ast.Call) and method(expr) == "format" and isinstance(expr.func, ast.Attribute) and isinstance(expr.func.value, ast.Constant):
        return str(expr.func.value.value)
    return None


def _saved_here(ctx: Context, path: ast.AST) -> bool:
    """The path is formatted from the same fixed text as a `torch.save` of this file
    (`"saved_models/%s/G_%d.pth" % (opt.dataset_name, opt.epoch)` to resume what the script
    saved each epoch): the command line picks which of the script's own checkpoints, in a
    folder it writes, not a file anyone hands it. A free path (`args.resume`) has no text."""
    text = _template(path)
    if not text or not any(ch in text for ch in "/\\"):
        return False
    return any(
        callee(c) == "torch.save" and (p := arg(c, 1, "f")) is not None and _template(p) == text
        for c in ctx.calls
    )


def check_load(ctx: Context) -> None:
    for c in ctx.calls:
        if callee(c) != "torch.load":
            continue
        wo = kwarg(c, "weights_only")
        if is_const(wo, True) or (wo is not None and not is_const(wo, False)):
            continue
        path = arg(c, 0, "f")
        if path is None or not _from_arguments(ctx, path) or _saved_here(ctx, path):
            continue
        how = "weights_only=False" if wo is not None else "no weights_only=True (the default before torch 2.6 unpickles anything)"
        ctx.report(UNSAFE_LOAD, c, f"torch.load on a path from the command line with {how}: a "
                   "crafted checkpoint runs code")  # fmt: skip



CHECKS = [check_load]
