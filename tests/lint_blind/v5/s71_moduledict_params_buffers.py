# expect: clean
# style: mixture-of-experts recommender (MMoE multi-task, YouTube-ranking-like) with per-task towers in nn.ModuleDict
# note: experts in nn.ModuleList, towers in nn.ModuleDict, task weights as nn.Parameter, the fixed feature-scaling table as a registered buffer; plain lists/dicts only hold names and ints
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MMoE(nn.Module):
    def __init__(self, d_in, tasks, n_experts=6, d_expert=64):
        super().__init__()
        self.task_names = list(tasks)
        self.task_out_dims = dict(tasks)
        self.experts = nn.ModuleList(nn.Sequential(nn.Linear(d_in, d_expert), nn.ReLU()) for _ in range(n_experts))
        self.gates = nn.ModuleDict({t: nn.Linear(d_in, n_experts) for t in self.task_names})
        self.towers = nn.ModuleDict({t: nn.Sequential(nn.Linear(d_expert, 32), nn.ReLU(), nn.Linear(32, k))
                                     for t, k in tasks.items()})
        self.log_vars = nn.Parameter(torch.zeros(len(tasks)))
        self.register_buffer("feature_scale", torch.linspace(0.5, 2.0, d_in))

    def forward(self, x):
        x = x * self.feature_scale
        E = torch.stack([e(x) for e in self.experts], dim=1)          # (B, E, D)
        out = {}
        for t in self.task_names:
            w = F.softmax(self.gates[t](x), dim=-1).unsqueeze(-1)       # (B, E, 1)
            out[t] = self.towers[t]((w * E).sum(1))
        return out

    def weighted_loss(self, losses):
        prec = torch.exp(-self.log_vars)
        return sum(prec[i] * losses[t] + self.log_vars[i] for i, t in enumerate(self.task_names))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    tasks = {"click": 2, "watch_bucket": 5}
    X = torch.randn(30000, 40)
    y_click, y_watch = torch.randint(0, 2, (30000,)), torch.randint(0, 5, (30000,))
    loader = DataLoader(TensorDataset(X, y_click, y_watch), batch_size=512, shuffle=True)
    model = MMoE(40, tasks)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        sums = {t: 0.0 for t in tasks}
        for xb, yc, yw in loader:
            out = model(xb)
            losses = {"click": F.cross_entropy(out["click"], yc), "watch_bucket": F.cross_entropy(out["watch_bucket"], yw)}
            loss = model.weighted_loss(losses)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            for t in tasks:
                sums[t] += losses[t].item()
        print(f"epoch {epoch}: " + " ".join(f"{t}={v / len(loader):.4f}" for t, v in sums.items()))
