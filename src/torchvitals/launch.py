"""`torchvitals run --nproc N SCRIPT [ARGS…]`: a thin front for torchrun.

It replaces this process with

    python -m torch.distributed.run --nproc_per_node N (--standalone | multi-node options)
        -m -- torchvitals run <the same torchvitals options, without --nproc> SCRIPT ARGS…

so every rank runs `torchvitals run` on the unmodified script and all ranks write into one run
directory (`<out>/<name>/run.rank{K}.jsonl`; rank 0 prints the diagnosis and writes
findings.json). On one node, when no name is given, this front picks the name and hands it to
every rank as TORCHVITALS_NAME. Across nodes each node has its own front, so the name is left
to the ranks: they agree on rank 0's through the torch.distributed store (the user gives every
node the same --rdzv-id and --rdzv-endpoint).

Being replaced (exec) rather than waiting on a child, the front adds no process of its own:
Ctrl-C and SIGTERM reach torchrun, which stops its ranks, and the exit status is torchrun's
(0 when every rank exits 0; 1 when any rank exits non-zero: findings under --fail-on, a
script's error, a crashed or killed rank; torchrun prints which rank failed and how). Usage
errors are found here, before anything starts, and give one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from typing import Any

# Environment variables torchrun sets in every rank it starts.
_RANK_VARS = ("TORCHELASTIC_RUN_ID", "LOCAL_RANK")


class UsageError(Exception):
    """A launch that cannot start: told in one line, exit 2."""


def _positive(flag: str, raw: str | int | None) -> int | None:
    if raw is None:
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1 or str(raw).strip() != str(value):
        raise UsageError(f"{flag} expects a whole number of at least 1, got {raw!r}")
    return value


def _check(args: argparse.Namespace) -> None:
    """Every reason the launch cannot start, before it starts."""
    nnodes = _positive("--nnodes", args.nnodes)
    if args.node_rank is not None:
        try:
            node_rank = int(args.node_rank)
        except ValueError:
            raise UsageError(f"--node-rank expects a whole number, got {args.node_rank!r}") from None
        if nnodes is None:
            raise UsageError("--node-rank needs --nnodes (the number of nodes)")
        if not 0 <= node_rank < nnodes:
            raise UsageError(f"--node-rank {node_rank} is not a node of --nnodes {nnodes} (0 to {nnodes - 1})")
    if nnodes is not None and nnodes > 1 and not args.rdzv_endpoint:
        raise UsageError(f"--nnodes {nnodes} needs --rdzv-endpoint HOST:PORT (where the nodes meet; "
                         "the same on every node, with the same --rdzv-id)")
    if args.rdzv_endpoint and ":" not in args.rdzv_endpoint:
        raise UsageError(f"--rdzv-endpoint expects HOST:PORT, got {args.rdzv_endpoint!r}")
    if any(v in os.environ for v in _RANK_VARS):
        raise UsageError("--nproc: this process is already a rank of a torchrun job; under torchrun, use "
                         "`torchvitals run SCRIPT` without --nproc")
    import torch

    dist = getattr(torch, "distributed", None)
    if dist is None or not dist.is_available() or importlib.util.find_spec("torch.distributed.run") is None:
        raise UsageError(f"--nproc needs torch.distributed, which this PyTorch build ({torch.__version__}) does not have")
    if not os.path.isfile(args.script):
        raise UsageError(f"{args.script}: no such file")


def _child_options(args: argparse.Namespace) -> list[str]:
    """The `torchvitals run` options each rank gets: the user's, without the launch ones."""
    opts = ["--out", args.out]
    for flag, value in (("--name", args.name), ("--every", args.every), ("--log-every", args.log_every),
                        ("--probe", args.probe), ("--fail-on", args.fail_on),
                        ("--sink", ",".join(getattr(args, "sink", None) or []) or None)):
        if value is not None:
            opts += [flag, str(value)]
    if args.json or args.format == "json":
        opts.append("--json")
    return opts


def wanted(args: argparse.Namespace) -> bool:
    """Whether `torchvitals run` was given any launch option (then it starts torchrun)."""
    return any(getattr(args, k, None) is not None for k in ("nproc", "nnodes", "node_rank", "rdzv_endpoint", "rdzv_id"))


def multi_node(args: argparse.Namespace) -> bool:
    """Whether the job spans nodes (each node has its own front and torchrun)."""
    return bool((args.nnodes is not None and int(args.nnodes) > 1) or args.rdzv_endpoint)


def command(args: argparse.Namespace, environ: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) of the torchrun launch for parsed `torchvitals run --nproc` args.
    Raises UsageError when it cannot start."""
    if args.nproc is None:
        raise UsageError("--nnodes, --node-rank, --rdzv-endpoint and --rdzv-id start a torchrun job: give --nproc N "
                         "(processes on this node) with them")
    nproc = _positive("--nproc", args.nproc)
    _check(args)
    env = dict(os.environ if environ is None else environ)
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}"]
    if multi_node(args):
        cmd += [f"--nnodes={args.nnodes or 1}", "--rdzv_backend=c10d", f"--rdzv_endpoint={args.rdzv_endpoint}"]
        if args.node_rank is not None:
            cmd.append(f"--node_rank={args.node_rank}")
        if args.rdzv_id is not None:
            cmd.append(f"--rdzv_id={args.rdzv_id}")
    else:
        cmd.append("--standalone")
        if args.rdzv_id is not None:
            raise UsageError("--rdzv-id is for a job across nodes: give --nnodes and --rdzv-endpoint with it")
        if args.name is None and not env.get("TORCHVITALS_NAME"):
            # One name for every rank of this launch (the one the monitor would pick itself).
            env["TORCHVITALS_NAME"] = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
    # "--": torchrun's parser would otherwise read the script's own options as its own wherever
    # they match or abbreviate one (a script's --dup is "ambiguous", its --node_rank taken).
    cmd += ["-m", "--", "torchvitals", "run", *_child_options(args), args.script, *args.args]
    return cmd, env


def launch(args: argparse.Namespace) -> int:
    """Start the torchrun job; returns only on a usage error (2) or where exec is not
    available (then torchrun's exit status)."""
    try:
        cmd, env = command(args)
    except UsageError as exc:
        from torchvitals.terminal import printable

        print(f"torchvitals run: {printable(exc)}", file=sys.stderr)
        return 2
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(cmd[0], cmd, env)  # torchrun takes this process: its signals, its exit status
    return _wait(subprocess.Popen(cmd, env=env))


def _wait(proc: subprocess.Popen[Any]) -> int:
    """Without exec: wait for torchrun; Ctrl-C reaches it too (same console), so wait on."""
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue
