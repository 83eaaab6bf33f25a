# expect: clean
# style: research repo with AverageMeter and a metrics dict, multi-output weather forecasting (temperature + rain) with a GRU
# note: losses are accumulated across iterations in several places (looks like TVL012), but always as python floats via .item() or as loss.detach() tensors, never the graph-carrying loss
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += float(val) * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


class WeatherGRU(nn.Module):
    def __init__(self, n_feat=10, hidden=128, horizon=12):
        super().__init__()
        self.gru = nn.GRU(n_feat, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.temp = nn.Linear(hidden, horizon)
        self.rain = nn.Linear(hidden, horizon)

    def forward(self, x):
        h, _ = self.gru(x)
        return self.temp(h[:, -1]), self.rain(h[:, -1])


def make_windows(n, T=48, horizon=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, T, 10, generator=g)
    temp = x[:, -horizon:, 0] * 2 + 15
    rain = (x[:, -horizon:, 1] > 0.8).float()
    return x, temp, rain


def train_epoch(model, loader, opt, device, rain_weight):
    model.train()
    meters = {"loss": AverageMeter(), "temp_mae": AverageMeter(), "rain_bce": AverageMeter()}
    epoch_loss_t = torch.zeros((), device=device)
    for x, temp, rain in loader:
        x, temp, rain = x.to(device), temp.to(device), rain.to(device)
        pt, pr = model(x)
        l_temp = F.l1_loss(pt, temp)
        l_rain = F.binary_cross_entropy_with_logits(pr, rain)
        loss = l_temp + rain_weight * l_rain
        opt.zero_grad()
        loss.backward()
        opt.step()
        bs = x.size(0)
        meters["loss"].update(loss.item(), bs)
        meters["temp_mae"].update(l_temp.item(), bs)
        meters["rain_bce"].update(l_rain.item(), bs)
        epoch_loss_t += loss.detach() * bs
    return {k: m.avg for k, m in meters.items()}, (epoch_loss_t / len(loader.dataset)).item()


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    mae, hits, n = 0.0, 0.0, 0
    for x, temp, rain in loader:
        pt, pr = model(x.to(device))
        mae += (pt.cpu() - temp).abs().mean(1).sum().item()
        hits += ((pr.cpu() > 0).float() == rain).float().mean(1).sum().item()
        n += x.size(0)
    return mae / n, hits / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--rain-weight", type=float, default=2.0)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tr, va = make_windows(12000), make_windows(2000, seed=1)
    train_loader = DataLoader(TensorDataset(*tr), batch_size=128, shuffle=True)
    val_loader = DataLoader(TensorDataset(*va), batch_size=512)
    model = WeatherGRU().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        t0 = time.time()
        stats, check = train_epoch(model, train_loader, opt, device, args.rain_weight)
        mae, acc = validate(model, val_loader, device)
        print(f"epoch {epoch:02d} " + " ".join(f"{k}={v:.4f}" for k, v in stats.items())
              + f" (check {check:.4f}) val_mae={mae:.3f} val_rain_acc={acc:.3f} {time.time() - t0:.1f}s")
    torch.save(model.state_dict(), "weather_gru.pt")


if __name__ == "__main__":
    main()
