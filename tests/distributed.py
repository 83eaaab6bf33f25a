"""Launching multi-process tests: `torchrun` (as `python -m torch.distributed.run`) on CPU with
gloo, each launch in its own process group with a hard timeout that kills the whole group, so a
test that hangs fails instead of holding CI."""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")
# A launch that runs longer than this is killed with its whole process group and fails the
# test; generous, so that only a hang reaches it on a busy machine.
HARD_TIMEOUT = 300


@dataclass
class Launch:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


# torch 2.13's gloo backend sometimes aborts a rank as its process exits, after the script has
# finished and destroyed its process group: the rank prints this line and torchrun reports exit
# -6 (SIGABRT). A plain DDP script without torchvitals did it in 8 of 80 launches on the 2-core
# test machine (tests/scripts/ddp_watch.py less its watch(), two launches at a time), 3 of 80 with
# a barrier before destroy_process_group. Such a launch counts only where the run directory shows
# that every rank finished its record (`ended_before_teardown_abort`).
TEARDOWN_ABORT = "terminate called without an active exception"


def teardown_abort_only(result: Launch) -> bool:
    """Whether a launch that failed did so only by torch's abort at process exit: the abort's
    line is there, and no Python traceback from the script (torchrun's own report aside)."""
    out = result.output
    torchrun_reports = 1 if "ChildFailedError" in out else 0  # torchrun's own traceback
    return (not result.timed_out and result.returncode != 0 and TEARDOWN_ABORT in out and "exitcode: -6" in out
            and out.count("Traceback (most recent call last)") == torchrun_reports)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The child environment: this checkout's sources first, one thread per rank, no
    developer TORCHVITALS_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORCHVITALS_")}
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def start(cmd: list[str], cwd: str | os.PathLike[str], env: dict[str, str], stdin: int | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cmd, cwd=cwd, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = HARD_TIMEOUT) -> Launch:
    """Wait for `proc`; past `timeout` kill its whole process group (torchrun and its ranks)."""
    try:
        out, err = proc.communicate(timeout=timeout)
        return Launch(proc.returncode, out, err, False)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return Launch(proc.returncode if proc.returncode is not None else -9, out, err, True)


def torchrun_cmd(nproc: int, *rest: str, standalone: bool = True) -> list[str]:
    """`python -m torch.distributed.run --nproc_per_node N [--standalone] REST…`."""
    head = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}"]
    return head + (["--standalone"] if standalone else []) + list(rest)


def launch(cmd: list[str], cwd: str | os.PathLike[str], env: dict[str, str] | None = None,
           timeout: float = HARD_TIMEOUT) -> Launch:
    """Run `cmd` to its end (or kill its process group at `timeout`)."""
    return finish(start(cmd, cwd, env_for(env)), timeout)


def finish_all(procs: list[subprocess.Popen[str]], timeout: float = HARD_TIMEOUT, grace: float = 30) -> list[Launch]:
    """Wait for launchers that form one job (one per node), reading their output as it comes.
    Once one of them fails, the others get `grace` seconds before their process groups are
    killed: they would otherwise wait in the rendezvous for a node that is gone, up to
    torchrun's own timeout."""
    outputs: list[tuple[str, str]] = [("", "")] * len(procs)

    def read(i: int) -> None:
        outputs[i] = procs[i].communicate()

    readers = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(len(procs))]
    for t in readers:
        t.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(t.is_alive() for t in readers):
        if any(p.returncode not in (None, 0) for p in procs):
            deadline = min(deadline, time.monotonic() + grace)
        time.sleep(0.2)
    killed = [t.is_alive() for t in readers]
    for p, k in zip(procs, killed, strict=True):
        if k:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for t in readers:
        t.join()
    return [Launch(p.returncode if p.returncode is not None else -9, out, err, k)
            for p, (out, err), k in zip(procs, outputs, killed, strict=True)]


# ---------------------------------------------------------------- ranks forked from one process
FORK_RANKS = str(Path(__file__).resolve().parent / "fork_ranks.py")


def fork_job(nproc: int, argv: list[str], cwd: str | os.PathLike[str], env: dict[str, str] | None = None,
             timeout: float = HARD_TIMEOUT) -> Launch:
    """A torchrun-like job without torchrun's agent: the ranks are forked from a process that has
    imported torch, dynamo and torchvitals already (tests/fork_ranks.py), each given the
    environment torchrun gives its ranks and running `torchvitals <argv>`; a rank then starts in
    a fraction of a second instead of importing torch again. One such server per test process
    serves every job, each job in a fresh child of it (its own process group, killed past
    `timeout`). The launch tests start real torchrun; this is for the tests about what the ranks
    measure and judge."""
    request = {"nproc": nproc, "argv": list(argv), "cwd": str(cwd), "env": env_for(env), "timeout": timeout}
    return _FORK_SERVER.ask(request, timeout + 60)


class _ForkServer:
    """`python tests/fork_ranks.py --serve`, started at the first job and closed at exit."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None

    def ask(self, request: dict, patience: float) -> Launch:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = start([sys.executable, FORK_RANKS, "--serve"], SRC, env_for(), subprocess.PIPE)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except OSError as exc:
            return self._lost(f"the fork server is gone: {exc}")
        ready, _, _ = select.select([self.proc.stdout], [], [], patience)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            return self._lost("the fork server did not answer")
        got = json.loads(line)
        return Launch(got["returncode"], got["stdout"], got["stderr"], got["timed_out"])

    def _lost(self, why: str) -> Launch:
        """The server hung or died: kill its group, so the next job starts a new one."""
        proc, self.proc = self.proc, None
        assert proc is not None
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, err = proc.communicate()
        return Launch(-9, "", f"{why}\n{err}", True)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


_FORK_SERVER = _ForkServer()
atexit.register(_FORK_SERVER.close)
