"""Global statistics under torchrun: the same model and data as one process, as two DDP ranks, as
two FSDP2 ranks (sharded parameters, one rank with empty shards) and as HSDP (FSDP2 on a 2-D
mesh: each shard held by both ranks) give the same gradient, weight, update and pre-clip norms,
and the same findings. The ranks are forked with torchrun's environment (tests/distributed.py
fork_job); tests/test_distributed_launch.py starts torchrun itself."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest
from distributed import fork_job, launch

from torchvitals.run import run_script

pytestmark = pytest.mark.distributed

SCRIPT = str(Path(__file__).parent / "scripts" / "dist_reference.py")
REL = 1e-5


def _steps(path: Path) -> dict[int, dict]:
    recs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {r["it"]: r for r in recs if r.get("type") == "step" and "g" in r}


def _header(path: Path) -> dict:
    return json.loads(path.read_text().splitlines()[0])


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    env = {"TORCHVITALS_OUT": str(out), "TORCHVITALS_EVERY": "1"}
    code, _ = run_script(SCRIPT, ["--mode", "single", "--clip", "0.5"],
                         {"out": str(out), "name": "single", "every": 1, "console": False})
    assert code == 0
    got = {"single": out / "single" / "run.jsonl"}
    for mode in ("ddp", "fsdp", "hsdp"):
        res = fork_job(2, ["run", SCRIPT, "--mode", mode, "--clip", "0.5"], out, {**env, "TORCHVITALS_NAME": mode})
        assert not res.timed_out and res.returncode == 0, res.output[-3000:]
        assert res.output.count("the run looks healthy") == 1, "only rank 0 tells"
        got[mode] = out / mode / "run.rank0.jsonl"
        assert (out / mode / "run.rank1.jsonl").is_file()
    return out, got


@pytest.mark.parametrize("mode", ["ddp", "fsdp", "hsdp"])
def test_global_norms_equal_the_single_process_run(runs, mode):
    _, files = runs
    ref, dist = _steps(files["single"]), _steps(files[mode])
    assert sorted(ref) == sorted(dist) == list(range(1, 9))
    for it, r in ref.items():
        d = dist[it]
        assert d["ranks"]["seen"] == [0, 1] and d["ranks"]["missing"] == []
        for key in ("g", "w", "d", "clip"):
            assert (key in r) == (key in d), f"{mode} iteration {it}: {key}"
        assert "clip" in r, "clip_grad_norm_'s pre-clip norm is recorded"
        assert _close(r["clip"]["pre"], d["clip"]["pre"]) and r["clip"]["max"] == d["clip"]["max"] == 0.5
        for key in [k for k in ("g", "w", "d") if k in r]:
            assert len(r[key]) == len(d[key])
            bad = [(i, a, b) for i, (a, b) in enumerate(zip(r[key], d[key], strict=True)) if not _close(a, b)]
            assert not bad, f"{mode} iteration {it} {key}: {bad}"


def test_fsdp_header_names_the_shards(runs):
    _, files = runs
    head = _header(files["fsdp"])["dist"]
    assert head["world"] == 2 and head["rank"] == 0 and head["wrapper"] == "fsdp"
    assert len(head["sharded"]) == 6  # every parameter of the three layers
    ddp = _header(files["ddp"])["dist"]
    assert ddp["wrapper"] == "ddp" and ddp["sharded"] == []


def test_replicated_parameters_are_compared_bitwise(runs):
    _, files = runs
    for r in _steps(files["ddp"]).values():
        assert r["ranks"]["checked"] == 6 and r["ranks"]["diverged"] == []
    for r in _steps(files["fsdp"]).values():
        assert r["ranks"]["checked"] == 0  # shards are not copies of each other


def test_same_findings_as_single_process(runs):
    out, _ = runs
    names = {}
    for mode in ("single", "ddp", "fsdp", "hsdp"):
        data = json.loads((out / mode / "findings.json").read_text())
        names[mode] = sorted(f["name"] for f in data["findings"])
    assert names["single"] == names["ddp"] == names["fsdp"] == names["hsdp"]


def test_diagnose_reads_the_multi_rank_directory_like_live(runs):
    out, _ = runs
    for mode in ("ddp", "fsdp"):
        res = launch([sys.executable, "-m", "torchvitals", "diagnose", str(out / mode), "--json"], out)
        assert res.returncode in (0, 1), res.output[-2000:]
        offline = json.loads(res.stdout)
        live = json.loads((out / mode / "findings.json").read_text())
        assert [f["name"] for f in offline["findings"]] == [f["name"] for f in live["findings"]]


def test_a_rank_that_stops_early_is_left_out_and_said(tmp_path):
    """Rank 1 ends after 3 iterations, rank 0 trains on: rank 0 goes on (it stops waiting for
    rank 1), its later records combine rank 0 alone, and the diagnosis names the missing rank.
    The optimizer (so the monitor) is made before init_process_group: the exchange opens at the
    first record (a monitor made after it opens at once, as in every other test here)."""
    late = True
    script = str(Path(__file__).parent / "scripts" / "dist_uneven.py")
    env = {"TORCHVITALS_OUT": str(tmp_path), "TORCHVITALS_NAME": "uneven", "TORCHVITALS_EVERY": "1",
           "TORCHVITALS_DIST_TIMEOUT": "5"}
    res = fork_job(2, ["run", script, *(["--late-init"] if late else [])], tmp_path, env)
    assert not res.timed_out and res.returncode in (0, 1), res.output[-3000:]
    run0 = tmp_path / "uneven" / "run.rank0.jsonl"
    recs = [json.loads(line) for line in run0.read_text().splitlines()]
    steps = [r for r in recs if r.get("type") == "step" and "g" in r]
    assert [r["it"] for r in steps] == list(range(1, 13)), "rank 0 trained all its iterations"
    assert all(r["ranks"]["seen"] == [0, 1] for r in steps[:3])
    off = [r for r in recs if r.get("kind") == "dist-exchange-off"]
    assert len(off) == 1 and off[0]["missing"] == [1] and off[0]["it"] == 4
    assert all("ranks" not in r for r in steps[4:])
    live = json.loads((tmp_path / "uneven" / "findings.json").read_text())
    assert any("leave out rank(s) 1" in n for n in live["notes"]), live["notes"]
