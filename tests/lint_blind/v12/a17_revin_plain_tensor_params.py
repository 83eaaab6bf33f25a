# expect: TVL005
# style: time-series forecasting (PatchTST-like) with a RevIN normalisation layer, research script
# bug: RevIN's learnable affine weight/bias are plain tensors with requires_grad=True instead of nn.Parameter, so they are not in model.parameters() and never optimised or saved
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class RevIN(nn.Module):
    def __init__(self, num_features, eps=1e-5, affine=True):
        super().__init__()
        self.eps = eps
        self.affine = affine
        if affine:
            self.affine_weight = torch.ones(num_features, requires_grad=True)
            self.affine_bias = torch.zeros(num_features, requires_grad=True)

    def normalize(self, x):
        self.mean = x.mean(dim=1, keepdim=True).detach()
        self.stdev = torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + self.eps).detach()
        x = (x - self.mean) / self.stdev
        if self.affine:
            x = x * self.affine_weight + self.affine_bias
        return x

    def denormalize(self, x):
        if self.affine:
            x = (x - self.affine_bias) / (self.affine_weight + self.eps * self.eps)
        return x * self.stdev + self.mean


class PatchForecaster(nn.Module):
    def __init__(self, n_vars, seq_len=336, pred_len=96, patch=16, stride=8, d_model=128, n_layers=3):
        super().__init__()
        self.patch, self.stride = patch, stride
        n_patches = (seq_len - patch) // stride + 1
        self.revin = RevIN(n_vars)
        self.embed = nn.Linear(patch, d_model)
        self.pos = nn.Parameter(torch.randn(1, n_patches, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model, 8, 256, dropout=0.2, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers)
        self.head = nn.Linear(n_patches * d_model, pred_len)

    def forward(self, x):  # x: (B, L, C)
        x = self.revin.normalize(x)
        B, L, C = x.shape
        x = x.permute(0, 2, 1).unfold(-1, self.patch, self.stride)  # B, C, N, P
        x = x.reshape(B * C, -1, self.patch)
        h = self.encoder(self.embed(x) + self.pos)
        y = self.head(h.flatten(1)).reshape(B, C, -1).permute(0, 2, 1)
        return self.revin.denormalize(y)


def make_windows(series, seq_len, pred_len, step=4):
    xs, ys = [], []
    for s in range(0, series.size(0) - seq_len - pred_len, step):
        xs.append(series[s:s + seq_len])
        ys.append(series[s + seq_len:s + seq_len + pred_len])
    return TensorDataset(torch.stack(xs), torch.stack(ys))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n-vars", type=int, default=7)
    p.add_argument("--seq-len", type=int, default=336)
    p.add_argument("--pred-len", type=int, default=96)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-4)
    args = p.parse_args()

    t = torch.arange(12000, dtype=torch.float32)
    series = torch.stack([torch.sin(t / (10 + 5 * k)) * (k + 1) + 0.1 * torch.randn_like(t) for k in range(args.n_vars)], -1)
    train_ds = make_windows(series[:8000], args.seq_len, args.pred_len)
    val_ds = make_windows(series[8000:], args.seq_len, args.pred_len)
    train_dl = DataLoader(train_ds, batch_size=32, shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=64, shuffle=False)

    model = PatchForecaster(args.n_vars, args.seq_len, args.pred_len)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr * 10, total_steps=args.epochs * len(train_dl))
    mse = nn.MSELoss()

    for epoch in range(args.epochs):
        model.train()
        losses = []
        for x, y in train_dl:
            opt.zero_grad()
            loss = mse(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            v = [mse(model(x), y).item() for x, y in val_dl]
        print(f"epoch {epoch} train {sum(losses) / len(losses):.4f} val {sum(v) / len(v):.4f} "
              f"rmse {math.sqrt(sum(v) / len(v)):.4f}")


if __name__ == "__main__":
    main()
