"""A module replaced after the optimizer was made (a fine-tuning head swapped for one with the
new number of classes): the optimizer holds the old parameters, which the model no longer uses,
and the new ones are in no optimizer. dead-parameters says the old ones left the model, and
unoptimized-parameters says which ones replaced them; a bare tensor the optimizer trains and a
head replaced before the optimizer are the controls."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.offline import diagnose


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        self.fc = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.body(x))


def _train(model: nn.Module, opt: torch.optim.Optimizer, tmp_path, *, replace_after_watch: bool, extra=None):
    x = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 3, (64,), generator=torch.Generator().manual_seed(1))
    with torchvitals.watch(model, opt, out=str(tmp_path), name="run", console=False, every=1) as mon:
        if replace_after_watch:
            model.fc = nn.Linear(16, 3)
        for _ in range(6):
            opt.zero_grad()
            out = model(x)
            loss = F.cross_entropy(out if extra is None else out * extra, y)
            loss.backward()
            opt.step()
    return mon.diagnosis


def _by_name(diag) -> dict[str, list]:
    found: dict[str, list] = {}
    for f in diag.findings:
        found.setdefault(f.name, []).append(f)
    return found


def test_head_replaced_after_watch_began_is_named_as_left_the_model(tmp_path):
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    diag = _train(model, opt, tmp_path, replace_after_watch=True)
    (dead,) = _by_name(diag)["dead-parameters"]
    assert dead.severity == "warning" and dead.step == 1
    assert dead.evidence["kind"] == "departed" and dead.evidence["parameters"] == ["fc.weight", "fc.bias"]
    assert "no longer part of the model" in dead.message and "add_param_group" in dead.fix
    again = diagnose(tmp_path / "run")  # the departed mark is in the record: the same offline
    assert [f.message for f in again.findings if f.name == "dead-parameters"] == [dead.message]


def test_head_replaced_before_watch_says_no_watched_model_holds_them(tmp_path):
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.fc = nn.Linear(16, 3)  # watch() then sees the new head only
    diag = _train(model, opt, tmp_path, replace_after_watch=False)
    (dead,) = _by_name(diag)["dead-parameters"]
    assert dead.evidence["kind"] == "missing"
    assert "no watched model does" in dead.message
    assert "unoptimized-parameters" in diag.names("warning")


def test_head_replaced_before_the_optimizer_is_silent(tmp_path):
    model = Net()
    model.fc = nn.Linear(16, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    diag = _train(model, opt, tmp_path, replace_after_watch=False)
    assert not diag.names("warning"), diag.names("warning")


def test_a_bare_tensor_the_optimizer_trains_is_not_flagged(tmp_path):
    """A learnable temperature outside every module gets gradients: not dead, and no hint."""
    model = Net()
    temperature = torch.ones(1, requires_grad=True)
    opt = torch.optim.SGD([*model.parameters(), temperature], lr=0.1)
    diag = _train(model, opt, tmp_path, replace_after_watch=False, extra=temperature)
    assert not diag.names("warning"), diag.names("warning")


def test_layout_marks_departed_and_unowned_positions(tmp_path):
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(4, 8)
    with torchvitals.watch(model, opt, out=str(tmp_path), name="run", console=False, every=1) as mon:
        model.fc = nn.Linear(16, 3)
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
        h = mon.history
        assert [h.params[i]["name"] for i in h.header["departed"]] == ["fc.weight", "fc.bias"]
        assert h.header["unowned"] == []
