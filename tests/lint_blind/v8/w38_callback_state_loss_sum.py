# expect: TVL012
# style: callback-driven training loop (Lightning-like hand-written), graph regression on molecules with message passing
# bug: LossHistory.on_batch_end does state['loss_sum'] += state['loss'] * batch_size with the live loss tensor handed over by the loop, so the epoch-long sum keeps every batch graph
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Molecules(Dataset):
    """Each item: node features (N, F), dense adjacency (N, N), scalar target."""

    def __init__(self, n, max_atoms=24, feat=16, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            k = int(torch.randint(6, max_atoms, (1,), generator=g))
            x = torch.randn(k, feat, generator=g)
            a = (torch.rand(k, k, generator=g) < 0.2).float()
            a = ((a + a.t()) > 0).float()
            y = x.sum() * 0.05 + a.sum() * 0.01
            self.items.append((x, a, y))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    n_max = max(x.size(0) for x, _, _ in batch)
    B, F_ = len(batch), batch[0][0].size(1)
    X = torch.zeros(B, n_max, F_)
    A = torch.zeros(B, n_max, n_max)
    M = torch.zeros(B, n_max)
    Y = torch.stack([y for _, _, y in batch])
    for i, (x, a, _) in enumerate(batch):
        k = x.size(0)
        X[i, :k], A[i, :k, :k], M[i, :k] = x, a, 1.0
    return X, A, M, Y


class MPNN(nn.Module):
    def __init__(self, feat=16, hidden=64, steps=3):
        super().__init__()
        self.inp = nn.Linear(feat, hidden)
        self.msg = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(steps)])
        self.upd = nn.ModuleList([nn.GRUCell(hidden, hidden) for _ in range(steps)])
        self.readout = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, X, A, M):
        h = F.relu(self.inp(X))
        B, N, H = h.shape
        for msg, upd in zip(self.msg, self.upd):
            m = A @ msg(h)
            h = upd(m.reshape(B * N, H), h.reshape(B * N, H)).view(B, N, H) * M.unsqueeze(-1)
        g = h.sum(1) / M.sum(1, keepdim=True)
        return self.readout(g).squeeze(-1)


class Callback:
    def on_epoch_start(self, state): pass
    def on_batch_end(self, state): pass
    def on_epoch_end(self, state): pass


class LossHistory(Callback):
    def on_epoch_start(self, state):
        state["loss_sum"], state["n_seen"] = 0.0, 0

    def on_batch_end(self, state):
        bs = state["batch_size"]
        state["loss_sum"] += state["loss"] * bs
        state["n_seen"] += bs

    def on_epoch_end(self, state):
        state.setdefault("history", []).append(float(state["loss_sum"] / state["n_seen"]))
        print(f"epoch {state['epoch']} train_mse {state['history'][-1]:.4f}")


class ValMAE(Callback):
    def __init__(self, loader):
        self.loader = loader

    def on_epoch_end(self, state):
        model = state["model"]
        model.eval()
        err, n = 0.0, 0
        with torch.no_grad():
            for X, A, M, Y in self.loader:
                err += (model(X, A, M) - Y).abs().sum().item()
                n += Y.numel()
        model.train()
        print(f"           val_mae {err / n:.4f}")


def fit(model, loader, optimizer, epochs, callbacks):
    state = {"model": model}
    for epoch in range(epochs):
        state["epoch"] = epoch
        model.train()
        for cb in callbacks:
            cb.on_epoch_start(state)
        for X, A, M, Y in loader:
            optimizer.zero_grad()
            loss = F.mse_loss(model(X, A, M), Y)
            loss.backward()
            optimizer.step()
            state["loss"], state["batch_size"] = loss, Y.size(0)
            for cb in callbacks:
                cb.on_batch_end(state)
        for cb in callbacks:
            cb.on_epoch_end(state)
    return state


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    train_loader = DataLoader(Molecules(3000), batch_size=64, shuffle=True, collate_fn=collate)
    val_loader = DataLoader(Molecules(400, seed=2), batch_size=128, collate_fn=collate)
    model = MPNN()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    fit(model, train_loader, opt, args.epochs, [LossHistory(), ValMAE(val_loader)])
    torch.save(model.state_dict(), "mpnn.pt")
