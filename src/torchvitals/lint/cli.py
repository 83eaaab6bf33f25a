"""The `torchvitals lint` subcommand: exit 0 clean, 1 with findings, 2 on usage error."""

from __future__ import annotations

import argparse
import sys

from torchvitals.lint.config import ConfigError
from torchvitals.lint.files import collect, lint_paths
from torchvitals.lint.report import render_json, render_sarif, render_text
from torchvitals.terminal import printable


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `lint` to a subparsers object; the parsed args dispatch through `args.func(args)`."""
    p = sub.add_parser("lint", help="find silent training bugs in source code, without running it")
    p.add_argument("paths", nargs="*", metavar="PATH", help=".py files, notebooks or folders")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    p.add_argument("--json", action="store_true", help="same as --format json")
    p.add_argument("--select", default=None, help="comma-separated codes or prefixes to report")
    p.add_argument("--ignore", default=None, help="comma-separated codes or prefixes to skip")
    p.add_argument("--explain", metavar="CODE", default=None, help="print a rule's page and exit")
    p.set_defaults(func=cmd_lint)
    return p


def cmd_lint(args: argparse.Namespace) -> int:
    if args.explain:
        from torchvitals.rules import get

        page = get(args.explain)
        if page is None:
            print(f"torchvitals lint: no rule {printable(repr(args.explain))}", file=sys.stderr)
            return 2
        print(page.page())
        return 0
    if not args.paths:
        print("torchvitals lint: give at least one PATH (file, notebook or folder)", file=sys.stderr)
        return 2
    try:
        findings = lint_paths(args.paths, select=args.select, ignore=args.ignore)
    except FileNotFoundError as exc:
        print(f"torchvitals lint: no such file or folder: {printable(exc)}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"torchvitals lint: configuration error: {printable(exc)}", file=sys.stderr)
        return 2
    fmt = "json" if args.json else args.format
    if fmt == "json":
        _print(render_json(findings))
    elif fmt == "sarif":
        _print(render_sarif(findings))
    else:
        _print(render_text(findings, files=len(collect(args.paths))))
    return 1 if findings else 0


def _print(text: str) -> None:
    """Print what the terminal's encoding can show; anything else (a file name's undecodable
    bytes, kept by Python as lone surrogates) as a backslash escape, never a crash or a raw byte."""
    enc = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        safe = text.encode(enc, "backslashreplace").decode(enc, "replace")
    except LookupError:  # an encoding Python does not know
        safe = text.encode("ascii", "backslashreplace").decode("ascii")
    print(safe)
