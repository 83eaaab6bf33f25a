# expect: TVL005
# style: research model code, mixture-of-experts tabular regressor built by a helper, CPU training
# bug: build_experts returns a plain Python list that MoERegressor stores as self.experts, so the expert MLPs are not registered and never reach the optimizer (only the gate and output layer train)
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("moe")


def build_experts(n_experts, d_in, d_hidden):
    experts = []
    for _ in range(n_experts):
        experts.append(nn.Sequential(nn.Linear(d_in, d_hidden), nn.GELU(), nn.Linear(d_hidden, d_hidden)))
    return experts


class MoERegressor(nn.Module):
    def __init__(self, d_in, d_hidden=64, n_experts=4, top_k=2):
        super().__init__()
        self.experts = build_experts(n_experts, d_in, d_hidden)
        self.gate = nn.Linear(d_in, n_experts)
        self.out = nn.Linear(d_hidden, 1)
        self.top_k = top_k

    def forward(self, x):
        scores = self.gate(x)
        top_val, top_idx = scores.topk(self.top_k, dim=-1)
        weights = F.softmax(top_val, dim=-1)
        expert_out = torch.stack([e(x) for e in self.experts], dim=1)  # B, E, H
        picked = expert_out.gather(1, top_idx[..., None].expand(-1, -1, expert_out.size(-1)))
        h = (weights[..., None] * picked).sum(1)
        aux = scores.softmax(-1).mean(0).pow(2).sum() * len(self.experts)
        return self.out(h).squeeze(-1), aux


def synthetic(n, d, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    y = torch.where(x[:, 0] > 0, x[:, 1:4].sum(1), -x[:, 4:8].prod(1)) + 0.1 * torch.randn(n, generator=g)
    return x, y


def evaluate(model, loader):
    model.eval()
    se = n = 0
    with torch.no_grad():
        for x, y in loader:
            pred, _ = model(x)
            se += F.mse_loss(pred, y, reduction="sum").item()
            n += len(y)
    model.train()
    return (se / n) ** 0.5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d-in", type=int, default=16)
    ap.add_argument("--experts", type=int, default=6)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--aux-weight", type=float, default=0.01)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    xtr, ytr = synthetic(20000, args.d_in, 0)
    xva, yva = synthetic(4000, args.d_in, 1)
    train_loader = DataLoader(TensorDataset(xtr, ytr), batch_size=256, shuffle=True)
    val_loader = DataLoader(TensorDataset(xva, yva), batch_size=1024)

    model = MoERegressor(args.d_in, n_experts=args.experts)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("model params: %d", n_params)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_loader:
            pred, aux = model(x)
            loss = F.mse_loss(pred, y) + args.aux_weight * aux
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
        rmse = evaluate(model, val_loader)
        sched.step(rmse)
        log.info("epoch %d train_mse %.4f val_rmse %.4f lr %.1e", epoch, tot / len(xtr), rmse, opt.param_groups[0]["lr"])
    torch.save(model.state_dict(), "moe.pt")


if __name__ == "__main__":
    main()
