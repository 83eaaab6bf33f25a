"""`torchvitals run SCRIPT`: unmodified plain-PyTorch scripts (tests/scripts/ and the fault zoo's
cases) with one fault each
are diagnosed, their `--fixed` twins stay silent, and the script behaves as under plain python
(argv, sys.path[0], __main__, stdout, exit codes, tracebacks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from torchvitals.cli import main
from torchvitals.offline import diagnose

SCRIPTS = Path(__file__).parent / "scripts"
ZOO = Path(__file__).parent.parent / "benchmarks" / "fault_zoo" / "cases"
# Fault scripts the fault zoo already holds (one copy is enough): test name → zoo case.
IN_ZOO = {
    "list_modules": "modules_in_python_list",
    "partial_optimizer": "optimizer_missing_params",
    "strict_gate": "strict_step_gate",
    "no_grad_submodel": "no_grad_submodel",
    "eval_left_on": "eval_mode_left_on",
    "softmax_ce": "softmax_before_cross_entropy",
    "slow_loader": "slow_dataloader",
    "mse_broadcast": "mse_broadcasting",
    "no_zero_grad": "missing_zero_grad",
    "lr_zero": "lr_zero",
}


def script_path(script: str) -> Path:
    return ZOO / f"{IN_ZOO[script]}.py" if script in IN_ZOO else SCRIPTS / f"{script}.py"
SEVERITY = {"info": 0, "warning": 1, "error": 2}

# script → the finding it must produce (at warning or above); `--fixed` must produce none.
FAULT_SCRIPTS = {
    "list_modules": "unoptimized-parameters",
    "partial_optimizer": "unoptimized-parameters",
    "strict_gate": "skipped-steps",
    "no_zero_grad": "grads-not-cleared",
    "no_grad_submodel": "dead-parameters",
    "eval_left_on": "training-in-eval-mode",
    "mse_broadcast": "loss-input-mismatch",
    "softmax_ce": "probabilities-as-logits",
    "slow_loader": "input-bound",
    "lr_zero": "parameters-not-moving",
}


def run(tmp_path: Path, script: str, *args: str, options: tuple[str, ...] = ()) -> tuple[int, dict]:
    """`torchvitals run` in-process; returns (exit code, findings.json)."""
    path = str(script_path(script))
    code = main(["run", "--out", str(tmp_path), "--name", "r", *options, path, *args])
    findings = tmp_path / "r" / "findings.json"
    return code, json.loads(findings.read_text()) if findings.exists() else {}


def serious(report: dict) -> list[dict]:
    return [f for f in report["findings"] if SEVERITY[f["severity"]] >= SEVERITY["warning"]]


def rule_errors(report: dict) -> list[str]:
    return [v for v in report["unjudged"].values() if v.startswith("rule error")]


def brief(findings: list[dict]) -> list[tuple[str, str, str]]:
    return [(f["name"], f["severity"], f["message"]) for f in findings]


# ----------------------------------------------------------------------------- faults and twins


@pytest.mark.parametrize("script", sorted(FAULT_SCRIPTS))
def test_fault_script_is_found(script, tmp_path):
    code, report = run(tmp_path, script)
    assert code == 0
    name = FAULT_SCRIPTS[script]
    hits = [f for f in serious(report) if f["name"] == name]
    assert hits, f"{script}: expected {name}, got {brief(report['findings'])}"
    for f in hits:
        assert f["code"].startswith("TV") and f["message"] and f["fix"] and f["step"] is not None
    assert not report["healthy"]
    assert not rule_errors(report), rule_errors(report)


@pytest.mark.parametrize("script", sorted(FAULT_SCRIPTS))
def test_fixed_twin_is_healthy(script, tmp_path):
    code, report = run(tmp_path, script, "--fixed")
    assert code == 0
    assert not serious(report), f"{script} --fixed: {brief(serious(report))}"
    assert report["healthy"]
    assert not rule_errors(report), rule_errors(report)


# ----------------------------------------------------------------------------- behaviour


def test_argparse_and_main_guard(tmp_path, capsys):
    argv, path0 = sys.argv[:], sys.path[0]
    code, report = run(tmp_path, "argparse_main", "--epochs", "2", "--lr", "0.01", "--tag", "hello")
    out = capsys.readouterr().out
    assert code == 0
    assert "parsed: epochs=2 lr=0.01 tag=hello" in out.splitlines()
    assert report["summary"]["optimizers"][0]["steps"] == 16  # 2 epochs × 8 batches: it trained
    assert sys.argv == argv and sys.path[0] == path0  # restored afterwards


def test_sibling_module_is_importable(tmp_path, capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "sibling_helper", raising=False)
    path0 = sys.path[0]
    try:
        code, report = run(tmp_path, "sibling_import")
    finally:
        sys.modules.pop("sibling_helper", None)
    assert code == 0, capsys.readouterr().err
    assert "sibling_helper imported" in capsys.readouterr().out
    assert report["summary"]["optimizers"][0]["steps"] == 60
    assert sys.path[0] == path0


def test_gan_two_optimizers_healthy(tmp_path):
    code, report = run(tmp_path, "gan")
    assert code == 0
    assert not serious(report), brief(serious(report))
    opts = report["summary"]["optimizers"]
    assert len(opts) == 2 and [o["steps"] for o in opts] == [200, 200]
    assert opts[1]["discards"] > 100 and opts[1]["skipped"] == 0  # D's grads from the G loss


def test_sys_exit_code_is_kept(tmp_path, capsys):
    code, report = run(tmp_path, "exit3")
    assert code == 3
    assert "exiting with 3" in capsys.readouterr().out
    assert (tmp_path / "r" / "findings.json").exists() and "findings" in report
    assert report["summary"]["optimizers"][0]["steps"] == 20


def test_uncaught_exception(tmp_path, capsys):
    originals = (torch.optim.Optimizer.__init__, torch.Tensor.backward, F.mse_loss,
                 F.cross_entropy, torch.utils.data.DataLoader.__iter__)
    code, report = run(tmp_path, "raises")
    err = capsys.readouterr().err
    assert code == 1
    line = next(i for i, text in enumerate((SCRIPTS / "raises.py").read_text().splitlines(), 1)
                if text.startswith("raise RuntimeError"))
    assert f'raises.py", line {line}' in err, err
    assert "RuntimeError: boom after 10 steps" in err
    run_dir = tmp_path / "r"
    assert (run_dir / "findings.json").exists() and (run_dir / "run.jsonl").exists()
    names = [f["name"] for f in serious(report)]
    assert "unoptimized-parameters" in names, brief(report["findings"])
    offline = diagnose(run_dir)
    assert "unoptimized-parameters" in [f.name for f in offline.at_least("warning")]
    assert report["summary"]["optimizers"][0]["steps"] == 10
    # Every patch is undone, even after a crash.
    assert originals == (torch.optim.Optimizer.__init__, torch.Tensor.backward, F.mse_loss,
                         F.cross_entropy, torch.utils.data.DataLoader.__iter__)


def test_keyboard_interrupt_exits_130(tmp_path):
    script = tmp_path / "interrupted.py"
    script.write_text(
        "import torch\n"
        "model = torch.nn.Linear(4, 1)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for _ in range(3):\n"
        "    opt.zero_grad()\n"
        "    model(torch.randn(8, 4)).pow(2).mean().backward()\n"
        "    opt.step()\n"
        "raise KeyboardInterrupt\n"
    )
    code = main(["run", "--out", str(tmp_path), "--name", "r", str(script)])
    assert code == 130
    assert (tmp_path / "r" / "findings.json").exists()


def test_fail_on_warning(tmp_path):
    code, report = run(tmp_path / "bad", "no_zero_grad", options=("--fail-on", "warning"))
    assert code == 1 and serious(report)
    code, report = run(tmp_path / "ok", "no_zero_grad", "--fixed", options=("--fail-on", "warning"))
    assert code == 0 and not serious(report), brief(serious(report))
    # Without --fail-on the fault does not change the exit code.
    code, _ = run(tmp_path / "plain", "no_zero_grad")
    assert code == 0


def test_fail_on_keeps_the_scripts_own_nonzero_code(tmp_path):
    code, _ = run(tmp_path, "raises", options=("--fail-on", "warning"))
    assert code == 1
    code, _ = run(tmp_path / "b", "exit3", options=("--fail-on", "warning"))
    assert code == 3


def test_missing_script_exits_2(tmp_path, capsys):
    code = main(["run", "--out", str(tmp_path), "--name", "r", str(tmp_path / "missing.py")])
    assert code == 2
    assert "missing.py" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("script", "args", "expected_code", "expected_out"),
    [
        ("argparse_main", ["--epochs", "1", "--tag", "s"], 0, "parsed: epochs=1 lr=0.001 tag=s"),
        ("exit3", [], 3, "exiting with 3"),
    ],
)
def test_subprocess(tmp_path, script, args, expected_code, expected_out):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORCHVITALS_")}
    proc = subprocess.run(
        [sys.executable, "-m", "torchvitals", "run", "--out", str(tmp_path), "--name", "r",
         str(script_path(script)), *args],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert proc.returncode == expected_code, proc.stderr
    lines = proc.stdout.splitlines()
    # stdout is the script's own: its lines intact, nothing from torchvitals mixed in.
    assert lines[0] == expected_out, proc.stdout
    assert not [ln for ln in lines if "torchvitals" in ln.lower() or ln.startswith("[")], lines
    assert "torchvitals" in proc.stderr
    assert (tmp_path / "r" / "findings.json").exists() and (tmp_path / "r" / "run.jsonl").exists()


# ----------------------------------------------------------------------------- warnings and loss names


def test_pytorch_warning_names_the_scripts_line(tmp_path):
    """Under plain python, F.mse_loss's broadcast UserWarning points at the script's own line."""
    with pytest.warns(UserWarning, match="target size") as caught:
        run(tmp_path, "mse_broadcast")
    files = {os.path.basename(w.filename) for w in caught if "target size" in str(w.message)}
    assert files == {script_path("mse_broadcast").name}, files


def test_kl_div_on_probabilities(tmp_path):
    script = tmp_path / "kl_probs.py"
    script.write_text(
        "import torch\n"
        "import torch.nn.functional as F\n"
        "torch.manual_seed(0)\n"
        "model = torch.nn.Linear(16, 5)\n"
        "opt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
        "x, t = torch.randn(256, 16), torch.softmax(torch.randn(256, 5), -1)\n"
        "for _ in range(120):\n"
        "    opt.zero_grad()\n"
        "    F.kl_div(torch.softmax(model(x), -1), t, reduction='batchmean').backward()\n"
        "    opt.step()\n"
    )
    assert main(["run", "--out", str(tmp_path), "--name", "r", str(script)]) == 0
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    names = [f["name"] for f in serious(report)]
    assert "probabilities-as-logits" in names, brief(report["findings"])


AUTOENCODER = """
import torch
import torch.nn.functional as F
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(16, 4), torch.nn.Tanh(), torch.nn.Linear(4, 16))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
data = torch.randn(512, 4) @ torch.randn(4, 16)  # rank 4: a 4-wide code can hold it
train = torch.utils.data.DataLoader(data[:384], batch_size=32, shuffle=True)
val = torch.utils.data.DataLoader(data[384:], batch_size=64)
for epoch in range(6):
    for x in train:
        opt.zero_grad()
        F.mse_loss({call}).backward()
        opt.step()
    with torch.no_grad():
        for x in val:
            F.mse_loss({call})
