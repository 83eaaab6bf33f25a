"""`torchvitals check MODULE:FACTORY [--json]`: run the preflight checks and the step snapshot
on what FACTORY returns — (model, batch, loss_fn[, optimizer[, options]]), where options is a
dict of check() keyword arguments. FACTORY itself serves as the fresh-instance constructor for
the save/load round trip unless options name another `factory`.

Exit codes: 0 healthy, 1 findings at warning or above, 2 usage or input error."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from torchvitals.sinks.progress import on_terminal, steps_bar
from torchvitals.terminal import printable


class UsageError(Exception):
    """A target that cannot be loaded or a factory that returns the wrong thing."""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `check` subcommand to an argparse subparsers object; returns its parser."""
    p = sub.add_parser(
        "check",
        help="preflight checks on a model and one batch (overfit, leaks, save/load, snapshot)",
        description="Imports MODULE (a dotted module or a path to a .py file), calls FACTORY() "
        "for (model, batch, loss_fn[, optimizer[, options]]) and runs torchvitals.checks.check "
        "and the step snapshot.",
    )
    p.add_argument(
        "target", metavar="MODULE:FACTORY", help="e.g. mypkg.models:make or path/to/file.py:make"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-snapshot", action="store_true", help="skip the step snapshot")
    p.set_defaults(func=cmd_check)
    return p


def load_factory(target: str) -> Callable[[], Any]:
    """The callable named by MODULE:FACTORY; UsageError with a plain message otherwise."""
    module_name, sep, attr = target.rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"expected MODULE:FACTORY, got {target!r}")
    try:
        if module_name.endswith(".py") or "/" in module_name or "\\" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"no such file: {module_name}")
            spec = importlib.util.spec_from_file_location(path.stem, path)
            if spec is None or spec.loader is None:
                raise UsageError(f"cannot import {module_name}")
            module = importlib.util.module_from_spec(spec)
            sys.path.insert(0, str(path.resolve().parent))
            try:
                spec.loader.exec_module(module)
            finally:
                sys.path.remove(str(path.resolve().parent))
        else:
            module = importlib.import_module(module_name)
    except UsageError:
        raise
    except Exception as exc:
        raise UsageError(f"importing {module_name} failed: {type(exc).__name__}: {exc}") from exc
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise UsageError(f"{module_name} has no callable {attr!r}")
    return fn


def unpack(made: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
    """(model, batch, loss_fn, optimizer, options) from what the factory returned."""
    if not isinstance(made, (tuple, list)) or not 3 <= len(made) <= 5:
        raise UsageError("FACTORY must return (model, batch, loss_fn[, optimizer[, options]])")
    model, batch, loss_fn = made[:3]
    optimizer = made[3] if len(made) > 3 else None
    options = made[4] if len(made) > 4 else {}
    if not isinstance(options, dict):
        raise UsageError("the fifth element FACTORY returns must be a dict of check() options")
    return model, batch, loss_fn, optimizer, dict(options)


def cmd_check(args: argparse.Namespace) -> int:
    from torchvitals.checks import CHECK_NAMES, check, snapshot, snapshot_line
    from torchvitals.sinks.console import print_diagnosis

    try:
        fn = load_factory(args.target)
        model, batch, loss_fn, optimizer, options = unpack(_call(fn))
    except UsageError as exc:
        print(f"torchvitals check: {printable(exc)}", file=sys.stderr)
        return 2
    options.setdefault("factory", lambda: unpack(fn())[0])
    bar = contextlib.nullcontext()
    if on_terminal(sys.stderr) and not args.json:
        bar, options["progress"] = steps_bar(len(CHECK_NAMES), "torchvitals check")
    try:
        with bar:
            diag = check(model, batch, loss_fn, optimizer, **options)
    except TypeError as exc:  # a bad option name or batch structure is the user's input error
        print(f"torchvitals check: {printable(exc)}", file=sys.stderr)
        return 2
    snap = None
    if not args.no_snapshot and not any(f.evidence.get("raised") for f in diag.findings):
        try:
            snap = snapshot(model, batch, loss_fn, optimizer)
        except Exception as exc:  # the snapshot is extra; the findings still count
            diag.notes.append(f"step snapshot failed: {type(exc).__name__}: {exc}")
    if snap is not None:
        diag.summary["snapshot"] = snap
    if args.json:
        print(json.dumps(diag.to_dict(), indent=2, default=str))
    else:
        print_diagnosis(diag, sys.stdout)
        if snap is not None:
            print(printable(snapshot_line(snap)))
    return diag.exit_code()


def _call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:
        raise UsageError(f"calling the factory failed: {type(exc).__name__}: {exc}") from exc
