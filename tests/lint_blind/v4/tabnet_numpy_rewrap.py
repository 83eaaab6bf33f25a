# expect: TVL002
# style: Kaggle tabular kernel with a TabNet-like attentive MLP
# bug: predict_scores() round-trips the logits through numpy and re-wraps them with torch.tensor(requires_grad=True), cutting the model out of the loss
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CFG = {"n_features": 48, "n_d": 32, "n_steps": 3, "lr": 2e-3, "epochs": 8, "bs": 256}


class AttentiveStep(nn.Module):
    def __init__(self, n_features, n_d):
        super().__init__()
        self.mask = nn.Linear(n_features, n_features)
        self.feat = nn.Sequential(nn.Linear(n_features, n_d), nn.BatchNorm1d(n_d), nn.ReLU())

    def forward(self, x, prior):
        m = torch.softmax(self.mask(x) * prior, dim=-1)
        return self.feat(x * m), prior * (1.5 - m)


class TabNetLite(nn.Module):
    def __init__(self, n_features, n_d, n_steps):
        super().__init__()
        self.bn = nn.BatchNorm1d(n_features)
        self.steps = nn.ModuleList(AttentiveStep(n_features, n_d) for _ in range(n_steps))
        self.out = nn.Linear(n_d, 1)

    def forward(self, x):
        x = self.bn(x)
        prior, agg = torch.ones_like(x), 0
        for step in self.steps:
            h, prior = step(x, prior)
            agg = agg + h
        return self.out(agg).squeeze(-1)


def predict_scores(model, xb):
    raw = model(xb).detach().cpu().numpy()
    return torch.tensor(np.clip(raw, -20, 20), dtype=torch.float32, requires_grad=True)


def run_fold(X, y):
    model = TabNetLite(CFG["n_features"], CFG["n_d"], CFG["n_steps"])
    opt = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
    dl = DataLoader(TensorDataset(X, y), batch_size=CFG["bs"], shuffle=True, drop_last=True)
    for ep in range(CFG["epochs"]):
        model.train()
        tot = 0.0
        for xb, yb in dl:
            scores = predict_scores(model, xb)
            loss = F.binary_cross_entropy_with_logits(scores, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {ep} bce {tot / len(dl):.4f}")
    return model


if __name__ == "__main__":
    X = torch.randn(5000, CFG["n_features"])
    y = (torch.rand(5000) > 0.7).float()
    run_fold(X, y)
