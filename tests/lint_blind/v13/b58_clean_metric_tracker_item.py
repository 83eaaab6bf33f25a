# expect: clean
# style: Trainer with a MetricTracker utility, siamese network for signature verification
# note: a tracker accumulates per-step losses across the epoch, but update() receives loss.item() floats, so no graph is retained
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("siamese")


class MetricTracker:
    def __init__(self, *keys):
        self.keys = keys
        self.reset()

    def reset(self):
        self.totals = defaultdict(float)
        self.counts = defaultdict(int)

    def update(self, key, value, n=1):
        self.totals[key] += value * n
        self.counts[key] += n

    def avg(self, key):
        return self.totals[key] / max(self.counts[key], 1)

    def result(self):
        return {k: self.avg(k) for k in self.keys}


class SignaturePairs(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.a = torch.rand(n, 1, 64, 128, generator=g)
        self.same = torch.randint(0, 2, (n,), generator=g).float()
        noise = torch.rand(n, 1, 64, 128, generator=g)
        self.b = torch.where(self.same[:, None, None, None].bool(), self.a + 0.1 * noise, noise)

    def __len__(self):
        return len(self.same)

    def __getitem__(self, i):
        return self.a[i], self.b[i], self.same[i]


class Embedder(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(1, 32, 5, 2, 2), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                 nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(128, dim)

    def forward(self, x):
        return F.normalize(self.fc(self.cnn(x)), dim=-1)


def contrastive_loss(za, zb, same, margin=0.5):
    d = (za - zb).norm(dim=-1)
    return (same * d.pow(2) + (1 - same) * F.relu(margin - d).pow(2)).mean()


class Trainer:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.tracker = MetricTracker("loss", "acc")

    def train_epoch(self, loader):
        self.model.train()
        self.tracker.reset()
        for a, b, same in loader:
            za, zb = self.model(a), self.model(b)
            loss = contrastive_loss(za, zb, same)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            pred_same = ((za - zb).norm(dim=-1) < 0.25).float()
            self.tracker.update("loss", loss.item(), a.size(0))
            self.tracker.update("acc", (pred_same == same).float().mean().item(), a.size(0))
        return self.tracker.result()

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        t = MetricTracker("acc")
        for a, b, same in loader:
            d = (self.model(a) - self.model(b)).norm(dim=-1)
            t.update("acc", ((d < 0.25).float() == same).float().mean().item(), a.size(0))
        return t.result()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    trainer = Trainer(Embedder())
    tr = DataLoader(SignaturePairs(3000, 0), batch_size=32, shuffle=True)
    va = DataLoader(SignaturePairs(500, 1), batch_size=128)
    for ep in range(8):
        log.info("epoch %d train %s val %s", ep, trainer.train_epoch(tr), trainer.evaluate(va))
    torch.save(trainer.model.state_dict(), "siamese.pt")