"""


def test_a_symmetric_loss_written_target_first_is_read_the_right_way_round(tmp_path):
    """`F.mse_loss(x, model(x))`, as Lightning's autoencoder example writes it: the model's output
    is the second argument. Before, torchvitals took the input for the prediction and the
    reconstruction for the target: baselines that moved with the model, a negative r2 and
    worse-than-baseline on a healthy autoencoder."""
    epochs = {}
    for order, call in (("pred-first", "model(x), x"), ("target-first", "x, model(x)")):
        script = tmp_path / f"{order}.py"
        script.write_text(AUTOENCODER.format(call=call))
        assert main(["run", "--out", str(tmp_path), "--name", order, str(script)]) == 0
        lines = [json.loads(x) for x in (tmp_path / order / "run.jsonl").read_text().splitlines()]
        epochs[order] = [e["metrics"] for e in lines if e["type"] == "epoch"]
    assert len(epochs["pred-first"]) == 6 and epochs["target-first"] == epochs["pred-first"]
    val = [m["val"] for m in epochs["pred-first"]]
    assert len({m["base_rmse"] for m in val}) == 1 and val[-1]["r2"] > 0.5


def test_module_scan_survives_dead_weak_proxies():
    """A dead weakref.proxy among the live objects (torch.compile leaves some) made the scan for
    the optimizer's model raise ReferenceError: torchvitals run then watched nothing."""
    import weakref

    from torchvitals.run import live_modules, owning_roots

    class Thing:
        pass

    thing = Thing()
    keep = [weakref.proxy(thing)]
    del thing
    model = torch.nn.Linear(2, 2)
    assert any(m is model for m in live_modules())
    assert owning_roots({id(model.weight)}) == [model]
    assert keep  # the dead proxy stayed reachable during the scan


