# expect: clean
# style: multi-task tabular model (Kaggle MoA-like) with per-target heads in nn.ModuleDict and a learnable loss weighting
# note: blocks in nn.ModuleList, heads in nn.ModuleDict, log-variances as nn.Parameter; the plain list/dict attributes hold only names/ints
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MultiTaskNet(nn.Module):
    def __init__(self, n_in, task_sizes, hidden=(512, 256)):
        super().__init__()
        self.task_names = list(task_sizes)
        self.hidden_sizes = list(hidden)
        dims = [n_in, *hidden]
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(a, b), nn.BatchNorm1d(b), nn.SiLU(), nn.Dropout(0.2))
                                     for a, b in zip(dims, dims[1:])])
        self.heads = nn.ModuleDict({name: nn.Linear(dims[-1], k) for name, k in task_sizes.items()})
        self.log_vars = nn.Parameter(torch.zeros(len(task_sizes)))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return {name: head(x) for name, head in self.heads.items()}

    def weighted_loss(self, outs, targets):
        total = 0.0
        for i, name in enumerate(self.task_names):
            l = F.binary_cross_entropy_with_logits(outs[name], targets[name])
            total = total + torch.exp(-self.log_vars[i]) * l + self.log_vars[i]
        return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    tasks = {"moa_a": 20, "moa_b": 6}
    X = torch.randn(2000, 100)
    ya, yb = (torch.rand(2000, 20) < 0.05).float(), (torch.rand(2000, 6) < 0.1).float()
    loader = DataLoader(TensorDataset(X, ya, yb), batch_size=128, shuffle=True)
    model = MultiTaskNet(100, tasks)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for x, a, b in loader:
            loss = model.weighted_loss(model(x), {"moa_a": a, "moa_b": b})
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.item()
        print(f"epoch {epoch} loss {running / len(loader):.4f} sigma {model.log_vars.exp().tolist()}")


if __name__ == "__main__":
    main()
