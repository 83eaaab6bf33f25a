# expect: clean
# style: fastai fit_one_cycle reproduced by hand in a plain function (Kaggle tabular regression with embeddings)
# note: OneCycleLR is sized with steps_per_epoch=len(loader) and stepped once per batch, after optimizer.step(); regression target is unsqueezed to (B, 1) to match the Linear(..., 1) output
import argparse
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class EmbMLP(nn.Module):
    def __init__(self, cards, n_cont, emb_dim=8):
        super().__init__()
        self.embs = nn.ModuleList(nn.Embedding(c, emb_dim) for c in cards)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        d = emb_dim * len(cards) + n_cont
        self.mlp = nn.Sequential(nn.Linear(d, 200), nn.ReLU(), nn.Dropout(0.1), nn.Linear(200, 100), nn.ReLU(),
                                 nn.Linear(100, 1))

    def forward(self, x_cat, x_cont):
        e = torch.cat([emb(x_cat[:, i]) for i, emb in enumerate(self.embs)], dim=1)
        return self.mlp(torch.cat([e, self.bn_cont(x_cont)], dim=1))


def fit_one_cycle(model, train_dl, valid_dl, epochs, max_lr, wd=1e-2):
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=len(train_dl),
                                                pct_start=0.25, div_factor=25.0)
    for epoch in range(epochs):
        model.train()
        for xc, xn, y in train_dl:
            loss = F.mse_loss(model(xc, xn), y.unsqueeze(1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            se = sum(((model(xc, xn).squeeze(1) - y) ** 2).sum().item() for xc, xn, y in valid_dl)
        print(f"epoch {epoch} train_loss {loss.item():.4f} valid_rmse {np.sqrt(se / len(valid_dl.dataset)):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--max_lr", type=float, default=3e-3)
    args = ap.parse_args()
    cards = [12, 7, 31, 50]
    n = 40000
    x_cat = torch.stack([torch.randint(0, c, (n,)) for c in cards], dim=1)
    x_cont = torch.randn(n, 6)
    y = x_cont[:, 0] * 2 + x_cat[:, 1].float() * 0.1 + 0.1 * torch.randn(n)
    train_dl = DataLoader(TensorDataset(x_cat[:35000], x_cont[:35000], y[:35000]), batch_size=512, shuffle=True)
    valid_dl = DataLoader(TensorDataset(x_cat[35000:], x_cont[35000:], y[35000:]), batch_size=1024)
    fit_one_cycle(EmbMLP(cards, 6), train_dl, valid_dl, args.epochs, args.max_lr)
