"""The preflight that watch() and `torchvitals run` run on the first training batch: it finds
batch mixing, dropout left on in eval() and a loss far from chance at init; it leaves training
bit-identical and is not counted; it stays quiet (or says info) on models that mix the batch on
purpose; it can be switched off."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import torchvitals
from torchvitals.checks.first_batch import first_batch
from torchvitals.offline import diagnose


class DropBN(nn.Module):
    """Healthy: BatchNorm (batch statistics in train mode) and nn.Dropout."""

    def __init__(self, bug: str = "") -> None:
        super().__init__()
        self.bug = bug
        self.l1, self.bn, self.drop, self.l2 = nn.Linear(8, 32), nn.BatchNorm1d(32), nn.Dropout(0.3), nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.drop(F.relu(self.bn(self.l1(x))))
        if self.bug == "dropout":
            h = F.dropout(h, 0.2, training=True)
        if self.bug == "mix":
            h = h - h.mean(dim=0)  # normalizes over the batch, in eval() too
        return self.l2(h)


def _train(model: nn.Module, steps: int = 4, **options) -> tuple[list[torch.Tensor], torchvitals.Monitor | None]:
    torch.manual_seed(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    mon = torchvitals.watch(model, opt, out="", console=False, **options) if options else None
    x, y = torch.randn(steps * 16, 8), torch.randint(0, 3, (steps * 16,))
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True):
        out = model(xb)
        assert all(p.grad is None for p in model.parameters()) or opt.state  # nothing left by the preflight
        loss = F.cross_entropy(out, yb)
        if mon is not None:
            mon.observe(out, yb, loss, loss_fn=F.cross_entropy)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    if mon is not None:
        mon.close()
    state = [t.detach().clone() for t in (*model.parameters(), *model.buffers())]
    return state, mon


def _names(mon: torchvitals.Monitor, at_least: str = "warning") -> set[str]:
    return set(mon.diagnosis.names(at_least))


def test_training_is_bit_identical_with_and_without_preflight():
    torch.manual_seed(1)
    init = DropBN().state_dict()
    runs = []
    for options in ({}, {"preflight": True}, {"preflight": False}):
        model = DropBN()
        model.load_state_dict(init)
        runs.append(_train(model, **options))
    (plain, _), (on, mon_on), (off, _) = runs
    assert any(e.get("kind") == "preflight" for e in mon_on.history.events)  # it did run
    for a, b, c in zip(plain, on, off, strict=True):
        assert torch.equal(a, b) and torch.equal(a, c)
    assert not _names(mon_on)


def test_preflight_finds_functional_dropout_and_batch_mixing_at_iteration_1():
    _, mon = _train(DropBN("dropout"), preflight=True)
    found = {f.name: f for f in mon.diagnosis.findings}
    assert found["dropout-active"].severity == "warning" and found["dropout-active"].step == 1
    assert "F.dropout" in found["dropout-active"].message
    _, mon = _train(DropBN("mix"), preflight=True)
    mixing = next(f for f in mon.diagnosis.findings if f.name == "batch-mixing")
    assert mixing.severity == "error" and mixing.step == 1


def test_preflight_is_not_counted_and_can_be_switched_off(monkeypatch, tmp_path):
    _, mon = _train(DropBN(), preflight=True)
    assert mon._samples == 4 * 16  # the training forwards only
    assert mon.backward_passes() == 4
    _, off = _train(DropBN("dropout"), preflight=False)
    assert not any(e.get("kind") == "preflight" for e in off.history.events)
    assert "dropout-active" not in _names(off, "info")
    monkeypatch.setenv("TORCHVITALS_PREFLIGHT", "0")
    _, env_off = _train(DropBN("dropout"), live=False)
    assert "dropout-active" not in _names(env_off, "info")


def test_offline_diagnosis_carries_the_preflight_findings(tmp_path):
    model = DropBN("dropout")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="run", console=False)
    for _ in range(3):
        loss = F.cross_entropy(model(torch.randn(16, 8)), torch.randint(0, 3, (16,)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    live = mon.close()
    offline = diagnose(tmp_path / "run")
    assert "dropout-active" in live.names("warning") and "dropout-active" in offline.names("warning")


def test_init_loss_judged_from_the_first_observed_loss():
    model = nn.Linear(8, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    mon = torchvitals.watch(model, opt, out="", console=False)
    for _ in range(3):
        x, y = torch.randn(32, 8), torch.randint(0, 10, (32,))
        logits = model(x) * 50  # far too confident at init
        loss = F.cross_entropy(logits, y)
        mon.observe(logits, y, loss, loss_fn=F.cross_entropy)
        opt.zero_grad()
        loss.backward()
        opt.step()
    diag = mon.close()
    assert "init-loss-off" in diag.names("warning")
    assert next(f for f in diag.findings if f.name == "init-loss-off").step == 1


# ------------------------------------------------------------ models that mix the batch on purpose
class Contrastive(nn.Module):
    """CLIP-style: in-batch similarity logits (B, B) computed inside forward."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(8, 16), nn.Linear(8, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        za, zb = F.normalize(self.a(x), dim=-1), F.normalize(self.b(x.flip(-1)), dim=-1)
        return za @ zb.T


class Graph(nn.Module):
    """A GCN layer: the "batch" is the nodes of one graph, mixed through the adjacency."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        return adj @ self.lin(x)


class SeqFirst(nn.Module):
    """A transformer encoder with batch_first=False fed (time, batch, features)."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)


class HFStyle(nn.Module):
    """Keyword inputs with labels, a dict output holding the loss and the logits."""

    def __init__(self) -> None:
        super().__init__()
        self.emb, self.head = nn.Embedding(20, 8), nn.Linear(8, 20)

    def forward(self, input_ids: torch.Tensor, labels: torch.Tensor | None = None) -> dict:
        logits = self.head(self.emb(input_ids))
        loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten()) if labels is not None else None
        return {"loss": loss, "logits": logits}


def _pre(model: nn.Module, args: tuple, kwargs: dict | None = None, batch_size: int | None = None):
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = first_batch(model, args, kwargs or {}, batch_size)
    assert model.training and all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())
    return result


def test_intended_batch_mixing_is_info_or_silent():
    torch.manual_seed(0)
    r = _pre(Contrastive(), (torch.randn(12, 8),))
    assert [f.severity for f in r.findings if f.name == "batch-mixing"] == ["info"]
    adj = torch.rand(10, 10)
    r = _pre(Graph(), (torch.randn(10, 8), adj))
    assert [f.severity for f in r.findings if f.name == "batch-mixing"] == ["info"]
    # batch_first=False: the DataLoader's batch size (dimension 1) says where the batch is
    r = _pre(SeqFirst(), (torch.randn(7, 5, 8),), batch_size=5)
    assert not r.findings, r.findings
    r = _pre(SeqFirst(), (torch.randn(7, 5, 8),))  # no loader: dimension 0 may be time
    assert all(f.severity == "info" for f in r.findings)


def test_awkward_inputs_never_raise():
    r = _pre(HFStyle(), (), {"input_ids": torch.randint(0, 20, (4, 6)), "labels": torch.randint(0, 20, (4, 6))})
    assert not r.findings and not r.unjudged, (r.findings, r.unjudged)
    r = _pre(DropBN(), (torch.randn(1, 8),))  # one sample: mixing is undefined
    assert "batch-mixing" in r.unjudged and not r.findings
