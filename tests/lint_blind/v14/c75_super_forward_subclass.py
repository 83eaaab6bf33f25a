# expect: clean
# style: model subclassing with super().forward(), anchor-free object counting with an EMA wrapper
# note: .forward( appears several times, but only as super().forward(...) inside subclasses and in a wrapper's own forward; training code always calls modules via __call__, so hooks run
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("count")


class DensityNet(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(2 * width, 2 * width, 3, padding=2, dilation=2), nn.ReLU())
        self.dec = nn.Conv2d(2 * width, 1, 1)

    def forward(self, x):
        return F.relu(self.dec(self.enc(x)))


class ScaledDensityNet(DensityNet):
    """Same net, but predicts density scaled by a fixed factor for numerical range."""

    def __init__(self, scale=100.0, **kw):
        super().__init__(**kw)
        self.scale = scale

    def forward(self, x):
        return super().forward(x) / self.scale


class NormalizeInput(nn.Module):
    def __init__(self, inner, mean, std):
        super().__init__()
        self.inner = inner
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, x):
        return self.inner((x - self.mean) / self.std)


def activation_logger(store):
    def hook(mod, inp, out):
        store["density_max"] = out.detach().max().item()
    return hook


def synthetic_crowds(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.rand(n, 3, 96, 96, generator=g)
    dens = torch.zeros(n, 1, 24, 24)
    counts = torch.randint(0, 60, (n,), generator=g)
    for i, c in enumerate(counts):
        idx = torch.randint(0, 24 * 24, (int(c),), generator=g)
        dens[i].view(-1).index_add_(0, idx, torch.ones(int(c)))
    return TensorDataset(imgs, dens * 100.0)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(synthetic_crowds(1500), batch_size=16, shuffle=True)
    val_loader = DataLoader(synthetic_crowds(200, seed=1), batch_size=50)
    model = NormalizeInput(ScaledDensityNet(width=32), [0.5] * 3, [0.25] * 3)
    stats = {}
    model.register_forward_hook(activation_logger(stats))
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    for epoch in range(30):
        model.train()
        tot = 0.0
        for img, dens in train_loader:
            pred = model(img)
            loss = F.mse_loss(pred, dens / 100.0) * 1e3
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        mae = 0.0
        with torch.no_grad():
            for img, dens in val_loader:
                true_count = dens.sum((1, 2, 3)) / 100.0
                mae += (model(img).sum((1, 2, 3)) - true_count).abs().sum().item()
        log.info("epoch %d loss %.4f count MAE %.2f max density %.4f", epoch, tot / len(train_loader), mae / 200,
                 stats.get("density_max", float("nan")))
