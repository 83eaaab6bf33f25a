"""`torchvitals run` on a training loss made of several loss calls: which call makes the epoch's
metrics, and what the other calls are still checked for. Two calls on one line are two call sites
(a distillation loss `kl_div(...) * T * T + cross_entropy(...)`, a main and an auxiliary head):
before, both were taken as the training loss, and TR's loss was their mean. A loss on class
labels beside a loss on soft targets makes the metrics; the other call's prediction is still
checked for probabilities (a softmax handed to kl_div was missed because cross_entropy came
after it on the same line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from torchvitals.cli import main

SCRIPT = """
import json
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
teacher = torch.nn.Linear(12, 4)
x = torch.randn(200, 12)
y = teacher(x).argmax(1)
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
model = torch.nn.Linear(12, 4)
aux = torch.nn.Linear(12, 4)
opt = torch.optim.SGD(list(model.parameters()) + (list(aux.parameters()) if {with_aux} else []), lr=0.1)
T = 2.0
for epoch in range(4):
    total = rows = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        s = model(xb)
        with torch.no_grad():
            t = teacher(xb)
        loss = {loss}
        loss.backward()
        opt.step()
        total += float(F.cross_entropy(s.detach(), yb)) * len(yb)
        rows += len(yb)
    print(json.dumps({{"epoch": epoch, "ce": total / rows}}))
"""
DISTILL = "F.kl_div(F.{student}(s / T, 1), F.softmax(t / T, 1), reduction='batchmean') * T * T + F.cross_entropy(s, yb)"
AUX = "F.cross_entropy(s, yb) + 0.4 * F.cross_entropy(aux(xb), yb)"


def _run(tmp_path: Path, loss: str, capsys: pytest.CaptureFixture[str]) -> tuple[list[dict], list[float], dict]:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(loss=loss, with_aux="aux(" in loss))
    assert main(["run", "--out", str(tmp_path), "--name", "r", str(script)]) == 0
    own = [json.loads(ln)["ce"] for ln in capsys.readouterr().out.splitlines() if ln.startswith('{"epoch"')]
    lines = [json.loads(x) for x in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    epochs = [e["metrics"]["train"] for e in lines if e["type"] == "epoch"]
    return epochs, own, json.loads((tmp_path / "r" / "findings.json").read_text())


def _serious(report: dict) -> list[str]:
    return [f["name"] for f in report["findings"] if f["severity"] != "info"]


def test_distillation_metrics_are_the_label_loss_and_a_healthy_one_is_silent(tmp_path, capsys):
    epochs, own, report = _run(tmp_path, DISTILL.format(student="log_softmax"), capsys)
    assert len(epochs) == len(own) == 4
    for m, ce in zip(epochs, own, strict=True):
        assert m["loss"] == pytest.approx(ce, rel=1e-4), (m, ce)  # cross_entropy's alone
        assert "acc" in m
    assert _serious(report) == [], report["findings"]


def test_a_softmax_given_to_kl_div_beside_cross_entropy_is_found(tmp_path, capsys):
    _, _, report = _run(tmp_path, DISTILL.format(student="softmax"), capsys)
    found = [f for f in report["findings"] if f["name"] == "probabilities-as-logits"]
    assert found and found[0]["severity"] == "warning", report["findings"]
    assert "kl_div" in found[0]["message"] and "softmax" in found[0]["message"]


def test_an_auxiliary_head_on_the_same_line_is_not_in_the_metrics(tmp_path, capsys):
    epochs, own, report = _run(tmp_path, AUX, capsys)
    assert len(epochs) == len(own) == 4
    for m, ce in zip(epochs, own, strict=True):
        assert m["loss"] == pytest.approx(ce, rel=1e-4), (m, ce)  # the main head's alone
    assert _serious(report) == [], report["findings"]


@pytest.mark.parametrize("student,found", [("softmax", True), ("log_softmax", False)])
def test_other_loss_feeds_the_probability_check(student, found, tmp_path):
    """Monitor.other_loss, as `torchvitals run` calls it for a training loss beside the observed
    one: the kind and producing op go into sampled records, and the rule judges them."""
    import torch
    import torch.nn.functional as F

    import torchvitals
    from torchvitals.schema import invalid_step

    torch.manual_seed(0)
    model = torch.nn.Linear(8, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)
    x, y = torch.randn(64, 8), torch.randint(0, 3, (64,))
    for _ in range(8):
        opt.zero_grad()
        s = model(x)
        student_out = getattr(F, student)(s, 1)
        loss = F.cross_entropy(s, y) + F.kl_div(student_out, torch.full_like(s, 1 / 3), reduction="batchmean")
        mon.observe(s, y, F.cross_entropy(s, y), loss_fn=F.cross_entropy)
        mon.other_loss(student_out, F.kl_div)
        loss.backward()
        opt.step()
    names = [f.name for f in mon.close().findings if f.severity != "info"]
    assert ("probabilities-as-logits" in names) is found, names
    lines = [json.loads(x) for x in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    steps = [r for r in lines if r["type"] == "step"]
    assert [r["other_losses"] for r in steps if "other_losses" in r][0] == [["kl_div", student.title().replace("_", "")]]
    assert all(invalid_step(r) is None for r in steps)


def test_the_schema_checks_other_losses():
    from torchvitals.schema import invalid_step

    base = {"type": "step", "opt": 0, "it": 1, "counters": {}}
    assert invalid_step(base | {"other_losses": [["kl_div", "Softmax"], ["mse_loss", None]]}) is None
    assert invalid_step(base | {"other_losses": [["kl_div"]]}) == "other_losses"
    assert invalid_step(base | {"other_losses": "kl_div:Softmax"}) == "other_losses"


EVAL_WITH_GRAD = """
import json
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
w = torch.randn(10, 3)
def data(n):
    x = torch.randn(n, 10)
    return TensorDataset(x, (x @ w).argmax(1))
