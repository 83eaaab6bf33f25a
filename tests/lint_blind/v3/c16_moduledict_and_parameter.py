# expect: clean
# style: multi-task / multi-head research model (nn.ModuleDict of task heads, nn.ModuleList of experts, learnable log-variance weights as nn.Parameter)
# note: every sub-module lives in ModuleList/ModuleDict and the uncertainty weights are nn.Parameter, so all are registered; a plain dict only holds task metadata (ints)
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

TASKS = {"age": 1, "gender": 2, "emotion": 7}  # task name -> output size (metadata only)


class MultiTaskNet(nn.Module):
    def __init__(self, tasks, in_dim=128, hidden=256, n_experts=3):
        super().__init__()
        self.task_dims = dict(tasks)
        self.experts = nn.ModuleList([nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU()) for _ in range(n_experts)])
        self.gates = nn.ModuleDict({t: nn.Linear(in_dim, n_experts) for t in tasks})
        self.heads = nn.ModuleDict({t: nn.Linear(hidden, d) for t, d in tasks.items()})
        self.log_vars = nn.Parameter(torch.zeros(len(tasks)))

    def forward(self, x):
        expert_out = torch.stack([e(x) for e in self.experts], dim=1)  # (B, E, H)
        outs = {}
        for t in self.task_dims:
            w = F.softmax(self.gates[t](x), dim=-1).unsqueeze(-1)
            outs[t] = self.heads[t]((w * expert_out).sum(1))
        return outs

    def loss(self, outs, targets):
        losses = [F.mse_loss(outs["age"].squeeze(-1), targets["age"]),
                  F.cross_entropy(outs["gender"], targets["gender"]),
                  F.cross_entropy(outs["emotion"], targets["emotion"])]
        return sum(torch.exp(-lv) * l + lv for lv, l in zip(self.log_vars, losses))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    n = 4000
    ds = TensorDataset(torch.randn(n, 128), torch.rand(n) * 80, torch.randint(0, 2, (n,)), torch.randint(0, 7, (n,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    model = MultiTaskNet(TASKS)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        for x, age, gender, emo in loader:
            loss = model.loss(model(x), {"age": age, "gender": gender, "emotion": emo})
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: loss {loss.item():.3f} log_vars {model.log_vars.detach().tolist()}")
