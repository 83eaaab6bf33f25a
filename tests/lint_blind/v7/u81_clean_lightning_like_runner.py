# expect: clean
# style: Lightning-like LitModule + hand-written Runner with on_validation_start/on_validation_end hooks, image retrieval with a triplet loss
# note: the runner puts the module in eval() and no_grad for validation inside the epoch loop, which looks like TVL001/TVL004, but on_validation_end switches back with module.train(), and training_step runs outside any no_grad block.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("runner")


class EmbedNet(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                               nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(64, d))

    def forward(self, x):
        return F.normalize(self.f(x), dim=-1)


class LitRetrieval:
    def __init__(self, margin=0.2, lr=1e-3):
        self.net = EmbedNet()
        self.margin, self.lr = margin, lr

    def configure_optimizers(self):
        return torch.optim.Adam(self.net.parameters(), lr=self.lr)

    def training_step(self, batch):
        a, p, n = batch
        return F.triplet_margin_loss(self.net(a), self.net(p), self.net(n), margin=self.margin)

    def on_validation_start(self):
        self.net.eval()

    def validation_step(self, batch):
        q, g, labels = batch
        sims = self.net(q) @ self.net(g).t()
        return (sims.argmax(1) == labels).float().sum().item(), len(labels)

    def on_validation_end(self):
        self.net.train()


class Runner:
    def __init__(self, max_epochs=10):
        self.max_epochs = max_epochs

    def fit(self, lit, train_loader, val_loader):
        opt = lit.configure_optimizers()
        lit.net.train()
        for epoch in range(self.max_epochs):
            tot = 0.0
            for batch in train_loader:
                loss = lit.training_step(batch)
                opt.zero_grad()
                loss.backward()
                opt.step()
                tot += loss.item()
            lit.on_validation_start()
            hit = n = 0
            with torch.no_grad():
                for batch in val_loader:
                    h, k = lit.validation_step(batch)
                    hit, n = hit + h, n + k
            lit.on_validation_end()
            log.info("epoch %d loss %.4f recall@1 %.4f", epoch, tot / len(train_loader), hit / n)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    base = torch.rand(2000, 3, 48, 48)
    pos = base + 0.05 * torch.randn_like(base)
    neg = base[torch.randperm(2000)]
    train_loader = DataLoader(TensorDataset(base, pos, neg), batch_size=64, shuffle=True)
    q = torch.rand(256, 3, 48, 48)
    g = q + 0.05 * torch.randn_like(q)
    val_loader = DataLoader(TensorDataset(q, g, torch.arange(256)), batch_size=256)
    Runner().fit(LitRetrieval(), train_loader, val_loader)
