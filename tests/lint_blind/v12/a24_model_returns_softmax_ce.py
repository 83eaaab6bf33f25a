# expect: TVL008
# style: ViT-tiny image classifier, model defined in a models module section, Trainer class computing nn.CrossEntropyLoss
# bug: TinyViT.forward() returns softmax probabilities (so predict() "looks nice"), and the Trainer feeds them to nn.CrossEntropyLoss, which applies log_softmax again
import argparse
import logging
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("vit")


# ----------------------------------------------------------------------------- models
class PatchEmbed(nn.Module):
    def __init__(self, img=32, patch=4, dim=192):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)
        self.n = (img // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class TinyViT(nn.Module):
    def __init__(self, num_classes=100, dim=192, depth=6, heads=3):
        super().__init__()
        self.patch = PatchEmbed(dim=dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, self.patch.n + 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 4, dropout=0.1, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patch(x)
        x = torch.cat([self.cls.expand(x.size(0), -1, -1), x], 1) + self.pos
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0]).softmax(dim=-1)

    @torch.no_grad()
    def predict(self, x, topk=5):
        probs = self(x)
        return probs.topk(topk, dim=-1)


# ----------------------------------------------------------------------------- engine
class Trainer:
    def __init__(self, model, lr, wd, epochs, device):
        self.model = model.to(device)
        self.device = device
        self.epochs = epochs
        self.criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, T_max=epochs)

    def train_epoch(self, loader):
        self.model.train()
        tot, n = 0.0, 0
        for x, y in loader:
            x, y = x.to(self.device), y.to(self.device)
            out = self.model(x)
            loss = self.criterion(out, y)
            self.optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
            tot += loss.item() * len(y)
            n += len(y)
        self.scheduler.step()
        return tot / n

    def evaluate(self, loader):
        self.model.eval()
        top1 = top5 = n = 0
        for x, y in loader:
            _, idx = self.model.predict(x.to(self.device))
            y = y.to(self.device)
            top1 += (idx[:, 0] == y).sum().item()
            top5 += (idx == y[:, None]).any(1).sum().item()
            n += len(y)
        self.model.train()
        return top1 / n, top5 / n

    def fit(self, train_dl, val_dl):
        for ep in range(self.epochs):
            t = time.time()
            loss = self.train_epoch(train_dl)
            a1, a5 = self.evaluate(val_dl)
            logger.info("ep %d loss %.4f top1 %.3f top5 %.3f (%.0fs)", ep, loss, a1, a5, time.time() - t)


def cifar100_like(n):
    return TensorDataset(torch.randn(n, 3, 32, 32), torch.randint(0, 100, (n,)))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=0.05)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    train_dl = DataLoader(cifar100_like(5000), batch_size=128, shuffle=True, num_workers=4)
    val_dl = DataLoader(cifar100_like(1000), batch_size=256)
    Trainer(TinyViT(), args.lr, args.wd, args.epochs, dev).fit(train_dl, val_dl)
