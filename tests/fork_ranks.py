"""Run `torchvitals ARGV` as NPROC ranks of one job, forked from this process after torch, dynamo
and torchvitals are imported once:

    python tests/fork_ranks.py NPROC ARGV...
    python tests/fork_ranks.py --serve     # jobs asked for on stdin (tests/distributed.py fork_job)

`--serve` imports once for a whole test session (the imports take five times as long as a test
job's ranks): each request, one JSON line on stdin {nproc, argv, cwd, env, timeout}, is run in a
fresh process forked from the server (its own process group, killed whole past its timeout) and
answered with one JSON line {returncode, stdout, stderr, timed_out}.

Each rank gets the environment torchrun gives its ranks (RANK, WORLD_SIZE, MASTER_ADDR, the agent's
store, ...);
their output is printed in rank order; the exit code is the first non-zero rank's. The ranks stay
in this process's group, so the caller's timeout kills the job whole.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import tempfile
import time
import uuid

import torch
import torch._dynamo  # noqa: F401  (torch.optim imports it at the first optimizer)
import torch.distributed.fsdp  # noqa: F401
import torch.nn.parallel  # noqa: F401

import torchvitals.run  # noqa: F401
from torchvitals.cli import main

torch.set_num_threads(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rank_main(rank: int, nproc: int, port: int, run_id: str, argv: list[str], log: str) -> int:
    with open(log, "w", buffering=1) as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        sys.stdout = sys.stderr = fh
        os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(nproc), LOCAL_WORLD_SIZE=str(nproc),
                          GROUP_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), TORCHELASTIC_RUN_ID=run_id,
                          TORCHELASTIC_USE_AGENT_STORE="True", TORCHELASTIC_RESTART_COUNT="0")
        try:
            return main(argv)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 1
        finally:
            fh.flush()


def run(nproc: int, argv: list[str]) -> int:
    port, run_id = free_port(), uuid.uuid4().hex[:12]
    logs = [tempfile.mktemp(prefix=f"rank{r}-", suffix=".log") for r in range(nproc)]
    pids = []
    for r in range(nproc):
        pid = os.fork()
        if pid == 0:
            code = 71
            try:
                code = rank_main(r, nproc, port, run_id, argv, logs[r])
            finally:
                os._exit(code)
        pids.append(pid)
    # As torchrun's agent does, this process holds the store the ranks rendezvous through, so
    # that it outlives every rank (rank 0 does not host it and can finish first).
    store = torch.distributed.TCPStore("127.0.0.1", port, nproc, is_master=True, wait_for_workers=False)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    for log in logs:
        try:
            with open(log) as fh:
                sys.stdout.write(fh.read())
            os.unlink(log)
        except OSError:
            pass
    del store
    return next((c for c in codes if c != 0), 0)


def job(request: dict) -> dict:
    """One request of `--serve`: the job runs in a child in its own session, with the request's
    directory and environment; past the timeout its whole process group is killed."""
    with tempfile.TemporaryDirectory() as tmp:
        out, err = os.path.join(tmp, "out"), os.path.join(tmp, "err")
        pid = os.fork()
        if pid == 0:
            code = 71
            try:
                os.setsid()
                os.chdir(request["cwd"])
                os.environ.clear()
                os.environ.update(request["env"])
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                for fd, path in ((1, out), (2, err)):
                    os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
                code = run(int(request["nproc"]), list(request["argv"]))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        deadline = time.monotonic() + float(request["timeout"])
        status = None
        while status is None and time.monotonic() < deadline:
            done, st = os.waitpid(pid, os.WNOHANG)
            status = st if done else None
            if status is None:
                time.sleep(0.02)
        timed_out = status is None
        if timed_out:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            status = os.waitpid(pid, 0)[1]
        code = os.waitstatus_to_exitcode(status)
        texts = []
        for path in (out, err):
            try:
                with open(path, errors="replace") as fh:
                    texts.append(fh.read())
            except OSError:
                texts.append("")
    return {"returncode": -9 if timed_out else code, "stdout": texts[0], "stderr": texts[1], "timed_out": timed_out}


def serve() -> int:
    """Answer job requests from stdin until it closes."""
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(job(json.loads(line))) + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        raise SystemExit(serve())
    raise SystemExit(run(int(sys.argv[1]), sys.argv[2:]))
