"""The `torchvitals` command: run, diagnose, report, explain, demo (check and lint: their own modules).

Exit codes: 0 no problem in what was judged, 1 findings at warning or above (or nothing could be
judged), 2 usage or input error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from torchvitals.terminal import printable
from torchvitals.version import __version__


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, default=str))


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")


def _wants_json(args: argparse.Namespace) -> bool:
    return bool(args.json or args.format == "json")


def cmd_diagnose(args: argparse.Namespace) -> int:
    """Exit 0/1 with the diagnosis, or 2 with one line on stderr: never a traceback."""
    from torchvitals.offline import diagnose
    from torchvitals.record import RunFileError
    from torchvitals.sinks.console import print_diagnosis
    from torchvitals.terminal import printable

    try:
        diag = diagnose(args.path)
    except RunFileError as exc:
        print(f"torchvitals diagnose: {printable(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # read_run promises RunFileError only; this is the last guard
        print(f"torchvitals diagnose: {printable(args.path)}: cannot diagnose: {type(exc).__name__}: {printable(exc)}", file=sys.stderr)
        return 2
    try:
        if _wants_json(args):
            _print_json(diag.to_dict())
        else:
            print_diagnosis(diag, sys.stdout)
    except BrokenPipeError:
        raise  # main() ends quietly
    except Exception as exc:
        print(f"torchvitals diagnose: cannot print the diagnosis: {type(exc).__name__}: {printable(exc)}", file=sys.stderr)
        return 2
    return diag.exit_code()


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report; exit like `diagnose` (0/1 by the diagnosis), or 2 with one line on
    stderr when the run cannot be read or the page cannot be written: never a traceback."""
    from contextlib import nullcontext

    from torchvitals.record import RunFileError, resolve_run_file
    from torchvitals.report import write_report
    from torchvitals.sinks.progress import reading_bar, wants_bar

    try:
        size = resolve_run_file(args.path).stat().st_size
    except (RunFileError, OSError):
        size = 0  # write_report says what is wrong
    bar, progress = reading_bar(size, "reading the run") if wants_bar(sys.stderr, size) else (nullcontext(), None)
    try:
        with bar:
            rep, path = write_report(args.path, args.output, progress)
    except RunFileError as exc:
        print(f"torchvitals report: {printable(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"torchvitals report: cannot write {printable(args.output or 'the report')}: {printable(exc.strerror or exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # the last guard: a bug of ours, said in one line
        print(f"torchvitals report: {printable(args.path)}: cannot make the report: {type(exc).__name__}: {printable(exc)}", file=sys.stderr)
        return 2
    diag = rep.diagnosis
    if _wants_json(args):
        _print_json({"report": str(path), "missing": rep.missing, "diagnosis": diag.to_dict()})
    else:
        print(f"torchvitals report: {printable(diag.verdict)}, {len(diag.findings)} finding(s); written to {printable(path)}")
    return diag.exit_code()


def cmd_run(args: argparse.Namespace) -> int:
    from torchvitals.launch import launch, wanted

    if wanted(args):
        return launch(args)  # torchrun starts the ranks, each of them `torchvitals run` again
    from torchvitals.ranks import rank
    from torchvitals.run import run_script

    options: dict = {"out": args.out}
    for key in ("every", "log_every", "name"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    if args.probe:
        options["probe"] = [p.strip() for p in args.probe.split(",") if p.strip()]
    if args.preflight is False:
        options["preflight"] = False
    if args.sink:
        from torchvitals.config import SINK_NAMES

        options["sinks"] = [s.strip().lower() for arg in args.sink for s in arg.split(",") if s.strip()]
        unknown = [s for s in options["sinks"] if s not in SINK_NAMES]
        if unknown:
            print(f"torchvitals run: unknown --sink {', '.join(unknown)}; valid: {', '.join(SINK_NAMES)}", file=sys.stderr)
            return 2
    try:
        code, diag = run_script(args.script, args.args, options, fail_on=args.fail_on)
    except FileNotFoundError as exc:
        print(f"torchvitals run: {printable(exc)}", file=sys.stderr)
        return 2
    if _wants_json(args) and rank() == 0:  # under torchrun, rank 0 speaks for the job
        _print_json(diag.to_dict())
    return code


def cmd_explain(args: argparse.Namespace) -> int:
    from torchvitals.rules import all_pages, get

    if args.name is None:
        rows = [(r.code, r.name, r.what.split(". ")[0]) for r in sorted(all_pages().values(), key=lambda r: r.code)]
        if _wants_json(args):
            _print_json([{"code": c, "name": n, "what": w} for c, n, w in rows])
        else:
            for c, n, w in rows:
                print(f"{c}  {n:26} {w}")
        return 0
    from torchvitals.sinks import legend

    if args.name in ("lines", "line", "legend"):
        print(legend.render())
        return 0
    r = get(args.name)
    if r is None:
        rows = legend.lookup(args.name)
        if rows:
            for line, field, meaning in rows:
                print(f"{field}  ({line} line)\n  {meaning}")
            return 0
        print(f"torchvitals explain: no rule or console field named {args.name!r}; `torchvitals explain` lists the "
              "rules, `torchvitals explain lines` the fields of the console lines", file=sys.stderr)
        return 2
    if _wants_json(args):
        _print_json({"code": r.code, "name": r.name, "what": r.what, "why": r.why, "example": r.example, "fix": r.fix})
    else:
        print(r.page())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from torchvitals import demo

    bug = None if args.fixed else args.bug or demo.DEFAULT_BUG
    if not _wants_json(args):
        what = "a healthy run" if bug is None else f"bug '{bug}' — {demo.BUGS[bug]}"
        print(f"torchvitals demo: training a small forecaster with {what}", file=sys.stderr)
    diag = demo.run(bug=bug, epochs=args.epochs, out=args.out, quiet=_wants_json(args))
    page, why = demo.report(diag)
    if _wants_json(args):
        _print_json({**diag.to_dict(), "report": str(page) if page else None})
    elif page:
        print(f"torchvitals demo: report written to {printable(page)} (open it in a browser)")
    else:
        print(f"torchvitals demo: no report ({printable(why)})", file=sys.stderr)
    return diag.exit_code() if args.strict else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchvitals",
        description="Says early and plainly when a PyTorch training run is silently broken.",
    )
    parser.add_argument("--version", action="version", version=f"torchvitals {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "run",
        help="run an unmodified training script under torchvitals",
        description="Runs SCRIPT as `python SCRIPT ARGS…` would, watching every optimizer it creates; "
        "prints the diagnosis at the end and exits with the script's own exit code.",
    )
    p.add_argument("--out", default=os.environ.get("TORCHVITALS_OUT", "torchvitals-runs"), help="where run directories go")
    p.add_argument("--name", help="run directory name (default: a timestamp)")
    p.add_argument("--every", type=int, help="sample every N iterations (default 50)")
    p.add_argument("--log-every", type=int, dest="log_every", help="tagged lines every N iterations (default 200, 0 = off)")
    p.add_argument("--probe", help="comma-separated module names/globs whose output gradient is measured")
    p.add_argument("--no-preflight", dest="preflight", action="store_false", default=None,
                   help="skip the checks run once on the first training batch (batch-mixing, dropout in eval(), loss at init)")
    p.add_argument("--sink", action="append", help="also report to tensorboard, wandb or mlflow (repeat or comma-separate)")
    p.add_argument("--fail-on", choices=["info", "warning", "error"], help="exit 1 when findings reach this severity, or when nothing could be judged")
    _json_flag(p)
    g = p.add_argument_group("distributed (a front for torchrun: every rank runs the script under torchvitals)")
    g.add_argument("--nproc", metavar="N", help="start N processes on this node with torchrun")
    g.add_argument("--nnodes", metavar="M", help="nodes in the job (each runs this command with its --node-rank)")
    g.add_argument("--node-rank", dest="node_rank", metavar="R", help="this node's rank, 0 to M-1")
    g.add_argument("--rdzv-endpoint", dest="rdzv_endpoint", metavar="HOST:PORT", help="where the nodes meet (the same on every node)")
    g.add_argument("--rdzv-id", dest="rdzv_id", metavar="ID", help="the job's id (the same on every node)")
    p.add_argument("script", help="the training script")
    p.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    p.set_defaults(func=cmd_run)

    from torchvitals.check_cli import add_parser as add_check
    from torchvitals.lint.cli import add_parser as add_lint

    add_check(sub)
    add_lint(sub)

    p = sub.add_parser("diagnose", help="re-run the rules on a run directory or run.jsonl")
    p.add_argument("path", help="run directory or its run.jsonl")
    _json_flag(p)
    p.set_defaults(func=cmd_diagnose)

    p = sub.add_parser("report", help="write a self-contained HTML report of a run directory")
    p.add_argument("path", help="run directory or its run.jsonl")
    p.add_argument("-o", "--output", help="where the page goes (default: report.html in the run directory)")
    _json_flag(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("explain", help="print a rule's page: what, why, example, fix")
    p.add_argument("name", nargs="?", help="finding name (e.g. dead-parameters) or code (TV101)")
    _json_flag(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("demo", help="train a small forecaster with a seeded bug and diagnose it")
    from torchvitals.examples import forecaster_bugs

    p.add_argument("--bug", choices=sorted(forecaster_bugs()), help="which failure to seed (default: norm-stack)")
    p.add_argument("--fixed", action="store_true", help="train the healthy model instead")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--out", default="torchvitals-runs", help="where run directories go")
    p.add_argument("--strict", action="store_true", help="exit 1 when findings reach warning")
    _json_flag(p)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except BrokenPipeError:  # `torchvitals explain lines | head`: the reader left, nothing is wrong
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0


if __name__ == "__main__":
    sys.exit(main())
