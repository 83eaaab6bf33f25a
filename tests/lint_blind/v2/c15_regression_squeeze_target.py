# expect: clean
# style: DGL/PyG molecular property regression (QM9-like) with Linear(..., 1) readout
# note: the (B,1) readout is squeezed to (B,) in forward before L1/MSE against a (B,) target; eval uses .item() sums
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MPNN(nn.Module):
    def __init__(self, atom_dim=11, hid=64, steps=3):
        super().__init__()
        self.embed = nn.Linear(atom_dim, hid)
        self.msg = nn.Linear(hid, hid)
        self.upd = nn.GRUCell(hid, hid)
        self.steps = steps
        self.readout = nn.Sequential(nn.Linear(hid, hid), nn.ReLU(), nn.Linear(hid, 1))

    def forward(self, x, adj):
        B, N, _ = x.shape
        h = F.relu(self.embed(x))
        for _ in range(self.steps):
            m = adj @ self.msg(h)
            h = self.upd(m.reshape(B * N, -1), h.reshape(B * N, -1)).view(B, N, -1)
        return self.readout(h.sum(1)).squeeze(-1)


def run(model, loader, optimizer=None):
    training = optimizer is not None
    model.train(training)
    total, n = 0.0, 0
    with torch.set_grad_enabled(training):
        for x, adj, y in loader:
            pred = model(x, adj)
            loss = F.l1_loss(pred, y)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total += loss.item() * y.size(0)
            n += y.size(0)
    return total / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--target", type=int, default=7, help="QM9 target index")
    args = ap.parse_args()
    make = lambda n: TensorDataset(torch.randn(n, 18, 11), (torch.rand(n, 18, 18) < 0.2).float(), torch.randn(n))
    train_loader = DataLoader(make(800), batch_size=32, shuffle=True)
    val_loader = DataLoader(make(200), batch_size=64)
    model = MPNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.7, patience=5)
    for epoch in range(1, args.epochs + 1):
        tr_mae = run(model, train_loader, optimizer)
        va_mae = run(model, val_loader)
        scheduler.step(va_mae)
        print(f"Epoch {epoch:03d} target {args.target} train MAE {tr_mae:.4f} val MAE {va_mae:.4f}")


if __name__ == "__main__":
    main()
