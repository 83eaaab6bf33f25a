# expect: clean
# style: Lightning-like module + mini Trainer shim with automatic optimization, graph regression (QM9-like) with message passing
# note: the module's _shared_step is used by both training_step and validation_step (a common place for optimizer steps to leak into validation), but the optimizer step lives only in the Trainer's training branch, and the shim restores train() after validation
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("mpnn")


class MPNN(nn.Module):
    def __init__(self, node_dim=11, hidden=64, steps=3):
        super().__init__()
        self.inp = nn.Linear(node_dim, hidden)
        self.msg = nn.Linear(hidden, hidden)
        self.upd = nn.GRUCell(hidden, hidden)
        self.steps = steps
        self.readout = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x, adj):
        B, N, _ = x.shape
        h = F.relu(self.inp(x))
        for _ in range(self.steps):
            m = adj @ self.msg(h)
            h = self.upd(m.reshape(B * N, -1), h.reshape(B * N, -1)).reshape(B, N, -1)
        return self.readout(h.sum(1)).squeeze(-1)


class LitMPNN:
    def __init__(self, lr=5e-4):
        self.net = MPNN()
        self.lr = lr

    def _shared_step(self, batch):
        x, adj, y = batch
        pred = self.net(x, adj)
        return F.l1_loss(pred, y)

    def training_step(self, batch):
        return self._shared_step(batch)

    def validation_step(self, batch):
        return self._shared_step(batch).item()

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        return opt, torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.7, patience=5)


class MiniTrainer:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def fit(self, lit, train_dl, val_dl):
        opt, plateau = lit.configure_optimizers()
        for epoch in range(self.max_epochs):
            lit.net.train()
            tr = []
            for batch in train_dl:
                loss = lit.training_step(batch)
                opt.zero_grad()
                loss.backward()
                opt.step()
                tr.append(loss.item())
            val = self._validate(lit, val_dl)
            plateau.step(val)
            log.info("epoch %d train MAE %.4f val MAE %.4f lr %.1e", epoch, sum(tr) / len(tr), val,
                     opt.param_groups[0]["lr"])

    @torch.no_grad()
    def _validate(self, lit, val_dl):
        lit.net.eval()
        vals = [lit.validation_step(b) for b in val_dl]
        lit.net.train()
        return sum(vals) / len(vals)


def molecules(n, N=18):
    x = torch.randn(n, N, 11)
    adj = (torch.rand(n, N, N) < 0.15).float()
    adj = ((adj + adj.transpose(1, 2)) > 0).float()
    y = x[..., 0].sum(1) * 0.1 + adj.sum((1, 2)) * 0.01
    return TensorDataset(x, adj, y)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(molecules(10000), batch_size=128, shuffle=True)
    val_dl = DataLoader(molecules(1000), batch_size=256)
    MiniTrainer(max_epochs=50).fit(LitMPNN(), train_dl, val_dl)
