"""`torchvitals run --nproc N`: the torchrun command it builds and the usage errors it stops
at (one line, exit 2), in-process, nothing launched. The launches themselves are in
test_distributed_launch.py."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import torch

from torchvitals import launch
from torchvitals.cli import build_parser, main

SCRIPTS = Path(__file__).parent / "scripts"
DDP = str(SCRIPTS / "ddp_train.py")


def parse(*argv: str):
    return build_parser().parse_args(["run", *argv])


def test_single_node_command_names_the_run_for_every_rank(monkeypatch):
    monkeypatch.delenv("TORCHVITALS_NAME", raising=False)
    args = parse("--nproc", "2", "--every", "5", "--fail-on", "warning", "--json", DDP, "--epochs", "1", "--lr", "0.1")
    cmd, env = launch.command(args)
    assert cmd[:4] == [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2"]
    assert "--standalone" in cmd
    tail = cmd[cmd.index("-m", 3):]
    # The same options minus the launch ones, then the script and its own arguments untouched.
    assert tail == ["-m", "--", "torchvitals", "run", "--out", args.out, "--every", "5", "--fail-on", "warning",
                    "--json", DDP, "--epochs", "1", "--lr", "0.1"]
    assert env["TORCHVITALS_NAME"]  # one run directory for all ranks of this launch


def test_a_given_name_is_kept(monkeypatch):
    monkeypatch.delenv("TORCHVITALS_NAME", raising=False)
    cmd, env = launch.command(parse("--nproc", "2", "--name", "mine", DDP))
    assert cmd[cmd.index("--name") + 1] == "mine" and "TORCHVITALS_NAME" not in env
    monkeypatch.setenv("TORCHVITALS_NAME", "from-env")
    assert launch.command(parse("--nproc", "2", DDP))[1]["TORCHVITALS_NAME"] == "from-env"


def test_multi_node_command_leaves_the_name_to_the_ranks(monkeypatch):
    monkeypatch.delenv("TORCHVITALS_NAME", raising=False)
    args = parse("--nproc", "1", "--nnodes", "2", "--node-rank", "1", "--rdzv-endpoint", "10.0.0.1:29400",
                 "--rdzv-id", "job7", DDP)
    cmd, env = launch.command(args)
    assert "--standalone" not in cmd
    for flag in ("--nnodes=2", "--rdzv_backend=c10d", "--rdzv_endpoint=10.0.0.1:29400", "--node_rank=1", "--rdzv_id=job7"):
        assert flag in cmd
    # Each node has its own front: a name picked here would differ between nodes. The ranks
    # agree on rank 0's through the store instead.
    assert "TORCHVITALS_NAME" not in env
    assert "--nproc" not in " ".join(cmd[cmd.index("torchvitals"):])


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--nproc", "0"], "--nproc expects a whole number of at least 1, got '0'"),
        (["--nproc", "two"], "--nproc expects a whole number of at least 1, got 'two'"),
        (["--nproc", "2", "--nnodes", "2"], "--nnodes 2 needs --rdzv-endpoint HOST:PORT"),
        (["--nproc", "2", "--nnodes", "2", "--node-rank", "2", "--rdzv-endpoint", "h:1"], "--node-rank 2 is not a node"),
        (["--nproc", "2", "--rdzv-endpoint", "h"], "--rdzv-endpoint expects HOST:PORT"),
        (["--nproc", "2", "--rdzv-id", "x"], "--rdzv-id is for a job across nodes"),
        (["--nnodes", "2"], "give --nproc N"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv, says, capsys, monkeypatch):
    monkeypatch.setattr(os, "execve", lambda *a: pytest.fail("launched despite a usage error"))
    assert main(["run", *argv, DDP]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("torchvitals run: ") and says in err


def test_missing_script_and_missing_torch_distributed(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(os, "execve", lambda *a: pytest.fail("launched despite a usage error"))
    assert main(["run", "--nproc", "2", str(tmp_path / "nope.py")]) == 2
    assert "nope.py: no such file" in capsys.readouterr().err
    monkeypatch.setattr(torch.distributed, "is_available", lambda: False)
    assert main(["run", "--nproc", "2", DDP]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs torch.distributed" in err


def test_no_launch_from_inside_a_torchrun_rank(capsys, monkeypatch):
    monkeypatch.setattr(os, "execve", lambda *a: pytest.fail("nested launch"))
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert main(["run", "--nproc", "2", DDP]) == 2
    assert "already a rank of a torchrun job" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="exec is POSIX's")
def test_the_front_becomes_torchrun(monkeypatch):
    """exec, not a child: torchrun gets this process's signals and gives its exit status."""
    monkeypatch.delenv("TORCHVITALS_NAME", raising=False)
    seen = {}

    def execve(path, argv, env):
        seen.update(path=path, argv=argv, env=env)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execve", execve)
    with pytest.raises(SystemExit):
        main(["run", "--nproc", "3", DDP])
    assert seen["path"] == sys.executable and "--nproc_per_node=3" in seen["argv"]
    assert seen["env"]["TORCHVITALS_NAME"]


def test_run_honours_torchvitals_name(tmp_path, monkeypatch):
    """What the front relies on: every rank's `torchvitals run` takes TORCHVITALS_NAME."""
    monkeypatch.setenv("TORCHVITALS_NAME", "shared")
    code = main(["run", "--out", str(tmp_path), str(SCRIPTS / "argparse_main.py"), "--epochs", "1"])
    assert code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["shared"]


def test_json_and_own_lines_come_from_rank_0_only(tmp_path, monkeypatch, capsys):
    """A rank > 0 of a torchrun job (RANK set) prints neither the JSON diagnosis nor the
    session's own lines: rank 0 speaks for the job."""
    script = str(SCRIPTS / "argparse_main.py")
    monkeypatch.setenv("RANK", "1")
    assert main(["run", "--json", "--out", str(tmp_path / "r1"), script, "--epochs", "1"]) == 0
    out, err = capsys.readouterr()
    assert "{" not in out and "torchvitals run:" not in err and "torchvitals: watching" not in err
    monkeypatch.setenv("RANK", "0")
    assert main(["run", "--json", "--out", str(tmp_path / "r0"), script, "--epochs", "1"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out[out.index("{"):])["verdict"] and "torchvitals run:" in err
