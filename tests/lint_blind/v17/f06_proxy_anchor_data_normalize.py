# expect: TVL002
# style: metric-learning repo with utils module functions, proxy-based loss on product images
# bug: l2_normalize() works on emb.data, so the embeddings reaching ProxyLoss are cut from the encoder; only the proxies get gradients and the encoder is never trained.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- utils
def l2_normalize(emb, eps=1e-12):
    norm = emb.data.norm(p=2, dim=1, keepdim=True).clamp_min(eps)
    return emb.data / norm


def recall_at_k(emb, labels, k=1):
    sim = emb @ emb.t()
    sim.fill_diagonal_(-1e9)
    idx = sim.topk(k, dim=1).indices
    hit = (labels[idx] == labels[:, None]).any(1).float()
    return hit.mean().item()


# ---------------------------------------------------------------- data
class ProductImages(Dataset):
    def __init__(self, n=4000, n_classes=100, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, n_classes, (n,), generator=g)
        centers = torch.randn(n_classes, 3, 8, 8, generator=g)
        self.images = F.interpolate(centers[self.labels], size=64) + 0.5 * torch.randn(n, 3, 64, 64, generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.images[i], self.labels[i]


# ---------------------------------------------------------------- model / loss
class Encoder(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.embed = nn.Linear(128, dim)

    def forward(self, x):
        return self.embed(self.features(x))


class ProxyLoss(nn.Module):
    def __init__(self, n_classes, dim, scale=16.0):
        super().__init__()
        self.proxies = nn.Parameter(torch.randn(n_classes, dim) * 0.01)
        self.scale = scale

    def forward(self, emb, labels):
        p = F.normalize(self.proxies, dim=1)
        logits = self.scale * emb @ p.t()
        return F.cross_entropy(logits, labels)


def train_epoch(encoder, criterion, loader, opt, device):
    encoder.train()
    total, n = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        emb = l2_normalize(encoder(x))
        loss = criterion(emb, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


@torch.no_grad()
def evaluate(encoder, loader, device):
    encoder.eval()
    embs, labs = [], []
    for x, y in loader:
        embs.append(l2_normalize(encoder(x.to(device))).cpu())
        labs.append(y)
    return recall_at_k(torch.cat(embs), torch.cat(labs), k=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--proxy-lr-mult", type=float, default=100.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_ds, test_ds = ProductImages(seed=0), ProductImages(n=1000, seed=1)
    train_dl = DataLoader(train_ds, batch_size=128, shuffle=True, num_workers=2, drop_last=True)
    test_dl = DataLoader(test_ds, batch_size=256, num_workers=2)

    encoder = Encoder(args.dim).to(device)
    criterion = ProxyLoss(100, args.dim).to(device)
    opt = torch.optim.AdamW([
        {"params": encoder.parameters(), "lr": args.lr},
        {"params": criterion.parameters(), "lr": args.lr * args.proxy_lr_mult},
    ], weight_decay=1e-4)

    for epoch in range(args.epochs):
        loss = train_epoch(encoder, criterion, train_dl, opt, device)
        r1 = evaluate(encoder, test_dl, device)
        logger.info("epoch %d loss %.4f R@1 %.4f", epoch, loss, r1)


if __name__ == "__main__":
    main()
