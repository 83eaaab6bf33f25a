# expect: clean
# style: config-dict factory, multi-task tabular model (click + conversion prediction, MMoE-like)
# note: the model keeps several plain Python lists/dicts as attributes (layer sizes, task names, loss weights), but every sub-module lives in nn.ModuleList / nn.ModuleDict and is registered.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CFG = {
    "in_dim": 48,
    "expert_sizes": [128, 64],
    "n_experts": 4,
    "tasks": {"click": 1.0, "convert": 2.0},
    "lr": 1e-3,
    "epochs": 6,
}


class Expert(nn.Module):
    def __init__(self, d_in, sizes):
        super().__init__()
        layers, prev = [], d_in
        for s in sizes:
            layers += [nn.Linear(prev, s), nn.ReLU()]
            prev = s
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class MMoE(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.expert_sizes = list(cfg["expert_sizes"])
        self.task_names = list(cfg["tasks"])
        self.loss_weights = dict(cfg["tasks"])
        d = self.expert_sizes[-1]
        self.experts = nn.ModuleList([Expert(cfg["in_dim"], self.expert_sizes) for _ in range(cfg["n_experts"])])
        self.gates = nn.ModuleDict({t: nn.Linear(cfg["in_dim"], cfg["n_experts"]) for t in self.task_names})
        self.towers = nn.ModuleDict({t: nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, 1)) for t in self.task_names})

    def forward(self, x):
        expert_out = torch.stack([e(x) for e in self.experts], dim=1)  # (B, E, d)
        outputs = {}
        for t in self.task_names:
            w = F.softmax(self.gates[t](x), dim=-1).unsqueeze(-1)  # gate mixture weights, not a loss input
            outputs[t] = self.towers[t]((w * expert_out).sum(1)).squeeze(-1)
        return outputs


def multitask_loss(model, outputs, targets):
    return sum(model.loss_weights[t] * F.binary_cross_entropy_with_logits(outputs[t], targets[t]) for t in model.task_names)


def main(cfg=CFG):
    X = torch.randn(20000, cfg["in_dim"])
    click = (torch.rand(20000) < 0.3).float()
    convert = click * (torch.rand(20000) < 0.2).float()
    loader = DataLoader(TensorDataset(X, click, convert), batch_size=512, shuffle=True)
    model = MMoE(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    print("trainable tensors:", sum(1 for _ in model.parameters()))
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for xb, cb, vb in loader:
            out = model(xb)
            loss = multitask_loss(model, out, {"click": cb, "convert": vb})
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} weighted loss {tot / len(loader):.4f}")


if __name__ == "__main__":
    main()
