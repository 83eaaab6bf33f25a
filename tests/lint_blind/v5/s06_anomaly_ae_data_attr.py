# expect: TVL002
# style: anomaly-detection autoencoder on sensor windows (research repo: argparse + logging)
# bug: reconstruction_error() takes model(x).data, so the training loss built from it has no path to the autoencoder
import argparse
import logging
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
log = logging.getLogger("ae")


class SensorWindows(Dataset):
    def __init__(self, n, window=64, channels=8, anomalous=False):
        base = torch.sin(torch.linspace(0, 20, window)).repeat(channels, 1)
        self.x = base.unsqueeze(0) + 0.05 * torch.randn(n, channels, window)
        if anomalous:
            self.x[:, :, window // 2:] += 1.5
        self.x = self.x.flatten(1)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i]


class DenseAE(nn.Module):
    def __init__(self, d_in, bottleneck=16):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, 128), nn.ReLU(), nn.Linear(128, bottleneck))
        self.decoder = nn.Sequential(nn.Linear(bottleneck, 128), nn.ReLU(), nn.Linear(128, d_in))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def reconstruction_error(model, x):
    recon = model(x).data
    return ((recon - x) ** 2).mean(dim=1)


def train(model, loader, opt, epochs):
    for ep in range(epochs):
        model.train()
        total = 0.0
        for x in loader:
            loss = reconstruction_error(model, x).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        log.info("epoch %d recon %.5f", ep, total / len(loader))


@torch.no_grad()
def score(model, loader):
    model.eval()
    return torch.cat([reconstruction_error(model, x) for x in loader])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    normal = SensorWindows(6000)
    model = DenseAE(normal.x.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    train(model, DataLoader(normal, batch_size=64, shuffle=True), opt, args.epochs)
    s_norm = score(model, DataLoader(SensorWindows(500), batch_size=256))
    s_anom = score(model, DataLoader(SensorWindows(500, anomalous=True), batch_size=256))
    thr = s_norm.quantile(0.99)
    log.info("detected %.3f of anomalies", (s_anom > thr).float().mean().item())