train = DataLoader(data(256), batch_size=32, shuffle=True)
test = DataLoader(data(96), batch_size=32)
model = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.Dropout(0.1), torch.nn.Linear(16, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
def loss_of(xb, yb):
    return F.cross_entropy(model(xb), yb)
for epoch in range(4):
    model.train()
    for xb, yb in train:
        opt.zero_grad()
        loss_of(xb, yb).backward()
        opt.step()
    model.{mode}()
    total = 0.0
    for xb, yb in test:  # autograd left on, as with the old volatile=True
        total += float(loss_of(xb, yb)) * len(yb)
    print(json.dumps({{"epoch": epoch, "test": total / 96}}))
"""


def _split_run(tmp_path: Path, mode: str, capsys: pytest.CaptureFixture[str]) -> tuple[list[dict], list[float]]:
    script = tmp_path / f"{mode}.py"
    script.write_text(EVAL_WITH_GRAD.format(mode=mode))
    assert main(["run", "--out", str(tmp_path), "--name", mode, str(script)]) == 0
    own = [json.loads(ln)["test"] for ln in capsys.readouterr().out.splitlines() if ln.startswith('{"epoch"')]
    lines = [json.loads(x) for x in (tmp_path / mode / "run.jsonl").read_text().splitlines()]
    return [e["metrics"] for e in lines if e["type"] == "epoch"], own


def test_an_evaluation_with_autograd_on_is_val(tmp_path, capsys):
    """The test loop of a script that evaluates in eval() without torch.no_grad() (the
    published mixup-cifar10 and knowledge-distillation scripts on today's PyTorch) is VAL:
    before, its losses were taken as training losses, and the run had no VAL at all."""
    epochs, own = _split_run(tmp_path, "eval", capsys)
    assert len(epochs) == len(own) == 4
    for m, test in zip(epochs, own, strict=True):
        assert m["val"]["loss"] == pytest.approx(test, rel=1e-4), (m, test)


def test_a_second_loader_read_in_train_mode_stays_training(tmp_path, capsys):
    """Control: the same loop reading its second loader with the model left in train() (a
    second training phase would look so) is not taken for an evaluation."""
    epochs, _ = _split_run(tmp_path, "train", capsys)
    assert len(epochs) == 4 and all("val" not in m for m in epochs), epochs


def test_training_on_a_second_loader_with_eval_left_on_stays_training(tmp_path, capsys):
    """Control for the evaluation with autograd on: a second training phase on a new loader
    with the model left in eval() (a bug of its own, training-in-eval-mode) has backward passes
    during its loader's passes, so its losses stay training losses, not VAL (all but the very
    first batch, whose loss comes before any backward pass could tell)."""
    script = tmp_path / "phase2.py"
    script.write_text(
        "import torch\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "torch.manual_seed(0)\n"
        "x = torch.randn(128, 6); y = (x[:, 0] > 0).long()\n"
        "a = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)\n"
        "b = DataLoader(TensorDataset(x.flip(0), y.flip(0)), batch_size=16, shuffle=True)\n"
        "model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 2))\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for loader, mode in ((a, 'train'), (a, 'train'), (b, 'eval'), (b, 'eval')):\n"
        "    getattr(model, mode)()\n"
        "    for xb, yb in loader:\n"
        "        opt.zero_grad()\n"
        "        F.cross_entropy(model(xb), yb).backward()\n"
        "        opt.step()\n"
    )
    assert main(["run", "--out", str(tmp_path), "--name", "r", str(script)]) == 0
    lines = [json.loads(x) for x in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    epochs = [e["metrics"] for e in lines if e["type"] == "epoch"]
    # Epochs follow the first loader (two), the second phase inside the last one: its VAL, if any,
    # is the one batch of 16 read before the phase's first backward pass.
    assert len(epochs) == 2 and "val" not in epochs[0], epochs
    val = epochs[1].get("val")
    assert val is None or abs(val["base_acc"] * 16 - round(val["base_acc"] * 16)) < 1e-3, val
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert any(f["name"] == "training-in-eval-mode" for f in report["findings"]), report["findings"]