# A regression MLP and its 16 batches; a scheduler test adds its optimizer, schedulers and loop.
SCHEDULED = """
import sys, torch
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
x = torch.randn(512, 8)
data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x[:, :1] * 2 - x[:, 1:2]), batch_size=32)
"""
CHAINED = SCHEDULED + """
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
sched = torch.optim.lr_scheduler.ChainedScheduler([
    torch.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=20),
    torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.999),
])
for epoch in range(2):
    for xb, yb in data:
        opt.zero_grad()
        nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
        sched.step()
        if "--twice" in sys.argv:
            sched.step()
"""


@pytest.mark.parametrize("twice", [False, True])
def test_a_chained_scheduler_is_one_scheduler_step(tmp_path, twice):
    """ChainedScheduler.step() steps each scheduler it chains, and every one of them is an
    LRScheduler the run watches: one step of the loop, not one scheduler step too many per
    iteration. The control: the chain stepped twice per iteration is found."""
    script = tmp_path / "chained.py"
    script.write_text(CHAINED)
    code = main(["run", "--out", str(tmp_path), "--name", "r", str(script), *(["--twice"] if twice else [])])
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    lines = (tmp_path / "r" / "run.jsonl").read_text().splitlines()
    c = next(r for r in map(json.loads, lines) if r["type"] == "end")["counters"][0]
    assert code == 0 and c["steps"] == 32
    assert c["sched_steps"] == (64 if twice else 32), c
    mismatch = [f for f in serious(report) if f["name"] == "scheduler-step-mismatch"]
    assert bool(mismatch) == twice, brief(report["findings"])


