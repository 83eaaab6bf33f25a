"""freeze-not-applied: `module.requires_grad = False` freezes nothing; the real freeze and a
module outside the optimizer are its controls."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.offline import diagnose

NAME = "freeze-not-applied"


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.backbone = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        self.head = nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def _train(model: Net, tmp_path, params=None):
    opt = torch.optim.SGD(params if params is not None else [p for p in model.parameters() if p.requires_grad], lr=0.01)
    x = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    with torchvitals.watch(model, opt, out=str(tmp_path), name="run", console=False) as mon:
        for _ in range(5):
            opt.zero_grad()
            F.mse_loss(model(x), x[:, :1]).backward()
            opt.step()
    return mon.diagnosis


def test_attribute_freeze_is_found(tmp_path):
    model = Net()
    model.backbone.requires_grad = False
    diag = _train(model, tmp_path)
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert f.severity == "warning" and f.where == ["backbone"] and f.step == 1
    assert f.evidence["parameters"] == ["backbone.0.weight", "backbone.0.bias"]
    assert NAME in diagnose(tmp_path / "run").names("warning")


def test_real_freeze_is_silent(tmp_path):
    model = Net()
    model.backbone.requires_grad_(False)
    assert NAME not in _train(model, tmp_path).names()


def test_attribute_freeze_outside_the_optimizer_is_left_to_unoptimized(tmp_path):
    model = Net()
    model.backbone.requires_grad = False
    diag = _train(model, tmp_path, params=model.head.parameters())
    assert NAME not in diag.names()
    assert "unoptimized-parameters" in diag.names("warning")
