# expect: TVL016
# style: hand-written Trainer with overridable hooks (on_after_backward / optimizer_step), Lightning-like, torch.amp; GRU multi-series forecaster
# bug: on_after_backward() clips gradients right after scaler.scale(loss).backward(), on still-scaled gradients; optimizer_step() never calls scaler.unscale_() first
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class GRUForecaster(nn.Module):
    def __init__(self, n_series=8, hidden=128, horizon=24):
        super().__init__()
        self.gru = nn.GRU(n_series, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.proj = nn.Linear(hidden, n_series * horizon)
        self.n_series, self.horizon = n_series, horizon

    def forward(self, x):
        h, _ = self.gru(x)
        return self.proj(h[:, -1]).view(-1, self.horizon, self.n_series)


class Trainer:
    def __init__(self, model, lr, max_norm, device="cuda"):
        self.model, self.device, self.max_norm = model.to(device), device, max_norm
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        self.scaler = torch.amp.GradScaler("cuda")

    def on_after_backward(self):
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)

    def optimizer_step(self):
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)

    def training_step(self, batch):
        x, y = (t.to(self.device) for t in batch)
        with torch.autocast("cuda", dtype=torch.float16):
            return F.mse_loss(self.model(x), y)

    def fit(self, loader, epochs):
        for epoch in range(epochs):
            self.model.train()
            for i, batch in enumerate(loader):
                loss = self.training_step(batch)
                self.scaler.scale(loss).backward()
                self.on_after_backward()
                self.optimizer_step()
                if i % 50 == 0:
                    print(f"epoch {epoch} it {i} mse {loss.item():.4f}")


def windows(series, lookback=96, horizon=24):
    xs, ys = [], []
    for s in range(0, len(series) - lookback - horizon, 4):
        xs.append(series[s:s + lookback])
        ys.append(series[s + lookback:s + lookback + horizon])
    return torch.stack(xs), torch.stack(ys)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--max_norm", type=float, default=0.5)
    args = ap.parse_args()
    t = torch.arange(20000, dtype=torch.float32)
    series = torch.stack([torch.sin(t / (10 + k)) for k in range(8)], dim=1) + 0.05 * torch.randn(20000, 8)
    X, Y = windows(series)
    loader = DataLoader(TensorDataset(X, Y), batch_size=64, shuffle=True, drop_last=True)
    Trainer(GRUForecaster(), args.lr, args.max_norm).fit(loader, args.epochs)
