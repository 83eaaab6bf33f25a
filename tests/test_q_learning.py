"""What Q-learning does that supervised training does not, and must not be called a fault.

A target network: trainable parameters in no optimizer and without gradient are frozen by
accident only if their values stay put. One copied from the trained network (Lightning's DQN
example: `load_state_dict` every few steps, the whole LightningModule watched) is said at info
level, a copy that is never made is a warning.

Moving targets: temporal-difference targets grow with the Q-values, and the loss with them;
loss-not-decreasing then reads the error relative to the targets' spread."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from cases import observed_epoch
from torch import nn

import torchvitals
from torchvitals.offline import diagnose

NAME = "unoptimized-parameters"


class Agent(nn.Module):
    """A Q-network and its target network in one module, as a LightningModule holds them."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
        self.target_net = copy.deepcopy(self.net)


def _train(tmp_path, iterations: int, sync_every: int | None) -> torchvitals.Monitor:
    agent = Agent()
    opt = torch.optim.Adam(agent.net.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    with torchvitals.watch(agent, opt, out=str(tmp_path), name="run", console=False) as mon:
        for it in range(iterations):
            s, s2, r = torch.randn(32, 4, generator=g), torch.randn(32, 4, generator=g), torch.randn(32, generator=g)
            with torch.no_grad():
                target = r + 0.9 * agent.target_net(s2).max(1).values
            q = agent.net(s).max(1).values
            opt.zero_grad()
            F.mse_loss(q, target).backward()
            opt.step()
            if sync_every and it % sync_every == 0:
                agent.target_net.load_state_dict(agent.net.state_dict())
    return mon


def test_a_target_network_copied_from_the_trained_one_is_no_warning(tmp_path):
    mon = _train(tmp_path, 160, sync_every=10)
    (f,) = [f for f in mon.diagnosis.findings if f.name == NAME]
    assert f.severity == "info" and f.where == ["target_net"] and "values change" in f.message, f.message
    assert not [e for e in mon.history.events if e.get("kind") == "finding" and e["finding"]["name"] == NAME
                and e["finding"]["severity"] == "warning"]  # not even live
    assert diagnose(tmp_path / "run").names("info") >= {NAME} and NAME not in diagnose(tmp_path / "run").names("warning")
    # Half the model, but it moves: it explains no training symptom (a DQN's rising TD loss).
    assert f.evidence["changed_at"] == f.step and f.evidence["share"] >= 0.5


def test_a_target_network_that_moves_is_no_cause():
    from torchvitals.findings import Finding
    from torchvitals.rules.causes import link_causes

    def finding(name, severity, **evidence):
        return Finding(code="TV000", name=name, severity=severity, message="", evidence=evidence, step=5)

    for changed, linked in ((None, True), (2, False)):
        cause = finding(NAME, "info", share=0.5, changed_at=changed)
        symptom = finding("loss-not-decreasing", "warning")
        link_causes([cause, symptom])
        assert (symptom.follows_from is not None) == linked and (cause.severity == "warning") == linked


@pytest.mark.parametrize("iterations", [160, 30])
def test_a_target_network_never_copied_is_a_warning(tmp_path, iterations):
    """Its values never change: frozen by accident, said once they were read unchanged 100
    iterations apart, or when the run ends before that."""
    diag = _train(tmp_path, iterations, sync_every=None).diagnosis
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert f.severity == "warning" and f.where == ["target_net"] and "frozen by accident" in f.message, f.message
    assert NAME in diagnose(tmp_path / "run").names("warning")


def _regress_growing_targets(tmp_path, lr: float) -> list[str]:
    """Targets that double every epoch (as TD targets do while Q-values rise); the model learns
    them (lr > 0) or does not (lr = 0)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 4, generator=g)
    base = (x[:, :1] * 2 - x[:, 1:2]).tanh()
    with torchvitals.watch(model, opt, out=str(tmp_path), name="run", console=False) as mon:
        for epoch in range(6):
            observed_epoch(mon, model, opt, x, base * 2.0**epoch)
            mon.epoch_end()
    return mon.diagnosis.names("warning")


def test_a_loss_that_rises_with_its_targets_while_the_model_learns_them_is_no_fault(tmp_path):
    assert "loss-not-decreasing" not in _regress_growing_targets(tmp_path, lr=1e-2)


def test_a_model_that_learns_nothing_of_moving_targets_is_still_found(tmp_path):
    assert "loss-not-decreasing" in _regress_growing_targets(tmp_path, lr=0.0)