WARMUP_AND_DECAY = SCHEDULED + """
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
decay = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2], gamma=0.1)
for epoch in range(3):
    warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.001, total_iters=15) if epoch == 0 else None
    for xb, yb in data:
        opt.zero_grad()
        nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
        if warmup is not None:
            warmup.step()
    decay.step()
    if "--twice" in sys.argv:
        decay.step()
"""


@pytest.mark.parametrize("twice", [False, True])
def test_a_warmup_per_iteration_and_a_decay_per_epoch_are_two_schedules(tmp_path, twice):
    """torchvision's detection references: a LinearLR warm-up stepped every iteration of the
    first epoch beside a MultiStepLR stepped every epoch, on one optimizer. The decay's step
    came right after the warm-up's with no optimizer step between, which was taken for a
    scheduler stepped ahead of its optimizer (an info). The control: the decay stepped twice
    an epoch is still found."""
    script = tmp_path / "warmup.py"
    script.write_text(WARMUP_AND_DECAY)
    code = main(["run", "--out", str(tmp_path), "--name", "r", str(script), *(["--twice"] if twice else [])])
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert code == 0
    mismatch = [f for f in report["findings"] if f["name"] == "scheduler-step-mismatch"]
    assert [f["evidence"]["orphans"] for f in mismatch] == ([3] if twice else []), brief(report["findings"])


@pytest.mark.parametrize("fault", [None, "lr-zero"])
def test_a_script_that_watches_itself_joins_the_runs_monitor(tmp_path, capsys, fault):
    """One run directory and one diagnosis. Before, the script's watch() closed the run's
    monitor ("nothing was judged: no backward pass reached the watched parameters") and opened a
    second run directory with a second diagnosis."""
    code, report = run(tmp_path, "self_watch", *(["--fault", fault] if fault else []))
    err = capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["r"]
    assert err.count("torchvitals: no findings") + err.count("problem(s)") == 1, err
    assert "nothing was judged" not in err
    assert any("joined the monitor of `torchvitals run`" in n and "every=10" in n for n in report["notes"]), report["notes"]
    assert {f["name"] for f in serious(report)} == ({"parameters-not-moving"} if fault else set()), brief(serious(report))
